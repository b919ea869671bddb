// The pure half of "verify with a real packet": the engine's predicted paths
// against counters, a conntrack entry and an answer, as sentences.
import { describe, expect, it } from 'vitest';
import { cloneRuleset, parseIptablesSave } from '../../../core/engine/iptables/index.js';
import type { Ruleset, TableName } from '../../../core/engine/iptables/model.js';
import type { NodeDescription, Packet } from '../../../core/engine/packet/types.js';
import { compareVerify, countedRules, diffCounters, parseConntrackLine, type Answer } from '../../../core/host/docker/verify-compare.js';
import { curlAnswer, predictPaths } from '../../../core/host/docker/verify.js';

const SAVE = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-NOISE - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-A - [0:0]
:KUBE-SEP-1 - [0:0]
:KUBE-SEP-2 - [0:0]
[0:0] -A PREROUTING -j KUBE-SERVICES
[0:0] -A INPUT -j KUBE-NOISE
[0:0] -A KUBE-NOISE -j RETURN
[0:0] -A KUBE-SERVICES -d 10.96.0.50/32 -p tcp -m tcp --dport 80 -j KUBE-SVC-A
[0:0] -A KUBE-SVC-A -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-1
[0:0] -A KUBE-SVC-A -j KUBE-SEP-2
[0:0] -A KUBE-SEP-1 -p tcp -m tcp -j DNAT --to-destination 10.244.1.5:80
[0:0] -A KUBE-SEP-2 -p tcp -m tcp -j DNAT --to-destination 10.244.2.5:80
COMMIT
`;

const node: NodeDescription = {
  name: 'k8s1',
  addresses: ['192.168.49.2/24'],
  podCIDR: '10.244.1.0/24',
  pods: [{ name: 'client', namespace: 'default', ip: '10.244.1.9' }, { name: 'web-1', namespace: 'default', ip: '10.244.1.5', listening: ['80/tcp'] }],
  peers: [{ name: 'k8s2', ip: '192.168.49.3', podCIDR: '10.244.2.0/24' }],
};
const packet: Packet = { ingress: 'pod', proto: 'tcp', src: '10.244.1.9', sport: 23456, dst: '10.96.0.50', dport: 80 };

function rules(): Ruleset {
  const r = parseIptablesSave(SAVE, { file: 'test' });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

/** The ruleset with these rules' packet counters raised by one: [table, chain, 1-based number]. */
function bumped(rs: Ruleset, hits: [TableName, string, number][]): Ruleset {
  const c = cloneRuleset(rs);
  for (const [t, ch, n] of hits) {
    const rule = c.tables.find((x) => x.name === t)!.chains.find((x) => x.name === ch)!.rules[n - 1]!;
    rule.counters = { packets: (rule.counters?.packets ?? 0) + 1, bytes: (rule.counters?.bytes ?? 0) + 60 };
  }
  return c;
}

const toSep2: [TableName, string, number][] = [['nat', 'PREROUTING', 1], ['nat', 'KUBE-SERVICES', 1], ['nat', 'KUBE-SVC-A', 2], ['nat', 'KUBE-SEP-2', 1]];
const ctTo = (ip: string): string => `tcp      6 118 TIME_WAIT src=10.244.1.9 dst=10.96.0.50 sport=23456 dport=80 src=${ip} dst=10.244.1.9 sport=80 dport=23456 [ASSURED] mark=0 use=1`;
const http200: Answer = { kind: 'reply', text: 'HTTP 200 (nginx/1.22.1)' };

function compare(hits: [TableName, string, number][], ct: string | null, answer: Answer) {
  const rs = rules();
  const { paths, outcomes } = predictPaths(rs, node, packet);
  return compareVerify({ proto: 'tcp', paths, outcomes, counters: diffCounters(countedRules(rs), countedRules(bumped(rs, hits))), conntrack: ct === null ? null : parseConntrackLine(ct), answer });
}

describe('verify: prediction against what the kernel did', () => {
  it('agrees when the kernel took one of the predicted paths; compares with that path, whatever its probability', () => {
    const c = compare(toSep2, ctTo('10.244.2.5'), http200);
    expect(c.disagreements).toEqual([]);
    expect(c.dnatTo).toBe('10.244.2.5:80');
    expect(c.snatTo).toBeNull();
    expect(c.path.trace.dnatTo).toBe('10.244.2.5:80');
    expect(c.path.probability).toBeCloseTo(0.5, 6);
    expect(c.rulesHit).toEqual([
      'nat -A PREROUTING -j KUBE-SERVICES',
      'nat -A KUBE-SERVICES -d 10.96.0.50/32 -p tcp -m tcp --dport 80 -j KUBE-SVC-A',
      'nat -A KUBE-SVC-A -j KUBE-SEP-2',
      'nat -A KUBE-SEP-2 -p tcp -m tcp -j DNAT --to-destination 10.244.2.5:80',
    ]);
  });

  it('leaves rises in chains the packet never walked out as other traffic, not as a disagreement', () => {
    const c = compare([...toSep2, ['nat', 'INPUT', 1], ['nat', 'KUBE-NOISE', 1]], ctTo('10.244.2.5'), http200);
    expect(c.disagreements).toEqual([]);
    expect(c.noise).toEqual(['nat -A INPUT -j KUBE-NOISE', 'nat -A KUBE-NOISE -j RETURN']);
    expect(c.rulesHit).not.toContain('nat -A INPUT -j KUBE-NOISE');
  });

  it('without a conntrack entry (a refused connection), takes the DNAT target from the DNAT rule that rose', () => {
    const c = compare(toSep2, null, { kind: 'refused', text: 'connection refused' });
    expect(c.dnatTo).toBe('10.244.2.5:80');
    expect(c.disagreements).toEqual([]);
    const none = compare([['nat', 'PREROUTING', 1], ['nat', 'KUBE-SERVICES', 1]], null, { kind: 'refused', text: 'connection refused' });
    expect(none.dnatTo).toBeNull();
    expect(none.disagreements).toContain('The prediction DNATs the packet (10.244.2.5:80 (50 %), 10.244.1.5:80 (50 %)), but the kernel did not rewrite its destination.');
  });

  it('reports a DNAT target that no predicted outcome has', () => {
    const c = compare(toSep2, ctTo('10.244.3.7'), http200);
    expect(c.disagreements).toEqual(['The kernel DNATed the packet to 10.244.3.7:80, which is none of the predicted outcomes: 10.244.2.5:80 (50 %), 10.244.1.5:80 (50 %).']);
  });

  it('reports a nat rule that rose and was not predicted, and a predicted one that did not rise', () => {
    // The counters say SEP-1, the entry says SEP-2: the comparison is made with the SEP-2 path.
    const c = compare([['nat', 'PREROUTING', 1], ['nat', 'KUBE-SERVICES', 1], ['nat', 'KUBE-SVC-A', 1], ['nat', 'KUBE-SEP-1', 1]], ctTo('10.244.2.5'), http200);
    expect(c.disagreements).toEqual([
      'The prediction matches nat rule `-A KUBE-SVC-A -j KUBE-SEP-2` (PREROUTING), but its packet counter did not rise.',
      'The prediction matches nat rule `-A KUBE-SEP-2 -p tcp -m tcp -j DNAT --to-destination 10.244.2.5:80` (PREROUTING), but its packet counter did not rise.',
      'The kernel matched nat rule `-A KUBE-SVC-A -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-1`, which the prediction does not match.',
      'The kernel matched nat rule `-A KUBE-SEP-1 -p tcp -m tcp -j DNAT --to-destination 10.244.1.5:80`, which the prediction does not match.',
    ]);
  });

  it('reports a packet the prediction lets through that got no answer, and an unexpected source rewrite', () => {
    const masq = ctTo('10.244.2.5').replace('dst=10.244.1.9 sport=80', 'dst=192.168.49.2 sport=80');
    const c = compare(toSep2, masq, { kind: 'timeout', seconds: 2 });
    expect(c.disagreements).toEqual([
      'The kernel rewrote the source to 192.168.49.2, which the prediction does not do.',
      'The prediction lets the packet through (forwarded to 10.244.2.5:80 via eth0), but the sender saw: timed out after 2 s.',
    ]);
  });

  it('says so when a chain was rewritten while the packet was in flight', () => {
    const rs = rules();
    const after = bumped(rs, toSep2);
    after.tables.find((t) => t.name === 'nat')!.chains.find((c) => c.name === 'KUBE-SEP-2')!.rules[0]!.counters = { packets: 0, bytes: 0 };
    const before = bumped(rs, [['nat', 'KUBE-SEP-2', 1], ['nat', 'KUBE-SEP-2', 1]]);
    const d = diffCounters(countedRules(before), countedRules(after));
    expect(d.rewritten).toEqual(['nat KUBE-SEP-2']);
  });
});

describe('verify: reading the kernel', () => {
  it('parses a conntrack line into both tuples', () => {
    expect(parseConntrackLine('udp      17 28 src=192.168.49.3 dst=10.96.0.10 sport=21000 dport=53 src=10.244.1.2 dst=192.168.49.3 sport=53 dport=21000 mark=0 use=1')).toEqual({
      line: 'udp      17 28 src=192.168.49.3 dst=10.96.0.10 sport=21000 dport=53 src=10.244.1.2 dst=192.168.49.3 sport=53 dport=21000 mark=0 use=1',
      proto: 'udp',
      orig: { src: '192.168.49.3', dst: '10.96.0.10', sport: 21000, dport: 53 },
      reply: { src: '10.244.1.2', dst: '192.168.49.3', sport: 53, dport: 21000 },
    });
    expect(parseConntrackLine('conntrack v1.4.7 (conntrack-tools): 0 flow entries have been shown.')).toBeNull();
  });

  it("reads curl's exit status as what the sender saw", () => {
    expect(curlAnswer(0, 'HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\n\r\n', '')).toEqual({ kind: 'reply', text: 'HTTP 200 (nginx/1.22.1)' });
    expect(curlAnswer(7, '', 'curl: (7) Failed to connect to 192.168.49.2 port 30450 after 0 ms: Couldn\'t connect to server: Connection refused')).toEqual({ kind: 'refused', text: 'connection refused' });
    expect(curlAnswer(28, '', 'curl: (28) Connection timed out after 2001 milliseconds')).toEqual({ kind: 'timeout', seconds: 2 });
    expect(() => curlAnswer(45, '', 'curl: (45) bind failed with errno 98: Address already in use')).toThrow(/curl could not send the packet \(exit 45\): bind failed/);
  });
});
