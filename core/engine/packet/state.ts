// The mutable state of one packet while it walks the hooks: addresses after
// each rewrite, interfaces, marks and what conntrack knows about it. Matches
// and targets read and write only this.

import type { IP } from '../net/ip.js';
import type { ConntrackTable } from './conntrack.js';
import type { NodeView } from './node-view.js';
import type { Hook, Protocol } from './types.js';

export type CtStateName = 'NEW' | 'ESTABLISHED' | 'RELATED' | 'INVALID' | 'UNTRACKED';

export interface CtInfo {
  state: CtStateName;
  dir: 'orig' | 'reply';
  /** Original-direction tuple (before any NAT). */
  origSrc: IP;
  origDst: IP;
  origSport: number;
  origDport: number;
  /** Reply-direction tuple (after NAT), known once NAT bindings are set. */
  replSrc: IP;
  replDst: IP;
  replSport: number;
  replDport: number;
  dnat: boolean;
  snat: boolean;
  replied: boolean;
  assured: boolean;
  ctmark: number;
  /** NAT bindings already chosen for this connection (so the nat table is not consulted again). */
  dstInit: boolean;
  srcInit: boolean;
  /** Existing entry id, or null for a connection this packet creates. */
  entryId: number | null;
}

/** How a `statistic` rule decides: seeded draws, or forced branches when enumerating outcomes. */
export interface Decider {
  /** `--mode random`: threshold is the kernel's 31-bit fixed point value, p = threshold / 2^31. */
  random(threshold: number): boolean;
  /** `--mode nth`: key identifies the rule's counter. */
  nth(key: object, every: number, packet: number): boolean;
}

export interface PacketState {
  node: NodeView;
  proto: Protocol;
  src: IP;
  dst: IP;
  sport: number;
  dport: number;
  /** Empty string when there is none (as the kernel: OUTPUT has no in-interface). */
  inIface: string;
  outIface: string;
  mark: number;
  ct: CtInfo | null;
  hook: Hook;
  /** TCP flags this packet carries (SYN for a new connection, SYN+ACK for its first reply, ACK later). */
  tcpFlags: number;
  /** ICMP type/code (echo-request 8 for a new ping, echo-reply 0 for its reply). */
  icmpType: number;
  icmpCode: number;
  decider: Decider;
  table: ConntrackTable;
  /** False when enumerating outcomes: no state is written. */
  commit: boolean;
}

export const TCP_FLAGS: Record<string, number> = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16, URG: 32, ECE: 64, CWR: 128 };
