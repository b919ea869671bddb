// Lab runtime figures (npx tsx bench/lab.ts): one line each,
// `name: value unit (ratio x reference)`. References are the issue's aims:
// up in under 300 ms, a change visible on every node in under 50 ms.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createSimLab, manualClock } from '../core/lab/index.js';
import { saveRuleset } from '../core/engine/iptables/index.js';
import { runCli } from '../core/host/cli/main.js';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const line = (name: string, value: number, unit: string, ref?: number): void => {
  console.log(`${name}: ${value.toFixed(value < 10 ? 2 : 1)} ${unit}${ref !== undefined ? ` (${(value / ref).toFixed(2)} x ${ref} ${unit})` : ''}`);
};

async function main(): Promise<void> {
  const spec = { name: 'bench', nodes: 3, kubeProxyVersion: '1.33', backend: 'sim' as const, seed: 1 };
  // Warm-up (module loading, JIT).
  await createSimLab(spec, { clock: manualClock() });

  const ups: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    await createSimLab(spec, { clock: manualClock() });
    ups.push(performance.now() - t0);
  }
  line('sim lab up, 3 nodes (in process)', median(ups), 'ms', 300);

  const home = await mkdtemp(join(tmpdir(), 'chainlab-bench-'));
  const cliUps: number[] = [];
  for (let i = 0; i < 5; i++) {
    const io = { stdout: () => undefined, stderr: () => undefined, readStdin: async () => '', env: { CHAINLAB_HOME: home }, cwd: home };
    const t0 = performance.now();
    await runCli(['up', '--name', `b${i}`, '--nodes', '3'], io);
    cliUps.push(performance.now() - t0);
  }
  line('chainlab up, 3 nodes (state written)', median(cliUps), 'ms', 300);
  await rm(home, { recursive: true, force: true });

  const clock = manualClock();
  const lab = await createSimLab(spec, { clock });
  await lab.kubectl(['run', 'nginx', '--image=nginx']);
  await lab.advance(5000);
  const changes: number[] = [];
  for (let i = 0; i < 7; i++) {
    await lab.advance(2000); // past minSyncPeriod: the next change syncs at once
    const t0 = performance.now();
    await lab.kubectl(['expose', 'pod', 'nginx', `--name=svc-${i}`, '--port=3000', '--target-port=80']);
    changes.push(performance.now() - t0);
    // Checked after the clock stops: the sync is done when kubectl returns; saving three rulesets is the bench's cost.
    const everywhere = lab.runtime.state.nodes.every((n) => saveRuleset(n.rules4, { counters: false }).includes(`default/svc-${i} cluster IP`));
    if (!everywhere) throw new Error('the change did not reach every node');
  }
  line('kubectl expose until every node has the rules', median(changes), 'ms', 50);

  const ip = (lab.runtime.api.find('Service', 'default', 'svc-0')!.spec as { clusterIP: string }).clusterIP;
  const curls: number[] = [];
  for (let i = 0; i < 11; i++) {
    const t0 = performance.now();
    const r = await lab.exec('k8s1', `curl -s ${ip}:3000`);
    curls.push(performance.now() - t0);
    if (r.exitCode !== 0) throw new Error(`curl failed: ${r.output}`);
  }
  line('curl ClusterIP through the rules to nginx', median(curls), 'ms');

  // 500 Services over two nginx pods.
  const g = globalThis as { gc?: () => void };
  g.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const big = await createSimLab({ ...spec, name: 'big' }, { clock: manualClock() });
  await big.kubectl(['create', 'deployment', 'web', '--image=nginx', '--replicas=2']);
  await big.advance(5000);
  const t0 = performance.now();
  for (let i = 0; i < 500; i++) {
    big.runtime.api.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: `s${i}`, namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
  }
  await big.advance(2000);
  const build = performance.now() - t0;
  g.gc?.();
  const heap1 = process.memoryUsage().heapUsed;
  line('500 Services created and synced on 3 nodes', build, 'ms');
  line('500-service lab heap', (heap1 - heap0) / (1024 * 1024), `MiB${g.gc ? '' : ' (no --expose-gc: rough)'}`);
  line('500-service lab snapshot', JSON.stringify(big.toJSON()).length / (1024 * 1024), 'MiB');
  await big.advance(2000);
  const t1 = performance.now();
  big.runtime.api.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'one-more', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
  line('one change in a 500-service lab, every node synced', performance.now() - t1, 'ms', 50);
}

void main();
