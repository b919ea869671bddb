// Time per packet of the kernel differential harness (needs root, like the
// kernel tier): topology setup, monitor start, ruleset load, one probe with
// setup excluded and included, and the engine on the same packet for scale.
// Run: npx tsx bench/kernel-harness.ts   (CHAINLAB_BENCH_PACKETS=N, default 20)
import { performance } from 'node:perf_hooks';
import { assertKernelPrerequisites, createTopology, sweepStaleNamespaces } from '../test/kernel/helpers/topology.js';
import { KernelNode, type ProbeSpec } from '../test/kernel/differential/kernel-harness.js';
import { engineRuleset, enginePacket } from '../test/kernel/differential/compare.js';
import { proxierRuleset, shapesTopology } from '../test/kernel/differential/shapes-cluster.js';
import { tracePacket } from '../core/engine/packet/index.js';

const N = Number(process.env.CHAINLAB_BENCH_PACKETS ?? 20);
const fmt = (x: number): string => x.toFixed(1);

async function main(): Promise<void> {
  try {
    assertKernelPrerequisites();
  } catch (e) {
    // Figures, not a test: say why there are none.
    console.log(`kernel harness: no figures (${(e as Error).message})`);
    return;
  }
  sweepStaleNamespaces();
  const probes: ProbeSpec[] = [
    { from: 'client', proto: 'tcp', dst: '10.96.10.1', dport: 80 },
    { from: 'ext', proto: 'tcp', dst: '192.168.49.2', dport: 30080 },
    { from: 'node', proto: 'udp', dst: '10.96.0.10', dport: 53 },
    { from: 'ext', proto: 'tcp', dst: '192.168.49.2', dport: 30083 },
  ];
  const text = proxierRuleset('1.33');

  const t0 = performance.now();
  const topo = await createTopology(shapesTopology);
  const t1 = performance.now();
  let kernel: KernelNode | null = null;
  try {
    kernel = await KernelNode.start(topo);
    const t2 = performance.now();
    kernel.load(text);
    const t3 = performance.now();
    const perProbe: number[] = [];
    for (let i = 0; i < N; i++) {
      const p = probes[i % probes.length];
      if (!p) continue;
      const s = performance.now();
      await kernel.probe(p);
      perProbe.push(performance.now() - s);
    }
    const loads: number[] = [];
    for (let i = 0; i < 5; i++) {
      const s = performance.now();
      kernel.load(text);
      loads.push(performance.now() - s);
    }
    // The engine on the same packets, for scale.
    const rs = engineRuleset(text);
    const node = topo.nodeDescription();
    const e0 = performance.now();
    const M = 200;
    for (let i = 0; i < M; i++) {
      const p = probes[i % probes.length];
      if (p) tracePacket(rs, node, enginePacket(topo, { src: p.from === 'ext' ? '192.168.49.100' : p.from === 'node' ? '192.168.49.2' : '10.244.1.9', sport: 20_000 + i, ...p } as Required<ProbeSpec>));
    }
    const engineMs = (performance.now() - e0) / M;
    const mean = perProbe.reduce((a, b) => a + b, 0) / Math.max(1, perProbe.length);
    const sorted = [...perProbe].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
    const loadMs = loads.reduce((a, b) => a + b, 0) / loads.length;
    kernel.stop();
    kernel = null;
    const d0 = performance.now();
    topo.destroy();
    const teardown = performance.now() - d0;
    const setup = t1 - t0 + (t2 - t1) + teardown;
    console.log(`kernel topology setup (6 namespaces, agents): ${fmt(t1 - t0)} ms`);
    console.log(`kernel trace monitor ready: ${fmt(t2 - t1)} ms`);
    console.log(`kernel topology teardown: ${fmt(teardown)} ms`);
    console.log(`kernel ruleset load (proxier output, ${text.split('\n').length} lines): ${fmt(loadMs)} ms (first ${fmt(t3 - t2)} ms)`);
    console.log(`kernel packet, setup excluded (mean of ${perProbe.length}): ${fmt(mean)} ms/packet (${fmt(mean / engineMs)} x engine)`);
    console.log(`kernel packet, setup excluded (median): ${fmt(median)} ms/packet (${fmt(median / engineMs)} x engine)`);
    console.log(`kernel packet, ruleset load included: ${fmt(mean + loadMs)} ms/packet (${fmt((mean + loadMs) / engineMs)} x engine)`);
    console.log(`kernel packet, topology setup and teardown included (one-packet case): ${fmt(setup + loadMs + mean)} ms/packet (${fmt((setup + loadMs + mean) / engineMs)} x engine)`);
    console.log(`engine tracePacket on the same packets: ${fmt(engineMs)} ms/packet (1.0 x engine)`);
  } finally {
    kernel?.stop();
    topo.destroy();
  }
}

await main();
