// Our proxier's output for every Service shape (shapes-cluster.ts), on node-a,
// probed from outside, from a pod, from the node itself and from the other
// node; plus user rules layered on top (raw NOTRACK, mangle MARK/DROP, DROP in
// FORWARD before and after kube-proxy's rules, REDIRECT) and a foreign
// listener on a NodePort.
import { expect } from 'vitest';
import type { DiffCase } from './case.js';
import { EXTERNAL_IP, LB_IP, NODE_A, NODE_B, proxierRuleset } from './shapes-cluster.js';

const CNI0 = '10.244.1.1';
const WEB1 = 'pod 10.244.1.5:80';
const WEB2 = 'pod 10.244.1.6:80';
const WEB3 = 'forward 10.244.2.7:80';
const DNS = ['pod 10.244.1.10:53', 'forward 10.244.2.8:53'];
const EXT = '192.168.49.100';
const ALLOWED = '203.0.113.7';
const DENIED = '198.51.100.9';

let cached: string | null = null;
/** The proxier runs once per file; each case loads the same text. */
const rules = (): string => (cached ??= proxierRuleset('1.33'));

/** Adds user rules to one table of a ruleset: `-I CHAIN …` goes before the chain's first rule, `-A CHAIN …` after its last. */
export function withUserRules(base: string, table: string, lines: string[]): string {
  const text = base.split('\n').some((l) => l.trim() === `*${table}`) ? base : `${base.replace(/\n*$/, '\n')}*${table}\nCOMMIT\n`;
  const out = text.split('\n');
  const start = out.findIndex((l) => l.trim() === `*${table}`);
  const commitAt = (): number => out.findIndex((l, i) => i > start && l.trim() === 'COMMIT');
  for (const line of lines) {
    const [op, chain] = line.split(' ');
    const rule = line.replace(/^-I /, '-A ');
    if (!out.some((l, i) => i > start && i < commitAt() && l.startsWith(`:${chain} `))) out.splice(start + 1, 0, `:${chain} ACCEPT [0:0]`);
    const inChain = out.map((l, i) => (i > start && i < commitAt() && l.startsWith(`-A ${chain} `) ? i : -1)).filter((i) => i >= 0);
    if (op === '-I') out.splice(inChain[0] ?? commitAt(), 0, rule);
    else out.splice(commitAt(), 0, rule);
  }
  return out.join('\n');
}

const sameEndpointTwice = (k: { delivery: string }[]): void => {
  expect(k[1]?.delivery, 'ClientIP affinity: the second connection lands where the first did').toBe(k[0]?.delivery);
};

export const shapeCases: DiffCase[] = [
  // ClusterIP, one local endpoint
  { name: 'ClusterIP from a pod: DNAT to the local endpoint, no SNAT', ruleset: rules, probes: [{ from: 'client', proto: 'tcp', dst: '10.96.10.1', dport: 80, expect: { delivery: WEB1, snat: null, sender: 'connected' } }] },
  { name: 'ClusterIP from the node: KUBE-MARK-MASQ, MASQUERADE to the cni0 address', ruleset: rules, probes: [{ from: 'node', proto: 'tcp', dst: '10.96.10.1', dport: 80, expect: { delivery: WEB1, snat: CNI0, sender: 'connected' } }] },
  { name: 'ClusterIP from outside the cluster', ruleset: rules, probes: [{ from: 'ext', proto: 'tcp', dst: '10.96.10.1', dport: 80, expect: { delivery: WEB1, snat: CNI0, sender: 'connected' } }] },
  { name: 'ClusterIP from the other node', ruleset: rules, probes: [{ from: 'remote', proto: 'tcp', src: NODE_B, dst: '10.96.10.1', dport: 80, expect: { delivery: WEB1, snat: CNI0, sender: 'connected' } }] },
  { name: 'hairpin: a pod to its own Service is masqueraded (KUBE-SEP -s <pod> -j KUBE-MARK-MASQ)', ruleset: rules, probes: [{ from: 'web-1', proto: 'tcp', dst: '10.96.10.1', dport: 80, expect: { delivery: WEB1, snat: CNI0, sender: 'connected' } }] },
  // NodePort, eTP=Cluster, endpoints here and on node-b
  { name: 'NodePort from outside: one of two endpoints, masqueraded', ruleset: rules, probes: [{ from: 'ext', proto: 'tcp', dst: NODE_A, dport: 30080, expect: { delivery: [WEB2, WEB3], sender: 'connected' } }] },
  { name: 'NodePort from a pod to the node IP', ruleset: rules, probes: [{ from: 'client', proto: 'tcp', dst: NODE_A, dport: 30080, expect: { delivery: [WEB2, WEB3], sender: 'connected' } }] },
  { name: 'NodePort from the node to its own IP', ruleset: rules, probes: [{ from: 'node', proto: 'tcp', dst: NODE_A, dport: 30080, expect: { delivery: [WEB2, WEB3], sender: 'connected' } }] },
  { name: 'NodePort on the other node address from outside (not local here: forwarded untouched)', ruleset: rules, probes: [{ from: 'client', proto: 'tcp', dst: NODE_B, dport: 30080, expect: { delivery: `forward ${NODE_B}:30080`, snat: null } }] },
  { name: 'localhost NodePort with route_localnet=1 (curl 127.0.0.1:30080 on the node)', ruleset: rules, routeLocalnet: true, probes: [{ from: 'node', proto: 'tcp', src: '127.0.0.1', dst: '127.0.0.1', dport: 30080, expect: { delivery: [WEB2, WEB3], sender: 'connected' } }] },
  { name: 'localhost NodePort with route_localnet=0: DNAT happens, then routing refuses the 127.0.0.1 source', ruleset: rules, routeLocalnet: false, probes: [{ from: 'node', proto: 'tcp', src: '127.0.0.1', dst: '127.0.0.1', dport: 30080 }] },
  { name: 'ClusterIP of the NodePort Service from a pod', ruleset: rules, probes: [{ from: 'client', proto: 'tcp', dst: '10.96.10.2', dport: 80, expect: { delivery: [WEB2, WEB3], sender: 'connected' } }] },
  // LoadBalancer with loadBalancerSourceRanges 203.0.113.0/24
  { name: 'LoadBalancer IP from an allowed source range: KUBE-FW -> KUBE-EXT -> endpoint on node-b', ruleset: rules, probes: [{ from: 'ext', proto: 'tcp', src: ALLOWED, dst: LB_IP, dport: 80, expect: { delivery: WEB3, snat: NODE_A, sender: 'connected' } }] },
  { name: 'LoadBalancer IP from a denied source: no DNAT, KUBE-PROXY-FIREWALL drops it in FORWARD', ruleset: rules, probes: [{ from: 'ext', proto: 'tcp', src: DENIED, dst: LB_IP, dport: 80, expect: { delivery: 'dropped KUBE-PROXY-FIREWALL (FORWARD)' } }] },
  { name: 'the LoadBalancer Service NodePort ignores source ranges', ruleset: rules, probes: [{ from: 'ext', proto: 'tcp', src: DENIED, dst: NODE_A, dport: 30081, expect: { delivery: WEB3, snat: NODE_A, sender: 'connected' } }] },
  { name: 'LoadBalancer IP from a pod (outside the source ranges): dropped', ruleset: rules, probes: [{ from: 'client', proto: 'tcp', dst: LB_IP, dport: 80, expect: { delivery: 'dropped KUBE-PROXY-FIREWALL (FORWARD)' } }] },
  { name: 'LoadBalancer IP from the node itself: dropped in OUTPUT', ruleset: rules, probes: [{ from: 'node', proto: 'tcp', dst: LB_IP, dport: 80, expect: { delivery: 'dropped KUBE-PROXY-FIREWALL (OUTPUT)' } }] },
  // externalIPs
  { name: 'externalIP from outside: KUBE-EXT masquerades, DNAT to the endpoint', ruleset: rules, probes: [{ from: 'ext', proto: 'tcp', dst: EXTERNAL_IP, dport: 80, expect: { delivery: WEB1, snat: CNI0, sender: 'connected' } }] },
  { name: 'externalIP from a pod', ruleset: rules, probes: [{ from: 'client', proto: 'tcp', dst: EXTERNAL_IP, dport: 80, expect: { delivery: WEB1, snat: CNI0, sender: 'connected' } }] },
  { name: 'externalIP from the node', ruleset: rules, probes: [{ from: 'node', proto: 'tcp', dst: EXTERNAL_IP, dport: 80, expect: { delivery: WEB1, snat: CNI0, sender: 'connected' } }] },
  { name: 'externalIP on another port: not a Service, forwarded to the LAN untouched', ruleset: rules, probes: [{ from: 'client', proto: 'tcp', dst: EXTERNAL_IP, dport: 8080, expect: { delivery: `forward ${EXTERNAL_IP}:8080`, snat: null } }] },
  // externalTrafficPolicy=Local
  { name: 'eTP=Local NodePort from outside: only the local endpoint, client source kept', ruleset: rules, probes: [{ from: 'ext', proto: 'tcp', dst: NODE_A, dport: 30082, expect: { delivery: WEB1, snat: null, sender: 'connected' } }] },
  { name: 'eTP=Local NodePort from the node: masqueraded and sent to any endpoint (KUBE-SVC)', ruleset: rules, probes: [{ from: 'node', proto: 'tcp', dst: NODE_A, dport: 30082, expect: { delivery: [WEB1, WEB3], sender: 'connected' } }] },
  { name: 'eTP=Local NodePort from a pod: pod traffic goes to KUBE-SVC (any endpoint)', ruleset: rules, probes: [{ from: 'client', proto: 'tcp', dst: NODE_A, dport: 30082, expect: { delivery: [WEB1, WEB3], sender: 'connected' } }] },
  { name: 'eTP=Local ClusterIP from outside: cluster-wide, masqueraded', ruleset: rules, probes: [{ from: 'ext', proto: 'tcp', dst: '10.96.10.5', dport: 80, expect: { delivery: [WEB1, WEB3], sender: 'connected' } }] },
  { name: 'eTP=Local without local endpoints, from outside: KUBE-EXTERNAL-SERVICES drops it', ruleset: rules, probes: [{ from: 'ext', proto: 'tcp', dst: NODE_A, dport: 30083, expect: { delivery: 'dropped KUBE-EXTERNAL-SERVICES (INPUT)' } }] },
  { name: 'eTP=Local without local endpoints, from the node: routed to the remote endpoint', ruleset: rules, probes: [{ from: 'node', proto: 'tcp', dst: NODE_A, dport: 30083, expect: { delivery: WEB3, snat: NODE_A, sender: 'connected' } }] },
  // internalTrafficPolicy=Local
  { name: 'iTP=Local ClusterIP from a pod: the local endpoint only (KUBE-SVL)', ruleset: rules, probes: [{ from: 'client', proto: 'tcp', dst: '10.96.10.7', dport: 80, expect: { delivery: WEB2, snat: null, sender: 'connected' } }] },
  { name: 'iTP=Local ClusterIP from outside: still KUBE-SVL, masqueraded', ruleset: rules, probes: [{ from: 'ext', proto: 'tcp', dst: '10.96.10.7', dport: 80, expect: { delivery: WEB2, snat: CNI0, sender: 'connected' } }] },
  { name: 'iTP=Local without local endpoints, from a pod: "has no local endpoints" DROP in FORWARD', ruleset: rules, probes: [{ from: 'client', proto: 'tcp', dst: '10.96.10.11', dport: 80, expect: { delivery: 'dropped KUBE-SERVICES (FORWARD)' } }] },
  { name: 'iTP=Local without local endpoints, from the node: DROP in OUTPUT', ruleset: rules, probes: [{ from: 'node', proto: 'tcp', dst: '10.96.10.11', dport: 80, expect: { delivery: 'dropped KUBE-SERVICES (OUTPUT)' } }] },
  // ClientIP affinity: the second connection follows the `recent` list of the first
  {
    name: 'ClientIP affinity from a pod: the second connection goes to the same endpoint',
    ruleset: rules,
    probes: [
      { from: 'client', proto: 'tcp', dst: '10.96.10.8', dport: 80, expect: { delivery: [WEB1, WEB3], sender: 'connected' } },
      { from: 'client', proto: 'tcp', dst: '10.96.10.8', dport: 80, expect: { delivery: [WEB1, WEB3], sender: 'connected' } },
    ],
    verify: sameEndpointTwice,
  },
  {
    name: 'ClientIP affinity from outside: the second connection goes to the same endpoint',
    ruleset: rules,
    probes: [
      { from: 'ext', proto: 'tcp', dst: '10.96.10.8', dport: 80, expect: { delivery: [WEB1, WEB3], sender: 'connected' } },
      { from: 'ext', proto: 'tcp', dst: '10.96.10.8', dport: 80, expect: { delivery: [WEB1, WEB3], sender: 'connected' } },
    ],
    verify: sameEndpointTwice,
  },
  // no endpoints
  { name: 'no endpoints, ClusterIP from a pod: REJECT in filter KUBE-SERVICES (FORWARD), the client sees a refusal', ruleset: rules, probes: [{ from: 'client', proto: 'tcp', dst: '10.96.10.9', dport: 80, expect: { delivery: 'rejected KUBE-SERVICES (FORWARD)', sender: 'refused' } }] },
  { name: 'no endpoints, ClusterIP from the node: REJECT in OUTPUT', ruleset: rules, probes: [{ from: 'node', proto: 'tcp', dst: '10.96.10.9', dport: 80, expect: { delivery: 'rejected KUBE-SERVICES (OUTPUT)', sender: 'refused' } }] },
  { name: 'no endpoints, NodePort from outside: REJECT in KUBE-EXTERNAL-SERVICES (INPUT)', ruleset: rules, probes: [{ from: 'ext', proto: 'tcp', dst: NODE_A, dport: 30084, expect: { delivery: 'rejected KUBE-EXTERNAL-SERVICES (INPUT)', sender: 'refused' } }] },
  // UDP
  { name: 'DNS over UDP from a pod: one of two endpoints', ruleset: rules, probes: [{ from: 'client', proto: 'udp', dst: '10.96.0.10', dport: 53, expect: { delivery: DNS, sender: 'replied' } }] },
  { name: 'DNS over UDP from the node', ruleset: rules, probes: [{ from: 'node', proto: 'udp', dst: '10.96.0.10', dport: 53, expect: { delivery: DNS, sender: 'replied' } }] },
  // A foreign listener on a NodePort (seeds 000/001: python -m SimpleHTTPServer 30450 after kube-proxy died)
  { name: 'a foreign process listens on NodePort 30080: kube-proxy DNAT wins, the process never sees the connection', ruleset: rules, probes: [{ from: 'ext', proto: 'tcp', dst: NODE_A, dport: 30080, expect: { delivery: [WEB2, WEB3], sender: 'connected' } }] },
  {
    name: 'the same NodePort on a node without kube-proxy rules: the foreign process answers',
    ruleset: () => '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n',
    probes: [{ from: 'ext', proto: 'tcp', dst: NODE_A, dport: 30080, expect: { delivery: `local ${NODE_A}:30080`, snat: null, sender: 'connected' } }],
  },
  { name: 'localhost:30080 on the node with the foreign listener and kube-proxy rules (route_localnet=1): DNAT wins', ruleset: rules, routeLocalnet: true, probes: [{ from: 'node', proto: 'tcp', src: '127.0.0.1', dst: '127.0.0.1', dport: 30080, expect: { delivery: [WEB2, WEB3], sender: 'connected' } }] },
];

export const userRuleCases: DiffCase[] = [
  {
    name: 'raw NOTRACK on a NodePort: no conntrack, no DNAT; the foreign listener gets the connection',
    ruleset: () => withUserRules(rules(), 'raw', ['-A PREROUTING -p tcp -m tcp --dport 30080 -j CT --notrack']),
    probes: [{ from: 'ext', proto: 'tcp', dst: NODE_A, dport: 30080, expect: { delivery: `local ${NODE_A}:30080`, snat: null, sender: 'connected' } }],
  },
  {
    name: 'raw NOTRACK for a local port: INPUT sees ctstate UNTRACKED',
    ruleset: () => withUserRules(withUserRules(rules(), 'raw', ['-A PREROUTING -p tcp -m tcp --dport 9090 -j CT --notrack']), 'filter', ['-I INPUT -m conntrack --ctstate UNTRACKED -j ACCEPT']),
    probes: [{ from: 'ext', proto: 'tcp', dst: NODE_A, dport: 9090, expect: { delivery: `local ${NODE_A}:9090`, snat: null, sender: 'connected' } }],
  },
  {
    name: 'DROP appended to FORWARD: kube-proxy marked the packet, KUBE-FORWARD accepts it first',
    ruleset: () => withUserRules(rules(), 'filter', [`-A FORWARD -s ${EXT}/32 -j DROP`]),
    probes: [{ from: 'ext', proto: 'tcp', dst: '10.96.10.1', dport: 80, expect: { delivery: WEB1, snat: CNI0, sender: 'connected' } }],
  },
  {
    name: 'DROP inserted first in FORWARD: dropped before kube-proxy',
    ruleset: () => withUserRules(rules(), 'filter', [`-I FORWARD -s ${EXT}/32 -j DROP`]),
    probes: [{ from: 'ext', proto: 'tcp', dst: '10.96.10.1', dport: 80, expect: { delivery: 'dropped FORWARD (FORWARD)' } }],
  },
  {
    name: 'DROP appended to FORWARD for a pod source: pod traffic is not marked, so the user rule drops it',
    ruleset: () => withUserRules(rules(), 'filter', ['-A FORWARD -s 10.244.1.9/32 -j DROP']),
    probes: [{ from: 'client', proto: 'tcp', dst: '10.96.10.3', dport: 80, expect: { delivery: 'dropped FORWARD (FORWARD)' } }],
  },
  {
    name: 'REDIRECT in nat PREROUTING: port 8080 of the node goes to the local listener on 9090',
    ruleset: () => withUserRules(rules(), 'nat', ['-I PREROUTING -p tcp -m tcp --dport 8080 -j REDIRECT --to-ports 9090']),
    probes: [{ from: 'ext', proto: 'tcp', dst: NODE_A, dport: 8080, expect: { delivery: `local ${NODE_A}:9090`, snat: null, sender: 'connected' } }],
  },
  {
    name: 'REDIRECT in nat OUTPUT: a local process connecting to 10.0.0.99:8080 lands on 127.0.0.1:9090',
    ruleset: () => withUserRules(rules(), 'nat', ['-I OUTPUT -d 10.0.0.99/32 -p tcp -m tcp --dport 8080 -j REDIRECT --to-ports 9090']),
    probes: [{ from: 'node', proto: 'tcp', dst: '10.0.0.99', dport: 8080, expect: { delivery: 'local 127.0.0.1:9090', sender: 'connected' } }],
  },
  {
    name: 'mangle MARK 0x4000 on outside traffic: KUBE-POSTROUTING masquerades it even to a pod IP',
    ruleset: () => withUserRules(rules(), 'mangle', [`-A PREROUTING -s ${EXT}/32 -j MARK --set-xmark 0x4000/0x4000`]),
    probes: [{ from: 'ext', proto: 'tcp', dst: '10.244.1.5', dport: 80, expect: { delivery: WEB1, snat: CNI0, sender: 'connected' } }],
  },
  {
    name: 'mangle DROP of DNS from one pod',
    ruleset: () => withUserRules(rules(), 'mangle', ['-A PREROUTING -s 10.244.1.9/32 -p udp -m udp --dport 53 -j DROP']),
    probes: [{ from: 'client', proto: 'udp', dst: '10.96.0.10', dport: 53, expect: { delivery: 'dropped PREROUTING (PREROUTING)' } }],
  },
  {
    name: 'DROP in INPUT does not protect a NodePort: the packet is DNATed in PREROUTING and forwarded',
    ruleset: () => withUserRules(rules(), 'filter', [`-I INPUT -s ${DENIED}/32 -j DROP`]),
    probes: [{ from: 'ext', proto: 'tcp', src: DENIED, dst: NODE_A, dport: 30080, expect: { delivery: [WEB2, WEB3], sender: 'connected' } }],
  },
  {
    name: 'DROP in INPUT protects a local port',
    ruleset: () => withUserRules(rules(), 'filter', [`-I INPUT -s ${DENIED}/32 -j DROP`]),
    probes: [{ from: 'ext', proto: 'tcp', src: DENIED, dst: NODE_A, dport: 9090, expect: { delivery: 'dropped INPUT (INPUT)' } }],
  },
  {
    // Found by the property run: MASQUERADE out of lo takes the node's first global address (inet_select_addr skips
    // lo's host-scope 127.0.0.1), so a local connection to the node's own IP keeps its source.
    name: 'MASQUERADE on a local connection to the node itself (out lo): the source stays the node address',
    ruleset: () => withUserRules(rules(), 'nat', ['-A POSTROUTING -o lo -j MASQUERADE']),
    probes: [{ from: 'node', proto: 'tcp', dst: NODE_A, dport: 9090, expect: { delivery: `local ${NODE_A}:9090`, snat: null, sender: 'connected' } }],
  },
  {
    name: 'REJECT with tcp-reset in filter INPUT',
    ruleset: () => withUserRules(rules(), 'filter', ['-I INPUT -p tcp -m tcp --dport 9090 -j REJECT --reject-with tcp-reset']),
    probes: [{ from: 'ext', proto: 'tcp', dst: NODE_A, dport: 9090, expect: { delivery: 'rejected INPUT (INPUT)', sender: 'refused' } }],
  },
];

let cached122: string | null = null;
const rules122 = (): string => (cached122 ??= proxierRuleset('1.22'));

/** The same cluster synced by our kube-proxy 1.22 model (KUBE-XLB, KUBE-MARK-DROP, no KUBE-PROXY-FIREWALL). */
export const proxier122Cases: DiffCase[] = [
  { name: '1.22: ClusterIP from a pod', ruleset: rules122, probes: [{ from: 'client', proto: 'tcp', dst: '10.96.10.1', dport: 80, expect: { delivery: WEB1, snat: null, sender: 'connected' } }] },
  { name: '1.22: ClusterIP from the node', ruleset: rules122, probes: [{ from: 'node', proto: 'tcp', dst: '10.96.10.1', dport: 80, expect: { delivery: WEB1, snat: CNI0, sender: 'connected' } }] },
  { name: '1.22: NodePort from outside', ruleset: rules122, probes: [{ from: 'ext', proto: 'tcp', dst: NODE_A, dport: 30080, expect: { delivery: [WEB2, WEB3], sender: 'connected' } }] },
  { name: '1.22: eTP=Local NodePort from outside (KUBE-XLB): local endpoint, source kept', ruleset: rules122, probes: [{ from: 'ext', proto: 'tcp', dst: NODE_A, dport: 30082, expect: { delivery: WEB1, snat: null, sender: 'connected' } }] },
  { name: '1.22: eTP=Local without local endpoints from outside: KUBE-MARK-DROP, then KUBE-FIREWALL drops in INPUT', ruleset: rules122, probes: [{ from: 'ext', proto: 'tcp', dst: NODE_A, dport: 30083, expect: { delivery: 'dropped KUBE-FIREWALL (INPUT)' } }] },
  { name: '1.22: LoadBalancer IP from an allowed source', ruleset: rules122, probes: [{ from: 'ext', proto: 'tcp', src: ALLOWED, dst: LB_IP, dport: 80, expect: { delivery: WEB3, snat: NODE_A, sender: 'connected' } }] },
  { name: '1.22: LoadBalancer IP from a denied source (KUBE-FW marks it for drop)', ruleset: rules122, probes: [{ from: 'ext', proto: 'tcp', src: DENIED, dst: LB_IP, dport: 80 }] },
  { name: '1.22: no endpoints from a pod: REJECT', ruleset: rules122, probes: [{ from: 'client', proto: 'tcp', dst: '10.96.10.9', dport: 80, expect: { delivery: 'rejected KUBE-SERVICES (FORWARD)', sender: 'refused' } }] },
  {
    name: '1.22: ClientIP affinity from a pod, second connection',
    ruleset: rules122,
    probes: [
      { from: 'client', proto: 'tcp', dst: '10.96.10.8', dport: 80, expect: { delivery: [WEB1, WEB3], sender: 'connected' } },
      { from: 'client', proto: 'tcp', dst: '10.96.10.8', dport: 80, expect: { delivery: [WEB1, WEB3], sender: 'connected' } },
    ],
    verify: sameEndpointTwice,
  },
  { name: '1.22: DNS over UDP from the node', ruleset: rules122, probes: [{ from: 'node', proto: 'udp', dst: '10.96.0.10', dport: 53, expect: { delivery: DNS, sender: 'replied' } }] },
];
