// IPv4/IPv6 addresses and CIDRs: parsing, canonical text, containment.
// IPv4 uses unsigned 32-bit numbers (hot path of the packet engine);
// IPv6 uses bigint.

export type Family = 4 | 6;

export type IP = { family: 4; n: number } | { family: 6; n: bigint };

export type Cidr =
  | { family: 4; net: number; prefix: number; mask: number }
  | { family: 6; net: bigint; prefix: number };

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIPv4(s: string): number | null {
  const m = V4.exec(s);
  if (!m) return null;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const part = m[i]!;
    if (part.length > 1 && part.startsWith('0')) return null;
    const o = Number(part);
    if (o > 255) return null;
    n = n * 256 + o;
  }
  return n >>> 0;
}

export function formatIPv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export function parseIPv6(s: string): bigint | null {
  if (!s.includes(':')) return null;
  let text = s;
  let tail: number[] = [];
  // Embedded IPv4 in the last 32 bits (::ffff:1.2.3.4).
  const lastColon = text.lastIndexOf(':');
  const maybeV4 = text.slice(lastColon + 1);
  if (maybeV4.includes('.')) {
    const v4 = parseIPv4(maybeV4);
    if (v4 === null) return null;
    tail = [(v4 >>> 16) & 0xffff, v4 & 0xffff];
    text = text.slice(0, lastColon + 1) + (text.endsWith('::' + maybeV4) ? '' : '0');
    if (text.endsWith(':0')) text = text.slice(0, -2);
    else if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const groups = part.split(':');
    const out: number[] = [];
    for (const g of groups) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parse(halves[0]!);
  if (head === null) return null;
  let groups: number[];
  if (halves.length === 2) {
    const rest = parse(halves[1]!);
    if (rest === null) return null;
    const missing = 8 - head.length - rest.length - tail.length;
    if (missing < 1) return null;
    groups = [...head, ...new Array<number>(missing).fill(0), ...rest, ...tail];
  } else {
    groups = [...head, ...tail];
  }
  if (groups.length !== 8) return null;
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(g);
  return n;
}

/** RFC 5952 text: lower case, longest run of zero groups (length >= 2) as `::`. */
export function formatIPv6(n: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((n >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function parseIP(s: string): IP | null {
  const v4 = parseIPv4(s);
  if (v4 !== null) return { family: 4, n: v4 };
  const v6 = parseIPv6(s);
  if (v6 !== null) return { family: 6, n: v6 };
  return null;
}

export function formatIP(ip: IP): string {
  return ip.family === 4 ? formatIPv4(ip.n) : formatIPv6(ip.n);
}

export function ipFamily(s: string): Family | null {
  if (parseIPv4(s) !== null) return 4;
  if (parseIPv6(s) !== null) return 6;
  return null;
}

export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/**
 * Parses `10.0.0.0/8`, `10.1.2.3` (a host: /32 or /128) and, as iptables
 * accepts, a dotted mask `10.0.0.0/255.0.0.0`. Host bits are cleared, as the
 * kernel stores them.
 */
export function parseCidr(s: string): Cidr | null {
  const slash = s.indexOf('/');
  const addr = slash < 0 ? s : s.slice(0, slash);
  const len = slash < 0 ? null : s.slice(slash + 1);
  const v4 = parseIPv4(addr);
  if (v4 !== null) {
    let prefix = 32;
    if (len !== null) {
      if (/^\d{1,2}$/.test(len)) prefix = Number(len);
      else {
        const m = parseIPv4(len);
        if (m === null) return null;
        const p = Math.clz32(~m >>> 0);
        if (maskOf(p) !== m) return null;
        prefix = p;
      }
      if (prefix > 32) return null;
    }
    const mask = maskOf(prefix);
    return { family: 4, net: (v4 & mask) >>> 0, prefix, mask };
  }
  const v6 = parseIPv6(addr);
  if (v6 !== null) {
    let prefix = 128;
    if (len !== null) {
      if (!/^\d{1,3}$/.test(len)) return null;
      prefix = Number(len);
      if (prefix > 128) return null;
    }
    const mask = prefix === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - prefix)) - 1n);
    return { family: 6, net: v6 & mask, prefix };
  }
  return null;
}

export function formatCidr(c: Cidr): string {
  return c.family === 4 ? `${formatIPv4(c.net)}/${c.prefix}` : `${formatIPv6(c.net)}/${c.prefix}`;
}

export function cidrContains(c: Cidr, ip: IP): boolean {
  if (c.family !== ip.family) return false;
  if (c.family === 4) return ((ip.n as number) & c.mask) >>> 0 === c.net;
  if (c.prefix === 0) return true;
  const shift = BigInt(128 - c.prefix);
  return (ip.n as bigint) >> shift === c.net >> shift;
}

/** Convenience for strings; false when either does not parse. */
export function inCidr(cidr: string, ip: string): boolean {
  const c = parseCidr(cidr);
  const a = parseIP(ip);
  return c !== null && a !== null && cidrContains(c, a);
}
