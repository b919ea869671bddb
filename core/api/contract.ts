// The one contract between the UI and the host: what each request returns and
// which events the host pushes. Both transports (Electron IPC, WebSocket) carry
// exactly these shapes; the renderer never knows which one it talks through.
import type { UserError } from '../engine/errors.js';
import type { BackendKind, ClusterSnapshot, CommandResult, KubeProxyState, LabSpec, TraceResult, VerifyResult } from '../lab/backend.js';
import type { CheckResult, CommandRecord, LabProgress } from '../lab/runner/index.js';
import type { Packet } from '../engine/packet/types.js';
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

/** Whether a backend can start labs here, and why not. */
export interface BackendStatus {
  kind: BackendKind;
  available: boolean;
  /** `Docker Engine 28.2.2 at unix:///var/run/docker.sock`, or what is missing and how to get it. */
  detail: string;
}

/** A lab found on a backend that no Chainlab process owns (left by a crash, or by `chainlab up`). */
export interface LeftoverLab {
  name: string;
  backend: BackendKind;
  nodes: string[];
  /** The state Chainlab saved for it can be re-attached (else only removed). */
  attachable: boolean;
}

export interface WorkspaceState {
  current: LabInfo;
  backends: BackendStatus[];
  leftovers: LeftoverLab[];
  /** The id of the lesson open on this lab, if any. */
  lesson: string | null;
}

/** A card of the lab library. */
export interface LessonCard {
  id: string;
  title: string;
  summary: string;
  level: 'beginner' | 'intermediate' | 'advanced';
  /** Minutes. */
  duration: number;
  steps: number;
  nodes: number;
  kubeProxyVersion: string;
  backends: BackendKind[];
  /** Saved progress (under CHAINLAB_HOME), or null when never opened. */
  progress: LabProgress | null;
}

export interface LessonStepView {
  id: string;
  title: string;
  /** The instructions, Markdown (commands in ```console fences are copied into their terminal on click). */
  markdown: string;
  done: boolean;
  /** Hints revealed so far, in order; `hintsLeft` more can be asked for. */
  hints: string[];
  hintsLeft: number;
  question?: { text: string; choices: string[]; answered?: string };
  hasSolution: boolean;
  /** What each of the step's checks looks for, in words (shown before the first evaluation answers). */
  checks: string[];
  /** The packets this step's packet checks send, so the packet pane can show (and a replay animate) them. */
  packets: { node: string; packet: Packet; label: string }[];
  /** The solution's actions, for a trainer's replay: commands typed into their terminal, waits, answers. */
  solution: ({ run: string; in: string } | { wait: string } | { answer: string })[];
}

export interface LessonState {
  id: string;
  title: string;
  /** Index of the current step (steps.length when finished). */
  current: number;
  finished: boolean;
  steps: LessonStepView[];
  /** The current step's check results, as last evaluated. */
  results: CheckResult[];
  /** Commands recorded in this step (typed in terminals or run by a solution), newest last, at most 50. */
  commands: CommandRecord[];
  progress: LabProgress;
  /** Set when the lesson runs on a cluster other than the one it is written for. */
  warning?: string;
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
  'trace.verify': VerifyResult;
  'workspace.state': WorkspaceState;
  /** The new lab's info; the old lab is closed, open terminals end. */
  'workspace.start': WorkspaceState;
  'workspace.attach': WorkspaceState;
  'workspace.remove': WorkspaceState;
  'workspace.fallback': WorkspaceState;
  'lesson.list': LessonCard[];
  'lesson.open': LessonState;
  'lesson.state': LessonState | null;
  'lesson.answer': LessonState;
  'lesson.hint': LessonState;
  'lesson.solveStep': LessonState;
  'lesson.resetStep': LessonState;
  'lesson.resetLab': LessonState;
  'lesson.goTo': LessonState;
  'lesson.close': null;
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
  /** The workspace changed: another lab, a backend came or went, leftovers found or removed. */
  | { type: 'workspace'; state: WorkspaceState }
  /** The backend under the current lab is gone (Docker stopped); the UI offers to go on with the sim backend. */
  | { type: 'backend.lost'; backend: BackendKind; reason: string }
  /** The lesson's state after any change (checks evaluated, step unlocked, hint, command recorded); null when closed. */
  | { type: 'lesson'; state: LessonState | null }
  /** Terminal output, batched per frame (see batcher.ts). */
  | { type: 'terminal.data'; id: string; data: string }
  | { type: 'terminal.exit'; id: string; code: number };

export type Response =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; errors: UserError[] };

/** What travels from host to client: a response or an event. */
export type HostMessage = { kind: 'response'; response: Response } | { kind: 'event'; event: AppEvent };
