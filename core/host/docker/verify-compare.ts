// "Verify with a real packet", the pure half: what the kernel did (rule
// counters before and after, the conntrack entry, the sender's answer) set
// against the engine's prediction, as sentences a user can read. No I/O here:
// verify.ts sends the packet and reads the node.
//
// What is comparable, and how (the rule the sentences follow):
// - nat rules count only the first packet of a connection (later packets
//   follow conntrack), and every verification opens a new connection from a
//   fresh source port: so the nat rules whose counters rose must be exactly the
//   nat rules the predicted path matched.
// - raw, mangle, filter and security rules count every packet, in both
//   directions (the reply, ACKs, FIN take the ESTABLISHED rules): each rule the
//   prediction matched must have risen at least once; a rule that rose and was
//   not predicted is listed (later packets of the connection) but is not a
//   disagreement.
// - Noise: other traffic in the node (kube-proxy, DNS) may make counters rise
//   while the packet is in flight. Only rules in chains the prediction walked,
//   and in the chains those risen rules jump to, are looked at; a rise
//   anywhere else belongs to other traffic and is left out (`noise`).
// - Where it went: the conntrack entry's reply tuple (DNAT: reply source;
//   SNAT/MASQUERADE: reply destination). A refused TCP connection leaves no
//   entry (the kernel deletes one whose only reply is a RST): then the DNAT rule
//   whose counter rose is the evidence, and the source rewrite is not compared.
// - Policies (`:CHAIN ACCEPT`) are not compared: their counters rise for any
//   packet that falls through, ours or not.
import type { Ruleset, TableName } from '../../engine/iptables/model.js';
import { formatRule } from '../../engine/iptables/index.js';
import type { OutcomeDetail, Protocol, TraceStep } from '../../engine/packet/types.js';
import type { TraceResult } from '../../lab/backend.js';

/** One rule of an `iptables-save -c`, with its packet counter. */
export interface CountedRule {
  table: TableName;
  chain: string;
  /** 1-based position in its chain. */
  number: number;
  /** `-A CHAIN …` as the engine prints it (the same text a trace step carries). */
  rule: string;
  packets: number;
}

export function countedRules(rs: Ruleset): CountedRule[] {
  const out: CountedRule[] = [];
  for (const t of rs.tables) {
    for (const c of t.chains) {
      c.rules.forEach((r, i) => out.push({ table: t.name, chain: c.name, number: i + 1, rule: formatRule(c.name, r), packets: r.counters?.packets ?? 0 }));
    }
  }
  return out;
}

const keyOf = (table: string, rule: string): string => `${table} ${rule}`;

/** A rule whose packet counter rose between two reads: `nat -A KUBE-SERVICES …`. */
export interface RisenRule {
  table: TableName;
  chain: string;
  rule: string;
  delta: number;
}

export interface CounterDiff {
  risen: RisenRule[];
  /** Chains (`nat KUBE-SVC-…`) whose rules were rewritten between the reads (a kube-proxy sync): their counters cannot be compared. */
  rewritten: string[];
}

/** Which rules' counters rose from `before` to `after`; rules are matched by table and text, not position. */
export function diffCounters(before: CountedRule[], after: CountedRule[]): CounterDiff {
  const prev = new Map<string, { r: CountedRule; packets: number }>();
  for (const r of before) {
    const k = keyOf(r.table, r.rule);
    const s = prev.get(k);
    if (s) s.packets += r.packets;
    else prev.set(k, { r, packets: r.packets });
  }
  const sum = new Map<string, { r: CountedRule; packets: number }>();
  for (const r of after) {
    const k = keyOf(r.table, r.rule);
    const s = sum.get(k);
    if (s) s.packets += r.packets;
    else sum.set(k, { r, packets: r.packets });
  }
  const risen: RisenRule[] = [];
  const rewritten = new Set<string>();
  for (const [k, { r, packets }] of sum) {
    const p = prev.get(k)?.packets;
    if (p === undefined) rewritten.add(`${r.table} ${r.chain}`);
    // A counter that went down was reset: its chain was flushed and refilled.
    else if (packets < p) rewritten.add(`${r.table} ${r.chain}`);
    else if (packets > p) risen.push({ table: r.table, chain: r.chain, rule: r.rule, delta: packets - p });
  }
  for (const [k, { r }] of prev) if (!sum.has(k)) rewritten.add(`${r.table} ${r.chain}`);
  return { risen, rewritten: [...rewritten].sort() };
}

/** One direction of a conntrack entry. */
export interface CtTupleSeen {
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
}

export interface ConntrackSeen {
  line: string;
  proto: string;
  orig: CtTupleSeen;
  reply: CtTupleSeen;
}

/** Parses one `conntrack -L` line (`tcp 6 118 TIME_WAIT src=… dst=… sport=… dport=… src=… …`). */
export function parseConntrackLine(line: string): ConntrackSeen | null {
  const proto = /^\s*(\S+)/.exec(line)?.[1];
  const kv = [...line.matchAll(/\b(src|dst|sport|dport)=(\S+)/g)].map((m) => [m[1] as 'src' | 'dst' | 'sport' | 'dport', m[2]!] as const);
  const tuple = (from: number): CtTupleSeen | null => {
    const t: Partial<Record<'src' | 'dst' | 'sport' | 'dport', string>> = {};
    let seen = 0;
    for (let i = from; i < kv.length && seen < 4; i++) {
      const [k, v] = kv[i]!;
      if (t[k] !== undefined) break;
      t[k] = v;
      seen++;
    }
    if (t.src === undefined || t.dst === undefined) return null;
    return { src: t.src, dst: t.dst, ...(t.sport !== undefined ? { sport: Number(t.sport) } : {}), ...(t.dport !== undefined ? { dport: Number(t.dport) } : {}) };
  };
  const orig = tuple(0);
  if (proto === undefined || orig === null) return null;
  const skip = Object.keys(orig).length;
  const reply = tuple(skip);
  if (reply === null) return null;
  return { line: line.trim(), proto, orig, reply };
}

const hostPort = (ip: string, port: number | undefined): string => (port === undefined ? ip : `${ip}:${port}`);

/** Where the kernel sent the connection (reply source), when it is not the original destination. */
export function dnatOf(ct: ConntrackSeen): string | null {
  return ct.reply.src !== ct.orig.dst || ct.reply.sport !== ct.orig.dport ? hostPort(ct.reply.src, ct.reply.sport) : null;
}

/** The source the kernel rewrote to (reply destination), when it is not the original source. */
export function snatOf(ct: ConntrackSeen): string | null {
  return ct.reply.dst !== ct.orig.src || ct.reply.dport !== ct.orig.sport ? hostPort(ct.reply.dst, ct.reply.dport) : null;
}

/** What the sender saw. */
export type Answer =
  | { kind: 'reply'; text: string }
  | { kind: 'refused'; text: string }
  | { kind: 'unreachable'; text: string }
  | { kind: 'timeout'; seconds: number };

export function describeAnswer(a: Answer): string {
  return a.kind === 'timeout' ? `timed out after ${a.seconds} s` : a.text;
}

/** One way the packet can go, as the engine walks it (one branch of each statistic rule). */
export interface PredictedPath {
  trace: TraceResult;
  probability: number;
}

export interface CompareInput {
  proto: Protocol;
  /** Every path the engine found, most likely first. */
  paths: PredictedPath[];
  outcomes: OutcomeDetail[];
  counters: CounterDiff;
  conntrack: ConntrackSeen | null;
  answer: Answer;
  /** False when the packet goes on to another node that is compared too: what the sender saw is that node's to explain. */
  checkAnswer?: boolean;
}

export interface Comparison {
  /** The path the comparison was made against: the one the kernel took when the engine predicts it. */
  path: PredictedPath;
  /** Risen rules on the packet's chains, as `table -A CHAIN …`. */
  rulesHit: string[];
  /** Risen rules elsewhere (other traffic). */
  noise: string[];
  dnatTo: string | null;
  snatTo: string | null;
  disagreements: string[];
}

const ipOf = (hp: string | null): string | null => (hp === null ? null : hp.replace(/:\d+$/, ''));
const pct = (p: number): string => `${Math.round(p * 1000) / 10} %`;

/** The user chain a rule jumps or goes to (`-j KUBE-SVC-…`, `-g …`), if it names one. */
function jumpOf(rule: string): string | null {
  const m = / -[jg] (\S+)/.exec(rule);
  return m && /^[A-Z][A-Z0-9_-]*$/.test(m[1]!) && !TARGETS.has(m[1]!) ? m[1]! : null;
}
const TARGETS = new Set(['ACCEPT', 'DROP', 'REJECT', 'RETURN', 'DNAT', 'SNAT', 'MASQUERADE', 'REDIRECT', 'MARK', 'CONNMARK', 'LOG', 'NOTRACK', 'CT', 'TPROXY', 'NFLOG', 'TRACE', 'QUEUE', 'NFQUEUE', 'CHECKSUM', 'TCPMSS']);

/** The target of the DNAT rule whose counter rose (nat: first packet only), when exactly one did. */
function dnatOfRules(risen: RisenRule[]): string | null {
  const to = [...new Set(risen.filter((r) => r.table === 'nat').map((r) => / -j DNAT --to-destination (\S+)/.exec(r.rule)?.[1]).filter((x): x is string => x !== undefined))];
  return to.length === 1 ? to[0]! : null;
}

function matchedKeys(steps: TraceStep[]): Set<string> {
  return new Set(steps.filter((s) => s.matched && s.ruleNumber > 0).map((s) => keyOf(s.table, s.rule)));
}

/** How many of the comparable rules differ between a path and what rose (for choosing the path when the DNAT target does not decide). */
function distance(path: PredictedPath, risen: RisenRule[]): number {
  const m = matchedKeys(path.trace.steps);
  let d = 0;
  for (const k of m) if (!risen.some((r) => keyOf(r.table, r.rule) === k)) d++;
  for (const r of risen) if (r.table === 'nat' && !m.has(keyOf(r.table, r.rule))) d++;
  return d;
}

export function compareVerify(input: CompareInput): Comparison {
  const { counters, conntrack, answer } = input;
  const dis: string[] = [];
  // Without an entry (the kernel deletes one whose only reply was a RST: a
  // refused connection), the DNAT rule whose counter rose says where it went.
  const dnatTo = conntrack ? dnatOf(conntrack) : dnatOfRules(counters.risen);
  const snatTo = conntrack ? snatOf(conntrack) : null;

  // Choose the predicted path to compare with: among those that DNAT where the
  // kernel did, the one closest to the counters.
  const sameTarget = input.paths.filter((p) => p.trace.dnatTo === dnatTo);
  const pool = sameTarget.length > 0 ? sameTarget : input.paths;
  const path = [...pool].sort((a, b) => distance(a, counters.risen) - distance(b, counters.risen) || b.probability - a.probability)[0];
  if (path === undefined) throw new Error('the engine found no path for the packet');
  const t = path.trace;

  // Related chains: walked by the prediction, then whatever a related risen rule jumps to.
  const related = new Set(t.steps.map((s) => `${s.table} ${s.chain}`));
  for (let grew = true; grew;) {
    grew = false;
    for (const r of counters.risen) {
      const j = jumpOf(r.rule);
      if (j && related.has(`${r.table} ${r.chain}`) && !related.has(`${r.table} ${j}`)) {
        related.add(`${r.table} ${j}`);
        grew = true;
      }
    }
  }
  const mine = counters.risen.filter((r) => related.has(`${r.table} ${r.chain}`));
  const noise = counters.risen.filter((r) => !related.has(`${r.table} ${r.chain}`)).map((r) => `${r.table} ${r.rule}`);
  const rulesHit = mine.map((r) => `${r.table} ${r.rule}`);

  for (const c of counters.rewritten) dis.push(`The rules of ${c} changed while the packet was in flight (a kube-proxy sync?): their counters cannot be compared; verify again.`);

  // Rules: nat exactly (first packet only), other tables at least once.
  const risenKeys = new Set(mine.map((r) => keyOf(r.table, r.rule)));
  const predicted = matchedKeys(t.steps);
  for (const s of t.steps) {
    if (!s.matched || s.ruleNumber === 0) continue;
    if (!risenKeys.has(keyOf(s.table, s.rule))) dis.push(`The prediction matches ${s.table} rule \`${s.rule}\` (${s.hook}), but its packet counter did not rise.`);
  }
  for (const r of mine) {
    if (r.table === 'nat' && !predicted.has(keyOf(r.table, r.rule))) dis.push(`The kernel matched nat rule \`${r.rule}\`, which the prediction does not match.`);
  }
  // Duplicates of the same step (a chain walked twice) are reported once.
  const uniq = [...new Set(dis)];
  dis.length = 0;
  dis.push(...uniq);

  // Where the connection went; the source rewrite only an entry shows.
  const targets = input.outcomes.map((o) => `${o.dnatTo ?? 'no DNAT'} (${pct(o.probability)})`).join(', ');
  if (!input.outcomes.some((o) => o.dnatTo === dnatTo)) {
    if (dnatTo === null) dis.push(`The prediction DNATs the packet (${targets}), but the kernel did not rewrite its destination.`);
    else dis.push(`The kernel DNATed the packet to ${dnatTo}, which is none of the predicted outcomes: ${targets}.`);
  }
  if (conntrack !== null) {
    const o = input.outcomes.find((x) => x.dnatTo === dnatTo);
    const predictedSnat = o ? o.masquerade || o.snatTo !== null : t.masquerade || t.snatTo !== null;
    const predictedSnatTo = o ? o.snatTo : t.snatTo;
    if (predictedSnat && snatTo === null) dis.push(`The prediction masquerades the packet${predictedSnatTo ? ` (source → ${ipOf(predictedSnatTo)})` : ''}, but the kernel kept its source address.`);
    else if (!predictedSnat && snatTo !== null) dis.push(`The kernel rewrote the source to ${ipOf(snatTo)}, which the prediction does not do.`);
    else if (predictedSnatTo !== null && snatTo !== null && ipOf(predictedSnatTo) !== ipOf(snatTo)) dis.push(`The prediction rewrites the source to ${ipOf(predictedSnatTo)}, the kernel to ${ipOf(snatTo)}.`);
  }

  // The verdict, as the sender sees it.
  const said = describeAnswer(answer);
  const where = t.delivery.kind === 'dropped' || t.delivery.kind === 'rejected' ? ` in ${t.delivery.chain} (${t.delivery.hook})` : '';
  if (t.verdict === 'DROP' && answer.kind !== 'timeout') dis.push(`The prediction drops the packet${where}, but the sender got an answer: ${said}.`);
  if (t.verdict === 'REJECT' && answer.kind !== 'refused' && answer.kind !== 'unreachable') dis.push(`The prediction rejects the packet${where}, but the sender saw: ${said}.`);
  if (t.verdict === 'ACCEPT' && input.checkAnswer !== false && (answer.kind === 'timeout' || answer.kind === 'unreachable')) dis.push(`The prediction lets the packet through (${deliveryWords(t)}), but the sender saw: ${said}.`);
  return { path, rulesHit, noise, dnatTo, snatTo, disagreements: dis };
}

function deliveryWords(t: TraceResult): string {
  const d = t.delivery;
  switch (d.kind) {
    case 'pod': return `to pod ${d.pod} ${hostPort(d.ip, d.port)}`;
    case 'local': return `to a local socket ${hostPort(d.address, d.port)}`;
    case 'forward': return `forwarded to ${hostPort(d.to, d.port)} via ${d.via}`;
    default: return d.kind;
  }
}
