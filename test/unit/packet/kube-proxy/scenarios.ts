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

// ---- Traffic policies, terminating endpoints, masquerading (the rest of kube-proxy's flow tests). ----

type Cond = { ready: boolean; serving: boolean; terminating: boolean };
const READY: Cond = { ready: true, serving: true, terminating: false };
const SERVING_TERMINATING: Cond = { ready: false, serving: true, terminating: true };
const GONE: Cond = { ready: false, serving: false, terminating: true };
const on = (ip: string, nodeName: string, c: Cond = READY) => ep(ip, { nodeName, conditions: c });
const unnamed = [{ name: '', port: 80 }];

function itp(id: string, policy: 'Cluster' | 'Local', endpoints: [string, string][], flow: Flow): Scenario[] {
  const svc = service('ns1', 'svc1', { clusterIP: '172.30.1.1', selector: { foo: 'bar' }, ports: [port('', 80)], internalTrafficPolicy: policy });
  const base = { from: `TestInternalTrafficPolicy (${id})`, family: 4 as const, config: config(), services: [svc] };
  return [
    { ...base, id: `internal-traffic-policy-${id}`, slices: [slice('ns1', 'svc1', endpoints.map(([ip, n]) => on(ip, n)), unnamed)], flows: [flow] },
    {
      ...base,
      id: `internal-traffic-policy-${id}-deleted`,
      from: `${base.from}, after its EndpointSlice is deleted`,
      slices: [],
      flows: [{ name: 'endpoints deleted', src: '10.0.0.2', dst: '172.30.1.1', dport: 80, expect: verdict('REJECT'), masq: false }],
    },
  ];
}

function terminating(policy: 'Local' | 'Cluster', id: string, endpoints: ReturnType<typeof on>[], flows: Flow[]): Scenario[] {
  const svc = lbService('svc1', { clusterIP: '172.30.1.1', type: 'LoadBalancer', externalTrafficPolicy: policy, ports: [port('', 80, { targetPort: 80 })], healthCheckNodePort: 30000 }, ['1.2.3.4']);
  const base = { from: `TestTerminatingEndpointsTrafficPolicy${policy} (${id})`, family: 4 as const, config: config(), services: [svc] };
  return [
    { ...base, id: `terminating-${policy.toLowerCase()}-${id}`, slices: [slice('ns1', 'svc1', endpoints, unnamed)], flows },
    {
      ...base,
      id: `terminating-${policy.toLowerCase()}-${id}-deleted`,
      from: `${base.from}, after its EndpointSlice is deleted`,
      slices: [],
      flows: [
        { name: 'pod to clusterIP after endpoints deleted', src: '10.0.0.2', dst: '172.30.1.1', dport: 80, expect: verdict('REJECT'), masq: false },
        { name: 'external to LB after endpoints deleted', src: EXTERNAL_CLIENT, dst: '1.2.3.4', dport: 80, expect: verdict('REJECT'), masq: false },
      ],
    },
  ];
}

const podToCip = (eps: string[], masq = false): Flow => ({ name: 'pod to clusterIP', src: '10.0.0.2', dst: '172.30.1.1', dport: 80, expect: eps.length > 0 ? dnat(...eps) : verdict('REJECT'), masq });
const extToLb = (name: string, e: Expect, masq: boolean): Flow => ({ name, src: EXTERNAL_CLIENT, dst: '1.2.3.4', dport: 80, expect: e, masq });

/** The flows of TestInternalExternalMasquerade with a working local-traffic detector and no masqueradeAll. */
function masqueradeFlows(): Flow[] {
  const nodeIP = NODE_IPS_V4[0]!;
  const svc1 = dnat('10.180.0.1:80', '10.180.1.1:80');
  const svc2 = dnat('10.180.0.2:80', '10.180.1.2:80');
  const svc3 = dnat('10.180.0.3:80', '10.180.1.3:80');
  const f = (name: string, src: string, dst: string, dport: number, expect: Expect, masq: boolean): Flow => ({ name, src, dst, dport, expect, masq });
  return [
    f('pod to ClusterIP', '10.0.0.2', '172.30.0.41', 80, svc1, false),
    f('pod to NodePort', '10.0.0.2', nodeIP, 3001, svc1, true),
    f('pod to LB', '10.0.0.2', '1.2.3.4', 80, svc1, true),
    f('node to ClusterIP', nodeIP, '172.30.0.41', 80, svc1, true),
    f('node to NodePort', nodeIP, nodeIP, 3001, svc1, true),
    f('localhost to NodePort', '127.0.0.1', '127.0.0.1', 3001, svc1, true),
    f('node to LB', nodeIP, '1.2.3.4', 80, svc1, true),
    f('external to ClusterIP', EXTERNAL_CLIENT, '172.30.0.41', 80, svc1, true),
    f('external to NodePort', EXTERNAL_CLIENT, nodeIP, 3001, svc1, true),
    f('external to LB', EXTERNAL_CLIENT, '1.2.3.4', 80, svc1, true),
    f('pod to ClusterIP with eTP:Local', '10.0.0.2', '172.30.0.42', 80, svc2, false),
    f('pod to NodePort with eTP:Local', '10.0.0.2', nodeIP, 3002, svc2, false),
    f('pod to LB with eTP:Local', '10.0.0.2', '5.6.7.8', 80, svc2, false),
    f('node to ClusterIP with eTP:Local', nodeIP, '172.30.0.42', 80, svc2, true),
    // (kube-proxy's case sends this one to svc1's NodePort 3001.)
    f('node to NodePort with eTP:Local', nodeIP, nodeIP, 3001, svc1, true),
    f('localhost to NodePort with eTP:Local', '127.0.0.1', '127.0.0.1', 3002, svc2, true),
    f('node to LB with eTP:Local', nodeIP, '5.6.7.8', 80, svc2, true),
    f('external to ClusterIP with eTP:Local', EXTERNAL_CLIENT, '172.30.0.42', 80, svc2, true),
    f('external to NodePort with eTP:Local', EXTERNAL_CLIENT, nodeIP, 3002, dnat('10.180.0.2:80'), false),
    f('external to LB with eTP:Local', EXTERNAL_CLIENT, '5.6.7.8', 80, dnat('10.180.0.2:80'), false),
    f('pod to ClusterIP with iTP:Local', '10.0.0.2', '172.30.0.43', 80, dnat('10.180.0.3:80'), false),
    f('pod to NodePort with iTP:Local', '10.0.0.2', nodeIP, 3003, svc3, true),
    f('pod to LB with iTP:Local', '10.0.0.2', '9.10.11.12', 80, svc3, true),
    f('node to ClusterIP with iTP:Local', nodeIP, '172.30.0.43', 80, dnat('10.180.0.3:80'), true),
    f('node to NodePort with iTP:Local', nodeIP, nodeIP, 3003, svc3, true),
    f('localhost to NodePort with iTP:Local', '127.0.0.1', '127.0.0.1', 3003, svc3, true),
    f('node to LB with iTP:Local', nodeIP, '9.10.11.12', 80, svc3, true),
    f('external to ClusterIP with iTP:Local', EXTERNAL_CLIENT, '172.30.0.43', 80, dnat('10.180.0.3:80'), true),
    f('external to NodePort with iTP:Local', EXTERNAL_CLIENT, nodeIP, 3003, svc3, true),
    f('external to LB with iTP:Local', EXTERNAL_CLIENT, '9.10.11.12', 80, svc3, true),
  ];
}

function masqueradeScenario(id: string, masqueradeAll: boolean, localDetector: boolean, overrides: Record<string, { expect?: Expect; masq?: boolean }>): Scenario {
  const cfg: KubeProxyConfiguration = localDetector ? config() : { apiVersion: 'kubeproxy.config.k8s.io/v1alpha1', kind: 'KubeProxyConfiguration' };
  if (masqueradeAll) cfg.iptables = { masqueradeAll: true };
  const lb = (ns: string, name: string, ip: string, nodePort: number, hc: number, extra: Partial<ServiceObject['spec']>, lbIP: string) =>
    service(ns, name, { type: 'LoadBalancer', clusterIP: ip, ports: [port('p80', 80, { nodePort })], healthCheckNodePort: hc, ...extra }, [lbIP]);
  const pair = (ns: string, name: string, n: number) => slice(ns, name, [on(`10.180.0.${n}`, NODE_NAME), on(`10.180.1.${n}`, 'remote')], tcp80());
  return {
    id: `internal-external-masquerade-${id}`,
    from: `TestInternalExternalMasquerade (${id})`,
    family: 4,
    config: cfg,
    services: [
      lb('ns1', 'svc1', '172.30.0.41', 3001, 30001, {}, '1.2.3.4'),
      lb('ns2', 'svc2', '172.30.0.42', 3002, 30002, { externalTrafficPolicy: 'Local' }, '5.6.7.8'),
      lb('ns3', 'svc3', '172.30.0.43', 3003, 30003, { internalTrafficPolicy: 'Local' }, '9.10.11.12'),
    ],
    slices: [pair('ns1', 'svc1', 1), pair('ns2', 'svc2', 2), pair('ns3', 'svc3', 3)],
    flows: masqueradeFlows().map((fl) => ({ ...fl, ...overrides[fl.name] })),
  };
}

const toClusterIpMasqAll = { 'pod to ClusterIP': { masq: true }, 'pod to ClusterIP with eTP:Local': { masq: true }, 'pod to ClusterIP with iTP:Local': { masq: true } };
const noDetectorLocalOnly = { 'pod to NodePort with eTP:Local': { expect: dnat('10.180.0.2:80') }, 'pod to LB with eTP:Local': { expect: dnat('10.180.0.2:80') } };

SCENARIOS.push(
  ...itp('cluster', 'Cluster', [['10.0.1.1', NODE_NAME], ['10.0.1.2', 'node1'], ['10.0.1.3', 'node2']], {
    name: 'pod to ClusterIP hits all endpoints',
    src: '10.0.0.2',
    dst: '172.30.1.1',
    dport: 80,
    expect: dnat('10.0.1.1:80', '10.0.1.2:80', '10.0.1.3:80'),
    masq: false,
  }),
  ...itp('local-one-local-endpoint', 'Local', [['10.0.1.1', NODE_NAME], ['10.0.1.2', 'node1'], ['10.0.1.3', 'node2']], {
    name: 'pod to ClusterIP hits only local endpoint',
    src: '10.0.0.2',
    dst: '172.30.1.1',
    dport: 80,
    expect: dnat('10.0.1.1:80'),
    masq: false,
  }),
  ...itp('local-several-local-endpoints', 'Local', [['10.0.1.1', NODE_NAME], ['10.0.1.2', NODE_NAME], ['10.0.1.3', 'node2']], {
    name: 'pod to ClusterIP hits all local endpoints',
    src: '10.0.0.2',
    dst: '172.30.1.1',
    dport: 80,
    expect: dnat('10.0.1.1:80', '10.0.1.2:80'),
    masq: false,
  }),
  ...itp('local-no-local-endpoints', 'Local', [['10.0.1.1', 'node0'], ['10.0.1.2', 'node1'], ['10.0.1.3', 'node2']], {
    name: 'no endpoints',
    src: '10.0.0.2',
    dst: '172.30.1.1',
    dport: 80,
    expect: verdict('DROP'),
    masq: false,
  }),
  ...terminating(
    'Local',
    'ready-endpoints-exist',
    [on('10.0.1.1', NODE_NAME), on('10.0.1.2', NODE_NAME), on('10.0.1.3', NODE_NAME, SERVING_TERMINATING), on('10.0.1.4', NODE_NAME, GONE), on('10.0.1.5', 'node-1')],
    [podToCip(['10.0.1.1:80', '10.0.1.2:80', '10.0.1.5:80']), extToLb('external to LB', dnat('10.0.1.1:80', '10.0.1.2:80'), false)],
  ),
  ...terminating(
    'Local',
    'only-terminating-endpoints-exist',
    [on('10.0.1.2', NODE_NAME, SERVING_TERMINATING), on('10.0.1.3', NODE_NAME, SERVING_TERMINATING), on('10.0.1.4', NODE_NAME, GONE), on('10.0.1.5', 'node-1')],
    [podToCip(['10.0.1.5:80']), extToLb('external to LB', dnat('10.0.1.2:80', '10.0.1.3:80'), false)],
  ),
  ...terminating('Local', 'terminating-endpoints-on-remote-node', [on('10.0.1.5', 'node-1', SERVING_TERMINATING)], [
    podToCip(['10.0.1.5:80']),
    extToLb('external to LB, no locally-usable endpoints', verdict('DROP'), false),
  ]),
  ...terminating('Local', 'no-usable-endpoints-on-any-node', [on('10.0.1.5', NODE_NAME, GONE), on('10.0.1.5', 'node-1', GONE)], [
    { ...podToCip([]), name: 'pod to clusterIP, no usable endpoints' },
    extToLb('external to LB, no usable endpoints', verdict('REJECT'), false),
  ]),
  ...terminating(
    'Cluster',
    'ready-endpoints-exist',
    [on('10.0.1.1', NODE_NAME), on('10.0.1.2', NODE_NAME), on('10.0.1.3', 'another-node', SERVING_TERMINATING), on('10.0.1.4', 'another-node', GONE), on('10.0.1.5', 'another-node')],
    [podToCip(['10.0.1.1:80', '10.0.1.2:80', '10.0.1.5:80']), extToLb('external to LB', dnat('10.0.1.1:80', '10.0.1.2:80', '10.0.1.5:80'), true)],
  ),
  ...terminating(
    'Cluster',
    'only-terminating-endpoints-exist',
    [on('10.0.1.2', NODE_NAME, SERVING_TERMINATING), on('10.0.1.3', NODE_NAME, SERVING_TERMINATING), on('10.0.1.4', 'another-node', GONE), on('10.0.1.5', 'another-node', SERVING_TERMINATING)],
    [podToCip(['10.0.1.2:80', '10.0.1.3:80', '10.0.1.5:80']), extToLb('external to LB', dnat('10.0.1.2:80', '10.0.1.3:80', '10.0.1.5:80'), true)],
  ),
  ...terminating('Cluster', 'terminating-endpoints-on-remote-node', [on('10.0.1.5', 'node-1', SERVING_TERMINATING)], [
    podToCip(['10.0.1.5:80']),
    extToLb('external to LB', dnat('10.0.1.5:80'), true),
  ]),
  ...terminating('Cluster', 'no-usable-endpoints-on-any-node', [on('10.0.1.5', NODE_NAME, GONE), on('10.0.1.5', 'node-1', GONE)], [
    podToCip([]),
    extToLb('external to LB', verdict('REJECT'), false),
  ]),
  masqueradeScenario('base', false, true, {}),
  masqueradeScenario('no-local-traffic-detector', false, false, {
    'node to ClusterIP': { masq: false },
    'node to ClusterIP with eTP:Local': { masq: false },
    'node to ClusterIP with iTP:Local': { masq: false },
    'external to ClusterIP': { masq: false },
    'external to ClusterIP with eTP:Local': { masq: false },
    'external to ClusterIP with iTP:Local': { masq: false },
    ...noDetectorLocalOnly,
  }),
  masqueradeScenario('masquerade-all', true, true, toClusterIpMasqAll),
  masqueradeScenario('masquerade-all-no-local-traffic-detector', true, false, { ...toClusterIpMasqAll, ...noDetectorLocalOnly }),
);
