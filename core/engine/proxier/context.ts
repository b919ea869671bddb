// What kube-proxy derives once from its node and configuration before
// writing rules: IP family, node IP and local addresses, the local-traffic
// detector (`-s clusterCIDR` and friends), the masquerade mark, and which
// addresses accept NodePorts.

import { parseCidr, cidrContains, parseIP } from '../net/ip.js';
import type { ProxierInput } from './types.js';
import type { Family } from './serviceports.js';
import { familyOf, familyOfCidr } from './serviceports.js';

export interface LocalDetector {
  /** Words that match traffic from local pods (`-s 10.244.0.0/16`). */
  ifLocal: string[];
  /** Words that match traffic from anywhere else (`! -s 10.244.0.0/16`). */
  ifNotLocal: string[];
}

export interface SyncContext {
  family: Family;
  nodeName: string;
  /** The node's `topology.kubernetes.io/zone` label, if any. */
  nodeZone: string | undefined;
  /** The node's first address of the family (its primary IP), if any. */
  nodeIP: string | undefined;
  /** The node's own addresses in this family, loopback included. */
  localAddresses: string[];
  localDetector: LocalDetector | null;
  /** `0x004000` for masqueradeBit 14, as kube-proxy formats it (%#08x). */
  masqueradeMark: string;
  masqueradeAll: boolean;
  localhostNodePorts: boolean;
  /** null: NodePorts on every local address; otherwise the addresses that accept them. */
  nodePortIPs: string[] | null;
  randomFully: boolean;
  nfacct: boolean;
  tcpBeLiberal: boolean;
}

export function masqueradeMarkFor(bit: number): string {
  return '0x' + (1 << bit >>> 0).toString(16).padStart(6, '0');
}

function nodeAddressesOf(input: ProxierInput, family: Family): string[] {
  const addrs = input.node.status?.addresses ?? [];
  const internal = addrs.filter((a) => a.type === 'InternalIP' && familyOf(a.address) === family).map((a) => a.address);
  const external = addrs.filter((a) => a.type === 'ExternalIP' && familyOf(a.address) === family).map((a) => a.address);
  return [...internal, ...external];
}

/** The proxier's family: that of the node's first InternalIP (IPv4 when the node has none). */
export function proxierFamily(input: ProxierInput): Family {
  if (input.family !== undefined) return input.family;
  const first = (input.node.status?.addresses ?? []).find((a) => a.type === 'InternalIP' && familyOf(a.address) !== undefined);
  return first !== undefined ? familyOf(first.address)! : 4;
}

function detector(input: ProxierInput, family: Family): LocalDetector | null {
  const cfg = input.config;
  const mode = cfg.detectLocalMode === undefined || cfg.detectLocalMode === '' ? 'ClusterCIDR' : cfg.detectLocalMode;
  const cidrIn = (list: readonly string[]): string | undefined => list.map((c) => c.trim()).find((c) => c !== '' && familyOfCidr(c) === family);
  switch (mode) {
    case 'ClusterCIDR': {
      const c = cidrIn((cfg.clusterCIDR ?? '').split(','));
      return c === undefined ? null : { ifLocal: ['-s', c], ifNotLocal: ['!', '-s', c] };
    }
    case 'NodeCIDR': {
      const pod = input.node.spec.podCIDRs ?? (input.node.spec.podCIDR !== undefined ? [input.node.spec.podCIDR] : []);
      const c = cidrIn(pod);
      return c === undefined ? null : { ifLocal: ['-s', c], ifNotLocal: ['!', '-s', c] };
    }
    case 'BridgeInterface': {
      const b = cfg.detectLocal?.bridgeInterface;
      return b === undefined || b === '' ? null : { ifLocal: ['-i', b], ifNotLocal: ['!', '-i', b] };
    }
    case 'InterfaceNamePrefix': {
      const p = cfg.detectLocal?.interfaceNamePrefix;
      return p === undefined || p === '' ? null : { ifLocal: ['-i', `${p}+`], ifNotLocal: ['!', '-i', `${p}+`] };
    }
  }
}

function nodePortIPs(input: ProxierInput, family: Family, nodeIP: string | undefined, local: readonly string[]): string[] | null {
  const wanted = input.config.nodePortAddresses ?? [];
  const cidrs: string[] = [];
  for (const w of wanted) {
    if (w === 'primary') {
      if (nodeIP !== undefined) cidrs.push(family === 4 ? `${nodeIP}/32` : `${nodeIP}/128`);
    } else if (familyOfCidr(w) === family) cidrs.push(w);
  }
  if (cidrs.length === 0) return null;
  const parsed = cidrs.map((c) => parseCidr(c)).filter((c) => c !== null);
  return local.filter((a) => {
    const ip = parseIP(a);
    return ip !== null && parsed.some((c) => cidrContains(c, ip));
  });
}

export function syncContext(input: ProxierInput): SyncContext {
  const family = proxierFamily(input);
  const own = nodeAddressesOf(input, family);
  const nodeIP = own[0];
  const localAddresses = [family === 4 ? '127.0.0.1' : '::1', ...own];
  const ipt = input.config.iptables ?? {};
  return {
    family,
    nodeName: input.node.metadata.name,
    nodeZone: input.node.metadata.labels?.['topology.kubernetes.io/zone'],
    nodeIP,
    localAddresses,
    localDetector: detector(input, family),
    masqueradeMark: masqueradeMarkFor(ipt.masqueradeBit ?? 14),
    masqueradeAll: ipt.masqueradeAll ?? false,
    localhostNodePorts: ipt.localhostNodePorts ?? true,
    nodePortIPs: nodePortIPs(input, family, nodeIP, localAddresses),
    randomFully: input.hostFacts.randomFully,
    nfacct: input.hostFacts.nfacct,
    tcpBeLiberal: input.hostFacts.tcpBeLiberal || (input.config.conntrack?.tcpBeLiberal ?? false),
  };
}
