// Canonicalisation: the text iptables-save (1.8.9, nf_tables) prints after
// iptables-restore loaded a ruleset. Every rewrite below was observed on the
// real tools in a network namespace (test/kernel/codec checks them):
// addresses get their prefix and lose host bits, protocols are named, implicit
// and default options are spelled out, marks become --set-xmark, the random
// probability is the kernel's 31-bit fixed point printed with 11 decimals,
// tables and chains are listed in the kernel's order.

import { formatCidr, parseCidr } from '../net/ip.js';
import { CANONICAL4, CANONICAL6, cloneRule, copyRule } from './clone.js';
import type { Chain, MatchModule, ModuleOption, Rule, Ruleset, Table, TableName, Target } from './model.js';
import { BUILTIN_CHAINS, emptyCounters } from './model.js';
import { protocolName, protocolNumber, servicePort } from './services.js';

export interface CanonicalOptions {
  /** ip6tables: REJECT's default and /128 host prefixes. */
  ipv6?: boolean;
  /** Loaded with `iptables-restore -c`: chain and rule counters are kept; otherwise they start at zero. */
  counters?: boolean;
}

/** The order iptables-save (nf_tables) prints tables in. */
export const SAVE_TABLE_ORDER: readonly TableName[] = ['mangle', 'security', 'raw', 'filter', 'nat'];

/** The order iptables-save prints each module's options in (unknown options keep their place, after these). */
const OPTION_ORDER: Readonly<Record<string, readonly string[]>> = {
  tcp: ['sport', 'dport', 'tcp-option', 'tcp-flags'],
  udp: ['sport', 'dport'],
  sctp: ['sport', 'dport', 'chunk-types'],
  conntrack: [
    'ctstate', 'ctproto', 'ctorigsrc', 'ctorigdst', 'ctreplsrc', 'ctrepldst', 'ctorigsrcport', 'ctorigdstport',
    'ctreplsrcport', 'ctrepldstport', 'ctstatus', 'ctexpire', 'ctdir',
  ],
  addrtype: ['src-type', 'dst-type', 'limit-iface-in', 'limit-iface-out'],
  statistic: ['mode', 'probability', 'every', 'packet'],
  recent: ['set', 'rcheck', 'update', 'remove', 'seconds', 'reap', 'hitcount', 'rttl', 'name', 'mask', 'rsource', 'rdest'],
  limit: ['limit', 'limit-burst'],
  LOG: ['log-prefix', 'log-level', 'log-tcp-sequence', 'log-tcp-options', 'log-ip-options', 'log-uid', 'log-macdecode'],
  MASQUERADE: ['to-ports', 'random', 'random-fully'],
  SNAT: ['to-source', 'random', 'random-fully', 'persistent'],
  DNAT: ['to-destination', 'random', 'persistent'],
  REDIRECT: ['to-ports', 'random'],
  CONNMARK: ['set-xmark', 'save-mark', 'restore-mark', 'nfmask', 'ctmask'],
};

const CT_STATES = ['INVALID', 'NEW', 'RELATED', 'ESTABLISHED', 'UNTRACKED', 'SNAT', 'DNAT'];
const CT_STATUS = ['EXPECTED', 'SEEN_REPLY', 'ASSURED', 'CONFIRMED'];
const TCP_FLAGS = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR'];
const LOG_LEVELS: Readonly<Record<string, number>> = {
  emerg: 0, alert: 1, crit: 2, error: 3, err: 3, warning: 4, warn: 4, notice: 5, info: 6, debug: 7,
};
/** ICMP type names → `type` or `type/code` as iptables-save prints them. */
const ICMP_TYPES: Readonly<Record<string, string>> = {
  'echo-reply': '0', 'pong': '0', 'destination-unreachable': '3', 'network-unreachable': '3/0', 'host-unreachable': '3/1',
  'protocol-unreachable': '3/2', 'port-unreachable': '3/3', 'fragmentation-needed': '3/4', 'source-route-failed': '3/5',
  'network-unknown': '3/6', 'host-unknown': '3/7', 'network-prohibited': '3/9', 'host-prohibited': '3/10',
  'TOS-network-unreachable': '3/11', 'TOS-host-unreachable': '3/12', 'communication-prohibited': '3/13',
  'host-precedence-violation': '3/14', 'precedence-cutoff': '3/15', 'source-quench': '4', 'redirect': '5',
  'network-redirect': '5/0', 'host-redirect': '5/1', 'TOS-network-redirect': '5/2', 'TOS-host-redirect': '5/3',
  'echo-request': '8', 'ping': '8', 'router-advertisement': '9', 'router-solicitation': '10', 'time-exceeded': '11',
  'ttl-exceeded': '11', 'ttl-zero-during-transit': '11/0', 'ttl-zero-during-reassembly': '11/1', 'parameter-problem': '12',
  'ip-header-bad': '12/0', 'required-option-missing': '12/1', 'timestamp-request': '13', 'timestamp-reply': '14',
  'address-mask-request': '17', 'address-mask-reply': '18',
};

/** A 32-bit value as C's strtoul(…, 0) reads it (0x…, 0…, decimal), or undefined. */
export function parseU32(s: string): number | undefined {
  let n: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(s)) n = parseInt(s.slice(2), 16);
  else if (/^0[0-7]+$/.test(s)) n = parseInt(s.slice(1), 8);
  else if (/^[0-9]+$/.test(s)) n = Number(s);
  else return undefined;
  return n <= 0xffffffff ? n : undefined;
}

const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;

/** `value[/mask]` → [value, mask] (mask defaults to 0xffffffff). */
function markPair(s: string): [number, number] | undefined {
  const [v, m] = s.split('/', 2);
  const value = parseU32(v ?? '');
  const mask = m === undefined ? 0xffffffff : parseU32(m);
  return value === undefined || mask === undefined ? undefined : [value, mask];
}

/** What the kernel stores for `--probability p` (31-bit fixed point), printed as iptables does. */
export function kernelProbability(p: number): string {
  const stored = Math.round(p * 0x80000000);
  return (stored / 0x80000000).toFixed(11);
}

/** `http` → `80`, `80:` → `80:65535`, `:80` → `0:80`; undefined for the full range (then the option disappears). */
function canonicalPortSpec(spec: string, proto: string): string | null | undefined {
  const parts = spec.split(':');
  if (parts.length === 1) {
    const p = servicePort(spec, proto);
    return p === undefined ? null : String(p);
  }
  if (parts.length !== 2) return null;
  const lo = parts[0] === '' ? 0 : servicePort(parts[0]!, proto);
  const hi = parts[1] === '' ? 65535 : servicePort(parts[1]!, proto);
  if (lo === undefined || hi === undefined) return null;
  if (lo === 0 && hi === 65535) return undefined;
  return lo === hi ? String(lo) : `${lo}:${hi}`;
}

function orderedList(value: string, order: readonly string[]): string {
  const words = value.split(',').map((w) => w.toUpperCase());
  if (!words.every((w) => order.includes(w))) return value;
  return order.filter((o) => words.includes(o)).join(',');
}

function tcpFlagList(value: string): string {
  const words = value.split(',').map((w) => w.toUpperCase());
  let bits = 0;
  for (const w of words) {
    if (w === 'ALL') bits |= 0x3f;
    else if (w === 'NONE') continue;
    else {
      const i = TCP_FLAGS.indexOf(w);
      if (i < 0) return value;
      bits |= 1 << i;
    }
  }
  if (bits === 0) return 'NONE';
  return TCP_FLAGS.filter((_, i) => (bits & (1 << i)) !== 0).join(',');
}

/** The iptables-save quoting rule (xtables_save_string): quote unless only [A-Za-z0-9_-]. */
export function needsQuotes(s: string): boolean {
  return !/^[A-Za-z0-9_-]+$/.test(s);
}

function setQuoted(o: ModuleOption): void {
  const a = o.args[0];
  if (a !== undefined && needsQuotes(a)) o.quoted = true;
  else delete o.quoted;
}

function sortOptions(kind: string, opts: ModuleOption[]): ModuleOption[] {
  // Own keys only: a module named `constructor` or `toString` is not in the table.
  const order = Object.prototype.hasOwnProperty.call(OPTION_ORDER, kind) ? OPTION_ORDER[kind] : undefined;
  if (order === undefined) return exact(opts);
  const rank = (o: ModuleOption): number => {
    const i = order.indexOf(o.name);
    return i < 0 ? order.length : i;
  };
  let sorted = true;
  for (let k = 1; k < opts.length && sorted; k++) sorted = rank(opts[k - 1]!) <= rank(opts[k]!);
  if (sorted) return exact(opts);
  return opts
    .map((o, i) => ({ o, i }))
    .sort((a, b) => rank(a.o) - rank(b.o) || a.i - b.i)
    .map((x) => x.o);
}

/** The limit match's rate, as libxt_limit stores and prints it. */
function canonicalRate(rate: string): string {
  const m = /^([0-9]+)(?:\/(s|sec|second|m|min|minute|h|hour|d|day))?$/.exec(rate);
  if (m === null) return rate;
  const r = Number(m[1]);
  if (r === 0) return rate;
  const unit = m[2] ?? 's';
  const mult = unit.startsWith('d') ? 86400 : unit.startsWith('h') ? 3600 : unit.startsWith('m') ? 60 : 1;
  const SCALE = 10000;
  const period = Math.floor((SCALE * mult) / r);
  if (period === 0) return rate;
  const rates: [string, number][] = [['day', SCALE * 86400], ['hour', SCALE * 3600], ['min', SCALE * 60], ['sec', SCALE]];
  let i = 1;
  for (; i < rates.length; i++) {
    const mu = rates[i]![1];
    if (period > mu || Math.floor(mu / period) < mu % period) break;
  }
  const [name, mu] = rates[i - 1]!;
  return `${Math.floor(mu / period)}/${name}`;
}

function canonicalMatch(m: MatchModule, rule: Rule): MatchModule | undefined {
  const name = m.name;
  let opts: ModuleOption[] = [];
  for (const o0 of m.options) {
    const o: ModuleOption = { name: o0.name, invert: o0.invert, args: exact(o0.args) };
    if (o0.quoted === true) o.quoted = true;
    const a = o.args[0];
    if ((name === 'tcp' || name === 'udp' || name === 'sctp') && a !== undefined) {
      if (o.name === 'source-port') o.name = 'sport';
      if (o.name === 'destination-port') o.name = 'dport';
      if (o.name === 'sport' || o.name === 'dport') {
        const c = canonicalPortSpec(a, name);
        if (c === undefined && !o.invert) continue;
        if (typeof c === 'string') o.args = [c];
      }
      if (o.name === 'tcp-flags' && o.args.length === 2) o.args = [tcpFlagList(o.args[0]!), tcpFlagList(o.args[1]!)];
    }
    if (name === 'tcp' && o.name === 'syn') {
      o.name = 'tcp-flags';
      o.args = ['FIN,SYN,RST,ACK', 'SYN'];
    }
    if (name === 'multiport' && a !== undefined) {
      if (o.name === 'destination-ports') o.name = 'dports';
      if (o.name === 'source-ports') o.name = 'sports';
      const proto = rule.protocol?.value.toLowerCase() ?? 'tcp';
      o.args = [a.split(',').map((p) => {
        const c = canonicalPortSpec(p, proto);
        return typeof c === 'string' ? c : c === undefined ? '0:65535' : p;
      }).join(',')];
    }
    if (name === 'icmp' && o.name === 'icmp-type' && a !== undefined && Object.prototype.hasOwnProperty.call(ICMP_TYPES, a)) {
      o.args = [ICMP_TYPES[a]!];
    }
    if ((name === 'conntrack' && o.name === 'ctstate') || (name === 'state' && o.name === 'state')) {
      if (a !== undefined) o.args = [orderedList(a, CT_STATES)];
    }
    if (name === 'conntrack' && o.name === 'ctstatus' && a !== undefined) o.args = [orderedList(a, CT_STATUS)];
    if (name === 'conntrack' && o.name === 'ctproto' && a !== undefined) {
      const p = protocolNumber(a);
      if (p !== undefined) o.args = [String(p)];
    }
    if ((name === 'mark' || name === 'connmark') && o.name === 'mark' && a !== undefined) {
      const pair = markPair(a);
      if (pair !== undefined) o.args = [pair[1] === 0xffffffff ? hex(pair[0]) : `${hex(pair[0])}/${hex(pair[1])}`];
    }
    if (name === 'statistic' && o.name === 'probability' && a !== undefined) {
      const p = Number(a);
      if (Number.isFinite(p)) o.args = [kernelProbability(p)];
    }
    if (name === 'limit' && o.name === 'limit' && a !== undefined) o.args = [canonicalRate(a)];
    if (name === 'limit' && o.name === 'limit-burst' && a === '5') continue;
    if (name === 'comment') setQuoted(o);
    opts.push(o);
  }
  if (name === 'statistic') {
    const mode = opts.find((o) => o.name === 'mode')?.args[0];
    if (mode === 'nth' && !opts.some((o) => o.name === 'packet')) opts.push({ name: 'packet', invert: false, args: ['0'] });
  }
  if (name === 'recent') {
    if (!opts.some((o) => o.name === 'name')) opts.push({ name: 'name', invert: false, args: ['DEFAULT'] });
    if (!opts.some((o) => o.name === 'mask')) opts.push({ name: 'mask', invert: false, args: ['255.255.255.255'] });
    if (!opts.some((o) => o.name === 'rsource' || o.name === 'rdest')) opts.push({ name: 'rsource', invert: false, args: [] });
  }
  opts = sortOptions(name, opts);
  return { name, options: opts };
}

function canonicalTarget(t: Target, ipv6: boolean): Target {
  const opts: ModuleOption[] = [];
  for (const o0 of t.options) {
    const o: ModuleOption = { name: o0.name, invert: o0.invert, args: exact(o0.args) };
    if (o0.quoted === true) o.quoted = true;
    const a = o.args[0];
    if ((t.name === 'MARK' || t.name === 'CONNMARK') && a !== undefined) {
      const pair = markPair(a);
      if (pair !== undefined) {
        const [v, m] = pair;
        const given = a.includes('/');
        if (o.name === 'set-xmark') o.args = [`${hex(v)}/${hex(given ? m : 0xffffffff)}`];
        else if (o.name === 'set-mark') o.args = [`${hex(v)}/${hex((given ? m : 0xffffffff) | v)}`];
        else if (o.name === 'or-mark') o.args = [`${hex(v)}/${hex(v)}`];
        else if (o.name === 'and-mark') o.args = [`0x0/${hex(~v)}`];
        else if (o.name === 'xor-mark') o.args = [`${hex(v)}/0x0`];
        if (['set-mark', 'or-mark', 'and-mark', 'xor-mark'].includes(o.name)) o.name = 'set-xmark';
      }
    }
    if (t.name === 'LOG' && o.name === 'log-level' && a !== undefined) {
      const lvl = Object.prototype.hasOwnProperty.call(LOG_LEVELS, a) ? LOG_LEVELS[a]! : Number(a);
      if (lvl === 4) continue;
      if (Number.isFinite(lvl)) o.args = [String(lvl)];
    }
    if ((t.name === 'LOG' && o.name === 'log-prefix') || (t.name === 'NFLOG' && o.name === 'nflog-prefix')) setQuoted(o);
    opts.push(o);
  }
  if (t.name === 'REJECT' && !opts.some((o) => o.name === 'reject-with')) {
    opts.push({ name: 'reject-with', invert: false, args: [ipv6 ? 'icmp6-port-unreachable' : 'icmp-port-unreachable'] });
  }
  if (t.name === 'CONNMARK' && opts.some((o) => o.name === 'save-mark' || o.name === 'restore-mark')) {
    if (!opts.some((o) => o.name === 'nfmask')) opts.push({ name: 'nfmask', invert: false, args: ['0xffffffff'] });
    if (!opts.some((o) => o.name === 'ctmask')) opts.push({ name: 'ctmask', invert: false, args: ['0xffffffff'] });
  }
  return { kind: t.kind, name: t.name, options: sortOptions(t.name, opts) };
}

/** `10.0.0.1` → `10.0.0.1/32`, `10.1.2.3/8` → `10.0.0.0/8`; undefined for "anywhere". Names stay as written. */
function canonicalAddress(s: string): string | undefined {
  const c = parseCidr(s);
  if (c === null) return s;
  if (c.prefix === 0) return undefined;
  return formatCidr(c);
}

/** One rule as the kernel gives it back. */
export function canonicalizeRule(rule: Rule, opts: CanonicalOptions = {}): Rule {
  const marks = opts.ipv6 === true ? CANONICAL6 : CANONICAL4;
  if (marks.has(rule)) return cloneRule(rule);
  const r = canonicalRuleOf(rule, opts);
  marks.add(r);
  return r;
}

/** Exact-size copy: arrays grown by push keep 16 slots, and canonical rules live as long as the node. */
const exact = <T>(a: T[]): T[] => (a.length === 0 ? [] : a.length === 1 ? [a[0]!] : a.slice());

function canonicalRuleOf(rule: Rule, opts: CanonicalOptions): Rule {
  // Core fields copied here; matches and target are rebuilt below (no deep copy first).
  const r: Rule = { matches: [] };
  if (rule.source) r.source = { ...rule.source };
  if (rule.destination) r.destination = { ...rule.destination };
  if (rule.inInterface) r.inInterface = { ...rule.inInterface };
  if (rule.outInterface) r.outInterface = { ...rule.outInterface };
  if (rule.protocol) r.protocol = { ...rule.protocol };
  if (rule.fragment) r.fragment = { ...rule.fragment };
  if (rule.target) r.target = rule.target;
  if (rule.counters) r.counters = { ...rule.counters };
  if (rule.line !== undefined) r.line = rule.line;
  for (const f of ['source', 'destination'] as const) {
    const v = r[f];
    if (v === undefined) continue;
    const c = canonicalAddress(v.value);
    if (c === undefined) {
      if (v.invert) v.value = opts.ipv6 === true ? '::/0' : '0.0.0.0/0';
      else delete r[f];
    } else v.value = c;
  }
  if (r.protocol !== undefined) {
    const n = protocolNumber(r.protocol.value);
    if (n === 0 && !r.protocol.invert) delete r.protocol;
    else if (n !== undefined) r.protocol.value = n === 0 ? 'all' : protocolName(n);
  }
  const matches: MatchModule[] = [];
  for (const m of rule.matches) {
    const c = canonicalMatch(m, r);
    if (c !== undefined) matches.push(c);
  }
  r.matches = exact(matches);
  if (rule.target !== undefined) r.target = canonicalTarget(rule.target, opts.ipv6 === true);
  return r;
}

/** `-s a,b` is two rules for the kernel (one per address, sources outer). */
export function expandAddressLists(rule: Rule): Rule[] {
  const srcs = rule.source?.value.includes(',') === true ? rule.source.value.split(',') : [undefined];
  const dsts = rule.destination?.value.includes(',') === true ? rule.destination.value.split(',') : [undefined];
  if (srcs.length === 1 && dsts.length === 1) return [rule];
  const out: Rule[] = [];
  for (const s of srcs) {
    for (const d of dsts) {
      const r = copyRule(rule);
      if (s !== undefined && r.source) r.source.value = s;
      if (d !== undefined && r.destination) r.destination.value = d;
      out.push(r);
    }
  }
  return out;
}

/**
 * A rule already canonical (and with the counters this view keeps) is shared
 * with the input rather than copied: canonicalising a node's installed ruleset
 * for a view costs a walk over its chains, not a copy of every rule. Rules are
 * not edited in place (applyCommand replaces the rules it zeroes or retargets).
 */
function isShareable(r: Rule, opts: CanonicalOptions): boolean {
  if (!(opts.ipv6 === true ? CANONICAL6 : CANONICAL4).has(r)) return false;
  if ((opts.counters === true) !== (r.counters !== undefined)) return false;
  return !(r.source?.value.includes(',') === true || r.destination?.value.includes(',') === true);
}

function canonicalTable(t: Table, opts: CanonicalOptions): Table {
  const byName = new Map(t.chains.map((c) => [c.name, c]));
  const builtins: Chain[] = BUILTIN_CHAINS[t.name].map((name) => {
    const have = byName.get(name);
    return have !== undefined
      ? { ...have, builtin: true, policy: have.policy ?? 'ACCEPT', counters: opts.counters === true ? { ...have.counters } : emptyCounters(), rules: [] }
      : { name, builtin: true, policy: 'ACCEPT', counters: emptyCounters(), rules: [] };
  });
  const users = t.chains
    .filter((c) => !BUILTIN_CHAINS[t.name].includes(c.name) && byName.get(c.name) === c)
    .map((c): Chain => ({ ...c, builtin: false, policy: null, counters: emptyCounters(), rules: [] }));
  // An installed ruleset is already in name order: check in one pass before sorting.
  let inOrder = true;
  for (let k = 1; k < users.length && inOrder; k++) inOrder = users[k - 1]!.name <= users[k]!.name;
  if (!inOrder) users.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const chains = [...builtins, ...users];
  for (const ch of chains) {
    const src = byName.get(ch.name);
    if (src === undefined) continue;
    for (const r of src.rules) {
      if (isShareable(r, opts)) {
        ch.rules.push(r);
        continue;
      }
      for (const e of expandAddressLists(r)) {
        const c = canonicalizeRule(e, opts);
        if (opts.counters !== true) delete c.counters;
        else if (c.counters === undefined) c.counters = emptyCounters();
        ch.rules.push(c);
      }
    }
  }
  return { name: t.name, chains, leadingComments: t.leadingComments.slice(), trailingComments: t.trailingComments.slice() };
}

/** The ruleset as iptables-save prints it once the kernel holds it. */
export function canonicalize(rs: Ruleset, opts: CanonicalOptions = {}): Ruleset {
  const tables = SAVE_TABLE_ORDER.map((n) => rs.tables.find((t) => t.name === n))
    .filter((t): t is Table => t !== undefined)
    .map((t) => canonicalTable(t, opts));
  return { tables };
}
