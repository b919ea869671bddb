// The renderer's state: one client, the cluster snapshot, rules per node, and
// what the panes share (selected node, the rule a packet step highlights).
import { createClient, type Client } from '../../../core/api/client.js';
import type { LabInfo, RulesView, AppEvent, WorkspaceState, LessonState } from '../../../core/api/contract.js';
import { DEFAULT_PACE, isPaceName, type PaceName } from '../labs/pace.js';
import type { BackendKind, ClusterSnapshot, KubeProxyState } from '../../../core/lab/backend.js';
import type { UserError } from '../../../core/engine/errors.js';
import type { Packet } from '../../../core/engine/packet/types.js';
import { defaultTransport } from './transport.js';
import { stepChange, terminalKey } from '../labs/lesson.js';

export type PaneName = 'services' | 'chains' | 'packet' | 'labs';

export interface Highlight {
  node: string;
  table: string;
  chain: string;
  /** 1-based; 0 for the policy. */
  rule: number;
}

export interface Toast { id: number; kind: 'info' | 'error'; text: string }

/** An open terminal, as the terminals pane registers it (for click-to-copy and a trainer's replay). */
export interface TerminalHandle {
  /** The host's session id, null until it is open (or after it ended). */
  id(): string | null;
  focus(): void;
}

/** A packet to show in the packet pane (a lesson's packet check, or a replay that animates its path). */
export interface PacketRequest {
  node: string;
  packet: Packet;
  label: string;
  animate: boolean;
  /** ms on each rule of the animation, and on a matched one (a replay's pace). */
  stepMs?: { rule: number; matched: number };
  seq: number;
  signal?: AbortSignal;
  /** Called once the path is shown (after the animation, when animated). */
  done?: () => void;
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> => new Promise((resolve) => {
  if (signal?.aborted === true) { resolve(); return; }
  const t = setTimeout(() => { signal?.removeEventListener('abort', stop); resolve(); }, ms);
  const stop = (): void => { clearTimeout(t); resolve(); };
  signal?.addEventListener('abort', stop, { once: true });
});

/** Same lab as far as the panes are concerned (a different one means reload everything). */
function labKey(info: LabInfo): string {
  const s = info.spec;
  return `${s.name}|${s.backend}|${s.nodes}|${s.kubeProxyVersion}`;
}

class AppState {
  readonly client: Client;
  info = $state<LabInfo | null>(null);
  snapshot = $state<ClusterSnapshot | null>(null);
  rules = $state<Record<string, RulesView>>({});
  /** Nodes whose rules changed since the user last looked at them. */
  changed = $state<Record<string, boolean>>({});
  pane = $state<PaneName>('chains');
  node = $state('');
  table = $state('nat');
  highlight = $state<Highlight | null>(null);
  /** Focus a chain in the chains pane (set by a click on a jump target or by a packet step). */
  focusChain = $state<{ node: string; table: string; chain: string; seq: number } | null>(null);
  theme = $state<'dark' | 'light'>('dark');
  zoom = $state(1);
  toasts = $state<Toast[]>([]);
  connection = $state<'connecting' | 'open' | 'closed'>('connecting');
  closedReason = $state('');
  log = $state<string[]>([]);
  /** The Service the Services pane edits (namespace/name), when opened from the cluster pane. */
  editService = $state<{ namespace: string; name: string; seq: number } | null>(null);
  /** Which lab, which backends, leftovers (null until the host answers, or when it cannot). */
  workspace = $state<WorkspaceState | null>(null);
  /** Bumped when the app shows another lab: terminals re-open, panes reload. */
  labSeq = $state(0);
  /** Docker stopped under the lab (the banner offers the sim backend). */
  backendLost = $state<{ backend: BackendKind; reason: string } | null>(null);
  /** The lesson the host runs, as it last said. */
  lesson = $state<LessonState | null>(null);
  /** Why the host cannot run lessons (an older host), shown in the labs pane. */
  lessonError = $state('');
  /** The terminals pane shows this tab (a click-to-copy or a replay asked for it). */
  terminalFocus = $state<{ key: string; seq: number } | null>(null);
  packetRequest = $state<PacketRequest | null>(null);
  /** A trainer's replay in progress: what it does now, and how to stop it. */
  replay = $state<{ status: string; stop: () => void } | null>(null);
  /** Jumps and resets of the lesson under way (their state changes are not progress to announce). */
  lessonMoves = 0;
  /** How fast replays go (trainer mode's Pace), kept with the other preferences. */
  replayPace = $state<PaceName>(DEFAULT_PACE);
  /** Open terminals by tab key (`console`, `node:k8s2`); not reactive, read on demand. */
  readonly terminals = new Map<string, TerminalHandle>();
  private toastId = 1;
  private seq = 1;

  constructor() {
    this.client = createClient(defaultTransport());
    this.client.on((e) => this.onEvent(e));
    this.client.onClose((reason) => { this.connection = 'closed'; this.closedReason = reason; });
    const saved = globalThis.localStorage?.getItem('chainlab.prefs');
    if (saved) {
      try {
        const p = JSON.parse(saved) as { theme?: 'dark' | 'light'; zoom?: number; replayPace?: unknown };
        if (p.theme === 'light' || p.theme === 'dark') this.theme = p.theme;
        if (typeof p.zoom === 'number' && p.zoom >= 0.8 && p.zoom <= 2) this.zoom = p.zoom;
        if (isPaceName(p.replayPace)) this.replayPace = p.replayPace;
      } catch { /* ignore a broken preference */ }
    }
  }

  savePrefs(): void {
    globalThis.localStorage?.setItem('chainlab.prefs', JSON.stringify({ theme: this.theme, zoom: this.zoom, replayPace: this.replayPace }));
  }

  async start(): Promise<void> {
    const info = await this.client.call('lab.info', {});
    if (!info.ok) { this.errors(info.errors); return; }
    this.connection = 'open';
    this.info = info.value;
    await this.loadLab();
    const [ws, lesson] = await Promise.all([this.client.call('workspace.state', {}), this.client.call('lesson.state', {})]);
    // An older host answers "not available": the app works without workspaces; the labs pane says why lessons are missing.
    if (ws.ok) this.applyWorkspace(ws.value);
    if (lesson.ok) {
      this.lesson = lesson.value;
      // Reopening the app goes back to the lesson in progress, at its saved step.
      if (lesson.value !== null) this.pane = 'labs';
    } else this.lessonError = lesson.errors.map((e) => e.message).join('; ');
  }

  /** Snapshot and every node's rules of the lab the host runs now. */
  private async loadLab(): Promise<void> {
    await this.refreshSnapshot();
    const names = (this.snapshot?.nodes ?? []).map((n) => n.name);
    if (!names.includes(this.node)) this.node = names[0] ?? '';
    await Promise.all(names.map((n) => this.refreshRules(n)));
    // The first load is not a change to highlight.
    this.changed = {};
  }

  /**
   * The host says which lab it runs. Another lab (a New lab, a lesson's own
   * cluster, a fallback to sim) means every pane reloads and terminals re-open.
   */
  applyWorkspace(state: WorkspaceState, force = false): void {
    const other = this.info === null || labKey(this.info) !== labKey(state.current);
    this.workspace = state;
    if (!other && !force) return;
    this.info = state.current;
    if (this.backendLost !== null && state.current.spec.backend !== this.backendLost.backend) this.backendLost = null;
    this.labSeq++;
    // The status bar's log is the previous lab's: its last line would read as this one's.
    this.log = [];
    this.rules = {};
    this.highlight = null;
    this.packetRequest = null;
    this.terminals.clear();
    void this.loadLab();
  }

  /** Shows a terminal tab and waits (up to 10 s) until its session is open. */
  async terminal(name: string): Promise<{ handle: TerminalHandle; id: string } | null> {
    const key = terminalKey(name);
    this.terminalFocus = { key, seq: this.seq++ };
    for (let i = 0; i < 100; i++) {
      const handle = this.terminals.get(key);
      const id = handle?.id() ?? null;
      if (handle !== undefined && id !== null) return { handle, id };
      await sleep(100);
    }
    this.notify('error', `The ${name === 'console' ? 'kubectl console' : `${name} shell`} did not open within 10 s`);
    return null;
  }

  /**
   * Puts a command into a lesson terminal as if typed: all at once (a click on
   * a command) or character by character (a replay), then Enter when asked.
   * It goes through terminal.write, so the host records it like a student's.
   */
  async typeInto(name: string, text: string, opts: { paceMs?: number; enter: boolean; signal?: AbortSignal }): Promise<boolean> {
    const t = await this.terminal(name);
    if (t === null) return false;
    const write = async (data: string): Promise<boolean> => {
      const r = await this.client.call('terminal.write', { id: t.id, data });
      if (!r.ok) this.errors(r.errors);
      return r.ok;
    };
    if (opts.paceMs === undefined || opts.paceMs <= 0) {
      if (!(await write(text))) return false;
    } else {
      for (const ch of text) {
        if (opts.signal?.aborted === true) return false;
        if (!(await write(ch))) return false;
        await sleep(opts.paceMs, opts.signal);
      }
    }
    if (opts.signal?.aborted === true) return false;
    if (opts.enter && !(await write('\r'))) return false;
    t.handle.focus();
    return true;
  }

  /** Loads a packet into the packet pane (and shows it); resolves when the path is shown. */
  showPacket(p: Omit<PacketRequest, 'seq' | 'done'>): Promise<void> {
    return new Promise((resolve) => {
      this.pane = 'packet';
      this.packetRequest = { ...p, seq: this.seq++, done: resolve };
    });
  }

  async refreshSnapshot(): Promise<void> {
    const r = await this.client.call('lab.snapshot', {});
    if (r.ok) this.snapshot = r.value;
    else this.errors(r.errors);
  }

  async refreshRules(node: string): Promise<void> {
    const r = await this.client.call('node.rules', { node });
    if (r.ok) this.rules = { ...this.rules, [node]: r.value };
    else this.errors(r.errors);
  }

  private onEvent(e: AppEvent): void {
    switch (e.type) {
      case 'cluster':
        this.snapshot = e.snapshot;
        break;
      case 'rules':
        this.changed = { ...this.changed, [e.node]: e.node !== this.node || this.pane !== 'chains' };
        void this.refreshRules(e.node);
        break;
      case 'kubeProxy':
        if (this.snapshot !== null) {
          this.snapshot = {
            ...this.snapshot,
            nodes: this.snapshot.nodes.map((n) => (n.name === e.node ? { ...n, kubeProxy: { ...n.kubeProxy, state: e.state as KubeProxyState } } : n)),
          };
        }
        this.notify('info', `kube-proxy on ${e.node} is ${e.state}`);
        break;
      case 'log':
        this.log = [...this.log.slice(-199), e.line];
        break;
      case 'workspace':
        this.applyWorkspace(e.state);
        break;
      case 'backend.lost':
        this.backendLost = { backend: e.backend, reason: e.reason };
        break;
      case 'lesson': {
        // A trainer's jump or a reset moves the lesson without anything passing: no "Step N done".
        const msg = this.lessonMoves > 0 ? null : stepChange(this.lesson, e.state);
        this.lesson = e.state;
        if (msg !== null) this.notify('info', msg);
        break;
      }
      default:
        break;
    }
  }

  showChain(node: string, table: string, chain: string): void {
    this.node = node;
    this.table = table;
    this.pane = 'chains';
    this.focusChain = { node, table, chain, seq: this.seq++ };
  }

  /** Opens an empty Service form (the sidebar's New, Alt+N). */
  newService(): void {
    this.pane = 'services';
    this.editService = { namespace: '', name: '', seq: this.seq++ };
  }

  openService(namespace: string, name: string): void {
    this.pane = 'services';
    this.editService = { namespace, name, seq: this.seq++ };
  }

  notify(kind: Toast['kind'], text: string): void {
    const id = this.toastId++;
    this.toasts = [...this.toasts.slice(-3), { id, kind, text }];
    setTimeout(() => { this.toasts = this.toasts.filter((t) => t.id !== id); }, kind === 'error' ? 8000 : 4000);
  }

  errors(errors: UserError[]): void {
    for (const e of errors) this.notify('error', [e.object, e.field, e.message].filter((x) => x !== undefined && x !== '').join(': '));
  }
}

export const app = new AppState();
