// kube-proxy's packet-flow expectations (pkg/proxy/iptables/proxier_test.go,
// runPacketFlowTests), restated in our words: for each of its test cases, the
// Services and EndpointSlices it syncs, the proxier settings, and each flow
// (source, destination, what must happen). Facts learned from kube-proxy's
// tests; the wording and structure are ours.

import type { EndpointSliceObject, KubeProxyConfiguration, ServiceObject } from '../../../../core/engine/k8s/types.js';
import type { Protocol } from '../../../../core/engine/packet/index.js';
import { config, ep, port, service, slice } from '../../proxier/helpers.js';

export const NODE_NAME = 'test-node';
export const NODE_IPS_V4 = ['192.168.0.2', '192.168.1.2', '192.168.99.11'];
export const NODE_IPS_V6 = ['2001:db8::1', '2001:db8:1::2'];
export const EXTERNAL_CLIENT = '203.0.113.2';
export const EXTERNAL_CLIENT_BLOCKED = '203.0.113.130';

/** What kube-proxy's tracer expects: endpoints the packet is DNATed to (all must be reachable), a filter verdict, or nothing at all. */
export type Expect = { dnat: string[] } | { verdict: 'ACCEPT' | 'DROP' | 'REJECT' } | 'untouched';

export interface Flow {
  name: string;
  src: string;
  proto?: Protocol;
  dst: string;
  dport: number;
  expect: Expect;
  masq: boolean;
  /** Where our full kernel-order walk legitimately differs from kube-proxy's simplified tracer, and why. */
  differs?: string;
}

export interface Scenario {
  /** Fixture file name (without .rules) and test title. */
  id: string;
  /** The kube-proxy test this restates. */
  from: string;
  family: 4 | 6;
  services: ServiceObject[];
  slices: EndpointSliceObject[];
  config: KubeProxyConfiguration;
  flows: Flow[];
}

const local = { nodeName: NODE_NAME };
const dnat = (...eps: string[]): Expect => ({ dnat: eps });
const verdict = (v: 'ACCEPT' | 'DROP' | 'REJECT'): Expect => ({ verdict: v });
const tcp80 = (name = 'p80') => [{ name, port: 80 }];

function overall(): Pick<Scenario, 'services' | 'slices'> {
  return {
    services: [
      service('ns1', 'svc1', { clusterIP: '172.30.0.41', ports: [port('p80', 80)] }),
      service(
        'ns2',
        'svc2',
        { type: 'LoadBalancer', externalTrafficPolicy: 'Local', clusterIP: '172.30.0.42', ports: [port('p80', 80, { nodePort: 3001 })], externalIPs: ['192.168.99.22'], healthCheckNodePort: 30000 },
        ['1.2.3.4'],
      ),
      service('ns3', 'svc3', { type: 'NodePort', clusterIP: '172.30.0.43', ports: [port('p80', 80, { nodePort: 3003 })] }),
      service('ns4', 'svc4', { type: 'NodePort', clusterIP: '172.30.0.44', externalIPs: ['192.168.99.33'], ports: [port('p80', 80, { targetPort: 80 })] }),
      service(
        'ns5',
        'svc5',
        {
          type: 'LoadBalancer',
          externalTrafficPolicy: 'Cluster',
          clusterIP: '172.30.0.45',
          ports: [port('p80', 80, { nodePort: 3002 })],
          healthCheckNodePort: 30000,
          loadBalancerSourceRanges: [' 203.0.113.0/25'],
          sessionAffinity: 'ClientIP',
          sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
        },
        ['5.6.7.8'],
      ),
      service('ns6', 'svc6', { type: 'ClusterIP', clusterIP: '172.30.0.46', ports: [port('p80', 80, { targetPort: 80 })] }),
    ],
    slices: [
      slice('ns1', 'svc1', [ep('10.180.0.1')], tcp80()),
      slice('ns2', 'svc2', [ep('10.180.0.2')], tcp80()),
      slice('ns3', 'svc3', [ep('10.180.0.3')], tcp80()),
      slice('ns4', 'svc4', [ep('10.180.0.4'), ep('10.180.0.5', local)], tcp80()),
      slice('ns5', 'svc5', [ep('10.180.0.3')], tcp80()),
    ],
  };
}

function lbService(name: string, spec: ServiceObject['spec'], lbIPs: string[]): ServiceObject {
  return service('ns1', name, spec, lbIPs);
}

function nodePortScenario(id: string, family: 4 | 6, localhostNodePorts: boolean, nodePortAddresses: string[] | undefined, allowAltNodeIP: boolean): Scenario {
  const v4 = family === 4;
  const svcIP = v4 ? '172.30.0.41' : 'fd00:172:30::41';
  const ep1 = v4 ? '10.180.0.1' : 'fd00:10:180::1';
  const ep2 = v4 ? '10.180.2.1' : 'fd00:10:180::2:1';
  const podIP = v4 ? '10.0.0.2' : 'fd00:10::2';
  const client = v4 ? EXTERNAL_CLIENT : '2600:5200::1';
  const nodeIP = v4 ? NODE_IPS_V4[0]! : NODE_IPS_V6[0]!;
  const altNodeIP = v4 ? NODE_IPS_V4[1]! : NODE_IPS_V6[1]!;
  const localhost = v4 ? '127.0.0.1' : '::1';
  const hp = (ip: string) => (v4 ? `${ip}:80` : `[${ip}]:80`);
  const both = dnat(hp(ep1), hp(ep2));
  const cfg = config({ clusterCIDR: v4 ? '10.0.0.0/8' : 'fd00:10::/64', iptables: { localhostNodePorts } });
  if (nodePortAddresses !== undefined) cfg.nodePortAddresses = nodePortAddresses;
  return {
    id,
    from: 'TestNodePorts',
    family,
    config: cfg,
    services: [service('ns1', 'svc1', { type: 'NodePort', clusterIP: svcIP, ports: [port('p80', 80, { nodePort: 3001 })] })],
    slices: [slice('ns1', 'svc1', [ep(ep1), ep(ep2, local)], tcp80(), v4 ? 'IPv4' : 'IPv6')],
    flows: [
      { name: 'pod to cluster IP', src: podIP, dst: svcIP, dport: 80, expect: both, masq: false },
      { name: 'external to nodePort', src: client, dst: nodeIP, dport: 3001, expect: both, masq: true },
      { name: 'node to nodePort', src: nodeIP, dst: nodeIP, dport: 3001, expect: both, masq: true },
      v4 && localhostNodePorts
        ? { name: 'localhost to nodePort gets masqueraded', src: localhost, dst: localhost, dport: 3001, expect: both, masq: true }
        : { name: 'localhost to nodePort is ignored', src: localhost, dst: localhost, dport: 3001, expect: 'untouched', masq: false },
      allowAltNodeIP
        ? { name: 'external to nodePort on secondary IP', src: client, dst: altNodeIP, dport: 3001, expect: both, masq: true }
        : { name: 'secondary nodeIP ignores NodePorts', src: client, dst: altNodeIP, dport: 3001, expect: 'untouched', masq: false },
    ],
  };
}

const LB_SOURCE_RANGES = ['192.168.0.0/24', ' 203.0.113.0/25'];

export const SCENARIOS: Scenario[] = [
  {
    id: 'trace-packet',
    from: 'TestTracePacket (on the Services of TestOverallIPTablesRules)',
    family: 4,
    config: config(),
    ...overall(),
    flows: [
      { name: 'no match', src: '10.0.0.2', dst: '10.0.0.3', dport: 80, expect: 'untouched', masq: false },
      { name: 'single endpoint', src: '10.0.0.2', dst: '172.30.0.41', dport: 80, expect: dnat('10.180.0.1:80'), masq: false },
      { name: 'multiple endpoints', src: '10.0.0.2', dst: '172.30.0.44', dport: 80, expect: dnat('10.180.0.4:80', '10.180.0.5:80'), masq: false },
      { name: 'LOCAL, KUBE-MARK-MASQ', src: NODE_IPS_V4[0]!, dst: '192.168.99.22', dport: 80, expect: dnat('10.180.0.2:80'), masq: true },
      { name: 'DROP', src: EXTERNAL_CLIENT, dst: '192.168.99.22', dport: 80, expect: verdict('DROP'), masq: false },
      {
        name: 'ACCEPT (NodePortHealthCheck)',
        src: NODE_IPS_V4[0]!,
        dst: NODE_IPS_V4[0]!,
        dport: 30000,
        expect: verdict('ACCEPT'),
        masq: false,
        differs: 'kube-proxy runs filter KUBE-NODEPORTS directly; we send the packet through OUTPUT and POSTROUTING, loop it back on lo and reach KUBE-NODEPORTS from filter INPUT',
      },
      { name: 'REJECT', src: '10.0.0.2', dst: '172.30.0.46', dport: 80, expect: verdict('REJECT'), masq: false },
    ],
  },
  {
    id: 'no-endpoints-reject',
    from: 'TestNoEndpointsReject',
    family: 4,
    config: config(),
    services: [lbService('svc1', { type: 'LoadBalancer', clusterIP: '172.30.0.41', externalIPs: ['192.168.99.11'], ports: [port('p80', 80, { nodePort: 3001 })] }, ['1.2.3.4'])],
    slices: [],
    flows: [
      { name: 'pod to cluster IP with no endpoints', src: '10.0.0.2', dst: '172.30.0.41', dport: 80, expect: verdict('REJECT'), masq: false },
      { name: 'external to external IP with no endpoints', src: EXTERNAL_CLIENT, dst: '192.168.99.11', dport: 80, expect: verdict('REJECT'), masq: false },
      { name: 'pod to NodePort with no endpoints', src: '10.0.0.2', dst: NODE_IPS_V4[0]!, dport: 3001, expect: verdict('REJECT'), masq: false },
      { name: 'external to NodePort with no endpoints', src: EXTERNAL_CLIENT, dst: NODE_IPS_V4[0]!, dport: 3001, expect: verdict('REJECT'), masq: false },
      { name: 'pod to LoadBalancer IP with no endpoints', src: '10.0.0.2', dst: '1.2.3.4', dport: 80, expect: verdict('REJECT'), masq: false },
      { name: 'external to LoadBalancer IP with no endpoints', src: EXTERNAL_CLIENT, dst: '1.2.3.4', dport: 80, expect: verdict('REJECT'), masq: false },
    ],
  },
  {
    id: 'cluster-ip-general',
    from: 'TestClusterIPGeneral',
    family: 4,
    config: config(),
    services: [
      service('ns1', 'svc1', { clusterIP: '172.30.0.41', ports: [port('http', 80)] }),
      service('ns2', 'svc2', {
        clusterIP: '172.30.0.42',
        ports: [
          port('http', 80),
          port('https', 443, { targetPort: 8443 }),
          port('dns-udp', 53, { protocol: 'UDP' }),
          port('dns-tcp', 53, { targetPort: 5353 }),
          port('dns-sctp', 53, { protocol: 'SCTP' }),
        ],
      }),
    ],
    slices: [
      slice('ns1', 'svc1', [ep('10.180.0.1', local)], [{ name: 'http', port: 80 }]),
      slice('ns2', 'svc2', [ep('10.180.0.1', local), ep('10.180.2.1', { nodeName: 'node2' })], [
        { name: 'http', port: 80 },
        { name: 'https', port: 8443 },
        { name: 'dns-udp', port: 53, protocol: 'UDP' },
        { name: 'dns-tcp', port: 5353 },
        { name: 'dns-sctp', port: 53, protocol: 'SCTP' },
      ]),
    ],
    flows: [
      { name: 'simple clusterIP', src: '10.180.0.2', dst: '172.30.0.41', dport: 80, expect: dnat('10.180.0.1:80'), masq: false },
      { name: 'hairpin to cluster IP', src: '10.180.0.1', dst: '172.30.0.41', dport: 80, expect: dnat('10.180.0.1:80'), masq: true },
      { name: 'clusterIP with multiple endpoints', src: '10.180.0.2', dst: '172.30.0.42', dport: 80, expect: dnat('10.180.0.1:80', '10.180.2.1:80'), masq: false },
      { name: 'clusterIP with TargetPort', src: '10.180.0.2', dst: '172.30.0.42', dport: 443, expect: dnat('10.180.0.1:8443', '10.180.2.1:8443'), masq: false },
      { name: 'clusterIP with TCP, UDP, and SCTP on same port (TCP)', src: '10.180.0.2', proto: 'tcp', dst: '172.30.0.42', dport: 53, expect: dnat('10.180.0.1:5353', '10.180.2.1:5353'), masq: false },
      { name: 'clusterIP with TCP, UDP, and SCTP on same port (UDP)', src: '10.180.0.2', proto: 'udp', dst: '172.30.0.42', dport: 53, expect: dnat('10.180.0.1:53', '10.180.2.1:53'), masq: false },
      { name: 'clusterIP with TCP, UDP, and SCTP on same port (SCTP)', src: '10.180.0.2', proto: 'sctp', dst: '172.30.0.42', dport: 53, expect: dnat('10.180.0.1:53', '10.180.2.1:53'), masq: false },
      { name: 'TCP-only port does not match UDP traffic', src: '10.180.0.2', proto: 'udp', dst: '172.30.0.42', dport: 80, expect: 'untouched', masq: false },
      { name: "svc1 does not accept svc2's ports", src: '10.180.0.2', dst: '172.30.0.41', dport: 443, expect: 'untouched', masq: false },
    ],
  },
  {
    id: 'load-balancer',
    from: 'TestLoadBalancer',
    family: 4,
    config: config(),
    services: [lbService('svc1', { type: 'LoadBalancer', clusterIP: '172.30.0.41', ports: [port('p80', 80, { nodePort: 3001 })], loadBalancerSourceRanges: LB_SOURCE_RANGES }, ['1.2.3.4', '5.6.7.8'])],
    slices: [slice('ns1', 'svc1', [ep('10.180.0.1')], tcp80())],
    flows: [
      { name: 'pod to cluster IP', src: '10.0.0.2', dst: '172.30.0.41', dport: 80, expect: dnat('10.180.0.1:80'), masq: false },
      { name: 'external to nodePort', src: EXTERNAL_CLIENT, dst: NODE_IPS_V4[0]!, dport: 3001, expect: dnat('10.180.0.1:80'), masq: true },
      { name: 'nodePort bypasses LoadBalancerSourceRanges', src: EXTERNAL_CLIENT_BLOCKED, dst: NODE_IPS_V4[0]!, dport: 3001, expect: dnat('10.180.0.1:80'), masq: true },
      { name: 'accepted external to LB1', src: EXTERNAL_CLIENT, dst: '1.2.3.4', dport: 80, expect: dnat('10.180.0.1:80'), masq: true },
      { name: 'accepted external to LB2', src: EXTERNAL_CLIENT, dst: '5.6.7.8', dport: 80, expect: dnat('10.180.0.1:80'), masq: true },
      { name: 'blocked external to LB1', src: EXTERNAL_CLIENT_BLOCKED, dst: '1.2.3.4', dport: 80, expect: verdict('DROP'), masq: false },
      { name: 'blocked external to LB2', src: EXTERNAL_CLIENT_BLOCKED, dst: '5.6.7.8', dport: 80, expect: verdict('DROP'), masq: false },
      { name: 'pod to LB1 (blocked by LoadBalancerSourceRanges)', src: '10.0.0.2', dst: '1.2.3.4', dport: 80, expect: verdict('DROP'), masq: false },
      { name: 'pod to LB2 (blocked by LoadBalancerSourceRanges)', src: '10.0.0.2', dst: '5.6.7.8', dport: 80, expect: verdict('DROP'), masq: false },
      { name: 'node to LB1 (allowed by LoadBalancerSourceRanges)', src: NODE_IPS_V4[0]!, dst: '1.2.3.4', dport: 80, expect: dnat('10.180.0.1:80'), masq: true },
      { name: 'node to LB2 (allowed by LoadBalancerSourceRanges)', src: NODE_IPS_V4[0]!, dst: '5.6.7.8', dport: 80, expect: dnat('10.180.0.1:80'), masq: true },
      {
        name: 'same node to LB1, SNATted to LB1 (implicitly allowed)',
        src: '1.2.3.4',
        dst: '1.2.3.4',
        dport: 80,
        expect: dnat('10.180.0.1:80'),
        masq: true,
        differs: 'kube-proxy assumes something outside it SNATs node traffic to the LB IP; we model that packet as arriving from outside (eth0) with source 1.2.3.4',
      },
      {
        name: 'same node to LB2, SNATted to LB2 (implicitly allowed)',
        src: '5.6.7.8',
        dst: '5.6.7.8',
        dport: 80,
        expect: dnat('10.180.0.1:80'),
        masq: true,
        differs: 'as above: arriving from outside with source 5.6.7.8',
      },
    ],
  },
  nodePortScenario('node-ports-v4-localhost', 4, true, undefined, true),
  nodePortScenario('node-ports-v4-no-localhost', 4, false, undefined, true),
  nodePortScenario('node-ports-v4-no-localhost-loopback-address', 4, false, ['192.168.0.0/24', '127.0.0.1/32'], false),
  nodePortScenario('node-ports-v4-addresses', 4, false, ['192.168.0.0/24', '192.168.1.0/24', '2001:db8::/64'], true),
  nodePortScenario('node-ports-v6-localhost', 6, true, undefined, true),
  nodePortScenario('node-ports-v6-no-localhost', 6, false, undefined, true),
  nodePortScenario('node-ports-v6-addresses', 6, false, ['192.168.0.0/24', '192.168.1.0/24', '2001:db8::/64'], false),
  {
    id: 'health-check-node-port',
    from: 'TestHealthCheckNodePort',
    family: 4,
    config: config({ nodePortAddresses: ['127.0.0.0/8'] }),
    services: [lbService('svc1', { type: 'LoadBalancer', clusterIP: '172.30.0.42', ports: [port('p80', 80, { nodePort: 3001 })], healthCheckNodePort: 30000, externalTrafficPolicy: 'Local' }, [])],
    slices: [],
    flows: [{ name: 'firewall accepts HealthCheckNodePort', src: '1.2.3.4', dst: NODE_IPS_V4[0]!, dport: 30000, expect: verdict('ACCEPT'), masq: false }],
  },
  {
    id: 'health-check-node-port-deleted',
    from: 'TestHealthCheckNodePort (after the Service is deleted)',
    family: 4,
    config: config({ nodePortAddresses: ['127.0.0.0/8'] }),
    services: [],
    slices: [],
    flows: [{ name: 'HealthCheckNodePort no longer has any rule', src: '1.2.3.4', dst: NODE_IPS_V4[0]!, dport: 30000, expect: 'untouched', masq: false }],
  },
  ...(['Local', 'Cluster'] as const).map((policy): Scenario => {
    const both = dnat('10.180.0.1:80', '10.180.2.1:80');
    const external = policy === 'Local' ? dnat('10.180.2.1:80') : both;
    const masqExt = policy === 'Cluster';
    return {
      id: `external-traffic-policy-${policy.toLowerCase()}`,
      from: `TestExternalTrafficPolicy${policy}`,
      family: 4,
      config: config(),
      services: [
        lbService(
          'svc1',
          {
            type: 'LoadBalancer',
            externalTrafficPolicy: policy,
            clusterIP: '172.30.0.41',
            externalIPs: ['192.168.99.11'],
            ports: [port('p80', 80, { nodePort: 3001, targetPort: 80 })],
            ...(policy === 'Local' ? { healthCheckNodePort: 30000 } : {}),
          },
          ['1.2.3.4'],
        ),
      ],
      slices: [slice('ns1', 'svc1', [ep('10.180.0.1'), ep('10.180.2.1', local)], tcp80())],
      flows: [
        { name: 'pod to cluster IP hits both endpoints, unmasqueraded', src: '10.0.0.2', dst: '172.30.0.41', dport: 80, expect: both, masq: false },
        { name: `pod to external IP hits both endpoints, ${masqExt ? 'masqueraded' : 'unmasqueraded'}`, src: '10.0.0.2', dst: '192.168.99.11', dport: 80, expect: both, masq: masqExt },
        { name: `external to external IP hits ${policy === 'Local' ? 'only local endpoint, unmasqueraded' : 'both endpoints, masqueraded'}`, src: EXTERNAL_CLIENT, dst: '192.168.99.11', dport: 80, expect: external, masq: masqExt },
        { name: `pod to LB IP hits both endpoints, ${masqExt ? 'masqueraded' : 'unmasqueraded'}`, src: '10.0.0.2', dst: '1.2.3.4', dport: 80, expect: both, masq: masqExt },
        { name: `external to LB IP hits ${policy === 'Local' ? 'only local endpoint, unmasqueraded' : 'both endpoints, masqueraded'}`, src: EXTERNAL_CLIENT, dst: '1.2.3.4', dport: 80, expect: external, masq: masqExt },
        { name: `pod to NodePort hits both endpoints, ${masqExt ? 'masqueraded' : 'unmasqueraded'}`, src: '10.0.0.2', dst: NODE_IPS_V4[0]!, dport: 3001, expect: both, masq: masqExt },
        { name: `external to NodePort hits ${policy === 'Local' ? 'only local endpoint, unmasqueraded' : 'both endpoints, masqueraded'}`, src: EXTERNAL_CLIENT, dst: NODE_IPS_V4[0]!, dport: 3001, expect: external, masq: masqExt },
      ],
    };
  }),
];
