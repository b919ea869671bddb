// The two ways a `statistic` rule decides: seeded draws (one trace, sampling)
// or forced branches (exact enumeration of every outcome).

import type { ConntrackTable } from './conntrack.js';
import { mulberry32, STATISTIC_SCALE, type Random31 } from './rng.js';
import type { Decider } from './state.js';

/**
 * The kernel's nth counter: iptables stores every-1 and starts the counter at
 * (every-1) - packet; each packet moves it and the rule matches when it wraps
 * to 0, so `--every 3 --packet 0` matches packets 1, 4, 7…
 */
function nthStep(counters: { get(k: object): number | undefined; set(k: object, v: number): unknown }, key: object, every: number, packet: number): boolean {
  const top = every - 1;
  const oval = counters.get(key) ?? top - packet;
  const nval = oval === top ? 0 : oval + 1;
  counters.set(key, nval);
  return nval === 0;
}

export class SeededDecider implements Decider {
  private readonly rng: Random31;
  private readonly localCounters = new Map<object, number>();

  /** With a table and commit, nth counters persist in the table (across packets). */
  constructor(seed: number, private readonly table: ConntrackTable | null) {
    this.rng = mulberry32(seed);
  }

  random(threshold: number): boolean {
    return this.rng.next31() < threshold;
  }

  nth(key: object, every: number, packet: number): boolean {
    return nthStep(this.table !== null ? this.table.nthCounters : this.localCounters, key, every, packet);
  }
}

export interface Decision {
  taken: boolean;
  /** Probability that the rule matches. */
  p: number;
}

/** Follows a prefix of forced choices, then takes the likelier-than-zero "match" branch. */
export class ForcedDecider implements Decider {
  readonly decisions: Decision[] = [];

  constructor(private readonly prefix: readonly boolean[]) {}

  private decide(p: number): boolean {
    const i = this.decisions.length;
    const taken = i < this.prefix.length ? this.prefix[i]! : p > 0;
    this.decisions.push({ taken, p });
    return taken;
  }

  random(threshold: number): boolean {
    return this.decide(threshold / STATISTIC_SCALE);
  }

  /** Over a stream of packets an nth rule matches exactly 1 in `every`. */
  nth(_key: object, every: number): boolean {
    return this.decide(1 / every);
  }

  probability(): number {
    let p = 1;
    for (const d of this.decisions) p *= d.taken ? d.p : 1 - d.p;
    return p;
  }
}
