// kube-proxy 1.33 layout: each case is one of the rule-generation cases of
// kube-proxy's own proxier tests (named in the describe/it titles), rebuilt
// from Kubernetes objects and checked on the iptables-restore text.
import { describe, expect, it } from 'vitest';
import { syncProxyRules, checkJumps } from '../../../core/engine/proxier/index.js';
import { chainRules, declaredChains, ep, input, node, config, port, service, slice, tableLines, TEST_HOSTNAME } from './helpers.js';

const NP_LAST = '-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS';

describe('overall layout with several service shapes (TestOverallIPTablesRulesWithMultipleServices)', () => {
  const out = syncProxyRules(
    input(
      [
        service('ns1', 'svc1', { clusterIP: '172.30.0.41', ports: [port('p80', 80)] }),
        service('ns2', 'svc2', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', clusterIP: '172.30.0.42', ports: [port('p80', 80, { nodePort: 3001 })], externalIPs: ['192.168.99.22'], healthCheckNodePort: 30000 }, ['1.2.3.4']),
        service('ns3', 'svc3', { type: 'NodePort', clusterIP: '172.30.0.43', ports: [port('p80', 80, { nodePort: 3003 })] }),
        service('ns4', 'svc4', { type: 'NodePort', clusterIP: '172.30.0.44', externalIPs: ['192.168.99.33'], ports: [port('p80', 80, { targetPort: 80 })] }),
        service('ns5', 'svc5', { type: 'LoadBalancer', externalTrafficPolicy: 'Cluster', clusterIP: '172.30.0.45', ports: [port('p80', 80, { nodePort: 3002 })], healthCheckNodePort: 30000, loadBalancerSourceRanges: ['203.0.113.0/25'] }, ['5.6.7.8']),
        service('ns6', 'svc6', { type: 'ClusterIP', clusterIP: '172.30.0.46', ports: [port('p80', 80, { targetPort: 80 })] }),
      ],
      [
        slice('ns1', 'svc1', [ep('10.180.0.1')], [{ name: 'p80', port: 80 }]),
        slice('ns2', 'svc2', [ep('10.180.0.2')], [{ name: 'p80', port: 80 }]),
        slice('ns3', 'svc3', [ep('10.180.0.3')], [{ name: 'p80', port: 80 }]),
        slice('ns4', 'svc4', [ep('10.180.0.4'), ep('10.180.0.5', { nodeName: TEST_HOSTNAME })], [{ name: 'p80', port: 80 }]),
        slice('ns5', 'svc5', [ep('10.180.0.3')], [{ name: 'p80', port: 80 }]),
      ],
    ),
  );

  it('writes the filter table kube-proxy writes', () => {
    expect(tableLines(out.restore, 'filter')).toEqual([
      ':KUBE-NODEPORTS - [0:0]',
      ':KUBE-SERVICES - [0:0]',
      ':KUBE-EXTERNAL-SERVICES - [0:0]',
      ':KUBE-FIREWALL - [0:0]',
      ':KUBE-FORWARD - [0:0]',
      ':KUBE-PROXY-FIREWALL - [0:0]',
      '-A KUBE-NODEPORTS -m comment --comment "ns2/svc2:p80 health check node port" -m tcp -p tcp --dport 30000 -j ACCEPT',
      '-A KUBE-SERVICES -m comment --comment "ns6/svc6:p80 has no endpoints" -m tcp -p tcp -d 172.30.0.46 --dport 80 -j REJECT',
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m tcp -p tcp -d 192.168.99.22 --dport 80 -j DROP',
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j DROP',
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 3001 -j DROP',
      '-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
      '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP',
      '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x004000/0x004000 -j ACCEPT',
      '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      '-A KUBE-PROXY-FIREWALL -m comment --comment "ns5/svc5:p80 traffic not accepted by KUBE-FW-NUKIZ6OKUXPJNT4C" -m tcp -p tcp -d 5.6.7.8 --dport 80 -j DROP',
    ]);
  });

  it('declares the nat chains: KUBE-NODEPORTS, KUBE-SERVICES, then the rest alphabetically', () => {
    expect(declaredChains(out.restore, 'nat')).toEqual([
      'KUBE-NODEPORTS', 'KUBE-SERVICES',
      'KUBE-EXT-4SW47YFZTEDKD3PK', 'KUBE-EXT-GNZBNJ2PO5MGZ6GT', 'KUBE-EXT-NUKIZ6OKUXPJNT4C', 'KUBE-EXT-X27LE4BHSL4DOUIK',
      'KUBE-FW-NUKIZ6OKUXPJNT4C', 'KUBE-MARK-MASQ', 'KUBE-POSTROUTING',
      'KUBE-SEP-C6EBXVWJJZMIWKLZ', 'KUBE-SEP-I77PXRDZVX7PMWMN', 'KUBE-SEP-OYPFS5VJICHGATKP', 'KUBE-SEP-RS4RBKLTHTF2IUXJ', 'KUBE-SEP-SXIVWICOYRO3J4NJ', 'KUBE-SEP-UKSFD7AGPMPPLUHC',
      'KUBE-SVC-4SW47YFZTEDKD3PK', 'KUBE-SVC-GNZBNJ2PO5MGZ6GT', 'KUBE-SVC-NUKIZ6OKUXPJNT4C', 'KUBE-SVC-X27LE4BHSL4DOUIK', 'KUBE-SVC-XPGD46QRK7WJZT7O',
    ]);
  });

  it('captures each service in KUBE-SERVICES and KUBE-NODEPORTS, by name, nodeports rule last', () => {
    expect(chainRules(out.restore, 'nat', 'KUBE-NODEPORTS')).toEqual([
      '-m comment --comment ns2/svc2:p80 -m tcp -p tcp --dport 3001 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT',
      '-m comment --comment ns3/svc3:p80 -m tcp -p tcp --dport 3003 -j KUBE-EXT-X27LE4BHSL4DOUIK',
      '-m comment --comment ns5/svc5:p80 -m tcp -p tcp --dport 3002 -j KUBE-EXT-NUKIZ6OKUXPJNT4C',
    ]);
    expect(chainRules(out.restore, 'nat', 'KUBE-SERVICES')).toEqual([
      '-m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O',
      '-m comment --comment "ns2/svc2:p80 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 80 -j KUBE-SVC-GNZBNJ2PO5MGZ6GT',
      '-m comment --comment "ns2/svc2:p80 external IP" -m tcp -p tcp -d 192.168.99.22 --dport 80 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT',
      '-m comment --comment "ns2/svc2:p80 loadbalancer IP" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT',
      '-m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 -j KUBE-SVC-X27LE4BHSL4DOUIK',
      '-m comment --comment "ns4/svc4:p80 cluster IP" -m tcp -p tcp -d 172.30.0.44 --dport 80 -j KUBE-SVC-4SW47YFZTEDKD3PK',
      '-m comment --comment "ns4/svc4:p80 external IP" -m tcp -p tcp -d 192.168.99.33 --dport 80 -j KUBE-EXT-4SW47YFZTEDKD3PK',
      '-m comment --comment "ns5/svc5:p80 cluster IP" -m tcp -p tcp -d 172.30.0.45 --dport 80 -j KUBE-SVC-NUKIZ6OKUXPJNT4C',
      '-m comment --comment "ns5/svc5:p80 loadbalancer IP" -m tcp -p tcp -d 5.6.7.8 --dport 80 -j KUBE-FW-NUKIZ6OKUXPJNT4C',
      NP_LAST,
    ]);
  });

  it('writes EXT chains: masquerade for Cluster policy, short-circuits for Local policy', () => {
    expect(chainRules(out.restore, 'nat', 'KUBE-EXT-4SW47YFZTEDKD3PK')).toEqual([
      '-m comment --comment "masquerade traffic for ns4/svc4:p80 external destinations" -j KUBE-MARK-MASQ',
      '-j KUBE-SVC-4SW47YFZTEDKD3PK',
    ]);
    expect(chainRules(out.restore, 'nat', 'KUBE-EXT-GNZBNJ2PO5MGZ6GT')).toEqual([
      '-m comment --comment "pod traffic for ns2/svc2:p80 external destinations" -s 10.0.0.0/8 -j KUBE-SVC-GNZBNJ2PO5MGZ6GT',
      '-m comment --comment "masquerade LOCAL traffic for ns2/svc2:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ',
      '-m comment --comment "route LOCAL traffic for ns2/svc2:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-GNZBNJ2PO5MGZ6GT',
    ]);
    expect(chainRules(out.restore, 'nat', 'KUBE-FW-NUKIZ6OKUXPJNT4C')).toEqual([
      '-m comment --comment "ns5/svc5:p80 loadbalancer IP" -s 203.0.113.0/25 -j KUBE-EXT-NUKIZ6OKUXPJNT4C',
      '-m comment --comment "other traffic to ns5/svc5:p80 will be dropped by KUBE-PROXY-FIREWALL"',
    ]);
  });

  it('writes the static chains and the SVC/SEP chains', () => {
    expect(chainRules(out.restore, 'nat', 'KUBE-MARK-MASQ')).toEqual(['-j MARK --or-mark 0x004000']);
    expect(chainRules(out.restore, 'nat', 'KUBE-POSTROUTING')).toEqual([
      '-m mark ! --mark 0x004000/0x004000 -j RETURN',
      '-j MARK --xor-mark 0x004000',
      '-m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE',
    ]);
    expect(chainRules(out.restore, 'nat', 'KUBE-SVC-4SW47YFZTEDKD3PK')).toEqual([
      '-m comment --comment "ns4/svc4:p80 cluster IP" -m tcp -p tcp -d 172.30.0.44 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ',
      '-m comment --comment "ns4/svc4:p80 -> 10.180.0.4:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-UKSFD7AGPMPPLUHC',
      '-m comment --comment "ns4/svc4:p80 -> 10.180.0.5:80" -j KUBE-SEP-C6EBXVWJJZMIWKLZ',
    ]);
    expect(chainRules(out.restore, 'nat', 'KUBE-SEP-C6EBXVWJJZMIWKLZ')).toEqual([
      '-m comment --comment ns4/svc4:p80 -s 10.180.0.5 -j KUBE-MARK-MASQ',
      '-m comment --comment ns4/svc4:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.5:80',
    ]);
    expect(chainRules(out.restore, 'nat', 'KUBE-SVC-GNZBNJ2PO5MGZ6GT')).toEqual([
      '-m comment --comment "ns2/svc2:p80 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ',
      '-m comment --comment "ns2/svc2:p80 -> 10.180.0.2:80" -j KUBE-SEP-RS4RBKLTHTF2IUXJ',
    ]);
  });

  it('is jump-consistent', () => {
    expect(checkJumps(out.restore, [], out.ensured)).toEqual([]);
  });
});

describe('services without endpoints (TestNoEndpointsReject)', () => {
  const out = syncProxyRules(
    input([service('ns1', 'svc1', { type: 'LoadBalancer', clusterIP: '172.30.0.41', externalIPs: ['192.168.99.11'], ports: [port('p80', 80, { nodePort: 3001 })] }, ['1.2.3.4'])], []),
  );
  it('rejects cluster IP, external IP, LoadBalancer IP and NodePort in the filter table', () => {
    expect(chainRules(out.restore, 'filter', 'KUBE-SERVICES')).toEqual(['-m comment --comment "ns1/svc1:p80 has no endpoints" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j REJECT']);
    expect(chainRules(out.restore, 'filter', 'KUBE-EXTERNAL-SERVICES')).toEqual([
      '-m comment --comment "ns1/svc1:p80 has no endpoints" -m tcp -p tcp -d 192.168.99.11 --dport 80 -j REJECT',
      '-m comment --comment "ns1/svc1:p80 has no endpoints" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j REJECT',
      '-m comment --comment "ns1/svc1:p80 has no endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 3001 -j REJECT',
    ]);
  });
  it('writes no nat chain for the service', () => {
    expect(declaredChains(out.restore, 'nat')).toEqual(['KUBE-NODEPORTS', 'KUBE-SERVICES', 'KUBE-MARK-MASQ', 'KUBE-POSTROUTING']);
    expect(chainRules(out.restore, 'nat', 'KUBE-SERVICES')).toEqual([NP_LAST]);
  });
});

describe('cluster IP general (TestClusterIPGeneral)', () => {
  const out = syncProxyRules(
    input(
      [
        service('ns1', 'svc1', { clusterIP: '172.30.0.41', ports: [port('http', 80)] }),
        service('ns2', 'svc2', { clusterIP: '172.30.0.42', ports: [port('http', 80), port('https', 443, { targetPort: 8443 }), port('dns-sctp', 53, { protocol: 'SCTP' }), port('dns-tcp', 53, { targetPort: 5353 })] }),
      ],
      [
        slice('ns1', 'svc1', [ep('10.180.0.1', { nodeName: TEST_HOSTNAME })], [{ name: 'http', port: 80 }]),
        slice('ns2', 'svc2', [ep('10.180.0.1', { nodeName: TEST_HOSTNAME }), ep('10.180.2.1', { nodeName: 'host2' })], [
          { name: 'http', port: 80 },
          { name: 'https', port: 8443 },
          { name: 'dns-sctp', port: 53, protocol: 'SCTP' },
          { name: 'dns-tcp', port: 5353 },
        ]),
      ],
    ),
  );
  it('gives TCP and SCTP on the same port their own chains and DNATs to the endpoint port', () => {
    const svc = chainRules(out.restore, 'nat', 'KUBE-SERVICES');
    expect(svc.filter((l) => l.includes('172.30.0.42 --dport 53'))).toEqual([
      expect.stringMatching(/^-m comment --comment "ns2\/svc2:dns-sctp cluster IP" -m sctp -p sctp -d 172.30.0.42 --dport 53 -j KUBE-SVC-/),
      expect.stringMatching(/^-m comment --comment "ns2\/svc2:dns-tcp cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 53 -j KUBE-SVC-/),
    ]);
    const dnat = tableLines(out.restore, 'nat').filter((l) => l.includes('DNAT'));
    expect(dnat.filter((l) => l.includes('ns2/svc2:https'))).toEqual([
      expect.stringMatching(/-m tcp -p tcp -j DNAT --to-destination 10.180.0.1:8443$/),
      expect.stringMatching(/-m tcp -p tcp -j DNAT --to-destination 10.180.2.1:8443$/),
    ]);
    expect(dnat.filter((l) => l.includes('ns2/svc2:dns-sctp'))).toHaveLength(2);
    expect(dnat.filter((l) => l.includes('ns2/svc2:dns-sctp'))[0]).toMatch(/-m sctp -p sctp -j DNAT --to-destination 10.180.0.1:53$/);
  });
});

describe('LoadBalancer with source ranges (TestLoadBalancer)', () => {
  const out = syncProxyRules(
    input(
      [service('ns1', 'svc1', { type: 'LoadBalancer', clusterIP: '172.30.0.41', ports: [port('p80', 80, { nodePort: 3001 })], loadBalancerSourceRanges: ['192.168.0.0/24', '203.0.113.0/25'] }, ['1.2.3.4', '5.6.7.8'])],
      [slice('ns1', 'svc1', [ep('10.180.0.1')], [{ name: 'p80', port: 80 }])],
    ),
  );
  it('sends LB traffic to the FW chain, which accepts the ranges and, since they hold the node IP, the LB IPs', () => {
    expect(chainRules(out.restore, 'nat', 'KUBE-FW-XPGD46QRK7WJZT7O')).toEqual([
      '-m comment --comment "ns1/svc1:p80 loadbalancer IP" -s 192.168.0.0/24 -j KUBE-EXT-XPGD46QRK7WJZT7O',
      '-m comment --comment "ns1/svc1:p80 loadbalancer IP" -s 203.0.113.0/25 -j KUBE-EXT-XPGD46QRK7WJZT7O',
      '-m comment --comment "ns1/svc1:p80 loadbalancer IP" -s 1.2.3.4 -j KUBE-EXT-XPGD46QRK7WJZT7O',
      '-m comment --comment "ns1/svc1:p80 loadbalancer IP" -s 5.6.7.8 -j KUBE-EXT-XPGD46QRK7WJZT7O',
      '-m comment --comment "other traffic to ns1/svc1:p80 will be dropped by KUBE-PROXY-FIREWALL"',
    ]);
    expect(chainRules(out.restore, 'filter', 'KUBE-PROXY-FIREWALL')).toEqual([
      '-m comment --comment "ns1/svc1:p80 traffic not accepted by KUBE-FW-XPGD46QRK7WJZT7O" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j DROP',
      '-m comment --comment "ns1/svc1:p80 traffic not accepted by KUBE-FW-XPGD46QRK7WJZT7O" -m tcp -p tcp -d 5.6.7.8 --dport 80 -j DROP',
    ]);
    // NodePorts are not subject to source ranges.
    expect(chainRules(out.restore, 'nat', 'KUBE-NODEPORTS')).toEqual(['-m comment --comment ns1/svc1:p80 -m tcp -p tcp --dport 3001 -j KUBE-EXT-XPGD46QRK7WJZT7O']);
  });
  it('ignores LoadBalancer ingress in Proxy ipMode (TestLoadBalancerIngressRouteTypeProxy)', () => {
    const svc = service('ns1', 'svc1', { type: 'LoadBalancer', clusterIP: '172.30.0.41', ports: [port('p80', 80, { nodePort: 3001 })] });
    svc.status = { loadBalancer: { ingress: [{ ip: '1.2.3.4', ipMode: 'Proxy' }, { ip: '5.6.7.8', ipMode: 'VIP' }] } };
    const o = syncProxyRules(input([svc], [slice('ns1', 'svc1', [ep('10.180.0.1')], [{ name: 'p80', port: 80 }])]));
    const lb = chainRules(o.restore, 'nat', 'KUBE-SERVICES').filter((l) => l.includes('loadbalancer IP'));
    expect(lb).toEqual(['-m comment --comment "ns1/svc1:p80 loadbalancer IP" -m tcp -p tcp -d 5.6.7.8 --dport 80 -j KUBE-EXT-XPGD46QRK7WJZT7O']);
  });
});

const nodePortSvc = (extra = {}) => service('ns1', 'svc1', { type: 'NodePort', clusterIP: '172.30.0.41', ports: [port('p80', 80, { nodePort: 3001 })], ...extra });
const nodePortSlice = (eps = [ep('10.180.0.1')]) => slice('ns1', 'svc1', eps, [{ name: 'p80', port: 80 }]);

describe('NodePorts (TestNodePort, TestNodePorts, localhost NodePorts)', () => {
  it('jumps from KUBE-NODEPORTS to the EXT chain on every local address by default', () => {
    const o = syncProxyRules(input([nodePortSvc()], [nodePortSlice()]));
    expect(chainRules(o.restore, 'nat', 'KUBE-NODEPORTS')).toEqual(['-m comment --comment ns1/svc1:p80 -m tcp -p tcp --dport 3001 -j KUBE-EXT-XPGD46QRK7WJZT7O']);
    expect(chainRules(o.restore, 'nat', 'KUBE-SERVICES').at(-1)).toBe(NP_LAST);
  });
  it('with nodePortAddresses, one catch-all per matching node address', () => {
    const n = node(TEST_HOSTNAME, ['192.168.0.2', '10.1.2.3']);
    const o = syncProxyRules(input([nodePortSvc()], [nodePortSlice()], { node: n, config: config({ nodePortAddresses: ['192.168.0.0/24', '127.0.0.0/8', '2001:db8::/64'] }) }));
    const np = chainRules(o.restore, 'nat', 'KUBE-SERVICES').filter((l) => l.includes('KUBE-NODEPORTS'));
    expect(np).toEqual([
      '-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -d 127.0.0.1 -j KUBE-NODEPORTS',
      '-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -d 192.168.0.2 -j KUBE-NODEPORTS',
    ]);
    const primary = syncProxyRules(input([nodePortSvc()], [nodePortSlice()], { node: n, config: config({ nodePortAddresses: ['primary'] }) }));
    expect(chainRules(primary.restore, 'nat', 'KUBE-SERVICES').filter((l) => l.includes('KUBE-NODEPORTS'))).toEqual([
      '-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -d 192.168.0.2 -j KUBE-NODEPORTS',
    ]);
  });
  it('localhostNodePorts=false blocks 127.0.0.0/8 and drops the KUBE-FIREWALL rule (TestEnableLocalhostNodePortsIPv4)', () => {
    const o = syncProxyRules(input([nodePortSvc()], [nodePortSlice()], { config: config({ iptables: { localhostNodePorts: false } }) }));
    expect(chainRules(o.restore, 'nat', 'KUBE-SERVICES').at(-1)).toBe(
      '-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j KUBE-NODEPORTS',
    );
    expect(declaredChains(o.restore, 'filter')).not.toContain('KUBE-FIREWALL');
    expect(o.ensured.map((e) => e.rule)).not.toContain('-A INPUT -j KUBE-FIREWALL');
  });
  it('nfacct adds the localhost accounting rule and the INVALID counter', () => {
    const o = syncProxyRules(input([nodePortSvc()], [nodePortSlice()], { facts: { nfacct: true } }));
    expect(chainRules(o.restore, 'nat', 'KUBE-NODEPORTS')).toEqual([
      '-m comment --comment ns1/svc1:p80 -m tcp -p tcp -d 127.0.0.0/8 --dport 3001 -m nfacct --nfacct-name localhost_nps_accepted_pkts -j KUBE-EXT-XPGD46QRK7WJZT7O',
      '-m comment --comment ns1/svc1:p80 -m tcp -p tcp --dport 3001 -j KUBE-EXT-XPGD46QRK7WJZT7O',
    ]);
    expect(chainRules(o.restore, 'filter', 'KUBE-FORWARD')[0]).toBe('-m conntrack --ctstate INVALID -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP');
  });
});

describe('host facts and configuration', () => {
  it('MASQUERADE --random-fully when iptables supports it (TestMasqueradeRule)', () => {
    const o = syncProxyRules(input([], [], { facts: { randomFully: true } }));
    expect(chainRules(o.restore, 'nat', 'KUBE-POSTROUTING')[2]).toBe('-m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully');
  });
  it('no INVALID drop when nf_conntrack_tcp_be_liberal is set (TestDropInvalidRule)', () => {
    const o = syncProxyRules(input([], [], { facts: { tcpBeLiberal: true } }));
    expect(chainRules(o.restore, 'filter', 'KUBE-FORWARD').some((l) => l.includes('INVALID'))).toBe(false);
    const d = syncProxyRules(input([], []));
    expect(chainRules(d.restore, 'filter', 'KUBE-FORWARD')[0]).toBe('-m conntrack --ctstate INVALID -j DROP');
  });
  it('masqueradeBit sets the mark, masqueradeAll masquerades every cluster IP packet', () => {
    const o = syncProxyRules(input([nodePortSvc()], [nodePortSlice()], { config: config({ iptables: { masqueradeBit: 10, masqueradeAll: true } }) }));
    expect(chainRules(o.restore, 'nat', 'KUBE-MARK-MASQ')).toEqual(['-j MARK --or-mark 0x000400']);
    expect(chainRules(o.restore, 'nat', 'KUBE-SVC-XPGD46QRK7WJZT7O')[0]).toBe('-m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-MARK-MASQ');
  });
  it('without a cluster CIDR there is no off-cluster masquerade rule (TestOnlyLocalNodePortsNoClusterCIDR)', () => {
    const o = syncProxyRules(input([nodePortSvc({ externalTrafficPolicy: 'Local' })], [nodePortSlice([ep('10.180.0.1', { nodeName: TEST_HOSTNAME })])], { config: config({ clusterCIDR: '' }) }));
    expect(chainRules(o.restore, 'nat', 'KUBE-SVC-XPGD46QRK7WJZT7O').some((l) => l.includes('cluster IP'))).toBe(false);
    expect(chainRules(o.restore, 'nat', 'KUBE-EXT-XPGD46QRK7WJZT7O').some((l) => l.includes('pod traffic'))).toBe(false);
  });
  it('detect-local modes: NodeCIDR, BridgeInterface, InterfaceNamePrefix', () => {
    const svc = [nodePortSvc()];
    const sl = [nodePortSlice()];
    const first = (cfg: ReturnType<typeof config>, n = node()): string => chainRules(syncProxyRules(input(svc, sl, { config: cfg, node: n })).restore, 'nat', 'KUBE-SVC-XPGD46QRK7WJZT7O')[0]!;
    expect(first(config({ detectLocalMode: 'NodeCIDR' }), node(TEST_HOSTNAME, ['192.168.0.2'], '10.0.1.0/24'))).toContain('! -s 10.0.1.0/24 -j KUBE-MARK-MASQ');
    expect(first(config({ detectLocalMode: 'BridgeInterface', detectLocal: { bridgeInterface: 'cbr0' } }))).toContain('! -i cbr0 -j KUBE-MARK-MASQ');
    expect(first(config({ detectLocalMode: 'InterfaceNamePrefix', detectLocal: { interfaceNamePrefix: 'veth' } }))).toContain('! -i veth+ -j KUBE-MARK-MASQ');
  });
});

describe('traffic policies', () => {
  it('externalTrafficPolicy Local with a local endpoint: EXT -> SVL, SVL holds only local endpoints (TestOnlyLocalNodePorts)', () => {
    const o = syncProxyRules(input([nodePortSvc({ externalTrafficPolicy: 'Local' })], [nodePortSlice([ep('10.180.0.1', { nodeName: TEST_HOSTNAME }), ep('10.180.2.1', { nodeName: 'host2' })])]));
    expect(chainRules(o.restore, 'nat', 'KUBE-EXT-XPGD46QRK7WJZT7O').at(-1)).toBe('-j KUBE-SVL-XPGD46QRK7WJZT7O');
    expect(chainRules(o.restore, 'nat', 'KUBE-SVL-XPGD46QRK7WJZT7O')).toEqual(['-m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -j KUBE-SEP-SXIVWICOYRO3J4NJ']);
    expect(chainRules(o.restore, 'nat', 'KUBE-SVC-XPGD46QRK7WJZT7O')).toHaveLength(3);
    expect(checkJumps(o.restore)).toEqual([]);
  });
  it('internalTrafficPolicy Local: cluster IP to SVL, or DROP without local endpoints (TestInternalTrafficPolicy)', () => {
    const svc = service('ns1', 'svc1', { clusterIP: '172.30.0.41', internalTrafficPolicy: 'Local', ports: [port('p80', 80)] });
    const local = syncProxyRules(input([svc], [nodePortSlice([ep('10.180.0.1', { nodeName: TEST_HOSTNAME }), ep('10.180.2.1', { nodeName: 'host2' })])]));
    expect(chainRules(local.restore, 'nat', 'KUBE-SERVICES')[0]).toBe('-m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVL-XPGD46QRK7WJZT7O');
    expect(chainRules(local.restore, 'nat', 'KUBE-SVL-XPGD46QRK7WJZT7O')[0]).toBe('-m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ');
    expect(declaredChains(local.restore, 'nat')).not.toContain('KUBE-SVC-XPGD46QRK7WJZT7O');
    const remote = syncProxyRules(input([svc], [nodePortSlice([ep('10.180.2.1', { nodeName: 'host2' })])]));
    expect(chainRules(remote.restore, 'filter', 'KUBE-SERVICES')).toEqual(['-m comment --comment "ns1/svc1:p80 has no local endpoints" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j DROP']);
    expect(declaredChains(remote.restore, 'nat').filter((c) => c.includes('XPGD'))).toEqual([]);
  });
  it('terminating endpoints are used only when nothing is ready (TestTerminatingEndpointsTrafficPolicyCluster)', () => {
    const svc = service('ns1', 'svc1', { clusterIP: '172.30.0.41', ports: [port('p80', 80)] });
    const eps = [
      ep('10.0.1.1', { conditions: { ready: false, serving: true, terminating: true } }),
      ep('10.0.1.2', { conditions: { ready: false, serving: false, terminating: true } }),
      ep('10.0.1.3', { conditions: { ready: true, serving: true, terminating: false } }),
    ];
    const ready = syncProxyRules(input([svc], [nodePortSlice(eps)]));
    expect(chainRules(ready.restore, 'nat', 'KUBE-SVC-XPGD46QRK7WJZT7O').filter((l) => l.includes('->'))).toEqual([expect.stringContaining('-> 10.0.1.3:80')]);
    const fallback = syncProxyRules(input([svc], [nodePortSlice(eps.slice(0, 2))]));
    expect(chainRules(fallback.restore, 'nat', 'KUBE-SVC-XPGD46QRK7WJZT7O').filter((l) => l.includes('->'))).toEqual([expect.stringContaining('-> 10.0.1.1:80')]);
    const none = syncProxyRules(input([svc], [nodePortSlice(eps.slice(1, 2))]));
    expect(chainRules(none.restore, 'filter', 'KUBE-SERVICES')).toEqual([expect.stringContaining('has no endpoints')]);
  });
  it('externalTrafficPolicy Local falls back to local serving-terminating endpoints (TestTerminatingEndpointsTrafficPolicyLocal)', () => {
    const eps = [ep('10.0.1.1', { nodeName: TEST_HOSTNAME, conditions: { ready: false, serving: true, terminating: true } }), ep('10.0.1.2', { nodeName: 'host2' })];
    const o = syncProxyRules(input([nodePortSvc({ externalTrafficPolicy: 'Local' })], [nodePortSlice(eps)]));
    expect(chainRules(o.restore, 'nat', 'KUBE-SVL-XPGD46QRK7WJZT7O')).toEqual([expect.stringContaining('-> 10.0.1.1:80')]);
    expect(chainRules(o.restore, 'nat', 'KUBE-SVC-XPGD46QRK7WJZT7O').filter((l) => l.includes('->'))).toEqual([expect.stringContaining('-> 10.0.1.2:80')]);
    expect(declaredChains(o.restore, 'nat').filter((c) => c.startsWith('KUBE-SEP-'))).toHaveLength(2);
  });
});

describe('endpoints', () => {
  it('sorts endpoints by ip:port text, de-duplicates across slices, and splits probabilities 1/n', () => {
    const svc = service('ns1', 'svc1', { clusterIP: '172.30.0.41', ports: [port('p80', 80)] });
    const o = syncProxyRules(
      input([svc], [slice('ns1', 'svc1', [ep('10.180.0.2'), ep('10.180.0.10')], [{ name: 'p80', port: 80 }], 'IPv4', 'a'), slice('ns1', 'svc1', [ep('10.180.0.2'), ep('10.180.0.3')], [{ name: 'p80', port: 80 }], 'IPv4', 'b')]),
    );
    const lb = chainRules(o.restore, 'nat', 'KUBE-SVC-XPGD46QRK7WJZT7O').filter((l) => l.includes('->'));
    expect(lb.map((l) => /-> (\S+)"/.exec(l)![1])).toEqual(['10.180.0.10:80', '10.180.0.2:80', '10.180.0.3:80']);
    expect(lb.map((l) => /--probability (\S+)/.exec(l)?.[1])).toEqual(['0.3333333333', '0.5000000000', undefined]);
  });
  it('ClientIP session affinity: recent checks in SVC, recent set in SEP', () => {
    const svc = service('ns1', 'svc1', { clusterIP: '172.30.0.41', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } }, ports: [port('p80', 80)] });
    const o = syncProxyRules(input([svc], [nodePortSlice()]));
    expect(chainRules(o.restore, 'nat', 'KUBE-SVC-XPGD46QRK7WJZT7O')).toEqual([
      '-m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ',
      '-m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -m recent --name KUBE-SEP-SXIVWICOYRO3J4NJ --rcheck --seconds 10800 --reap -j KUBE-SEP-SXIVWICOYRO3J4NJ',
      '-m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -j KUBE-SEP-SXIVWICOYRO3J4NJ',
    ]);
    expect(chainRules(o.restore, 'nat', 'KUBE-SEP-SXIVWICOYRO3J4NJ')[1]).toBe('-m comment --comment ns1/svc1:p80 -m recent --name KUBE-SEP-SXIVWICOYRO3J4NJ --set -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80');
  });
  it('large-cluster mode (> 1000 endpoints) drops per-endpoint comments (TestSyncProxyRulesLargeClusterMode)', () => {
    const eps = Array.from({ length: 1001 }, (_, i) => ep(`10.${Math.floor(i / 250)}.${i % 250}.1`));
    const o = syncProxyRules(input([service('ns1', 'svc1', { clusterIP: '172.30.0.41', ports: [port('p80', 80)] })], [nodePortSlice(eps)]));
    expect(o.largeClusterMode).toBe(true);
    const sep = tableLines(o.restore, 'nat').filter((l) => l.startsWith('-A KUBE-SEP-'));
    expect(sep).toHaveLength(2002);
    expect(sep.every((l) => !l.includes('--comment'))).toBe(true);
    const svcRules = chainRules(o.restore, 'nat', 'KUBE-SVC-XPGD46QRK7WJZT7O');
    expect(svcRules[0]).toContain('"ns1/svc1:p80 cluster IP"');
    expect(svcRules.slice(1).every((l) => !l.includes('--comment'))).toBe(true);
    const small = syncProxyRules(input([service('ns1', 'svc1', { clusterIP: '172.30.0.41', ports: [port('p80', 80)] })], [nodePortSlice(eps.slice(0, 1000))]));
    expect(small.largeClusterMode).toBe(false);
  });
  it('skips headless and ExternalName services, and slices of the other family', () => {
    const o = syncProxyRules(
      input(
        [service('ns1', 'headless', { clusterIP: 'None', ports: [port('p80', 80)] }), service('ns1', 'ext', { type: 'ExternalName', externalName: 'example.com', ports: [port('p80', 80)] })],
        [slice('ns1', 'headless', [ep('10.180.0.1')], [{ name: 'p80', port: 80 }])],
      ),
    );
    expect(chainRules(o.restore, 'nat', 'KUBE-SERVICES')).toEqual([NP_LAST]);
    expect(tableLines(o.restore, 'filter').some((l) => l.includes('ns1/'))).toBe(false);
  });
});

describe('IPv6', () => {
  const n = node(TEST_HOSTNAME, ['fd00::2']);
  const o = syncProxyRules(
    input([service('ns1', 'svc1', { type: 'NodePort', clusterIP: 'fd00:10:96::41', clusterIPs: ['fd00:10:96::41'], ports: [port('p80', 80, { nodePort: 3001 })] })], [slice('ns1', 'svc1', [ep('fd00:10:180::1')], [{ name: 'p80', port: 80 }], 'IPv6')], {
      node: n,
      config: config({ clusterCIDR: '10.0.0.0/8,fd00:10::/48' }),
    }),
  );
  it('uses the IPv6 cluster CIDR, brackets the DNAT target, never allows ::1 NodePorts, and has no KUBE-FIREWALL', () => {
    expect(chainRules(o.restore, 'nat', 'KUBE-SVC-XPGD46QRK7WJZT7O')[0]).toContain('! -s fd00:10::/48 -j KUBE-MARK-MASQ');
    expect(tableLines(o.restore, 'nat').find((l) => l.includes('DNAT'))).toMatch(/--to-destination \[fd00:10:180::1\]:80$/);
    expect(chainRules(o.restore, 'nat', 'KUBE-SERVICES').at(-1)).toContain('-m addrtype --dst-type LOCAL ! -d ::1/128 -j KUBE-NODEPORTS');
    expect(declaredChains(o.restore, 'filter')).not.toContain('KUBE-FIREWALL');
  });
});

describe('jump rules kube-proxy ensures in built-in chains', () => {
  it('lists them in the order they are prepended, KUBE-FIREWALL jumps last (IPv4, localhost NodePorts)', () => {
    const o = syncProxyRules(input([], []));
    expect(o.ensured.map((e) => `${e.table} ${e.rule}`)).toEqual([
      'filter -A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
      'filter -A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
      'filter -A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS',
      'filter -A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      'filter -A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      'filter -A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
      'filter -A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
      'filter -A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
      'filter -A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
      'nat -A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      'nat -A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      'nat -A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
      'filter -A INPUT -j KUBE-FIREWALL',
      'filter -A OUTPUT -j KUBE-FIREWALL',
    ]);
    expect(o.ensured.every((e) => e.position === 'prepend')).toBe(true);
    expect(o.heldNodePorts).toEqual([]);
  });
});

describe('dual-stack', () => {
  it('a dual-stack node runs one proxier per family; each takes its own cluster IP, endpoints and node IP', () => {
    const n = node(TEST_HOSTNAME, ['192.168.0.2', 'fd00::2']);
    const svc = service('ns1', 'svc1', { type: 'NodePort', clusterIP: '172.30.0.41', clusterIPs: ['172.30.0.41', 'fd00:10:96::41'], ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack', ports: [port('p80', 80, { nodePort: 3001 })] });
    const slices = [slice('ns1', 'svc1', [ep('10.180.0.1')], [{ name: 'p80', port: 80 }], 'IPv4', 'v4'), slice('ns1', 'svc1', [ep('fd00:10:180::1')], [{ name: 'p80', port: 80 }], 'IPv6', 'v6')];
    const cfg = config({ clusterCIDR: '10.0.0.0/8,fd00:10::/48' });
    const v4 = syncProxyRules({ ...input([svc], slices, { node: n, config: cfg }) });
    const v6 = syncProxyRules({ ...input([svc], slices, { node: n, config: cfg }), family: 6 });
    expect(chainRules(v4.restore, 'nat', 'KUBE-SERVICES')[0]).toContain('-d 172.30.0.41 ');
    expect(chainRules(v6.restore, 'nat', 'KUBE-SERVICES')[0]).toContain('-d fd00:10:96::41 ');
    expect(v4.restore).toContain('--to-destination 10.180.0.1:80');
    expect(v6.restore).toContain('--to-destination [fd00:10:180::1]:80');
    expect(v6.restore).not.toContain('10.180.0.1');
    // The same service port hashes to the same SVC chain name in both families.
    expect(declaredChains(v6.restore, 'nat')).toContain('KUBE-SVC-XPGD46QRK7WJZT7O');
  });
});

describe('topology-aware routing (TestTopologyAwareHints)', () => {
  const zoned = (zone?: string) => {
    const n = node();
    if (zone !== undefined) n.metadata.labels = { 'topology.kubernetes.io/zone': zone };
    return n;
  };
  const eps = [
    ep('10.1.2.3', { zone: 'zone-a', hints: { forZones: [{ name: 'zone-a' }] } }),
    ep('10.1.2.4', { zone: 'zone-b', hints: { forZones: [{ name: 'zone-b' }] } }),
    ep('10.1.2.5', { zone: 'zone-c', hints: { forZones: [{ name: 'zone-c' }] } }),
    ep('10.1.2.6', { zone: 'zone-a', hints: { forZones: [{ name: 'zone-a' }] } }),
  ];
  const targets = (svcExtra: object, n = zoned('zone-a'), list = eps): string[] => {
    const svc = service('ns1', 'svc1', { clusterIP: '172.30.0.41', ports: [port('p80', 80)], ...svcExtra });
    const o = syncProxyRules(input([svc], [nodePortSlice(list)], { node: n }));
    return chainRules(o.restore, 'nat', 'KUBE-SVC-XPGD46QRK7WJZT7O').flatMap((l) => /-> (\S+):80"/.exec(l)?.[1] ?? []);
  };
  it('keeps only endpoints hinted for the node\'s zone when the service asks for it', () => {
    expect(targets({ trafficDistribution: 'PreferClose' })).toEqual(['10.1.2.3', '10.1.2.6']);
    const annotated = service('ns1', 'svc1', { clusterIP: '172.30.0.41', ports: [port('p80', 80)] });
    annotated.metadata.annotations = { 'service.kubernetes.io/topology-mode': 'Auto' };
    const o = syncProxyRules(input([annotated], [nodePortSlice(eps)], { node: zoned('zone-a') }));
    expect(chainRules(o.restore, 'nat', 'KUBE-SVC-XPGD46QRK7WJZT7O').filter((l) => l.includes('->'))).toHaveLength(2);
  });
  it('uses every endpoint when not asked, when the node has no zone, or when a ready endpoint lacks hints', () => {
    expect(targets({})).toHaveLength(4);
    expect(targets({ trafficDistribution: 'PreferClose' }, zoned())).toHaveLength(4);
    expect(targets({ trafficDistribution: 'PreferClose' }, zoned('zone-a'), [...eps, ep('10.1.2.7')])).toHaveLength(5);
    expect(targets({ trafficDistribution: 'PreferClose' }, zoned('zone-d'))).toHaveLength(4);
  });
});
