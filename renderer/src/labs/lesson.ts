// Pure helpers of the lessons UI (the host runs the lessons; these only read
// what it sends): card progress, which terminal tab a lesson terminal is,
// which command lines can be run as they are, and whether the host recorded a
// command a replay typed.
import type { LessonCard, LessonState, LessonStepView } from '../../../core/api/contract.js';
import type { CommandRecord, LabProgress } from '../../../core/lab/runner/index.js';
import type { BackendStatus } from '../../../core/api/contract.js';
import type { KubeProxyVersion } from '../../../core/engine/proxier/types.js';
import { SEED_000_MANIFEST } from '../../../core/lab/seeds.js';

/** 0..1 for the card's bar, and the word on its button. */
export function cardProgress(progress: LabProgress | null, steps: number): { fraction: number; label: 'Start' | 'Resume' | 'Done' } {
  if (progress === null || steps === 0) return { fraction: 0, label: 'Start' };
  const fraction = Math.min(1, Math.max(0, progress.current / steps));
  return { fraction, label: fraction >= 1 ? 'Done' : progress.current > 0 || Object.keys(progress.steps).length > 0 ? 'Resume' : 'Start' };
}

/** The terminals pane's tab key of a lesson terminal (`console` or a node name). */
export function terminalKey(terminal: string): string {
  return terminal === 'console' || terminal === '' ? 'console' : `node:${terminal}`;
}

/** A line the student must edit first (`kill -9 <PID>`, `<the kube-proxy pod on k8s2>`): pasted, never run as is. */
export function hasPlaceholder(line: string): boolean {
  return /<[A-Za-z][^<>]*>/.test(line) && !/<<|<\(|\s<\s/.test(line);
}

/** Command lines of a code block worth offering (no blanks, no comments). */
export function commandLines(lines: string[]): string[] {
  return lines.filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
}

function same(r: CommandRecord, terminal: string, line: string): boolean {
  return r.line.trim() === line.trim() && (r.terminal === terminal || terminalKey(r.terminal) === terminalKey(terminal));
}

/**
 * Whether the host recorded `line` in `terminal` since `before` was read. The
 * host keeps the step's last 50 commands, so at the cap a count cannot grow:
 * then a new newest record equal to the line counts.
 */
export function commandRecorded(before: readonly CommandRecord[], after: readonly CommandRecord[], terminal: string, line: string): boolean {
  const count = (rs: readonly CommandRecord[]): number => rs.filter((r) => same(r, terminal, line)).length;
  if (count(after) > count(before)) return true;
  const last = after[after.length - 1];
  return after.length >= 50 && last !== undefined && same(last, terminal, line) && last !== before[before.length - 1];
}

/** `2s`, `500ms`, `1m` → milliseconds (0 when unreadable). */
export function durationMs(d: string): number {
  const m = /^(\d+)(ms|s|m)$/.exec(d.trim());
  if (m === null) return 0;
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}

export type ReplayItem =
  | { kind: 'type'; terminal: string; text: string }
  | { kind: 'wait'; ms: number }
  | { kind: 'answer'; choice: string }
  | { kind: 'packet'; node: string; packet: LessonStepView['packets'][number]['packet']; label: string };

/** What a replay does for one step: its solution, then the packets its checks send. */
export function replayPlan(step: LessonStepView): ReplayItem[] {
  const items: ReplayItem[] = step.solution.map((a): ReplayItem => {
    if ('run' in a) return { kind: 'type', terminal: a.in === '' ? 'console' : a.in, text: a.run };
    if ('wait' in a) return { kind: 'wait', ms: durationMs(a.wait) };
    return { kind: 'answer', choice: a.answer };
  });
  for (const p of step.packets) items.push({ kind: 'packet', node: p.node, packet: p.packet, label: p.label });
  return items;
}

/** What a toast says when the host's lesson moved on (or finished). */
export function stepChange(prev: LessonState | null, next: LessonState | null): string | null {
  if (prev === null || next === null || prev.id !== next.id) return null;
  if (next.finished && !prev.finished) return `${next.title}: all ${next.steps.length} steps done`;
  if (next.current > prev.current && next.current < next.steps.length) {
    return `Step ${prev.current + 1} done. Step ${next.current + 1}: ${next.steps[next.current]?.title ?? ''}`;
  }
  return null;
}

/** kube-proxy layouts the sim backend models (core/engine/proxier): the current one and 1.22's. */
export const KUBE_PROXY_VERSIONS: { version: KubeProxyVersion; label: string }[] = [
  { version: '1.33', label: '1.33 (current layout)' },
  { version: '1.22', label: '1.22 (older layout: KUBE-MARK-DROP, NodePort sockets)' },
];

/** Why a backend cannot start a lab, or null when it can. */
export function backendBlocked(backends: readonly BackendStatus[] | undefined, kind: 'sim' | 'docker'): string | null {
  if (kind === 'sim') return null;
  const b = backends?.find((x) => x.kind === kind);
  if (b === undefined) return 'this build does not say whether Docker is available';
  return b.available ? null : b.detail;
}

/** What "New lab" can start with: seed 000's nginx Deployment and its NodePort Service, as the articles do. */
export const NGINX_STARTER = SEED_000_MANIFEST;
