// A ruleset compiled once for the packet walk (cached by identity): every
// rule becomes a list of predicates and a target; big chains (KUBE-SERVICES
// with thousands of `-d ClusterIP/32` rules) also get an index by
// destination address so sampling does not test every rule.

import type { Chain, Rule, Ruleset, Table, TableName } from '../iptables/model.js';
import { formatRule } from '../iptables/index.js';
import { cidrContains, formatIP, parseCidr, type Cidr, type IP } from '../net/ip.js';
import type { UserError } from '../errors.js';
import { compileMatch, MatchError, protoNumber, type Test } from './matches.js';
import { compileTarget, type CompiledTarget } from './targets.js';

export interface CompiledRule {
  rule: Rule;
  chain: string;
  table: TableName;
  /** 1-based, as `--line-numbers` counts. */
  number: number;
  tests: Test[];
  target: CompiledTarget;
  /** Set when a match or target is not supported: the walk stops with this error if it reaches the rule. */
  error: UserError | null;
  /** `-d X/32` (not inverted): key for the destination index. */
  dstKey: number | string | null;
  /** The rule in iptables-save form, formatted on first use. */
  text: string | null;
  /** Has `-m statistic` (the trace then explains how probabilities are computed). */
  hasStatistic: boolean;
  /** The part of the rule that is not supported (`-m physdev`, `-j TPROXY`), to point at it. */
  errorToken: string | null;
}

export interface CompiledChain {
  name: string;
  table: TableName;
  builtin: boolean;
  policy: 'ACCEPT' | 'DROP' | null;
  rules: CompiledRule[];
  /** For big chains: rule indices to test per destination (sorted), and for any other destination. */
  index: { byDst: Map<number | string, Int32Array>; rest: Int32Array } | null;
}

export interface CompiledTable {
  name: TableName;
  /** Chains compiled so far (each on first use: a packet visits a handful of 30 000 chains). */
  chains: LazyChains;
}

/** A table's chains, compiled the first time the walk (or `problems`) asks for one. */
export class LazyChains {
  private readonly compiled = new Map<string, CompiledChain>();
  private readonly source = new Map<string, Chain>();

  constructor(private readonly table: Table) {
    for (const c of table.chains) this.source.set(c.name, c);
  }

  has(name: string): boolean {
    return this.source.has(name);
  }

  get(name: string): CompiledChain | undefined {
    let c = this.compiled.get(name);
    if (c === undefined) {
      const src = this.source.get(name);
      if (src === undefined) return undefined;
      const exists = (n: string) => this.source.has(n);
      const rules = src.rules.map((r, i) => compileRule(this.table.name, src, r, i + 1, exists));
      c = { name: src.name, table: this.table.name, builtin: src.builtin, policy: src.policy, rules, index: buildIndex(rules) };
      this.compiled.set(name, c);
    }
    return c;
  }

  /** Compiles every chain (for `problems`). */
  all(): CompiledChain[] {
    return this.table.chains.map((c) => this.get(c.name)!);
  }
}

export interface CompiledRuleset {
  ruleset: Ruleset;
  tables: Map<TableName, CompiledTable>;
  /** Every unsupported rule (compiles the whole ruleset on first read; the walk reports one only if it reaches it). */
  readonly problems: UserError[];
}

/** Thrown by the walk when a packet reaches a rule the engine cannot evaluate. */
export class UnsupportedRuleError extends Error {
  constructor(
    readonly userError: UserError,
    /** `-m physdev`, `-j TPROXY`: where in the rule's line the problem starts. */
    readonly token: string | null = null,
  ) {
    super(userError.message);
  }
}

/** The rule in iptables-save form, formatted once. */
export function ruleText(r: CompiledRule): string {
  if (r.text === null) r.text = formatRule(r.chain, r.rule);
  return r.text;
}

const cidrCache = new Map<string, Cidr | null>();

/** kube-proxy repeats the same few CIDRs thousands of times: parse each once. */
function cidrOf(text: string): Cidr | null {
  let c = cidrCache.get(text);
  if (c === undefined) {
    c = parseCidr(text);
    if (cidrCache.size > 100_000) cidrCache.clear();
    cidrCache.set(text, c);
  }
  return c;
}

const INDEX_MIN_RULES = 32;

function ifaceTest(name: string, read: 'inIface' | 'outIface'): Test {
  if (name.endsWith('+')) {
    const prefix = name.slice(0, -1);
    return (s) => s[read] !== '' && s[read].startsWith(prefix);
  }
  return (s) => s[read] === name;
}

function coreTests(rule: Rule): { tests: Test[]; dstKey: number | string | null } {
  const tests: Test[] = [];
  let dstKey: number | string | null = null;
  if (rule.source !== undefined) {
    const c = cidrOf(rule.source.value);
    if (c === null) throw new MatchError(`-s '${rule.source.value}' is not an address`);
    const inv = rule.source.invert;
    tests.push((s) => cidrContains(c, s.src) !== inv);
  }
  if (rule.destination !== undefined) {
    const c = cidrOf(rule.destination.value);
    if (c === null) throw new MatchError(`-d '${rule.destination.value}' is not an address`);
    const inv = rule.destination.invert;
    if (!inv && ((c.family === 4 && c.prefix === 32) || (c.family === 6 && c.prefix === 128))) {
      dstKey = c.family === 4 ? c.net : formatIP({ family: 6, n: c.net });
    }
    tests.push((s) => cidrContains(c, s.dst) !== inv);
  }
  if (rule.inInterface !== undefined) {
    const t = ifaceTest(rule.inInterface.value, 'inIface');
    const inv = rule.inInterface.invert;
    tests.push((s) => t(s) !== inv);
  }
  if (rule.outInterface !== undefined) {
    const t = ifaceTest(rule.outInterface.value, 'outIface');
    const inv = rule.outInterface.invert;
    tests.push((s) => t(s) !== inv);
  }
  if (rule.protocol !== undefined) {
    const p = rule.protocol.value.toLowerCase();
    const inv = rule.protocol.invert;
    if (p !== 'all' && p !== '0') {
      const n = /^\d+$/.test(p) ? Number(p) : protoNumber(p);
      if (n < 0) throw new MatchError(`protocol '${rule.protocol.value}' is not modelled (tcp, udp, sctp, icmp)`);
      tests.push((s) => (protoNumber(s.proto) === n) !== inv);
    }
  }
  if (rule.fragment !== undefined) {
    // The engine's packets are never fragments (the first fragment carries the ports).
    const inv = rule.fragment.invert;
    tests.push(() => inv);
  }
  return { tests, dstKey };
}

/** The destination-index key of an address (for the walk). */
export function ipKey(ip: IP): number | string {
  return ip.family === 4 ? ip.n : formatIP(ip);
}

function buildIndex(rules: CompiledRule[]): CompiledChain['index'] {
  if (rules.length < INDEX_MIN_RULES) return null;
  const byDstLists = new Map<number | string, number[]>();
  const rest: number[] = [];
  rules.forEach((r, i) => {
    if (r.dstKey === null || r.error !== null) rest.push(i);
    else {
      const l = byDstLists.get(r.dstKey) ?? [];
      l.push(i);
      byDstLists.set(r.dstKey, l);
    }
  });
  if (rest.length > rules.length / 2) return null;
  const byDst = new Map<number | string, Int32Array>();
  for (const [k, l] of byDstLists) {
    // Merge the rules for this destination with the ones that may match any destination, in order.
    const merged = [...l, ...rest].sort((a, b) => a - b);
    byDst.set(k, Int32Array.from(merged));
  }
  return { byDst, rest: Int32Array.from(rest) };
}

function compileRule(table: TableName, chain: Chain, rule: Rule, number: number, chainExists: (n: string) => boolean): CompiledRule {
  const out: CompiledRule = { rule, chain: chain.name, table, number, tests: [], target: { kind: 'none' }, error: null, dstKey: null, text: null, hasStatistic: rule.matches.some((m) => m.name === 'statistic'), errorToken: null };
  try {
    const core = coreTests(rule);
    out.dstKey = core.dstKey;
    out.tests = core.tests;
    for (const m of rule.matches) {
      out.errorToken = `-m ${m.name}`;
      const test = compileMatch(m, out);
      if (test !== null) out.tests.push(test);
    }
    out.errorToken = rule.target !== undefined ? `${rule.target.kind === 'goto' ? '-g' : '-j'} ${rule.target.name}` : null;
    out.target = compileTarget(rule.target, chainExists);
    out.errorToken = null;
  } catch (e) {
    if (!(e instanceof MatchError)) throw e;
    out.error = {
      message: `${e.message} (rule ${number} of chain ${chain.name} in table ${table}: ${formatRule(chain.name, rule)})`,
      ...(rule.line !== undefined ? { line: rule.line } : {}),
      object: `-t ${table} ${chain.name} ${number}`,
    };
    out.tests = [];
  }
  return out;
}

const cache = new WeakMap<Ruleset, CompiledRuleset>();

/**
 * Prepares a ruleset for the walk, once per ruleset object (mutate a ruleset
 * and you must pass a new object). Chains compile on first use.
 */
export function compileRuleset(ruleset: Ruleset): CompiledRuleset {
  const hit = cache.get(ruleset);
  if (hit !== undefined) return hit;
  const tables = new Map<TableName, CompiledTable>();
  for (const t of ruleset.tables) tables.set(t.name, { name: t.name, chains: new LazyChains(t) });
  let problems: UserError[] | null = null;
  const compiled: CompiledRuleset = {
    ruleset,
    tables,
    get problems() {
      if (problems === null) {
        problems = [];
        for (const t of tables.values()) for (const c of t.chains.all()) for (const r of c.rules) if (r.error !== null) problems.push(r.error);
      }
      return problems;
    },
  };
  cache.set(ruleset, compiled);
  return compiled;
}
