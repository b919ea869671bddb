// One packet through the netfilter hooks of one node, in kernel order:
//   from outside/pod: PREROUTING (raw, [conntrack], mangle, nat) → routing →
//     INPUT (mangle, filter, security, nat) | FORWARD (mangle, filter, security)
//     → POSTROUTING (mangle, nat)
//   from the node:    routing → OUTPUT (raw, [conntrack], mangle, nat, [re-route],
//     filter, security) → POSTROUTING (mangle, nat) → [lo: PREROUTING (raw,
//     mangle), INPUT (mangle, filter, security)]
// The nat table is consulted only for the first packet of a connection; later
// packets (and replies) follow the conntrack entry.

import type { TableName } from '../iptables/model.js';
import { formatIP, parseIP, type IP } from '../net/ip.js';
import { newEntryTimeout, type ConntrackTable } from './conntrack.js';
import { ipKey, ruleText, UnsupportedRuleError, type CompiledChain, type CompiledRule, type CompiledRuleset } from './compile.js';
import { isLoopback, sameIP, type NodeView, type Route } from './node-view.js';
import { TCP_FLAGS, type CtInfo, type Decider, type PacketState } from './state.js';
import type { NatRange } from './targets.js';
import type { Delivery, DeliveryReason, Hook, Packet, TraceStep, Verdict } from './types.js';

export interface WalkOptions {
  /** Record every rule evaluated (the trace); off when sampling or enumerating. */
  record: boolean;
  /** Write conntrack, `recent` lists and nth counters. */
  commit: boolean;
  decider: Decider;
  table: ConntrackTable;
}

export interface WalkResult {
  hooks: Hook[];
  steps: TraceStep[];
  verdict: Verdict;
  dnatTo: string | null;
  snatTo: string | null;
  masquerade: boolean;
  mark: number;
  delivery: Delivery & DeliveryReason;
  ctState: string;
  /** The entry the packet created or followed (null: untracked or never confirmed). */
  ctEntryId: number | null;
  notes: string[];
}

type TableEnd =
  | { kind: 'accept' }
  | { kind: 'drop'; chain: string; table: TableName }
  | { kind: 'reject'; chain: string; table: TableName; with: string };

/** A chain being walked: where we are in it. */
interface Frame {
  chain: CompiledChain;
  pos: number;
  /** Rule indices to test (the destination index of a big chain), or null for every rule in order. */
  order: Int32Array | null;
}

function frameFor(chain: CompiledChain, record: boolean, key: number | string): Frame {
  return { chain, pos: 0, order: record || chain.index === null ? null : (chain.index.byDst.get(key) ?? chain.index.rest) };
}

const ignore = (_: string): void => undefined;

const STATISTIC_NOTE =
  'statistic --mode random: this packet\'s branch comes from the seeded generator; the outcome probabilities are exact, using the value the kernel stores (--probability p is kept as round(p * 2^31) / 2^31, e.g. 0.33333333349 → 715827883 / 2^31).';

/** The source port a packet gets when none is given (an ephemeral port). */
export const DEFAULT_SPORT = 40000;

export function hostPort(ip: IP, port: number | null): string {
  const a = formatIP(ip);
  if (port === null) return a;
  return ip.family === 6 ? `[${a}]:${port}` : `${a}:${port}`;
}

class Walk {
  readonly hooks: Hook[] = [];
  readonly steps: TraceStep[] = [];
  readonly notes: string[] = [];
  masquerade = false;
  untracked = false;
  private readonly hasPorts: boolean;

  constructor(
    readonly compiled: CompiledRuleset,
    readonly node: NodeView,
    readonly s: PacketState,
    readonly opts: WalkOptions,
  ) {
    this.hasPorts = s.proto !== 'icmp';
  }

  note(text: string): void {
    if (this.opts.record && !this.notes.includes(text)) this.notes.push(text);
  }

  enter(h: Hook): void {
    this.hooks.push(h);
    this.s.hook = h;
  }

  /** Runs one built-in chain of one table; null when that table or chain is not loaded. */
  table(name: TableName, hook: Hook): TableEnd | null {
    const t = this.compiled.tables.get(name);
    const base = t?.chains.get(hook);
    if (t === undefined || base === undefined) return null;
    const s = this.s;
    const record = this.opts.record;
    const key = ipKey(s.dst);
    const stack: Frame[] = [frameFor(base, record, key)];
    for (let guard = 0; guard < 10_000_000; guard++) {
      const f = stack[stack.length - 1]!;
      const n = f.order !== null ? f.order.length : f.chain.rules.length;
      if (f.pos >= n) {
        if (stack.length === 1) return this.policy(name, hook, base);
        stack.pop();
        continue;
      }
      const r = f.chain.rules[f.order !== null ? f.order[f.pos]! : f.pos]!;
      f.pos++;
      if (r.error !== null) throw new UnsupportedRuleError(r.error, r.errorToken);
      if (record && r.hasStatistic) this.note(STATISTIC_NOTE);
      let matched = true;
      for (const test of r.tests) {
        if (!test(s)) {
          matched = false;
          break;
        }
      }
      if (!matched) {
        if (record) this.steps.push({ hook, table: name, chain: r.chain, ruleNumber: r.number, rule: ruleText(r), matched: false });
        continue;
      }
      const step: TraceStep | null = record ? { hook, table: name, chain: r.chain, ruleNumber: r.number, rule: ruleText(r), matched: true } : null;
      if (step !== null) this.steps.push(step);
      const say = step === null ? ignore : (a: string) => void (step.action = a);
      const tg = r.target;
      switch (tg.kind) {
        case 'none':
          say('no target: counted only');
          break;
        case 'accept':
          say('ACCEPT');
          return { kind: 'accept' };
        case 'drop':
          say('DROP');
          return { kind: 'drop', chain: r.chain, table: name };
        case 'reject':
          say(`REJECT with ${tg.with}`);
          return { kind: 'reject', chain: r.chain, table: name, with: tg.with };
        case 'return':
          say('RETURN');
          if (stack.length === 1) return this.policy(name, hook, base);
          stack.pop();
          break;
        case 'chain': {
          const target = t.chains.get(tg.chain)!;
          say(`${tg.goto ? 'goto' : 'jump'} ${tg.chain}`);
          if (stack.length > 64) throw new UnsupportedRuleError({ message: `chain nesting deeper than 64 at ${ruleText(r)} (a loop?)`, object: `-t ${name} ${r.chain} ${r.number}` });
          if (tg.goto) stack[stack.length - 1] = frameFor(target, record, key);
          else stack.push(frameFor(target, record, key));
          break;
        }
        case 'mark':
          s.mark = tg.apply(s.mark);
          say(`${tg.text} → mark 0x${s.mark.toString(16)}`);
          break;
        case 'connmark':
          if (s.ct !== null) {
            if (tg.op === 'set') s.ct.ctmark = ((s.ct.ctmark & ~tg.mask) ^ tg.value) >>> 0;
            else if (tg.op === 'save') s.ct.ctmark = ((s.ct.ctmark & ~tg.ctmask) ^ (s.mark & tg.nfmask)) >>> 0;
            else s.mark = ((s.mark & ~tg.nfmask) ^ (s.ct.ctmark & tg.ctmask)) >>> 0;
          }
          say(`${tg.text} → ctmark 0x${(s.ct?.ctmark ?? 0).toString(16)}, mark 0x${s.mark.toString(16)}`);
          break;
        case 'dnat':
        case 'redirect': {
          this.requireNat(r, name, ['PREROUTING', 'OUTPUT']);
          let ip: IP;
          let port: number;
          if (tg.kind === 'dnat') {
            ip = pickAddress(tg.range, s.dst);
            port = tg.range.port ?? s.dport;
          } else {
            const local = hook === 'OUTPUT' ? parseIP(s.dst.family === 4 ? '127.0.0.1' : '::1')! : this.node.primaryAddress(s.inIface, s.dst.family);
            if (local === null) {
              say(`REDIRECT: no address on ${s.inIface}: dropped`);
              return { kind: 'drop', chain: r.chain, table: name };
            }
            ip = local;
            port = tg.ports !== null ? tg.ports[0] : s.dport;
          }
          s.dst = ip;
          if (this.hasPorts) s.dport = port;
          if (s.ct !== null) s.ct.dnat = true;
          say(`${tg.kind === 'dnat' ? 'DNAT' : 'REDIRECT'} to ${hostPort(s.dst, this.hasPorts ? s.dport : null)}`);
          return { kind: 'accept' };
        }
        case 'snat':
        case 'masquerade': {
          this.requireNat(r, name, ['POSTROUTING', 'INPUT']);
          let ip: IP | null;
          let port = s.sport;
          if (tg.kind === 'snat') {
            ip = pickAddress(tg.range, s.src);
            if (tg.range.port !== null && (s.sport < tg.range.port || s.sport > (tg.range.portTo ?? tg.range.port))) port = tg.range.port;
          } else {
            ip = this.node.primaryAddress(s.outIface, s.src.family, this.nextHop());
            if (ip === null) {
              say(`MASQUERADE: no address on ${s.outIface}: dropped`);
              return { kind: 'drop', chain: r.chain, table: name };
            }
            if (tg.ports !== null && (s.sport < tg.ports[0] || s.sport > tg.ports[1])) port = tg.ports[0];
            if (tg.randomFully) this.note('MASQUERADE --random-fully: the kernel picks a random source port; the trace keeps the original one.');
            this.masquerade = true;
          }
          s.src = ip;
          if (this.hasPorts) s.sport = port;
          if (s.ct !== null) s.ct.snat = true;
          say(`${tg.kind === 'snat' ? 'SNAT' : 'MASQUERADE'} to ${hostPort(s.src, this.hasPorts ? s.sport : null)}`);
          return { kind: 'accept' };
        }
        case 'notrack':
          if (name !== 'raw') throw new UnsupportedRuleError({ message: `NOTRACK is only valid in the raw table (${ruleText(r)})`, object: `-t ${name} ${r.chain} ${r.number}` });
          this.untracked = true;
          // The kernel attaches the untracked template at once: later rules of raw see ctstate UNTRACKED.
          this.s.ct = untrackedInfo(this.s);
          say('NOTRACK: conntrack will ignore this packet');
          break;
        case 'note':
          say(tg.text);
          break;
      }
    }
    throw new Error('packet walk did not end (rule loop guard)');
  }

  /** Where the packet goes next on its outgoing interface: the peer node for another node's pods, else the destination. */
  private nextHop(): IP {
    const r = this.node.route(this.s.dst);
    if (r.kind === 'peer') {
      const via = parseIP(r.via);
      if (via !== null) return via;
    }
    return this.s.dst;
  }

  /** The built-in chain's policy, reported as rule 0. */
  private policy(table: TableName, hook: Hook, base: CompiledChain): TableEnd {
    const p = base.policy ?? 'ACCEPT';
    if (this.opts.record) this.steps.push({ hook, table, chain: hook, ruleNumber: 0, rule: `:${hook} ${p}`, matched: true, action: `policy ${p}` });
    return p === 'DROP' ? { kind: 'drop', chain: hook, table } : { kind: 'accept' };
  }

  private requireNat(r: CompiledRule, table: TableName, hooks: Hook[]): void {
    if (table !== 'nat' || !hooks.includes(this.s.hook)) {
      throw new UnsupportedRuleError({
        message: `${r.rule.target?.name} is only valid in the nat table's ${hooks.join('/')} (reached from ${this.s.hook}): ${ruleText(r)}`,
        object: `-t ${table} ${r.chain} ${r.number}`,
      });
    }
  }

  /** Conntrack's look-up (after raw): attaches an existing entry or starts a new one. */
  conntrackIn(): void {
    const s = this.s;
    if (this.untracked) {
      s.ct = untrackedInfo(s);
      this.note('NOTRACK in raw: the packet is UNTRACKED, so the nat table is never consulted for it.');
      return;
    }
    const found = this.opts.table.size === 0 ? undefined : this.opts.table.lookup({ proto: s.proto, src: formatIP(s.src), dst: formatIP(s.dst), sport: s.sport, dport: s.dport });
    if (found === undefined) {
      s.ct = {
        state: 'NEW',
        dir: 'orig',
        origSrc: s.src,
        origDst: s.dst,
        origSport: s.sport,
        origDport: s.dport,
        replSrc: s.dst,
        replDst: s.src,
        replSport: s.dport,
        replDport: s.sport,
        dnat: false,
        snat: false,
        replied: false,
        assured: false,
        ctmark: 0,
        dstInit: false,
        srcInit: false,
        entryId: null,
      };
      s.tcpFlags = TCP_FLAGS.SYN!;
      s.icmpType = 8;
      return;
    }
    const e = found.entry;
    const p = (t: string) => parseIP(t)!;
    s.ct = {
      state: found.dir === 'reply' || e.replied ? 'ESTABLISHED' : 'NEW',
      dir: found.dir,
      origSrc: p(e.orig.src),
      origDst: p(e.orig.dst),
      origSport: e.orig.sport,
      origDport: e.orig.dport,
      replSrc: p(e.reply.src),
      replDst: p(e.reply.dst),
      replSport: e.reply.sport,
      replDport: e.reply.dport,
      dnat: e.dnat,
      snat: e.snat,
      replied: e.replied,
      assured: e.assured,
      ctmark: e.mark,
      dstInit: true,
      srcInit: true,
      entryId: e.id,
    };
    if (s.proto === 'tcp') s.tcpFlags = found.dir === 'reply' ? (e.replied ? TCP_FLAGS.ACK! : TCP_FLAGS.SYN! | TCP_FLAGS.ACK!) : e.replied ? TCP_FLAGS.ACK! : TCP_FLAGS.SYN!;
    s.icmpType = found.dir === 'reply' ? 0 : 8;
    this.note(
      found.dir === 'reply'
        ? `Reply of a tracked connection (${e.orig.src}:${e.orig.sport} → ${e.orig.dst}:${e.orig.dport}): conntrack undoes its NAT; the nat table is not consulted.`
        : `Packet of a tracked connection (state ${s.ct.state}): conntrack applies the NAT chosen for its first packet; the nat table is not consulted.`,
    );
  }

  /** Destination NAT point (nat PREROUTING / OUTPUT). */
  natDst(hook: 'PREROUTING' | 'OUTPUT'): TableEnd | null {
    const s = this.s;
    const ct = s.ct;
    if (ct === null || ct.state === 'UNTRACKED') return null;
    if (!ct.dstInit) {
      ct.dstInit = true;
      const end = this.table('nat', hook);
      ct.replSrc = s.dst;
      ct.replSport = s.dport;
      return end;
    }
    if (ct.entryId === null) return null;
    if (ct.dir === 'orig' && ct.dnat) {
      s.dst = ct.replSrc;
      s.dport = ct.replSport;
    } else if (ct.dir === 'reply' && ct.snat) {
      s.dst = ct.origSrc;
      s.dport = ct.origSport;
    }
    return null;
  }

  /** Source NAT point (nat POSTROUTING / INPUT). */
  natSrc(hook: 'POSTROUTING' | 'INPUT'): TableEnd | null {
    const s = this.s;
    const ct = s.ct;
    if (ct === null || ct.state === 'UNTRACKED') return null;
    if (!ct.srcInit) {
      ct.srcInit = true;
      const end = this.table('nat', hook);
      ct.replDst = s.src;
      ct.replDport = s.sport;
      return end;
    }
    if (ct.entryId === null) return null;
    if (ct.dir === 'orig' && ct.snat) {
      s.src = ct.replDst;
      s.sport = ct.replDport;
    } else if (ct.dir === 'reply' && ct.dnat) {
      s.src = ct.origDst;
      s.sport = ct.origDport;
    }
    return null;
  }

  /** Conntrack confirmation (end of POSTROUTING / INPUT): the entry is written. */
  confirm(): number | null {
    const s = this.s;
    const ct = s.ct;
    if (ct === null || ct.state === 'UNTRACKED') return null;
    const table = this.opts.table;
    if (ct.entryId !== null) {
      if (this.opts.commit) {
        table.seen(ct.entryId, ct.dir);
        const e = table.get(ct.entryId);
        if (e !== undefined) e.mark = ct.ctmark;
      }
      return ct.entryId;
    }
    if (!this.opts.commit) return null;
    const { state, timeout } = newEntryTimeout(s.proto);
    const e = table.insert({
      orig: { proto: s.proto, src: formatIP(ct.origSrc), dst: formatIP(ct.origDst), sport: ct.origSport, dport: ct.origDport },
      // ICMP keeps its echo id in both directions (stored in sport).
      reply: s.proto === 'icmp' ? { proto: s.proto, src: formatIP(s.dst), dst: formatIP(s.src), sport: s.sport, dport: 0 } : { proto: s.proto, src: formatIP(s.dst), dst: formatIP(s.src), sport: s.dport, dport: s.sport },
      state,
      expires: table.now + timeout,
      replied: false,
      assured: false,
      mark: ct.ctmark,
      dnat: ct.dnat,
      snat: ct.snat,
    });
    ct.entryId = e.id;
    return e.id;
  }
}

function untrackedInfo(s: PacketState): CtInfo {
  return {
    state: 'UNTRACKED',
    dir: 'orig',
    origSrc: s.src,
    origDst: s.dst,
    origSport: s.sport,
    origDport: s.dport,
    replSrc: s.dst,
    replDst: s.src,
    replSport: s.dport,
    replDport: s.sport,
    dnat: false,
    snat: false,
    replied: false,
    assured: false,
    ctmark: 0,
    dstInit: true,
    srcInit: true,
    entryId: null,
  };
}

/** A range `a-b` maps to its first address: the kernel hashes the tuple over the range; we say so in the docs. */
function pickAddress(range: NatRange, keep: IP): IP {
  return range.ip ?? keep;
}

/** Builds the packet state; throws an Error naming the field when an address does not parse. */
const parsedAddresses = new WeakMap<Packet, { srcText: string; dstText: string; src: IP | null; dst: IP | null }>();

/** A packet's addresses, parsed once per packet object (sampling walks the same packet many times). */
function addressesOf(packet: Packet): { src: IP | null; dst: IP | null } {
  let a = parsedAddresses.get(packet);
  if (a === undefined || a.srcText !== packet.src || a.dstText !== packet.dst) {
    a = { srcText: packet.src, dstText: packet.dst, src: parseIP(packet.src), dst: parseIP(packet.dst) };
    parsedAddresses.set(packet, a);
  }
  return a;
}

export function initialState(node: NodeView, packet: Packet, decider: Decider, table: ConntrackTable, commit: boolean): PacketState {
  const { src, dst } = addressesOf(packet);
  if (src === null) throw new Error(`packet src '${packet.src}' is not an IP address`);
  if (dst === null) throw new Error(`packet dst '${packet.dst}' is not an IP address`);
  if (src.family !== dst.family) throw new Error(`packet src ${packet.src} and dst ${packet.dst} are not of the same IP family`);
  const icmp = packet.proto === 'icmp';
  return {
    node,
    proto: packet.proto,
    src,
    dst,
    sport: icmp ? (packet.sport ?? 1) : (packet.sport ?? DEFAULT_SPORT),
    dport: icmp ? 0 : (packet.dport ?? 0),
    inIface: '',
    outIface: '',
    mark: 0,
    ct: null,
    hook: 'PREROUTING',
    tcpFlags: TCP_FLAGS.SYN!,
    icmpType: 8,
    icmpCode: 0,
    decider,
    table,
    commit,
  };
}

/** The text of an address, cached per IP object (DNAT targets and node addresses are shared objects). */
const ipTexts = new WeakMap<IP, string>();
function ipText(ip: IP): string {
  let t = ipTexts.get(ip);
  if (t === undefined) {
    t = formatIP(ip);
    ipTexts.set(ip, t);
  }
  return t;
}

/** Drives one packet through the hooks; a class so a sampled packet allocates no closures. */
class PacketRun {
  readonly s: PacketState;
  readonly w: Walk;
  private readonly origDst: IP;
  private readonly origDport: number;
  private readonly origSrc: IP;
  private readonly origSport: number;
  private readonly ports: boolean;
  private ctEntryId: number | null = null;

  constructor(
    compiled: CompiledRuleset,
    private readonly node: NodeView,
    packet: Packet,
    opts: WalkOptions,
  ) {
    this.s = initialState(node, packet, opts.decider, opts.table, opts.commit);
    this.w = new Walk(compiled, node, this.s, opts);
    this.origDst = this.s.dst;
    this.origDport = this.s.dport;
    this.origSrc = this.s.src;
    this.origSport = this.s.sport;
    this.ports = this.s.proto !== 'icmp';
  }

  private finish(verdict: Verdict, delivery: Delivery & DeliveryReason): WalkResult {
    const s = this.s;
    const dstChanged = !sameIP(s.dst, this.origDst) || s.dport !== this.origDport;
    const srcChanged = !sameIP(s.src, this.origSrc) || s.sport !== this.origSport;
    return {
      hooks: this.w.hooks,
      steps: this.w.steps,
      verdict,
      dnatTo: dstChanged ? this.endpoint(s.dst, s.dport) : null,
      snatTo: srcChanged ? this.endpoint(s.src, s.sport) : null,
      masquerade: this.w.masquerade,
      mark: s.mark,
      delivery,
      ctState: s.ct?.state ?? 'INVALID',
      ctEntryId: this.ctEntryId,
      notes: this.w.notes,
    };
  }

  private endpoint(ip: IP, port: number): string {
    const a = ipText(ip);
    if (!this.ports) return a;
    return ip.family === 6 ? `[${a}]:${port}` : `${a}:${port}`;
  }

  /** A table ended the packet (DROP/REJECT), or null to go on. */
  private stop(end: TableEnd | null): WalkResult | null {
    if (end === null || end.kind === 'accept') return null;
    if (end.kind === 'drop') return this.finish('DROP', { kind: 'dropped', hook: this.s.hook, chain: end.chain, table: end.table });
    return this.finish('REJECT', { kind: 'rejected', hook: this.s.hook, chain: end.chain, with: end.with, table: end.table });
  }

  private run(tables: readonly TableName[]): WalkResult | null {
    for (const t of tables) {
      const r = this.stop(this.w.table(t, this.s.hook));
      if (r !== null) return r;
    }
    return null;
  }

  private deliverLocal(): WalkResult {
    const s = this.s;
    const address = ipText(s.dst);
    const l = (this.node.desc.listeners ?? []).find(
      (x) => x.proto === s.proto && x.port === s.dport && (x.address === undefined || x.address === address || x.address === '0.0.0.0' || x.address === '::' || x.address === '*'),
    );
    const d: Delivery = { kind: 'local', address, ...(this.ports ? { port: s.dport } : {}), ...(l !== undefined ? { process: l.process } : {}) };
    if (l === undefined && this.ports) this.w.note(`No process listens on ${s.proto}/${s.dport} here: the node's kernel answers ${s.proto === 'tcp' ? 'with a TCP reset' : 'with ICMP port unreachable'}.`);
    return this.finish('ACCEPT', d);
  }

  private deliverOut(route: Route): WalkResult {
    const s = this.s;
    if (isLoopback(s.src) && route.iface !== this.node.lo) {
      this.w.note(`The packet leaves ${route.iface} with source ${ipText(s.src)}: the receiver drops it as a martian source (only MASQUERADE/SNAT would have made it routable).`);
      return this.finish('ACCEPT', { kind: 'dropped', hook: 'POSTROUTING', chain: 'POSTROUTING', reason: `martian source ${ipText(s.src)} on ${route.iface}` });
    }
    const port = this.ports ? { port: s.dport } : {};
    if (route.kind === 'pod') {
      const pod = route.pod;
      return this.finish('ACCEPT', { kind: 'pod', pod: pod !== undefined ? `${pod.namespace}/${pod.name}` : '', ip: ipText(s.dst), ...port });
    }
    if (route.kind === 'peer') return this.finish('ACCEPT', { kind: 'forward', via: route.iface, to: ipText(s.dst), ...(route.node !== '' ? { node: route.node } : {}), ...port });
    return this.finish('ACCEPT', { kind: 'forward', via: route.iface, to: ipText(s.dst), ...port });
  }

  /** From outside or from a pod: PREROUTING, routing, then INPUT or FORWARD + POSTROUTING. */
  incoming(packet: Packet): WalkResult {
    const { s, w, node } = this;
    s.inIface = packet.inIface ?? (packet.ingress === 'pod' ? node.bridge : node.ext);
    w.enter('PREROUTING');
    let r = this.run(RAW);
    if (r !== null) return r;
    w.conntrackIn();
    r = this.run(MANGLE) ?? this.stop(w.natDst('PREROUTING'));
    if (r !== null) return r;
    // Routing decision (ip_route_input): loopback addresses are martians on a non-loopback interface.
    if (s.inIface !== node.lo && !node.routeLocalnet && (isLoopback(s.src) || isLoopback(s.dst))) {
      const which = isLoopback(s.src) ? `source ${ipText(s.src)}` : `destination ${ipText(s.dst)}`;
      w.note(`Routing drops a packet with ${which} arriving on ${s.inIface} (martian; route_localnet=0).`);
      return this.finish('DROP', { kind: 'dropped', hook: 'PREROUTING', chain: 'PREROUTING', reason: `martian ${which} on ${s.inIface}` });
    }
    const route = node.route(s.dst);
    if (route.kind === 'local') {
      w.enter('INPUT');
      r = this.run(FILTERING) ?? this.stop(w.natSrc('INPUT'));
      if (r !== null) return r;
      this.ctEntryId = w.confirm();
      return this.deliverLocal();
    }
    s.outIface = route.iface;
    w.enter('FORWARD');
    r = this.run(FILTERING);
    if (r !== null) return r;
    w.enter('POSTROUTING');
    r = this.run(MANGLE) ?? this.stop(w.natSrc('POSTROUTING'));
    if (r !== null) return r;
    this.ctEntryId = w.confirm();
    return this.deliverOut(route);
  }

  /** Locally generated: routed first, then OUTPUT (re-routed after DNAT), POSTROUTING, and back in on lo if local. */
  outgoing(): WalkResult {
    const { s, w, node } = this;
    let route = node.route(s.dst);
    s.outIface = route.iface;
    w.enter('OUTPUT');
    let r = this.run(RAW);
    if (r !== null) return r;
    w.conntrackIn();
    const before = s.dst;
    r = this.run(MANGLE) ?? this.stop(w.natDst('OUTPUT'));
    if (r !== null) return r;
    if (!sameIP(before, s.dst)) {
      // Re-route after DNAT (ip_route_me_harder): the new destination may leave by another interface.
      route = node.route(s.dst);
      s.outIface = route.iface;
      if (isLoopback(s.src) && route.iface !== node.lo && !node.routeLocalnet) {
        w.note(`After DNAT the packet from ${ipText(s.src)} must leave by ${route.iface}; with route_localnet=0 the re-route fails and the kernel drops it.`);
        return this.finish('DROP', { kind: 'dropped', hook: 'OUTPUT', chain: 'OUTPUT', table: 'nat', reason: `re-route of a 127.0.0.0/8 source to ${route.iface} needs route_localnet=1` });
      }
    }
    r = this.run(FILTER_ONLY);
    if (r !== null) return r;
    w.enter('POSTROUTING');
    r = this.run(MANGLE) ?? this.stop(w.natSrc('POSTROUTING'));
    if (r !== null) return r;
    this.ctEntryId = w.confirm();
    if (route.kind !== 'local') return this.deliverOut(route);
    // Loopback: the packet is received again on lo. Its connection already has its NAT bindings.
    s.inIface = node.lo;
    s.outIface = '';
    w.enter('PREROUTING');
    r = this.run(RAW_MANGLE);
    if (r !== null) return r;
    w.enter('INPUT');
    r = this.run(FILTERING);
    if (r !== null) return r;
    w.note('Looped back on lo: PREROUTING and INPUT run again, but the nat table is skipped (the connection already has its NAT bindings).');
    return this.deliverLocal();
  }
}

const RAW: readonly TableName[] = ['raw'];
const MANGLE: readonly TableName[] = ['mangle'];
const RAW_MANGLE: readonly TableName[] = ['raw', 'mangle'];
const FILTERING: readonly TableName[] = ['mangle', 'filter', 'security'];
const FILTER_ONLY: readonly TableName[] = ['filter', 'security'];

export function walkPacket(compiled: CompiledRuleset, node: NodeView, packet: Packet, opts: WalkOptions): WalkResult {
  const run = new PacketRun(compiled, node, packet, opts);
  return packet.ingress === 'node' ? run.outgoing() : run.incoming(packet);
}
