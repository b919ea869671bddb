// Where a guided lab's progress is kept between runs of the app (and the CLI):
// $CHAINLAB_HOME/guided/<lab>/progress.json, written atomically.

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LabProgress } from '../../lab/runner/index.js';
import { chainlabHome } from './store.js';

export function progressPath(env: Record<string, string | undefined>, labId: string): string {
  return path.join(chainlabHome(env), 'guided', labId, 'progress.json');
}

/** What the progress file holds: progress, nothing yet, or why it cannot be used. */
type ProgressFile = { kind: 'progress'; progress: LabProgress } | { kind: 'none' } | { kind: 'unusable'; why: string };

async function inspectProgress(file: string, labId: string): Promise<ProgressFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? { kind: 'none' } : { kind: 'unusable', why: `it could not be read (${code ?? (e as Error).message})` };
  }
  let p: LabProgress;
  try {
    p = JSON.parse(text) as LabProgress;
  } catch (e) {
    return { kind: 'unusable', why: `it is not JSON (${(e as Error).message})` };
  }
  if (p === null || typeof p !== 'object' || p.lab !== labId) return { kind: 'unusable', why: `it is not the progress of lab ${labId}` };
  if (typeof p.current !== 'number' || typeof p.steps !== 'object' || p.steps === null) return { kind: 'unusable', why: 'its "current" or "steps" field is missing' };
  return { kind: 'progress', progress: p };
}

/** Saved progress of a guided lab, or null (none yet, or unusable); reads only, for the library's cards. */
export async function readProgress(env: Record<string, string | undefined>, labId: string): Promise<LabProgress | null> {
  const f = await inspectProgress(progressPath(env, labId), labId);
  return f.kind === 'progress' ? f.progress : null;
}

/**
 * The progress a lesson resumes from. A file that cannot be used is moved
 * aside (progress.json.unusable-<time>), never written over, and `problem`
 * says so in words for the student; the lesson then starts at step 1.
 */
export async function loadProgress(env: Record<string, string | undefined>, labId: string, now = new Date()): Promise<{ progress: LabProgress | null; problem?: string }> {
  const file = progressPath(env, labId);
  const f = await inspectProgress(file, labId);
  if (f.kind === 'progress') return { progress: f.progress };
  if (f.kind === 'none') return { progress: null };
  const aside = `${file}.unusable-${now.toISOString().replace(/[:.]/g, '-')}`;
  try {
    await rename(file, aside);
  } catch (e) {
    return { progress: null, problem: `Your saved progress in ${file} cannot be used: ${f.why}. It could not be moved aside either (${(e as Error).message}), so saving this lesson's progress may fail; the lesson starts at step 1.` };
  }
  return { progress: null, problem: `Your saved progress in ${file} cannot be used: ${f.why}. It was kept as ${aside}; the lesson starts at step 1.` };
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
