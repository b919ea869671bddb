// Deep copies of the model, so functions that "apply" something return a new
// ruleset and leave their input untouched.
import type { Chain, MatchModule, ModuleOption, Rule, Ruleset, Table, Target } from './model.js';

const cloneOption = (o: ModuleOption): ModuleOption => {
  const c: ModuleOption = { name: o.name, invert: o.invert, args: o.args.length === 0 ? [] : o.args.slice() };
  if (o.quoted !== undefined) c.quoted = o.quoted;
  return c;
};
const cloneModule = (m: MatchModule): MatchModule => ({ name: m.name, options: m.options.map(cloneOption) });
const cloneTarget = (t: Target): Target => ({ kind: t.kind, name: t.name, options: t.options.map(cloneOption) });

/**
 * Rules known to be in canonical form (what canonicalizeRule returned, for
 * iptables or ip6tables): canonicalising them again is a copy. A clone of a
 * marked rule is marked too, so a node's installed ruleset, cloned for every
 * command, is not re-canonicalised rule by rule. Nothing rewrites a rule's
 * matches in place after canonicalisation (expandAddressLists copies unmarked).
 */
const CANONICAL: unique symbol = Symbol('chainlab.iptables.canonical');
type Marked = Rule & { [CANONICAL]?: number };

/**
 * The mark is a non-enumerable symbol property on the rule (bit per family),
 * not a WeakSet: a WeakSet of 100k rules made every full collection slow.
 * Spread copies and JSON leave it behind, so they are simply unmarked.
 */
class CanonicalMarks {
  constructor(private readonly bit: number) {}
  has(r: Rule): boolean {
    return (((r as Marked)[CANONICAL] ?? 0) & this.bit) !== 0;
  }
  add(r: Rule): void {
    const bits = ((r as Marked)[CANONICAL] ?? 0) | this.bit;
    Object.defineProperty(r, CANONICAL, { value: bits, enumerable: false, writable: true, configurable: true });
  }
}
export const CANONICAL4 = new CanonicalMarks(1);
export const CANONICAL6 = new CanonicalMarks(2);

export function cloneRule(r: Rule): Rule {
  const c = copyRule(r);
  const bits = (r as Marked)[CANONICAL];
  if (bits !== undefined) Object.defineProperty(c, CANONICAL, { value: bits, enumerable: false, writable: true, configurable: true });
  return c;
}

/** A deep copy that carries no canonical mark (for copies about to be rewritten). */
export function copyRule(r: Rule): Rule {
  const c: Rule = { matches: r.matches.map(cloneModule) };
  if (r.source) c.source = { ...r.source };
  if (r.destination) c.destination = { ...r.destination };
  if (r.inInterface) c.inInterface = { ...r.inInterface };
  if (r.outInterface) c.outInterface = { ...r.outInterface };
  if (r.protocol) c.protocol = { ...r.protocol };
  if (r.fragment) c.fragment = { ...r.fragment };
  if (r.target) c.target = cloneTarget(r.target);
  if (r.counters) c.counters = { ...r.counters };
  if (r.line !== undefined) c.line = r.line;
  return c;
}

/** Canonical rules are never edited in place (see CANONICAL4), so a copy of a chain shares them; others are copied. */
const copyOrShare = (r: Rule): Rule => (CANONICAL4.has(r) || CANONICAL6.has(r) ? r : cloneRule(r));

export function cloneChain(ch: Chain): Chain {
  return { name: ch.name, builtin: ch.builtin, policy: ch.policy, counters: { ...ch.counters }, rules: ch.rules.map(copyOrShare) };
}

export function cloneTable(t: Table): Table {
  return {
    name: t.name,
    chains: t.chains.map(cloneChain),
    leadingComments: t.leadingComments.slice(),
    trailingComments: t.trailingComments.slice(),
  };
}

export function cloneRuleset(rs: Ruleset): Ruleset {
  return { tables: rs.tables.map(cloneTable) };
}
