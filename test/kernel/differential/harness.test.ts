// The harness itself: its readers on real monitor output, and the promise
// that every namespace goes away, also when the process is interrupted.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assertKernelPrerequisites, run, sweepStaleNamespaces } from '../helpers/topology.js';
import { parseConntrackEvent, parseMonitorLine, parseNftRuleset, visitsFromLines, type MonitorLine } from '../helpers/trace-monitor.js';
import { completeRuleset, parseCounters, untilItReturns, withTraceRules } from './kernel-harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const namespaces = (): string[] => run(['ip', 'netns', 'list']).stdout.split('\n').map((l) => l.split(' ')[0] ?? '').filter(Boolean);

describe('kernel harness readers', () => {
  it('reads PACKET and TRACE lines, including verdicts printed as numbers (-j RETURN is 0xfffffffb)', () => {
    const p = parseMonitorLine('PACKET: 2 30e83ed4 IN=eth0 OUT=cni0 MACSRC=82:b1 SRC=10.210.40.200 DST=10.244.0.5 LEN=60 SPORT=51472 DPORT=80 SYN MARK=0x4000 ');
    expect(p).toMatchObject({ kind: 'packet', traceId: '30e83ed4', fields: { IN: 'eth0', OUT: 'cni0', DST: '10.244.0.5', DPORT: '80', MARK: '0x4000' }, flags: ['SYN'] });
    expect(parseMonitorLine(' TRACE: 2 30e83ed4 nat:KUBE-SERVICES:rule:0xa:JUMP:KUBE-SVC-X  -4 -t nat -A KUBE-SERVICES -d 10.98.69.149/32 -j KUBE-SVC-X')).toMatchObject({
      table: 'nat', chain: 'KUBE-SERVICES', type: 'rule', handle: 10, verdict: 'JUMP', target: 'KUBE-SVC-X', ruleText: '-4 -t nat -A KUBE-SERVICES -d 10.98.69.149/32 -j KUBE-SVC-X',
    });
    expect(parseMonitorLine(' TRACE: 2 74cf6e17 filter:DOCKER-USER:rule:0x2d:0xfffffffb  -4 -t filter -A DOCKER-USER -j RETURN')).toMatchObject({ verdict: 'RETURN', handle: 0x2d });
    expect(parseMonitorLine(' TRACE: 2 19acfea9 nat:PREROUTING:policy:ACCEPT ')).toMatchObject({ type: 'policy', verdict: 'ACCEPT' });
    expect(parseMonitorLine('garbage')).toBeNull();
  });

  it('ends a probe\'s walk where the packet leaves on eth0: the LAN routing it back is a new arrival (seen in a 1.22 LoadBalancer case)', () => {
    const lines = [
      'PACKET: 2 78bf51c2 IN=eth0 MACSRC=22:29 SRC=198.51.100.9 DST=203.0.113.100 LEN=60 SPORT=25203 DPORT=80 SYN ',
      ' TRACE: 2 78bf51c2 nat:PREROUTING:policy:ACCEPT ',
      'PACKET: 2 78bf51c2 IN=eth0 OUT=eth0 MACSRC=22:29 SRC=198.51.100.9 DST=203.0.113.100 LEN=60 SPORT=25203 DPORT=80 SYN MARK=0xc000 ',
      ' TRACE: 2 78bf51c2 mangle:FORWARD:policy:ACCEPT ',
      'PACKET: 2 78bf51c2 IN=eth0 OUT=eth0 MACSRC=22:29 SRC=198.51.100.9 DST=203.0.113.100 LEN=60 SPORT=25203 DPORT=80 SYN MARK=0xc000 ',
      ' TRACE: 2 78bf51c2 nat:KUBE-POSTROUTING:rule:0x38:ACCEPT  -4 -t nat -A KUBE-POSTROUTING -j MASQUERADE --random-fully',
      // Back from the LAN with the masqueraded source: not the node's walk any more.
      'PACKET: 2 78bf51c2 IN=eth0 MACSRC=22:29 SRC=192.168.49.2 DST=203.0.113.100 LEN=60 SPORT=22915 DPORT=80 SYN ',
      ' TRACE: 2 78bf51c2 raw:PREROUTING:policy:ACCEPT ',
    ];
    expect(untilItReturns(lines)).toEqual(lines.slice(0, 6));
    // A packet that never left keeps its whole walk, and so does one that goes out on another link.
    expect(untilItReturns(lines.slice(0, 4))).toEqual(lines.slice(0, 4));
    const viaLo = ['PACKET: 2 1 OUT=lo SRC=127.0.0.1 DST=127.0.0.1 ', ' TRACE: 2 1 nat:OUTPUT:policy:ACCEPT ', 'PACKET: 2 1 IN=lo SRC=127.0.0.1 DST=127.0.0.1 ', ' TRACE: 2 1 filter:INPUT:policy:ACCEPT '];
    expect(untilItReturns(viaLo)).toEqual(viaLo);
  });

  it('numbers matched rules by position, without the test\'s own TRACE rules', () => {
    const listing = [
      'table ip raw { # handle 1',
      '\tchain PREROUTING { # handle 1',
      '\t\ttype filter hook prerouting priority raw; policy accept;',
      '\t\tmeta nftrace set 1 # handle 7',
      '\t\tip saddr 10.0.0.0/8 counter notrack # handle 9',
      '\t}',
      '}',
      'table ip nat { # handle 2',
      '\tchain KUBE-SVC-X { # handle 6',
      '\t\tip saddr != 10.244.0.0/16 counter jump KUBE-MARK-MASQ # handle 11',
      '\t\tmeta l4proto tcp counter dnat to 10.244.0.5:80 # handle 12',
      '\t}',
      '}',
    ].join('\n');
    const handles = parseNftRuleset(listing);
    expect(handles.get('nat')?.get('KUBE-SVC-X')).toEqual([11, 12]);
    const lines = [
      'PACKET: 2 1 IN=eth0 SRC=1.1.1.1 DST=10.96.0.1 SPORT=20001 DPORT=80 SYN',
      ' TRACE: 2 1 raw:PREROUTING:rule:0x7:CONTINUE  -4 -t raw -A PREROUTING -j TRACE',
      ' TRACE: 2 1 raw:PREROUTING:rule:0x9:ACCEPT  -4 -t raw -A PREROUTING -s 10.0.0.0/8 -j CT --notrack',
      'PACKET: 2 1 IN=eth0 SRC=1.1.1.1 DST=10.96.0.1 SPORT=20001 DPORT=80 SYN',
      ' TRACE: 2 1 nat:PREROUTING:policy:ACCEPT ',
    ].map(parseMonitorLine).filter((l): l is MonitorLine => l !== null);
    const visits = visitsFromLines(lines, handles, [{ table: 'raw', chain: 'PREROUTING', handle: 7 }]);
    expect(visits.map((v) => v.steps.map((s) => `${v.hook} ${s.table}/${s.chain}#${s.ruleNumber} ${s.verdict}`))).toEqual([
      ['PREROUTING raw/PREROUTING#1 ACCEPT'],
      ['PREROUTING nat/PREROUTING#0 ACCEPT'],
    ]);
  });

  it('reads the NAT result from a conntrack NEW event', () => {
    const e = parseConntrackEvent('    [NEW] tcp      6 120 SYN_SENT src=10.210.40.200 dst=10.98.69.149 sport=23641 dport=3000 [UNREPLIED] src=10.244.0.5 dst=10.244.0.1 sport=80 dport=54629');
    expect(e).toMatchObject({ proto: 'tcp', orig: { src: '10.210.40.200', dport: 3000 }, reply: { src: '10.244.0.5', sport: 80, dst: '10.244.0.1', dport: 54629 } });
  });

  it('completes a ruleset with every table and built-in chain, and puts TRACE rules first in raw', () => {
    const full = completeRuleset('*nat\n:KUBE-SERVICES - [0:0]\n-A PREROUTING -j KUBE-SERVICES\nCOMMIT\n*raw\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p udp -j CT --notrack\nCOMMIT\n');
    expect(full.split('\n').filter((l) => l.startsWith('*'))).toEqual(['*raw', '*mangle', '*nat', '*filter']);
    expect(full).toContain(':POSTROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]');
    const traced = withTraceRules(full).split('\n');
    const raw = traced.slice(traced.indexOf('*raw'), traced.indexOf('COMMIT'));
    const rules = raw.filter((l) => l.startsWith('-A'));
    expect(rules.slice(0, 4).every((l) => l.endsWith('-j TRACE'))).toBe(true);
    expect(rules[4]).toBe('-A PREROUTING -p udp -j CT --notrack');
    expect(parseCounters('*nat\n[3:180] -A PREROUTING -j KUBE-SERVICES\n[0:0] -A PREROUTING -j DOCKER\n').get('nat/PREROUTING#1')).toBe(3);
  });
});

describe('kernel harness cleanup', () => {
  it('sweeps namespaces left by a dead process', () => {
    assertKernelPrerequisites();
    // A pid that is not alive: the highest pid_max allows, rarely used.
    const dead = Number(run(['cat', '/proc/sys/kernel/pid_max']).stdout.trim()) - 1;
    const name = `chainlab-t-${dead}-1-node`;
    run(['ip', 'netns', 'add', name]);
    expect(sweepStaleNamespaces()).toContain(name);
    expect(namespaces()).not.toContain(name);
  });

  it('removes every namespace of a topology when its process gets SIGTERM', async () => {
    assertKernelPrerequisites();
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'interrupt-child.ts')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const ready = await new Promise<string[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child never built its topology: ${err}`)), 60_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /ready (.*)\n/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve((m[1] ?? '').split(' '));
        }
      });
    });
    expect(ready.length).toBeGreaterThanOrEqual(3);
    for (const ns of ready) expect(namespaces()).toContain(ns);
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
    const left = namespaces().filter((n) => ready.includes(n));
    if (left.length > 0) for (const ns of left) spawnSync('ip', ['netns', 'del', ns]);
    expect(left).toEqual([]);
  });
});
