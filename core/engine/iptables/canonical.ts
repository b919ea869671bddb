// Canonicalisation: what iptables-save prints after iptables-restore loaded a text.
import type { Rule, Ruleset } from './model.js';
import { cloneRule, cloneRuleset } from './clone.js';

export function canonicalizeRule(rule: Rule): Rule {
  return cloneRule(rule);
}

export function canonicalize(rs: Ruleset): Ruleset {
  return cloneRuleset(rs);
}
