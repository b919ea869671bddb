// Turns a node's installed Ruleset into what the chains pane shows: tables,
// chains with reference counts, rules in save form, their Service (from the
// kube-proxy comment) and clickable jump targets.
import type { Ruleset } from '../../engine/iptables/model.js';
import type { ChainView, RulesView, TableView } from '../../api/contract.js';
import { formatRule } from '../../engine/iptables/index.js';

const VERDICTS = new Set(['ACCEPT', 'DROP', 'REJECT', 'RETURN', 'DNAT', 'SNAT', 'MASQUERADE', 'MARK', 'LOG', 'CONNMARK', 'NOTRACK', 'CT']);

/** `default/nginx:http` from a comment like `default/nginx:http cluster IP` or `default/nginx:http -> 10.244.1.5:80`. */
export function serviceOfComment(comment: string | undefined): string | undefined {
  if (comment === undefined) return undefined;
  const m = /^([a-z0-9][-a-z0-9.]*\/[a-z0-9][-a-z0-9.]*(?::[-a-z0-9]*)?)(?:\s|$)/.exec(comment);
  return m?.[1];
}

export function rulesView(node: string, rs: Ruleset, change: { added: string[]; removed: string[] }, save: (rs: Ruleset) => string): RulesView {
  const tables: TableView[] = rs.tables.map((t) => {
    const names = new Set(t.chains.map((c) => c.name));
    const refs = new Map<string, number>();
    for (const c of t.chains) for (const r of c.rules) {
      const n = r.target?.name;
      if (n !== undefined && names.has(n)) refs.set(n, (refs.get(n) ?? 0) + 1);
    }
    const chains: ChainView[] = t.chains.map((c) => ({
      name: c.name,
      builtin: c.builtin,
      policy: c.policy,
      packets: c.counters.packets,
      bytes: c.counters.bytes,
      references: refs.get(c.name) ?? 0,
      rules: c.rules.map((r, i) => {
        const comment = r.matches.find((m) => m.name === 'comment')?.options.find((o) => o.name === 'comment')?.args[0];
        const target = r.target?.name;
        const service = serviceOfComment(comment);
        return {
          number: i + 1,
          text: formatRule(c.name, r),
          ...(target !== undefined ? { target } : {}),
          ...(target !== undefined && names.has(target) && !VERDICTS.has(target) ? { jump: target } : {}),
          ...(service !== undefined ? { service } : {}),
          packets: r.counters?.packets ?? 0,
          bytes: r.counters?.bytes ?? 0,
        };
      }),
    }));
    return { name: t.name, chains };
  });
  return { node, tables, save: save(rs), added: change.added, removed: change.removed };
}
