// One CLI command against a stored lab: take the lock, restore the lab on a
// clock that went on in real time while it was stored, run, save atomically,
// release. Everything the lab runs in between stays in its state.

import type { LabSpec } from '../../lab/index.js';
import { createSimLab, realtimeClock, restoreSimLab } from '../../lab/index.js';
import type { SimLab } from '../../lab/index.js';
import { lockLab } from './lock.js';
import type { StoredLab } from './store.js';
import { labDir, readLab, writeLab } from './store.js';

export interface SessionOptions {
  env: Record<string, string | undefined>;
  /** How long to wait for another process's lock (default CHAINLAB_LOCK_WAIT_MS or 10 s). */
  waitMs?: number;
}

export function lockWaitMs(env: Record<string, string | undefined>): number {
  const v = Number(env.CHAINLAB_LOCK_WAIT_MS);
  return Number.isFinite(v) && v >= 0 ? v : 10_000;
}

export interface OpenLab {
  lab: SimLab;
  stored: StoredLab;
  /** Move simulated time ahead (persisted with the lab). */
  advance(ms: number): Promise<void>;
}

/** Runs `fn` with the lab `name` locked and saves what it changed (also when `fn` throws). */
export async function withLab<T>(name: string, command: string, opts: SessionOptions, fn: (open: OpenLab) => Promise<T>): Promise<T> {
  const dir = labDir(opts.env, name);
  const release = await lockLab(dir, name, command, opts.waitMs ?? lockWaitMs(opts.env));
  try {
    const stored = await readLab(dir);
    const clock = realtimeClock({ offsetMs: stored.clockOffsetMs });
    const lab = await restoreSimLab(stored.state, { clock, ...(stored.user ? { user: stored.user } : {}) });
    try {
      return await fn({ lab, stored, advance: async (ms) => { await lab.advance(ms); } });
    } finally {
      await writeLab(dir, { ...stored, savedAt: Date.now(), clockOffsetMs: clock.offsetMs, state: lab.toJSON() });
      await lab.close();
    }
  } finally {
    await release();
  }
}

/** Creates and stores a new lab; fails if one with that name exists. */
export async function createLab(spec: LabSpec, opts: SessionOptions & { user?: string }): Promise<SimLab> {
  const dir = labDir(opts.env, spec.name);
  const release = await lockLab(dir, spec.name, 'up', opts.waitMs ?? lockWaitMs(opts.env));
  try {
    try {
      await readLab(dir);
      throw new LabExistsError(spec.name);
    } catch (e) {
      if (e instanceof LabExistsError) throw e;
    }
    const clock = realtimeClock();
    const lab = await createSimLab(spec, { clock, ...(opts.user ? { user: opts.user } : {}) });
    await writeLab(dir, { format: 'chainlab-lab/1', name: spec.name, savedAt: Date.now(), clockOffsetMs: clock.offsetMs, state: lab.toJSON(), ...(opts.user ? { user: opts.user } : {}) });
    await lab.close();
    return lab;
  } finally {
    await release();
  }
}

export class LabExistsError extends Error {
  constructor(public readonly lab: string) {
    super(`a lab named "${lab}" already exists (chainlab down --lab ${lab} removes it)`);
  }
}

/** Fast-forward a stored lab's simulated time (tests, trainers). */
export async function advanceLab(name: string, ms: number, opts: SessionOptions): Promise<void> {
  await withLab(name, 'advance', opts, async (o) => { await o.advance(ms); });
}
