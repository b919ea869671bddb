// The cluster of the Service-shape cases: two nodes, pods on both, one Service
// per shape kube-proxy knows (ClusterIP, NodePort, LoadBalancer with source
// ranges, externalIPs, externalTrafficPolicy=Local, internalTrafficPolicy=Local,
// ClientIP affinity, no endpoints). Node node-a is the one under test.
import type { EndpointSliceObject, KubeProxyConfiguration, NodeObject, ServiceObject, ServiceSpec } from '../../../core/engine/k8s/types.js';
import { nodeIptablesSave, syncProxyRules, DEFAULT_HOST_FACTS, type KubeProxyVersion, type ProxierInput } from '../../../core/engine/proxier/index.js';
import type { TopologySpec } from '../helpers/topology.js';

export const NODE_A = '192.168.49.2';
export const NODE_B = '192.168.49.3';
export const LB_IP = '203.0.113.100';
export const EXTERNAL_IP = '192.168.49.50';

/** Pod name → [ip, node]. */
export const PODS: Record<string, [string, 'node-a' | 'node-b']> = {
  'web-1': ['10.244.1.5', 'node-a'],
  'web-2': ['10.244.1.6', 'node-a'],
  'dns-1': ['10.244.1.10', 'node-a'],
  client: ['10.244.1.9', 'node-a'],
  'web-3': ['10.244.2.7', 'node-b'],
  'dns-2': ['10.244.2.8', 'node-b'],
};
const ip = (pod: string): string => PODS[pod]?.[0] ?? '';

function node(name: string, address: string, podCIDR: string): NodeObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: { podCIDR, podCIDRs: [podCIDR] }, status: { addresses: [{ type: 'InternalIP', address }, { type: 'Hostname', address: name }] } };
}

function service(name: string, spec: ServiceSpec, lbIngress?: string): ServiceObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { ipFamilies: ['IPv4'], ...spec },
    ...(lbIngress ? { status: { loadBalancer: { ingress: [{ ip: lbIngress, ipMode: 'VIP' as const }] } } } : {}),
  };
}

function slice(svc: string, pods: string[], port = 80, protocol: 'TCP' | 'UDP' = 'TCP', portName = ''): EndpointSliceObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${svc}-abcde`, namespace: 'default', labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    endpoints: pods.map((p) => ({ addresses: [ip(p)], conditions: { ready: true, serving: true, terminating: false }, nodeName: PODS[p]?.[1] ?? '', targetRef: { kind: 'Pod', namespace: 'default', name: p } })),
    ports: [{ name: portName, port, protocol }],
  };
}

const tcp80 = (nodePort?: number) => [{ port: 80, targetPort: 80, protocol: 'TCP' as const, ...(nodePort ? { nodePort } : {}) }];

export const SERVICES: ServiceObject[] = [
  service('web-single', { type: 'ClusterIP', clusterIP: '10.96.10.1', clusterIPs: ['10.96.10.1'], ports: tcp80() }),
  service('web', { type: 'NodePort', clusterIP: '10.96.10.2', clusterIPs: ['10.96.10.2'], ports: tcp80(30080), externalTrafficPolicy: 'Cluster' }),
  service('web-lb', { type: 'LoadBalancer', clusterIP: '10.96.10.3', clusterIPs: ['10.96.10.3'], ports: tcp80(30081), externalTrafficPolicy: 'Cluster', loadBalancerSourceRanges: ['203.0.113.0/24'] }, LB_IP),
  service('web-eip', { type: 'ClusterIP', clusterIP: '10.96.10.4', clusterIPs: ['10.96.10.4'], ports: tcp80(), externalIPs: [EXTERNAL_IP] }),
  service('web-local', { type: 'NodePort', clusterIP: '10.96.10.5', clusterIPs: ['10.96.10.5'], ports: tcp80(30082), externalTrafficPolicy: 'Local' }),
  service('web-remote-local', { type: 'NodePort', clusterIP: '10.96.10.6', clusterIPs: ['10.96.10.6'], ports: tcp80(30083), externalTrafficPolicy: 'Local' }),
  service('web-itp', { type: 'ClusterIP', clusterIP: '10.96.10.7', clusterIPs: ['10.96.10.7'], ports: tcp80(), internalTrafficPolicy: 'Local' }),
  service('web-affinity', { type: 'ClusterIP', clusterIP: '10.96.10.8', clusterIPs: ['10.96.10.8'], ports: tcp80(), sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } } }),
  service('empty', { type: 'NodePort', clusterIP: '10.96.10.9', clusterIPs: ['10.96.10.9'], ports: tcp80(30084) }),
  service('dns', { type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' }] }),
  service('web-itp-remote', { type: 'ClusterIP', clusterIP: '10.96.10.11', clusterIPs: ['10.96.10.11'], ports: tcp80(), internalTrafficPolicy: 'Local' }),
];

export const SLICES: EndpointSliceObject[] = [
  slice('web-single', ['web-1']),
  slice('web', ['web-2', 'web-3']),
  slice('web-lb', ['web-3']),
  slice('web-eip', ['web-1']),
  slice('web-local', ['web-1', 'web-3']),
  slice('web-remote-local', ['web-3']),
  slice('web-itp', ['web-2', 'web-3']),
  slice('web-affinity', ['web-1', 'web-3']),
  slice('dns', ['dns-1', 'dns-2'], 53, 'UDP', 'dns'),
  slice('web-itp-remote', ['web-3']),
];

const CONFIG: KubeProxyConfiguration = { apiVersion: 'kubeproxy.config.k8s.io/v1alpha1', kind: 'KubeProxyConfiguration', mode: 'iptables', clusterCIDR: '10.244.0.0/16', detectLocalMode: 'ClusterCIDR' };

export function proxierInput(version: KubeProxyVersion = '1.33'): ProxierInput {
  return {
    version,
    node: node('node-a', NODE_A, '10.244.1.0/24'),
    config: CONFIG,
    hostFacts: DEFAULT_HOST_FACTS,
    services: SERVICES,
    endpointSlices: SLICES,
  };
}

/** What `iptables-save` shows on node-a after kube-proxy's sync (our proxier + the node's base rules). */
export function proxierRuleset(version: KubeProxyVersion = '1.33'): string {
  const input = proxierInput(version);
  const out = syncProxyRules(input);
  const saved = nodeIptablesSave(input, out);
  if (!saved.ok) throw new Error(`nodeIptablesSave: ${saved.errors.map((e) => e.message).join('; ')}`);
  return saved.value;
}

const listen80 = [{ proto: 'tcp' as const, port: 80 }];
export const shapesTopology: TopologySpec = {
  nodeName: 'node-a',
  nodeAddresses: [`${NODE_A}/24`],
  externalAddresses: ['192.168.49.1/24', '192.168.49.100/24', '203.0.113.7/32', '198.51.100.9/32'],
  podCIDR: '10.244.1.0/24',
  pods: [
    { name: 'web-1', ip: ip('web-1'), listen: listen80 },
    { name: 'web-2', ip: ip('web-2'), listen: listen80 },
    { name: 'client', ip: ip('client') },
    { name: 'dns-1', ip: ip('dns-1'), listen: [{ proto: 'udp', port: 53 }] },
  ],
  peers: [{ name: 'node-b', ip: NODE_B, podCIDR: '10.244.2.0/24', pods: [{ name: 'web-3', ip: ip('web-3'), listen: listen80 }, { name: 'dns-2', ip: ip('dns-2'), listen: [{ proto: 'udp', port: 53 }] }] }],
  // A local web server, and a foreign process holding NodePort 30080's port (seeds 000/001: python -m SimpleHTTPServer).
  nodeListeners: [{ proto: 'tcp', port: 9090, process: 'python3' }, { proto: 'tcp', port: 30080, process: 'python' }],
  viaNode: ['10.96.0.0/12', `${LB_IP}/32`, `${EXTERNAL_IP}/32`],
};
