// Small builders for proxier tests: a node like kube-proxy's own test fixture
// (test-hostname, 192.168.0.2, cluster CIDR 10.0.0.0/8), services and slices.

import type { EndpointSliceObject, Endpoint, KubeProxyConfiguration, NodeObject, ServiceObject, ServicePort } from '../../../core/engine/k8s/types.js';
import type { HostFacts, KubeProxyVersion, ProxierInput } from '../../../core/engine/proxier/types.js';

export const TEST_HOSTNAME = 'test-hostname';
export const TEST_NODE_IP = '192.168.0.2';

export function node(name = TEST_HOSTNAME, addresses: string[] = [TEST_NODE_IP], podCIDR?: string): NodeObject {
  const n: NodeObject = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    spec: {},
    status: { addresses: addresses.map((a) => ({ type: 'InternalIP' as const, address: a })) },
  };
  if (podCIDR !== undefined) n.spec.podCIDR = podCIDR;
  return n;
}

export function config(extra: Partial<KubeProxyConfiguration> = {}): KubeProxyConfiguration {
  return { apiVersion: 'kubeproxy.config.k8s.io/v1alpha1', kind: 'KubeProxyConfiguration', clusterCIDR: '10.0.0.0/8', ...extra };
}

export function service(ns: string, name: string, spec: ServiceObject['spec'], lbIPs: string[] = []): ServiceObject {
  const s: ServiceObject = { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec };
  if (lbIPs.length > 0) s.status = { loadBalancer: { ingress: lbIPs.map((ip) => ({ ip })) } };
  return s;
}

export function port(name: string, port: number, extra: Partial<ServicePort> = {}): ServicePort {
  return { name, port, protocol: 'TCP', ...extra };
}

export function slice(ns: string, svc: string, endpoints: Endpoint[], ports: { name: string; port: number; protocol?: 'TCP' | 'UDP' | 'SCTP' }[], addressType: 'IPv4' | 'IPv6' = 'IPv4', suffix = '1'): EndpointSliceObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${svc}-${suffix}`, namespace: ns, labels: { 'kubernetes.io/service-name': svc } },
    addressType,
    endpoints,
    ports: ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol ?? 'TCP' })),
  };
}

export function ep(ip: string, extra: Partial<Endpoint> = {}): Endpoint {
  return { addresses: [ip], ...extra };
}

export function input(services: ServiceObject[], slices: EndpointSliceObject[], opts: { version?: KubeProxyVersion; node?: NodeObject; config?: KubeProxyConfiguration; facts?: Partial<HostFacts> } = {}): ProxierInput {
  return {
    version: opts.version ?? '1.33',
    node: opts.node ?? node(),
    config: opts.config ?? config(),
    hostFacts: { randomFully: false, nfacct: false, tcpBeLiberal: false, ...opts.facts },
    services,
    endpointSlices: slices,
  };
}

/** The restore text's lines for one table. */
export function tableLines(restore: string, table: 'filter' | 'nat'): string[] {
  const lines = restore.split('\n');
  const start = lines.indexOf(`*${table}`);
  const end = lines.indexOf('COMMIT', start);
  return lines.slice(start + 1, end);
}

/** Rules of one chain (`-A CHAIN …` lines, prefix stripped to `…`). */
export function chainRules(restore: string, table: 'filter' | 'nat', chain: string): string[] {
  const head = `-A ${chain} `;
  return tableLines(restore, table)
    .filter((l) => l.startsWith(head) || l === `-A ${chain}`)
    .map((l) => l.slice(head.length));
}

export function declaredChains(restore: string, table: 'filter' | 'nat'): string[] {
  return tableLines(restore, table)
    .filter((l) => l.startsWith(':'))
    .map((l) => l.slice(1).split(' ')[0]!);
}
