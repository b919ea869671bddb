// Terminal output batching: a flood of output (`yes`, a 10 MB log) is cut into
// frames of about 16 ms or 200 KB, so the UI gets one message per frame instead
// of one per chunk and never freezes. The timer is injected: this module is pure.

export interface Timer {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const FRAME_MS = 16;
export const FRAME_BYTES = 200 * 1024;

export interface Batcher {
  push(data: string): void;
  /** Sends what is pending now (before an exit, on close). */
  flush(): void;
  dispose(): void;
}

export function createBatcher(emit: (frame: string) => void, timer: Timer, opts: { frameMs?: number; frameBytes?: number } = {}): Batcher {
  const frameMs = opts.frameMs ?? FRAME_MS;
  const frameBytes = opts.frameBytes ?? FRAME_BYTES;
  let pending: string[] = [];
  let size = 0;
  let handle: unknown = null;

  const flush = (): void => {
    if (handle !== null) { timer.clear(handle); handle = null; }
    if (size === 0) return;
    const frame = pending.join('');
    pending = [];
    size = 0;
    emit(frame);
  };

  return {
    push(data) {
      if (data.length === 0) return;
      // A single huge chunk is split so no frame exceeds the byte budget.
      let rest = data;
      while (size + rest.length > frameBytes) {
        const room = frameBytes - size;
        pending.push(rest.slice(0, room));
        size += room;
        rest = rest.slice(room);
        flush();
      }
      if (rest.length > 0) {
        pending.push(rest);
        size += rest.length;
      }
      if (size > 0 && handle === null) handle = timer.set(flush, frameMs);
    },
    flush,
    dispose() {
      if (handle !== null) timer.clear(handle);
      handle = null;
      pending = [];
      size = 0;
    },
  };
}
