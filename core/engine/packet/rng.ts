// Seeded randomness for `-m statistic --mode random`. The kernel draws
// `get_random_u32() & 0x7FFFFFFF` and matches when it is below the rule's
// probability stored as a 31-bit fixed point number (iptables writes
// lround(p * 2^31)). We draw the same 31-bit value from mulberry32 so a rule
// with `--probability 0.33333333349` matches with exactly 715827883 / 2^31.

export const STATISTIC_SCALE = 0x80000000;

/** The kernel's stored threshold for `--probability p` (0 … 2^31). */
export function statisticThreshold(p: number): number {
  const t = Math.round(p * STATISTIC_SCALE);
  return Math.min(Math.max(t, 0), STATISTIC_SCALE);
}

/** The exact probability the kernel applies for `--probability p`. */
export function kernelProbability(p: number): number {
  return statisticThreshold(p) / STATISTIC_SCALE;
}

/** A 31-bit random source: small, fast, reproducible from a seed. */
export interface Random31 {
  next31(): number;
}

export function mulberry32(seed: number): Random31 {
  let a = seed >>> 0;
  return {
    next31() {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) & 0x7fffffff;
    },
  };
}
