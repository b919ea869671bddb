// A trace as a person reads it in a terminal: hooks, one line per rule
// evaluated (matched ones highlighted), rewrites inline, the verdict, where
// the packet lands, the conntrack entry and the probability of each outcome.

import type { PacketTrace, SampleResult, TraceStep } from './types.js';

export interface TextOptions {
  /** ANSI bold/colour for matched rules and the verdict. */
  color: boolean;
  /** Leave out the rules that did not match (a node with thousands of Services). */
  matchedOnly?: boolean;
}

const ESC = '\u001b[';
const paint = (on: boolean, code: string, s: string) => (on ? `${ESC}${code}m${s}${ESC}0m` : s);

export function formatPercent(p: number): string {
  const v = p * 100;
  if (v === 100 || v === 0) return `${v.toFixed(1)} %`;
  return `${v.toFixed(4).replace(/0+$/, '').replace(/\.$/, '.0')} %`;
}

function endpoint(ip: string, port: number | undefined): string {
  if (port === undefined) return ip;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

function stepLine(s: TraceStep, color: boolean): string[] {
  const where = `${s.table}/${s.chain} ${s.ruleNumber === 0 ? 'policy' : `#${s.ruleNumber}`}`;
  if (!s.matched) return [paint(color, '2', `    · ${where.padEnd(36)} ${s.rule}`)];
  const head = paint(color, '1', `    ✔ ${where.padEnd(36)} ${s.rule}`);
  const lines = [head];
  if (s.action !== undefined && s.ruleNumber !== 0) lines.push(paint(color, '36', `        → ${s.action}`));
  else if (s.action !== undefined) lines[0] = `${head}  ${paint(color, '36', `→ ${s.action}`)}`;
  return lines;
}

export function describeDelivery(t: PacketTrace['delivery']): string {
  switch (t.kind) {
    case 'local':
      return `a local process on the node at ${endpoint(t.address, t.port)}${t.process !== undefined ? ` (${t.process})` : ' (nothing listens there)'}`;
    case 'pod':
      return `a pod on this node at ${endpoint(t.ip, t.port)}${t.pod !== '' ? ` (${t.pod})` : ''}`;
    case 'forward':
      return `forwarded out ${t.via} to ${endpoint(t.to, t.port)}${t.node !== undefined ? ` (node ${t.node})` : ''}`;
    case 'dropped':
      return t.reason !== undefined ? `dropped: ${t.reason}` : `dropped by ${t.table !== undefined ? `${t.table}/` : ''}${t.chain} in ${t.hook}`;
    case 'rejected':
      return `rejected by ${t.table !== undefined ? `${t.table}/` : ''}${t.chain} in ${t.hook} (${t.with})`;
  }
}

export function formatTraceText(t: PacketTrace, opts: TextOptions): string {
  const c = opts.color;
  const p = t.packet;
  const out: string[] = [];
  const ports = p.proto !== 'icmp';
  out.push(
    `Packet ${p.proto} ${ports ? endpoint(p.src, p.sport) : p.src} → ${ports ? endpoint(p.dst, p.dport) : p.dst} from ${p.ingress === 'node' ? 'a process on the node' : p.ingress === 'pod' ? 'a pod' : 'outside the node'} (conntrack: ${t.ctState})`,
  );
  let lastHook: string | null = null;
  let skipped = 0;
  for (const s of t.steps) {
    if (opts.matchedOnly === true && !s.matched) {
      skipped++;
      continue;
    }
    if (s.hook !== lastHook) {
      out.push('', paint(c, '1;4', s.hook));
      lastHook = s.hook;
    }
    out.push(...stepLine(s, c));
  }
  const traversed = t.hooks.join(' → ');
  out.push('', `Hooks: ${traversed}`);
  if (skipped > 0) out.push(`Rules evaluated: ${t.steps.length} (${skipped} that did not match are not shown)`);
  const rewrites: string[] = [];
  if (t.dnatTo !== null) rewrites.push(`destination → ${t.dnatTo}`);
  if (t.snatTo !== null) rewrites.push(`source → ${t.snatTo}${t.masquerade ? ' (MASQUERADE)' : ''}`);
  if (t.mark !== 0) rewrites.push(`mark 0x${t.mark.toString(16)}`);
  out.push(`Rewrites: ${rewrites.length > 0 ? rewrites.join('; ') : 'none'}`);
  const verdictColor = t.verdict === 'ACCEPT' ? '1;32' : '1;31';
  out.push(`Verdict: ${paint(c, verdictColor, t.verdict)} — ${describeDelivery(t.delivery)}`);
  out.push(`Conntrack: ${t.conntrack !== null ? t.conntrack.line : '(no entry)'}`);
  out.push('', 'Outcomes (exact probability):');
  for (const o of t.outcomes) out.push(`  ${formatPercent(o.probability).padStart(10)}  ${o.key}${o.masquerade ? ', masqueraded' : ''}`);
  if (t.notes.length > 0) {
    out.push('', 'Notes:');
    for (const n of t.notes) out.push(`  - ${n}`);
  }
  return out.join('\n') + '\n';
}

export function formatSampleText(s: SampleResult): string {
  const out = [`Sampled ${s.runs} packets (seed ${s.seed}):`];
  const width = Math.max(...s.outcomes.map((o) => String(o.count).length), 1);
  for (const o of s.outcomes) {
    out.push(`  ${String(o.count).padStart(width)}  ${formatPercent(o.fraction).padStart(10)}  (exact ${formatPercent(o.probability)})  ${o.key}`);
  }
  return out.join('\n') + '\n';
}
