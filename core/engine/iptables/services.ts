// Service and protocol names, as the C library resolves them for iptables:
// `--dport http` means 80, and `iptables -L` (without -n) prints `dpt:http`.
// The tables are parameters so a lab can mirror a node's /etc/services.

import { PROTOCOL_NAMES } from './protocols-data.js';
import { SERVICE_NAMES, SERVICE_PORTS } from './services-data.js';

export interface ServiceTable {
  /** `port/proto` → name */
  names: Readonly<Record<string, string>>;
  /** `name/proto` → port */
  ports: Readonly<Record<string, number>>;
}

export const DEFAULT_SERVICES: ServiceTable = { names: SERVICE_NAMES, ports: SERVICE_PORTS };

const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** The service name of a port for `-L`, or undefined. */
export function serviceName(port: number, proto: string, table: ServiceTable = DEFAULT_SERVICES): string | undefined {
  const k = `${port}/${proto}`;
  return own(table.names, k) ? table.names[k] : undefined;
}

/** A port given by number or service name; undefined when neither. */
export function servicePort(word: string, proto: string, table: ServiceTable = DEFAULT_SERVICES): number | undefined {
  if (/^[0-9]+$/.test(word)) {
    const n = Number(word);
    return n <= 65535 ? n : undefined;
  }
  const k = `${word}/${proto}`;
  if (own(table.ports, k)) return table.ports[k];
  // iptables resolves names for tcp when the protocol has none of its own (sctp, dccp).
  const t = `${word}/tcp`;
  return own(table.ports, t) ? table.ports[t] : undefined;
}

/** The protocol name iptables prints for a number (`47` → `gre`), or the number. */
export function protocolName(n: number): string {
  return own(PROTOCOL_NAMES, String(n)) ? PROTOCOL_NAMES[n]! : String(n);
}

/** Protocol number for a name (`tcp` → 6), or undefined. */
const PROTOCOL_NUMBERS = new Map<string, number>([
  ...Object.entries(PROTOCOL_NAMES).map(([k, v]): [string, number] => [v, Number(k)]),
  ['all', 0],
  ['icmpv6', 58],
]);

export function protocolNumber(name: string): number | undefined {
  const hit = PROTOCOL_NUMBERS.get(name);
  if (hit !== undefined) return hit;
  const lower = name.toLowerCase();
  if (/^[0-9]+$/.test(lower)) return Number(lower);
  return PROTOCOL_NUMBERS.get(lower);
}
