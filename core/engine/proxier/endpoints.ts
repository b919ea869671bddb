// Endpoints per service port, as kube-proxy's EndpointSlice cache builds
// them: slices of the proxier's family, first address of each endpoint,
// de-duplicated by ip:port (a local copy wins), sorted by "ip:port" text;
// then split into the endpoints Cluster and Local traffic policy use.

import type { EndpointSliceObject } from '../k8s/types.js';
import { LABEL_SERVICE_NAME } from '../k8s/types.js';
import type { Family, ServicePortInfo } from './serviceports.js';
import { familyOf, usesClusterEndpoints, usesLocalEndpoints } from './serviceports.js';

export interface EndpointInfo {
  ip: string;
  port: number;
  /** `10.244.1.5:80` or `[fd00::5]:80` */
  endpoint: string;
  isLocal: boolean;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  /** Zones the EndpointSlice controller hinted this endpoint for. */
  zoneHints: string[];
}

/** Key of a service port: `ns/name:port/TCP`. */
export function servicePortKey(serviceName: string, portName: string, apiProtocol: string): string {
  return `${serviceName}:${portName}/${apiProtocol}`;
}

export function joinHostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Endpoints of every service port found in `slices`, for a proxier on `nodeName` in `family`. */
export function buildEndpointsMap(slices: readonly EndpointSliceObject[], family: Family, nodeName: string): Map<string, EndpointInfo[]> {
  const addressType = family === 4 ? 'IPv4' : 'IPv6';
  const sets = new Map<string, Map<string, EndpointInfo>>();
  // kube-proxy walks a service's slices by name so duplicates resolve the same way every time.
  const ordered = [...slices].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  for (const slice of ordered) {
    if (slice.addressType !== addressType) continue;
    const svc = slice.metadata.labels?.[LABEL_SERVICE_NAME];
    if (svc === undefined || svc === '') continue;
    const serviceName = `${slice.metadata.namespace ?? 'default'}/${svc}`;
    for (const port of slice.ports ?? []) {
      if (port.port === undefined || port.port === 0) continue;
      const key = servicePortKey(serviceName, port.name ?? '', port.protocol ?? 'TCP');
      let set = sets.get(key);
      if (set === undefined) sets.set(key, (set = new Map()));
      for (const ep of slice.endpoints) {
        const ip = ep.addresses[0];
        if (ip === undefined || familyOf(ip) !== family) continue;
        const isLocal = ep.nodeName !== undefined && ep.nodeName === nodeName;
        const ready = ep.conditions?.ready ?? true;
        const info: EndpointInfo = {
          ip,
          port: port.port,
          endpoint: joinHostPort(ip, port.port),
          isLocal,
          ready,
          serving: ep.conditions?.serving ?? ready,
          terminating: ep.conditions?.terminating ?? false,
          zoneHints: (ep.hints?.forZones ?? []).map((z) => z.name),
        };
        if (!set.has(info.endpoint) || isLocal) set.set(info.endpoint, info);
      }
    }
  }
  const out = new Map<string, EndpointInfo[]>();
  for (const [key, set] of sets) {
    out.set(key, [...set.values()].sort((a, b) => (a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0)));
  }
  return out;
}

export interface Categorized {
  clusterEndpoints: EndpointInfo[];
  localEndpoints: EndpointInfo[];
  /** Every endpoint this node may DNAT to (each gets a KUBE-SEP chain). */
  allReachable: EndpointInfo[];
  /** Some usable endpoint exists anywhere in the cluster. */
  hasAnyEndpoints: boolean;
}

/** kube-proxy's endpoint selection: ready first, else serving-and-terminating ones (the fallback). */
/**
 * Topology-aware routing applies when the service asks for it, the node has a
 * zone, every ready endpoint carries zone hints and one of them is for this zone.
 */
export function canUseTopology(endpoints: readonly EndpointInfo[], svc: ServicePortInfo, nodeZone: string | undefined): boolean {
  if (!svc.topologyAware || nodeZone === undefined || nodeZone === '') return false;
  let forZone = false;
  for (const e of endpoints) {
    if (!e.ready) continue;
    if (e.zoneHints.length === 0) return false;
    if (e.zoneHints.includes(nodeZone)) forZone = true;
  }
  return forZone;
}

export function categorizeEndpoints(endpoints: readonly EndpointInfo[], svc: ServicePortInfo, nodeZone?: string): Categorized {
  let clusterEndpoints: EndpointInfo[] = [];
  let localEndpoints: EndpointInfo[] = [];
  let hasAnyEndpoints = false;
  if (usesClusterEndpoints(svc)) {
    const topology = canUseTopology(endpoints, svc, nodeZone);
    clusterEndpoints = endpoints.filter((e) => e.ready && (!topology || e.zoneHints.includes(nodeZone!)));
    if (clusterEndpoints.length === 0) clusterEndpoints = endpoints.filter((e) => e.serving && e.terminating);
    hasAnyEndpoints = clusterEndpoints.length > 0;
  }
  if (!usesLocalEndpoints(svc)) return { clusterEndpoints, localEndpoints, allReachable: clusterEndpoints, hasAnyEndpoints };

  let localReady = false;
  let localTerminating = false;
  for (const e of endpoints) {
    if (e.ready) {
      hasAnyEndpoints = true;
      if (e.isLocal) localReady = true;
    } else if (e.serving && e.terminating) {
      hasAnyEndpoints = true;
      if (e.isLocal) localTerminating = true;
    }
  }
  if (localReady) localEndpoints = endpoints.filter((e) => e.isLocal && e.ready);
  else if (localTerminating) localEndpoints = endpoints.filter((e) => e.isLocal && e.serving && e.terminating);

  if (!usesClusterEndpoints(svc)) return { clusterEndpoints, localEndpoints, allReachable: localEndpoints, hasAnyEndpoints };

  const merged = new Map<string, EndpointInfo>();
  for (const e of clusterEndpoints) merged.set(e.endpoint, e);
  for (const e of localEndpoints) merged.set(e.endpoint, e);
  const allReachable = [...merged.values()].sort((a, b) => (a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0));
  return { clusterEndpoints, localEndpoints, allReachable, hasAnyEndpoints };
}
