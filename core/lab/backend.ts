// The lab contract: what the host (CLI, web server, Electron) and the UI can ask
// of a running lab, whichever backend runs its nodes. The sim backend
// (core/lab, in process) and the docker backend (core/host/docker) both
// implement it, so every lab, view and test runs on either.
//
// The cluster's API-server state (objects, allocation, controllers) always lives
// in core/lab; a backend decides where nodes, their iptables, processes, pods and
// shells really are.

import type { Ruleset } from '../engine/iptables/model.js';
import type { Packet, TraceStep, Verdict, Delivery, Outcome, Hook } from '../engine/packet/types.js';

export type BackendKind = 'sim' | 'docker';

export interface LabSpec {
  name: string;
  /** Node count: the first is the control-plane. */
  nodes: number;
  kubeProxyVersion: string;
  backend: BackendKind;
  /** kubelet restarts a killed kube-proxy (default true); a trainer can turn it off. */
  restartKubeProxy?: boolean;
  /** Seed for every random choice (names, hashes, statistic), so a lab replays identically. */
  seed?: number;
  /**
   * The nodes' network, a /24 such as `192.168.50.0/24` (default 192.168.49.0/24,
   * minikube's): node i gets `.2+i`. Docker labs running side by side each take their own.
   */
  nodeSubnet?: string;
}

/** What a terminal would show for one command line. */
export interface CommandResult {
  /** Everything written to the terminal (stdout and stderr interleaved, `\n` line ends). */
  output: string;
  exitCode: number;
}

export type KubeProxyState = 'running' | 'killed' | 'restarting' | 'stopped';

export interface NodeSummary {
  name: string;
  role: 'control-plane' | 'worker';
  ip: string;
  podCIDR: string;
  kubeProxy: { state: KubeProxyState; pid?: number; restarts: number };
}

export interface PodSummary {
  namespace: string;
  name: string;
  node: string;
  ip: string;
  phase: string;
  labels: Record<string, string>;
}

export interface ServiceSummary {
  namespace: string;
  name: string;
  type: string;
  clusterIP: string;
  ports: { name?: string; port: number; protocol: string; targetPort: string | number; nodePort?: number }[];
  selector: Record<string, string>;
}

export interface ClusterSnapshot {
  nodes: NodeSummary[];
  pods: PodSummary[];
  services: ServiceSummary[];
}

export interface TraceResult {
  hooks: Hook[];
  steps: TraceStep[];
  verdict: Verdict;
  dnatTo: string | null;
  masquerade: boolean;
  snatTo: string | null;
  mark: number;
  delivery: Delivery;
  outcomes: Outcome[];
}

export interface RulesChange {
  node: string;
  added: string[];
  removed: string[];
}

/**
 * "Verify with a real packet": a trace's prediction set against what the kernel
 * did with a real packet sent in the lab (docker backend). A disagreement is
 * shown to the user, never hidden.
 */
export interface VerifyResult {
  node: string;
  /** What was really sent, as a command a user could type (`curl -s -m 2 http://192.168.49.3:30450/`). */
  sent: string;
  /** Who sent it: `the host (192.168.49.1)`, `node k8s1`, `pod default/nginx-…`. */
  from: string;
  /** The engine's trace of the packet as it was really sent (source adjusted to the real sender). */
  predicted: TraceResult;
  observed: {
    /** Rules whose packet counter rose on the entry node, as `table -A CHAIN …` lines (a second node's are compared in `disagreements`). */
    rulesHit: string[];
    /** The conntrack entry the packet created (a `conntrack -L` line), or null when none was found. */
    conntrack: string | null;
    /**
     * Where the kernel DNATed to (`ip:port`): from the conntrack entry's reply tuple, or, when the kernel kept
     * no entry (a connection refused with a RST), from the DNAT rule whose counter rose; null when not DNATed.
     */
    dnatTo: string | null;
    /** The source address the kernel rewrote to (SNAT/MASQUERADE), or null. */
    snatTo: string | null;
    /** What the sender saw: `HTTP 200 from nginx-… (10.244.1.3)`, `connection refused`, `timed out after 2 s`. */
    answer: string;
  };
  /** What the prediction says and the kernel did not do, or the other way round; empty when they agree. */
  disagreements: string[];
}

export type LabEvent =
  | { type: 'cluster'; snapshot: ClusterSnapshot }
  | { type: 'rules'; change: RulesChange }
  | { type: 'kubeProxy'; node: string; state: KubeProxyState }
  | { type: 'log'; line: string }
  /** The backend under the lab is gone (Docker stopped): the lab cannot go on; the UI offers the sim backend. */
  | { type: 'backend'; state: 'lost'; reason: string };

/** An interactive terminal (node shell or kubectl console). */
export interface TerminalSession {
  write(data: string): void;
  resize(cols: number, rows: number): void;
  onData(listener: (data: string) => void): () => void;
  onExit(listener: (code: number) => void): () => void;
  /**
   * Each command line the user ran in this terminal, once it finished, with what
   * it printed and its exit status: what a lesson's `command` checks look at.
   * Backends that cannot tell (yet) leave it out.
   */
  onCommand?(listener: (record: { line: string; output: string; exitCode: number }) => void): () => void;
  close(): void;
}

export interface Lab {
  readonly spec: LabSpec;
  snapshot(): Promise<ClusterSnapshot>;
  /** One node-shell command line, as `chainlab exec NODE -- CMD` runs it. */
  exec(node: string, commandLine: string): Promise<CommandResult>;
  /** kubectl in the cluster console. */
  kubectl(args: string[]): Promise<CommandResult>;
  /** Apply manifests (YAML/JSON text), as `kubectl apply -f`. */
  apply(manifest: string): Promise<CommandResult>;
  /** The ruleset installed on a node (read back, not the desired one). */
  installedRules(node: string): Promise<Ruleset>;
  trace(node: string, packet: Packet, opts?: { seed?: number }): Promise<TraceResult>;
  /** Sends the packet for real and compares (backends with a real kernel only: docker). */
  verify?(node: string, packet: Packet): Promise<VerifyResult>;
  openTerminal(target: { node: string } | { console: true }, size: { cols: number; rows: number }): Promise<TerminalSession>;
  on(listener: (e: LabEvent) => void): () => void;
  /** Advance simulated time (sim) or wait (docker). */
  advance(ms: number): Promise<void>;
  /** Back to the lab's starting state. */
  reset(): Promise<void>;
  /** Stop everything the lab runs and remove what it created. */
  close(): Promise<void>;
}
