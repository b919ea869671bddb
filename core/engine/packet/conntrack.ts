// The node's connection-tracking table (and the other netfilter state that
// lives across packets: `recent` lists and `statistic --mode nth` counters).
// A lab keeps one per node so several packets see each other's connections.

import type { ConntrackEntryView, CtTuple, Protocol } from './types.js';

const PROTO_NUMBER: Record<Protocol, number> = { tcp: 6, udp: 17, sctp: 132, icmp: 1 };

/** Linux defaults (nf_conntrack_*_timeout_*), in seconds. */
export const CT_TIMEOUTS = {
  tcpSynSent: 120,
  tcpSynRecv: 60,
  tcpEstablished: 432000,
  udpUnreplied: 30,
  udpStream: 120,
  icmp: 30,
  sctpCookieWait: 3,
  sctpEstablished: 210,
} as const;

export interface ConntrackEntry {
  id: number;
  orig: CtTuple;
  reply: CtTuple;
  state: string | null;
  /** Absolute expiry, in the table's clock (seconds). */
  expires: number;
  replied: boolean;
  assured: boolean;
  mark: number;
  dnat: boolean;
  snat: boolean;
}

export function tupleKey(t: CtTuple): string {
  return `${t.proto} ${t.src} ${t.sport} ${t.dst} ${t.dport}`;
}

export interface CtLookup {
  entry: ConntrackEntry;
  dir: 'orig' | 'reply';
}

export class ConntrackTable {
  /** Seconds since the table was created; `advance()` moves it. */
  now = 0;
  private nextId = 1;
  private readonly entries = new Map<number, ConntrackEntry>();
  private readonly byTuple = new Map<string, CtLookup>();
  /** `-m recent` lists: name → source (or destination) address → hit times. */
  readonly recent = new Map<string, Map<string, number[]>>();
  /** `-m statistic --mode nth` counters, per rule. */
  readonly nthCounters = new WeakMap<object, number>();

  advance(seconds: number): void {
    this.now += seconds;
    this.expire();
  }

  get size(): number {
    return this.entries.size;
  }

  lookup(t: CtTuple): CtLookup | undefined {
    if (this.entries.size === 0) return undefined;
    this.expire();
    return this.byTuple.get(tupleKey(t));
  }

  insert(e: Omit<ConntrackEntry, 'id'>): ConntrackEntry {
    const entry: ConntrackEntry = { ...e, id: this.nextId++ };
    this.entries.set(entry.id, entry);
    this.byTuple.set(tupleKey(entry.orig), { entry, dir: 'orig' });
    this.byTuple.set(tupleKey(entry.reply), { entry, dir: 'reply' });
    return entry;
  }

  delete(id: number): boolean {
    const e = this.entries.get(id);
    if (e === undefined) return false;
    this.entries.delete(id);
    this.byTuple.delete(tupleKey(e.orig));
    this.byTuple.delete(tupleKey(e.reply));
    return true;
  }

  /** `conntrack -F` */
  flush(): void {
    this.entries.clear();
    this.byTuple.clear();
  }

  /** Marks a connection as having completed its handshake (what curl leaves behind). */
  complete(id: number): void {
    const e = this.entries.get(id);
    if (e === undefined) return;
    e.replied = true;
    if (e.orig.proto === 'tcp') {
      e.state = 'ESTABLISHED';
      e.assured = true;
      e.expires = this.now + CT_TIMEOUTS.tcpEstablished;
    } else if (e.orig.proto === 'sctp') {
      e.state = 'ESTABLISHED';
      e.assured = true;
      e.expires = this.now + CT_TIMEOUTS.sctpEstablished;
    } else if (e.orig.proto === 'udp') {
      e.expires = this.now + CT_TIMEOUTS.udpUnreplied;
    }
  }

  /** A packet of an existing connection was seen in this direction: advance its state. */
  seen(id: number, dir: 'orig' | 'reply'): void {
    const e = this.entries.get(id);
    if (e === undefined) return;
    const proto = e.orig.proto;
    if (dir === 'reply') {
      e.replied = true;
      if (proto === 'tcp' && e.state === 'SYN_SENT') {
        e.state = 'SYN_RECV';
        e.expires = this.now + CT_TIMEOUTS.tcpSynRecv;
      } else if (proto === 'udp' || proto === 'icmp') {
        e.expires = this.now + (proto === 'udp' ? CT_TIMEOUTS.udpUnreplied : CT_TIMEOUTS.icmp);
      } else if (proto === 'sctp' && e.state === 'COOKIE_WAIT') {
        e.state = 'COOKIE_ECHOED';
      }
    } else if (e.replied) {
      if (proto === 'tcp' || proto === 'sctp') {
        this.complete(id);
      } else if (proto === 'udp') {
        e.assured = true;
        e.expires = this.now + CT_TIMEOUTS.udpStream;
      }
    }
  }

  get(id: number): ConntrackEntry | undefined {
    return this.entries.get(id);
  }

  list(): ConntrackEntry[] {
    this.expire();
    return [...this.entries.values()];
  }

  /** The lines `conntrack -L` prints (without its trailing summary line on stderr). */
  format(): string[] {
    return this.list().map((e) => formatConntrackEntry(e, this.now));
  }

  view(e: ConntrackEntry): ConntrackEntryView {
    return {
      id: e.id,
      orig: { ...e.orig },
      reply: { ...e.reply },
      state: e.state,
      timeout: remaining(e, this.now),
      replied: e.replied,
      assured: e.assured,
      mark: e.mark,
      dnat: e.dnat,
      snat: e.snat,
      line: formatConntrackEntry(e, this.now),
    };
  }

  private expire(): void {
    for (const e of this.entries.values()) if (e.expires <= this.now) this.delete(e.id);
  }
}

export function newEntryTimeout(proto: Protocol): { state: string | null; timeout: number } {
  switch (proto) {
    case 'tcp':
      return { state: 'SYN_SENT', timeout: CT_TIMEOUTS.tcpSynSent };
    case 'udp':
      return { state: null, timeout: CT_TIMEOUTS.udpUnreplied };
    case 'sctp':
      return { state: 'COOKIE_WAIT', timeout: CT_TIMEOUTS.sctpCookieWait };
    case 'icmp':
      return { state: null, timeout: CT_TIMEOUTS.icmp };
  }
}

/** The kernel prints whole seconds left, truncated: a fresh 432000 s entry shows 431999. */
function remaining(e: ConntrackEntry, now: number): number {
  return Math.max(0, Math.ceil(e.expires - now) - 1);
}

function formatTuple(t: CtTuple, reply: boolean): string {
  if (t.proto === 'icmp') {
    return `src=${t.src} dst=${t.dst} type=${reply ? 0 : 8} code=0 id=${t.sport}`;
  }
  return `src=${t.src} dst=${t.dst} sport=${t.sport} dport=${t.dport}`;
}

/** `tcp      6 431999 ESTABLISHED src=… dst=… sport=… dport=… src=… … [ASSURED] mark=0 use=1` */
export function formatConntrackEntry(e: ConntrackEntry, now: number): string {
  const parts = [`${e.orig.proto.padEnd(8)} ${PROTO_NUMBER[e.orig.proto]} ${remaining(e, now)}`];
  if (e.state !== null) parts.push(e.state);
  parts.push(formatTuple(e.orig, false));
  if (!e.replied) parts.push('[UNREPLIED]');
  parts.push(formatTuple(e.reply, true));
  if (e.assured) parts.push('[ASSURED]');
  parts.push(`mark=${e.mark}`, 'use=1');
  return parts.join(' ');
}
