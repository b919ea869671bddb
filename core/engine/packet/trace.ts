// The engine's entry points: one traced packet (every rule, every rewrite,
// exact outcome probabilities) and distribution sampling.

import type { Ruleset } from '../iptables/model.js';
import { compileRuleset, type CompiledRuleset } from './compile.js';
import { ConntrackTable } from './conntrack.js';
import { ForcedDecider, SeededDecider } from './deciders.js';
import { nodeView, type NodeView } from './node-view.js';
import type { Delivery, NodeDescription, OutcomeDetail, Packet, PacketTrace, SampleResult } from './types.js';
import { DEFAULT_SPORT, walkPacket, type WalkResult } from './walk.js';

export interface TraceOptions {
  /** Seed of the statistic generator (default 1). */
  seed?: number;
  /** The node's conntrack table; pass the same one to send several packets. */
  conntrack?: ConntrackTable;
}

/** Bounds the exact enumeration (each statistic rule reached doubles the branches). */
export const MAX_OUTCOME_PATHS = 4096;

function withPort(a: string, port: number | undefined): string {
  if (port === undefined) return a;
  return a.includes(':') ? `[${a}]:${port}` : `${a}:${port}`;
}

/** A stable key for where a packet ends: `pod 10.244.1.5:80`, `local 127.0.0.1:30450`, `dropped in KUBE-FIREWALL (INPUT)`. */
export function outcomeKey(d: Delivery & { reason?: string }): string {
  switch (d.kind) {
    case 'local':
      return `local ${withPort(d.address, d.port)}`;
    case 'pod':
      return `pod ${withPort(d.ip, d.port)}`;
    case 'forward':
      return `forward ${withPort(d.to, d.port)} via ${d.via}${d.node !== undefined ? ` (node ${d.node})` : ''}`;
    case 'dropped':
      return d.reason !== undefined ? `dropped: ${d.reason}` : `dropped in ${d.chain} (${d.hook})`;
    case 'rejected':
      return `rejected in ${d.chain} (${d.hook}) with ${d.with}`;
  }
}

function toOutcome(r: WalkResult, probability: number): OutcomeDetail {
  return {
    key: outcomeKey(r.delivery),
    probability,
    dnatTo: r.dnatTo,
    verdict: r.verdict,
    delivery: r.delivery,
    masquerade: r.masquerade,
    snatTo: r.snatTo,
  };
}

/**
 * Every possible end of the packet with its exact probability: a depth-first
 * walk over the branches of each statistic rule reached (probabilities as the
 * kernel stores them, 31-bit fixed point). Nothing is written to `table`.
 */
export function exactOutcomes(compiled: CompiledRuleset, node: NodeView, packet: Packet, table: ConntrackTable): OutcomeDetail[] {
  const merged = new Map<string, OutcomeDetail>();
  const stack: boolean[][] = [[]];
  for (let paths = 0; stack.length > 0 && paths < MAX_OUTCOME_PATHS; paths++) {
    const prefix = stack.pop()!;
    const d = new ForcedDecider(prefix);
    const r = walkPacket(compiled, node, packet, { record: false, commit: false, decider: d, table });
    for (let j = d.decisions.length - 1; j >= prefix.length; j--) {
      const dj = d.decisions[j]!;
      const alt = !dj.taken;
      if ((alt ? dj.p : 1 - dj.p) > 0) stack.push([...d.decisions.slice(0, j).map((x) => x.taken), alt]);
    }
    const p = d.probability();
    if (p <= 0) continue;
    const o = toOutcome(r, p);
    const prev = merged.get(o.key);
    if (prev === undefined) merged.set(o.key, o);
    else prev.probability += p;
  }
  return [...merged.values()].sort((a, b) => b.probability - a.probability || a.key.localeCompare(b.key));
}

/** Follows one packet through the node's hooks, rule by rule. Throws UnsupportedRuleError if it reaches a rule the engine cannot evaluate. */
export function tracePacket(ruleset: Ruleset, node: NodeDescription, packet: Packet, opts: TraceOptions = {}): PacketTrace {
  const compiled = compileRuleset(ruleset);
  const view = nodeView(node);
  const table = opts.conntrack ?? new ConntrackTable();
  const outcomes = exactOutcomes(compiled, view, packet, table);
  const r = walkPacket(compiled, view, packet, { record: true, commit: true, decider: new SeededDecider(opts.seed ?? 1, table), table });
  const entry = r.ctEntryId !== null ? table.get(r.ctEntryId) : undefined;
  const covered = outcomes.reduce((a, o) => a + o.probability, 0);
  if (covered < 1 - 1e-9) r.notes.push(`Outcome enumeration stopped after ${MAX_OUTCOME_PATHS} branch combinations of statistic rules: the outcomes listed cover ${(covered * 100).toFixed(4)} % of packets.`);
  return {
    packet: { ...packet, sport: packet.sport ?? (packet.proto === 'icmp' ? 1 : DEFAULT_SPORT) },
    hooks: r.hooks,
    steps: r.steps,
    verdict: r.verdict,
    dnatTo: r.dnatTo,
    masquerade: r.masquerade,
    snatTo: r.snatTo,
    mark: r.mark,
    delivery: r.delivery,
    outcomes,
    conntrack: entry !== undefined ? table.view(entry) : null,
    ctState: r.ctState,
    notes: r.notes,
  };
}

/** Sends `runs` first packets of new connections and counts where they end (seeded, reproducible). */
export function sampleOutcomes(ruleset: Ruleset, node: NodeDescription, packet: Packet, runs: number, seed: number): SampleResult {
  const compiled = compileRuleset(ruleset);
  const view = nodeView(node);
  const table = new ConntrackTable();
  const decider = new SeededDecider(seed, null);
  const counts = new Map<string, number>();
  const n = Math.max(0, Math.floor(runs));
  for (let i = 0; i < n; i++) {
    const r = walkPacket(compiled, view, packet, { record: false, commit: false, decider, table });
    const key = outcomeKey(r.delivery);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const exact = new Map(exactOutcomes(compiled, view, packet, table).map((o) => [o.key, o.probability]));
  for (const k of exact.keys()) if (!counts.has(k)) counts.set(k, 0);
  const outcomes = [...counts.entries()]
    .map(([key, count]) => ({ key, count, fraction: n === 0 ? 0 : count / n, probability: exact.get(key) ?? 0 }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
  return { runs: n, seed, outcomes };
}
