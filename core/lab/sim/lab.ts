// The sim backend's Lab: everything in process, on simulated time. Commands
// run in a fresh node shell (`exec`) or kubectl (`kubectl`); the state is one
// JSON snapshot (`toJSON`) that `restoreSimLab` brings back.

import type { ClusterSnapshot, CommandResult, Lab, LabEvent, LabSpec, TerminalSession, TraceResult } from '../backend.js';
import type { Ruleset } from '../../engine/iptables/model.js';
import { cloneRuleset } from '../../engine/iptables/index.js';
import type { Packet } from '../../engine/packet/types.js';
import { ConntrackTable, tracePacket } from '../../engine/packet/index.js';
import { runKubectl } from '../kubectl/index.js';
import { createShell, runShellLine } from '../shell/index.js';
import { NodeShellHost } from '../node/shell-host.js';
import { describeNode } from '../node/traffic.js';
import type { SimClock } from './clock.js';
import { realtimeClock } from './clock.js';
import type { SimOptions, SimState } from './runtime.js';
import { SimRuntime } from './runtime.js';
import { simTerminal } from './terminal.js';
import { traceResultOf } from '../trace-result.js';

export interface SimLabOptions extends SimOptions {
  /** Default: real time. Tests pass `manualClock()`. */
  clock?: SimClock;
}

export class SimLab implements Lab {
  private rt: SimRuntime;
  private readonly clock: SimClock;
  private listeners = new Set<(e: LabEvent) => void>();
  /** Subscribed to the runtime only while someone listens (rule diffs cost a save per sync). */
  private unlisten: () => void = () => undefined;
  private terminals = new Set<TerminalSession>();

  constructor(rt: SimRuntime, private readonly opts: SimLabOptions) {
    this.rt = rt;
    this.clock = rt.clock;
  }

  get spec(): LabSpec { return this.rt.state.spec; }
  /** The runtime (API server, nodes, timers) for tests, the host and the UI. */
  get runtime(): SimRuntime { return this.rt; }

  private forward(e: LabEvent): void {
    for (const l of [...this.listeners]) l(e);
  }

  /** The lab's whole state as JSON. */
  toJSON(): SimState { return this.rt.toJSON(); }

  /** A node shell host (user `root` unless the lab was created for another user). */
  host(node: string, user?: string): NodeShellHost {
    const n = this.rt.node(node);
    if (!n) throw new Error(`no node named "${node}" in lab ${this.spec.name} (nodes: ${this.rt.state.nodes.map((x) => x.name).join(', ')})`);
    return new NodeShellHost(this.rt, n, { user: user ?? this.opts.user });
  }

  async snapshot(): Promise<ClusterSnapshot> {
    this.rt.catchUp();
    return this.rt.summary();
  }

  async exec(node: string, commandLine: string, opts: { user?: string; stdin?: string } = {}): Promise<CommandResult> {
    let output = '';
    const host = this.host(node, opts.user);
    const write = (s: string): void => { output += s; };
    const exitCode = await runShellLine(host, commandLine, { stdout: write, stderr: write, ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}) });
    this.rt.catchUp();
    return { output, exitCode };
  }

  /** kubectl split by stream (the CLI passes them through separately). */
  async kubectlStreams(args: string[], stdin?: string): Promise<{ stdout: string; stderr: string; output: string; exitCode: number }> {
    let stdout = '';
    let stderr = '';
    let output = '';
    const cp = this.rt.state.nodes[0]!;
    const exitCode = await runKubectl(this.rt.api, args, {
      stdout: (s) => { stdout += s; output += s; }, stderr: (s) => { stderr += s; output += s; },
      ...(stdin !== undefined ? { stdin } : {}), fs: this.rt.fsOf(cp), cwd: '/root',
    });
    this.rt.catchUp();
    return { stdout, stderr, output, exitCode };
  }

  async kubectl(args: string[]): Promise<CommandResult> {
    const r = await this.kubectlStreams(args);
    return { output: r.output, exitCode: r.exitCode };
  }

  async apply(manifest: string): Promise<CommandResult> {
    const r = await this.kubectlStreams(['apply', '-f', '-'], manifest);
    return { output: r.output, exitCode: r.exitCode };
  }

  async installedRules(node: string): Promise<Ruleset> {
    this.rt.catchUp();
    const n = this.rt.node(node);
    if (!n) throw new Error(`no node named "${node}"`);
    return cloneRuleset(n.rules4);
  }

  async trace(node: string, packet: Packet, opts: { seed?: number } = {}): Promise<TraceResult> {
    this.rt.catchUp();
    const n = this.rt.node(node);
    if (!n) throw new Error(`no node named "${node}"`);
    // A look, not a connection: a throwaway conntrack table, so the lab's own is untouched.
    const t = tracePacket(n.rules4, describeNode(this.rt, n), packet, { seed: opts.seed ?? 1, conntrack: new ConntrackTable() });
    return traceResultOf(t);
  }

  async openTerminal(target: { node: string } | { console: true }, size: { cols: number; rows: number }): Promise<TerminalSession> {
    const node = 'node' in target ? target.node : this.rt.state.nodes[0]!.name;
    const shell = createShell(this.host(node));
    const term = simTerminal(shell, size);
    this.terminals.add(term);
    term.onExit(() => this.terminals.delete(term));
    return term;
  }

  on(listener: (e: LabEvent) => void): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.unlisten = this.rt.on((e) => this.forward(e));
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) { this.unlisten(); this.unlisten = () => undefined; }
    };
  }

  async advance(ms: number): Promise<void> {
    this.clock.advance(ms);
    this.rt.catchUp();
  }

  async reset(): Promise<void> {
    for (const t of [...this.terminals]) t.close();
    this.unlisten();
    this.rt.dispose();
    this.rt = SimRuntime.create(this.spec, this.clock, this.opts);
    this.unlisten = this.listeners.size > 0 ? this.rt.on((e) => this.forward(e)) : () => undefined;
    this.forward({ type: 'cluster', snapshot: await this.snapshot() });
  }

  async close(): Promise<void> {
    for (const t of [...this.terminals]) t.close();
    this.unlisten();
    this.rt.dispose();
  }

  /** A trainer's switch: kubelet restarts a killed kube-proxy (true) or leaves the node without one (false). */
  setRestartKubeProxy(on: boolean): void { this.rt.setRestartKubeProxy(on); }
}

/** A new sim lab: nodes booted, cluster bootstrapped, kube-proxies synced. */
export async function createSimLab(spec: LabSpec, opts: SimLabOptions = {}): Promise<SimLab> {
  const clock = opts.clock ?? realtimeClock();
  return new SimLab(SimRuntime.create(spec, clock, opts), opts);
}

/** A sim lab from a snapshot (`lab.toJSON()`); time went on while it was stored. */
export async function restoreSimLab(state: SimState, opts: SimLabOptions = {}): Promise<SimLab> {
  const clock = opts.clock ?? realtimeClock();
  return new SimLab(SimRuntime.restore(state, clock), opts);
}
