// Helpers for the chains pane: diff matching and grouping rules by Service.
import type { ChainView, RuleView } from '../../../core/api/contract.js';

/** Rule text without any table prefix (`nat -A …`, `-t nat -A …`, `*nat -A …`), spaces collapsed. */
export function normRule(s: string): string {
  return s.trim().replace(/^(?:-t\s+\w+\s+|\*?\w+\s+)(?=-[AI]\s)/, '').replace(/\s+/g, ' ');
}

export interface RuleGroup {
  service: string | null;
  rules: RuleView[];
}

/** Consecutive rules of the same Service form one group (kube-proxy writes them together). */
export function groupByService(rules: RuleView[]): RuleGroup[] {
  const groups: RuleGroup[] = [];
  for (const r of rules) {
    const s = r.service ?? null;
    const last = groups[groups.length - 1];
    if (last !== undefined && last.service === s) last.rules.push(r);
    else groups.push({ service: s, rules: [r] });
  }
  return groups;
}

/** The Service a whole chain belongs to (KUBE-SVC-…, KUBE-SEP-…, KUBE-EXT-…), from its rules' comments. */
export function chainService(c: ChainView): string | null {
  if (c.builtin || !/^KUBE-(SVC|SVL|SEP|EXT|FW|XLB)-/.test(c.name)) return null;
  for (const r of c.rules) if (r.service !== undefined) return r.service;
  return null;
}

/** Splits a rule's text into what comes before the target, the target word, and its options. */
export function splitRule(r: RuleView, chain: string): { body: string; verb: string; target: string; rest: string } {
  const text = r.text.replace(new RegExp(`^-A ${chain.replace(/[-[\]/{}()*+?.\\^$|]/g, '\\$&')}\\s?`), '');
  const m = /(^|\s)(-[jg]) (\S+)(.*)$/.exec(text);
  if (m === null || m.index === undefined) return { body: text, verb: '', target: '', rest: '' };
  return { body: text.slice(0, m.index), verb: m[2] ?? '-j', target: m[3] ?? '', rest: (m[4] ?? '').trim() };
}

export function human(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}K`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}
