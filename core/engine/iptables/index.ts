// The iptables codec, canonicalisation, views and command emulation.
export * from './model.js';
export { parseIptablesSave, applyRestore } from './parse.js';
export type { ParseOptions, RestoreOptions } from './parse.js';
export { saveRuleset, formatRule, formatRuleSpec, quoteWord } from './save.js';
export type { SaveOptions } from './save.js';
export { canonicalize, canonicalizeRule } from './canonical.js';
export { cloneRuleset, cloneRule } from './clone.js';
export { sameRule } from './apply.js';
export { tokenizeLine } from './tokens.js';
