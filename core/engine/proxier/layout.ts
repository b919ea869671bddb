// The iptables-restore text of a sync in a stable order: filter then nat;
// chains KUBE-NODEPORTS, KUBE-SERVICES, then the other chains alphabetically;
// each chain's rules in the order they were generated (services by name, the
// NodePort catch-all last); stale chains declared and then deleted with -X.

import type { QuoteStyle, RuleLine, TableText } from './rules.js';
import { canonicalLine, restoreLine } from './rules.js';

const FIRST = ['KUBE-NODEPORTS', 'KUBE-SERVICES'];

export function orderChains(chains: readonly string[]): string[] {
  const uniq = [...new Set(chains)];
  const head = FIRST.filter((c) => uniq.includes(c));
  const rest = uniq.filter((c) => !FIRST.includes(c)).sort();
  return [...head, ...rest];
}

export interface LineStyle {
  /** 'kube-proxy': words as kube-proxy writes them; 'canonical': as iptables-save prints them. */
  form: 'kube-proxy' | 'canonical';
  family: 4 | 6;
  quote: QuoteStyle;
}

export function renderLine(r: RuleLine, style: LineStyle): string {
  return style.form === 'canonical' ? canonicalLine(r, style.family, style.quote) : restoreLine(r);
}

export function renderTable(name: 'filter' | 'nat', t: TableText): string {
  const live = new Set(t.chains);
  const deleted = [...new Set(t.deleted)].filter((c) => !live.has(c)).sort();
  // Stale chains are declared (which flushes them) among the others, then removed with -X.
  const declared = orderChains([...t.chains, ...deleted]);
  const parts: string[] = [`*${name}`];
  for (const c of declared) parts.push(`:${c} - [0:0]`);
  for (const c of declared) {
    const lines = live.has(c) ? t.rules.byChain.get(c) : undefined;
    if (lines !== undefined) for (const l of lines) parts.push(l);
  }
  for (const c of deleted) parts.push(`-X ${c}`);
  parts.push('COMMIT', '');
  return parts.join('\n');
}
