// One iptables command applied to a table: append, insert, delete, replace,
// check, flush, zero, new/delete/rename chain, policy. Shared by
// iptables-restore (file input) and the `iptables` command line, so both give
// the kernel's answers: errors carry the real tool's words and exit status.

import type { ParsedCommand } from './args.js';
import { canonicalizeRule } from './canonical.js';
import { cloneRule } from './clone.js';
import type { Chain, Rule, Table } from './model.js';
import { BUILTIN_CHAINS, emptyCounters } from './model.js';
import { formatRuleSpec } from './save.js';
import { isKnownTarget, TARGET_OPTIONS } from './specs.js';

/** Chain lookup by name in O(1): big dumps have thousands of chains. Rebuilt when the chain list changes. */
const chainIndex = new WeakMap<Chain[], Map<string, Chain>>();

/** The last index used: a restore asks about the same table's chains twice per rule. */
let lastChains: Chain[] | undefined;
let lastIndex: Map<string, Chain> | undefined;

function indexOf(chains: Chain[]): Map<string, Chain> | undefined {
  if (chains === lastChains) return lastIndex;
  const m = chainIndex.get(chains);
  lastChains = chains;
  lastIndex = m;
  return m;
}

function rebuildIndex(chains: Chain[]): Map<string, Chain> {
  const m = new Map<string, Chain>();
  for (const c of chains) m.set(c.name, c);
  chainIndex.set(chains, m);
  lastChains = chains;
  lastIndex = m;
  return m;
}

/**
 * The chain found last: iptables-save lists a chain's rules together, so a
 * restore asks for the same chain line after line, and a string comparison is
 * cheaper than hashing a fresh name. Valid while the table has the same chain
 * array of the same length (as the index above) and the chain its name.
 */
let hitChains: Chain[] | undefined;
let hitLength = 0;
let hitChain: Chain | undefined;

export function lookupChain(table: Table, name: string): Chain | undefined {
  const chains = table.chains;
  if (chains === hitChains && chains.length === hitLength && hitChain!.name === name) return hitChain;
  const c = lookupIndexed(table, name);
  if (c !== undefined) {
    hitChains = chains;
    hitLength = chains.length;
    hitChain = c;
  }
  return c;
}

function lookupIndexed(table: Table, name: string): Chain | undefined {
  let m = indexOf(table.chains);
  if (m === undefined || m.size !== table.chains.length) m = rebuildIndex(table.chains);
  const c = m.get(name);
  if (c === undefined || c.name === name) return c;
  // Renamed behind our back: rebuild once and look again.
  return rebuildIndex(table.chains).get(name);
}

/** A copy of the rule with zero counters (the copy keeps the rule's canonical mark). */
function withCounters(r: Rule): Rule {
  const c = cloneRule(r);
  c.counters = emptyCounters();
  return c;
}

export interface ApplyError {
  /** Our message, for a file position. */
  message: string;
  /** The real iptables' stderr line (without `iptables: ` prefix handling: it is complete). */
  tool: string;
  exit: number;
}

export type ApplyResult = { ok: true; rule?: Rule; found?: boolean } | { ok: false; error: ApplyError };

const NO_CHAIN: ApplyError = { message: 'no such chain', tool: 'iptables: No chain/target/match by that name.', exit: 1 };
const fail = (message: string, tool: string, exit = 1): ApplyResult => ({ ok: false, error: { message, tool, exit } });

/** Two rules are the same rule when the kernel would print them the same way. */
export function sameRule(a: Rule, b: Rule): boolean {
  return formatRuleSpec(canonicalizeRule(a)) === formatRuleSpec(canonicalizeRule(b));
}

export function isBuiltinChain(table: Table, name: string): boolean {
  return BUILTIN_CHAINS[table.name].includes(name);
}

/** Adds a chain where iptables-save lists it: built-ins first in kernel order, user chains after. */
export function addChain(table: Table, name: string): Chain {
  const builtin = isBuiltinChain(table, name);
  const ch: Chain = { name, builtin, policy: builtin ? 'ACCEPT' : null, counters: emptyCounters(), rules: [] };
  if (builtin) {
    const order = BUILTIN_CHAINS[table.name];
    const rank = order.indexOf(name);
    let at = table.chains.findIndex((c) => !c.builtin || order.indexOf(c.name) > rank);
    if (at < 0) at = table.chains.length;
    table.chains.splice(at, 0, ch);
  } else table.chains.push(ch);
  indexOf(table.chains)?.set(name, ch);
  return ch;
}

/** The chain for a command: existing, or a built-in one materialised on first use. */
function chainFor(table: Table, name: string | undefined): Chain | undefined {
  if (name === undefined) return undefined;
  return lookupChain(table, name) ?? (isBuiltinChain(table, name) ? addChain(table, name) : undefined);
}

/** isKnownTarget as a set: a chain name is hashed once for this and the chain lookup (a property lookup interns it first). */
const KNOWN_TARGETS = new Set(Object.keys(TARGET_OPTIONS));

/** Checks the -j target: a known target or a chain of this table. `lenient` accepts unknown extension targets. */
function checkTarget(table: Table, rule: Rule, lenient: boolean): ApplyResult | undefined {
  const t = rule.target;
  if (t === undefined || KNOWN_TARGETS.has(t.name) || lookupChain(table, t.name) !== undefined) return undefined;
  if (lenient && /^[A-Z0-9_]+$/.test(t.name) && t.options.length > 0) return undefined;
  return fail(`no chain or target named ${t.name}`, `iptables v1.8.9 (nf_tables): Chain '${t.name}' does not exist\nTry \`iptables -h' or 'iptables --help' for more information.`, 2);
}

function referenced(table: Table, name: string): boolean {
  return table.chains.some((c) => c.rules.some((r) => r.target?.name === name));
}


export function applyCommand(table: Table, cmd: ParsedCommand, rule: Rule, opts: { lenient?: boolean } = {}): ApplyResult {
  const lenient = opts.lenient === true;
  switch (cmd.command) {
    case 'append':
    case 'insert':
    case 'replace':
    case 'check':
    case 'delete': {
      const ch = chainFor(table, cmd.chain);
      if (ch === undefined) return { ok: false, error: { ...NO_CHAIN, message: `no chain named ${cmd.chain ?? ''}` } };
      if (cmd.command === 'delete' && cmd.num !== undefined) {
        if (cmd.num < 1 || cmd.num > ch.rules.length) return fail(`chain ${ch.name} has no rule ${cmd.num}`, 'iptables: Index of deletion too big.');
        ch.rules.splice(cmd.num - 1, 1);
        return { ok: true };
      }
      const bad = checkTarget(table, rule, lenient);
      if (bad !== undefined) return bad;
      if (cmd.command === 'append') {
        ch.rules.push(rule);
        return { ok: true, rule };
      }
      if (cmd.command === 'insert') {
        const at = (cmd.num ?? 1) - 1;
        if (at < 0 || at > ch.rules.length) return fail(`chain ${ch.name} has only ${ch.rules.length} rules`, 'iptables: Index of insertion too big.');
        ch.rules.splice(at, 0, rule);
        return { ok: true, rule };
      }
      if (cmd.command === 'replace') {
        const at = (cmd.num ?? 0) - 1;
        if (at < 0 || at >= ch.rules.length) return fail(`chain ${ch.name} has no rule ${cmd.num ?? 0}`, 'iptables: Index of replacement too big.');
        ch.rules[at] = rule;
        return { ok: true, rule };
      }
      const idx = ch.rules.findIndex((r) => sameRule(r, rule));
      if (idx < 0) return fail(`no such rule in chain ${ch.name}`, 'iptables: Bad rule (does a matching rule exist in that chain?).');
      if (cmd.command === 'delete') ch.rules.splice(idx, 1);
      return { ok: true, found: true };
    }
    case 'flush': {
      if (cmd.chain === undefined) {
        for (const c of table.chains) c.rules = [];
        return { ok: true };
      }
      const ch = chainFor(table, cmd.chain);
      if (ch === undefined) return fail(`no chain named ${cmd.chain}`, NO_CHAIN.tool);
      ch.rules = [];
      return { ok: true };
    }
    case 'zero': {
      const chains = cmd.chain === undefined ? table.chains : [chainFor(table, cmd.chain)];
      for (const c of chains) {
        if (c === undefined) return fail(`no chain named ${cmd.chain ?? ''}`, NO_CHAIN.tool);
        // Zeroed rules are replaced, not edited: canonical rulesets share rule objects with their input.
        if (cmd.num !== undefined) {
          const r = c.rules[cmd.num - 1];
          if (r === undefined) return fail(`chain ${c.name} has no rule ${cmd.num}`, NO_CHAIN.tool);
          c.rules[cmd.num - 1] = withCounters(r);
          continue;
        }
        c.counters = emptyCounters();
        for (let k = 0; k < c.rules.length; k++) c.rules[k] = withCounters(c.rules[k]!);
      }
      return { ok: true };
    }
    case 'new-chain': {
      const name = cmd.chain ?? '';
      if (lookupChain(table, name) !== undefined || isBuiltinChain(table, name)) return fail(`chain ${name} already exists`, 'iptables: Chain already exists.');
      if (isKnownTarget(name)) return fail(`${name} is a target name`, `iptables v1.8.9 (nf_tables): chain name may not clash with target name\nTry \`iptables -h' or 'iptables --help' for more information.`, 2);
      addChain(table, name);
      return { ok: true };
    }
    case 'delete-chain': {
      const busy = (c: Chain): ApplyResult =>
        fail(`chain ${c.name} is ${c.builtin ? 'built in' : c.rules.length > 0 ? 'not empty' : 'still referenced'}`, `iptables v1.8.9 (nf_tables):  CHAIN_DEL failed (Device or resource busy): chain ${c.name}`, 4);
      if (cmd.chain === undefined) {
        for (const c of table.chains.filter((x) => !x.builtin)) {
          if (c.rules.length > 0 || table.chains.some((o) => o.builtin && o.rules.some((r) => r.target?.name === c.name))) return busy(c);
        }
        table.chains = table.chains.filter((c) => c.builtin);
        return { ok: true };
      }
      const ch = lookupChain(table, cmd.chain);
      if (ch === undefined) return fail(`no user chain named ${cmd.chain}`, NO_CHAIN.tool);
      if (ch.builtin || ch.rules.length > 0 || referenced(table, ch.name)) return busy(ch);
      table.chains = table.chains.filter((c) => c !== ch);
      return { ok: true };
    }
    case 'policy': {
      const name = cmd.chain ?? '';
      if (!isBuiltinChain(table, name)) return fail(`${name} is not a built-in chain`, 'iptables: Bad built-in chain name.');
      if (cmd.arg2 !== 'ACCEPT' && cmd.arg2 !== 'DROP') return fail(`policy must be ACCEPT or DROP, not ${cmd.arg2 ?? ''}`, "iptables: Bad policy name. Run `dmesg' for more information.");
      const ch = chainFor(table, name)!;
      ch.policy = cmd.arg2;
      return { ok: true };
    }
    case 'rename-chain': {
      const ch = lookupChain(table, cmd.chain ?? '');
      if (ch === undefined || ch.builtin) return fail(`no user chain named ${cmd.chain ?? ''}`, NO_CHAIN.tool);
      const to = cmd.arg2 ?? '';
      if (lookupChain(table, to) !== undefined || isBuiltinChain(table, to)) return fail(`chain ${to} already exists`, 'iptables: File exists.');
      for (const c of table.chains) {
        for (let k = 0; k < c.rules.length; k++) {
          const r = c.rules[k]!;
          if (r.target?.name !== ch.name) continue;
          const copy = cloneRule(r);
          copy.target!.name = to;
          c.rules[k] = copy;
        }
      }
      const idx = indexOf(table.chains);
      idx?.delete(ch.name);
      ch.name = to;
      idx?.set(to, ch);
      return { ok: true };
    }
    case 'list':
    case 'list-rules':
      return { ok: true };
  }
}
