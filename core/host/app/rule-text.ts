// One rule in iptables-save form, for the chains pane. Kept to the model's own
// fields; swapped for the codec's formatRule (core/engine/iptables) when it lands.
import type { ModuleOption, Rule } from '../../engine/iptables/model.js';

const quote = (s: string): string => (/^[^\s"'\\]+$/.test(s) && s.length > 0 ? s : `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);

function option(o: ModuleOption): string {
  const args = o.args.map((a) => (o.quoted === true ? `"${a.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : quote(a)));
  return [o.invert ? '!' : '', `--${o.name}`, ...args].filter((p) => p.length > 0).join(' ');
}

export function ruleText(chain: string, r: Rule): string {
  const parts = [`-A ${chain}`];
  const neg = (flag: string, v: { invert: boolean; value: string } | undefined): void => {
    if (v !== undefined) parts.push(`${v.invert ? '! ' : ''}${flag} ${v.value}`);
  };
  neg('-s', r.source);
  neg('-d', r.destination);
  neg('-i', r.inInterface);
  neg('-o', r.outInterface);
  neg('-p', r.protocol);
  if (r.fragment !== undefined) parts.push(r.fragment.invert ? '! -f' : '-f');
  for (const m of r.matches) parts.push([`-m ${m.name}`, ...m.options.map(option)].join(' '));
  if (r.target !== undefined) parts.push([`${r.target.kind === 'goto' ? '-g' : '-j'} ${r.target.name}`, ...r.target.options.map(option)].join(' '));
  return parts.join(' ');
}

/** The whole ruleset as iptables-save prints it (with counters when asked). */
export function saveText(rs: import('../../engine/iptables/model.js').Ruleset): string {
  const out: string[] = [];
  for (const t of rs.tables) {
    out.push(...t.leadingComments, `*${t.name}`);
    for (const c of t.chains) out.push(`:${c.name} ${c.policy ?? '-'} [${c.counters.packets}:${c.counters.bytes}]`);
    for (const c of t.chains) for (const r of c.rules) out.push(ruleText(c.name, r));
    out.push('COMMIT', ...t.trailingComments);
  }
  return out.length > 0 ? `${out.join('\n')}\n` : '';
}
