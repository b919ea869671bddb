// Simulated time. The lab's clock runs with real time (offset by whatever was
// fast-forwarded), or, in tests, only when told to. Everything time-dependent
// in the runtime (pod start, kube-proxy's minSyncPeriod, kubelet's back-off,
// AGE columns) reads this clock and nothing else.

import type { AbortSignalLike } from '../cluster/api.js';

export interface SimClock {
  /** Simulated epoch ms. */
  now(): number;
  /** Jump ahead (fast-forward) by `ms`. */
  advance(ms: number): void;
  /** Wait `ms` of simulated time; resolves false when aborted first. */
  sleep(ms: number, signal?: AbortSignalLike): Promise<boolean>;
  /** True when time moves by itself (real-time clock): the runtime then arms real timers. */
  readonly realtime: boolean;
  /** Schedule a real callback after `ms` (real-time clocks only); returns cancel. */
  setTimer(ms: number, fn: () => void): () => void;
  /** Listeners run after every `advance` (the runtime processes due work there). */
  onAdvance(fn: () => void): () => void;
}

interface TimerApi {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}
// The pure core has no DOM/Node typings; every JS host has these two globals.
const timers = globalThis as unknown as TimerApi;

/** Real time plus `offsetMs` (fast-forwards add to the offset). */
export function realtimeClock(opts: { offsetMs?: number; wallNow?: () => number } = {}): SimClock & { readonly offsetMs: number } {
  const wall = opts.wallNow ?? (() => Date.now());
  let offset = opts.offsetMs ?? 0;
  const listeners = new Set<() => void>();
  return {
    realtime: true,
    get offsetMs() { return offset; },
    now: () => wall() + offset,
    advance(ms) {
      offset += Math.max(0, ms);
      for (const l of [...listeners]) l();
    },
    sleep(ms, signal) {
      return new Promise<boolean>((resolve) => {
        if (signal?.aborted) return resolve(false);
        const onAbort = (): void => { timers.clearTimeout(id); resolve(false); };
        const id = timers.setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(true); }, Math.max(0, ms));
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    setTimer(ms, fn) {
      const id = timers.setTimeout(fn, Math.max(0, ms));
      return () => timers.clearTimeout(id);
    },
    onAdvance(fn) { listeners.add(fn); return () => listeners.delete(fn); },
  };
}

/**
 * A clock that moves only when advanced (tests, benchmarks). `sleep` advances
 * it by itself, so a `sleep 5` or a curl time-out in a test takes no real time.
 */
export function manualClock(startMs: number = Date.UTC(2026, 0, 5, 9, 0, 0)): SimClock {
  let t = startMs;
  const listeners = new Set<() => void>();
  const advance = (ms: number): void => {
    t += Math.max(0, ms);
    for (const l of [...listeners]) l();
  };
  return {
    realtime: false,
    now: () => t,
    advance,
    async sleep(ms, signal) {
      if (signal?.aborted) return false;
      advance(ms);
      await Promise.resolve();
      return !signal?.aborted;
    },
    setTimer: () => () => undefined,
    onAdvance(fn) { listeners.add(fn); return () => listeners.delete(fn); },
  };
}
