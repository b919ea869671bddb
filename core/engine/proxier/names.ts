// kube-proxy's chain names: a prefix plus the first 16 characters of the
// base32 (RFC 4648, upper case) SHA-256 of "<servicePortName><protocol>[<endpoint>]".
// Hashing keeps names under iptables' 28-character limit and stable across syncs.

import { sha256 } from '@noble/hashes/sha2.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The first `chars` characters of the base32 text of `bytes` (no padding needed: chars <= 8/5 * len). */
function base32Prefix(bytes: Uint8Array, chars: number): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (let i = 0; i < bytes.length && out.length < chars; i++) {
    buffer = ((buffer << 8) | bytes[i]!) & 0xffff;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31]!;
      bits -= 5;
    }
  }
  return out;
}

/** UTF-8 bytes (the pure core has no TextEncoder). */
function utf8(s: string): Uint8Array {
  const out: number[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

/** 16 base32 characters of SHA-256(text): the variable part of every hashed chain name. */
export function portProtoHash(text: string): string {
  return base32Prefix(sha256(utf8(text)), 16);
}

/** Chain kinds kube-proxy derives from a service port (XLB is the pre-1.24 name of the Local chain). */
export type ServiceChainKind = 'SVC' | 'SVL' | 'EXT' | 'FW' | 'SEP' | 'XLB';

/**
 * `KUBE-SVC-…` (cluster policy), `KUBE-SVL-…` (local policy), `KUBE-EXT-…` (external
 * destinations), `KUBE-FW-…` (load-balancer source ranges), `KUBE-XLB-…` (1.22 local
 * policy) or, with an endpoint (`10.244.1.5:80`, `[fd00::5]:80`), `KUBE-SEP-…`.
 * `servicePortName` is `namespace/name` plus `:port` when the port is named; `protocol` is lower case.
 */
export function servicePortChainName(kind: ServiceChainKind, servicePortName: string, protocol: string, endpoint?: string): string {
  if (kind === 'SEP') {
    if (endpoint === undefined) throw new Error('servicePortChainName: a SEP chain needs an endpoint');
    return `KUBE-SEP-${cachedHash(servicePortName + protocol + endpoint)}`;
  }
  return `KUBE-${kind}-${cachedHash(servicePortName + protocol)}`;
}

// kube-proxy hashes a name once, when the service or endpoint object changes,
// not on every sync; this bounded cache gives resyncs the same economy.
const CACHE_LIMIT = 400_000;
let cache = new Map<string, string>();

function cachedHash(text: string): string {
  let h = cache.get(text);
  if (h === undefined) {
    h = portProtoHash(text);
    if (cache.size >= CACHE_LIMIT) cache = new Map();
    cache.set(text, h);
  }
  return h;
}

/** Forgets cached hashes (benchmarks measure a cold first sync with it). */
export function clearChainNameCache(): void {
  cache = new Map();
}

/** Chains whose names kube-proxy derives from services (the only ones it deletes when stale). */
export function isServiceChainName(name: string): boolean {
  return /^KUBE-(SVC|SVL|EXT|FW|SEP|XLB)-/.test(name);
}
