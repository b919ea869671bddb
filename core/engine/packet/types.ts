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
  /** The address on the pod bridge (MASQUERADE's choice for hairpin traffic); default: the first host of podCIDR, as the CNI bridge plugin does. */
  bridgeAddress?: string;
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
  | { kind: 'forward'; via: string; to: string; node?: string; port?: number }
  | { kind: 'dropped'; hook: Hook; chain: string; table?: TableName; reason?: string }
  | { kind: 'rejected'; hook: Hook; chain: string; with: string; table?: TableName };

export interface Outcome {
  /** A stable key: `pod 10.244.1.5:80`, `dropped`, … */
  key: string;
  probability: number;
  dnatTo: string | null;
  verdict: Verdict;
  delivery: Delivery;
}

// ---- Additions by the packet engine (additive only). ----

/** Dropped/rejected deliveries may say why (`martian source 127.0.0.1 on cni0`). */
export interface DeliveryReason {
  reason?: string;
}

/** One conntrack tuple (one direction). */
export interface CtTuple {
  proto: Protocol;
  src: string;
  dst: string;
  /** tcp/udp/sctp ports; icmp uses `id` (in sport) and type (in dport). */
  sport: number;
  dport: number;
}

/** The conntrack entry a packet leaves (`conntrack -L` shows `line`). */
export interface ConntrackEntryView {
  /** The entry's id in its ConntrackTable (for `complete(id)`, `delete(id)`). */
  id: number;
  orig: CtTuple;
  reply: CtTuple;
  /** TCP state name (`SYN_SENT`, `ESTABLISHED`) or null for udp/icmp. */
  state: string | null;
  timeout: number;
  replied: boolean;
  assured: boolean;
  mark: number;
  /** Status bits that `-m conntrack --ctstate DNAT/SNAT` see. */
  dnat: boolean;
  snat: boolean;
  /** The `conntrack -L` line. */
  line: string;
}

/** One possible end of a packet, with its exact probability. */
export interface OutcomeDetail extends Outcome {
  masquerade: boolean;
  snatTo: string | null;
}

export interface PacketTrace {
  /** The packet as given (after defaults: sport, inIface). */
  packet: Packet;
  /** Hooks traversed, in order (a looped-back packet shows PREROUTING/INPUT after POSTROUTING). */
  hooks: Hook[];
  steps: TraceStep[];
  verdict: Verdict;
  /** `ip:port` the destination was rewritten to (DNAT, REDIRECT, or conntrack), or null. */
  dnatTo: string | null;
  masquerade: boolean;
  /** `ip:port` the source was rewritten to (SNAT, MASQUERADE, or conntrack), or null. */
  snatTo: string | null;
  /** The packet mark (skb->mark) when it leaves the last hook. */
  mark: number;
  delivery: Delivery & DeliveryReason;
  /** Every possible end with its exact probability (statistic branches explored). */
  outcomes: OutcomeDetail[];
  /** The conntrack entry this packet created or followed; null when untracked or dropped before confirmation. */
  conntrack: ConntrackEntryView | null;
  /** Conntrack state the packet had in the first hook: NEW, ESTABLISHED, RELATED, INVALID, UNTRACKED. */
  ctState: string;
  /** Kernel facts that explain the path, in plain words. */
  notes: string[];
}

export interface SampledOutcome {
  key: string;
  count: number;
  /** count / runs */
  fraction: number;
  /** The exact probability of that outcome (0 if the exact walk did not find it). */
  probability: number;
}

export interface SampleResult {
  runs: number;
  seed: number;
  outcomes: SampledOutcome[];
}
