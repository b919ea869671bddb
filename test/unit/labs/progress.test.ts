// Progress kept under CHAINLAB_HOME: closing the app resumes where the student was.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { progressPath, readProgress, writeProgress } from '../../../core/host/cli/commands/lab.js';

describe('guided lab progress on disk', () => {
  it('round-trips under $CHAINLAB_HOME/guided/<lab>/progress.json', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'chainlab-progress-'));
    try {
      const env = { CHAINLAB_HOME: home };
      expect(await readProgress(env, 'kill-kube-proxy')).toBeNull();
      const p = { lab: 'kill-kube-proxy', current: 2, steps: { find: { done: true, hintsShown: 0 }, kill: { done: true, hintsShown: 1 } } };
      await writeProgress(env, p);
      expect(progressPath(env, 'kill-kube-proxy')).toBe(path.join(home, 'guided', 'kill-kube-proxy', 'progress.json'));
      expect(JSON.parse(readFileSync(progressPath(env, 'kill-kube-proxy'), 'utf8'))).toEqual(p);
      expect(await readProgress(env, 'kill-kube-proxy')).toEqual(p);
    } finally { rmSync(home, { recursive: true, force: true }); }
  });

  it('a broken or foreign file means starting over, not a crash', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'chainlab-progress-'));
    try {
      const env = { CHAINLAB_HOME: home };
      await writeProgress(env, { lab: 'fifty-fifty', current: 1, steps: {} });
      writeFileSync(progressPath(env, 'fifty-fifty'), '{ not json');
      expect(await readProgress(env, 'fifty-fifty')).toBeNull();
      await writeProgress(env, { lab: 'other', current: 1, steps: {} });
      writeFileSync(progressPath(env, 'fifty-fifty'), JSON.stringify({ lab: 'other', current: 1, steps: {} }));
      expect(await readProgress(env, 'fifty-fifty')).toBeNull();
    } finally { rmSync(home, { recursive: true, force: true }); }
  });
});
