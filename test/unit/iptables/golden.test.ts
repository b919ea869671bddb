// Our views, iptables-save and command emulation against the real iptables
// 1.8.9 (nf_tables) outputs recorded in test/fixtures/iptables/golden (the
// kernel tier re-checks the same cases live).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatError } from '../../../core/engine/errors.js';
import type { Ruleset } from '../../../core/engine/iptables/index.js';
import { canonicalize, parseIptablesSave, runIptables, runIptablesSave, saveRuleset } from '../../../core/engine/iptables/index.js';
import type { CommandOutcome } from '../../kernel/codec/cases.js';
import { corpusFiles, corpusText, GOLDEN_DIR, TABLES, VIEWS, withoutDates } from '../../kernel/codec/cases.js';

const golden = (rel: string): string => readFileSync(new URL(rel, GOLDEN_DIR), 'utf8');

function parsed(text: string): Ruleset {
  const r = parseIptablesSave(text);
  if (!r.ok) throw new Error(r.errors.map(formatError).join('\n'));
  return r.value;
}

const withoutComments = (rs: Ruleset): Ruleset => ({ tables: rs.tables.map((t) => ({ ...t, leadingComments: [], trailingComments: [] })) });

describe.each(corpusFiles())('%s: same text as iptables 1.8.9', (file) => {
  const base = file.replace(/\.rules$/, '');
  const rs = parsed(corpusText(file));

  it('iptables-save after iptables-restore (canonicalize)', () => {
    expect(saveRuleset(withoutComments(canonicalize(rs)))).toBe(golden(`${base}/save.txt`));
  });

  it('iptables-save -c after iptables-restore -c', () => {
    expect(withoutDates(runIptablesSave(rs, ['-c']).stdout)).toBe(golden(`${base}/save-c.txt`));
  });

  for (const t of TABLES) {
    for (const v of VIEWS) {
      it(`iptables -t ${t} ${v.join(' ')}`, () => {
        const r = runIptables(rs, ['-t', t, ...v]);
        expect(r.stderr).toBe('');
        expect(r.stdout).toBe(golden(`${base}/${t}${v.join('')}.txt`));
      });
    }
  }
});

describe('a session of iptables commands on kube-proxy 1.33 rules', () => {
  const outcomes = JSON.parse(golden('commands.json')) as CommandOutcome[];
  let rs = parsed(corpusText('kube-proxy-1.33.rules'));
  const ours: CommandOutcome[] = [];
  for (const o of outcomes) {
    const r = runIptables(rs, o.args);
    rs = r.ruleset;
    ours.push({ args: o.args, stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode });
  }
  it.each(outcomes.map((o, i) => [o.args.join(' '), i] as const))('iptables %s', (_name, i) => {
    expect(ours[i]).toEqual(outcomes[i]);
  });
  it('leaves the ruleset iptables-save prints at the end', () => {
    expect(saveRuleset(withoutComments(rs))).toBe(golden('commands-final.save'));
  });
});
