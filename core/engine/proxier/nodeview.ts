// A node's whole ruleset as `iptables-save` prints it once kubelet and
// kube-proxy have done their work: kubelet's chains (canaries, KUBE-FIREWALL,
// and before 1.28 KUBE-MARK-DROP/MASQ and KUBE-POSTROUTING), kube-proxy's
// canaries and prepended jump rules, then its iptables-restore --noflush.

import type { Result } from '../errors.js';
import type { Ruleset, Table } from '../iptables/index.js';
import { applyRestore, parseIptablesSave, saveRuleset, canonicalize, tokenizeLine, BUILTIN_CHAINS } from '../iptables/index.js';
import type { KubeProxyVersion, ProxierInput, ProxierOutput } from './types.js';
import { syncContext } from './context.js';
import type { SyncContext } from './context.js';
import type { QuoteStyle, RuleLine } from './rules.js';
import { canonicalLine } from './rules.js';

export interface NodeSaveOptions {
  /** Comment quoting of the iptables-save being imitated (default: `defaultSaveQuoting(version)`). */
  quote?: QuoteStyle;
}

/** 1.22 clusters ran iptables 1.8.4 (always quotes); today's iptables (1.8.9) quotes only when needed. */
export function defaultSaveQuoting(version: KubeProxyVersion): QuoteStyle {
  return version === '1.22' ? 'always' : 'minimal';
}

interface Base {
  tables: Record<'mangle' | 'filter' | 'nat', Map<string, string[]>>;
}

function baseTables(version: KubeProxyVersion, ctx: SyncContext, q: QuoteStyle): Base {
  const mk = (name: 'mangle' | 'filter' | 'nat'): Map<string, string[]> => new Map(BUILTIN_CHAINS[name].map((c) => [c, [] as string[]]));
  const b: Base = { tables: { mangle: mk('mangle'), filter: mk('filter'), nat: mk('nat') } };
  const line = (chain: string, ...args: string[]): string => canonicalLine({ chain, args }, ctx.family, q);
  for (const t of ['mangle', 'filter', 'nat'] as const) {
    b.tables[t].set('KUBE-KUBELET-CANARY', []);
    b.tables[t].set('KUBE-PROXY-CANARY', []);
  }
  const localnet = line('KUBE-FIREWALL', '-m', 'comment', '--comment', 'block incoming localnet connections', '-d', '127.0.0.0/8', '!', '-s', '127.0.0.0/8', '-m', 'conntrack', '!', '--ctstate', 'RELATED,ESTABLISHED,DNAT', '-j', 'DROP');
  const filter = b.tables.filter;
  if (version === '1.22') {
    const fw = [line('KUBE-FIREWALL', '-m', 'comment', '--comment', 'kubernetes firewall for dropping marked packets', '-m', 'mark', '--mark', '0x8000/0x8000', '-j', 'DROP')];
    if (ctx.family === 4) fw.push(localnet);
    filter.set('KUBE-FIREWALL', fw);
    filter.get('INPUT')!.push(line('INPUT', '-j', 'KUBE-FIREWALL'));
    filter.get('OUTPUT')!.push(line('OUTPUT', '-j', 'KUBE-FIREWALL'));
    const nat = b.tables.nat;
    nat.set('KUBE-MARK-DROP', [line('KUBE-MARK-DROP', '-j', 'MARK', '--or-mark', '0x00008000')]);
    nat.set('KUBE-MARK-MASQ', [line('KUBE-MARK-MASQ', '-j', 'MARK', '--or-mark', ctx.masqueradeMark)]);
    nat.set('KUBE-POSTROUTING', []);
    nat.get('POSTROUTING')!.push(line('POSTROUTING', '-m', 'comment', '--comment', 'kubernetes postrouting rules', '-j', 'KUBE-POSTROUTING'));
  } else {
    b.tables.mangle.set('KUBE-IPTABLES-HINT', []);
    if (ctx.family === 4) {
      filter.set('KUBE-FIREWALL', [localnet]);
      filter.get('INPUT')!.push(line('INPUT', '-j', 'KUBE-FIREWALL'));
      filter.get('OUTPUT')!.push(line('OUTPUT', '-j', 'KUBE-FIREWALL'));
    }
  }
  return b;
}

function baseText(b: Base): string {
  const parts: string[] = [];
  for (const t of ['mangle', 'filter', 'nat'] as const) {
    parts.push(`*${t}\n`);
    for (const [c] of b.tables[t]) parts.push(`:${c} ${BUILTIN_CHAINS[t].includes(c) ? 'ACCEPT' : '-'} [0:0]\n`);
    for (const [, rules] of b.tables[t]) for (const r of rules) parts.push(r, '\n');
    parts.push('COMMIT\n');
  }
  return parts.join('');
}

/**
 * The node before kube-proxy's first sync, as an iptables-restore text: the
 * built-in chains, kubelet's chains and rules, and both canaries.
 */
export function nodeBaselineRestore(input: ProxierInput, quote?: QuoteStyle): string {
  const ctx = syncContext(input);
  return baseText(baseTables(input.version, ctx, quote ?? defaultSaveQuoting(input.version)));
}

/** Each `-A` line of a restore text in canonical form; other lines unchanged. */
export function canonicalRestore(text: string, family: 4 | 6, q: QuoteStyle): string {
  return text
    .split('\n')
    .map((l) => {
      if (!l.startsWith('-A ')) return l;
      const tok = tokenizeLine(l);
      if (!tok.ok) return l;
      const words = tok.tokens.map((t) => t.text);
      const r: RuleLine = { chain: words[1]!, args: words.slice(2) };
      return canonicalLine(r, family, q);
    })
    .join('\n');
}

function sortChains(t: Table): void {
  const builtin = BUILTIN_CHAINS[t.name];
  t.chains.sort((a, b) => {
    const ia = builtin.indexOf(a.name);
    const ib = builtin.indexOf(b.name);
    if (ia >= 0 || ib >= 0) return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
}

/** The node's `iptables-save` after kubelet and kube-proxy (this sync's `output`) applied their rules. */
export function nodeIptablesSave(input: ProxierInput, output: ProxierOutput, opts: NodeSaveOptions = {}): Result<string> {
  const ctx = syncContext(input);
  const q = opts.quote ?? defaultSaveQuoting(input.version);
  const base = baseTables(input.version, ctx, q);
  // kube-proxy's jump rules: each prepended unless an identical rule is already there.
  for (const e of output.ensured) {
    if (e.table === 'mangle') continue;
    const tok = tokenizeLine(e.rule);
    if (!tok.ok) continue;
    const words = tok.tokens.map((t) => t.text);
    const chain = words[1]!;
    const line = canonicalLine({ chain, args: words.slice(2) }, ctx.family, q);
    // EnsureChain before EnsureRule: the jump's target exists (empty) before the restore fills it.
    const j = words.indexOf('-j');
    const target = j >= 0 ? words[j + 1] : undefined;
    if (target?.startsWith('KUBE-') === true && !base.tables[e.table].has(target)) base.tables[e.table].set(target, []);
    const rules = base.tables[e.table].get(chain) ?? [];
    if (!rules.includes(line)) {
      if (e.position === 'prepend') rules.unshift(line);
      else rules.push(line);
    }
    base.tables[e.table].set(chain, rules);
  }
  const parsed = parseIptablesSave(baseText(base));
  if (!parsed.ok) return parsed;
  const applied = applyRestore(parsed.value, canonicalRestore(output.restore, ctx.family, q), { noflush: true });
  if (!applied.ok) return applied;
  const rs: Ruleset = canonicalize(applied.value);
  for (const t of rs.tables) sortChains(t);
  return { ok: true, value: saveRuleset(rs) };
}
