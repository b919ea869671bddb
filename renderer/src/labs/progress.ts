// Progress per lab, kept in the renderer's storage until the host stores it
// under CHAINLAB_HOME (needs a contract request; see the labs report).
import type { LabProgress } from '../../../core/lab/runner/index.js';

const KEY = 'chainlab.labs.progress';

export function loadAllProgress(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): Record<string, LabProgress> {
  try { return JSON.parse(storage?.getItem(KEY) ?? '{}') as Record<string, LabProgress>; } catch { return {}; }
}

export function saveProgress(p: LabProgress, storage: Pick<Storage, 'getItem' | 'setItem'> | undefined = globalThis.localStorage): void {
  const all = loadAllProgress(storage);
  all[p.lab] = p;
  storage?.setItem(KEY, JSON.stringify(all));
}

/** 0..1, for the card's bar. */
export function fraction(p: LabProgress | undefined, steps: number): number {
  return p === undefined || steps === 0 ? 0 : Math.min(1, p.current / steps);
}
