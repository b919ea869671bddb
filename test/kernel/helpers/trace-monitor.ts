// Reading the kernel's own account of a packet: `xtables-monitor --trace`
// (every base chain the packet enters prints a PACKET line, then one TRACE
// line per rule that matched and, when it falls through, the policy), the
// conntrack event stream (`conntrack -E`: the NEW entry carries the NAT
// result), and the nft rule handles that map a trace line back to the rule's
// position in its chain (what `iptables -L --line-numbers` counts).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { nsRun } from './topology.js';

export type KernelHook = 'PREROUTING' | 'INPUT' | 'FORWARD' | 'OUTPUT' | 'POSTROUTING';
const HOOKS: readonly string[] = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'];

/** `PACKET: 2 30e83ed4 IN=eth0 OUT=cni0 … SRC=… DST=… SPORT=… DPORT=… SYN MARK=0x4000` */
export interface PacketLine {
  kind: 'packet';
  traceId: string;
  fields: Record<string, string>;
  flags: string[];
}

/** ` TRACE: 2 30e83ed4 nat:KUBE-SERVICES:rule:0xa:JUMP:KUBE-SVC-X  -4 -t nat -A KUBE-SERVICES …` */
export interface TraceLine {
  kind: 'trace';
  traceId: string;
  table: string;
  chain: string;
  type: 'rule' | 'policy' | 'return';
  /** nft rule handle (rule events only). */
  handle?: number;
  /** ACCEPT, DROP, CONTINUE, RETURN, JUMP, GOTO, … */
  verdict: string;
  /** The chain of a JUMP/GOTO. */
  target?: string;
  /** The rule in iptables syntax as the monitor prints it (`-4 -t nat -A CHAIN …`). */
  ruleText?: string;
}

export type MonitorLine = PacketLine | TraceLine;

/** enum nft_verdicts, as 32-bit hex. */
const NFT_VERDICT_CODES: Record<string, string> = {
  '0xffffffff': 'CONTINUE',
  '0xfffffffe': 'BREAK',
  '0xfffffffd': 'JUMP',
  '0xfffffffc': 'GOTO',
  '0xfffffffb': 'RETURN',
};

export function parseMonitorLine(raw: string): MonitorLine | null {
  const line = raw.trimEnd();
  let m = /^PACKET: \d+ ([0-9a-f]+) (.*)$/.exec(line);
  if (m) {
    const fields: Record<string, string> = {};
    const flags: string[] = [];
    for (const tok of (m[2] ?? '').split(/\s+/).filter(Boolean)) {
      const eq = tok.indexOf('=');
      if (eq > 0) fields[tok.slice(0, eq)] = tok.slice(eq + 1);
      else flags.push(tok);
    }
    return { kind: 'packet', traceId: m[1] ?? '', fields, flags };
  }
  m = /^\s*TRACE: \d+ ([0-9a-f]+) ([^:\s]+):([^:\s]+):(rule|policy|return):?(.*)$/.exec(line);
  if (!m) return null;
  const base = { kind: 'trace' as const, traceId: m[1] ?? '', table: m[2] ?? '', chain: m[3] ?? '', type: m[4] as TraceLine['type'] };
  const rest = m[5] ?? '';
  if (base.type === 'rule') {
    // xtables-monitor 1.8.9 prints some nft verdicts as raw numbers (`-j RETURN` shows as 0xfffffffb).
    const r = /^0x([0-9a-f]+):([A-Z]+|0x[0-9a-f]+)(?::(\S+))?\s*(.*)$/.exec(rest);
    if (!r) return null;
    const verdict = NFT_VERDICT_CODES[r[2] ?? ''] ?? r[2] ?? '';
    return { ...base, handle: parseInt(r[1] ?? '0', 16), verdict, ...(r[3] ? { target: r[3] } : {}), ...(r[4] ? { ruleText: r[4].trim() } : {}) };
  }
  return { ...base, verdict: rest.trim().split(/[:\s]/)[0] ?? '' };
}

/** Lines of a long-running process, with "wait until a line like this arrives". */
export class LineStream {
  readonly lines: string[] = [];
  private buf = '';
  private waiters: { pred: (l: string) => boolean; from: number; resolve: (i: number) => void }[] = [];
  stderr = '';
  exited = false;

  constructor(readonly proc: ChildProcessWithoutNullStreams) {
    proc.stdout.on('data', (d: Buffer) => {
      this.buf += d.toString();
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        this.push(this.buf.slice(0, nl));
        this.buf = this.buf.slice(nl + 1);
      }
    });
    proc.stderr.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    proc.on('exit', () => {
      this.exited = true;
    });
  }

  private push(line: string): void {
    const i = this.lines.length;
    this.lines.push(line);
    this.waiters = this.waiters.filter((w) => {
      if (i >= w.from && w.pred(line)) {
        w.resolve(i);
        return false;
      }
      return true;
    });
  }

  /** Index of the first line at or after `from` satisfying pred, or -1 after timeoutMs. */
  waitFor(pred: (l: string) => boolean, from: number, timeoutMs: number): Promise<number> {
    for (let i = from; i < this.lines.length; i++) if (pred(this.lines[i] ?? '')) return Promise.resolve(i);
    return new Promise<number>((resolve) => {
      const w = { pred, from, resolve: (i: number) => { clearTimeout(timer); resolve(i); } };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        resolve(-1);
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  stop(): void {
    if (!this.exited) this.proc.kill('SIGKILL');
  }
}

function spawnIn(ns: string, argv: string[]): LineStream {
  return new LineStream(spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['pipe', 'pipe', 'pipe'] }));
}

/** `xtables-monitor --trace` in a namespace. */
export function startTraceMonitor(ns: string): LineStream {
  return spawnIn(ns, ['xtables-monitor', '--trace']);
}

/** `conntrack -E -e NEW` in a namespace: one line per confirmed new connection. */
export function startConntrackMonitor(ns: string): LineStream {
  // stdbuf: conntrack block-buffers a pipe; each event must arrive as it happens.
  return spawnIn(ns, ['stdbuf', '-oL', 'conntrack', '-E', '-e', 'NEW']);
}

// ---- conntrack ---------------------------------------------------------------

export interface CtTupleSeen {
  src: string;
  dst: string;
  sport: number;
  dport: number;
}

export interface CtEventSeen {
  proto: string;
  orig: CtTupleSeen;
  reply: CtTupleSeen;
  line: string;
}

/** `[NEW] tcp 6 120 SYN_SENT src=… dst=… sport=… dport=… [UNREPLIED] src=… dst=… sport=… dport=…` */
export function parseConntrackEvent(line: string): CtEventSeen | null {
  const proto = /\b(tcp|udp|sctp|icmp)\b/.exec(line)?.[1];
  const tuples = [...line.matchAll(/src=(\S+) dst=(\S+)(?: sport=(\d+) dport=(\d+))?/g)];
  const [o, r] = tuples;
  if (!proto || !o || !r) return null;
  const t = (m: RegExpMatchArray): CtTupleSeen => ({ src: m[1] ?? '', dst: m[2] ?? '', sport: Number(m[3] ?? 0), dport: Number(m[4] ?? 0) });
  return { proto, orig: t(o), reply: t(r), line: line.trim() };
}

// ---- rule handles ------------------------------------------------------------

/** chain → rule handles in order, for one table (`nft -a list table ip TABLE`). */
export type HandleMap = Map<string, number[]>;

export function parseNftHandles(listing: string): HandleMap {
  return parseNftRuleset(listing).get('*') ?? new Map();
}

/**
 * `nft -a list ruleset` (or `list table`) → table → chain → rule handles, for
 * the `ip` family (one table alone is also returned under `*`).
 */
export function parseNftRuleset(listing: string): Map<string, HandleMap> {
  const out = new Map<string, HandleMap>();
  let table: HandleMap | null = null;
  let chain: number[] | null = null;
  for (const line of listing.split('\n')) {
    const t = /^table (\S+) (\S+) \{/.exec(line);
    if (t) {
      chain = null;
      table = t[1] === 'ip' ? new Map() : null;
      if (table) {
        out.set(t[2] ?? '', table);
        out.set('*', table);
      }
      continue;
    }
    if (!table) continue;
    const c = /^\s*chain (\S+) \{/.exec(line);
    if (c) {
      chain = [];
      table.set((c[1] ?? '').replace(/^"|"$/g, ''), chain);
      continue;
    }
    const h = /# handle (\d+)\s*$/.exec(line);
    if (h && chain) chain.push(Number(h[1]));
  }
  return out;
}

export function readHandles(ns: string, tables: readonly string[]): Map<string, HandleMap> {
  const all = parseNftRuleset(nsRun(ns, ['nft', '-a', 'list', 'ruleset']).stdout);
  return new Map(tables.map((t) => [t, all.get(t) ?? new Map()]));
}

// ---- from lines to what the kernel did ---------------------------------------

/** One matched rule (or a policy) as the kernel reported it. */
export interface KernelStep {
  hook: KernelHook;
  table: string;
  chain: string;
  /** 1-based position in the chain as loaded by the test (trace rules removed); 0 for the policy. */
  ruleNumber: number;
  /** ACCEPT, DROP, CONTINUE, RETURN, JUMP, GOTO (for a policy: its verdict). */
  verdict: string;
  target?: string;
  ruleText?: string;
}

/** One base-chain visit: the packet as it looked there, and what matched. */
export interface HookVisit {
  hook: KernelHook;
  table: string;
  packet: PacketLine;
  steps: KernelStep[];
}

export interface TraceRuleRef {
  table: string;
  chain: string;
  handle: number;
}

/**
 * Groups the lines of one probe into base-chain visits and maps handles to
 * rule numbers. Lines produced by the test's own TRACE rules are removed and
 * the positions after them shifted, so the numbers are those of the ruleset
 * the engine sees.
 */
export function visitsFromLines(lines: readonly MonitorLine[], handles: Map<string, HandleMap>, traceRules: readonly TraceRuleRef[]): HookVisit[] {
  const visits: HookVisit[] = [];
  let packet: PacketLine | null = null;
  let current: HookVisit | null = null;
  const isTraceRule = (t: TraceLine): boolean => traceRules.some((r) => r.table === t.table && r.chain === t.chain && r.handle === t.handle);
  for (const l of lines) {
    if (l.kind === 'packet') {
      packet = l;
      current = null;
      continue;
    }
    if (packet === null) continue;
    if (current === null) {
      if (!HOOKS.includes(l.chain)) continue; // a visit always starts in a base chain
      current = { hook: l.chain as KernelHook, table: l.table, packet, steps: [] };
      visits.push(current);
    }
    if (l.type === 'return') continue;
    if (l.type === 'rule' && isTraceRule(l)) continue;
    let ruleNumber = 0;
    if (l.type === 'rule') {
      const list = handles.get(l.table)?.get(l.chain) ?? [];
      const idx = list.indexOf(l.handle ?? -1);
      if (idx < 0) throw new Error(`trace names ${l.table}:${l.chain} handle ${l.handle}, which the rule listing does not have`);
      const before = traceRules.filter((r) => r.table === l.table && r.chain === l.chain && list.indexOf(r.handle) >= 0 && list.indexOf(r.handle) < idx).length;
      ruleNumber = idx + 1 - before;
    }
    current.steps.push({
      hook: current.hook,
      table: l.table,
      chain: l.chain,
      ruleNumber,
      verdict: l.verdict,
      ...(l.target ? { target: l.target } : {}),
      ...(l.ruleText ? { ruleText: l.ruleText } : {}),
    });
  }
  return visits;
}
