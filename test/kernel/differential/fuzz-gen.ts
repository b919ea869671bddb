// Random small rulesets and random packets for the property-based
// differential run. Rulesets use what kube-proxy, CNI plugins and people put
// on nodes (addresses, protocols, ports, interfaces, mark, conntrack state,
// addrtype, comment; ACCEPT, DROP, REJECT, RETURN, jumps, MARK, DNAT,
// REDIRECT, SNAT, MASQUERADE, NOTRACK), always valid for iptables-restore:
// NAT targets only in the hooks that allow them, jumps only forward (no loops).
import fc from 'fast-check';
import type { TopologySpec } from '../helpers/topology.js';
import type { ProbeSpec } from './kernel-harness.js';

export const FUZZ_NODE = '192.0.2.2';
const CLIENT = '192.0.2.100';
const PEER = '192.0.2.3';
const POD1 = '10.244.1.5';
const POD2 = '10.244.1.6';
const REMOTE_POD = '10.244.2.7';

export const fuzzTopology: TopologySpec = {
  nodeName: 'fuzz-node',
  nodeAddresses: [`${FUZZ_NODE}/24`],
  externalAddresses: ['192.0.2.1/24', `${CLIENT}/24`],
  podCIDR: '10.244.1.0/24',
  pods: [
    { name: 'p1', ip: POD1, listen: [{ proto: 'tcp', port: 80 }, { proto: 'udp', port: 53 }] },
    { name: 'p2', ip: POD2, listen: [{ proto: 'tcp', port: 80 }, { proto: 'tcp', port: 8080 }] },
  ],
  peers: [{ name: 'fuzz-peer', ip: PEER, podCIDR: '10.244.2.0/24', pods: [{ name: 'r1', ip: REMOTE_POD, listen: [{ proto: 'tcp', port: 80 }, { proto: 'udp', port: 53 }] }] }],
  nodeListeners: [{ proto: 'tcp', port: 9090, process: 'web' }, { proto: 'udp', port: 5353, process: 'mdns' }],
  // No Service range here: an unmatched packet to a made-up address would bounce between router and node.
  viaNode: [],
};

type Hook = 'PREROUTING' | 'INPUT' | 'FORWARD' | 'OUTPUT' | 'POSTROUTING';
type Table = 'raw' | 'mangle' | 'nat' | 'filter';
const CHAINS: Record<Table, Hook[]> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
};
const inOk = (h: Hook): boolean => h === 'PREROUTING' || h === 'INPUT' || h === 'FORWARD';
const outOk = (h: Hook): boolean => h === 'FORWARD' || h === 'OUTPUT' || h === 'POSTROUTING';

const addr = fc.constantFrom(`${FUZZ_NODE}/32`, `${CLIENT}/32`, `${POD1}/32`, `${POD2}/32`, '10.244.0.0/16', '10.244.1.0/24', '192.0.2.0/24', `${REMOTE_POD}/32`, '127.0.0.0/8');
const neg = fc.boolean().map((b) => (b ? '! ' : ''));
const port = fc.constantFrom(53, 80, 8080, 9090, 5353, 30080);
/** Each match part is present in about one rule out of four: sparse rules match often enough to make paths interesting. */
const sometimes = (a: fc.Arbitrary<string>): fc.Arbitrary<string> => fc.oneof({ arbitrary: a, weight: 1 }, { arbitrary: fc.constant(''), weight: 3 });

/** Match part of a rule for a hook (empty string allowed). */
function matchArb(hook: Hook): fc.Arbitrary<string> {
  const parts: fc.Arbitrary<string>[] = [
    sometimes(fc.tuple(neg, addr).map(([n, a]) => `${n}-s ${a}`)),
    sometimes(fc.tuple(neg, addr).map(([n, a]) => `${n}-d ${a}`)),
    sometimes(fc.tuple(neg, fc.constantFrom('eth0', 'cni0', 'lo')).map(([n, i]) => (inOk(hook) ? `${n}-i ${i}` : ''))),
    sometimes(fc.tuple(neg, fc.constantFrom('eth0', 'cni0', 'lo')).map(([n, i]) => (outOk(hook) ? `${n}-o ${i}` : ''))),
    sometimes(
      fc.tuple(fc.constantFrom('tcp', 'udp'), fc.option(fc.tuple(neg, port), { nil: null })).map(([p, d]) => (d === null ? `-p ${p}` : `-p ${p} -m ${p} ${d[0]}--dport ${d[1]}`)),
    ),
    sometimes(fc.tuple(neg, fc.constantFrom('0x4000/0x4000', '0x1/0x1', '0x0/0x4000')).map(([n, m]) => `-m mark ${n}--mark ${m}`)),
    sometimes(fc.tuple(neg, fc.constantFrom('NEW', 'ESTABLISHED', 'RELATED,ESTABLISHED', 'UNTRACKED', 'DNAT', 'INVALID')).map(([n, s]) => `-m conntrack ${n}--ctstate ${s}`)),
    sometimes(fc.tuple(fc.constantFrom('dst', 'src'), neg, fc.constantFrom('LOCAL', 'UNICAST')).map(([w, n, t]) => `-m addrtype ${n}--${w}-type ${t}`)),
    sometimes(fc.constantFrom('-m comment --comment "fuzz rule"', '-m comment --comment fuzz')),
  ];
  return fc.tuple(...parts).map((xs) => xs.filter((x) => x !== '').join(' '));
}

/** Terminal or non-terminal targets a rule in this table/hook may use. */
function targetArb(table: Table, hook: Hook, jumps: string[]): fc.Arbitrary<{ text: string; needsProto?: boolean }> {
  const t: fc.Arbitrary<{ text: string; needsProto?: boolean }>[] = [
    fc.constant({ text: '-j ACCEPT' }),
    fc.constant({ text: '' }),
  ];
  // The nat table refuses DROP (iptables: "not intended for filtering").
  if (table !== 'nat') t.push(fc.constant({ text: '-j DROP' }));
  if (jumps.length > 0) t.push(fc.constantFrom(...jumps).map((j) => ({ text: `-j ${j}` })), fc.constantFrom(...jumps).map((j) => ({ text: `-g ${j}` })));
  if (table === 'filter') t.push(fc.constantFrom('-j REJECT --reject-with icmp-port-unreachable', '-j REJECT --reject-with icmp-host-prohibited').map((text) => ({ text })));
  if (table === 'mangle' || table === 'nat') t.push(fc.constantFrom('0x4000/0x4000', '0x1/0xffffffff', '0x0/0x4000').map((m) => ({ text: `-j MARK --set-xmark ${m}` })));
  if (table === 'raw') t.push(fc.constant({ text: '-j CT --notrack' }));
  if (table === 'nat' && (hook === 'PREROUTING' || hook === 'OUTPUT')) {
    t.push(
      fc.constantFrom(`${POD1}:80`, `${POD2}:8080`, `${REMOTE_POD}:80`, `${POD1}:53`).map((to) => ({ text: `-j DNAT --to-destination ${to}`, needsProto: true })),
      fc.constant({ text: '-j REDIRECT --to-ports 9090', needsProto: true }),
    );
  }
  // MASQUERADE only in POSTROUTING; SNAT also in INPUT.
  if (table === 'nat' && hook === 'POSTROUTING') t.push(fc.constantFrom('-j MASQUERADE', '-j MASQUERADE --random-fully').map((text) => ({ text })));
  if (table === 'nat' && (hook === 'POSTROUTING' || hook === 'INPUT')) t.push(fc.constant({ text: `-j SNAT --to-source ${FUZZ_NODE}` }));
  return fc.oneof(...t);
}

function ruleArb(table: Table, chain: string, hook: Hook, jumps: string[], inUserChain: boolean): fc.Arbitrary<string> {
  const ret: fc.Arbitrary<{ text: string; needsProto?: boolean }> = fc.constant({ text: '-j RETURN' });
  const target = inUserChain ? fc.oneof(targetArb(table, hook, jumps), ret) : targetArb(table, hook, jumps);
  return fc.tuple(matchArb(hook), target, fc.constantFrom('tcp', 'udp')).map(([m, t, p]) => {
    // Port-rewriting NAT needs -p; add one when the match has none.
    const match = t.needsProto && !/-p (tcp|udp)/.test(m) ? `-p ${p} ${m}`.trim() : m;
    return `-A ${chain} ${match} ${t.text}`.replace(/\s+/g, ' ').trim();
  });
}

/**
 * One table: its built-in chains and up to two user chains. A user chain is
 * reached from one hook only (`U<hook>_n`), so NAT targets in it are valid,
 * and a chain jumps only to chains declared after it.
 */
function tableArb(table: Table): fc.Arbitrary<string> {
  const perHook = CHAINS[table].map((hook) => {
    const users = [`U${hook.slice(0, 4)}${table[0]}1`, `U${hook.slice(0, 4)}${table[0]}2`];
    return fc.tuple(
      fc.array(ruleArb(table, hook, hook, users, false), { maxLength: 3 }),
      fc.array(ruleArb(table, users[0] ?? '', hook, [users[1] ?? ''], true), { maxLength: 3 }),
      fc.array(ruleArb(table, users[1] ?? '', hook, [], true), { maxLength: 2 }),
      fc.constantFrom<'ACCEPT' | 'DROP'>('ACCEPT', 'ACCEPT', 'ACCEPT', 'DROP'),
    ).map(([base, u1, u2, policy]) => ({ hook, users, base, u1, u2, policy }));
  });
  return fc.tuple(...perHook).map((hooks) => {
    const decl: string[] = [];
    const rules: string[] = [];
    for (const h of hooks) {
      // nat policies must be ACCEPT; a DROP policy elsewhere is fine.
      decl.push(`:${h.hook} ${table === 'nat' ? 'ACCEPT' : h.policy} [0:0]`);
    }
    for (const h of hooks) {
      decl.push(...h.users.map((u) => `:${u} - [0:0]`));
      rules.push(...h.base, ...h.u1, ...h.u2);
    }
    return [`*${table}`, ...decl, ...rules, 'COMMIT'].join('\n');
  });
}

export const rulesetArb: fc.Arbitrary<string> = fc.tuple(tableArb('raw'), tableArb('mangle'), tableArb('nat'), tableArb('filter')).map((ts) => `${ts.join('\n')}\n`);

/** A packet from a place that can reach the node, to a destination routed through it. */
export const probeArb: fc.Arbitrary<ProbeSpec> = fc.oneof(
  fc.record({ from: fc.constant('ext'), dst: fc.constantFrom(FUZZ_NODE, POD1, POD2) }),
  fc.record({ from: fc.constant('p1'), dst: fc.constantFrom(FUZZ_NODE, POD2, REMOTE_POD, CLIENT, '10.244.1.1') }),
  fc.record({ from: fc.constant('node'), dst: fc.constantFrom(FUZZ_NODE, POD1, REMOTE_POD, CLIENT, '127.0.0.1') }),
  fc.record({ from: fc.constant('remote'), dst: fc.constantFrom(FUZZ_NODE, POD1) }),
).chain(({ from, dst }) =>
  fc.record({
    from: fc.constant(from),
    dst: fc.constant(dst),
    proto: fc.constantFrom<'tcp' | 'udp'>('tcp', 'udp'),
    dport: port,
  }).map((p) => (p.from === 'node' && p.dst === '127.0.0.1' ? { ...p, src: '127.0.0.1' } : p.from === 'remote' ? { ...p, src: PEER } : p)),
);
