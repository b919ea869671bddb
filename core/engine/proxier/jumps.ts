// Jump consistency of an iptables-restore text: every -j/-g to a chain names
// a chain that exists (declared in that table, built in, or known to exist on
// the node), nothing jumps to a chain deleted with -X, and every
// service-derived chain kube-proxy declares is the target of some rule.

import { tokenizeLine } from '../iptables/index.js';
import { isServiceChainName } from './names.js';

export interface JumpProblem {
  table: string;
  chain: string;
  message: string;
}

const TARGETS = new Set(['ACCEPT', 'DROP', 'RETURN', 'REJECT', 'DNAT', 'SNAT', 'MASQUERADE', 'MARK', 'LOG', 'CONNMARK', 'REDIRECT', 'NOTRACK', 'CT', 'CHECKSUM', 'QUEUE', 'NFQUEUE', 'TPROXY', 'TRACE']);

/**
 * Problems in `restore` (empty when consistent). `existing` lists chains the node
 * has outside this text (`nat:KUBE-MARK-DROP`); `extraRules` are rules in save
 * syntax applied alongside (kube-proxy's ensured jumps) whose targets count as references.
 */
export function checkJumps(restore: string, existing: readonly string[] = [], extraRules: readonly { table: string; rule: string }[] = []): JumpProblem[] {
  const problems: JumpProblem[] = [];
  const declared = new Map<string, Set<string>>();
  const deleted = new Map<string, Set<string>>();
  const refs: { table: string; from: string; to: string }[] = [];
  let table = '';
  const targetOf = (line: string): { chain: string; target: string | undefined } | undefined => {
    const tok = tokenizeLine(line);
    if (!tok.ok) return undefined;
    const w = tok.tokens.map((t) => t.text);
    const j = w.findIndex((x, i) => i > 1 && (x === '-j' || x === '-g') && !tok.tokens[i]!.quoted);
    return { chain: w[1]!, target: j >= 0 ? w[j + 1] : undefined };
  };
  for (const line of restore.split('\n')) {
    if (line.startsWith('*')) {
      table = line.slice(1);
      declared.set(table, new Set());
      deleted.set(table, new Set());
    } else if (line.startsWith(':')) {
      declared.get(table)!.add(line.slice(1).split(' ')[0]!);
    } else if (line.startsWith('-X ')) {
      deleted.get(table)!.add(line.slice(3).trim());
    } else if (line.startsWith('-A ')) {
      const t = targetOf(line);
      if (t === undefined) continue;
      if (!declared.get(table)!.has(t.chain)) problems.push({ table, chain: t.chain, message: `rule appended to undeclared chain ${t.chain}` });
      if (t.target !== undefined && !TARGETS.has(t.target)) refs.push({ table, from: t.chain, to: t.target });
    }
  }
  for (const e of extraRules) {
    const t = targetOf(e.rule);
    if (t?.target !== undefined && !TARGETS.has(t.target)) refs.push({ table: e.table, from: t.chain, to: t.target });
  }
  const exists = (tbl: string, c: string): boolean =>
    (declared.get(tbl)?.has(c) === true && deleted.get(tbl)?.has(c) !== true) || existing.includes(`${tbl}:${c}`);
  const referenced = new Set<string>();
  for (const r of refs) {
    referenced.add(`${r.table}:${r.to}`);
    if (deleted.get(r.table)?.has(r.to) === true) problems.push({ table: r.table, chain: r.from, message: `jumps to ${r.to}, which this text deletes` });
    else if (!exists(r.table, r.to)) problems.push({ table: r.table, chain: r.from, message: `jumps to ${r.to}, which is not declared` });
  }
  for (const [tbl, set] of declared) {
    for (const c of set) {
      if (deleted.get(tbl)?.has(c) === true) continue;
      if (isServiceChainName(c) && !referenced.has(`${tbl}:${c}`)) problems.push({ table: tbl, chain: c, message: `${c} is declared but nothing jumps to it` });
    }
  }
  return problems;
}
