// Network views of a node: `ip addr|link|route`, and `conntrack -L/-D/-F/-C`
// with iproute2's and conntrack-tools 1.4.7's words.

import type { ConntrackEntryView, ConntrackFilter, InterfaceInfo, RouteInfo } from '../host.js';
import type { ShellCommand } from '../context.js';

function linkLine(i: InterfaceInfo, withMode: boolean): string {
  const name = i.peer ? `${i.name}@${i.peer.replace(/^@/, "")}` : i.name;
  const master = i.master ? ` master ${i.master}` : '';
  const qlen = i.linkType === 'loopback' || (i.qdisc !== undefined && i.qdisc !== 'noqueue') ? ' qlen 1000' : '';
  return `${i.index}: ${name}: <${i.flags.join(',')}> mtu ${i.mtu} qdisc ${i.qdisc ?? 'noqueue'}${master} state ${i.state}${withMode ? ' mode DEFAULT' : ''} group default${qlen}\n` +
    `    link/${i.linkType} ${i.mac} brd ${i.brd ?? 'ff:ff:ff:ff:ff:ff'}${i.peer ? ` link-netns cni-${i.index}` : ''}\n`;
}

function addrLines(i: InterfaceInfo, family: 4 | 6 | null): string {
  let out = '';
  for (const a of i.addresses) {
    if (family !== null && a.family !== family) continue;
    const kw = a.family === 4 ? 'inet' : 'inet6';
    const brd = a.brd ? ` brd ${a.brd}` : '';
    const label = a.family === 4 ? ` ${a.label ?? i.name}` : ' ';
    out += `    ${kw} ${a.cidr}${brd} scope ${a.scope}${a.dynamic ? ' dynamic' : ''}${label}\n       valid_lft forever preferred_lft forever\n`;
  }
  return out;
}

function routeLine(r: RouteInfo): string {
  let s = r.dst;
  if (r.via) s += ` via ${r.via}`;
  s += ` dev ${r.dev}`;
  if (r.proto) s += ` proto ${r.proto}`;
  if (r.scope) s += ` scope ${r.scope}`;
  if (r.src) s += ` src ${r.src}`;
  if (r.metric !== undefined) s += ` metric ${r.metric}`;
  for (const f of r.flags ?? []) s += ` ${f}`;
  return s + ' \n';
}

const IP_USAGE = `Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }
       ip [ -force ] -batch filename
where  OBJECT := { address | addrlabel | amt | fou | help | ila | ioam | l2tp |
                   link | macsec | maddress | monitor | mptcp | mroute | mrule |
                   neighbor | neighbour | netconf | netns | nexthop | ntable |
                   ntbl | route | rule | sr | tap | tcpmetrics |
                   token | tunnel | tuntap | vrf | xfrm }
`;

/** Prefix matching as ip does it (`a`, `addr`, `address`; `r`, `ro`, `route`). */
function objectOf(word: string): string | null {
  const objs: [string, string][] = [['address', 'a'], ['link', 'l'], ['route', 'r'], ['neighbour', 'n'], ['neighbor', 'n']];
  for (const [full, min] of objs) if (word.length >= min.length && full.startsWith(word)) return full === 'neighbor' ? 'neighbour' : full;
  return null;
}

export const ip: ShellCommand = async (args, io, ctx) => {
  let family: 4 | 6 | null = null;
  let brief = false;
  const rest: string[] = [];
  for (const a of args) {
    if (a === '-4') family = 4;
    else if (a === '-6') family = 6;
    else if (a === '-br' || a === '-brief') brief = true;
    else if (a === '-c' || a === '-color' || a.startsWith('-c=') || a === '-d' || a === '-s') continue;
    else rest.push(a);
  }
  if (rest.length === 0) {
    io.stderr(IP_USAGE);
    return 255;
  }
  const obj = objectOf(rest[0]!);
  const sub = rest[1] ?? 'show';
  if (obj === null) {
    io.stderr(`Object "${rest[0]}" is unknown, try "ip help".\n`);
    return 1;
  }
  if (!['show', 'list', 'ls', 'sh', 's', 'l', 'get', 'dev'].includes(sub) && !(obj === 'address' && sub === 'show')) {
    if (['add', 'del', 'delete', 'set', 'replace', 'change', 'flush'].includes(sub)) {
      if (ctx.user !== 'root') {
        io.stderr('RTNETLINK answers: Operation not permitted\n');
        return 2;
      }
      io.stderr(`ip: this lab's nodes keep the addresses and routes the cluster gave them; "ip ${obj} ${sub}" is not available here.\n`);
      return 2;
    }
    io.stderr(`Command "${sub}" is unknown, try "ip ${obj} help".\n`);
    return 255;
  }
  const devIdx = rest.indexOf('dev');
  const devName = devIdx >= 0 ? rest[devIdx + 1] : rest[1] === 'show' && rest[2] && rest[2] !== 'dev' ? rest[2] : undefined;
  const ifaces = ctx.host.interfaces();
  if (devName && (obj === 'address' || obj === 'link') && !ifaces.some((i) => i.name === devName)) {
    io.stderr(`Device "${devName}" does not exist.\n`);
    return 1;
  }
  const shown = ifaces.filter((i) => !devName || i.name === devName);
  switch (obj) {
    case 'address':
      for (const i of shown) {
        if (brief) {
          const addrs = i.addresses.filter((a) => family === null || a.family === family).map((a) => a.cidr);
          io.stdout(`${(i.peer ? `${i.name}@${i.peer.replace(/^@/, "")}` : i.name).padEnd(16)} ${i.state.padEnd(14)} ${addrs.join(' ')} \n`);
          continue;
        }
        if (family !== null && !i.addresses.some((a) => a.family === family)) continue;
        const head = linkLine(i, false);
        io.stdout(family === null ? head : head.split('\n')[0] + '\n');
        io.stdout(addrLines(i, family));
      }
      return 0;
    case 'link':
      for (const i of shown) io.stdout(brief ? `${i.name.padEnd(16)} ${i.state.padEnd(14)} ${i.mac} <${i.flags.join(',')}> \n` : linkLine(i, true));
      return 0;
    case 'route': {
      const routes = ctx.host.routes(family ?? 4);
      if (sub === 'get') {
        const dst = rest[2];
        if (!dst) {
          io.stderr('need at least a destination address\n');
          return 1;
        }
        const r = bestRoute(routes, dst);
        if (!r) {
          io.stderr('RTNETLINK answers: Network is unreachable\n');
          return 2;
        }
        const src = r.src ?? ifaces.find((i) => i.name === r.dev)?.addresses.find((a) => a.family === 4)?.cidr.split('/')[0];
        io.stdout(`${dst} ${r.via ? `via ${r.via} ` : ''}dev ${r.dev} src ${src ?? '0.0.0.0'} uid 0 \n    cache \n`);
        return 0;
      }
      for (const r of routes) if (!devName || r.dev === devName) io.stdout(routeLine(r));
      return 0;
    }
    default:
      return 0;
  }
};

function ipToInt(ip: string): number | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (!m) return null;
  return ((Number(m[1]) << 24) >>> 0) + (Number(m[2]) << 16) + (Number(m[3]) << 8) + Number(m[4]);
}

function bestRoute(routes: RouteInfo[], dst: string): RouteInfo | undefined {
  const d = ipToInt(dst);
  if (d === null) return undefined;
  let best: RouteInfo | undefined;
  let bestLen = -1;
  for (const r of routes) {
    const [net, lenS] = r.dst === 'default' ? ['0.0.0.0', '0'] : r.dst.includes('/') ? r.dst.split('/') : [r.dst, '32'];
    const n = ipToInt(net!);
    const len = Number(lenS);
    if (n === null) continue;
    const mask = len === 0 ? 0 : (~0 << (32 - len)) >>> 0;
    if (((d & mask) >>> 0) === ((n & mask) >>> 0) && len > bestLen) {
      best = r;
      bestLen = len;
    }
  }
  return best;
}

// ---------------------------------------------------------------- conntrack

const CT = 'conntrack v1.4.7 (conntrack-tools)';
const PROTO_NUM: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, sctp: 132 };

export function formatConntrack(e: ConntrackEntryView): string {
  const tuple = (t: ConntrackEntryView['original']): string =>
    `src=${t.src} dst=${t.dst}` + (e.proto === 'icmp' ? ` type=8 code=0 id=${t.sport ?? 1}` : `${t.sport !== undefined ? ` sport=${t.sport}` : ''}${t.dport !== undefined ? ` dport=${t.dport}` : ''}`);
  const reply = (t: ConntrackEntryView['reply']): string =>
    `src=${t.src} dst=${t.dst}` + (e.proto === 'icmp' ? ` type=0 code=0 id=${t.dport ?? 1}` : `${t.sport !== undefined ? ` sport=${t.sport}` : ''}${t.dport !== undefined ? ` dport=${t.dport}` : ''}`);
  let s = `${e.proto.padEnd(8)} ${PROTO_NUM[e.proto]} ${e.timeout} `;
  if (e.state) s += `${e.state} `;
  s += tuple(e.original) + ' ';
  if (e.unreplied) s += '[UNREPLIED] ';
  s += reply(e.reply) + ' ';
  if (e.assured) s += '[ASSURED] ';
  s += `mark=${e.mark} use=${e.use ?? 1}`;
  return s;
}

function matches(e: ConntrackEntryView, f: ConntrackFilter): boolean {
  return (
    (f.proto === undefined || e.proto === f.proto) &&
    (f.src === undefined || e.original.src === f.src) &&
    (f.dst === undefined || e.original.dst === f.dst) &&
    (f.sport === undefined || e.original.sport === f.sport) &&
    (f.dport === undefined || e.original.dport === f.dport) &&
    (f.replySrc === undefined || e.reply.src === f.replySrc) &&
    (f.replyDst === undefined || e.reply.dst === f.replyDst) &&
    (f.state === undefined || e.state === f.state) &&
    (f.mark === undefined || e.mark === f.mark)
  );
}

export const conntrack: ShellCommand = async (args, io, ctx) => {
  if (ctx.user !== 'root') {
    io.stderr(`${CT}: Operation failed: Operation not permitted\n`);
    return 1;
  }
  let cmd: 'L' | 'D' | 'F' | 'C' | null = null;
  let family: 4 | 6 = 4;
  const f: ConntrackFilter = {};
  const value = (i: number, name: string): string | null => {
    const v = args[i + 1];
    if (v === undefined) {
      io.stderr(`${CT}: option \`${name}' requires an argument\nTry \`conntrack -h' or 'conntrack --help' for more information.\n`);
      return null;
    }
    return v;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    let v: string | null;
    switch (a) {
      case '-L': case '--dump': cmd = 'L'; break;
      case '-D': case '--delete': cmd = 'D'; break;
      case '-F': case '--flush': cmd = 'F'; break;
      case '-C': case '--count': cmd = 'C'; break;
      case '-f': case '--family':
        if ((v = value(i++, a)) === null) return 2;
        family = v === 'ipv6' ? 6 : 4;
        break;
      case '-p': case '--proto':
        if ((v = value(i++, a)) === null) return 2;
        f.proto = v.toLowerCase();
        break;
      case '-s': case '--src': case '--orig-src':
        if ((v = value(i++, a)) === null) return 2;
        f.src = v;
        break;
      case '-d': case '--dst': case '--orig-dst':
        if ((v = value(i++, a)) === null) return 2;
        f.dst = v;
        break;
      case '-r': case '--reply-src':
        if ((v = value(i++, a)) === null) return 2;
        f.replySrc = v;
        break;
      case '-q': case '--reply-dst':
        if ((v = value(i++, a)) === null) return 2;
        f.replyDst = v;
        break;
      case '--sport': case '--orig-port-src':
        if ((v = value(i++, a)) === null) return 2;
        f.sport = Number(v);
        break;
      case '--dport': case '--orig-port-dst':
        if ((v = value(i++, a)) === null) return 2;
        f.dport = Number(v);
        break;
      case '--state':
        if ((v = value(i++, a)) === null) return 2;
        f.state = v;
        break;
      case '-m': case '--mark':
        if ((v = value(i++, a)) === null) return 2;
        f.mark = Number(v);
        break;
      case '-n': case '-o': case '-e':
        if (a === '-o') i++;
        break;
      default:
        io.stderr(`${CT}: unknown option \`${a}'\nTry \`conntrack -h' or 'conntrack --help' for more information.\n`);
        return 2;
    }
  }
  if ((f.sport !== undefined || f.dport !== undefined) && f.proto === undefined) {
    io.stderr(`${CT}: missing protocol specification (-p)\n`);
    return 2;
  }
  const entries = ctx.host.conntrack.list(family).filter((e) => matches(e, f));
  switch (cmd) {
    case null:
      io.stderr(`${CT}: no command specified\nTry \`conntrack -h' or 'conntrack --help' for more information.\n`);
      return 2;
    case 'L':
      for (const e of entries) io.stdout(formatConntrack(e) + '\n');
      io.stderr(`${CT}: ${entries.length} flow entries have been shown.\n`);
      return 0;
    case 'C':
      io.stdout(`${ctx.host.conntrack.list(4).length + ctx.host.conntrack.list(6).length}\n`);
      return 0;
    case 'D': {
      for (const e of entries) io.stdout(formatConntrack(e) + '\n');
      const n = ctx.host.conntrack.delete(f, family);
      io.stderr(`${CT}: ${n} flow entries have been deleted.\n`);
      return n > 0 ? 0 : 1;
    }
    case 'F':
      ctx.host.conntrack.flush();
      io.stderr(`${CT}: connection tracking table has been emptied.\n`);
      return 0;
  }
};
