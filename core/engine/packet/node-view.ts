// What netfilter and the routing decision need from a node description:
// which addresses are local (and on which interface), where a destination is
// routed, and which address MASQUERADE picks on an outgoing interface.

import { cidrContains, formatIP, parseCidr, parseIP, type Cidr, type IP } from '../net/ip.js';
import type { NodeDescription, PodOnNode } from './types.js';

export interface LocalAddress {
  ip: IP;
  cidr: Cidr;
  iface: string;
}

export type Route =
  | { kind: 'local'; iface: string }
  | { kind: 'pod'; iface: string; pod: PodOnNode | undefined }
  | { kind: 'peer'; iface: string; via: string; node: string }
  | { kind: 'default'; iface: string };

export interface NodeView {
  desc: NodeDescription;
  ext: string;
  bridge: string;
  lo: string;
  routeLocalnet: boolean;
  local: LocalAddress[];
  isLocal(ip: IP, iface?: string): boolean;
  isBroadcast(ip: IP): boolean;
  route(dst: IP): Route;
  /**
   * The source address the kernel picks on an outgoing interface (MASQUERADE, REDIRECT): the
   * one whose subnet holds `toward` (the next hop), else the first of that family on it; out
   * of lo, the first global address of the node.
   */
  primaryAddress(iface: string, family?: 4 | 6, toward?: IP): IP | null;
  podByIp(ip: IP): PodOnNode | undefined;
}

const LOOPBACK4 = parseCidr('127.0.0.0/8')!;
const LOOPBACK6 = parseCidr('::1/128')!;

export function isLoopback(ip: IP): boolean {
  return cidrContains(LOOPBACK4, ip) || cidrContains(LOOPBACK6, ip);
}

export function sameIP(a: IP, b: IP): boolean {
  return a.family === b.family && a.n === b.n;
}

/** The CNI bridge plugin's gateway convention: the first host of the pod range sits on cni0. */
function bridgeGateway(podCIDR: Cidr): IP | null {
  if (podCIDR.family === 4) return podCIDR.prefix >= 31 ? null : { family: 4, n: (podCIDR.net + 1) >>> 0 };
  return { family: 6, n: podCIDR.net + 1n };
}

const cache = new WeakMap<NodeDescription, NodeView>();

/** Throws an Error naming the field when an address does not parse (the CLI validates before). */
export function nodeView(desc: NodeDescription): NodeView {
  const hit = cache.get(desc);
  if (hit !== undefined) return hit;
  const ext = desc.ifaces?.external ?? 'eth0';
  const bridge = desc.ifaces?.bridge ?? 'cni0';
  const lo = desc.ifaces?.loopback ?? 'lo';
  const local: LocalAddress[] = [];
  for (const a of desc.addresses) {
    const slash = a.indexOf('/');
    const ip = parseIP(slash < 0 ? a : a.slice(0, slash));
    const cidr = parseCidr(a);
    if (ip === null || cidr === null) throw new Error(`node ${desc.name}: addresses: '${a}' is not an IP address or CIDR`);
    local.push({ ip, cidr, iface: ext });
  }
  const podCidr = desc.podCIDR !== undefined ? parseCidr(desc.podCIDR) : null;
  if (desc.podCIDR !== undefined && podCidr === null) throw new Error(`node ${desc.name}: podCIDR: '${desc.podCIDR}' is not a CIDR`);
  if (podCidr !== null) {
    const gw = desc.bridgeAddress !== undefined ? parseIP(desc.bridgeAddress) : bridgeGateway(podCidr);
    if (desc.bridgeAddress !== undefined && gw === null) throw new Error(`node ${desc.name}: bridgeAddress: '${desc.bridgeAddress}' is not an IP address`);
    if (gw !== null && !local.some((l) => sameIP(l.ip, gw))) local.push({ ip: gw, cidr: podCidr, iface: bridge });
  }
  local.push({ ip: parseIP('127.0.0.1')!, cidr: LOOPBACK4, iface: lo }, { ip: parseIP('::1')!, cidr: LOOPBACK6, iface: lo });
  const peers = (desc.peers ?? []).map((p) => ({
    name: p.name,
    ip: p.ip,
    addr: parseIP(p.ip),
    cidr: p.podCIDR !== undefined ? parseCidr(p.podCIDR) : null,
  }));
  // Keyed like the destination index: a number for IPv4, text for IPv6.
  const podKey = (ip: IP): number | string => (ip.family === 4 ? ip.n : formatIP(ip));
  const pods = new Map<number | string, PodOnNode>();
  for (const p of desc.pods ?? []) {
    const ip = parseIP(p.ip);
    if (ip !== null) pods.set(podKey(ip), p);
  }

  const view: NodeView = {
    desc,
    ext,
    bridge,
    lo,
    routeLocalnet: desc.routeLocalnet ?? false,
    local,
    isLocal(ip, iface) {
      if (iface === undefined && isLoopback(ip)) return true;
      for (const l of local) {
        if (iface !== undefined && l.iface !== iface) continue;
        if (l.iface === lo ? cidrContains(l.cidr, ip) : sameIP(l.ip, ip)) return true;
      }
      return false;
    },
    isBroadcast(ip) {
      if (ip.family !== 4) return false;
      if (ip.n === 0xffffffff) return true;
      return local.some((l) => l.cidr.family === 4 && l.cidr.prefix < 31 && l.iface !== lo && ((l.cidr.net | ~l.cidr.mask) >>> 0) === ip.n);
    },
    route(dst) {
      if (isLoopback(dst)) return { kind: 'local', iface: lo };
      for (const l of local) if (sameIP(l.ip, dst)) return { kind: 'local', iface: lo };
      if (podCidr !== null && cidrContains(podCidr, dst)) return { kind: 'pod', iface: bridge, pod: pods.get(podKey(dst)) };
      for (const p of peers) {
        if (p.addr !== null && sameIP(p.addr, dst)) return { kind: 'peer', iface: ext, via: p.ip, node: p.name };
        if (p.cidr !== null && cidrContains(p.cidr, dst)) return { kind: 'peer', iface: ext, via: p.ip, node: p.name };
      }
      return { kind: 'default', iface: ext };
    },
    primaryAddress(iface, family = 4, toward) {
      // inet_select_addr: lo's 127.0.0.1 is host scope, so out of lo the kernel takes the
      // first global address of another interface (the node's own address).
      const candidates = local.filter((x) => x.ip.family === family && (iface === lo ? x.iface !== lo : x.iface === iface));
      if (toward !== undefined) {
        const sameSubnet = candidates.find((x) => x.cidr.prefix > 0 && cidrContains(x.cidr, toward));
        if (sameSubnet !== undefined) return sameSubnet.ip;
      }
      return candidates[0]?.ip ?? null;
    },
    podByIp(ip) {
      return pods.get(podKey(ip));
    },
  };
  cache.set(desc, view);
  return view;
}
