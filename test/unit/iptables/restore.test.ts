import { describe, expect, it } from 'vitest';
import type { Ruleset } from '../../../core/engine/iptables/index.js';
import { applyRestore, runIptables, runIptablesRestore, runIptablesSave, saveRuleset } from '../../../core/engine/iptables/index.js';

const base = (): Ruleset => {
  const r = applyRestore({ tables: [] }, '*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n:KEEP - [0:0]\n-A PREROUTING -j KUBE-SERVICES\n-A KEEP -j RETURN\nCOMMIT\n', { noflush: false });
  if (!r.ok) throw new Error('setup');
  return r.value;
};
const TRY = "Try `iptables-restore -h' or 'iptables-restore --help' for more information.\n";

describe('iptables-restore semantics', () => {
  it('--noflush keeps chains the input does not mention, and flushes the ones it declares', () => {
    const r = applyRestore(base(), '*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -j RETURN\nCOMMIT\n', { noflush: true });
    expect(r.ok && saveRuleset(r.value)).toBe(
      '*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n:KEEP - [0:0]\n-A PREROUTING -j KUBE-SERVICES\n-A KUBE-SERVICES -j RETURN\n-A KEEP -j RETURN\nCOMMIT\n',
    );
  });

  it('without --noflush a table starts empty', () => {
    const r = applyRestore(base(), '*nat\n:KUBE-SERVICES - [0:0]\nCOMMIT\n', { noflush: false });
    expect(r.ok && saveRuleset(r.value)).toBe('*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\nCOMMIT\n');
  });

  it('leaves its input untouched', () => {
    const rs = base();
    const before = saveRuleset(rs);
    applyRestore(rs, '*nat\n-F\nCOMMIT\n', { noflush: true });
    expect(saveRuleset(rs)).toBe(before);
  });

  it('counters come from the text only with -c', () => {
    const text = '*filter\n:INPUT ACCEPT [7:700]\n[3:30] -A INPUT -j ACCEPT\nCOMMIT\n';
    const save = (argv: string[]): string => runIptablesSave(runIptablesRestore({ tables: [] }, text, argv).ruleset, ['-c'], { now: new Date(0) }).stdout;
    expect(save(['-c'])).toContain('\n*filter\n:INPUT ACCEPT [7:700]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n[3:30] -A INPUT -j ACCEPT\nCOMMIT\n');
    expect(save([])).toContain('\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n[0:0] -A INPUT -j ACCEPT\nCOMMIT\n');
  });
});

describe("runIptablesRestore: the real tool's errors (iptables-restore 1.8.9)", () => {
  const run = (text: string) => {
    const r = runIptablesRestore(base(), text, []);
    return { stderr: r.stderr, exitCode: r.exitCode };
  };
  it('a missing COMMIT', () => {
    expect(run('*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\n')).toEqual({ stderr: 'iptables-restore: COMMIT expected at line 4\n', exitCode: 1 });
  });
  it('an unknown chain', () => {
    expect(run('*filter\n-A NOPE -j ACCEPT\nCOMMIT\n')).toEqual({ stderr: 'iptables-restore: line 2 failed: No chain/target/match by that name.\n', exitCode: 1 });
  });
  it('a missing argument and a stray word', () => {
    expect(run('*filter\n-A INPUT -p tcp --dport\nCOMMIT\n')).toEqual({
      stderr: `iptables-restore v1.8.9 (nf_tables): option "--dport" requires an argument\nError occurred at line: 2\n${TRY}`,
      exitCode: 2,
    });
    expect(run('*filter\n-A INPUT -j ACCEPT extra\nCOMMIT\n')).toEqual({ stderr: `Bad argument \`extra'\nError occurred at line: 2\n${TRY}`, exitCode: 2 });
  });
  it('an invalid table name', () => {
    expect(run('*natt\nCOMMIT\n')).toEqual({
      stderr: `iptables-restore v1.8.9 (nf_tables): iptables-restore: line 1 table name 'natt' invalid\nError occurred at line: 1\n${TRY}`,
      exitCode: 2,
    });
  });
  it('accepts (and ignores) a policy on a user chain, as the real tool does', () => {
    expect(run('*filter\n:FOO ACCEPT [0:0]\nCOMMIT\n')).toEqual({ stderr: '', exitCode: 0 });
  });
});

describe('option arguments that look like bundled options (getopt, checked on iptables 1.8.9)', () => {
  it('--comment -ZL is a comment, as iptables-restore and iptables-save keep it', () => {
    const text = '*filter\n:X - [0:0]\n-A X -m comment --comment -ZL -j ACCEPT\nCOMMIT\n';
    const r = applyRestore({ tables: [] }, text, { noflush: false });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(saveRuleset(r.value)).toContain('-A X -m comment --comment -ZL -j ACCEPT\n');
  });

  it('a bundle in option position is still options: -nvL lists, and after -A it is refused as real iptables does', () => {
    const listed = runIptables(base(), ['-t', 'nat', '-nvL', 'KEEP']);
    expect(listed.exitCode).toBe(0);
    expect(listed.stdout).toMatch(/^Chain KEEP \(0 references\)\n pkts bytes target/);
    expect(applyRestore(base(), '*nat\n-A KEEP -j RETURN -nvL\nCOMMIT\n', { noflush: true }).ok).toBe(false);
  });
});
