// A seeded random generator whose whole state is one number, so a lab's
// snapshot carries it and a restored lab continues the same sequence.

export interface RngState { s: number }

/** Next float in [0, 1) (mulberry32). */
export function nextFloat(st: RngState): number {
  st.s = (st.s + 0x6d2b79f5) | 0;
  let t = st.s;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** Integer in [lo, hi]. */
export function nextInt(st: RngState, lo: number, hi: number): number {
  return lo + Math.floor(nextFloat(st) * (hi - lo + 1));
}

export function pick<T>(st: RngState, items: readonly T[]): T {
  return items[Math.floor(nextFloat(st) * items.length)] as T;
}

/** The alphabet Kubernetes uses for name suffixes and pod-template-hash (no vowels, no look-alikes). */
export const K8S_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** `x9bwg`: the random suffix of generateName. */
export function randSuffix(st: RngState, n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += pick(st, K8S_ALPHANUMS.split(''));
  return s;
}

export function randHex(st: RngState, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(nextFloat(st) * 16).toString(16);
  return s;
}

/** A version-4 style UUID. */
export function randUid(st: RngState): string {
  const h = randHex(st, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[nextInt(st, 0, 3)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** FNV-1a 32-bit, as Kubernetes' ComputeHash uses (over our own JSON of the template). */
export function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** `5bc759676c`: a pod-template-hash from a template (deterministic, like the real one). */
export function templateHash(template: unknown, collisionCount = 0): string {
  const n = fnv32a(JSON.stringify(template) + (collisionCount > 0 ? String(collisionCount) : ''));
  // SafeEncodeString of the decimal hash, as the ReplicaSet controller does.
  return String(n).split('').map((c) => K8S_ALPHANUMS[c.charCodeAt(0) % K8S_ALPHANUMS.length]).join('');
}
