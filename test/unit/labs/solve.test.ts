// Every lab shipped in labs/ is solved end to end on the sim backend, as
// `chainlab lab run DIR --solve` does in CI: a lab whose solution no longer
// passes its own checks fails here.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { labDirs, loadLabDir, solveOnSim } from '../../../core/host/cli/commands/lab.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const dirs = await labDirs(path.join(root, 'labs'));

describe('labs shipped', () => {
  it('ships at least seven labs', () => {
    expect(dirs.map((d) => path.basename(d))).toEqual(expect.arrayContaining([
      'anatomy-of-a-nodeport', 'kill-kube-proxy', 'someone-on-my-nodeport', 'fifty-fifty',
      'clusterip-from-the-inside', 'where-did-my-source-ip-go', 'your-own-node',
    ]));
  });

  for (const dir of dirs) {
    it(`${path.basename(dir)}: every step's solution passes its checks`, async () => {
      const loaded = await loadLabDir(dir, root);
      if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
      const report = await solveOnSim(loaded.value);
      const failed = report.steps.filter((s) => !s.passed).map((s) => `${s.id}: ${s.results.filter((r) => !r.passed).map((r) => `${r.label} — ${r.detail ?? ''}`).join('; ')}`);
      expect(failed).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.steps.length).toBe(loaded.value.manifest.steps.length);
    }, 60_000);
  }
});
