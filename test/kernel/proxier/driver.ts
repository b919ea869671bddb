// What the kernel tests use from the proxier, in one place.
import { tokenizeLine } from '../../../core/engine/iptables/index.js';
export { nodeBaselineRestore, nodeIptablesSave, syncProxyRules, syncProxyRulesPartial } from '../../../core/engine/proxier/index.js';

export function tokenizeLineForTest(line: string): string[] {
  const t = tokenizeLine(line);
  if (!t.ok) throw new Error(`cannot tokenize ${line}: ${t.message}`);
  return t.tokens.map((x) => x.text);
}
