// A tiny AbortController for the pure core (no DOM lib here): the shell makes
// one per foreground job, per pipeline stage and per `watch` round.
import type { AbortSignalLike } from './host.js';

export class Abort {
  private listeners = new Set<() => void>();
  private done = false;
  readonly signal: AbortSignalLike;

  constructor(parent?: AbortSignalLike) {
    const self = this;
    this.signal = {
      get aborted() {
        return self.done;
      },
      addEventListener(_type, listener) {
        if (self.done) return;
        self.listeners.add(listener);
      },
      removeEventListener(_type, listener) {
        self.listeners.delete(listener);
      },
    };
    if (parent) {
      if (parent.aborted) this.abort();
      else {
        const onAbort = (): void => this.abort();
        parent.addEventListener('abort', onAbort, { once: true });
        this.listeners.add(() => parent.removeEventListener('abort', onAbort));
      }
    }
  }

  abort(): void {
    if (this.done) return;
    this.done = true;
    const ls = [...this.listeners];
    this.listeners.clear();
    for (const l of ls) l();
  }
}

/** A promise that resolves when the signal aborts (never, if it never does). */
export function whenAborted(signal: AbortSignalLike): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
