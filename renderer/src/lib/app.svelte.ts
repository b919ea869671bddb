// The renderer's state: one client, the cluster snapshot, rules per node, and
// what the panes share (selected node, the rule a packet step highlights).
import { createClient, type Client } from '../../../core/api/client.js';
import type { LabInfo, RulesView, AppEvent } from '../../../core/api/contract.js';
import type { ClusterSnapshot, KubeProxyState } from '../../../core/lab/backend.js';
import type { UserError } from '../../../core/engine/errors.js';
import { defaultTransport } from './transport.js';

export type PaneName = 'services' | 'chains' | 'packet' | 'labs';

export interface Highlight {
  node: string;
  table: string;
  chain: string;
  /** 1-based; 0 for the policy. */
  rule: number;
}

export interface Toast { id: number; kind: 'info' | 'error'; text: string }

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
  private toastId = 1;
  private seq = 1;

  constructor() {
    this.client = createClient(defaultTransport());
    this.client.on((e) => this.onEvent(e));
    this.client.onClose((reason) => { this.connection = 'closed'; this.closedReason = reason; });
    const saved = globalThis.localStorage?.getItem('chainlab.prefs');
    if (saved) {
      try {
        const p = JSON.parse(saved) as { theme?: 'dark' | 'light'; zoom?: number };
        if (p.theme === 'light' || p.theme === 'dark') this.theme = p.theme;
        if (typeof p.zoom === 'number' && p.zoom >= 0.8 && p.zoom <= 2) this.zoom = p.zoom;
      } catch { /* ignore a broken preference */ }
    }
  }

  savePrefs(): void {
    globalThis.localStorage?.setItem('chainlab.prefs', JSON.stringify({ theme: this.theme, zoom: this.zoom }));
  }

  async start(): Promise<void> {
    const info = await this.client.call('lab.info', {});
    if (!info.ok) { this.errors(info.errors); return; }
    this.connection = 'open';
    this.info = info.value;
    await this.refreshSnapshot();
    const first = this.snapshot?.nodes[0]?.name;
    if (first !== undefined && this.node === '') this.node = first;
    await Promise.all((this.snapshot?.nodes ?? []).map((n) => this.refreshRules(n.name)));
    // The first load is not a change to highlight.
    this.changed = {};
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
