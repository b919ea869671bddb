// The engine side of a differential case, and the common form both sides are
// compared in: hooks, the sequence of matched rules (and fallen-through
// policies), the verdict, DNAT, SNAT and where the packet is delivered.
import { parseIptablesSave, type Ruleset } from '../../../core/engine/iptables/index.js';
import { ConntrackTable, tracePacket, type Packet, type PacketTrace, type NodeDescription } from '../../../core/engine/packet/index.js';
import type { Topology } from '../helpers/topology.js';
import { completeRuleset, type KernelObservation, type ProbeSpec } from './kernel-harness.js';

export interface Comparable {
  hooks: string[];
  /** `PREROUTING nat/KUBE-SERVICES#3`, `FORWARD filter/FORWARD policy ACCEPT`. */
  steps: string[];
  verdict: string;
  dnatTo: string | null;
  /** Source address after SNAT/MASQUERADE (the port is the kernel's choice with --random-fully). */
  snatAddress: string | null;
  /** `pod 10.244.1.5:80`, `local 10.0.0.1:30080`, `forward 10.244.2.7:80`, `dropped KUBE-FIREWALL (INPUT)`, `rejected KUBE-SERVICES (FORWARD)`. */
  delivery: string;
}

const BUILTIN = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);
const addressOf = (hostPort: string | null): string | null => (hostPort === null ? null : hostPort.replace(/^\[(.*)\](:\d+)?$/, '$1').replace(/:\d+$/, ''));

export function fromKernel(k: KernelObservation): Comparable {
  const last = k.steps[k.steps.length - 1];
  let delivery = k.delivery;
  if (k.verdict !== 'ACCEPT') {
    // Dropped by routing (no DROP rule): the walk stopped in its last hook.
    const routing = last?.verdict !== 'DROP';
    const hook = k.hooks[k.hooks.length - 1] ?? '?';
    delivery = routing ? `dropped ${hook} (${hook})` : `${k.verdict === 'DROP' ? 'dropped' : 'rejected'} ${last?.chain ?? '?'} (${last?.hook ?? '?'})`;
  }
  return {
    hooks: k.hooks,
    steps: k.steps.map((s) => (s.ruleNumber === 0 ? `${s.hook} ${s.table}/${s.chain} policy ${s.verdict}` : `${s.hook} ${s.table}/${s.chain}#${s.ruleNumber}`)),
    verdict: k.verdict,
    dnatTo: k.dnatTo,
    snatAddress: addressOf(k.snatTo),
    delivery,
  };
}

export function fromEngine(t: PacketTrace): Comparable {
  const steps = t.steps
    .filter((s) => s.matched)
    // The kernel prints no line when a user chain ends without a verdict (implicit return); only base-chain policies.
    .filter((s) => s.ruleNumber > 0 || BUILTIN.has(s.chain))
    .map((s) => (s.ruleNumber === 0 ? `${s.hook} ${s.table}/${s.chain} policy ${(s.action ?? '').replace(/^policy /, '')}` : `${s.hook} ${s.table}/${s.chain}#${s.ruleNumber}`));
  const d = t.delivery;
  const port = (p: number | undefined): string => (p === undefined ? '' : `:${p}`);
  let delivery: string;
  switch (d.kind) {
    case 'pod':
      delivery = `pod ${d.ip}${port(d.port)}`;
      break;
    case 'local':
      delivery = `local ${d.address}${port(d.port)}`;
      break;
    case 'forward':
      delivery = `forward ${d.to}${port(d.port)}`;
      break;
    case 'dropped':
      // The reason (martian, re-route) is the engine's explanation; the kernel trace cannot show it.
      delivery = `dropped ${d.chain} (${d.hook})`;
      break;
    case 'rejected':
      delivery = `rejected ${d.chain} (${d.hook})`;
      break;
  }
  // The engine keeps the source port under MASQUERADE --random-fully (documented); the kernel picks a new one,
  // so the kernel sees a source NAT to the same address where the engine sees none.
  const randomFully = t.masquerade && t.steps.some((s) => s.matched && / -j MASQUERADE\b.*--random-fully/.test(s.rule));
  const snatAddress = addressOf(t.snatTo) ?? (randomFully ? t.packet.src : null);
  return { hooks: [...t.hooks], steps, verdict: t.verdict, dnatTo: t.dnatTo, snatAddress, delivery };
}

/** The packet the engine is given for a probe the kernel harness sent. */
export function enginePacket(topo: Topology, p: Required<ProbeSpec>): Packet {
  if (p.from === 'node') return { ingress: 'node', proto: p.proto, src: p.src, sport: p.sport, dst: p.dst, dport: p.dport };
  if (p.from === 'ext' || p.from === 'remote') return { ingress: 'external', proto: p.proto, src: p.src, sport: p.sport, dst: p.dst, dport: p.dport, inIface: 'eth0' };
  // Routed (and br_netfilter-bridged) pod traffic enters netfilter on the bridge: `-i cni0`, not the veth.
  if (!topo.podIface.has(p.from)) throw new Error(`no pod ${p.from} in the topology`);
  return { ingress: 'pod', proto: p.proto, src: p.src, sport: p.sport, dst: p.dst, dport: p.dport, inIface: 'cni0' };
}

export function engineRuleset(text: string): Ruleset {
  const r = parseIptablesSave(completeRuleset(text), { file: 'differential-case' });
  if (!r.ok) throw new Error(`the codec rejects the case's ruleset: ${r.errors.map((e) => `${e.line ?? '?'}:${e.column ?? '?'} ${e.message}`).join('; ')}`);
  return r.value;
}

export interface EngineRun {
  traces: PacketTrace[];
  seeds: number[];
}

/**
 * Replays the probes of one case through the engine, sharing one conntrack
 * table (a second connection sees the first one's `recent` lists). Where the
 * ruleset draws (`statistic`), the engine's seed is searched so it takes the
 * same branch as the kernel did (same DNAT and delivery); the kernel's branch
 * must also be one of the engine's exact outcomes.
 */
export function runEngine(ruleset: Ruleset, node: NodeDescription, topo: Topology, kernel: KernelObservation[], maxSeeds = 256): EngineRun {
  const seeds: number[] = [];
  let traces: PacketTrace[] = [];
  for (let i = 0; i < kernel.length; i++) {
    const k = kernel[i];
    if (k === undefined) break;
    const want = fromKernel(k);
    let best: PacketTrace[] | null = null;
    for (let seed = 1; seed <= maxSeeds; seed++) {
      const table = new ConntrackTable();
      const run: PacketTrace[] = [];
      for (let j = 0; j < i; j++) {
        const prev = kernel[j];
        if (prev) run.push(tracePacket(ruleset, node, enginePacket(topo, prev.probe), { seed: seeds[j] ?? 1, conntrack: table }));
      }
      const t = tracePacket(ruleset, node, enginePacket(topo, k.probe), { seed, conntrack: table });
      run.push(t);
      if (best === null) best = run;
      const got = fromEngine(t);
      if (got.dnatTo === want.dnatTo && got.delivery === want.delivery) {
        best = run;
        seeds[i] = seed;
        break;
      }
      // Without a random branch, another seed cannot change anything.
      if (t.outcomes.length <= 1) break;
    }
    if (seeds[i] === undefined) seeds[i] = 1;
    traces = best ?? [];
  }
  return { traces, seeds };
}
