// Evaluating one declarative check against a running lab. Every check answers
// with a result a student can read: passed or not, and what was seen instead.

import type { Lab, ClusterSnapshot, TraceResult } from '../backend.js';
import type { Ruleset, TableName } from '../../engine/iptables/model.js';
import { formatRule, parseIptablesSave } from '../../engine/iptables/index.js';
import { tracePacket, ConntrackTable } from '../../engine/packet/index.js';
import type { Packet } from '../../engine/packet/types.js';
import type { LabCheck, PacketCheckSpec } from './schema.js';
import { traceResultOf } from '../trace-result.js';

export interface CheckResult {
  passed: boolean;
  /** What the check looks for, in words (`rule in nat/KUBE-NODEPORTS on k8s2 matching …`). */
  label: string;
  /** What was seen, when it did not pass. */
  detail?: string;
}

/** One command run in a lab terminal, as the runner records it. */
export interface CommandRecord {
  terminal: string;
  line: string;
  output: string;
  exitCode: number;
}

/** What checks may look at besides the lab itself. */
export interface CheckContext {
  lab: Lab;
  /** Commands run since the step began. */
  commands: readonly CommandRecord[];
  /** The step's question, answered with this choice (if any). */
  answer: string | undefined;
  /** Rule packet counters when the step began: key `node table chain rule`. */
  baseline: ReadonlyMap<string, number>;
}

export function counterKey(node: string, table: string, rule: string): string {
  return `${node} ${table} ${rule}`;
}

function chainMatches(pattern: string, name: string): boolean {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

/** Rules of a table in chains matching `chain`, as `-A CHAIN …` lines with their packet counters. */
export function rulesOf(rs: Ruleset, table: string, chain: string): { line: string; packets: number }[] {
  const t = rs.tables.find((x) => x.name === table);
  if (!t) return [];
  const out: { line: string; packets: number }[] = [];
  for (const c of t.chains) {
    if (!chainMatches(chain, c.name)) continue;
    for (const r of c.rules) out.push({ line: formatRule(c.name, r), packets: r.counters?.packets ?? 0 });
  }
  return out;
}

/** Every rule's packet counter on every node, for a step's baseline. */
export async function countersOf(lab: Lab, nodes: readonly string[]): Promise<Map<string, number>> {
  const m = new Map<string, number>();
  for (const node of nodes) {
    const rs = await lab.installedRules(node);
    for (const t of rs.tables) {
      for (const c of t.chains) for (const r of c.rules) m.set(counterKey(node, t.name, formatRule(c.name, r)), r.counters?.packets ?? 0);
    }
  }
  return m;
}

/** A dotted path with [n] indexes into parsed JSON. */
export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.match(/[^.[\]]+/g) ?? []) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[/^\d+$/.test(part) && Array.isArray(cur) ? Number(part) : part];
  }
  return cur;
}

async function getObject(lab: Lab, resource: string, name: string, namespace = 'default'): Promise<{ found: true; obj: unknown } | { found: false; why: string }> {
  const r = await lab.kubectl(['get', resource, name, '-n', namespace, '-o', 'json']);
  if (r.exitCode !== 0) return { found: false, why: r.output.trim() };
  try { return { found: true, obj: JSON.parse(r.output) as unknown }; } catch { return { found: false, why: 'kubectl printed no JSON' }; }
}

function splitRef(ref: string): { namespace: string; name: string } {
  const i = ref.indexOf('/');
  return i < 0 ? { namespace: 'default', name: ref } : { namespace: ref.slice(0, i), name: ref.slice(i + 1) };
}

function selectorMatches(selector: string, labels: Record<string, string>): boolean {
  return selector.split(',').every((kv) => {
    const [k, v] = kv.split('=');
    return k !== undefined && labels[k.trim()] === v?.trim();
  });
}

/** The packet a packet check describes, with its addresses resolved in the lab. */
export async function resolvePacket(spec: PacketCheckSpec, snap: ClusterSnapshot): Promise<{ packet: Packet } | { error: string }> {
  const node = snap.nodes.find((n) => n.name === spec.node);
  if (!node) return { error: `no node ${spec.node}` };
  let dst: string;
  let dport: number;
  if ('service' in spec.to) {
    const ref = splitRef(spec.to.service);
    const svc = snap.services.find((s) => s.name === ref.name && s.namespace === ref.namespace);
    if (!svc) return { error: `no Service ${ref.namespace}/${ref.name}` };
    const portName = spec.to.port;
    const port = portName === undefined ? svc.ports[0] : svc.ports.find((p) => p.name === portName);
    if (!port) return { error: `Service ${ref.namespace}/${ref.name} has no port ${portName ?? ''}`.trim() };
    if (spec.to.via === 'nodePort') {
      if (port.nodePort === undefined) return { error: `Service ${ref.namespace}/${ref.name} has no nodePort (type ${svc.type})` };
      dst = spec.from === 'node' ? '127.0.0.1' : node.ip;
      dport = port.nodePort;
    } else {
      dst = svc.clusterIP;
      dport = port.port;
    }
  } else {
    dst = spec.to.ip === 'node' ? node.ip : spec.to.ip;
    dport = spec.to.port;
  }
  let src = spec.src;
  if (src === undefined) {
    if (spec.from === 'external') src = '203.0.113.7';
    else if (spec.from === 'node') src = dst.startsWith('127.') ? '127.0.0.1' : node.ip;
    else {
      const pod = snap.pods.find((p) => p.node === spec.node && p.ip !== node.ip && p.phase === 'Running');
      if (!pod) return { error: `no running pod on ${spec.node} to send from` };
      src = pod.ip;
    }
  }
  return { packet: { ingress: spec.from, proto: spec.proto, src, sport: 40000, dst, dport } };
}

async function tracePastedRuleset(lab: Lab, spec: PacketCheckSpec, packet: Packet): Promise<TraceResult | string> {
  const rs = spec.ruleset!;
  const r = await lab.exec(spec.node, `cat ${rs.file}`);
  if (r.exitCode !== 0) return `cannot read ${rs.file} on ${spec.node}: ${r.output.trim()}`;
  const parsed = parseIptablesSave(r.output, { file: rs.file });
  if (!parsed.ok) return `${rs.file} is not an iptables-save: ${parsed.errors[0]?.message ?? ''}`;
  const t = tracePacket(parsed.value, { name: spec.node, addresses: rs.addresses, ...(rs.podCIDR !== undefined ? { podCIDR: rs.podCIDR } : {}) }, packet, { seed: 1, conntrack: new ConntrackTable() });
  return traceResultOf(t);
}

function describePacket(p: Packet): string {
  return `${p.proto.toUpperCase()} ${p.ingress} ${p.src} → ${p.dst}:${p.dport ?? ''}`;
}

/** Judges a trace against what a packet check expects; returns the first disagreement or null. */
export function judgeTrace(t: TraceResult, expect: PacketCheckSpec['expect'], podIPs: (selector: string) => Set<string>): string | null {
  const outs = t.outcomes.length > 0 ? t.outcomes : [{ key: 'only', probability: 1, dnatTo: t.dnatTo, verdict: t.verdict, delivery: t.delivery, masquerade: t.masquerade }];
  const show = (o: (typeof outs)[number]): string => `${o.key} (${(o.probability * 100).toFixed(1)} %)`;
  if (expect.outcomes !== undefined && outs.length !== expect.outcomes) return `${outs.length} possible outcomes, not ${expect.outcomes}: ${outs.map(show).join(', ')}`;
  for (const o of outs) {
    if (expect.verdict !== undefined && o.verdict !== expect.verdict) return `verdict ${o.verdict} in ${show(o)}, not ${expect.verdict}`;
    if (expect.delivery !== undefined && o.delivery.kind !== expect.delivery) return `ends as ${show(o)}, not ${expect.delivery}`;
    if (expect.dnatTo !== undefined && o.dnatTo !== expect.dnatTo) return `DNAT to ${o.dnatTo ?? 'nothing'}, not ${expect.dnatTo}`;
    if (expect.dnatToPodOf !== undefined) {
      const ips = podIPs(expect.dnatToPodOf);
      const ip = o.dnatTo?.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
      if (ip === undefined || !ips.has(ip)) return `DNAT to ${o.dnatTo ?? 'nothing'}, which is not a pod of ${expect.dnatToPodOf}`;
    }
    const masq = (o as { masquerade?: boolean }).masquerade ?? t.masquerade;
    if (expect.masquerade !== undefined && masq !== expect.masquerade) return `${expect.masquerade ? 'not ' : ''}masqueraded in ${show(o)}`;
    if (expect.process !== undefined && !(o.delivery.kind === 'local' && o.delivery.process === expect.process)) {
      return `ends as ${show(o)}, not at a ${expect.process} socket`;
    }
  }
  if (expect.chain !== undefined && !t.steps.some((s) => chainMatches(expect.chain!, s.chain))) return `the path does not pass through ${expect.chain}`;
  if (expect.eachEndpoint !== undefined) {
    const shares = new Map<string, number>();
    for (const o of outs) if (o.dnatTo !== null) shares.set(o.dnatTo, (shares.get(o.dnatTo) ?? 0) + o.probability);
    if (shares.size === 0) return 'no endpoint gets the packet';
    const { share, tolerance } = expect.eachEndpoint;
    for (const [ep, p] of shares) {
      if (Math.abs(p - share) > tolerance + 1e-9) return `${ep} gets ${(p * 100).toFixed(3)} %, not ${(share * 100).toFixed(3)} % ± ${(tolerance * 100).toFixed(3)}`;
    }
  }
  return null;
}

/** A check's label, for the step panel. */
export function checkLabel(c: LabCheck): string {
  if ('object' in c) return `${c.object.resource} ${c.object.namespace ?? 'default'}/${c.object.name} ${c.object.absent ? 'is gone' : 'exists'}`;
  if ('field' in c) return `${c.field.resource} ${c.field.name}: ${c.field.path} ${c.field.equals !== undefined ? `= ${String(c.field.equals)}` : `matches /${c.field.matches ?? ''}/`}`;
  if ('endpoints' in c) return `Service ${c.endpoints.namespace ?? 'default'}/${c.endpoints.service} has ${c.endpoints.ready} ready endpoint(s)`;
  if ('process' in c) return `${c.process.name} is ${c.process.running ? 'running' : 'not running'} on ${c.process.node}`;
  if ('socket' in c) return `${c.socket.listening ? `${c.socket.process ?? 'a process'} listens` : 'nothing listens'} on ${c.socket.proto}/${c.socket.port} on ${c.socket.node}`;
  if ('rule' in c) return `${c.rule.present ? 'a rule' : 'no rule'} matching /${c.rule.matches}/ in ${c.rule.table} ${c.rule.chain} on ${c.rule.node}`;
  if ('counter' in c) return `the counter of /${c.counter.matches}/ in ${c.counter.table} ${c.counter.chain} on ${c.counter.node} rose by ${c.counter.rose}`;
  if ('command' in c) return `you ran /${c.command.matches}/${c.command.terminal ? ` in ${c.command.terminal}` : ''}${c.command.output ? ` and saw /${c.command.output}/` : ''}`;
  if ('packet' in c) return `a ${c.packet.proto.toUpperCase()} packet from ${c.packet.from} entering ${c.packet.node} goes where expected`;
  return 'the question is answered correctly';
}

/** Evaluates one check. Never throws for a lab that is merely in the wrong state. */
export async function evaluateCheck(c: LabCheck, ctx: CheckContext): Promise<CheckResult> {
  const label = checkLabel(c);
  const no = (detail: string): CheckResult => ({ passed: false, label, detail });
  const yes: CheckResult = { passed: true, label };
  const { lab } = ctx;

  if ('object' in c) {
    const r = await getObject(lab, c.object.resource, c.object.name, c.object.namespace);
    if (c.object.absent) return r.found ? no('it still exists') : yes;
    return r.found ? yes : no(r.why);
  }
  if ('field' in c) {
    const r = await getObject(lab, c.field.resource, c.field.name, c.field.namespace);
    if (!r.found) return no(r.why);
    const v = getPath(r.obj, c.field.path);
    if (c.field.equals !== undefined && v !== c.field.equals) return no(`${c.field.path} is ${JSON.stringify(v) ?? 'not set'}`);
    if (c.field.matches !== undefined && (v === undefined || !new RegExp(c.field.matches).test(String(v)))) return no(`${c.field.path} is ${JSON.stringify(v) ?? 'not set'}`);
    return yes;
  }
  if ('endpoints' in c) {
    const r = await getObject(lab, 'endpoints', c.endpoints.service, c.endpoints.namespace);
    if (!r.found) return no(r.why);
    const subsets = (getPath(r.obj, 'subsets') ?? []) as { addresses?: unknown[] }[];
    const n = subsets.reduce((a, s) => a + (s.addresses?.length ?? 0), 0);
    return n === c.endpoints.ready ? yes : no(`${n} ready endpoint(s)`);
  }
  if ('process' in c) {
    const r = await lab.exec(c.process.node, 'ps -aef');
    const word = new RegExp(`(^|[\\s/])${c.process.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\s|$)`);
    const lines = r.output.split('\n').filter((l) => word.test(l) && !/\sgrep\s/.test(l) && !/\sps -aef$/.test(l));
    if (c.process.running) return lines.length > 0 ? yes : no(`no ${c.process.name} in ps -aef`);
    return lines.length === 0 ? yes : no(`still running: ${lines[0]!.trim()}`);
  }
  if ('socket' in c) {
    const r = await lab.exec(c.socket.node, c.socket.proto === 'tcp' ? 'ss -ltnp' : 'ss -lunp');
    const lines = r.output.split('\n').filter((l) => new RegExp(`:${c.socket.port}\\s`).test(l));
    if (!c.socket.listening) return lines.length === 0 ? yes : no(`listening: ${lines[0]!.replace(/\s+/g, ' ').trim()}`);
    if (lines.length === 0) return no(`nothing listens on ${c.socket.proto}/${c.socket.port}`);
    if (c.socket.process !== undefined && !lines.some((l) => l.includes(`(("${c.socket.process}"`))) return no(`listening, but by ${lines[0]!.replace(/.*users:\(\("([^"]+)".*/, '$1')}`);
    return yes;
  }
  if ('rule' in c) {
    const rules = rulesOf(await lab.installedRules(c.rule.node), c.rule.table, c.rule.chain);
    const re = new RegExp(c.rule.matches);
    const hits = rules.filter((r) => re.test(r.line));
    if (c.rule.count !== undefined) return hits.length === c.rule.count ? yes : no(`${hits.length} matching rule(s)`);
    if (c.rule.present) return hits.length > 0 ? yes : no(rules.length === 0 ? `no chain ${c.rule.chain} (or it is empty)` : `${rules.length} rule(s) there, none matching`);
    return hits.length === 0 ? yes : no(`still there: ${hits[0]!.line}`);
  }
  if ('counter' in c) {
    const re = new RegExp(c.counter.matches);
    const rules = rulesOf(await lab.installedRules(c.counter.node), c.counter.table as TableName, c.counter.chain).filter((r) => re.test(r.line));
    if (rules.length === 0) return no('no matching rule');
    const rose = Math.max(...rules.map((r) => r.packets - (ctx.baseline.get(counterKey(c.counter.node, c.counter.table, r.line)) ?? 0)));
    return rose >= c.counter.rose ? yes : no(`rose by ${rose} packet(s)`);
  }
  if ('command' in c) {
    const re = new RegExp(c.command.matches);
    const out = c.command.output !== undefined ? new RegExp(c.command.output, 'm') : undefined;
    const ran = ctx.commands.filter((r) => re.test(r.line) && (c.command.terminal === undefined || r.terminal === c.command.terminal));
    if (ran.length === 0) return no('not run yet');
    const good = ran.filter((r) => (out === undefined || out.test(r.output)) && (c.command.exitCode === undefined || r.exitCode === c.command.exitCode));
    return good.length > 0 ? yes : no(`ran it, but the output did not match (exit ${ran[ran.length - 1]!.exitCode})`);
  }
  if ('packet' in c) {
    const snap = await lab.snapshot();
    const res = await resolvePacket(c.packet, snap);
    if ('error' in res) return no(res.error);
    const t = c.packet.ruleset ? await tracePastedRuleset(lab, c.packet, res.packet) : await lab.trace(c.packet.node, res.packet);
    if (typeof t === 'string') return no(t);
    const podIPs = (sel: string): Set<string> => new Set(snap.pods.filter((p) => selectorMatches(sel, p.labels)).map((p) => p.ip));
    const why = judgeTrace(t, c.packet.expect, podIPs);
    return why === null ? { passed: true, label: `${label}: ${describePacket(res.packet)}` } : no(`${describePacket(res.packet)}: ${why}`);
  }
  if (ctx.answer === undefined) return no('not answered yet');
  return ctx.answer === c.answer.equals ? yes : no(`"${ctx.answer}" is not the answer`);
}
