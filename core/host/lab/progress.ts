// Where a guided lab's progress is kept between runs of the app (and the CLI):
// $CHAINLAB_HOME/guided/<lab>/progress.json, written atomically.

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LabProgress } from '../../lab/runner/index.js';
import { chainlabHome } from './store.js';

export function progressPath(env: Record<string, string | undefined>, labId: string): string {
  return path.join(chainlabHome(env), 'guided', labId, 'progress.json');
}

/** Saved progress of a guided lab, or null (none yet, or unreadable: the student starts over). */
export async function readProgress(env: Record<string, string | undefined>, labId: string): Promise<LabProgress | null> {
  let text: string;
  try { text = await readFile(progressPath(env, labId), 'utf8'); } catch { return null; }
  try {
    const p = JSON.parse(text) as LabProgress;
    return p !== null && p.lab === labId && typeof p.current === 'number' && typeof p.steps === 'object' && p.steps !== null ? p : null;
  } catch { return null; }
}

let tmpCounter = 0;

/** Saves progress atomically (write, then rename), so a crash never leaves half a file. */
export async function writeProgress(env: Record<string, string | undefined>, p: LabProgress): Promise<void> {
  const file = progressPath(env, p.lab);
  await mkdir(path.dirname(file), { recursive: true });
  // Unique per write: two writers (two app windows in one process) never share a temporary file.
  const tmp = `${file}.tmp-${process.pid}-${(tmpCounter++).toString(36)}`;
  await writeFile(tmp, `${JSON.stringify(p, null, 2)}\n`);
  await rename(tmp, file);
}
