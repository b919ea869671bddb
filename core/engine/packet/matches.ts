// Match modules the engine understands, compiled once per rule into small
// predicates. Anything else is reported as unsupported, never as "no match".

import type { MatchModule, ModuleOption } from '../iptables/model.js';
import { cidrContains, formatIP, parseCidr, type IP } from '../net/ip.js';
import { isLoopback } from './node-view.js';
import { statisticThreshold } from './rng.js';
import { TCP_FLAGS, type CtStateName, type PacketState } from './state.js';

export type Test = (s: PacketState) => boolean;

export class MatchError extends Error {}

function arg(o: ModuleOption, i = 0): string {
  const a = o.args[i];
  if (a === undefined) throw new MatchError(`--${o.name} needs a value`);
  return a;
}

function num(text: string, what: string): number {
  if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(text)) throw new MatchError(`${what} '${text}' is not a number`);
  return Number(text);
}

/** `80`, `1000:2000`, `:2000`, `1000:` */
export function parsePortRange(text: string): [number, number] {
  const colon = text.indexOf(':');
  if (colon < 0) {
    const p = num(text, 'port');
    return [p, p];
  }
  const lo = colon === 0 ? 0 : num(text.slice(0, colon), 'port');
  const hi = colon === text.length - 1 ? 65535 : num(text.slice(colon + 1), 'port');
  return [lo, hi];
}

const not = (t: Test, invert: boolean): Test => (invert ? (s) => !t(s) : t);
const all = (tests: Test[]): Test => {
  if (tests.length === 0) return () => true;
  if (tests.length === 1) return tests[0]!;
  return (s) => {
    for (const t of tests) if (!t(s)) return false;
    return true;
  };
};

function portTest(o: ModuleOption, which: 'sport' | 'dport'): Test {
  const [lo, hi] = parsePortRange(arg(o));
  return not((s) => s[which] >= lo && s[which] <= hi, o.invert);
}

function portListTest(o: ModuleOption, which: 'sport' | 'dport' | 'both'): Test {
  const ranges = arg(o).split(',').map(parsePortRange);
  const hit = (p: number) => ranges.some(([lo, hi]) => p >= lo && p <= hi);
  const t: Test = which === 'both' ? (s) => hit(s.sport) || hit(s.dport) : (s) => hit(s[which]);
  return not(t, o.invert);
}

function flagMask(text: string): number {
  if (text === 'ALL') return 0xff;
  if (text === 'NONE') return 0;
  let m = 0;
  for (const f of text.split(',')) {
    const bit = TCP_FLAGS[f];
    if (bit === undefined) throw new MatchError(`unknown TCP flag '${f}'`);
    m |= bit;
  }
  return m;
}

/** `-m tcp` without options: shared, so 100k such rules share one predicate. */
const PROTO_ONLY: Record<string, Test> = {
  tcp: (s) => s.proto === 'tcp',
  udp: (s) => s.proto === 'udp',
  sctp: (s) => s.proto === 'sctp',
};

function protoModule(m: MatchModule): Test {
  const tests: Test[] = [];
  for (const o of m.options) {
    switch (o.name) {
      case 'dport':
      case 'destination-port':
        tests.push(portTest(o, 'dport'));
        break;
      case 'sport':
      case 'source-port':
        tests.push(portTest(o, 'sport'));
        break;
      case 'syn':
        if (m.name !== 'tcp') throw new MatchError(`--syn belongs to -m tcp`);
        tests.push(not((s) => (s.tcpFlags & 0x17) === TCP_FLAGS.SYN, o.invert));
        break;
      case 'tcp-flags': {
        if (m.name !== 'tcp') throw new MatchError(`--tcp-flags belongs to -m tcp`);
        const mask = flagMask(arg(o, 0));
        const comp = flagMask(arg(o, 1));
        tests.push(not((s) => (s.tcpFlags & mask) === comp, o.invert));
        break;
      }
      default:
        throw new MatchError(`option --${o.name} of -m ${m.name} is not supported`);
    }
  }
  const proto = m.name;
  if (tests.length === 0) return PROTO_ONLY[proto] ?? ((s) => s.proto === proto);
  return all([(s) => s.proto === proto, ...tests]);
}

function multiport(m: MatchModule): Test {
  const tests: Test[] = [];
  for (const o of m.options) {
    if (o.name === 'dports' || o.name === 'destination-ports') tests.push(portListTest(o, 'dport'));
    else if (o.name === 'sports' || o.name === 'source-ports') tests.push(portListTest(o, 'sport'));
    else if (o.name === 'ports') tests.push(portListTest(o, 'both'));
    else throw new MatchError(`option --${o.name} of -m multiport is not supported`);
  }
  return all(tests);
}

const ADDR_TYPES = ['UNSPEC', 'UNICAST', 'LOCAL', 'BROADCAST', 'ANYCAST', 'MULTICAST', 'BLACKHOLE', 'UNREACHABLE', 'PROHIBIT', 'THROW', 'NAT', 'XRESOLVE'];
const MULTICAST4 = parseCidr('224.0.0.0/4')!;
const MULTICAST6 = parseCidr('ff00::/8')!;

/** The routing type of an address as the kernel's local table would say. */
function addressType(s: PacketState, ip: IP, iface: string | undefined): string {
  if (ip.family === 4 && ip.n === 0) return 'UNSPEC';
  if (cidrContains(MULTICAST4, ip) || cidrContains(MULTICAST6, ip)) return 'MULTICAST';
  if (s.node.isBroadcast(ip)) return 'BROADCAST';
  if (iface !== undefined) return s.node.isLocal(ip, iface) ? 'LOCAL' : 'UNICAST';
  if (s.node.isLocal(ip) || isLoopback(ip)) return 'LOCAL';
  return 'UNICAST';
}

function addrtype(m: MatchModule): Test {
  let limitIn = false;
  let limitOut = false;
  const checks: { which: 'src' | 'dst'; types: Set<string>; invert: boolean }[] = [];
  for (const o of m.options) {
    if (o.name === 'limit-iface-in') limitIn = true;
    else if (o.name === 'limit-iface-out') limitOut = true;
    else if (o.name === 'src-type' || o.name === 'dst-type') {
      const types = arg(o).split(',');
      for (const t of types) if (!ADDR_TYPES.includes(t)) throw new MatchError(`unknown address type '${t}'`);
      checks.push({ which: o.name === 'src-type' ? 'src' : 'dst', types: new Set(types), invert: o.invert });
    } else throw new MatchError(`option --${o.name} of -m addrtype is not supported`);
  }
  return (s) => {
    const iface = limitIn ? s.inIface : limitOut ? s.outIface : undefined;
    for (const c of checks) {
      const hit = c.types.has(addressType(s, s[c.which], iface === '' ? undefined : iface));
      if (hit === c.invert) return false;
    }
    return true;
  };
}

/** `0x4000/0x4000` or `0x4000` (mask all ones). */
export function parseMarkMask(text: string): [number, number] {
  const slash = text.indexOf('/');
  const value = num(slash < 0 ? text : text.slice(0, slash), 'mark') >>> 0;
  const mask = slash < 0 ? 0xffffffff : num(text.slice(slash + 1), 'mask') >>> 0;
  return [value, mask];
}

function markModule(m: MatchModule, field: 'mark' | 'ctmark'): Test {
  const o = m.options.find((x) => x.name === 'mark');
  if (o === undefined || m.options.length !== 1) throw new MatchError(`-m ${m.name} needs exactly --mark`);
  const [value, mask] = parseMarkMask(arg(o));
  const read = field === 'mark' ? (s: PacketState) => s.mark : (s: PacketState) => s.ct?.ctmark ?? 0;
  return not((s) => ((read(s) & mask) >>> 0) === ((value & mask) >>> 0), o.invert);
}

const CT_STATES = new Set(['NEW', 'ESTABLISHED', 'RELATED', 'INVALID', 'UNTRACKED', 'SNAT', 'DNAT']);

function stateBits(s: PacketState): Set<string> {
  const out = new Set<string>();
  if (s.ct === null) {
    out.add('INVALID');
    return out;
  }
  out.add(s.ct.state);
  if (s.ct.dnat) out.add('DNAT');
  if (s.ct.snat) out.add('SNAT');
  return out;
}

function cidrTest(o: ModuleOption, read: (s: PacketState) => IP | null): Test {
  const c = parseCidr(arg(o));
  if (c === null) throw new MatchError(`'${arg(o)}' is not an address or CIDR`);
  return not((s) => {
    const ip = read(s);
    return ip !== null && cidrContains(c, ip);
  }, o.invert);
}

function conntrack(m: MatchModule): Test {
  const tests: Test[] = [];
  for (const o of m.options) {
    switch (o.name) {
      case 'ctstate':
      case 'state': {
        const want = arg(o).split(',');
        for (const w of want) if (!CT_STATES.has(w) || (o.name === 'state' && (w === 'SNAT' || w === 'DNAT'))) throw new MatchError(`unknown state '${w}'`);
        tests.push(not((s) => {
          const bits = stateBits(s);
          return want.some((w) => bits.has(w));
        }, o.invert));
        break;
      }
      case 'ctorigdst':
        tests.push(cidrTest(o, (s) => s.ct?.origDst ?? null));
        break;
      case 'ctorigsrc':
        tests.push(cidrTest(o, (s) => s.ct?.origSrc ?? null));
        break;
      case 'ctrepldst':
        tests.push(cidrTest(o, (s) => s.ct?.replDst ?? null));
        break;
      case 'ctreplsrc':
        tests.push(cidrTest(o, (s) => s.ct?.replSrc ?? null));
        break;
      case 'ctorigdstport': {
        const [lo, hi] = parsePortRange(arg(o));
        tests.push(not((s) => s.ct !== null && s.ct.origDport >= lo && s.ct.origDport <= hi, o.invert));
        break;
      }
      case 'ctorigsrcport': {
        const [lo, hi] = parsePortRange(arg(o));
        tests.push(not((s) => s.ct !== null && s.ct.origSport >= lo && s.ct.origSport <= hi, o.invert));
        break;
      }
      case 'ctproto': {
        const p = arg(o);
        tests.push(not((s) => s.proto === p || String(protoNumber(s.proto)) === p, o.invert));
        break;
      }
      case 'ctdir': {
        const d = arg(o);
        if (d !== 'ORIGINAL' && d !== 'REPLY') throw new MatchError(`--ctdir takes ORIGINAL or REPLY, not '${d}'`);
        tests.push(not((s) => s.ct !== null && (s.ct.dir === 'orig') === (d === 'ORIGINAL'), o.invert));
        break;
      }
      case 'ctstatus': {
        const want = arg(o).split(',');
        tests.push(not((s) => {
          if (s.ct === null) return false;
          return want.some((w) =>
            w === 'NONE' ? !s.ct!.replied && !s.ct!.assured : w === 'SEEN_REPLY' ? s.ct!.replied : w === 'ASSURED' ? s.ct!.assured : w === 'CONFIRMED' ? s.ct!.entryId !== null : false,
          );
        }, o.invert));
        break;
      }
      default:
        throw new MatchError(`option --${o.name} of -m conntrack is not supported`);
    }
  }
  return all(tests);
}

function statistic(m: MatchModule, key: object): Test {
  const mode = m.options.find((o) => o.name === 'mode');
  if (mode === undefined) throw new MatchError('-m statistic needs --mode');
  if (arg(mode) === 'random') {
    const p = m.options.find((o) => o.name === 'probability');
    if (p === undefined) throw new MatchError('--mode random needs --probability');
    const value = Number(arg(p));
    if (!Number.isFinite(value) || value < 0 || value > 1) throw new MatchError(`--probability '${arg(p)}' is not between 0 and 1`);
    const threshold = statisticThreshold(value);
    return not((s) => s.decider.random(threshold), p.invert);
  }
  if (arg(mode) === 'nth') {
    const every = m.options.find((o) => o.name === 'every');
    if (every === undefined) throw new MatchError('--mode nth needs --every');
    const n = num(arg(every), '--every');
    const pk = m.options.find((o) => o.name === 'packet');
    const packet = pk === undefined ? 0 : num(arg(pk), '--packet');
    return not((s) => s.decider.nth(key, n, packet), every.invert);
  }
  throw new MatchError(`--mode '${arg(mode)}' of -m statistic is not supported`);
}

function recent(m: MatchModule): Test {
  let name = 'DEFAULT';
  let op: 'set' | 'rcheck' | 'update' | 'remove' | null = null;
  let invert = false;
  let seconds: number | null = null;
  let hitcount: number | null = null;
  let reap = false;
  let useDst = false;
  let mask: ReturnType<typeof parseCidr> = null;
  for (const o of m.options) {
    switch (o.name) {
      case 'name':
        name = arg(o);
        break;
      case 'set':
      case 'rcheck':
      case 'update':
      case 'remove':
        op = o.name;
        invert = o.invert;
        break;
      case 'seconds':
        seconds = num(arg(o), '--seconds');
        break;
      case 'hitcount':
        hitcount = num(arg(o), '--hitcount');
        break;
      case 'reap':
        reap = true;
        break;
      case 'rsource':
        useDst = false;
        break;
      case 'rdest':
        useDst = true;
        break;
      case 'mask':
        mask = parseCidr(`0.0.0.0/${arg(o)}`);
        if (mask === null) throw new MatchError(`--mask '${arg(o)}' is not a netmask`);
        break;
      case 'rttl':
        break;
      default:
        throw new MatchError(`option --${o.name} of -m recent is not supported`);
    }
  }
  if (op === null) throw new MatchError('-m recent needs one of --set, --rcheck, --update, --remove');
  const theOp = op;
  return (s) => {
    let ip = useDst ? s.dst : s.src;
    if (mask !== null && mask.family === 4 && ip.family === 4) ip = { family: 4, n: (ip.n & mask.mask) >>> 0 };
    const addr = formatIP(ip);
    const lists = s.table.recent;
    const list = lists.get(name);
    const now = s.table.now;
    let hits = list?.get(addr);
    if (reap && seconds !== null && hits !== undefined && s.commit) {
      const since = now - seconds;
      hits = hits.filter((t) => t >= since);
      list!.set(addr, hits);
    }
    let result: boolean;
    if (theOp === 'set') {
      if (s.commit) {
        const l = list ?? new Map<string, number[]>();
        lists.set(name, l);
        l.set(addr, [...(hits ?? []), now]);
      }
      result = true;
    } else {
      const relevant = (hits ?? []).filter((t) => seconds === null || t >= now - seconds);
      result = hits !== undefined && relevant.length >= (hitcount ?? 1) && (seconds === null || relevant.length > 0);
      if (result && theOp === 'update' && s.commit) list!.set(addr, [...hits!, now]);
      if (result && theOp === 'remove' && s.commit) list!.delete(addr);
    }
    return result !== invert;
  };
}

const ICMP_TYPES: Record<string, [number, number | null]> = {
  any: [-1, null],
  'echo-reply': [0, null],
  pong: [0, null],
  'destination-unreachable': [3, null],
  'network-unreachable': [3, 0],
  'host-unreachable': [3, 1],
  'protocol-unreachable': [3, 2],
  'port-unreachable': [3, 3],
  'fragmentation-needed': [3, 4],
  'source-quench': [4, null],
  redirect: [5, null],
  'echo-request': [8, null],
  ping: [8, null],
  'time-exceeded': [11, null],
  'parameter-problem': [12, null],
  'timestamp-request': [13, null],
  'timestamp-reply': [14, null],
};

function icmp(m: MatchModule): Test {
  const o = m.options.find((x) => x.name === 'icmp-type');
  if (o === undefined || m.options.length !== 1) throw new MatchError('-m icmp needs exactly --icmp-type');
  const text = arg(o);
  let type: number;
  let code: number | null;
  const named = ICMP_TYPES[text];
  if (named !== undefined) [type, code] = named;
  else {
    const [t, c] = text.split('/');
    type = num(t!, 'ICMP type');
    code = c === undefined ? null : num(c, 'ICMP code');
  }
  return not((s) => s.proto === 'icmp' && (type === -1 || (s.icmpType === type && (code === null || s.icmpCode === code))), o.invert);
}

export function protoNumber(p: string): number {
  return p === 'tcp' ? 6 : p === 'udp' ? 17 : p === 'sctp' ? 132 : p === 'icmp' ? 1 : -1;
}

/** Compiles one `-m NAME …` (null: it never changes the result); throws MatchError with a message a person can act on. */
export function compileMatch(m: MatchModule, key: object): Test | null {
  switch (m.name) {
    case 'tcp':
    case 'udp':
    case 'sctp':
      return protoModule(m);
    case 'multiport':
      return multiport(m);
    case 'addrtype':
      return addrtype(m);
    case 'mark':
      return markModule(m, 'mark');
    case 'connmark':
      return markModule(m, 'ctmark');
    case 'comment':
      return null;
    case 'nfacct':
      // Counts into an accounting object; never changes whether the rule matches.
      return null;
    case 'conntrack':
    case 'state':
      return conntrack(m);
    case 'statistic':
      return statistic(m, key);
    case 'recent':
      return recent(m);
    case 'icmp':
      return icmp(m);
    case 'physdev':
      throw new MatchError('-m physdev is not modelled: bridge traffic is treated as routed (cni0 in and out)');
    default:
      throw new MatchError(`match module '${m.name}' is not supported by the packet engine`);
  }
}

export const CT_STATE_NAMES: readonly CtStateName[] = ['NEW', 'ESTABLISHED', 'RELATED', 'INVALID', 'UNTRACKED'];
