// The codec and views against the real iptables 1.8.9 (nf_tables), live, in a
// network namespace: every corpus ruleset is loaded with iptables-restore and
// our canonicalisation, iptables-save, -L (all flag sets) and -S must print
// what the kernel's tools print; then a session of commands (including their
// errors and exit statuses) must leave the same ruleset. Also checks that the
// recorded golden files the unit tests read are still what the tools print.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatError } from '../../../core/engine/errors.js';
import type { Ruleset } from '../../../core/engine/iptables/index.js';
import { canonicalize, parseIptablesSave, runIptables, runIptablesSave, saveRuleset } from '../../../core/engine/iptables/index.js';
import { Netns, requireKernelPrerequisites } from '../helpers/netns.js';
import type { CommandOutcome } from './cases.js';
import { commandLines, corpusFiles, corpusText, GOLDEN_DIR, TABLES, VIEWS, withoutDates } from './cases.js';

// The kernel tier never skips: without root and the tools it fails here, loudly.
requireKernelPrerequisites();

function parsed(text: string): Ruleset {
  const r = parseIptablesSave(text);
  if (!r.ok) throw new Error(r.errors.map(formatError).join('\n'));
  return r.value;
}
const withoutComments = (rs: Ruleset): Ruleset => ({ tables: rs.tables.map((t) => ({ ...t, leadingComments: [], trailingComments: [] })) });

describe.each(corpusFiles())('%s against the kernel', (file) => {
  const base = file.replace(/\.rules$/, '');
  const text = corpusText(file);
  const rs = parsed(text);
  let ns: Netns;
  beforeAll(() => {
    ns = Netns.create('codec');
  });
  afterAll(() => ns.destroy());

  it('canonicalize equals iptables-save after iptables-restore', () => {
    ns.check('iptables-restore', [], text);
    const real = withoutDates(ns.check('iptables-save', []));
    expect(saveRuleset(withoutComments(canonicalize(rs)))).toBe(real);
    expect(real).toBe(readFileSync(new URL(`${base}/save.txt`, GOLDEN_DIR), 'utf8'));
  });

  it('iptables-save -c, every -L view and -S equal the real tools (loaded with -c)', () => {
    ns.check('iptables-restore', ['-c'], text);
    expect(withoutDates(runIptablesSave(rs, ['-c']).stdout)).toBe(withoutDates(ns.check('iptables-save', ['-c'])));
    for (const t of TABLES) {
      for (const v of VIEWS) {
        const args = ['-t', t, ...v];
        const real = ns.check('iptables', args);
        expect({ args, out: runIptables(rs, args).stdout }).toEqual({ args, out: real });
        expect(real).toBe(readFileSync(new URL(`${base}/${t}${v.join('')}.txt`, GOLDEN_DIR), 'utf8'));
      }
    }
  });
});

describe('a session of iptables commands against the kernel', () => {
  let ns: Netns;
  beforeAll(() => {
    ns = Netns.create('cmds');
  });
  afterAll(() => ns.destroy());

  it('gives the same output, errors and exit status at every step, and the same final ruleset', () => {
    const text = corpusText('kube-proxy-1.33.rules');
    ns.check('iptables-restore', [], text);
    let rs = parsed(text);
    for (const args of commandLines()) {
      const real = ns.exec('iptables', args);
      const ours = runIptables(rs, args);
      rs = ours.ruleset;
      const want: CommandOutcome = { args, stdout: real.stdout, stderr: real.stderr, exitCode: real.status };
      expect({ args, stdout: ours.stdout, stderr: ours.stderr, exitCode: ours.exitCode }).toEqual(want);
    }
    expect(saveRuleset(withoutComments(rs))).toBe(withoutDates(ns.check('iptables-save', [])));
  });
});

describe('ip6tables on a dual-stack (IPv6) ruleset against the kernel', () => {
  let ns: Netns;
  beforeAll(() => {
    ns = Netns.create('codec6');
  });
  afterAll(() => ns.destroy());

  it('ip6tables-save, -L views and -S equal the real ip6tables', () => {
    const text = readFileSync(new URL('../../fixtures/iptables/corpus6/dual-stack-v6.rules', import.meta.url), 'utf8');
    ns.check('ip6tables-restore', [], text);
    const rs = parsed(text);
    const hosts = { '127.0.0.1': 'localhost' };
    expect(withoutDates(runIptablesSave(rs, [], { ipv6: true }).stdout)).toBe(withoutDates(ns.check('ip6tables-save', [])));
    for (const t of ['filter', 'nat']) {
      for (const v of VIEWS) {
        const args = ['-t', t, ...v];
        expect({ args, out: runIptables(rs, args, { ipv6: true, hosts }).stdout }).toEqual({ args, out: ns.check('ip6tables', args) });
      }
    }
    const err = ns.exec('ip6tables', ['-A', 'NOPE', '-j', 'ACCEPT']);
    expect(runIptables(rs, ['-A', 'NOPE', '-j', 'ACCEPT'], { ipv6: true }).stderr).toBe(err.stderr);
  });
});
