import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createShell } from '../../../../core/lab/shell/index.js';
import { columnTable } from '../../../../core/lab/shell/commands/column.js';
import { parseIptablesSave } from '../../../../core/engine/iptables/index.js';
import { FakeHost, runLines } from './fake-host.js';

const fixture = (p: string): string => readFileSync(new URL(`../../../fixtures/${p}`, import.meta.url), 'utf8');

function seed003Host(user = 'root'): FakeHost {
  const host = new FakeHost({ user, now: Date.UTC(2022, 3, 4, 22, 19, 25) });
  const r = parseIptablesSave(fixture('iptables/seed003.save'));
  if (!r.ok) throw new Error(r.errors[0]!.message);
  host.setRuleset(4, r.value);
  return host;
}

describe('iptables through the node shell', () => {
  it('sudo iptables-save | grep nginx shows the service rules (seed 003)', async () => {
    const r = await runLines(createShell(seed003Host('lab')), 'sudo iptables-save | grep nginx');
    expect(r.out.split('\n').filter(Boolean)).toEqual([
      '-A KUBE-SEP-DSBJGVCOU4RGUKVK -s 10.244.3.38/32 -m comment --comment "default/my-nginx-svc" -j KUBE-MARK-MASQ',
      '-A KUBE-SEP-DSBJGVCOU4RGUKVK -p tcp -m comment --comment "default/my-nginx-svc" -m tcp -j DNAT --to-destination 10.244.3.38:80',
      '-A KUBE-SERVICES -d 10.98.69.149/32 -p tcp -m comment --comment "default/my-nginx-svc cluster IP" -m tcp --dport 3000 -j KUBE-SVC-NE3M6G7FP5C7DVRO',
      '-A KUBE-SVC-NE3M6G7FP5C7DVRO ! -s 10.244.0.0/16 -d 10.98.69.149/32 -p tcp -m comment --comment "default/my-nginx-svc cluster IP" -m tcp --dport 3000 -j KUBE-MARK-MASQ',
      '-A KUBE-SVC-NE3M6G7FP5C7DVRO -m comment --comment "default/my-nginx-svc" -j KUBE-SEP-DSBJGVCOU4RGUKVK',
    ]);
  });

  it('refuses a plain user without sudo, as iptables 1.8 (nf_tables) does', async () => {
    const r = await runLines(createShell(seed003Host('lab')), 'iptables -t nat -L');
    expect(r.err).toBe('iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)\n');
    expect(r.status).toBe(4);
  });

  it('iptables -t nat -L PREROUTING | column -t', async () => {
    const r = await runLines(createShell(seed003Host()), 'iptables -t nat -L PREROUTING | column -t');
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^Chain\s+PREROUTING\s+\(policy\s+ACCEPT\)/);
    expect(lines[1]).toMatch(/^target\s+prot\s+opt\s+source\s+destination/);
    expect(r.out).toMatch(/\nKUBE-SERVICES\s+all\s+--\s+anywhere\s+anywhere\s+\/\*\s+kubernetes\s+service\s+portals\s+\*\//);
  });

  it('a rule added with -A takes effect in the installed ruleset; -D removes it', async () => {
    const host = seed003Host();
    const shell = createShell(host);
    const r = await runLines(shell, 'iptables -A INPUT -p tcp --dport 9 -j DROP', 'iptables -S INPUT | tail -1');
    expect(r.out).toBe('-A INPUT -p tcp -m tcp --dport 9 -j DROP\n');
    const d = await runLines(shell, 'iptables -D INPUT -p tcp --dport 9 -j DROP && iptables -S INPUT | grep -c "dport 9"');
    expect(d.out).toBe('0\n');
    const bad = await runLines(shell, 'iptables -A NOPE -j ACCEPT');
    expect(bad.status).not.toBe(0);
    expect(bad.err).toMatch(/^iptables/);
  });

  it('iptables-restore reads a here-doc and installs it', async () => {
    const host = new FakeHost();
    const r = await runLines(createShell(host), 'iptables-restore <<EOF\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -s 10.0.0.1/32 -j DROP\nCOMMIT\nEOF', 'iptables -S');
    expect(r.err).toBe('');
    expect(r.out).toBe('-P INPUT ACCEPT\n-P FORWARD DROP\n-P OUTPUT ACCEPT\n-A INPUT -s 10.0.0.1/32 -j DROP\n');
  });
});

describe('column -t', () => {
  it('matches util-linux on the iptables listing fixture', () => {
    expect(columnTable(fixture('iptables/column-t/input.txt'))).toBe(fixture('iptables/column-t/expected.txt'));
  });
});
