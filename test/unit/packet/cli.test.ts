import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../core/host/cli/main.js';
import { FIXTURES } from './helpers.js';

async function cli(args: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(['trace', ...args], {
    stdout: (s) => void (out += s),
    stderr: (s) => void (err += s),
    readStdin: async () => stdin,
    env: {},
    cwd: FIXTURES,
  });
  return { code, out, err };
}

const base = ['--rules', 'nodeport-nginx.rules', '--node-ip', '192.168.49.2/24', '--pod-cidr', '10.244.0.0/24', '--cluster-cidr', '10.244.0.0/16'];
const external = [...base, '--from', 'external', '--src', '203.0.113.5', '--sport', '51000', '--dst', '192.168.49.2', '--dport', '30450'];

describe('chainlab trace', () => {
  it('prints a readable step list with the rewrites, verdict, conntrack entry and outcome probabilities', async () => {
    const r = await cli([...external, '--seed', '3']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toContain('Packet tcp 203.0.113.5:51000 → 192.168.49.2:30450 from outside the node (conntrack: NEW)');
    expect(r.out).toContain('\nPREROUTING\n');
    expect(r.out).toContain('    ✔ nat/KUBE-SEP-QXDNOBCCLOXLV7LV #2     -A KUBE-SEP-QXDNOBCCLOXLV7LV -p tcp -m comment --comment "default/nginx" -m tcp -j DNAT --to-destination 10.244.0.11:80\n        → DNAT to 10.244.0.11:80\n');
    expect(r.out).toContain('    · nat/KUBE-SERVICES #1 ');
    expect(r.out).toContain('Rewrites: destination → 10.244.0.11:80; source → 10.244.0.1:51000 (MASQUERADE)');
    expect(r.out).toContain('Verdict: ACCEPT — a pod on this node at 10.244.0.11:80');
    expect(r.out).toContain('Conntrack: tcp      6 119 SYN_SENT src=203.0.113.5 dst=192.168.49.2 sport=51000 dport=30450 [UNREPLIED] src=10.244.0.11 dst=10.244.0.1 sport=80 dport=51000 mark=0 use=1');
    expect(r.out).toContain('      50.0 %  forward 10.244.1.7:80 via eth0, masqueraded\n      50.0 %  pod 10.244.0.11:80, masqueraded\n');
    expect(r.out).not.toContain('\u001b[');
  });

  it('highlights matched rules with ANSI bold when asked', async () => {
    const r = await cli([...external, '--color']);
    expect(r.out).toContain('\u001b[1m    ✔ nat/PREROUTING #1');
    expect(r.out).toContain('\u001b[2m    · nat/KUBE-SERVICES #1');
  });

  it('--format json gives the trace fields', async () => {
    const r = await cli([...external, '--format', 'json', '--seed', '3']);
    const j = JSON.parse(r.out) as Record<string, unknown>;
    expect(Object.keys(j)).toEqual(expect.arrayContaining(['hooks', 'steps', 'verdict', 'dnatTo', 'masquerade', 'snatTo', 'mark', 'delivery', 'outcomes', 'conntrack']));
    expect(j.hooks).toEqual(['PREROUTING', 'FORWARD', 'POSTROUTING']);
    expect(j.dnatTo).toBe('10.244.0.11:80');
    expect(j.masquerade).toBe(true);
    expect((j.steps as { hook: string; table: string; chain: string; ruleNumber: number; rule: string; matched: boolean }[])[0]).toEqual({
      hook: 'PREROUTING',
      table: 'nat',
      chain: 'PREROUTING',
      ruleNumber: 1,
      rule: '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      matched: true,
      action: 'jump KUBE-SERVICES',
    });
  });

  it('--runs counts sampled outcomes next to the exact probabilities', async () => {
    const r = await cli([...external, '--runs', '2000', '--seed', '5']);
    expect(r.out).toMatch(/Sampled 2000 packets \(seed 5\):\n {2}\d{3,4} +\d+(\.\d+)? % {2}\(exact 50\.0 %\) {2}(pod 10\.244\.0\.11:80|forward 10\.244\.1\.7:80 via eth0)\n/);
    const j = JSON.parse((await cli([...external, '--runs', '2000', '--seed', '5', '--format', 'json'])).out) as { sampled: { runs: number; outcomes: { count: number }[] } };
    expect(j.sampled.runs).toBe(2000);
    expect(j.sampled.outcomes.reduce((a, o) => a + o.count, 0)).toBe(2000);
  });

  it('reads the rules from standard input with --rules -', async () => {
    const r = await cli(['--rules', '-', '--node-ip', '10.0.0.1/24', '--from', 'node', '--src', '10.0.0.1', '--dst', '10.0.0.1', '--dport', '22'], '*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Verdict: DROP — dropped by filter/INPUT in INPUT');
  });

  it('bad flags: a clear message, exit 2, nothing on stdout', async () => {
    for (const [args, message] of [
      [[...base, '--from', 'mars', '--src', '1.1.1.1', '--dst', '1.1.1.2', '--dport', '80'], "chainlab trace: --from must be external, pod or node, not 'mars'"],
      [[...base, '--from', 'external', '--src', '1.1.1', '--dst', '1.1.1.2', '--dport', '80'], "chainlab trace: --src '1.1.1' is not an IP address"],
      [[...base, '--from', 'external', '--src', '1.1.1.1', '--dst', '1.1.1.2', '--dport', '70000'], "chainlab trace: --dport '70000' is not a port (0-65535)"],
      [[...base, '--from', 'external', '--src', '1.1.1.1', '--dst', '1.1.1.2'], 'chainlab trace: --dport is required'],
      [[...base, '--bogus'], "chainlab trace: unknown flag '--bogus'"],
      [['--node-ip', '10.0.0.1/24'], 'chainlab trace: --rules is required'],
    ] as const) {
      const r = await cli([...args]);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err.split('\n')[0]).toBe(message);
    }
  });

  it('bad rules: FILE:line:col: message, exit 2, nothing on stdout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chainlab-trace-'));
    const bad = join(dir, 'bad.rules');
    writeFileSync(bad, '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport\nCOMMIT\n');
    const r = await cli(['--rules', bad, '--node-ip', '10.0.0.1/24', '--from', 'external', '--src', '10.0.0.9', '--dst', '10.0.0.1', '--dport', '80']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+: .+\\n$`));
  });

  it('a rule the engine cannot evaluate points at its line and column', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chainlab-trace-'));
    const file = join(dir, 'physdev.rules');
    writeFileSync(file, '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -m physdev --physdev-is-bridged -j ACCEPT\nCOMMIT\n');
    const r = await cli(['--rules', file, '--node-ip', '10.0.0.1/24', '--from', 'external', '--src', '10.0.0.9', '--dst', '10.9.0.1', '--dport', '80']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(
      `${file}:5:12: -t filter FORWARD 1: -m physdev is not modelled: bridge traffic is treated as routed (cni0 in and out) (rule 1 of chain FORWARD in table filter: -A FORWARD -m physdev --physdev-is-bridged -j ACCEPT)\n`,
    );
  });

  it('--matched-only leaves out the rules that did not match and says how many', async () => {
    const r = await cli([...external, '--matched-only']);
    expect(r.out).not.toContain(' · ');
    expect(r.out).toContain('    ✔ nat/KUBE-NODEPORTS #1');
    expect(r.out).toMatch(/Rules evaluated: \d+ \(\d+ that did not match are not shown\)/);
  });

  it('--help prints the usage', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: chainlab trace --rules FILE --node-ip CIDR');
  });
});
