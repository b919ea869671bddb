// Deep copies of the model, so functions that "apply" something return a new
// ruleset and leave their input untouched.
import type { Chain, MatchModule, ModuleOption, Rule, Ruleset, Table, Target } from './model.js';

const cloneOption = (o: ModuleOption): ModuleOption => {
  const c: ModuleOption = { name: o.name, invert: o.invert, args: o.args.slice() };
  if (o.quoted !== undefined) c.quoted = o.quoted;
  return c;
};
const cloneModule = (m: MatchModule): MatchModule => ({ name: m.name, options: m.options.map(cloneOption) });
const cloneTarget = (t: Target): Target => ({ kind: t.kind, name: t.name, options: t.options.map(cloneOption) });

export function cloneRule(r: Rule): Rule {
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

export function cloneChain(ch: Chain): Chain {
  return { name: ch.name, builtin: ch.builtin, policy: ch.policy, counters: { ...ch.counters }, rules: ch.rules.map(cloneRule) };
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
