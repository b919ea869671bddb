// Property: whatever the services and endpoints, every sync (full or partial,
// either version, either family) is jump-consistent: every jump target is
// declared, no kube-proxy chain is left without a jump to it.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { syncProxyRules, syncProxyRulesPartial, checkJumps } from '../../../core/engine/proxier/index.js';
import type { ServiceObject, EndpointSliceObject } from '../../../core/engine/k8s/types.js';
import { config, ep, input, node, service, slice, TEST_HOSTNAME } from './helpers.js';

const arbService = (i: number, v6: boolean) =>
  fc.record({
    type: fc.constantFrom('ClusterIP', 'NodePort', 'LoadBalancer'),
    etp: fc.constantFrom('Cluster', 'Local'),
    itp: fc.constantFrom('Cluster', 'Local'),
    affinity: fc.boolean(),
    externalIP: fc.boolean(),
    ranges: fc.boolean(),
    lb: fc.boolean(),
    protocol: fc.constantFrom('TCP', 'UDP', 'SCTP'),
    nports: fc.integer({ min: 1, max: 2 }),
    endpoints: fc.array(fc.record({ host: fc.integer({ min: 0, max: 3 }), local: fc.boolean(), ready: fc.boolean(), serving: fc.boolean(), terminating: fc.boolean() }), { maxLength: 5 }),
  }).map((g) => {
    const ip = (n: number): string => (v6 ? `fd00:96::${n.toString(16)}` : `10.96.${Math.floor(n / 250)}.${n % 250}`);
    const ports = Array.from({ length: g.nports }, (_, k) => ({ name: `p${k}`, port: 80 + k, protocol: g.protocol as 'TCP' | 'UDP' | 'SCTP', ...(g.type !== 'ClusterIP' ? { nodePort: 30000 + i * 2 + k } : {}) }));
    const svc: ServiceObject = service('ns', `s${i}`, {
      type: g.type as 'ClusterIP',
      clusterIP: ip(i + 1),
      ports,
      externalTrafficPolicy: g.etp as 'Local',
      internalTrafficPolicy: g.itp as 'Local',
      ...(g.affinity ? { sessionAffinity: 'ClientIP' as const } : {}),
      ...(g.externalIP ? { externalIPs: [v6 ? `2001:db8::${i + 1}` : `192.0.2.${i + 1}`] } : {}),
      ...(g.ranges ? { loadBalancerSourceRanges: [v6 ? '2001:db8::/32' : '198.51.100.0/24'] } : {}),
      ...(g.type === 'LoadBalancer' ? { healthCheckNodePort: 32000 + i } : {}),
    }, g.lb && g.type === 'LoadBalancer' ? [v6 ? `2001:db8:1::${i + 1}` : `203.0.113.${i + 1}`] : []);
    const sl: EndpointSliceObject = slice(
      'ns',
      `s${i}`,
      g.endpoints.map((e, k) => ep(v6 ? `fd00:244::${i * 16 + k + 1}` : `10.244.${i}.${k + 1}`, { nodeName: e.local ? TEST_HOSTNAME : `node${e.host}`, conditions: { ready: e.ready, serving: e.serving, terminating: e.terminating } })),
      ports.map((p) => ({ name: p.name, port: 8080 + p.port, protocol: p.protocol })),
      v6 ? 'IPv6' : 'IPv4',
    );
    return { svc, sl };
  });

const arbCluster = fc.boolean().chain((v6) =>
  fc.tuple(
    fc.constant(v6),
    fc.integer({ min: 0, max: 6 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => arbService(i, v6)))),
    fc.constantFrom('1.33', '1.22'),
    fc.boolean(),
  ),
);

describe('jump consistency (property)', () => {
  it('holds for every generated cluster, full and partial syncs', () => {
    fc.assert(
      fc.property(arbCluster, arbCluster, ([v6, svcs, version, masqAll], [, later]) => {
        const n = v6 ? node(TEST_HOSTNAME, ['fd00::2']) : node();
        const cfg = config({ clusterCIDR: v6 ? 'fd00:244::/64' : '10.244.0.0/16', iptables: { masqueradeAll: masqAll } });
        const mk = (list: typeof svcs) => input(list.map((x) => x.svc), list.map((x) => x.sl), { version: version as '1.33', node: n, config: cfg });
        const out = syncProxyRules(mk(svcs));
        const existing = version === '1.22' ? ['nat:KUBE-MARK-DROP'] : [];
        expect(checkJumps(out.restore, existing, out.ensured)).toEqual([]);
        // Replace some services by the later generation's and sync only those.
        const next = svcs.map((s, i) => (i % 2 === 0 && later[i] !== undefined && !v6 === !later[i]!.sl.addressType.endsWith('6') ? later[i]! : s));
        const changed = next.flatMap((s, i) => (s !== svcs[i] ? [`ns/s${i}`] : []));
        const part = syncProxyRulesPartial(mk(next), out, { services: changed });
        const kept = (out.activeNatChains ?? []).map((c) => `nat:${c}`);
        expect(checkJumps(part.restore, [...existing, ...kept], part.ensured).filter((p) => !p.message.includes('nothing jumps'))).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('catches a dangling chain and a jump to a missing chain', () => {
    const text = '*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-SVC-AAAA - [0:0]\n-A KUBE-SERVICES -j KUBE-SEP-BBBB\nCOMMIT\n';
    expect(checkJumps(text).map((p) => p.message)).toEqual(['jumps to KUBE-SEP-BBBB, which is not declared', 'KUBE-SVC-AAAA is declared but nothing jumps to it']);
  });
});
