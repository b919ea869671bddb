// The kernel side of a differential case: load a ruleset into the node
// namespace with iptables-restore, send one real packet from the right
// namespace, and read back what Linux did with it (xtables-monitor trace,
// counters, the conntrack NEW event, which agent received it).
import { nsRun, type Topology, type L4 } from '../helpers/topology.js';
import {
  parseConntrackEvent,
  parseMonitorLine,
  parseNftRuleset,
  startConntrackMonitor,
  startTraceMonitor,
  visitsFromLines,
  type CtEventSeen,
  type HookVisit,
  type KernelHook,
  type KernelStep,
  type HandleMap,
  type LineStream,
  type MonitorLine,
  type TraceRuleRef,
} from '../helpers/trace-monitor.js';

const TABLES = ['raw', 'mangle', 'nat', 'filter'] as const;
const BUILTINS: Record<(typeof TABLES)[number], string[]> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
};

/**
 * The ruleset both sides get: every table (raw, mangle, nat, filter) with all
 * its built-in chains declared (policy ACCEPT when the text has none). An
 * empty table changes nothing for a packet, but makes every hook observable
 * in the kernel trace and keeps iptables-nft from creating chains lazily.
 */
export function completeRuleset(text: string): string {
  const blocks: { name: string; lines: string[] }[] = [];
  let cur: { name: string; lines: string[] } | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (line.startsWith('*')) {
      cur = { name: line.slice(1).trim(), lines: [] };
      blocks.push(cur);
    } else if (line === 'COMMIT') {
      cur = null;
    } else if (cur && line !== '' && !line.startsWith('#')) {
      cur.lines.push(line);
    }
  }
  const out: string[] = [];
  for (const t of TABLES) {
    const b = blocks.find((x) => x.name === t) ?? { name: t, lines: [] };
    const declared = new Set(b.lines.filter((l) => l.startsWith(':')).map((l) => l.slice(1).split(/\s+/)[0]));
    out.push(`*${t}`);
    for (const c of BUILTINS[t]) if (!declared.has(c)) out.push(`:${c} ACCEPT [0:0]`);
    out.push(...b.lines, 'COMMIT');
  }
  for (const b of blocks) if (!(TABLES as readonly string[]).includes(b.name)) out.push(`*${b.name}`, ...b.lines, 'COMMIT');
  return `${out.join('\n')}\n`;
}

export interface ProbeSpec {
  /** Where the packet starts: `ext` (outside client), `node` (a local process), `remote` (another node), or a pod name. */
  from: string;
  proto: L4;
  /** Source address to bind; default: what the kernel would pick (`ip route get`). */
  src?: string;
  sport?: number;
  dst: string;
  dport: number;
}

export type DeliveryKey = string;

export interface KernelObservation {
  probe: Required<ProbeSpec>;
  /** Hooks in the order the packet met them (consecutive repeats collapsed). */
  hooks: KernelHook[];
  /** Matched rules and fallen-through policies, in order. */
  steps: KernelStep[];
  verdict: 'ACCEPT' | 'DROP' | 'REJECT';
  /** `ip:port` from the conntrack entry (reply source), or null. */
  dnatTo: string | null;
  /** `ip:port` from the conntrack entry (reply destination), or null. */
  snatTo: string | null;
  /** `pod 10.244.1.5:80`, `local 10.210.40.172:30450`, `forward 10.244.2.21:53`, `dropped filter/FORWARD`, `rejected filter/INPUT`. */
  delivery: DeliveryKey;
  /** Which namespace agent saw the connection or datagram (`pod1`, `node`, `remote`), if any. */
  receivedBy: string | null;
  /** What the sender saw: connected, refused, timeout, replied, sent, cancelled. */
  sender: string;
  conntrack: string | null;
  /** Rules whose packet counter grew (`table/chain#n`): every traced rule must be among them. */
  counted: string[];
  /** The raw monitor lines of this probe (for failure messages). */
  lines: string[];
}

/** Probes use source ports from this range, and only their first packets (TCP SYN, a UDP datagram) are traced. */
export const PROBE_PORTS: readonly [number, number] = [20_000, 29_999];
let sportSeq = PROBE_PORTS[0] + (process.pid % 400) * 20;
function nextSport(): number {
  sportSeq += 1;
  if (sportSeq > PROBE_PORTS[1]) sportSeq = PROBE_PORTS[0];
  return sportSeq;
}

/**
 * The TRACE rules, first in raw PREROUTING and OUTPUT. The conntrack match is
 * always true there (before conntrack) and makes the namespace track
 * connections as a node does (iptables-nft registers conntrack on demand).
 */
const CT_ANY = '-m conntrack --ctstate INVALID,NEW,RELATED,ESTABLISHED,UNTRACKED';
const TRACE_RULES = [
  `-p tcp -m tcp --sport ${PROBE_PORTS.join(':')} --tcp-flags FIN,SYN,RST,ACK SYN ${CT_ANY} -j TRACE`,
  `-p udp -m udp --sport ${PROBE_PORTS.join(':')} ${CT_ANY} -j TRACE`,
];

/** The completed ruleset with the TRACE rules inserted first in raw PREROUTING and OUTPUT. */
export function withTraceRules(completed: string): string {
  const lines = completed.split('\n');
  const raw = lines.findIndex((l) => l === '*raw');
  const firstRule = lines.findIndex((l, i) => i > raw && (l.startsWith('-A') || l === 'COMMIT'));
  lines.splice(firstRule, 0, ...['PREROUTING', 'OUTPUT'].flatMap((c) => TRACE_RULES.map((r) => `-A ${c} ${r}`)));
  return lines.join('\n');
}
let markerSeq = 40_000 + (process.pid % 200) * 50;

/** `ip route get DST` in a namespace: the source address the kernel would choose. */
export function routeSource(ns: string, dst: string): string {
  const out = nsRun(ns, ['ip', 'route', 'get', dst]).stdout;
  const m = /\bsrc (\S+)/.exec(out);
  if (!m?.[1]) throw new Error(`no source address for ${dst} in ${ns}: ${out}`);
  return m[1];
}

/** `[p:b] -A CHAIN …` lines of `iptables-save -c`, keyed `table/chain#n` → packets. */
export function parseCounters(save: string): Map<string, number> {
  const out = new Map<string, number>();
  let table = '';
  const seen = new Map<string, number>();
  for (const line of save.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1).trim();
    const m = /^\[(\d+):\d+\] -A (\S+)/.exec(line);
    if (!m) continue;
    const key = `${table}/${m[2]}`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    out.set(`${key}#${n}`, Number(m[1]));
  }
  return out;
}

/** One node namespace under test: its monitors and the marker barrier. */
export class KernelNode {
  private trace: LineStream;
  private ct: LineStream;
  private loaded = '';
  private handles = new Map<string, HandleMap>();
  private traceRules: TraceRuleRef[] = [];
  private lastCounters = new Map<string, number>();

  private constructor(readonly topo: Topology) {
    this.trace = startTraceMonitor(topo.node);
    this.ct = startConntrackMonitor(topo.node);
  }

  static async start(topo: Topology): Promise<KernelNode> {
    // The barrier: an IPv6 datagram to [::1]:9, traced by ip6tables, never touched by the (IPv4) ruleset under test.
    nsRun(topo.node, ['ip6tables', '-t', 'raw', '-I', 'OUTPUT', '-d', '::1', '-j', 'TRACE']);
    const k = new KernelNode(topo);
    // The monitors subscribe asynchronously: repeat the marker until the trace shows it.
    for (let i = 0; i < 50; i++) {
      if ((await k.barrier(100)) >= 0) return k;
    }
    k.stop();
    throw new Error(`xtables-monitor --trace in ${topo.node} never showed the marker packet: ${k.trace.stderr}`);
  }

  stop(): void {
    this.trace.stop();
    this.ct.stop();
  }

  /** Sends a marker and returns the index of its PACKET line, or -1 after timeoutMs. */
  async barrier(timeoutMs = 3_000): Promise<number> {
    const sport = ++markerSeq;
    const from = this.trace.lines.length;
    await this.topo.agent('node').call({ op: 'fire', dst: '::1', dport: 9, sport, family: 6 });
    return this.trace.waitFor((l) => l.startsWith('PACKET: 10 ') && l.includes(` SPORT=${sport} `), from, timeoutMs);
  }

  /**
   * iptables-restore of the completed ruleset into the node, with our TRACE rules first in raw
   * PREROUTING and OUTPUT; clears conntrack and `recent` lists; reads rule handles and counters.
   * One shell for all of it: every `ip netns exec` and every iptables-nft cache fetch costs.
   */
  load(text: string): void {
    const full = completeRuleset(text);
    this.loaded = full;
    const kernelText = withTraceRules(full);
    const SEP = '@@chainlab@@';
    const res = nsRun(this.topo.node, ['sh', '-c', [
      'iptables-restore || exit 1',
      'conntrack -F >/dev/null 2>&1',
      'for f in /proc/net/xt_recent/*; do [ -e "$f" ] && echo / > "$f"; done',
      `echo ${SEP}`, 'nft -a list ruleset', `echo ${SEP}`, 'iptables-save -c',
    ].join('\n')], { input: kernelText, allowFail: true });
    if (res.status !== 0) {
      const n = Number(/line (\d+)/.exec(res.stderr)?.[1] ?? 0);
      throw new Error(`iptables-restore refused the case's ruleset: ${res.stderr.trim()}\n${n > 0 ? `line ${n}: ${kernelText.split('\n')[n - 1] ?? ''}` : kernelText}`);
    }
    const out = res.stdout.split(`${SEP}\n`);
    const all = parseNftRuleset(out[1] ?? '');
    this.handles = new Map(TABLES.map((t) => [t as string, all.get(t) ?? new Map<string, number[]>()]));
    this.traceRules = ['PREROUTING', 'OUTPUT'].flatMap((chain) => (this.handles.get('raw')?.get(chain) ?? []).slice(0, TRACE_RULES.length).map((handle) => ({ table: 'raw', chain, handle })));
    this.lastCounters = parseCounters(out[2] ?? '');
  }

  setRouteLocalnet(on: boolean): void {
    nsRun(this.topo.node, ['sysctl', '-qw', `net.ipv4.conf.all.route_localnet=${on ? 1 : 0}`]);
  }

  /** The ruleset as loaded (completed; without the TRACE rules). */
  get ruleset(): string {
    return this.loaded;
  }

  async probe(spec: ProbeSpec): Promise<KernelObservation> {
    const topo = this.topo;
    const ns = topo.nsOf(spec.from);
    const defaultSrc = spec.from === 'ext' ? bareAddr(topo.spec.externalAddresses[1] ?? topo.spec.externalAddresses[0] ?? '') : routeSource(ns, spec.dst);
    const probe: Required<ProbeSpec> = { ...spec, src: spec.src ?? defaultSrc, sport: spec.sport ?? nextSport() };
    if (probe.sport < PROBE_PORTS[0] || probe.sport > PROBE_PORTS[1]) throw new Error(`probe source port ${probe.sport} is outside the traced range ${PROBE_PORTS.join(':')}`);
    const tm: number[] = [Date.now()];
    const before = this.lastCounters;
    const b1 = await this.barrier();
    tm.push(Date.now());
    if (b1 < 0) throw new Error(`trace monitor lost the first barrier: exited=${this.trace.exited} ${this.trace.stderr} last=${this.trace.lines.slice(-5).join('|')}`);
    const eventsBefore = new Map([...topo.agents].map(([k, a]) => [k, a.events.length]));
    const agent = topo.agent(spec.from);
    const req = agent.request(
      probe.proto === 'tcp'
        ? { op: 'connect', dst: probe.dst, dport: probe.dport, src: probe.src, sport: probe.sport, timeoutMs: 900 }
        : { op: 'udp', dst: probe.dst, dport: probe.dport, src: probe.src, sport: probe.sport, timeoutMs: 500 },
      10_000,
    );
    // A dropped packet is final at once: stop the sender before it could retransmit.
    // (REJECT shows as DROP too, but answers the sender at once: let it.)
    const dropSeen = this.trace.waitFor((l) => (/^\s*TRACE: 2 \S+ \S+:rule:0x[0-9a-f]+:DROP/.test(l) && !/ -j REJECT\b/.test(l)) || /^\s*TRACE: 2 \S+ \S+:policy:DROP/.test(l), b1, 1_000);
    const first = await Promise.race([req.reply.then(() => 'reply' as const), dropSeen.then((i) => (i >= 0 ? ('drop' as const) : ('none' as const)))]);
    if (first === 'drop') agent.request({ op: 'cancel', target: req.id });
    const reply = await req.reply;
    tm.push(Date.now());
    const b2 = await this.barrier();
    tm.push(Date.now());
    if (b2 < 0) throw new Error('trace monitor lost the closing barrier');
    const raw = untilItReturns(this.trace.lines.slice(b1, b2).filter((l) => /^(PACKET|\s*TRACE): 2 /.test(l)));
    const parsed = raw.map(parseMonitorLine).filter((l): l is MonitorLine => l !== null);
    const visits = visitsFromLines(parsed, this.handles, this.traceRules);
    const steps = visits.flatMap((v) => v.steps);
    const last = steps[steps.length - 1];
    const lastText = last?.ruleText ?? '';
    const lastVisit = visits[visits.length - 1];
    // A walk that ends in a hook a packet cannot end in (PREROUTING, FORWARD, OUTPUT) without a DROP rule was dropped by routing.
    const stopped = lastVisit !== undefined && !['INPUT', 'POSTROUTING'].includes(lastVisit.hook);
    const verdict: KernelObservation['verdict'] = last?.verdict === 'DROP' ? (/ -j REJECT\b/.test(lastText) ? 'REJECT' : 'DROP') : stopped ? 'DROP' : 'ACCEPT';
    // The conntrack entry is confirmed at the end of POSTROUTING (or INPUT): a looped-back packet dropped later has one.
    const postIdx = visits.findIndex((v) => v.hook === 'POSTROUTING');
    const confirmed = verdict === 'ACCEPT' || (postIdx >= 0 && visits.slice(postIdx).some((v) => v.hook !== 'POSTROUTING'));
    const ctEvent = confirmed ? await this.conntrackFor(probe) : null;
    const after = parseCounters(nsRun(topo.node, ['iptables-save', '-c']).stdout);
    this.lastCounters = after;
    const counted = [...after].filter(([k, n]) => n > (before.get(k) ?? 0)).map(([k]) => k).flatMap(unshiftTraceRules);
    const receivedBy = this.receiver(eventsBefore, probe);
    tm.push(Date.now());
    if (process.env.CHAINLAB_KERNEL_TIMING) console.log('probe phases ms', tm.slice(1).map((t, i) => t - (tm[i] ?? t)).join(' '));
    return {
      probe,
      hooks: collapse(visits.map((v) => v.hook)),
      steps,
      verdict,
      dnatTo: ctEvent ? (ctEvent.reply.src !== probe.dst || ctEvent.reply.sport !== probe.dport ? `${ctEvent.reply.src}:${ctEvent.reply.sport}` : null) : dnatFromPackets(visits, probe),
      snatTo: ctEvent ? (ctEvent.reply.dst !== probe.src || ctEvent.reply.dport !== probe.sport ? `${ctEvent.reply.dst}:${ctEvent.reply.dport}` : null) : snatFromPackets(visits, probe),
      delivery: deliveryOf(visits, verdict, last),
      receivedBy,
      sender: reply.result ?? (reply.ok ? 'ok' : `error ${reply.error ?? ''}`),
      conntrack: ctEvent?.line ?? null,
      counted,
      lines: raw,
    };
  }

  private async conntrackFor(p: Required<ProbeSpec>): Promise<CtEventSeen | null> {
    const want = (e: CtEventSeen | null): boolean => e !== null && e.proto === p.proto && e.orig.src === p.src && e.orig.sport === p.sport && e.orig.dst === p.dst && e.orig.dport === p.dport;
    const i = await this.ct.waitFor((l) => want(parseConntrackEvent(l)), 0, 500);
    return i >= 0 ? parseConntrackEvent(this.ct.lines[i] ?? '') : null;
  }

  private receiver(before: Map<string, number>, p: Required<ProbeSpec>): string | null {
    for (const [name, a] of this.topo.agents) {
      const fresh = a.events.slice(before.get(name) ?? 0);
      // SNAT may have changed the source: any accept on a listening port during this probe counts.
      if (fresh.some((e) => (e.event === 'accept' || e.event === 'datagram') && e.proto === p.proto)) return name;
    }
    return null;
  }
}

const bareAddr = (cidr: string): string => cidr.split('/')[0] ?? cidr;

/** Counter keys were read with our TRACE rules first in raw PREROUTING/OUTPUT: drop them, renumber the rest. */
function unshiftTraceRules(key: string): string[] {
  const m = /^raw\/(PREROUTING|OUTPUT)#(\d+)$/.exec(key);
  if (!m) return [key];
  const n = Number(m[2]) - TRACE_RULES.length;
  return n <= 0 ? [] : [`raw/${m[1]}#${n}`];
}

function collapse<T>(xs: T[]): T[] {
  return xs.filter((x, i) => i === 0 || xs[i - 1] !== x);
}

/** Without a conntrack entry (dropped, untracked): the destination the last hook saw, if rewritten. */
function dnatFromPackets(visits: HookVisit[], p: Required<ProbeSpec>): string | null {
  const lastVisit = visits[visits.length - 1];
  // Dropped right after the nat table rewrote it (re-routing failed): the rewrite is in the DNAT rule itself.
  const dnatRule = [...(lastVisit?.steps ?? [])].reverse().find((s) => s.verdict === 'ACCEPT' && / -j DNAT\b/.test(s.ruleText ?? ''));
  const to = /--to-destination (\S+)/.exec(dnatRule?.ruleText ?? '')?.[1];
  if (to) return to.includes(':') ? to : `${to}:${p.dport}`;
  const f = lastVisit?.packet.fields;
  if (!f?.DST) return null;
  const port = Number(f.DPORT ?? p.dport);
  return f.DST !== p.dst || port !== p.dport ? `${f.DST}:${port}` : null;
}

/** Without a conntrack entry: the source a later hook saw (a looped-back packet after SNAT), if rewritten. */
function snatFromPackets(visits: HookVisit[], p: Required<ProbeSpec>): string | null {
  for (const v of visits) {
    const f = v.packet.fields;
    const sport = Number(f.SPORT ?? p.sport);
    if (f.SRC && (f.SRC !== p.src || sport !== p.sport)) return `${f.SRC}:${sport}`;
  }
  return null;
}

function deliveryOf(visits: HookVisit[], verdict: KernelObservation['verdict'], last: KernelStep | undefined): DeliveryKey {
  const hook = visits[visits.length - 1]?.hook;
  if (verdict === 'DROP' && last?.verdict !== 'DROP') return `dropped ${hook ?? '?'}/${hook ?? '?'} (routing)`;
  if (verdict !== 'ACCEPT') return `${verdict === 'DROP' ? 'dropped' : 'rejected'} ${last?.table ?? '?'}/${last?.chain ?? '?'}`;
  const v = visits[visits.length - 1];
  if (!v) return 'unknown';
  const f = v.packet.fields;
  const where = `${f.DST ?? '?'}:${f.DPORT ?? '?'}`;
  if (v.hook === 'INPUT') return `local ${where}`;
  if (v.hook === 'POSTROUTING' || v.hook === 'FORWARD') {
    if (f.OUT === 'cni0') return `pod ${where}`;
    if (f.OUT === 'lo') return `local ${where}`;
    return `forward ${where}`;
  }
  return `stopped ${v.hook}`;
}

/**
 * The node's walk of a probe ends where the packet leaves the node on its LAN
 * link (eth0). When the LAN routes it back (the LoadBalancer IP is routed to
 * the node), the same skb re-enters with the same trace id: that is a new
 * arrival from the network, outside the engine's one-node model, and it is
 * traced only when MASQUERADE --random-fully happened to pick a source port
 * in the traced range, so keeping it made the comparison depend on chance.
 */
export function untilItReturns(lines: string[]): string[] {
  let left = false;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (!l.startsWith('PACKET:')) continue;
    if (/ OUT=eth0 /.test(l)) left = true;
    else if (left && / IN=eth0 /.test(l) && !/ OUT=/.test(l)) return lines.slice(0, i);
  }
  return lines;
}
