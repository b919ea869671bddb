// Where labs live between commands: one directory per lab under CHAINLAB_HOME
// (default ~/.chainlab/labs/<name>/), its state in `state.json`, written
// atomically (temporary file, fsync, rename) so a crash or `kill -9` leaves
// either the old state or the new one, never half of one.

import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { SimState } from '../../lab/index.js';

export const LAB_NAME = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;

export interface StoredLab {
  format: 'chainlab-lab/1';
  name: string;
  /** Real time when it was saved (ms). */
  savedAt: number;
  /** Simulated time = real time + this (fast-forwards add to it). */
  clockOffsetMs: number;
  /** Login user of node shells (`root` when absent). */
  user?: string;
  state: SimState;
}

export function chainlabHome(env: Record<string, string | undefined>): string {
  return env.CHAINLAB_HOME && env.CHAINLAB_HOME !== '' ? env.CHAINLAB_HOME : join(homedir(), '.chainlab');
}

export function labsDir(env: Record<string, string | undefined>): string {
  return join(chainlabHome(env), 'labs');
}

export function labDir(env: Record<string, string | undefined>, name: string): string {
  return join(labsDir(env), name);
}

export async function listLabs(env: Record<string, string | undefined>): Promise<string[]> {
  try {
    const names = await readdir(labsDir(env));
    const out: string[] = [];
    for (const n of names.sort()) {
      if (!LAB_NAME.test(n)) continue;
      try { await stat(join(labsDir(env), n, 'state.json')); out.push(n); } catch { /* a lab being created or removed */ }
    }
    return out;
  } catch {
    return [];
  }
}

export async function readLab(dir: string): Promise<StoredLab> {
  const text = await readFile(join(dir, 'state.json'), 'utf8');
  const v = JSON.parse(text) as StoredLab;
  if (v.format !== 'chainlab-lab/1') throw new Error(`${join(dir, 'state.json')}: not a Chainlab lab state (format ${String(v.format)})`);
  return v;
}

/** Writes `data` to `path` atomically: a sibling temporary file, fsync, rename, fsync of the directory. */
export async function writeAtomic(path: string, data: string): Promise<void> {
  const dir = join(path, '..');
  const tmp = `${path}.tmp-${process.pid}-${Date.now().toString(36)}`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(data, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  try {
    const d = await open(dir, 'r');
    try { await d.sync(); } finally { await d.close(); }
  } catch { /* some filesystems cannot fsync a directory */ }
}

export async function writeLab(dir: string, lab: StoredLab): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeAtomic(join(dir, 'state.json'), JSON.stringify(lab));
}

export async function removeLab(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
