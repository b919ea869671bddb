// Legacy v1 Endpoints as EndpointSlices, the way the EndpointSlice mirroring
// controller copies them: one slice per subset and address family, ready
// addresses with ready=true, notReadyAddresses with ready=false. kube-proxy
// only reads slices, so a cluster described with `kubectl get ep -o yaml`
// still proxies.

import { parseIPv4 } from '../net/ip.js';
import type { Endpoint, EndpointSliceObject, EndpointsObject, EndpointAddress } from './types.js';
import { LABEL_MANAGED_BY, LABEL_SERVICE_NAME } from './types.js';

export const MIRRORING_CONTROLLER = 'endpointslicemirroring-controller.k8s.io';

function toEndpoint(a: EndpointAddress, ready: boolean): Endpoint {
  const ep: Endpoint = { addresses: [a.ip], conditions: { ready } };
  if (a.hostname !== undefined) ep.hostname = a.hostname;
  if (a.nodeName !== undefined) ep.nodeName = a.nodeName;
  if (a.targetRef !== undefined) ep.targetRef = a.targetRef;
  return ep;
}

/** The slices the mirroring controller keeps for one Endpoints object (names `<name>-mirror-<n>`, deterministic). */
export function mirrorEndpoints(ep: EndpointsObject): EndpointSliceObject[] {
  const out: EndpointSliceObject[] = [];
  const ns = ep.metadata.namespace ?? 'default';
  for (const subset of ep.subsets ?? []) {
    for (const family of ['IPv4', 'IPv6'] as const) {
      const isFamily = (a: EndpointAddress): boolean => (parseIPv4(a.ip) !== null) === (family === 'IPv4');
      const endpoints = [
        ...(subset.addresses ?? []).filter(isFamily).map((a) => toEndpoint(a, true)),
        ...(subset.notReadyAddresses ?? []).filter(isFamily).map((a) => toEndpoint(a, false)),
      ];
      if (endpoints.length === 0) continue;
      out.push({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name: `${ep.metadata.name}-mirror-${out.length}`,
          namespace: ns,
          labels: { [LABEL_SERVICE_NAME]: ep.metadata.name, [LABEL_MANAGED_BY]: MIRRORING_CONTROLLER },
        },
        addressType: family,
        endpoints,
        ports: (subset.ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' })),
      });
    }
  }
  return out;
}

/**
 * The slices kube-proxy would see: every EndpointSlice, plus mirrored slices for
 * Endpoints whose Service has no slice of its own (the usual case for a file
 * made with `kubectl get ep -o yaml`).
 */
export function effectiveEndpointSlices(slices: readonly EndpointSliceObject[], endpoints: readonly EndpointsObject[]): EndpointSliceObject[] {
  const covered = new Set<string>();
  for (const s of slices) {
    const svc = s.metadata.labels?.[LABEL_SERVICE_NAME];
    if (svc !== undefined) covered.add(`${s.metadata.namespace ?? 'default'}/${svc}`);
  }
  const out = [...slices];
  for (const ep of endpoints) {
    if (covered.has(`${ep.metadata.namespace ?? 'default'}/${ep.metadata.name}`)) continue;
    out.push(...mirrorEndpoints(ep));
  }
  return out;
}
