// One simulated node: its process table, sockets, installed iptables rules,
// interfaces, files. Plain JSON (the lab snapshot stores it as is); behaviour
// lives in the runtime and in shell-host.ts.

import type { Ruleset } from '../../engine/iptables/model.js';
import type { ProcessInfo, SocketInfo, ListenerProgram } from '../shell/host.js';
import type { KubeProxyState } from '../backend.js';
import type { ConntrackEntry } from '../../engine/packet/index.js';

export type ProcessRole = 'system' | 'kube-proxy' | 'container' | 'listener' | 'shell';

export interface SimProcess extends ProcessInfo {
  role: ProcessRole;
  /** `ns/name` of the pod a container process belongs to. */
  pod?: string;
  listener?: ListenerProgram;
  cwd?: string;
}

export interface FileNode {
  kind: 'file' | 'dir';
  data: string;
  mtime: number;
  mode: number;
  owner: string;
}

export interface KubeProxyRuntime {
  state: KubeProxyState;
  pid?: number;
  /** `kube-system/kube-proxy-brrvs` */
  pod?: string;
  /** When the running instance started (simulated ms). */
  startedAt?: number;
  lastSyncAt: number | null;
  /** The cluster's proxy generation this node last synced. */
  syncedGen: number;
  syncs: number;
  /** kubelet back-off before the next restart (ms). */
  backoffMs: number;
  /** The kube-proxy pod's RESTARTS. */
  restarts: number;
}

export interface NodeState {
  name: string;
  role: 'control-plane' | 'worker';
  index: number;
  ip: string;
  prefix: number;
  podCIDR: string;
  mac: string;
  nextPid: number;
  processes: SimProcess[];
  sockets: SocketInfo[];
  rules4: Ruleset;
  rules6: Ruleset;
  /** Conntrack entries (saved form; the live table is rebuilt from it). */
  conntrack: ConntrackEntry[];
  files: Record<string, FileNode>;
  /** Next host number handed out in podCIDR (host-local IPAM is sequential). */
  nextPodHost: number;
  nextInode: number;
  nextEphemeralPort: number;
  /** Users in /etc/passwd with their uid (for ps/lsof). */
  users: Record<string, number>;
  kubeProxy: KubeProxyRuntime;
  /** Boot time (ps STIME of system processes). */
  bootedAt: number;
}

export interface PodRuntime {
  /** Current container's log. */
  logs: string;
  /** The previous container's log (`kubectl logs --previous`). */
  previous?: string;
  restartCount: number;
  containerID: string;
  startedAt: number;
  lastTerminated?: { exitCode: number; reason: string; startedAt: number; finishedAt: number };
}
