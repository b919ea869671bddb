// `iptables -L` and `iptables -S`, character for character as iptables 1.8.9
// (nf_tables) prints them: the column layout of print_header/print_rule, the
// K/M/G units of -v, names for addresses (hosts, networks) and ports unless -n,
// and each known match and target in its own words (`ADDRTYPE match dst-type
// LOCAL`, `statistic mode random probability 0.50000000000`, `MARK or 0x4000`).

import { parseCidr } from '../net/ip.js';
import type { Chain, MatchModule, ModuleOption, Rule, Table } from './model.js';
import { formatRuleSpec } from './save.js';
import type { ServiceTable } from './services.js';
import { DEFAULT_SERVICES, protocolName, protocolNumber, serviceName } from './services.js';

export interface NameTables {
  /** Address → host name, as /etc/hosts (the first name of a line). */
  hosts?: Readonly<Record<string, string>>;
  /** Network address → network name, as /etc/networks. */
  networks?: Readonly<Record<string, string>>;
  services?: ServiceTable;
}

export const DEFAULT_HOSTS: Readonly<Record<string, string>> = { '127.0.0.1': 'localhost', '::1': 'localhost' };
export const DEFAULT_NETWORKS: Readonly<Record<string, string>> = { '0.0.0.0': 'default', '127.0.0.0': 'loopback', '169.254.0.0': 'link-local' };

export interface ListOptions extends NameTables {
  numeric?: boolean;
  verbose?: boolean;
  exact?: boolean;
  lineNumbers?: boolean;
  ipv6?: boolean;
}

interface Fmt {
  numeric: boolean;
  names: Required<NameTables>;
}

const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** xtables_print_num: a counter in a column (or bare, for the chain header). */
export function formatCount(n: number, exact: boolean, table: boolean): string {
  if (exact) return table ? `${String(n).padStart(8)} ` : `${n} `;
  if (n <= 99999) return table ? `${String(n).padStart(5)} ` : `${n} `;
  let v = Math.floor((n + 500) / 1000);
  for (const unit of ['K', 'M', 'G']) {
    if (v <= 9999) return table ? `${String(v).padStart(4)}${unit} ` : `${v}${unit} `;
    v = Math.floor((v + 500) / 1000);
  }
  return table ? `${String(v).padStart(4)}T ` : `${v}T `;
}

/** The protocol column: a number with -n (iptables 1.8.9), else its name. */
function protoText(rule: Rule, numeric: boolean): string {
  const p = rule.protocol?.value ?? 'all';
  const n = protocolNumber(p);
  if (numeric) return n === undefined ? p : String(n);
  if (n === undefined) return p;
  if (n === 0) return 'all';
  if (n === 58) return 'ipv6-icmp';
  return protocolName(n);
}

/** An address for the source/destination columns. */
function addressText(value: string | undefined, f: Fmt, ipv6: boolean): string {
  const any = ipv6 ? '::/0' : '0.0.0.0/0';
  if (value === undefined) return f.numeric ? any : 'anywhere';
  const slash = value.indexOf('/');
  const addr = slash < 0 ? value : value.slice(0, slash);
  const maskText = slash < 0 ? '' : value.slice(slash + 1);
  const c = parseCidr(value);
  if (c !== null && c.prefix === 0 && !f.numeric) return 'anywhere';
  const full = c !== null && c.prefix === (c.family === 4 ? 32 : 128);
  const suffix = full || maskText === '' ? '' : `/${maskText}`;
  if (!f.numeric) {
    if (full && own(f.names.hosts, addr)) return `${f.names.hosts[addr]!}${suffix}`;
    if (own(f.names.networks, addr)) return `${f.names.networks[addr]!}${suffix}`;
  }
  return `${addr}${suffix}`;
}

function port(p: string, proto: string, f: Fmt): string {
  if (f.numeric || !/^[0-9]+$/.test(p)) return p;
  return serviceName(Number(p), proto, f.names.services) ?? p;
}

/** `spt:80`, `dpts:1:2`, with `!` inside, as libxt_tcp prints ports. */
function portMatch(name: 'spt' | 'dpt', o: ModuleOption, proto: string, f: Fmt): string {
  const a = o.args[0] ?? '';
  const inv = o.invert ? '!' : '';
  const [lo, hi] = a.split(':');
  if (hi === undefined || lo === hi) return ` ${name}:${inv}${port(lo ?? '', proto, f)}`;
  return ` ${name}s:${inv}${port(lo ?? '', proto, f)}:${port(hi, proto, f)}`;
}

const TCP_FLAG_BITS: readonly [string, number][] = [['FIN', 1], ['SYN', 2], ['RST', 4], ['PSH', 8], ['ACK', 16], ['URG', 32]];
function flagBits(list: string): number {
  let b = 0;
  for (const w of list.split(',')) {
    if (w === 'ALL') b |= 0x3f;
    const e = TCP_FLAG_BITS.find(([n]) => n === w);
    if (e !== undefined) b |= e[1];
  }
  return b;
}
function flagNames(bits: number): string {
  const names = TCP_FLAG_BITS.filter(([, v]) => (bits & v) !== 0).map(([n]) => n);
  return names.length === 0 ? 'NONE' : names.join(',');
}
const hex2 = (n: number): string => `0x${n.toString(16).toUpperCase().padStart(2, '0')}`;

/** ICMP names by `type` or `type/code` (first name wins, as in libxt_icmp's table). */
const ICMP_NAMES: readonly [string, string][] = [
  ['any', '255'], ['echo-reply', '0'], ['destination-unreachable', '3'], ['network-unreachable', '3/0'], ['host-unreachable', '3/1'],
  ['protocol-unreachable', '3/2'], ['port-unreachable', '3/3'], ['fragmentation-needed', '3/4'], ['source-route-failed', '3/5'],
  ['network-unknown', '3/6'], ['host-unknown', '3/7'], ['network-prohibited', '3/9'], ['host-prohibited', '3/10'],
  ['TOS-network-unreachable', '3/11'], ['TOS-host-unreachable', '3/12'], ['communication-prohibited', '3/13'],
  ['host-precedence-violation', '3/14'], ['precedence-cutoff', '3/15'], ['source-quench', '4'], ['redirect', '5'],
  ['network-redirect', '5/0'], ['host-redirect', '5/1'], ['TOS-network-redirect', '5/2'], ['TOS-host-redirect', '5/3'],
  ['echo-request', '8'], ['router-advertisement', '9'], ['router-solicitation', '10'], ['time-exceeded', '11'],
  ['ttl-zero-during-transit', '11/0'], ['ttl-zero-during-reassembly', '11/1'], ['parameter-problem', '12'],
  ['ip-header-bad', '12/0'], ['required-option-missing', '12/1'], ['timestamp-request', '13'], ['timestamp-reply', '14'],
  ['address-mask-request', '17'], ['address-mask-reply', '18'],
];

function icmpText(o: ModuleOption, f: Fmt): string {
  const a = o.args[0] ?? '';
  const inv = o.invert ? '!' : '';
  if (!f.numeric) {
    const hit = ICMP_NAMES.find(([, v]) => v === (a === 'any' ? '255' : a));
    if (hit !== undefined) return ` ${inv}${hit[0]}`;
  }
  const [t, c] = a === 'any' ? ['255', undefined] : a.split('/');
  return `${inv}type ${t ?? ''}${c !== undefined ? ` code ${c}` : ''}`;
}

const opt = (m: { options: ModuleOption[] }, name: string): ModuleOption | undefined => m.options.find((o) => o.name === name);
const arg = (m: { options: ModuleOption[] }, name: string): string | undefined => opt(m, name)?.args[0];
const not = (o: ModuleOption | undefined): string => (o?.invert === true ? '! ' : '');

/** The generic form for modules we do not know: their save words. */
function saveWords(opts: readonly ModuleOption[]): string {
  return opts.map((o) => `${o.invert ? ' !' : ''} --${o.name}${o.args.map((a) => ` ${a}`).join('')}`).join('');
}

function matchText(m: MatchModule, rule: Rule, f: Fmt): string {
  switch (m.name) {
    case 'comment':
      return ` /* ${arg(m, 'comment') ?? ''} */`;
    case 'tcp':
    case 'udp':
    case 'sctp':
    case 'udplite': {
      let s = ` ${m.name}`;
      const sp = opt(m, 'sport');
      const dp = opt(m, 'dport');
      if (sp) s += portMatch('spt', sp, m.name, f);
      if (dp) s += portMatch('dpt', dp, m.name, f);
      const tcpopt = opt(m, 'tcp-option');
      if (tcpopt) s += ` option=${tcpopt.invert ? '!' : ''}${tcpopt.args[0] ?? ''}`;
      const fl = opt(m, 'tcp-flags');
      if (fl) {
        const mask = flagBits(fl.args[0] ?? '');
        const cmp = flagBits(fl.args[1] ?? '');
        s += ` flags:${fl.invert ? '!' : ''}${f.numeric ? `${hex2(mask)}/${hex2(cmp)}` : `${flagNames(mask)}/${flagNames(cmp)}`}`;
      }
      return s;
    }
    case 'icmp': {
      const t = opt(m, 'icmp-type');
      return ` icmp${t ? icmpText(t, f) : ''}`;
    }
    case 'conntrack': {
      let s = '';
      const words: Record<string, string> = {
        ctstate: 'ctstate', ctproto: 'ctproto', ctorigsrc: 'ctorigsrc', ctorigdst: 'ctorigdst', ctreplsrc: 'ctreplsrc',
        ctrepldst: 'ctrepldst', ctorigsrcport: 'ctorigsrcport', ctorigdstport: 'ctorigdstport', ctreplsrcport: 'ctreplsrcport',
        ctrepldstport: 'ctrepldstport', ctstatus: 'ctstatus', ctexpire: 'ctexpire', ctdir: 'ctdir',
      };
      for (const o of m.options) s += ` ${not(o)}${words[o.name] ?? o.name} ${o.args.join(' ')}`;
      return s;
    }
    case 'state': {
      const o = opt(m, 'state');
      return ` ${not(o)}state ${o?.args[0] ?? ''}`;
    }
    case 'mark': {
      const o = opt(m, 'mark');
      return ` mark match${o?.invert === true ? ' !' : ''} ${o?.args[0] ?? ''}`;
    }
    case 'connmark': {
      const o = opt(m, 'mark');
      return ` connmark match ${o?.invert === true ? '!' : ''} ${o?.args[0] ?? ''}`;
    }
    case 'addrtype': {
      let s = ' ADDRTYPE match';
      for (const o of m.options) {
        if (o.name === 'src-type' || o.name === 'dst-type') s += ` ${o.name} ${o.invert ? '!' : ''}${o.args[0] ?? ''}`;
        else if (o.name === 'limit-iface-in') s += ' limit-in';
        else if (o.name === 'limit-iface-out') s += ' limit-out';
      }
      return s;
    }
    case 'statistic': {
      const mode = arg(m, 'mode');
      const inv = m.options.some((o) => o.invert) ? ' !' : '';
      if (mode === 'random') return ` statistic mode random${inv} probability ${arg(m, 'probability') ?? ''}`;
      const packet = arg(m, 'packet') ?? '0';
      return ` statistic mode nth${inv} every ${arg(m, 'every') ?? ''}${packet !== '0' ? ` packet ${packet}` : ''}`;
    }
    case 'multiport': {
      let s = ' multiport';
      const proto = rule.protocol?.value ?? 'tcp';
      for (const o of m.options) {
        const list = (o.args[0] ?? '').split(',').map((p) => p.split(':').map((x) => port(x, proto, f)).join(':')).join(',');
        s += ` ${o.name} ${o.invert ? ' !' : ''}${list}`;
      }
      return s;
    }
    case 'recent': {
      let s = m.options.some((o) => o.invert) ? ' ! recent:' : ' recent:';
      const has = (n: string): boolean => m.options.some((o) => o.name === n);
      if (has('set')) s += ' SET';
      if (has('rcheck')) s += ' CHECK';
      if (has('update')) s += ' UPDATE';
      if (has('remove')) s += ' REMOVE';
      if (has('seconds')) s += ` seconds: ${arg(m, 'seconds') ?? ''}`;
      if (has('reap')) s += ' reap';
      if (has('hitcount')) s += ` hit_count: ${arg(m, 'hitcount') ?? ''}`;
      if (has('rttl')) s += ' TTL-Match';
      s += ` name: ${arg(m, 'name') ?? 'DEFAULT'}`;
      s += has('rdest') ? ' side: dest' : ' side: source';
      if (has('mask')) s += ` mask: ${arg(m, 'mask') ?? ''}`;
      return s;
    }
    case 'limit':
      return ` limit: avg ${arg(m, 'limit') ?? '3/hour'} burst ${arg(m, 'limit-burst') ?? '5'}`;
    case 'pkttype': {
      const o = opt(m, 'pkt-type');
      return ` PKTTYPE ${o?.invert === true ? '!=' : '='} ${o?.args[0] ?? ''}`;
    }
    case 'iprange': {
      let s = '';
      for (const o of m.options) s += ` ${o.invert ? '! ' : ''}${o.name === 'src-range' ? 'source' : 'destination'} IP range ${o.args[0] ?? ''}`;
      return s;
    }
    case 'physdev':
      return ` PHYSDEV match${saveWords(m.options)}`;
    case 'mac': {
      const o = opt(m, 'mac-source');
      return ` MAC ${o?.invert === true ? '! ' : ''}${(o?.args[0] ?? '').toUpperCase()}`;
    }
    case 'length': {
      const o = opt(m, 'length');
      return ` length ${o?.invert === true ? '!' : ''}${o?.args[0] ?? ''}`;
    }
    case 'ttl': {
      const o = m.options[0];
      const op = o?.name === 'ttl-eq' ? (o.invert ? '!=' : '==') : o?.name === 'ttl-lt' ? '<' : '>';
      return ` TTL match TTL ${op} ${o?.args[0] ?? ''}`;
    }
    case 'owner': {
      let s = '';
      for (const o of m.options) {
        const v = o.args[0] ?? '';
        const shown = !f.numeric && o.name === 'uid-owner' && v === '0' ? 'root' : v;
        if (o.name === 'uid-owner') s += ` owner UID match ${o.invert ? '! ' : ''}${shown}`;
        else if (o.name === 'gid-owner') s += ` owner GID match ${o.invert ? '! ' : ''}${v}`;
        else s += ` owner${saveWords([o])}`;
      }
      return s;
    }
    default:
      return ` ${m.name}${saveWords(m.options)}`;
  }
}

function markTarget(label: string, v: string): string {
  const [a, b] = v.split('/');
  const mark = parseInt((a ?? '0').replace(/^0x/, ''), 16) >>> 0;
  const mask = b === undefined ? 0xffffffff : parseInt(b.replace(/^0x/, ''), 16) >>> 0;
  const h = (n: number): string => `0x${(n >>> 0).toString(16)}`;
  if (mark === 0) return ` ${label} and ${h(~mask)}`;
  if (mark === mask) return ` ${label} or ${h(mark)}`;
  if (mask === 0) return ` ${label} xor ${h(mark)}`;
  if (mask === 0xffffffff) return ` ${label} set ${h(mark)}`;
  return ` ${label} xset ${h(mark)}/${h(mask)}`;
}

const LOG_NAMES = ['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug'];
const LOG_FLAGS: readonly [string, string, number][] = [
  ['log-tcp-sequence', 'tcp-sequence', 1], ['log-tcp-options', 'tcp-options', 2], ['log-ip-options', 'ip-options', 4],
  ['log-uid', 'uid', 8], ['log-macdecode', 'macdecode', 0x20],
];

function targetText(rule: Rule, f: Fmt): string {
  const t = rule.target;
  if (t === undefined) return '';
  const has = (n: string): boolean => t.options.some((o) => o.name === n);
  const a = (n: string): string | undefined => t.options.find((o) => o.name === n)?.args[0];
  const flags = (names: string[]): string => names.filter(has).map((n) => ` ${n}`).join('');
  switch (t.name) {
    case 'ACCEPT':
    case 'DROP':
    case 'RETURN':
    case 'QUEUE':
      return '';
    case 'DNAT':
      return `${a('to-destination') !== undefined ? ` to:${a('to-destination')!}` : ''}${flags(['random', 'persistent'])}`;
    case 'SNAT':
      return `${a('to-source') !== undefined ? ` to:${a('to-source')!}` : ''}${flags(['random', 'random-fully', 'persistent'])}`;
    case 'MASQUERADE':
      return `${a('to-ports') !== undefined ? ` masq ports: ${a('to-ports')!}` : ''}${flags(['random', 'random-fully'])}`;
    case 'REDIRECT':
      return `${a('to-ports') !== undefined ? ` redir ports ${a('to-ports')!}` : ''}${flags(['random'])}`;
    case 'MARK':
      return a('set-xmark') !== undefined ? markTarget('MARK', a('set-xmark')!) : saveWords(t.options);
    case 'CONNMARK':
      if (has('save-mark')) return ' CONNMARK save';
      if (has('restore-mark')) return ' CONNMARK restore';
      return a('set-xmark') !== undefined ? markTarget('CONNMARK', a('set-xmark')!) : saveWords(t.options);
    case 'REJECT':
      return ` reject-with ${a('reject-with') ?? 'icmp-port-unreachable'}`;
    case 'LOG': {
      const level = Number(a('log-level') ?? '4');
      const prefix = a('log-prefix');
      let s = ' LOG';
      if (f.numeric) {
        const bits = LOG_FLAGS.reduce((acc, [n, , b]) => (has(n) ? acc | b : acc), 0);
        s += ` flags ${bits} level ${level}`;
      } else {
        s += ` level ${LOG_NAMES[level] ?? String(level)}`;
        for (const [n, w] of LOG_FLAGS) if (has(n)) s += ` ${w}`;
      }
      return prefix !== undefined ? `${s} prefix "${prefix}"` : s;
    }
    case 'CHECKSUM':
      return ' CHECKSUM fill';
    case 'TCPMSS':
      return has('clamp-mss-to-pmtu') ? ' TCPMSS clamp to PMTU' : ` TCPMSS set ${a('set-mss') ?? ''}`;
    case 'CT':
      return has('notrack') ? ' CT notrack' : ` CT${saveWords(t.options)}`;
    default:
      return t.options.length > 0 ? saveWords(t.options) : '';
  }
}

function headerLine(chain: Chain, refs: number, o: ListOptions): string {
  let s = `Chain ${chain.name}`;
  if (chain.builtin) {
    s += ` (policy ${chain.policy ?? 'ACCEPT'}`;
    if (o.verbose === true) {
      s += ` ${formatCount(chain.counters.packets, o.exact === true, false)}packets, ${formatCount(chain.counters.bytes, o.exact === true, false)}bytes`;
    }
    s += ')\n';
  } else s += ` (${refs} references)\n`;
  return s;
}

function columnsLine(o: ListOptions): string {
  let s = '';
  if (o.lineNumbers === true) s += 'num'.padEnd(4) + ' ';
  if (o.verbose === true) {
    s += o.exact === true ? `${'pkts'.padStart(8)} ${'bytes'.padStart(10)} ` : `${'pkts'.padStart(5)} ${'bytes'.padStart(5)} `;
  }
  s += `${'target'.padEnd(9)}  prot opt`;
  if (o.verbose === true) s += ` ${'in'.padEnd(6)} ${'out'.padEnd(6)} `;
  s += ` ${'source'.padEnd(19)}  ${'destination'.padEnd(19)} \n`;
  return s;
}

/** One rule of `-L`, with its trailing newline. */
export function listRule(rule: Rule, num: number, o: ListOptions = {}): string {
  const f = fmtOf(o);
  const ipv6 = o.ipv6 === true;
  let s = '';
  if (o.lineNumbers === true) s += String(num).padEnd(4) + ' ';
  if (o.verbose === true) {
    const c = rule.counters ?? { packets: 0, bytes: 0 };
    s += formatCount(c.packets, o.exact === true, true) + formatCount(c.bytes, o.exact === true, true);
  }
  s += `${(rule.target?.name ?? '').padEnd(9)} `;
  // "%-4s " in print_rule_details: a long name (ipv6-icmp) still gets its space.
  s += `${rule.protocol?.invert === true ? '!' : ' '}${protoText(rule, f.numeric).padEnd(4)} `;
  s += `${rule.fragment?.invert === true ? '!' : '-'}${rule.fragment !== undefined ? 'f' : '-'} `;
  if (o.verbose === true) {
    const iface = (v: { invert: boolean; value: string } | undefined): string =>
      `${v?.invert === true ? '!' : ''}${v?.value ?? (f.numeric ? '*' : 'any')}`;
    s += ` ${iface(rule.inInterface).padEnd(6)} ${iface(rule.outInterface).padEnd(6)} `;
  }
  s += `${rule.source?.invert === true ? '!' : ' '}${addressText(rule.source?.value, f, ipv6).padEnd(19)} `;
  s += `${rule.destination?.invert === true ? '!' : ' '}${addressText(rule.destination?.value, f, ipv6).padEnd(19)} `;
  if (rule.target?.kind === 'goto') s += '[goto] ';
  for (const m of rule.matches) s += matchText(m, rule, f);
  s += targetText(rule, f);
  return `${s}\n`;
}

function fmtOf(o: ListOptions): Fmt {
  return {
    numeric: o.numeric === true,
    names: { hosts: o.hosts ?? DEFAULT_HOSTS, networks: o.networks ?? DEFAULT_NETWORKS, services: o.services ?? DEFAULT_SERVICES },
  };
}

/** How many rules of the table jump or go to a chain (the `(N references)` of -L). */
export function referenceCount(table: Table, name: string): number {
  let n = 0;
  for (const c of table.chains) for (const r of c.rules) if (r.target?.name === name) n++;
  return n;
}

/** `-L [CHAIN]` of a table (chains as iptables orders them: the caller passes a canonical table). */
export function listChains(table: Table, chains: readonly Chain[], o: ListOptions = {}): string {
  const refs = new Map<string, number>();
  for (const c of table.chains) for (const r of c.rules) if (r.target !== undefined) refs.set(r.target.name, (refs.get(r.target.name) ?? 0) + 1);
  const blocks: string[] = [];
  for (const ch of chains) {
    let s = headerLine(ch, refs.get(ch.name) ?? 0, o) + columnsLine(o);
    ch.rules.forEach((r, i) => {
      s += listRule(r, i + 1, o);
    });
    blocks.push(s);
  }
  return blocks.join('\n');
}

/** One `-S` rule line: save words, with `-c P B` before the target under -v. */
export function specRule(chain: string, rule: Rule, verbose: boolean): string {
  if (!verbose) return `-A ${chain}${formatRuleSpec(rule)}\n`;
  const c = rule.counters ?? { packets: 0, bytes: 0 };
  const noTarget: Rule = { ...rule };
  delete noTarget.target;
  const withTarget = formatRuleSpec(rule).slice(formatRuleSpec(noTarget).length);
  return `-A ${chain}${formatRuleSpec(noTarget)} -c ${c.packets} ${c.bytes}${withTarget}\n`;
}

/** `-S [CHAIN]`: policies, new chains, then the rules. */
export function specChains(chains: readonly Chain[], verbose: boolean): string {
  let s = '';
  for (const ch of chains) {
    if (ch.builtin) s += `-P ${ch.name} ${ch.policy ?? 'ACCEPT'}${verbose ? ` -c ${ch.counters.packets} ${ch.counters.bytes}` : ''}\n`;
    else s += `-N ${ch.name}\n`;
  }
  for (const ch of chains) for (const r of ch.rules) s += specRule(ch.name, r, verbose);
  return s;
}
