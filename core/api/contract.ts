// The one contract between the UI and the host: what each request returns and
// which events the host pushes. Both transports (Electron IPC, WebSocket) carry
// exactly these shapes; the renderer never knows which one it talks through.
import type { UserError } from '../engine/errors.js';
import type { ClusterSnapshot, CommandResult, KubeProxyState, LabSpec, TraceResult } from '../lab/backend.js';
import type { Method } from './schemas.js';

/** One rule as the chains pane shows it. */
export interface RuleView {
  /** 1-based position in its chain (`iptables -L --line-numbers`). */
  number: number;
  /** The rule in iptables-save form: `-A KUBE-SERVICES -d 10.96.0.10/32 … -j KUBE-SVC-…`. */
  text: string;
  /** The jump/goto target, when it is a chain of the same table (clickable). */
  jump?: string;
  target?: string;
  /** `default/nginx:http` from the rule's comment, for grouping by Service. */
  service?: string;
  packets: number;
  bytes: number;
}

export interface ChainView {
  name: string;
  builtin: boolean;
  policy: string | null;
  packets: number;
  bytes: number;
  /** How many rules of this table jump to this chain. */
  references: number;
  rules: RuleView[];
}

export interface TableView {
  name: string;
  chains: ChainView[];
}

export interface RulesView {
  node: string;
  tables: TableView[];
  /** The whole ruleset as `iptables-save` prints it. */
  save: string;
  /** Rules (save form, `-t table` prefixed with the table: `nat -A …`) added and removed by the last change on this node. */
  added: string[];
  removed: string[];
}

export interface LabInfo {
  spec: LabSpec;
  /** The transport's idea of the app: version, and whether it is the Electron shell. */
  app: { version: string; shell: 'electron' | 'web' };
}

/** What applying a manifest said, with the API server's complaints mapped to fields. */
export interface ApplyResult extends CommandResult {
  errors: UserError[];
}

export interface Results {
  'lab.info': LabInfo;
  'lab.snapshot': ClusterSnapshot;
  'lab.reset': ClusterSnapshot;
  'lab.advance': ClusterSnapshot;
  /** The lab's spec after the change (kubelet restarts a killed kube-proxy or not). */
  'lab.setRestartKubeProxy': LabInfo;
  'node.rules': RulesView;
  'node.exec': CommandResult;
  'node.killKubeProxy': CommandResult;
  'node.restartKubeProxy': CommandResult;
  'kubectl': CommandResult;
  'object.apply': ApplyResult;
  'object.get': { yaml: string };
  'object.delete': CommandResult;
  'deployment.scale': CommandResult;
  'trace': TraceResult;
  'terminal.open': { id: string };
  'terminal.write': null;
  'terminal.resize': null;
  'terminal.close': null;
}

export type Result<M extends Method> = Results[M];

export type AppEvent =
  | { type: 'cluster'; snapshot: ClusterSnapshot }
  | { type: 'rules'; node: string; added: string[]; removed: string[] }
  | { type: 'kubeProxy'; node: string; state: KubeProxyState }
  | { type: 'log'; line: string }
  /** Terminal output, batched per frame (see batcher.ts). */
  | { type: 'terminal.data'; id: string; data: string }
  | { type: 'terminal.exit'; id: string; code: number };

export type Response =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; errors: UserError[] };

/** What travels from host to client: a response or an event. */
export type HostMessage = { kind: 'response'; response: Response } | { kind: 'event'; event: AppEvent };
