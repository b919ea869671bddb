// The packet-path engine's contract: what a node looks like to netfilter, the
// packet that enters it, and the trace that comes out. Consumers: the CLI
// (`chainlab trace`), the lab runtime (curl), the UI (packet path pane), labs.

import type { TableName } from '../iptables/model.js';

export type Protocol = 'tcp' | 'udp' | 'sctp' | 'icmp';
export type Hook = 'PREROUTING' | 'INPUT' | 'FORWARD' | 'OUTPUT' | 'POSTROUTING';

/** Where a packet enters the node. */
export type Ingress = 'external' | 'pod' | 'node';

export interface PodOnNode {
  name: string;
  namespace: string;
  ip: string;
  /** Host side interface name (default `veth…`); the bridge is `cni0`. */
  iface?: string;
  /** Ports with a listening process in the pod (`80/tcp`). */
  listening?: string[];
}

export interface NodeDescription {
  name: string;
  /** The node's own addresses (what `addrtype LOCAL` sees), with prefix: `192.168.49.2/24`. 127.0.0.0/8 (and ::1) are always local. */
  addresses: string[];
  /** This node's pod range, on `cni0`. */
  podCIDR?: string;
  /** Pods on this node. */
  pods?: PodOnNode[];
  /** Other nodes: their IP and pod range, for routing. */
  peers?: { name: string; ip: string; podCIDR?: string }[];
  /** net.ipv4.conf.*.route_localnet (kube-proxy sets it for localhost NodePorts). */
  routeLocalnet?: boolean;
  /** Interface names; defaults: eth0 (node network), cni0 (pod bridge), lo. */
  ifaces?: { external?: string; bridge?: string; loopback?: string };
  /** Local listening sockets (`tcp:30450` → process name), for "where it lands". */
  listeners?: { proto: Protocol; port: number; address?: string; process: string }[];
}

export interface Packet {
  ingress: Ingress;
  proto: Protocol;
  src: string;
  sport?: number;
  dst: string;
  dport?: number;
  /** For ingress "pod": the sending pod's interface (defaults from the pod list). */
  inIface?: string;
}

export type Verdict = 'ACCEPT' | 'DROP' | 'REJECT';

export interface TraceStep {
  hook: Hook;
  table: TableName;
  chain: string;
  /** 1-based, as `iptables -L --line-numbers` counts; 0 for the chain's policy. */
  ruleNumber: number;
  /** The rule in iptables-save form (`-A KUBE-SERVICES …`), or `:CHAIN POLICY` for a policy. */
  rule: string;
  matched: boolean;
  /** What it did: `jump KUBE-SVC-…`, `DNAT to 10.244.1.5:80`, `MARK 0x4000`, `RETURN`, `policy ACCEPT`, … */
  action?: string;
}

export type Delivery =
  | { kind: 'local'; port?: number; process?: string; address: string }
  | { kind: 'pod'; pod: string; ip: string; port?: number }
  | { kind: 'forward'; via: string; to: string; node?: string }
  | { kind: 'dropped'; hook: Hook; chain: string }
  | { kind: 'rejected'; hook: Hook; chain: string; with: string };

export interface Outcome {
  /** A stable key: `pod 10.244.1.5:80`, `dropped`, … */
  key: string;
  probability: number;
  dnatTo: string | null;
  verdict: Verdict;
  delivery: Delivery;
}
