// Contract of the kube-proxy iptables proxier model (core/engine/proxier).
// Input: what kube-proxy watches and probes. Output: what it writes.

import type { KubeProxyConfiguration, NodeObject, ServiceObject, EndpointSliceObject } from '../k8s/types.js';

/** kube-proxy releases whose iptables layout we model. */
export type KubeProxyVersion = '1.22' | '1.33';
export const DEFAULT_KUBE_PROXY_VERSION: KubeProxyVersion = '1.33';

/** Facts kube-proxy probes on its host. */
export interface HostFacts {
  /** iptables supports MASQUERADE --random-fully (true on any kernel >= 3.13 with iptables >= 1.6.2). */
  randomFully: boolean;
  /** nfacct counters available (1.29+ adds `-m nfacct` rules for localhost NodePorts when true). */
  nfacct: boolean;
  /** net.netfilter.nf_conntrack_tcp_be_liberal = 1 (then kube-proxy skips the INVALID drop rule). */
  tcpBeLiberal: boolean;
}

export const DEFAULT_HOST_FACTS: HostFacts = { randomFully: true, nfacct: false, tcpBeLiberal: false };

export interface ProxierInput {
  version: KubeProxyVersion;
  /** The node kube-proxy runs on (its name, addresses, podCIDR). */
  node: NodeObject;
  config: KubeProxyConfiguration;
  hostFacts: HostFacts;
  services: ServiceObject[];
  endpointSlices: EndpointSliceObject[];
  /** The proxier's IP family (a dual-stack node runs one proxier per family). Default: that of the node's first InternalIP. */
  family?: 4 | 6;
}

export interface ProxierOutput {
  /** The iptables-restore input of a full sync (`*filter … COMMIT\n*nat … COMMIT\n`). */
  restore: string;
  /** Jump rules kube-proxy ensures in built-in chains (`iptables -t nat -I PREROUTING …`), in save syntax per table. */
  ensured: { table: 'filter' | 'nat' | 'mangle'; rule: string; position: 'prepend' | 'append' }[];
  /** NodePorts kube-proxy holds a listening socket on (versions < 1.24), e.g. `{port: 30450, proto: 'tcp', description: 'nodePort for default/nginx:http'}`. */
  heldNodePorts: { port: number; proto: 'tcp' | 'udp' | 'sctp'; description: string }[];
  /** Service-derived nat chains (KUBE-SVC/SVL/EXT/FW/SEP/XLB-…) live after this sync: the next partial sync deletes the others. */
  activeNatChains?: string[];
  /** More than 1000 endpoints: per-endpoint comments are left out. */
  largeClusterMode?: boolean;
  /** True when only changed services' chains were written. */
  partial?: boolean;
}

/** What changed since the previous sync (input of a partial sync). */
export interface SyncChanges {
  /** Services (`namespace/name`) whose Service or EndpointSlices changed, added or were deleted. */
  services: string[];
  /** The previous iptables-restore failed: kube-proxy then forces a full sync. */
  restoreFailed?: boolean;
}
