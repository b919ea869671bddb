import { describe, expect, it } from 'vitest';
import { compileRuleset, ConntrackTable, kernelProbability, sampleOutcomes, tracePacket, UnsupportedRuleError, type NodeDescription } from '../../../core/engine/packet/index.js';
import { fixture, save } from './helpers.js';

const node: NodeDescription = {
  name: 'node-1',
  addresses: ['192.168.49.2/24'],
  podCIDR: '10.244.0.0/24',
  pods: [{ name: 'nginx-1', namespace: 'default', ip: '10.244.0.11' }],
  peers: [{ name: 'node-2', ip: '192.168.49.3', podCIDR: '10.244.1.0/24' }],
  listeners: [{ proto: 'tcp', port: 22, process: 'sshd' }],
};
const nginx = fixture('nodeport-nginx.rules');
const toNodePort = { ingress: 'external', proto: 'tcp', src: '203.0.113.5', sport: 51000, dst: '192.168.49.2', dport: 30450 } as const;

describe('a NodePort packet from outside', () => {
  const t = tracePacket(nginx, node, toNodePort, { seed: 7 });

  it('walks PREROUTING, FORWARD, POSTROUTING in kernel order', () => {
    expect(t.hooks).toEqual(['PREROUTING', 'FORWARD', 'POSTROUTING']);
    expect(t.steps[0]).toMatchObject({ hook: 'PREROUTING', table: 'nat', chain: 'PREROUTING', ruleNumber: 1, matched: true, action: 'jump KUBE-SERVICES' });
  });

  it('reports every rule evaluated, matched or not, in iptables-save form', () => {
    const clusterIpRule = t.steps.find((s) => s.chain === 'KUBE-SERVICES' && s.ruleNumber === 1)!;
    expect(clusterIpRule.matched).toBe(false);
    expect(clusterIpRule.rule).toBe('-A KUBE-SERVICES -d 10.96.237.3/32 -p tcp -m comment --comment "default/nginx cluster IP" -m tcp --dport 80 -j KUBE-SVC-GHSLGKVXVBRM4GZX');
    expect(t.steps.filter((s) => s.chain === 'KUBE-MARK-MASQ')).toEqual([
      { hook: 'PREROUTING', table: 'nat', chain: 'KUBE-MARK-MASQ', ruleNumber: 1, rule: '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000', matched: true, action: 'MARK set-xmark 0x4000/0x4000 → mark 0x4000' },
    ]);
  });

  it('is DNATed to an endpoint and masqueraded by the mark', () => {
    expect(['10.244.0.11:80', '10.244.1.7:80']).toContain(t.dnatTo);
    expect(t.masquerade).toBe(true);
    expect(t.verdict).toBe('ACCEPT');
    expect(t.mark).toBe(0);
  });

  it('gives each endpoint its exact probability, and MASQUERADE picks the outgoing interface address', () => {
    expect(t.outcomes.map((o) => [o.key, o.probability, o.snatTo])).toEqual([
      ['forward 10.244.1.7:80 via eth0 (node node-2)', 0.5, '192.168.49.2:51000'],
      ['pod 10.244.0.11:80', 0.5, '10.244.0.1:51000'],
    ]);
  });

  it('leaves a conntrack entry in conntrack -L form', () => {
    const line = t.conntrack!.line;
    const reply = t.dnatTo === '10.244.0.11:80' ? 'src=10.244.0.11 dst=10.244.0.1 sport=80 dport=51000' : 'src=10.244.1.7 dst=192.168.49.2 sport=80 dport=51000';
    expect(line).toBe(`tcp      6 119 SYN_SENT src=203.0.113.5 dst=192.168.49.2 sport=51000 dport=30450 [UNREPLIED] ${reply} mark=0 use=1`);
  });

  it('is reproducible from the seed', () => {
    const again = tracePacket(nginx, node, toNodePort, { seed: 7 });
    expect(again.dnatTo).toBe(t.dnatTo);
    const seen = new Set([1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12].map((seed) => tracePacket(nginx, node, toNodePort, { seed }).dnatTo));
    expect(seen).toEqual(new Set(['10.244.0.11:80', '10.244.1.7:80']));
  });
});

describe('conntrack across packets', () => {
  it('NATs only the first packet; later packets follow the entry without the nat table', () => {
    const ct = new ConntrackTable();
    const first = tracePacket(nginx, node, toNodePort, { conntrack: ct, seed: 1 });
    const later = tracePacket(nginx, node, toNodePort, { conntrack: ct, seed: 99 });
    expect(later.dnatTo).toBe(first.dnatTo);
    expect(later.steps.some((s) => s.table === 'nat')).toBe(false);
    expect(later.notes.join(' ')).toContain('the nat table is not consulted');
    expect(ct.list()).toHaveLength(1);
  });

  it('un-NATs the reply and then shows the connection ESTABLISHED and ASSURED', () => {
    const ct = new ConntrackTable();
    const first = tracePacket(nginx, node, toNodePort, { conntrack: ct, seed: 3 });
    expect(first.dnatTo).toBe('10.244.0.11:80');
    const reply = tracePacket(nginx, node, { ingress: 'pod', proto: 'tcp', src: '10.244.0.11', sport: 80, dst: '10.244.0.1', dport: 51000 }, { conntrack: ct });
    expect(reply.ctState).toBe('ESTABLISHED');
    expect(reply.hooks).toEqual(['PREROUTING', 'FORWARD', 'POSTROUTING']);
    expect(reply.dnatTo).toBe('203.0.113.5:51000');
    expect(reply.snatTo).toBe('192.168.49.2:30450');
    expect(reply.delivery).toEqual({ kind: 'forward', via: 'eth0', to: '203.0.113.5', port: 51000 });
    const ack = tracePacket(nginx, node, toNodePort, { conntrack: ct });
    expect(ack.conntrack!.line).toBe(
      'tcp      6 431999 ESTABLISHED src=203.0.113.5 dst=192.168.49.2 sport=51000 dport=30450 src=10.244.0.11 dst=10.244.0.1 sport=80 dport=51000 [ASSURED] mark=0 use=1',
    );
    expect(ct.format()).toEqual([ack.conntrack!.line]);
  });

  it('complete(id) leaves what a finished curl leaves: ESTABLISHED, ASSURED, 5 days', () => {
    const ct = new ConntrackTable();
    const t = tracePacket(nginx, node, toNodePort, { conntrack: ct, seed: 3 });
    ct.complete(t.conntrack!.id);
    expect(ct.format()).toEqual([
      'tcp      6 431999 ESTABLISHED src=203.0.113.5 dst=192.168.49.2 sport=51000 dport=30450 src=10.244.0.11 dst=10.244.0.1 sport=80 dport=51000 [ASSURED] mark=0 use=1',
    ]);
  });

  it('forgets entries when their timeout passes', () => {
    const ct = new ConntrackTable();
    tracePacket(nginx, node, { ...toNodePort, proto: 'udp', dport: 53 }, { conntrack: ct });
    expect(ct.format()[0]).toMatch(/^udp      17 29 src=203\.0\.113\.5 dst=192\.168\.49\.2 sport=51000 dport=53 \[UNREPLIED\] src=192\.168\.49\.2 dst=203\.0\.113\.5 sport=53 dport=51000 mark=0 use=1$/);
    ct.advance(30);
    expect(ct.list()).toEqual([]);
  });
});

describe('locally generated packets', () => {
  const local = { ingress: 'node', proto: 'tcp', src: '127.0.0.1', sport: 43000, dst: '127.0.0.1', dport: 30450 } as const;

  it('curl localhost:NodePort is dropped at the re-route when route_localnet=0', () => {
    const t = tracePacket(nginx, node, local, { seed: 3 });
    expect(t.hooks).toEqual(['OUTPUT']);
    expect(t.verdict).toBe('DROP');
    expect(t.delivery).toMatchObject({ kind: 'dropped', hook: 'OUTPUT', table: 'nat' });
    expect(t.notes.join(' ')).toContain('route_localnet=0');
  });

  it('with route_localnet=1 it is DNATed and masqueraded (kube-proxy marks it)', () => {
    const t = tracePacket(nginx, { ...node, routeLocalnet: true }, local, { seed: 3 });
    expect(t.hooks).toEqual(['OUTPUT', 'POSTROUTING']);
    expect(t.dnatTo).toBe('10.244.0.11:80');
    expect(t.masquerade).toBe(true);
    expect(t.snatTo).toBe('10.244.0.1:43000');
    expect(t.delivery).toEqual({ kind: 'pod', pod: 'default/nginx-1', ip: '10.244.0.11', port: 80 });
  });

  it('MASQUERADE out of lo keeps the node address (127.0.0.1 is host scope, the kernel picks a global address)', () => {
    const rs = save({ nat: ['-A POSTROUTING -o lo -j MASQUERADE'] });
    const t = tracePacket(rs, node, { ingress: 'node', proto: 'tcp', src: '192.168.49.2', sport: 41000, dst: '192.168.49.2', dport: 22 });
    expect(t.masquerade).toBe(true);
    expect(t.snatTo).toBeNull();
    expect(t.delivery).toEqual({ kind: 'local', address: '192.168.49.2', port: 22, process: 'sshd' });
  });

  it('MASQUERADE picks the interface address in the next hop\'s subnet', () => {
    const two: NodeDescription = { name: 'n', addresses: ['192.168.0.2/24', '192.168.1.2/24'], peers: [{ name: 'b', ip: '192.168.1.9', podCIDR: '10.9.0.0/24' }] };
    const rs = save({ nat: ['-A POSTROUTING -j MASQUERADE'] });
    expect(tracePacket(rs, two, { ingress: 'pod', proto: 'tcp', src: '10.1.0.5', sport: 1, dst: '10.9.0.7', dport: 80 }).snatTo).toBe('192.168.1.2:1');
    expect(tracePacket(rs, two, { ingress: 'pod', proto: 'tcp', src: '10.1.0.5', sport: 1, dst: '8.8.8.8', dport: 80 }).snatTo).toBe('192.168.0.2:1');
  });

  it('a packet to a local port loops back through PREROUTING and INPUT without the nat table again', () => {
    const t = tracePacket(nginx, node, { ...local, dport: 22 });
    expect(t.hooks).toEqual(['OUTPUT', 'POSTROUTING', 'PREROUTING', 'INPUT']);
    expect(t.steps.filter((s) => s.hook === 'PREROUTING' && s.table === 'nat')).toEqual([]);
    expect(t.delivery).toEqual({ kind: 'local', address: '127.0.0.1', port: 22, process: 'sshd' });
  });
});

describe('chains and targets', () => {
  const n: NodeDescription = { name: 'n', addresses: ['10.0.0.1/24'] };
  const pkt = { ingress: 'external', proto: 'tcp', src: '10.0.0.9', sport: 1234, dst: '10.0.0.1', dport: 80 } as const;

  it('RETURN goes back to the caller; -g does not come back to the chain that jumped', () => {
    const rs = save({
      filter: ['-A INPUT -j A', '-A INPUT -j DROP', '-A A -g B', '-A A -j ACCEPT', '-A B -j RETURN', '-A B -j ACCEPT'],
    });
    const t = tracePacket(rs, n, pkt);
    expect(t.steps.map((s) => `${s.chain}#${s.ruleNumber} ${s.matched ? s.action : '-'}`)).toEqual([
      'INPUT#1 jump A',
      'A#1 goto B',
      'B#1 RETURN',
      'INPUT#2 DROP',
    ]);
    expect(t.delivery).toEqual({ kind: 'dropped', hook: 'INPUT', chain: 'INPUT', table: 'filter' });
  });

  it('falling off a built-in chain applies its policy, reported as rule 0', () => {
    const rs = save({ filter: ['-A INPUT -p udp -j ACCEPT'] }, { 'filter/INPUT': 'DROP' });
    const t = tracePacket(rs, n, pkt);
    expect(t.steps.at(-1)).toEqual({ hook: 'INPUT', table: 'filter', chain: 'INPUT', ruleNumber: 0, rule: ':INPUT DROP', matched: true, action: 'policy DROP' });
    expect(t.verdict).toBe('DROP');
  });

  it('REJECT says how it rejects', () => {
    const rs = save({ filter: ['-A INPUT -p tcp -m tcp --dport 80 -j REJECT --reject-with tcp-reset'] });
    const t = tracePacket(rs, n, pkt);
    expect(t.verdict).toBe('REJECT');
    expect(t.delivery).toEqual({ kind: 'rejected', hook: 'INPUT', chain: 'INPUT', with: 'tcp-reset', table: 'filter' });
    expect(t.outcomes).toEqual([expect.objectContaining({ key: 'rejected in INPUT (INPUT) with tcp-reset', probability: 1, verdict: 'REJECT' })]);
  });

  it('matches ports, multiport ranges, negations and marks', () => {
    const rs = save({
      mangle: ['-A PREROUTING -p tcp -m multiport --dports 22,70:90 -j MARK --set-xmark 0x10/0xff'],
      filter: ['-A INPUT ! -s 10.0.0.0/24 -j DROP', '-A INPUT -m mark ! --mark 0x10/0xff -j DROP', '-A INPUT -p tcp -m tcp --sport 1000:2000 -j ACCEPT'],
    });
    const t = tracePacket(rs, n, pkt);
    expect(t.mark).toBe(0x10);
    expect(t.steps.map((s) => `${s.table}/${s.chain}#${s.ruleNumber} ${s.matched}`)).toEqual([
      'mangle/PREROUTING#1 true',
      'mangle/PREROUTING#0 true',
      'mangle/INPUT#0 true',
      'filter/INPUT#1 false',
      'filter/INPUT#2 false',
      'filter/INPUT#3 true',
    ]);
    expect(t.verdict).toBe('ACCEPT');
  });

  it('addrtype LOCAL honours --limit-iface-in', () => {
    const rs = save({ filter: ['-A INPUT -m addrtype --dst-type LOCAL --limit-iface-in -j ACCEPT', '-A INPUT -j DROP'] });
    expect(tracePacket(rs, n, pkt).verdict).toBe('ACCEPT');
    const viaLo = tracePacket(rs, n, { ...pkt, inIface: 'lo' });
    expect(viaLo.verdict).toBe('DROP');
  });

  it('ctstate DNAT is set once the packet has been DNATed', () => {
    const rs = save({
      nat: ['-A PREROUTING -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.0.0.1:8080'],
      filter: ['-A INPUT -m conntrack --ctstate DNAT --ctorigdst 10.0.0.1/32 -j ACCEPT', '-A INPUT -j DROP'],
    });
    const t = tracePacket(rs, n, pkt);
    expect(t.dnatTo).toBe('10.0.0.1:8080');
    expect(t.verdict).toBe('ACCEPT');
    expect(t.delivery).toEqual({ kind: 'local', address: '10.0.0.1', port: 8080 });
  });

  it('NOTRACK in raw keeps the packet out of conntrack and the nat table', () => {
    const rs = save({ raw: ['-A PREROUTING -j NOTRACK'], nat: ['-A PREROUTING -j DNAT --to-destination 10.0.0.7'] });
    const t = tracePacket(rs, n, pkt);
    expect(t.ctState).toBe('UNTRACKED');
    expect(t.dnatTo).toBeNull();
    expect(t.conntrack).toBeNull();
  });

  it('a rule after CT --notrack in raw already sees ctstate UNTRACKED (before it, no state: INVALID)', () => {
    // Found by the kernel differential fuzz run (seed 286547564): the kernel attaches the template at once.
    const rs = save({
      raw: [
        '-A PREROUTING -m conntrack --ctstate INVALID -j MARK --set-xmark 0x1/0x1',
        '-A PREROUTING -j CT --notrack',
        '-A PREROUTING -m conntrack --ctstate UNTRACKED -j MARK --set-xmark 0x2/0x2',
      ],
    });
    const t = tracePacket(rs, n, pkt);
    expect(t.steps.filter((x) => x.table === 'raw' && x.ruleNumber > 0).map((x) => x.matched)).toEqual([true, true, true]);
    expect(t.mark).toBe(0x3);
  });

  it('REDIRECT sends the packet to the incoming interface address', () => {
    const rs = save({ nat: ['-A PREROUTING -p tcp -j REDIRECT --to-ports 15001'] });
    const t = tracePacket(rs, n, pkt);
    expect(t.dnatTo).toBe('10.0.0.1:15001');
  });

  it('recent --set then --rcheck --seconds sees the earlier packet within the window only', () => {
    const rs = save({ filter: ['-A INPUT -m recent --rcheck --seconds 10 --name seen -j DROP', '-A INPUT -m recent --set --name seen -j ACCEPT'] });
    const ct = new ConntrackTable();
    expect(tracePacket(rs, n, pkt, { conntrack: ct }).verdict).toBe('ACCEPT');
    ct.advance(5);
    expect(tracePacket(rs, n, { ...pkt, sport: 1235 }, { conntrack: ct }).verdict).toBe('DROP');
    ct.advance(20);
    expect(tracePacket(rs, n, { ...pkt, sport: 1236 }, { conntrack: ct }).verdict).toBe('ACCEPT');
  });

  it('statistic nth matches one packet in every N, counted across packets', () => {
    const rs = save({ filter: ['-A INPUT -m statistic --mode nth --every 3 --packet 0 -j DROP'] });
    const ct = new ConntrackTable();
    const verdicts = [0, 1, 2, 3, 4, 5].map((i) => tracePacket(rs, n, { ...pkt, sport: 2000 + i }, { conntrack: ct }).verdict);
    expect(verdicts).toEqual(['DROP', 'ACCEPT', 'ACCEPT', 'DROP', 'ACCEPT', 'ACCEPT']);
    const outcomes = tracePacket(rs, n, pkt).outcomes;
    expect(outcomes.map((o) => o.verdict)).toEqual(['ACCEPT', 'DROP']);
    expect(outcomes[0]!.probability).toBeCloseTo(2 / 3, 12);
    expect(outcomes[1]!.probability).toBeCloseTo(1 / 3, 12);
  });
});

describe('statistic probabilities', () => {
  const three = save({
    nat: [
      '-A PREROUTING -m statistic --mode random --probability 0.33333333349 -j DNAT --to-destination 10.1.0.1:80',
      '-A PREROUTING -m statistic --mode random --probability 0.50000000000 -j DNAT --to-destination 10.1.0.2:80',
      '-A PREROUTING -j DNAT --to-destination 10.1.0.3:80',
    ],
  });
  const n: NodeDescription = { name: 'n', addresses: ['10.0.0.1/24'] };
  const pkt = { ingress: 'external', proto: 'tcp', src: '10.0.0.9', dst: '10.96.0.10', dport: 80 } as const;

  it('uses the 31-bit fixed point value the kernel stores', () => {
    expect(kernelProbability(0.33333333349)).toBe(715827883 / 2 ** 31);
    expect(kernelProbability(0.5)).toBe(0.5);
  });

  it('computes each endpoint\'s exact probability (not sampled)', () => {
    const t = tracePacket(three, n, pkt);
    const p1 = 715827883 / 2 ** 31;
    expect(t.outcomes.map((o) => [o.dnatTo, o.probability])).toEqual([
      ['10.1.0.1:80', p1],
      ['10.1.0.2:80', (1 - p1) / 2],
      ['10.1.0.3:80', (1 - p1) / 2],
    ]);
    expect(t.outcomes.reduce((a, o) => a + o.probability, 0)).toBeCloseTo(1, 12);
  });

  it('says so when the enumeration is cut short (more than 4096 branch combinations)', () => {
    const rs = save({ mangle: Array.from({ length: 13 }, (_, i) => `-A PREROUTING -m statistic --mode random --probability 0.5 -j MARK --or-mark 0x${(1 << i).toString(16)}`) });
    const t = tracePacket(rs, n, pkt);
    expect(t.outcomes).toHaveLength(1);
    expect(t.outcomes[0]!.probability).toBe(0.5);
    expect(t.notes).toContain('Outcome enumeration stopped after 4096 branch combinations of statistic rules: the outcomes listed cover 50.0000 % of packets.');
  });

  it('sampling is seeded and lands near the exact probabilities', () => {
    const a = sampleOutcomes(three, n, pkt, 30000, 42);
    const b = sampleOutcomes(three, n, pkt, 30000, 42);
    expect(a).toEqual(b);
    expect(a.outcomes.map((o) => o.key).sort()).toEqual(['forward 10.1.0.1:80 via eth0', 'forward 10.1.0.2:80 via eth0', 'forward 10.1.0.3:80 via eth0']);
    for (const o of a.outcomes) expect(Math.abs(o.fraction - o.probability)).toBeLessThan(0.015);
    expect(a.outcomes.reduce((s, o) => s + o.count, 0)).toBe(30000);
  });
});

describe('rules the engine cannot evaluate', () => {
  it('are all listed up front by compileRuleset(...).problems', () => {
    const rs = save({ filter: ['-A INPUT -p tcp -j ACCEPT', '-A FORWARD -m physdev --physdev-is-bridged -j ACCEPT', '-A OUTPUT -j TPROXY --on-port 1'] });
    expect(compileRuleset(rs).problems.map((p) => [p.line, p.object])).toEqual([
      [6, '-t filter FORWARD 1'],
      [7, '-t filter OUTPUT 1'],
    ]);
  });

  it('stop the trace with an error naming the rule and its line', () => {
    const rs = save({ filter: ['-A INPUT -p tcp -j ACCEPT', '-A FORWARD -m physdev --physdev-is-bridged -j ACCEPT'] });
    const n: NodeDescription = { name: 'n', addresses: ['10.0.0.1/24'] };
    expect(tracePacket(rs, n, { ingress: 'external', proto: 'tcp', src: '10.0.0.9', dst: '10.0.0.1', dport: 80 }).verdict).toBe('ACCEPT');
    let err: unknown;
    try {
      tracePacket(rs, n, { ingress: 'external', proto: 'tcp', src: '10.0.0.9', dst: '10.9.9.9', dport: 80 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnsupportedRuleError);
    const u = (err as UnsupportedRuleError).userError;
    expect(u.line).toBe(6);
    expect(u.message).toBe(
      '-m physdev is not modelled: bridge traffic is treated as routed (cni0 in and out) (rule 1 of chain FORWARD in table filter: -A FORWARD -m physdev --physdev-is-bridged -j ACCEPT)',
    );
    expect((err as UnsupportedRuleError).token).toBe('-m physdev');
  });
});

describe('other families and protocols', () => {
  it('IPv6: DNAT to [addr]:port and MASQUERADE with the interface\'s IPv6 address', () => {
    const n: NodeDescription = { name: 'n6', addresses: ['192.168.0.2/24', '2001:db8::1/64'], podCIDR: 'fd00:10::/64' };
    const rs = save({
      nat: ['-A PREROUTING -d fd00:172::1/128 -p tcp -m tcp --dport 80 -j DNAT --to-destination [fd00:20::5]:8080', '-A POSTROUTING -j MASQUERADE'],
    });
    const t = tracePacket(rs, n, { ingress: 'external', proto: 'tcp', src: '2600::9', sport: 1000, dst: 'fd00:172::1', dport: 80 });
    expect(t.dnatTo).toBe('[fd00:20::5]:8080');
    expect(t.snatTo).toBe('[2001:db8::1]:1000');
    expect(t.delivery).toEqual({ kind: 'forward', via: 'eth0', to: 'fd00:20::5', port: 8080 });
  });

  it('ICMP echo: --icmp-type matches and conntrack keys on the echo id', () => {
    const n: NodeDescription = { name: 'n', addresses: ['10.0.0.1/24'] };
    const rs = save({ filter: ['-A INPUT -p icmp -m icmp --icmp-type echo-request -j ACCEPT', '-A INPUT -p icmp -j DROP'] });
    const ct = new ConntrackTable();
    const t = tracePacket(rs, n, { ingress: 'external', proto: 'icmp', src: '10.0.0.9', sport: 7, dst: '10.0.0.1' }, { conntrack: ct });
    expect(t.verdict).toBe('ACCEPT');
    expect(t.conntrack!.line).toBe('icmp     1 29 src=10.0.0.9 dst=10.0.0.1 type=8 code=0 id=7 [UNREPLIED] src=10.0.0.1 dst=10.0.0.9 type=0 code=0 id=7 mark=0 use=1');
  });

  it('SNAT --to-source rewrites the source and the reply is un-SNATed', () => {
    const n: NodeDescription = { name: 'n', addresses: ['10.0.0.1/24', '198.51.100.1/24'] };
    const rs = save({ nat: ['-A POSTROUTING -s 10.0.0.0/24 -o eth0 -j SNAT --to-source 198.51.100.1'] });
    const ct = new ConntrackTable();
    const out = tracePacket(rs, n, { ingress: 'pod', proto: 'udp', src: '10.0.0.7', sport: 5353, dst: '8.8.8.8', dport: 53 }, { conntrack: ct });
    expect(out.snatTo).toBe('198.51.100.1:5353');
    expect(out.masquerade).toBe(false);
    const back = tracePacket(rs, n, { ingress: 'external', proto: 'udp', src: '8.8.8.8', sport: 53, dst: '198.51.100.1', dport: 5353 }, { conntrack: ct });
    expect(back.ctState).toBe('ESTABLISHED');
    expect(back.dnatTo).toBe('10.0.0.7:5353');
    expect(ct.format()[0]).toBe('udp      17 29 src=10.0.0.7 dst=8.8.8.8 sport=5353 dport=53 src=8.8.8.8 dst=198.51.100.1 sport=53 dport=5353 mark=0 use=1');
  });

  it('CONNMARK saves the packet mark on the connection and restores it on the next packet', () => {
    const n: NodeDescription = { name: 'n', addresses: ['10.0.0.1/24'] };
    const rs = save({
      mangle: ['-A PREROUTING -j CONNMARK --restore-mark', '-A PREROUTING -m mark --mark 0x0 -j MARK --set-xmark 0x7/0xffffffff', '-A PREROUTING -j CONNMARK --save-mark'],
    });
    const ct = new ConntrackTable();
    const pkt = { ingress: 'external', proto: 'tcp', src: '10.0.0.9', sport: 999, dst: '10.0.0.1', dport: 22 } as const;
    const first = tracePacket(rs, n, pkt, { conntrack: ct });
    expect(first.mark).toBe(7);
    expect(first.conntrack!.mark).toBe(7);
    const second = tracePacket(rs, n, pkt, { conntrack: ct });
    expect(second.steps.find((s) => s.ruleNumber === 1)!.action).toBe('CONNMARK restore → ctmark 0x7, mark 0x7');
    expect(second.steps.find((s) => s.ruleNumber === 2)!.matched).toBe(false);
  });
});

describe('the seed article: a process took the NodePort', () => {
  it('curl localhost:30450 still reaches the pod although python listens on 30450, because nat OUTPUT DNATs first', () => {
    const withPython: NodeDescription = { ...node, routeLocalnet: true, listeners: [{ proto: 'tcp', port: 30450, process: 'python' }] };
    const t = tracePacket(nginx, withPython, { ingress: 'node', proto: 'tcp', src: '127.0.0.1', sport: 50000, dst: '127.0.0.1', dport: 30450 }, { seed: 3 });
    expect(t.delivery).toEqual({ kind: 'pod', pod: 'default/nginx-1', ip: '10.244.0.11', port: 80 });
    expect(t.outcomes.every((o) => o.delivery.kind !== 'local')).toBe(true);
    expect(t.notes.some((n) => n.includes('715827883 / 2^31'))).toBe(true);
  });

  it('without the rules (flushed), the same curl reaches python', () => {
    const t = tracePacket(save({ nat: [] }), { ...node, listeners: [{ proto: 'tcp', port: 30450, process: 'python' }] }, { ingress: 'node', proto: 'tcp', src: '127.0.0.1', dst: '127.0.0.1', dport: 30450 });
    expect(t.delivery).toEqual({ kind: 'local', address: '127.0.0.1', port: 30450, process: 'python' });
  });
});
