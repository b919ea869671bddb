import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseIptablesSave } from '../../../core/engine/iptables/index.js';
import type { Ruleset } from '../../../core/engine/iptables/model.js';

export const FIXTURES = join(__dirname, '../../fixtures/packet');

/** Parses iptables-save text; fails the test with the codec's message if it does not parse. */
export function rules(text: string): Ruleset {
  const r = parseIptablesSave(text);
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.line}:${e.column}: ${e.message}`).join('\n'));
  return r.value;
}

export function fixture(name: string): Ruleset {
  return rules(readFileSync(join(FIXTURES, name), 'utf8'));
}

/** A minimal ruleset: the given tables' rules after their built-in chains (policy ACCEPT). */
export function save(tables: Record<string, string[]>, policies: Record<string, string> = {}): Ruleset {
  const builtin: Record<string, string[]> = {
    raw: ['PREROUTING', 'OUTPUT'],
    mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
    filter: ['INPUT', 'FORWARD', 'OUTPUT'],
    nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  };
  const out: string[] = [];
  for (const [table, lines] of Object.entries(tables)) {
    out.push(`*${table}`);
    for (const c of builtin[table]!) out.push(`:${c} ${policies[`${table}/${c}`] ?? 'ACCEPT'} [0:0]`);
    const user = new Set<string>();
    for (const l of lines) {
      const m = /^-A (\S+)/.exec(l);
      if (m && !builtin[table]!.includes(m[1]!)) user.add(m[1]!);
    }
    for (const u of user) out.push(`:${u} - [0:0]`);
    out.push(...lines, 'COMMIT');
  }
  return rules(out.join('\n') + '\n');
}
