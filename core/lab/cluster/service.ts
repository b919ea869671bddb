// Service rules of the API server: defaulting, validation, ClusterIP allocation
// from the service CIDR and NodePort allocation from 30000-32767, with the
// server's exact messages.

import type { KubeObject } from './api.js';
import type { ServicePort, ServiceSpec } from '../../engine/k8s/types.js';
import { formatIPv4, inCidr, parseCidr, parseIPv4 } from '../../engine/net/ip.js';
import type { RngState } from '../sim/rng.js';
import { nextInt } from '../sim/rng.js';
import type { FieldError } from './status.js';
import { duplicate, forbidden, invalidValue, required, unsupported } from './status.js';
import { isObject } from './objects.js';

export const SERVICE_CIDR = '10.96.0.0/12';
export const NODE_PORT_RANGE = { from: 30000, to: 32767 };

const TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

export function serviceSpec(o: KubeObject): ServiceSpec {
  if (!isObject(o.spec)) o.spec = {};
  return o.spec as ServiceSpec;
}

/** What the API server fills in before validation (SetDefaults_Service + the strategy). */
export function defaultService(o: KubeObject, old?: KubeObject): void {
  const spec = serviceSpec(o);
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  if (spec.type === 'ExternalName') return;
  for (const p of spec.ports ?? []) {
    p.protocol ??= 'TCP';
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  spec.internalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  if (spec.sessionAffinity === 'ClientIP') {
    spec.sessionAffinityConfig ??= {};
    spec.sessionAffinityConfig.clientIP ??= {};
    spec.sessionAffinityConfig.clientIP.timeoutSeconds ??= 10800;
  }
  if (old !== undefined) {
    const o2 = serviceSpec(old);
    // Values the server allocated survive an update that leaves them out.
    if (spec.clusterIP === undefined && spec.clusterIPs === undefined && o2.clusterIP !== undefined) {
      spec.clusterIP = o2.clusterIP;
      spec.clusterIPs = o2.clusterIPs ? [...o2.clusterIPs] : undefined;
    }
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
      for (const p of spec.ports ?? []) {
        if (p.nodePort !== undefined) continue;
        const same = (o2.ports ?? []).find((q) => q.port === p.port && (q.protocol ?? 'TCP') === p.protocol && q.nodePort !== undefined);
        if (same) p.nodePort = same.nodePort;
      }
    } else {
      // Leaving NodePort: the old nodePorts are dropped with the type.
      for (const p of spec.ports ?? []) {
        const same = (o2.ports ?? []).find((q) => q.port === p.port && q.nodePort === p.nodePort);
        if (same !== undefined && (o2.type === 'NodePort' || o2.type === 'LoadBalancer')) delete p.nodePort;
      }
      if (o2.externalTrafficPolicy !== undefined && spec.externalTrafficPolicy === o2.externalTrafficPolicy) delete spec.externalTrafficPolicy;
    }
  }
  if (spec.clusterIP !== 'None') {
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
  } else {
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
  }
  if (o.status === undefined || !isObject(o.status.loadBalancer)) o.status = { loadBalancer: {} };
}

/** Field validation that does not depend on other objects. */
export function validateService(o: KubeObject, old?: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = serviceSpec(o);
  if (!TYPES.includes(spec.type ?? '')) errs.push(unsupported('spec.type', spec.type, TYPES));
  if (spec.type === 'ExternalName') {
    if (!spec.externalName) errs.push(required('spec.externalName'));
    return errs;
  }
  const ports = spec.ports ?? [];
  if (ports.length === 0) errs.push(required('spec.ports'));
  const names = new Set<string>();
  const seen = new Set<string>();
  ports.forEach((p: ServicePort, i) => {
    const f = `spec.ports[${i}]`;
    if (ports.length > 1 && !p.name) errs.push(required(`${f}.name`));
    if (p.name) {
      if (names.has(p.name)) errs.push(duplicate(`${f}.name`, p.name));
      names.add(p.name);
      if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(p.name) || p.name.length > 63) {
        errs.push(invalidValue(`${f}.name`, p.name, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"));
      }
    }
    if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) errs.push(invalidValue(`${f}.port`, p.port, 'must be between 1 and 65535, inclusive'));
    if (!PROTOCOLS.includes(p.protocol ?? '')) errs.push(unsupported(`${f}.protocol`, p.protocol, PROTOCOLS));
    if (typeof p.targetPort === 'number' && (!Number.isInteger(p.targetPort) || p.targetPort < 1 || p.targetPort > 65535)) {
      errs.push(invalidValue(`${f}.targetPort`, p.targetPort, 'must be between 1 and 65535, inclusive'));
    }
    const k = `${p.port}/${p.protocol}`;
    if (seen.has(k)) errs.push(duplicate(f, `${p.port}/${p.protocol}`));
    seen.add(k);
    if (p.nodePort !== undefined && p.nodePort !== 0) {
      if (spec.type === 'ClusterIP') errs.push(forbidden(`${f}.nodePort`, "may not be used when `type` is 'ClusterIP'"));
      else if (!Number.isInteger(p.nodePort) || p.nodePort < 1 || p.nodePort > 65535) errs.push(invalidValue(`${f}.nodePort`, p.nodePort, 'must be between 1 and 65535, inclusive'));
    }
  });
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
    const np = new Map<string, number>();
    ports.forEach((p, i) => {
      if (!p.nodePort) return;
      const k = `${p.nodePort}/${p.protocol}`;
      if (np.has(k)) errs.push(duplicate(`spec.ports[${i}].nodePort`, p.nodePort));
      np.set(k, i);
    });
  }
  const etp = spec.externalTrafficPolicy;
  if (etp !== undefined) {
    if (spec.type === 'ClusterIP') errs.push(invalidValue('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
    else if (etp !== 'Cluster' && etp !== 'Local') errs.push(unsupported('spec.externalTrafficPolicy', etp, ['Cluster', 'Local']));
  }
  if (spec.internalTrafficPolicy !== undefined && spec.internalTrafficPolicy !== 'Cluster' && spec.internalTrafficPolicy !== 'Local') {
    errs.push(unsupported('spec.internalTrafficPolicy', spec.internalTrafficPolicy, ['Cluster', 'Local']));
  }
  if (spec.sessionAffinity !== 'None' && spec.sessionAffinity !== 'ClientIP') errs.push(unsupported('spec.sessionAffinity', spec.sessionAffinity, ['ClientIP', 'None']));
  if (spec.selector !== undefined && !isObject(spec.selector)) errs.push(invalidValue('spec.selector', spec.selector, 'must be a map of string to string'));
  if (old !== undefined) {
    const o2 = serviceSpec(old);
    if (o2.clusterIP && o2.clusterIP !== 'None' && spec.clusterIP !== undefined && spec.clusterIP !== o2.clusterIP ) {
      errs.push(invalidValue('spec.clusterIPs[0]', [spec.clusterIP], 'may not change once set'));
    }
    if (o2.clusterIP === 'None' && spec.clusterIP !== 'None') errs.push(invalidValue('spec.clusterIPs[0]', [spec.clusterIP ?? ''], 'may not change once set'));
  }
  return errs;
}

/** Every ClusterIP and NodePort held by Services other than `except`. */
export function allocated(services: KubeObject[], except?: string): { ips: Set<string>; nodePorts: Set<string> } {
  const ips = new Set<string>();
  const nodePorts = new Set<string>();
  for (const s of services) {
    if (except !== undefined && `${s.metadata.namespace}/${s.metadata.name}` === except) continue;
    const spec = serviceSpec(s);
    for (const ip of spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : [])) ips.add(ip);
    for (const p of spec.ports ?? []) if (p.nodePort) nodePorts.add(`${p.nodePort}/${p.protocol ?? 'TCP'}`);
  }
  return { ips, nodePorts };
}

/**
 * Allocates what the Service still needs. NodePorts are one pool per protocol
 * in the real allocator? No: one pool for all protocols (a port number is taken
 * whatever its protocol), so we key on the number.
 */
export function allocateService(o: KubeObject, others: KubeObject[], rng: RngState, serviceCIDR = SERVICE_CIDR): FieldError[] {
  const spec = serviceSpec(o);
  const key = `${o.metadata.namespace}/${o.metadata.name}`;
  const { ips, nodePorts } = allocated(others, key);
  const takenPorts = new Set([...nodePorts].map((k) => Number(k.split('/')[0])));
  const errs: FieldError[] = [];
  if (spec.type === 'ExternalName') return errs;
  // ClusterIP
  if (spec.clusterIP !== 'None') {
    const wanted = spec.clusterIP ?? spec.clusterIPs?.[0];
    if (wanted !== undefined && wanted !== '') {
      const n = parseIPv4(wanted);
      if (n === null) errs.push(invalidValue('spec.clusterIPs[0]', [wanted], 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
      else if (!inCidr(serviceCIDR, wanted)) {
        errs.push(invalidValue('spec.clusterIPs', [wanted], `failed to allocate IP ${wanted}: the provided IP (${wanted}) is not in the valid range. The range of valid IPs is ${serviceCIDR}`));
      } else if (ips.has(wanted)) {
        errs.push(invalidValue('spec.clusterIPs', [wanted], `failed to allocate IP ${wanted}: provided IP is already allocated`));
      } else {
        spec.clusterIP = wanted;
        spec.clusterIPs = [wanted];
      }
    } else {
      const ip = randomServiceIP(serviceCIDR, ips, rng);
      if (ip === null) errs.push(invalidValue('spec.clusterIPs', [], 'failed to allocate IP: range is full'));
      else { spec.clusterIP = ip; spec.clusterIPs = [ip]; }
    }
  } else {
    spec.clusterIPs = ['None'];
  }
  // NodePorts
  if (spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false)) {
    const mine = new Set<number>();
    (spec.ports ?? []).forEach((p, i) => {
      if (p.nodePort === undefined || p.nodePort === 0) return;
      const f = `spec.ports[${i}].nodePort`;
      if (p.nodePort < NODE_PORT_RANGE.from || p.nodePort > NODE_PORT_RANGE.to) {
        errs.push(invalidValue(f, p.nodePort, `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE.from}-${NODE_PORT_RANGE.to}`));
      } else if (takenPorts.has(p.nodePort)) {
        errs.push(invalidValue(f, p.nodePort, 'provided port is already allocated'));
      }
      mine.add(p.nodePort);
    });
    for (const p of spec.ports ?? []) {
      if (p.nodePort !== undefined && p.nodePort !== 0) continue;
      const same = (spec.ports ?? []).find((q) => q !== p && q.port === p.port && q.nodePort);
      if (same?.nodePort) { p.nodePort = same.nodePort; continue; } // TCP+UDP on one port share a nodePort
      const port = randomNodePort(new Set([...takenPorts, ...mine]), rng);
      if (port === null) errs.push(invalidValue('spec.ports[0].nodePort', 0, 'range is full'));
      else { p.nodePort = port; mine.add(port); }
    }
  }
  return errs;
}

function randomServiceIP(cidr: string, taken: Set<string>, rng: RngState): string | null {
  const c = parseCidr(cidr);
  if (c === null || c.family !== 4) return null;
  const size = 2 ** (32 - c.prefix);
  // The lower band is kept for static IPs (10.96.0.1, 10.96.0.10): dynamic ones come from above it.
  const lower = Math.min(Math.max(16, Math.floor(size / 16)), 256);
  const base = c.net >>> 0;
  for (let tries = 0; tries < 4096; tries++) {
    const off = nextInt(rng, lower, size - 2);
    const ip = formatIPv4((base + off) >>> 0);
    if (!taken.has(ip)) return ip;
  }
  for (let off = 1; off < size - 1; off++) {
    const ip = formatIPv4((base + off) >>> 0);
    if (!taken.has(ip)) return ip;
  }
  return null;
}

function randomNodePort(taken: Set<number>, rng: RngState): number | null {
  for (let tries = 0; tries < 4096; tries++) {
    const p = nextInt(rng, NODE_PORT_RANGE.from, NODE_PORT_RANGE.to);
    if (!taken.has(p)) return p;
  }
  for (let p = NODE_PORT_RANGE.from; p <= NODE_PORT_RANGE.to; p++) if (!taken.has(p)) return p;
  return null;
}
