// What kube-proxy keeps of a Service: one entry per (service, port) in the
// proxier's IP family, with the API's defaults applied and the derived facts
// (externally accessible, which traffic policies are Local, sticky timeout).

import { parseIPv4, parseIPv6 } from '../net/ip.js';
import type { Protocol, ServiceObject } from '../k8s/types.js';

export type Family = 4 | 6;

export function familyOf(ip: string): Family | undefined {
  if (parseIPv4(ip) !== null) return 4;
  if (parseIPv6(ip) !== null) return 6;
  return undefined;
}

export function familyOfCidr(cidr: string): Family | undefined {
  return familyOf(cidr.split('/')[0] ?? '');
}

/** Default ClientIP affinity timeout (3 hours), as the API server sets it. */
export const DEFAULT_STICKY_SECONDS = 10800;

export interface ServicePortInfo {
  /** `namespace/name` */
  serviceName: string;
  /** '' for an unnamed port. */
  portName: string;
  /** `namespace/name:port` (or `namespace/name` for an unnamed port): comments and hashes use it. */
  nameString: string;
  apiProtocol: Protocol;
  /** Lower case, as written after -p and -m. */
  protocol: 'tcp' | 'udp' | 'sctp';
  clusterIP: string;
  port: number;
  /** 0 when the port has none. */
  nodePort: number;
  externalIPs: string[];
  loadBalancerVIPs: string[];
  loadBalancerSourceRanges: string[];
  /** 0 unless type LoadBalancer with externalTrafficPolicy Local. */
  healthCheckNodePort: number;
  externalPolicyLocal: boolean;
  internalPolicyLocal: boolean;
  clientIPAffinity: boolean;
  stickyMaxAgeSeconds: number;
  /** Topology-aware routing asked for (`service.kubernetes.io/topology-mode: Auto` or trafficDistribution PreferClose). */
  topologyAware: boolean;
}

export function externallyAccessible(p: ServicePortInfo): boolean {
  return p.nodePort !== 0 || p.loadBalancerVIPs.length > 0 || p.externalIPs.length > 0;
}

/** Cluster endpoints are used by internal Cluster policy and by every external path (its short-circuit rules). */
export function usesClusterEndpoints(p: ServicePortInfo): boolean {
  return !p.internalPolicyLocal || externallyAccessible(p);
}

export function usesLocalEndpoints(p: ServicePortInfo): boolean {
  return p.internalPolicyLocal || (p.externalPolicyLocal && externallyAccessible(p));
}

function apiExternallyAccessible(svc: ServiceObject): boolean {
  const t = svc.spec.type ?? 'ClusterIP';
  return t === 'LoadBalancer' || t === 'NodePort' || (t === 'ClusterIP' && (svc.spec.externalIPs ?? []).length > 0);
}

/** The service's cluster IP in this family, or undefined (headless, ExternalName, other family). */
function clusterIPFor(svc: ServiceObject, family: Family): string | undefined {
  if ((svc.spec.type ?? 'ClusterIP') === 'ExternalName') return undefined;
  const ips = svc.spec.clusterIPs !== undefined && svc.spec.clusterIPs.length > 0 ? svc.spec.clusterIPs : svc.spec.clusterIP !== undefined ? [svc.spec.clusterIP] : [];
  for (const ip of ips) {
    if (ip === 'None' || ip === '') return undefined;
    if (familyOf(ip) === family) return ip;
  }
  return undefined;
}

/** Every proxied service port of `services` in `family`. */
export function servicePorts(services: readonly ServiceObject[], family: Family): ServicePortInfo[] {
  const out: ServicePortInfo[] = [];
  for (const svc of services) {
    const clusterIP = clusterIPFor(svc, family);
    if (clusterIP === undefined) continue;
    const ns = svc.metadata.namespace ?? 'default';
    const serviceName = `${ns}/${svc.metadata.name}`;
    const externalPolicyLocal = apiExternallyAccessible(svc) && svc.spec.externalTrafficPolicy === 'Local';
    const isLB = svc.spec.type === 'LoadBalancer';
    const vips = (svc.status?.loadBalancer?.ingress ?? [])
      .filter((i) => i.ip !== undefined && i.ip !== '' && (i.ipMode ?? 'VIP') === 'VIP' && familyOf(i.ip) === family)
      .map((i) => i.ip!);
    const ranges = (svc.spec.loadBalancerSourceRanges ?? []).map((c) => c.trim()).filter((c) => familyOfCidr(c) === family);
    const affinity = svc.spec.sessionAffinity === 'ClientIP';
    const ann = svc.metadata.annotations ?? {};
    const mode = ann['service.kubernetes.io/topology-mode'] || ann['service.kubernetes.io/topology-aware-hints'] || '';
    const topologyAware = mode === 'Auto' || mode === 'auto' || svc.spec.trafficDistribution === 'PreferClose';
    for (const port of svc.spec.ports ?? []) {
      const portName = port.name ?? '';
      const apiProtocol = port.protocol ?? 'TCP';
      out.push({
        serviceName,
        portName,
        nameString: portName === '' ? serviceName : `${serviceName}:${portName}`,
        apiProtocol,
        protocol: apiProtocol.toLowerCase() as ServicePortInfo['protocol'],
        clusterIP,
        port: port.port,
        nodePort: port.nodePort ?? 0,
        externalIPs: (svc.spec.externalIPs ?? []).filter((ip) => familyOf(ip) === family),
        loadBalancerVIPs: vips,
        loadBalancerSourceRanges: ranges,
        healthCheckNodePort: isLB && externalPolicyLocal ? (svc.spec.healthCheckNodePort ?? 0) : 0,
        externalPolicyLocal,
        internalPolicyLocal: svc.spec.internalTrafficPolicy === 'Local',
        clientIPAffinity: affinity,
        stickyMaxAgeSeconds: affinity ? (svc.spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_STICKY_SECONDS) : 0,
        topologyAware,
      });
    }
  }
  // A stable order: kube-proxy walks a Go map; we walk names so output is reproducible.
  out.sort((a, b) => (a.nameString < b.nameString ? -1 : a.nameString > b.nameString ? 1 : a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0));
  return out;
}
