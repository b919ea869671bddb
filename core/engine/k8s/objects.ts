// Typed readers for each supported kind: they keep the API's field names, check
// types and the rules kube-proxy relies on (ports 1-65535, known protocols,
// valid IPs), and leave unset fields unset (defaults are applied by consumers).

import { parseIPv4, parseIPv6 } from '../net/ip.js';
import type { FieldReader, PathElem } from './fields.js';
import type {
  Endpoint,
  EndpointAddress,
  EndpointPort,
  EndpointSliceObject,
  EndpointsObject,
  EndpointsPort,
  EndpointSubset,
  K8sObject,
  KubeProxyConfiguration,
  LoadBalancerIngress,
  NodeAddress,
  NodeObject,
  ObjectMeta,
  ObjectReference,
  PodObject,
  Protocol,
  ServiceObject,
  ServicePort,
} from './types.js';

export const SUPPORTED_KINDS: readonly string[] = ['Service', 'EndpointSlice', 'Endpoints', 'Node', 'Pod', 'KubeProxyConfiguration'];

const PROTOCOLS: readonly Protocol[] = ['SCTP', 'TCP', 'UDP'];
const IP_HINT = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

export function isIP(s: string): boolean {
  return parseIPv4(s) !== null || parseIPv6(s) !== null;
}

export function isCIDR(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash < 0) return false;
  const ip = s.slice(0, slash);
  const bits = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits)) return false;
  const n = Number(bits);
  if (parseIPv4(ip) !== null) return n <= 32;
  if (parseIPv6(ip) !== null) return n <= 128;
  return false;
}

export function readObject(kind: string, m: Record<string, unknown>, r: FieldReader): K8sObject | undefined {
  switch (kind) {
    case 'Service':
      return readService(m, r);
    case 'EndpointSlice':
      return readEndpointSlice(m, r);
    case 'Endpoints':
      return readEndpoints(m, r);
    case 'Node':
      return readNode(m, r);
    case 'Pod':
      return readPod(m, r);
    case 'KubeProxyConfiguration':
      return readKubeProxyConfiguration(m, r);
    default:
      return undefined;
  }
}

function readMeta(kind: string, m: Record<string, unknown>, r: FieldReader, namespaced: boolean): ObjectMeta {
  const md = r.map(m['metadata'], ['metadata']) ?? {};
  const name = r.string(md['name'], ['metadata', 'name']);
  const ns = namespaced ? (r.string(md['namespace'], ['metadata', 'namespace']) ?? 'default') : undefined;
  r.object = `${kind} ${ns !== undefined ? `${ns}/` : ''}${name ?? ''}`;
  if (name === undefined || name === '') r.error(['metadata', 'name'], 'Required value: name or generateName is required');
  const meta: ObjectMeta = { name: name ?? '' };
  if (ns !== undefined) meta.namespace = ns;
  const labels = r.stringMap(md['labels'], ['metadata', 'labels']);
  if (labels !== undefined) meta.labels = labels;
  const annotations = r.stringMap(md['annotations'], ['metadata', 'annotations']);
  if (annotations !== undefined) meta.annotations = annotations;
  for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp'] as const) {
    const v = md[k];
    if (typeof v === 'string') meta[k] = v;
  }
  return meta;
}

function protocolAt(v: unknown, path: PathElem[], r: FieldReader): Protocol | undefined {
  return r.oneOf(v, path, PROTOCOLS);
}

function ipAt(v: unknown, path: PathElem[], r: FieldReader): string | undefined {
  const s = r.string(v, path);
  if (s === undefined) return undefined;
  if (!isIP(s)) {
    r.invalid(path, s, IP_HINT);
    return undefined;
  }
  return s;
}

// ---------------------------------------------------------------- Service

function readService(m: Record<string, unknown>, r: FieldReader): ServiceObject {
  const metadata = readMeta('Service', m, r, true);
  const spec = r.map(m['spec'], ['spec']) ?? {};
  const P = (...p: PathElem[]): PathElem[] => ['spec', ...p];
  const svc: ServiceObject = { apiVersion: 'v1', kind: 'Service', metadata, spec: {} };
  const s = svc.spec;
  const type = r.oneOf(spec['type'], P('type'), ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'] as const);
  if (type !== undefined) s.type = type;
  const ports = r.list(spec['ports'], P('ports'));
  if (ports !== undefined) {
    s.ports = [];
    ports.forEach((pv, i) => {
      const pm = r.map(pv, P('ports', i));
      if (pm === undefined) return;
      const sp: ServicePort = { port: 0 };
      const name = r.string(pm['name'], P('ports', i, 'name'));
      if (name !== undefined && name !== '') sp.name = name;
      if (pm['port'] === undefined || pm['port'] === null) r.required(P('ports', i, 'port'));
      else sp.port = r.intIn(pm['port'], P('ports', i, 'port'), 1, 65535) ?? 0;
      const proto = protocolAt(pm['protocol'], P('ports', i, 'protocol'), r);
      if (proto !== undefined) sp.protocol = proto;
      const tp = pm['targetPort'];
      if (typeof tp === 'string' && /^\d+$/.test(tp)) sp.targetPort = Number(tp);
      else if (typeof tp === 'string') sp.targetPort = tp;
      else if (tp !== undefined && tp !== null) {
        const n = r.intIn(tp, P('ports', i, 'targetPort'), 1, 65535);
        if (n !== undefined) sp.targetPort = n;
      }
      if (pm['nodePort'] !== undefined && pm['nodePort'] !== null) {
        const np = r.intIn(pm['nodePort'], P('ports', i, 'nodePort'), 0, 65535);
        if (np !== undefined && np !== 0) sp.nodePort = np;
      }
      if (typeof pm['appProtocol'] === 'string') sp.appProtocol = pm['appProtocol'];
      s.ports!.push(sp);
    });
    if (s.ports.length > 1) {
      const seen = new Set<string>();
      s.ports.forEach((p, i) => {
        if (p.name === undefined) r.required(P('ports', i, 'name'));
        else if (seen.has(p.name)) r.error(P('ports', i, 'name'), `Duplicate value: ${JSON.stringify(p.name)}`);
        else seen.add(p.name);
      });
    }
  }
  const selector = r.stringMap(spec['selector'], P('selector'));
  if (selector !== undefined) s.selector = selector;
  const cip = r.string(spec['clusterIP'], P('clusterIP'));
  if (cip !== undefined) {
    if (cip !== 'None' && cip !== '' && !isIP(cip)) r.invalid(P('clusterIP'), cip, IP_HINT);
    s.clusterIP = cip;
  }
  const cips = r.stringList(spec['clusterIPs'], P('clusterIPs'));
  if (cips !== undefined) {
    cips.forEach((c, i) => {
      if (c !== 'None' && !isIP(c)) r.invalid(P('clusterIPs', i), c, IP_HINT);
    });
    s.clusterIPs = cips;
  }
  const fams = r.list(spec['ipFamilies'], P('ipFamilies'));
  if (fams !== undefined) {
    s.ipFamilies = [];
    fams.forEach((f, i) => {
      const v = r.oneOf(f, P('ipFamilies', i), ['IPv4', 'IPv6'] as const);
      if (v !== undefined) s.ipFamilies!.push(v);
    });
  }
  const famPolicy = r.oneOf(spec['ipFamilyPolicy'], P('ipFamilyPolicy'), ['PreferDualStack', 'RequireDualStack', 'SingleStack'] as const);
  if (famPolicy !== undefined) s.ipFamilyPolicy = famPolicy;
  const eips = r.stringList(spec['externalIPs'], P('externalIPs'));
  if (eips !== undefined) {
    eips.forEach((e, i) => {
      if (!isIP(e)) r.invalid(P('externalIPs', i), e, IP_HINT);
    });
    s.externalIPs = eips;
  }
  const en = r.string(spec['externalName'], P('externalName'));
  if (en !== undefined) s.externalName = en;
  const etp = r.oneOf(spec['externalTrafficPolicy'], P('externalTrafficPolicy'), ['Cluster', 'Local'] as const);
  if (etp !== undefined) s.externalTrafficPolicy = etp;
  const itp = r.oneOf(spec['internalTrafficPolicy'], P('internalTrafficPolicy'), ['Cluster', 'Local'] as const);
  if (itp !== undefined) s.internalTrafficPolicy = itp;
  if (spec['healthCheckNodePort'] !== undefined && spec['healthCheckNodePort'] !== null) {
    const h = r.intIn(spec['healthCheckNodePort'], P('healthCheckNodePort'), 0, 65535);
    if (h !== undefined && h !== 0) s.healthCheckNodePort = h;
  }
  const lbip = r.string(spec['loadBalancerIP'], P('loadBalancerIP'));
  if (lbip !== undefined) s.loadBalancerIP = lbip;
  const ranges = r.stringList(spec['loadBalancerSourceRanges'], P('loadBalancerSourceRanges'));
  if (ranges !== undefined) {
    ranges.forEach((c, i) => {
      if (!isCIDR(c.trim())) r.invalid(P('loadBalancerSourceRanges', i), c, 'must be a valid CIDR (e.g. 10.0.0.0/8)');
    });
    s.loadBalancerSourceRanges = ranges.map((c) => c.trim());
  }
  const lbc = r.string(spec['loadBalancerClass'], P('loadBalancerClass'));
  if (lbc !== undefined) s.loadBalancerClass = lbc;
  const alloc = r.bool(spec['allocateLoadBalancerNodePorts'], P('allocateLoadBalancerNodePorts'));
  if (alloc !== undefined) s.allocateLoadBalancerNodePorts = alloc;
  const aff = r.oneOf(spec['sessionAffinity'], P('sessionAffinity'), ['ClientIP', 'None'] as const);
  if (aff !== undefined) s.sessionAffinity = aff;
  const affCfg = r.map(spec['sessionAffinityConfig'], P('sessionAffinityConfig'));
  if (affCfg !== undefined) {
    const cip2 = r.map(affCfg['clientIP'], P('sessionAffinityConfig', 'clientIP'));
    s.sessionAffinityConfig = {};
    if (cip2 !== undefined) {
      const t = r.intIn(cip2['timeoutSeconds'], P('sessionAffinityConfig', 'clientIP', 'timeoutSeconds'), 1, 86400);
      s.sessionAffinityConfig.clientIP = t !== undefined ? { timeoutSeconds: t } : {};
    }
  }
  const pnra = r.bool(spec['publishNotReadyAddresses'], P('publishNotReadyAddresses'));
  if (pnra !== undefined) s.publishNotReadyAddresses = pnra;
  const td = r.string(spec['trafficDistribution'], P('trafficDistribution'));
  if (td !== undefined) s.trafficDistribution = td;

  const status = r.map(m['status'], ['status']);
  const lb = status !== undefined ? r.map(status['loadBalancer'], ['status', 'loadBalancer']) : undefined;
  const ingress = lb !== undefined ? r.list(lb['ingress'], ['status', 'loadBalancer', 'ingress']) : undefined;
  if (ingress !== undefined) {
    const list: LoadBalancerIngress[] = [];
    ingress.forEach((iv, i) => {
      const path: PathElem[] = ['status', 'loadBalancer', 'ingress', i];
      const im = r.map(iv, path);
      if (im === undefined) return;
      const ing: LoadBalancerIngress = {};
      const ip = ipAt(im['ip'], [...path, 'ip'], r);
      if (ip !== undefined) ing.ip = ip;
      const hn = r.string(im['hostname'], [...path, 'hostname']);
      if (hn !== undefined) ing.hostname = hn;
      const mode = r.oneOf(im['ipMode'], [...path, 'ipMode'], ['Proxy', 'VIP'] as const);
      if (mode !== undefined) ing.ipMode = mode;
      list.push(ing);
    });
    svc.status = { loadBalancer: { ingress: list } };
  }
  return svc;
}

// ---------------------------------------------------------- EndpointSlice

function readTargetRef(v: unknown, path: PathElem[], r: FieldReader): ObjectReference | undefined {
  const m = r.map(v, path);
  if (m === undefined) return undefined;
  const ref: ObjectReference = {};
  for (const k of ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion'] as const) {
    const s = r.string(m[k], [...path, k]);
    if (s !== undefined) ref[k] = s;
  }
  return ref;
}

function readEndpointSlice(m: Record<string, unknown>, r: FieldReader): EndpointSliceObject {
  const metadata = readMeta('EndpointSlice', m, r, true);
  const addressType = r.oneOf(m['addressType'], ['addressType'], ['FQDN', 'IPv4', 'IPv6'] as const);
  if (m['addressType'] === undefined) r.required(['addressType']);
  const slice: EndpointSliceObject = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata,
    addressType: addressType ?? 'IPv4',
    endpoints: [],
  };
  const eps = r.list(m['endpoints'], ['endpoints']) ?? [];
  eps.forEach((ev, i) => {
    const path: PathElem[] = ['endpoints', i];
    const em = r.map(ev, path);
    if (em === undefined) return;
    const addrs = r.stringList(em['addresses'], [...path, 'addresses']) ?? [];
    if (addrs.length === 0) r.required([...path, 'addresses']);
    addrs.forEach((a, j) => {
      if (addressType !== 'FQDN' && !isIP(a)) r.invalid([...path, 'addresses', j], a, IP_HINT);
    });
    const ep: Endpoint = { addresses: addrs };
    const cm = r.map(em['conditions'], [...path, 'conditions']);
    if (cm !== undefined) {
      ep.conditions = {};
      for (const k of ['ready', 'serving', 'terminating'] as const) {
        const b = r.bool(cm[k], [...path, 'conditions', k]);
        if (b !== undefined) ep.conditions[k] = b;
      }
    }
    const hn = r.string(em['hostname'], [...path, 'hostname']);
    if (hn !== undefined) ep.hostname = hn;
    const nn = r.string(em['nodeName'], [...path, 'nodeName']);
    if (nn !== undefined) ep.nodeName = nn;
    const zone = r.string(em['zone'], [...path, 'zone']);
    if (zone !== undefined) ep.zone = zone;
    const tr = readTargetRef(em['targetRef'], [...path, 'targetRef'], r);
    if (tr !== undefined) ep.targetRef = tr;
    const hints = r.map(em['hints'], [...path, 'hints']);
    if (hints !== undefined) {
      ep.hints = {};
      const fz = r.list(hints['forZones'], [...path, 'hints', 'forZones']);
      if (fz !== undefined) ep.hints.forZones = fz.map((z) => ({ name: String((z as Record<string, unknown>)['name'] ?? '') }));
      const fn = r.list(hints['forNodes'], [...path, 'hints', 'forNodes']);
      if (fn !== undefined) ep.hints.forNodes = fn.map((z) => ({ name: String((z as Record<string, unknown>)['name'] ?? '') }));
    }
    slice.endpoints.push(ep);
  });
  const ports = r.list(m['ports'], ['ports']);
  if (ports !== undefined) {
    slice.ports = [];
    ports.forEach((pv, i) => {
      const path: PathElem[] = ['ports', i];
      const pm = r.map(pv, path);
      if (pm === undefined) return;
      const p: EndpointPort = {};
      const name = r.string(pm['name'], [...path, 'name']);
      if (name !== undefined) p.name = name;
      const proto = protocolAt(pm['protocol'], [...path, 'protocol'], r);
      if (proto !== undefined) p.protocol = proto;
      const port = r.intIn(pm['port'], [...path, 'port'], 1, 65535);
      if (port !== undefined) p.port = port;
      if (typeof pm['appProtocol'] === 'string') p.appProtocol = pm['appProtocol'];
      slice.ports!.push(p);
    });
  }
  return slice;
}

// -------------------------------------------------------- Endpoints (v1)

function readEndpoints(m: Record<string, unknown>, r: FieldReader): EndpointsObject {
  const metadata = readMeta('Endpoints', m, r, true);
  const ep: EndpointsObject = { apiVersion: 'v1', kind: 'Endpoints', metadata };
  const subsets = r.list(m['subsets'], ['subsets']);
  if (subsets !== undefined) {
    ep.subsets = [];
    subsets.forEach((sv, i) => {
      const path: PathElem[] = ['subsets', i];
      const sm = r.map(sv, path);
      if (sm === undefined) return;
      const subset: EndpointSubset = {};
      for (const key of ['addresses', 'notReadyAddresses'] as const) {
        const list = r.list(sm[key], [...path, key]);
        if (list === undefined) continue;
        subset[key] = [];
        list.forEach((av, j) => {
          const ap: PathElem[] = [...path, key, j];
          const am = r.map(av, ap);
          if (am === undefined) return;
          if (am['ip'] === undefined) r.required([...ap, 'ip']);
          const a: EndpointAddress = { ip: ipAt(am['ip'], [...ap, 'ip'], r) ?? '' };
          const hn = r.string(am['hostname'], [...ap, 'hostname']);
          if (hn !== undefined) a.hostname = hn;
          const nn = r.string(am['nodeName'], [...ap, 'nodeName']);
          if (nn !== undefined) a.nodeName = nn;
          const tr = readTargetRef(am['targetRef'], [...ap, 'targetRef'], r);
          if (tr !== undefined) a.targetRef = tr;
          subset[key]!.push(a);
        });
      }
      const ports = r.list(sm['ports'], [...path, 'ports']);
      if (ports !== undefined) {
        subset.ports = [];
        ports.forEach((pv, j) => {
          const pp: PathElem[] = [...path, 'ports', j];
          const pm = r.map(pv, pp);
          if (pm === undefined) return;
          if (pm['port'] === undefined) r.required([...pp, 'port']);
          const port: EndpointsPort = { port: r.intIn(pm['port'], [...pp, 'port'], 1, 65535) ?? 0 };
          const name = r.string(pm['name'], [...pp, 'name']);
          if (name !== undefined && name !== '') port.name = name;
          const proto = protocolAt(pm['protocol'], [...pp, 'protocol'], r);
          if (proto !== undefined) port.protocol = proto;
          subset.ports!.push(port);
        });
      }
      ep.subsets!.push(subset);
    });
  }
  return ep;
}

// ------------------------------------------------------------------ Node

function readNode(m: Record<string, unknown>, r: FieldReader): NodeObject {
  const metadata = readMeta('Node', m, r, false);
  const spec = r.map(m['spec'], ['spec']) ?? {};
  const node: NodeObject = { apiVersion: 'v1', kind: 'Node', metadata, spec: {} };
  const pc = r.string(spec['podCIDR'], ['spec', 'podCIDR']);
  if (pc !== undefined) {
    if (!isCIDR(pc)) r.invalid(['spec', 'podCIDR'], pc, 'must be a valid CIDR (e.g. 10.244.1.0/24)');
    node.spec.podCIDR = pc;
  }
  const pcs = r.stringList(spec['podCIDRs'], ['spec', 'podCIDRs']);
  if (pcs !== undefined) {
    pcs.forEach((c, i) => {
      if (!isCIDR(c)) r.invalid(['spec', 'podCIDRs', i], c, 'must be a valid CIDR (e.g. 10.244.1.0/24)');
    });
    node.spec.podCIDRs = pcs;
  }
  const status = r.map(m['status'], ['status']);
  if (status !== undefined) {
    node.status = {};
    const addrs = r.list(status['addresses'], ['status', 'addresses']);
    if (addrs !== undefined) {
      node.status.addresses = [];
      addrs.forEach((av, i) => {
        const path: PathElem[] = ['status', 'addresses', i];
        const am = r.map(av, path);
        if (am === undefined) return;
        const type = r.oneOf(am['type'], [...path, 'type'], ['ExternalDNS', 'ExternalIP', 'Hostname', 'InternalDNS', 'InternalIP'] as const);
        const address = r.string(am['address'], [...path, 'address']);
        if (type === undefined || address === undefined) return;
        if ((type === 'InternalIP' || type === 'ExternalIP') && !isIP(address)) r.invalid([...path, 'address'], address, IP_HINT);
        const na: NodeAddress = { type, address };
        node.status!.addresses!.push(na);
      });
    }
  }
  return node;
}

// ------------------------------------------------------------------- Pod

function readPod(m: Record<string, unknown>, r: FieldReader): PodObject {
  const metadata = readMeta('Pod', m, r, true);
  const spec = r.map(m['spec'], ['spec']) ?? {};
  const pod: PodObject = { apiVersion: 'v1', kind: 'Pod', metadata, spec: { containers: [] } };
  const nn = r.string(spec['nodeName'], ['spec', 'nodeName']);
  if (nn !== undefined) pod.spec.nodeName = nn;
  const hn = r.bool(spec['hostNetwork'], ['spec', 'hostNetwork']);
  if (hn !== undefined) pod.spec.hostNetwork = hn;
  const cs = r.list(spec['containers'], ['spec', 'containers']) ?? [];
  cs.forEach((cv, i) => {
    const path: PathElem[] = ['spec', 'containers', i];
    const cm = r.map(cv, path);
    if (cm === undefined) return;
    const name = r.string(cm['name'], [...path, 'name']) ?? '';
    const c: PodObject['spec']['containers'][number] = { name };
    const image = r.string(cm['image'], [...path, 'image']);
    if (image !== undefined) c.image = image;
    const ports = r.list(cm['ports'], [...path, 'ports']);
    if (ports !== undefined) {
      c.ports = [];
      ports.forEach((pv, j) => {
        const pp: PathElem[] = [...path, 'ports', j];
        const pm = r.map(pv, pp);
        if (pm === undefined) return;
        const port = r.intIn(pm['containerPort'], [...pp, 'containerPort'], 1, 65535);
        if (port === undefined) {
          if (pm['containerPort'] === undefined) r.required([...pp, 'containerPort']);
          return;
        }
        const cp: NonNullable<typeof c.ports>[number] = { containerPort: port };
        const pn = r.string(pm['name'], [...pp, 'name']);
        if (pn !== undefined) cp.name = pn;
        const proto = protocolAt(pm['protocol'], [...pp, 'protocol'], r);
        if (proto !== undefined) cp.protocol = proto;
        const hp = r.intIn(pm['hostPort'], [...pp, 'hostPort'], 1, 65535);
        if (hp !== undefined) cp.hostPort = hp;
        c.ports!.push(cp);
      });
    }
    pod.spec.containers.push(c);
  });
  const status = r.map(m['status'], ['status']);
  if (status !== undefined) {
    pod.status = {};
    const phase = r.oneOf(status['phase'], ['status', 'phase'], ['Failed', 'Pending', 'Running', 'Succeeded', 'Unknown'] as const);
    if (phase !== undefined) pod.status.phase = phase;
    const ip = ipAt(status['podIP'], ['status', 'podIP'], r);
    if (ip !== undefined) pod.status.podIP = ip;
    const hip = r.string(status['hostIP'], ['status', 'hostIP']);
    if (hip !== undefined) pod.status.hostIP = hip;
    const ips = r.list(status['podIPs'], ['status', 'podIPs']);
    if (ips !== undefined) {
      pod.status.podIPs = [];
      ips.forEach((iv, i) => {
        const im = r.map(iv, ['status', 'podIPs', i]);
        const a = im !== undefined ? ipAt(im['ip'], ['status', 'podIPs', i, 'ip'], r) : undefined;
        if (a !== undefined) pod.status!.podIPs!.push({ ip: a });
      });
    }
    const conds = r.list(status['conditions'], ['status', 'conditions']);
    if (conds !== undefined) {
      pod.status.conditions = [];
      conds.forEach((cv, i) => {
        const cm = r.map(cv, ['status', 'conditions', i]);
        if (cm === undefined) return;
        const type = r.string(cm['type'], ['status', 'conditions', i, 'type']) ?? '';
        const st = r.oneOf(cm['status'], ['status', 'conditions', i, 'status'], ['False', 'True', 'Unknown'] as const) ?? 'Unknown';
        pod.status!.conditions!.push({ type, status: st });
      });
    }
  }
  return pod;
}

// ------------------------------------------------ KubeProxyConfiguration

function readKubeProxyConfiguration(m: Record<string, unknown>, r: FieldReader): KubeProxyConfiguration {
  r.object = 'KubeProxyConfiguration';
  const c: KubeProxyConfiguration = { apiVersion: 'kubeproxy.config.k8s.io/v1alpha1', kind: 'KubeProxyConfiguration' };
  const mode = r.oneOf(m['mode'], ['mode'], ['', 'iptables', 'ipvs', 'kernelspace', 'nftables'] as const);
  if (mode !== undefined) c.mode = mode;
  const cc = r.string(m['clusterCIDR'], ['clusterCIDR']);
  if (cc !== undefined) {
    cc.split(',').forEach((part) => {
      if (part !== '' && !isCIDR(part.trim())) r.invalid(['clusterCIDR'], cc, 'must be a valid CIDR (e.g. 10.244.0.0/16)');
    });
    c.clusterCIDR = cc;
  }
  const ho = r.string(m['hostnameOverride'], ['hostnameOverride']);
  if (ho !== undefined) c.hostnameOverride = ho;
  const ba = r.string(m['bindAddress'], ['bindAddress']);
  if (ba !== undefined) c.bindAddress = ba;
  const dlm = r.oneOf(m['detectLocalMode'], ['detectLocalMode'], ['', 'BridgeInterface', 'ClusterCIDR', 'InterfaceNamePrefix', 'NodeCIDR'] as const);
  if (dlm !== undefined) c.detectLocalMode = dlm;
  const dl = r.map(m['detectLocal'], ['detectLocal']);
  if (dl !== undefined) {
    c.detectLocal = {};
    const bi = r.string(dl['bridgeInterface'], ['detectLocal', 'bridgeInterface']);
    if (bi !== undefined) c.detectLocal.bridgeInterface = bi;
    const ip = r.string(dl['interfaceNamePrefix'], ['detectLocal', 'interfaceNamePrefix']);
    if (ip !== undefined) c.detectLocal.interfaceNamePrefix = ip;
  }
  const npa = r.stringList(m['nodePortAddresses'], ['nodePortAddresses']);
  if (npa !== undefined) {
    npa.forEach((a, i) => {
      if (a !== 'primary' && !isCIDR(a)) r.invalid(['nodePortAddresses', i], a, 'must be a valid CIDR or "primary"');
    });
    c.nodePortAddresses = npa;
  }
  const ipt = r.map(m['iptables'], ['iptables']);
  if (ipt !== undefined) {
    c.iptables = {};
    const bit = r.intIn(ipt['masqueradeBit'], ['iptables', 'masqueradeBit'], 0, 31);
    if (bit !== undefined) c.iptables.masqueradeBit = bit;
    const ma = r.bool(ipt['masqueradeAll'], ['iptables', 'masqueradeAll']);
    if (ma !== undefined) c.iptables.masqueradeAll = ma;
    const lnp = r.bool(ipt['localhostNodePorts'], ['iptables', 'localhostNodePorts']);
    if (lnp !== undefined) c.iptables.localhostNodePorts = lnp;
    for (const k of ['syncPeriod', 'minSyncPeriod'] as const) {
      const s = r.string(ipt[k], ['iptables', k]);
      if (s !== undefined) c.iptables[k] = s;
    }
  }
  const ct = r.map(m['conntrack'], ['conntrack']);
  if (ct !== undefined) {
    c.conntrack = {};
    const lib = r.bool(ct['tcpBeLiberal'], ['conntrack', 'tcpBeLiberal']);
    if (lib !== undefined) c.conntrack.tcpBeLiberal = lib;
  }
  return c;
}
