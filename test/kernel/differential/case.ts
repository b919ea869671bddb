// A hand-written differential case, and the vitest runner shared by the case
// files: one topology per file (built once), each case loads its ruleset,
// sends its probes, checks what a person would expect (where the packet
// lands, NAT), and then asserts engine == kernel on every observable.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeDescription } from '../../../core/engine/packet/index.js';
import { assertKernelPrerequisites, run, createTopology, sweepStaleNamespaces, ownNamespacesInKernel, type Topology, type TopologySpec } from '../helpers/topology.js';
import { KernelNode, type KernelObservation, type ProbeSpec } from './kernel-harness.js';
import { engineRuleset, fromEngine, fromKernel, runEngine, type Comparable } from './compare.js';

const fixtureDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'differential');
const kernelVersion = (): string => `${run(['uname', '-r']).stdout.trim()}, ${run(['iptables', '--version']).stdout.trim()}`;

export interface ProbeExpectation {
  /** The delivery key (`pod 10.244.1.5:80`, `local 10.0.0.10:30080`, `forward 10.244.2.7:80`, `dropped KUBE-FIREWALL (INPUT)`); a list when a random branch decides. */
  delivery: string | string[];
  /** Source address after NAT, or null for none. Omit to not check. */
  snat?: string | null;
  /** What the sender saw: `connected`, `refused`, `timeout`, `replied`, … Omit to not check. */
  sender?: string | string[];
}

export interface DiffCase {
  name: string;
  /** iptables-save text (the node's ruleset); built lazily so a broken generator fails only its case. */
  ruleset: () => string;
  /** Probes in order; they share conntrack and `recent` state (a second connection). */
  probes: (ProbeSpec & { expect?: ProbeExpectation })[];
  /** Compare only these probes with the engine (default: all). */
  compare?: number[];
  /** net.ipv4.conf.all.route_localnet for this case (kube-proxy sets it for localhost NodePorts); default 0. */
  routeLocalnet?: boolean;
  /** Extra checks on what the kernel did (a second connection lands where the first did). */
  verify?: (kernel: KernelObservation[]) => void;
  /** A known, documented disagreement: the case is expected to fail (vitest `it.fails`). */
  knownDifference?: string;
}

export interface Recorded {
  topology: string;
  case: string;
  /** The completed ruleset both sides were given, and the node as the engine sees it. */
  ruleset: string;
  node: NodeDescription;
  kernel: Omit<KernelObservation, 'lines'>[];
}

/** Collected while the files run; a recording run (CHAINLAB_RECORD_KERNEL=dir) writes it out. */
export const recorded: Recorded[] = [];

function check(k: KernelObservation, e: ProbeExpectation | undefined): void {
  if (!e) return;
  const c = fromKernel(k);
  const where = `kernel, probe ${k.probe.from} ${k.probe.proto} ${k.probe.src}:${k.probe.sport} -> ${k.probe.dst}:${k.probe.dport}\n${k.lines.join('\n')}`;
  if (Array.isArray(e.delivery)) expect(e.delivery, where).toContain(c.delivery);
  else expect(c.delivery, where).toBe(e.delivery);
  if (e.snat !== undefined) expect(c.snatAddress, where).toBe(e.snat);
  if (e.sender !== undefined) {
    if (Array.isArray(e.sender)) expect(e.sender, where).toContain(k.sender);
    else expect(k.sender, where).toBe(e.sender);
  }
  // The trace and the counters are two kernel accounts of the same walk: every traced rule counted.
  for (const s of k.steps) if (s.ruleNumber > 0) expect(k.counted, where).toContain(`${s.table}/${s.chain}#${s.ruleNumber}`);
}

export interface DiffContext {
  topo: Topology;
  kernel: KernelNode;
}

/** Runs one case on an existing topology: returns both sides' comparable forms for each compared probe. */
export async function runCase(ctx: DiffContext, c: DiffCase): Promise<{ kernel: KernelObservation[]; pairs: { kernel: Comparable; engine: Comparable }[] }> {
  const t0 = Date.now();
  const text = c.ruleset();
  ctx.kernel.load(text);
  const t1 = Date.now();
  ctx.kernel.setRouteLocalnet(c.routeLocalnet ?? false);
  const observed: KernelObservation[] = [];
  for (const p of c.probes) {
    const { expect: _e, ...spec } = p;
    observed.push(await ctx.kernel.probe(spec));
  }
  const t2 = Date.now();
  const rs = engineRuleset(text);
  const node = { ...ctx.topo.nodeDescription(), routeLocalnet: c.routeLocalnet ?? false };
  const { traces } = runEngine(rs, node, ctx.topo, observed);
  if (process.env.CHAINLAB_KERNEL_TIMING) console.log(`case timing: load ${t1 - t0} ms, probes ${t2 - t1} ms, engine ${Date.now() - t2} ms`);
  const pairs = (c.compare ?? observed.map((_, i) => i)).map((i) => {
    const k = observed[i];
    const t = traces[i];
    if (!k || !t) throw new Error(`case ${c.name}: no probe ${i}`);
    return { kernel: fromKernel(k), engine: fromEngine(t) };
  });
  return { kernel: observed, pairs };
}

/** One describe block per topology: build it once, run the cases, remove every namespace afterwards. */
export function describeDifferential(title: string, spec: TopologySpec, cases: DiffCase[]): void {
  describe(title, () => {
    let ctx: DiffContext | null = null;
    beforeAll(async () => {
      assertKernelPrerequisites();
      sweepStaleNamespaces();
      const topo = await createTopology(spec);
      try {
        ctx = { topo, kernel: await KernelNode.start(topo) };
      } catch (e) {
        topo.destroy();
        throw e;
      }
    });
    afterAll(() => {
      // CHAINLAB_RECORD_KERNEL=1: keep what Linux did, as fixtures the unit tier can replay without root.
      if (process.env.CHAINLAB_RECORD_KERNEL === '1') {
        const mineOnly = recorded.filter((r) => r.topology === title);
        const slug = title.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase().slice(0, 60);
        mkdirSync(fixtureDir, { recursive: true });
        // Each distinct ruleset once; cases name theirs by index.
        const rulesets = [...new Set(mineOnly.map((r) => r.ruleset))];
        const cases = mineOnly.map(({ ruleset, ...r }) => ({ ...r, ruleset: rulesets.indexOf(ruleset) }));
        writeFileSync(join(fixtureDir, `${slug}.json`), `${JSON.stringify({ recordedWith: kernelVersion(), topology: title, rulesets, cases })}\n`);
      }
      const mine = ctx?.topo.namespaces ?? [];
      ctx?.kernel.stop();
      ctx?.topo.destroy();
      ctx = null;
      // Every namespace of this topology is gone from the kernel.
      expect(ownNamespacesInKernel().filter((n) => mine.includes(n))).toEqual([]);
    });
    for (const c of cases) {
      const body = async (): Promise<void> => {
        if (!ctx) throw new Error('topology was not built');
        const { kernel, pairs } = await runCase(ctx, c);
        recorded.push({
          topology: title,
          case: c.name,
          ruleset: ctx.kernel.ruleset,
          node: { ...ctx.topo.nodeDescription(), routeLocalnet: c.routeLocalnet ?? false },
          kernel: kernel.map(({ lines: _l, ...rest }) => rest),
        });
        c.probes.forEach((p, i) => {
          const k = kernel[i];
          if (k) check(k, p.expect);
        });
        c.verify?.(kernel);
        for (const [i, pair] of pairs.entries()) {
          const k = kernel[c.compare?.[i] ?? i];
          expect(pair.engine, `engine vs kernel, probe ${i + 1} of "${c.name}"\nkernel trace:\n${k?.lines.join('\n') ?? ''}`).toEqual(pair.kernel);
        }
      };
      if (c.knownDifference) it.fails(`${c.name} (known difference: ${c.knownDifference})`, body);
      else it(c.name, body);
    }
  });
}
