// Every shipped lab whose manifest allows the docker backend, solved on real
// containers: the solutions run in the nodes' real shells (kubectl forwarded
// to the lab), the checks read real ps/ss/iptables-save. One lab at a time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { connectEngine, createDockerLab, removeDockerLab } from '../../core/host/docker/index.js';
import type { Engine } from '../../core/host/docker/connect.js';
import { labDirs, loadLabDir } from '../../core/host/cli/commands/lab.js';
import { solveLab, type SolveReport } from '../../core/lab/runner/index.js';

const agentPath = 'dist/agent/kube-proxy.mjs';
// CHAINLAB_LABS=kill-kube-proxy,fifty-fifty picks labs by folder name; unset or empty: all.
const only = (process.env.CHAINLAB_LABS ?? '').split(',').filter(Boolean);
const dirs = (await labDirs('labs')).filter((d) => only.length === 0 || only.includes(path.basename(d)));
if (only.length > 0 && dirs.length !== only.length) throw new Error(`CHAINLAB_LABS names a lab that is not in labs/: ${only.join(', ')}`);
const loaded = await Promise.all(dirs.map(async (d) => {
  const r = await loadLabDir(d);
  if (!r.ok) throw new Error(`${d} does not load: ${r.errors.map((e) => e.message).join('; ')}`);
  return r.value;
}));
const onDocker = loaded.filter((l) => l.manifest.cluster.backends.includes('docker'));

let engine: Engine;
const timings: string[] = [];
const created: string[] = [];

function failures(r: SolveReport): string {
  return r.steps.filter((s) => !s.passed).map((s) => `${s.id}: ${s.results.filter((c) => !c.passed).map((c) => `${c.label} — ${c.detail ?? ''}`).join('; ')}`).join('\n');
}

beforeAll(async () => {
  if (!existsSync(agentPath)) execFileSync('node', ['scripts/build.mjs'], { stdio: 'inherit' });
  engine = await connectEngine();
});

afterAll(async () => {
  for (const name of created) await removeDockerLab(engine.docker, name);
  if (timings.length > 0) console.log(`labs on docker:\n${timings.join('\n')}`);
});

describe('shipped labs solved on docker', () => {
  for (const lab of onDocker) {
    it(`${lab.id}: solved`, { timeout: 1_200_000 }, async () => {
      const name = `t-labs-${process.pid}-${lab.id}`.slice(0, 60);
      created.push(name);
      const t0 = performance.now();
      const report = await solveLab(lab, { backend: 'docker', createLab: (spec) => createDockerLab({ ...spec, name }, { engine, agentPath }) });
      const s = (performance.now() - t0) / 1000;
      timings.push(`  ${lab.id.padEnd(28)} ${report.ok ? 'solved' : 'NOT solved'} in ${s.toFixed(1)} s (${report.steps.length} steps)`);
      expect(report.ok, failures(report)).toBe(true);
    });
  }
});
