// Writes the model as iptables-save text. The rule layout is the one
// iptables-save uses: core matches in the order -s -d -i -o -p -f, then each
// match module in order, then the target.

import type { ModuleOption, Negatable, Rule, Ruleset, TableName } from './model.js';

export interface SaveOptions {
  /** Print `[packets:bytes]` before each rule, as `iptables-save -c`. */
  counters?: boolean;
  /** Only these tables (in the ruleset's order). */
  tables?: TableName[];
}

/** A word as iptables-save writes a quoted argument: in double quotes, `"`, `'` and `\` escaped. */
export function quoteWord(s: string): string {
  // Most words (comments) have nothing to escape: skip the regex replace.
  if (s.indexOf('"') < 0 && s.indexOf("'") < 0 && s.indexOf('\\') < 0) return `"${s}"`;
  return `"${s.replace(/["'\\]/g, (c) => `\\${c}`)}"`;
}

function core(flag: string, v: Negatable<string> | undefined): string {
  if (v === undefined) return '';
  return v.invert ? ` ! ${flag} ${v.value}` : ` ${flag} ${v.value}`;
}

function options(opts: readonly ModuleOption[]): string {
  let s = '';
  for (const o of opts) {
    s += o.invert ? ` ! --${o.name}` : ` --${o.name}`;
    for (const a of o.args) s += ' ' + (o.quoted === true ? quoteWord(a) : a);
  }
  return s;
}

/** The rule's words after `-A CHAIN` (with a leading space when not empty). */
export function formatRuleSpec(rule: Rule): string {
  let s = core('-s', rule.source) + core('-d', rule.destination) + core('-i', rule.inInterface) +
    core('-o', rule.outInterface) + core('-p', rule.protocol);
  if (rule.fragment !== undefined) s += rule.fragment.invert ? ' ! -f' : ' -f';
  for (const m of rule.matches) s += ` -m ${m.name}${options(m.options)}`;
  if (rule.target !== undefined) {
    s += `${rule.target.kind === 'goto' ? ' -g' : ' -j'} ${rule.target.name}${options(rule.target.options)}`;
  }
  return s;
}

/** `-A CHAIN …`, the line iptables-save prints for this rule (without counters). */
export function formatRule(chain: string, rule: Rule): string {
  return `-A ${chain}${formatRuleSpec(rule)}`;
}

export function saveRuleset(rs: Ruleset, opts: SaveOptions = {}): string {
  const parts: string[] = [];
  for (const t of rs.tables) {
    if (opts.tables !== undefined && !opts.tables.includes(t.name)) continue;
    for (const c of t.leadingComments) parts.push(c, '\n');
    parts.push(`*${t.name}\n`);
    for (const ch of t.chains) {
      parts.push(`:${ch.name} ${ch.policy ?? '-'} [${ch.counters.packets}:${ch.counters.bytes}]\n`);
    }
    for (const ch of t.chains) {
      for (const r of ch.rules) {
        if (opts.counters === true) {
          const c = r.counters ?? { packets: 0, bytes: 0 };
          parts.push(`[${c.packets}:${c.bytes}] `);
        }
        parts.push(formatRule(ch.name, r), '\n');
      }
    }
    parts.push('COMMIT\n');
    for (const c of t.trailingComments) parts.push(c, '\n');
  }
  return parts.join('');
}
