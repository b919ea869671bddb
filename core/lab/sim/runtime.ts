// The sim lab's runtime: the API server, the controllers, one kubelet and one
// kube-proxy per node, all on simulated time. Work that takes time in a real
// cluster (a container starting, kubelet's back-off, minSyncPeriod) is a timer
// in the state; `catchUp()` runs every timer that became due, in order, before
// anything reads or writes the cluster.

import type { ApiResult, ClusterKind, ExecIO, KubeObject, LogOptions, AbortSignalLike } from '../cluster/api.js';
import { ApiServer, emptyClusterState } from '../cluster/apiserver.js';
import type { ClusterState, ApiRuntime } from '../cluster/apiserver.js';
import { reconcile, isPodReady } from '../cluster/controllers.js';
import { bootstrapCluster } from '../cluster/bootstrap.js';
import type { NodePlan } from '../cluster/bootstrap.js';
import { releaseInfo } from '../cluster/versions.js';
import type { ReleaseInfo } from '../cluster/versions.js';
import { notFound, okv, badRequest } from '../cluster/status.js';
import { clone, rfc3339 } from '../cluster/objects.js';
import type { LabSpec, LabEvent, KubeProxyState, ClusterSnapshot, NodeSummary, PodSummary, ServiceSummary } from '../backend.js';
import type { SimClock } from './clock.js';
import { randHex } from './rng.js';
import type { NodeState, PodRuntime, SimProcess } from '../node/state.js';
import { addProcess, addSocket, allocPid, baseFiles, baseRules, bootNode, emptyRules6, macFor } from '../node/base.js';
import { minSyncPeriodMs, portInUseLine, startupLog, syncLogLine, syncRules } from '../node/kube-proxy.js';
import { saveRuleset } from '../../engine/iptables/index.js';
import type { Chain, Ruleset } from '../../engine/iptables/index.js';
import { ConntrackTable } from '../../engine/packet/index.js';
import type { ProxierOutput } from '../../engine/proxier/index.js';
import { createMemoryFs } from '../shell/fs-memory.js';
import type { MemoryFs } from '../shell/fs-memory.js';
import { formatIPv4, parseCidr } from '../../engine/net/ip.js';

export type TimerKind = 'podStart' | 'podGone' | 'kpSync' | 'kpRestart';
export interface Timer { at: number; kind: TimerKind; node?: string; pod?: string }

export const SIM_STATE_FORMAT = 'chainlab-sim/1';

/** Everything a sim lab is: plain JSON (a snapshot is this object). */
export interface SimState {
  format: typeof SIM_STATE_FORMAT;
  spec: LabSpec;
  /** Simulated time when the snapshot was taken. */
  now: number;
  createdAt: number;
  cluster: ClusterState;
  nodes: NodeState[];
  /** Per pod (`ns/name`): container logs and restarts. */
  pods: Record<string, PodRuntime>;
  timers: Timer[];
  /** Bumped on every Service/EndpointSlice/Node change: kube-proxies sync when theirs is older. */
  proxyGen: number;
}

export interface SimOptions {
  /** Node names (default `k8s1`…`k8sN`). */
  nodeNames?: string[];
  /** Login user of node shells (default `root`). */
  user?: string;
}

/** How long a container takes from "scheduled" to "running" (image present, as on a lab laptop). */
export const POD_START_MS = 1500;
/** How long a container takes to stop after SIGTERM (nginx quits at once). */
export const POD_STOP_MS = 1000;
/** PLEG notices a dead container within a relist period; the first restart is not delayed. */
export const FIRST_RESTART_MS = 1000;
export const BACKOFF_START_MS = 10_000;
export const BACKOFF_MAX_MS = 300_000;

const podKey = (o: KubeObject): string => `${o.metadata.namespace}/${o.metadata.name}`;

/** The first three octets of the nodes' /24 (`192.168.49` unless the spec names another). */
export function nodeNetworkPrefix(spec: LabSpec): string {
  const s = spec.nodeSubnet ?? '192.168.49.0/24';
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.0\/24$/.exec(s);
  if (!m || m.slice(1).some((o) => Number(o) > 255)) throw new Error(`nodeSubnet ${s}: give a /24 such as 192.168.50.0/24`);
  return m.slice(1, 4).join('.');
}

export function nodePlans(spec: LabSpec, names?: string[]): NodePlan[] {
  const n = Math.max(1, Math.min(50, spec.nodes));
  const net = nodeNetworkPrefix(spec);
  return Array.from({ length: n }, (_, i) => ({
    name: names?.[i] ?? `k8s${i + 1}`,
    role: i === 0 ? 'control-plane' : 'worker',
    ip: `${net}.${2 + i}`,
    podCIDR: `10.244.${i}.0/24`,
  }));
}

export class SimRuntime implements ApiRuntime {
  readonly api: ApiServer;
  readonly release: ReleaseInfo;
  /**
   * Where `kubectl exec` runs a command in a running pod. Unset, the pod's
   * container is simulated (pod-exec.ts); the docker backend sets it to run the
   * command for real in the pod's network namespace on its node.
   */
  podExec: ((pod: KubeObject, argv: string[], io: ExecIO) => Promise<number>) | undefined;
  private listeners = new Set<(e: LabEvent) => void>();
  private followers = new Map<string, Set<(chunk: string) => void>>();
  private conntrackTables = new Map<string, ConntrackTable>();
  private busy = false;
  /** Per node: the last proxier output and the Services changed since (absent: the next sync is a full one). */
  private proxierOutputs = new Map<string, ProxierOutput>();
  private proxyChanges = new Map<string, Set<string>>();
  private at: number | null = null;
  private dirty = false;
  private cancelTimer: (() => void) | null = null;
  private unsubscribeClock: () => void;

  constructor(public state: SimState, public readonly clock: SimClock) {
    this.release = releaseInfo(state.spec.kubeProxyVersion);
    this.api = new ApiServer(state.cluster, this);
    for (const kind of ['Service', 'EndpointSlice', 'Node'] as ClusterKind[]) {
      this.api.watch(kind, null, (e) => {
        this.state.proxyGen++;
        // What each kube-proxy's next partial sync must rewrite.
        const svc = kind === 'Service' ? e.object.metadata.name : kind === 'EndpointSlice' ? e.object.metadata.labels?.['kubernetes.io/service-name'] : undefined;
        for (const n of this.state.nodes) {
          const pending = this.proxyChanges.get(n.name);
          if (!pending) continue;
          if (svc === undefined) this.proxyChanges.delete(n.name); // a Node change: full sync
          else pending.add(`${e.object.metadata.namespace}/${svc}`);
        }
      });
    }
    this.unsubscribeClock = clock.onAdvance(() => this.catchUp());
  }

  /** A new lab: nodes booted, cluster bootstrapped, every system pod running, every kube-proxy synced. */
  static create(spec: LabSpec, clock: SimClock, opts: SimOptions = {}): SimRuntime {
    const now = clock.now();
    const r = releaseInfo(spec.kubeProxyVersion);
    const plans = nodePlans(spec, opts.nodeNames);
    const nodes: NodeState[] = plans.map((p, index) => ({
      name: p.name, role: p.role, index, ip: p.ip, prefix: 24, podCIDR: p.podCIDR, mac: macFor(index),
      nextPid: 1, processes: [], sockets: [], rules4: baseRules(), rules6: emptyRules6(), conntrack: [], files: {},
      nextPodHost: 2, nextInode: 18000 + index * 1000, nextEphemeralPort: 40000 + index * 311, users: { root: 0, lab: 1000 },
      kubeProxy: { state: 'stopped', lastSyncAt: null, syncedGen: -1, syncs: 0, backoffMs: 0, restarts: 0 },
      bootedAt: now - 120_000,
    }));
    const state: SimState = {
      format: SIM_STATE_FORMAT, spec: { ...spec }, now, createdAt: now,
      cluster: emptyClusterState(spec.seed ?? 20260105, r.gitVersion), nodes, pods: {}, timers: [], proxyGen: 0,
    };
    const rt = new SimRuntime(state, clock);
    for (const n of nodes) { bootNode(n, r, n.bootedAt); baseFiles(n, n.bootedAt); }
    rt.busy = true;
    bootstrapCluster(rt.api, plans, r);
    rt.busy = false;
    // Everything kubeadm started is already up: run the start timers now.
    rt.settle();
    return rt;
  }

  /** A lab restored from a snapshot. */
  static restore(state: SimState, clock: SimClock): SimRuntime {
    if (state.format !== SIM_STATE_FORMAT) throw new Error(`unknown lab state format ${String(state.format)}`);
    const rt = new SimRuntime(state, clock);
    rt.catchUp();
    return rt;
  }

  toJSON(): SimState {
    this.flushConntrack();
    this.state.now = this.clock.now();
    return clone(this.state);
  }

  dispose(): void {
    this.cancelTimer?.();
    this.unsubscribeClock();
  }

  on(listener: (e: LabEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(e: LabEvent): void {
    for (const l of [...this.listeners]) l(e);
  }

  private notifiedRv = -1;

  /** Tells listeners the cluster changed (once per settled change, only when someone listens). */
  private notifyCluster(): void {
    if (this.listeners.size === 0 || this.notifiedRv === this.state.cluster.rv) return;
    this.notifiedRv = this.state.cluster.rv;
    this.emit({ type: 'cluster', snapshot: this.summary() });
  }

  /** Nodes, pods and Services as the UI lists them. */
  summary(): ClusterSnapshot {
    const api = this.api;
    const nodes: NodeSummary[] = this.state.nodes.map((n) => ({
      name: n.name, role: n.role, ip: n.ip, podCIDR: n.podCIDR,
      kubeProxy: { state: n.kubeProxy.state, ...(n.kubeProxy.pid !== undefined ? { pid: n.kubeProxy.pid } : {}), restarts: n.kubeProxy.restarts },
    }));
    const pods: PodSummary[] = api.all('Pod').map((p) => ({
      namespace: p.metadata.namespace ?? 'default', name: p.metadata.name, node: (p.spec as { nodeName?: string }).nodeName ?? '',
      ip: (p.status as { podIP?: string } | undefined)?.podIP ?? '',
      phase: p.metadata.deletionTimestamp ? 'Terminating' : (p.status as { phase?: string } | undefined)?.phase ?? 'Pending',
      labels: { ...(p.metadata.labels ?? {}) },
    }));
    const services: ServiceSummary[] = api.all('Service').map((s) => {
      const spec = s.spec as { type?: string; clusterIP?: string; ports?: { name?: string; port: number; protocol?: string; targetPort?: string | number; nodePort?: number }[]; selector?: Record<string, string> };
      return {
        namespace: s.metadata.namespace ?? 'default', name: s.metadata.name, type: spec.type ?? 'ClusterIP', clusterIP: spec.clusterIP ?? '',
        ports: (spec.ports ?? []).map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, protocol: p.protocol ?? 'TCP', targetPort: p.targetPort ?? p.port, ...(p.nodePort ? { nodePort: p.nodePort } : {}) })),
        selector: { ...(spec.selector ?? {}) },
      };
    });
    const byName = (a: { namespace?: string; name: string }, b: { namespace?: string; name: string }): number =>
      (a.namespace ?? '').localeCompare(b.namespace ?? '') || a.name.localeCompare(b.name);
    return { nodes, pods: pods.sort(byName), services: services.sort(byName) };
  }

  node(name: string): NodeState | undefined {
    return this.state.nodes.find((n) => n.name === name);
  }

  // ------------------------------------------------------------ ApiRuntime

  /** While due timers run, time is the timer's own (work happens when it would have, not when someone looked). */
  now(): number { return this.at ?? this.clock.now(); }

  sleep(ms: number, signal?: AbortSignalLike): Promise<boolean> {
    return this.clock.sleep(ms, signal);
  }

  catchUp(): void {
    if (this.busy) return;
    this.busy = true;
    try {
      for (let guard = 0; guard < 100_000; guard++) {
        const now = this.clock.now();
        this.state.timers.sort((a, b) => a.at - b.at);
        const t = this.state.timers[0];
        if (t === undefined || t.at > now) break;
        this.state.timers.shift();
        this.at = t.at;
        this.runTimer(t);
        this.reconcileAll();
      }
      this.at = null;
      this.reconcileAll();
    } finally {
      this.at = null;
      this.busy = false;
    }
    this.armRealTimer();
    this.notifyCluster();
  }

  afterWrite(): void {
    if (this.busy) { this.dirty = true; return; }
    this.busy = true;
    try { this.reconcileAll(); } finally { this.busy = false; }
    this.catchUp();
  }

  /** Starts every pod that is waiting to start, now (bootstrap: the cluster has been up for a while). */
  private settle(): void {
    this.busy = true;
    try {
      this.reconcileAll();
      for (let guard = 0; guard < 10_000; guard++) {
        this.state.timers.sort((a, b) => a.at - b.at);
        const t = this.state.timers.find((x) => x.kind === 'podStart');
        if (t === undefined) break;
        this.state.timers.splice(this.state.timers.indexOf(t), 1);
        this.runTimer(t);
        this.reconcileAll();
      }
    } finally { this.busy = false; }
    this.catchUp();
  }

  /** The resourceVersion the controllers last settled (nothing to do while it is unchanged). */
  private settledRv = -1;

  private reconcileAll(): void {
    if (this.state.cluster.rv === this.settledRv && !this.dirty) return;
    for (let round = 0; round < 20; round++) {
      this.dirty = false;
      reconcile(this.api, { nodes: this.state.nodes.map((n) => ({ name: n.name, tainted: n.role === 'control-plane' && this.state.nodes.length > 1 })), now: this.now() });
      this.kubelets();
      this.kubeProxies();
      if (!this.dirty) break;
    }
    this.settledRv = this.state.cluster.rv;
  }

  private armRealTimer(): void {
    if (!this.clock.realtime) return;
    this.cancelTimer?.();
    this.cancelTimer = null;
    const next = this.state.timers.reduce((m, t) => Math.min(m, t.at), Infinity);
    if (next === Infinity) return;
    this.cancelTimer = this.clock.setTimer(Math.max(0, next - this.clock.now()) + 1, () => { this.cancelTimer = null; this.catchUp(); });
  }

  private addTimer(t: Timer): void {
    if (this.state.timers.some((x) => x.kind === t.kind && x.node === t.node && x.pod === t.pod)) return;
    this.state.timers.push(t);
  }

  private runTimer(t: Timer): void {
    switch (t.kind) {
      case 'podStart': { const p = this.findPod(t.pod!); if (p) this.startPod(p); break; }
      case 'podGone': { const p = this.findPod(t.pod!); if (p) this.podGone(p); break; }
      case 'kpSync': { const n = this.node(t.node!); if (n) this.syncKubeProxy(n); break; }
      case 'kpRestart': { const n = this.node(t.node!); if (n) this.restartKubeProxy(n); break; }
    }
  }

  private findPod(key: string): KubeObject | undefined {
    const [ns, name] = key.split('/');
    return this.api.find('Pod', ns!, name!);
  }

  // ------------------------------------------------------------ kubelet

  private kubelets(): void {
    const now = this.now();
    for (const p of this.api.all('Pod')) {
      const nodeName = (p.spec as { nodeName?: string }).nodeName;
      if (!nodeName) continue;
      const key = podKey(p);
      if (p.metadata.deletionTimestamp) {
        const grace = p.metadata.deletionGracePeriodSeconds ?? 30;
        this.addTimer({ at: now + Math.min(grace * 1000, POD_STOP_MS), kind: 'podGone', pod: key });
        continue;
      }
      if ((p.status as { phase?: string } | undefined)?.phase === 'Pending' && !this.state.pods[key]) {
        this.addTimer({ at: now + POD_START_MS, kind: 'podStart', pod: key });
      }
    }
  }

  private podIP(node: NodeState, hostNetwork: boolean): string {
    if (hostNetwork) return node.ip;
    const c = parseCidr(node.podCIDR);
    const base = c && c.family === 4 ? c.net : 0;
    const used = new Set(this.api.all('Pod').filter((p) => (p.spec as { nodeName?: string }).nodeName === node.name).map((p) => (p.status as { podIP?: string } | undefined)?.podIP));
    for (let i = 0; i < 253; i++) {
      const host = node.nextPodHost;
      node.nextPodHost = host >= 254 ? 2 : host + 1;
      const ip = formatIPv4((base + host) >>> 0);
      if (!used.has(ip)) return ip;
    }
    return formatIPv4((base + 2) >>> 0);
  }

  private startPod(p: KubeObject): void {
    const nodeName = (p.spec as { nodeName?: string }).nodeName;
    const node = nodeName ? this.node(nodeName) : undefined;
    if (!node || p.metadata.deletionTimestamp) return;
    const now = this.now();
    const spec = p.spec as { hostNetwork?: boolean; containers: { name: string; image: string; command?: string[]; args?: string[] }[] };
    const key = podKey(p);
    const ip = this.podIP(node, spec.hostNetwork === true);
    const rtp: PodRuntime = { logs: '', restartCount: 0, containerID: `containerd://${randHex(this.api.rng, 64)}`, startedAt: now };
    this.state.pods[key] = rtp;
    const c0 = spec.containers[0]!;
    const image = c0.image;
    for (const c of spec.containers) {
      this.api.recordEvent(p, 'Normal', 'Pulled', `Container image "${c.image}" already present on machine`, 'kubelet', node.name);
      this.api.recordEvent(p, 'Normal', 'Created', `Created container ${c.name}`, 'kubelet', node.name);
      this.api.recordEvent(p, 'Normal', 'Started', `Started container ${c.name}`, 'kubelet', node.name);
    }
    const isKubeProxy = p.metadata.labels?.['k8s-app'] === 'kube-proxy';
    const shim = addProcess(node, { ppid: 1, user: 'root', argv: ['/usr/bin/containerd-shim-runc-v2', '-namespace', 'k8s.io', '-id', randHex(this.api.rng, 64), '-address', '/run/containerd/containerd.sock'], comm: 'containerd-shim', startedAt: now, tty: '?', cpuMs: 10, role: 'system', pod: key, stat: 'Sl' });
    addProcess(node, { ppid: shim.pid, user: '65535', argv: ['/pause'], comm: 'pause', startedAt: now, tty: '?', cpuMs: 0, role: 'container', pod: key, stat: 'Ss' });
    if (isKubeProxy) {
      rtp.logs = '';
      this.setPodRunning(p, ip, node, now);
      this.launchKubeProxy(node, p, shim.pid);
      return;
    }
    this.containerProcesses(node, p, shim.pid, now);
    rtp.logs = containerStartLog(image, now);
    this.setPodRunning(p, ip, node, now);
  }

  private containerProcesses(node: NodeState, p: KubeObject, ppid: number, now: number): void {
    const key = podKey(p);
    const spec = p.spec as { containers: { image: string; command?: string[]; args?: string[] }[] };
    for (const c of spec.containers) {
      const img = imageName(c.image);
      if (img === 'nginx') {
        const master = addProcess(node, { ppid, user: 'root', argv: ['nginx:', 'master', 'process', 'nginx', '-g', 'daemon off;'], comm: 'nginx', startedAt: now, tty: '?', cpuMs: 0, role: 'container', pod: key, stat: 'Ss' });
        for (let i = 0; i < 2; i++) addProcess(node, { ppid: master.pid, user: 'systemd-network', argv: ['nginx:', 'worker', 'process'], comm: 'nginx', startedAt: now, tty: '?', cpuMs: 0, role: 'container', pod: key, stat: 'S' });
      } else if (img === 'coredns') {
        addProcess(node, { ppid, user: '65532', argv: ['/coredns', '-conf', '/etc/coredns/Corefile'], comm: 'coredns', startedAt: now, tty: '?', cpuMs: 0, role: 'container', pod: key, stat: 'Ssl' });
      } else {
        const argv = [...(c.command ?? []), ...(c.args ?? [])];
        const shown = argv.length > 0 ? argv : defaultCommand(img);
        addProcess(node, { ppid, user: 'root', argv: shown, comm: (shown[0] ?? img).split('/').pop()!.slice(0, 15), startedAt: now, tty: '?', cpuMs: 0, role: 'container', pod: key, stat: 'Ssl' });
      }
    }
  }

  private setPodRunning(p: KubeObject, ip: string, node: NodeState, now: number): void {
    const rtp = this.state.pods[podKey(p)]!;
    const t = rfc3339(now);
    const spec = p.spec as { containers: { name: string; image: string }[] };
    const st = (p.status ?? {}) as Record<string, unknown>;
    const started = (st.startTime as string | undefined) ?? t;
    p.status = {
      phase: 'Running',
      conditions: [
        { type: 'PodReadyToStartContainers', status: 'True', lastProbeTime: null, lastTransitionTime: t },
        { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: started },
        { type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: t },
        { type: 'ContainersReady', status: 'True', lastProbeTime: null, lastTransitionTime: t },
        { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: started },
      ],
      hostIP: node.ip, hostIPs: [{ ip: node.ip }],
      podIP: ip, podIPs: [{ ip }],
      startTime: started,
      qosClass: (st.qosClass as string | undefined) ?? 'BestEffort',
      containerStatuses: spec.containers.map((c, i) => ({
        name: c.name, image: c.image.includes('/') || c.image.includes(':') ? c.image : `docker.io/library/${c.image}:latest`,
        imageID: `${imageRef(c.image)}@sha256:${randHex(this.api.rng, 64)}`,
        containerID: i === 0 ? rtp.containerID : `containerd://${randHex(this.api.rng, 64)}`,
        ready: true, started: true, restartCount: rtp.restartCount,
        state: { running: { startedAt: rfc3339(rtp.startedAt) } },
        ...(rtp.lastTerminated ? { lastState: { terminated: { exitCode: rtp.lastTerminated.exitCode, reason: rtp.lastTerminated.reason, startedAt: rfc3339(rtp.lastTerminated.startedAt), finishedAt: rfc3339(rtp.lastTerminated.finishedAt), containerID: rtp.containerID } } } : { lastState: {} }),
      })),
    };
    this.api.put(p);
  }

  private podGone(p: KubeObject): void {
    const key = podKey(p);
    const node = this.node((p.spec as { nodeName?: string }).nodeName ?? '');
    if (node) {
      const gone = new Set(node.processes.filter((x) => x.pod === key).map((x) => x.pid));
      node.processes = node.processes.filter((x) => !gone.has(x.pid));
      node.sockets = node.sockets.filter((s) => !gone.has(s.pid));
      if (node.kubeProxy.pod === key) {
        node.kubeProxy = { ...node.kubeProxy, state: 'stopped', pid: undefined, pod: undefined };
        this.state.timers = this.state.timers.filter((t) => !(t.node === node.name && (t.kind === 'kpSync' || t.kind === 'kpRestart')));
        this.emit({ type: 'kubeProxy', node: node.name, state: 'stopped' });
      }
      this.api.recordEvent(p, 'Normal', 'Killing', `Stopping container ${(p.spec as { containers: { name: string }[] }).containers[0]?.name ?? ''}`, 'kubelet', node.name);
    }
    delete this.state.pods[key];
    this.api.removeCascade(p);
  }

  // ------------------------------------------------------------ kube-proxy

  private launchKubeProxy(node: NodeState, pod: KubeObject, ppid: number): void {
    const now = this.now();
    const key = podKey(pod);
    const proc = addProcess(node, {
      ppid, user: 'root', argv: ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf', `--hostname-override=${node.name}`],
      comm: 'kube-proxy', startedAt: now, tty: '?', cpuMs: 0, role: 'kube-proxy', pod: key, stat: 'Ssl', vszKb: 1288292, rssKb: 52340,
    });
    addSocket(node, { proto: 'tcp', family: 4, localAddress: '127.0.0.1', localPort: 10249, state: 'LISTEN', pid: proc.pid });
    addSocket(node, { proto: 'tcp', family: 6, localAddress: '*', localPort: 10256, state: 'LISTEN', pid: proc.pid });
    const rtp = this.state.pods[key];
    // The startup lines are written in the ~300 ms before its first sync.
    if (rtp) rtp.logs += startupLog(this.release, node, now - 300);
    node.kubeProxy = { ...node.kubeProxy, state: 'running', pid: proc.pid, pod: key, startedAt: now, lastSyncAt: null, syncedGen: -1 };
    // A new process starts with a full sync.
    this.proxierOutputs.delete(node.name);
    this.proxyChanges.delete(node.name);
    this.emit({ type: 'kubeProxy', node: node.name, state: 'running' });
    this.syncKubeProxy(node);
  }

  private kubeProxies(): void {
    const gap = minSyncPeriodMs(this.release);
    const now = this.now();
    for (const n of this.state.nodes) {
      const kp = n.kubeProxy;
      if (kp.state !== 'running' || kp.syncedGen >= this.state.proxyGen) continue;
      const due = kp.lastSyncAt === null ? now : kp.lastSyncAt + gap;
      if (due <= now) this.syncKubeProxy(n);
      else this.addTimer({ at: due, kind: 'kpSync', node: n.name });
    }
  }

  private syncKubeProxy(node: NodeState): void {
    const kp = node.kubeProxy;
    if (kp.state !== 'running') return;
    const now = this.now();
    const gen = this.state.proxyGen;
    const nodeObj = this.api.find('Node', null, node.name);
    if (!nodeObj) return;
    const rtp = kp.pod ? this.state.pods[kp.pod] : undefined;
    this.appendLog(kp.pod, rtp, syncLogLine(this.release, now));
    // The rules diff is for listeners (the UI's chains view); nobody listening, no diff.
    const installed = this.listeners.size > 0 ? node.rules4 : null;
    const previous = this.proxierOutputs.get(node.name);
    const changed = this.proxyChanges.get(node.name);
    // 1.33 does partial syncs after the first full one; 1.22 always syncs everything.
    const partial = this.release.proxier !== '1.22' && previous !== undefined && changed !== undefined ? { previous, changed: [...changed] } : undefined;
    const r = syncRules(node.rules4, node, nodeObj, this.api.all('Service'), this.api.all('EndpointSlice'), this.release, partial);
    if (r.error) { this.proxierOutputs.delete(node.name); this.proxyChanges.delete(node.name); } else {
      this.proxierOutputs.set(node.name, r.output);
      this.proxyChanges.set(node.name, new Set());
    }
    if (r.error) this.appendLog(kp.pod, rtp, `E${rfc3339(now)} proxier.go:1540] "Failed to execute iptables-restore" err="${r.error}"\n`);
    node.rules4 = r.rules4;
    kp.lastSyncAt = now;
    kp.syncedGen = gen;
    kp.syncs++;
    // Below 1.24: hold a socket on every NodePort, or say why not (seed 000).
    if (kp.pid !== undefined) {
      const wanted = new Map(r.heldNodePorts.map((h) => [`${h.proto}/${h.port}`, h]));
      node.sockets = node.sockets.filter((s) => s.pid !== kp.pid || s.localPort === 10249 || s.localPort === 10256 || wanted.has(`${s.proto}/${s.localPort}`));
      for (const h of r.heldNodePorts) {
        const proto = h.proto === 'sctp' ? 'tcp' : h.proto;
        if (node.sockets.some((s) => s.pid === kp.pid && s.proto === proto && s.localPort === h.port)) continue;
        const taken = node.sockets.some((s) => s.proto === proto && s.localPort === h.port && (proto === 'udp' || s.state === 'LISTEN' || s.state === 'ESTABLISHED'));
        if (taken) this.appendLog(kp.pod, rtp, portInUseLine(now, h.description, h.port, h.proto));
        else addSocket(node, { proto, family: 6, localAddress: '*', localPort: h.port, state: proto === 'tcp' ? 'LISTEN' : 'UNCONN', pid: kp.pid });
      }
    }
    // Saved without the rules of chains both sides share (same rules array): their lines are in both texts, never in the diff.
    const before = installed !== null ? saveRuleset(withoutShared(installed, node.rules4), { counters: false }) : '';
    const after = installed !== null ? saveRuleset(withoutShared(node.rules4, installed), { counters: false }) : '';
    if (before !== after) {
      const a = new Set(before.split('\n'));
      const b = new Set(after.split('\n'));
      this.emit({ type: 'rules', change: { node: node.name, added: [...b].filter((l) => !a.has(l)), removed: [...a].filter((l) => !b.has(l)) } });
    }
  }

  private appendLog(pod: string | undefined, rtp: PodRuntime | undefined, text: string): void {
    if (!rtp || !pod) return;
    rtp.logs += text;
    const f = this.followers.get(pod);
    if (f) for (const fn of [...f]) fn(text);
  }

  /** kill(2) of a kube-proxy process: rules stay, syncing stops; kubelet restarts it after its back-off unless the lab says not to. */
  killKubeProxy(node: NodeState, signal: 'KILL' | 'TERM' | 'INT'): void {
    const kp = node.kubeProxy;
    if (kp.state !== 'running' || kp.pid === undefined) return;
    const now = this.now();
    const pid = kp.pid;
    node.processes = node.processes.filter((p) => p.pid !== pid);
    node.sockets = node.sockets.filter((s) => s.pid !== pid);
    this.state.timers = this.state.timers.filter((t) => !(t.node === node.name && t.kind === 'kpSync'));
    const key = kp.pod;
    const rtp = key ? this.state.pods[key] : undefined;
    const pod = key ? this.findPod(key) : undefined;
        const exitCode = signal === 'KILL' ? 137 : signal === 'TERM' ? 143 : 130;
    if (rtp) rtp.lastTerminated = { exitCode, reason: 'Error', startedAt: rtp.startedAt, finishedAt: now };
    const restart = this.state.spec.restartKubeProxy !== false;
    // kubelet: the first crash restarts at the next relist, then 10s, 20s, 40s … 5m; ten minutes of
    // clean running forget the back-off.
    if (kp.startedAt !== undefined && now - kp.startedAt >= 10 * 60_000) kp.backoffMs = 0;
    const delay = kp.backoffMs === 0 ? FIRST_RESTART_MS : kp.backoffMs;
    kp.backoffMs = kp.backoffMs === 0 ? BACKOFF_START_MS : Math.min(BACKOFF_MAX_MS, kp.backoffMs * 2);
    const state: KubeProxyState = restart ? 'restarting' : 'killed';
    node.kubeProxy = { ...kp, state, pid: undefined };
    if (pod) {
      const st = pod.status as { containerStatuses?: Record<string, unknown>[]; conditions?: { type: string; status: string }[] };
      const cs = st.containerStatuses?.[0];
      if (cs) {
        cs.ready = false;
        cs.started = false;
        cs.state = restart && delay > FIRST_RESTART_MS
          ? { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${Math.round(delay / 1000)}s restarting failed container=kube-proxy pod=${pod.metadata.name}_kube-system(${pod.metadata.uid})` } }
          : { terminated: { exitCode, reason: 'Error', startedAt: rfc3339(rtp?.startedAt ?? now), finishedAt: rfc3339(now), containerID: rtp?.containerID } };
      }
      for (const c of st.conditions ?? []) if (c.type === 'Ready' || c.type === 'ContainersReady') c.status = 'False';
      this.api.put(pod);
    }
    if (restart) this.addTimer({ at: now + delay, kind: 'kpRestart', node: node.name });
    this.emit({ type: 'kubeProxy', node: node.name, state });
  }

  private restartKubeProxy(node: NodeState): void {
    const kp = node.kubeProxy;
    if (kp.state === 'running' || !kp.pod) return;
    const pod = this.findPod(kp.pod);
    const rtp = this.state.pods[kp.pod];
    if (!pod || !rtp) return;
    const now = this.now();
    rtp.previous = rtp.logs;
    rtp.logs = '';
    rtp.restartCount++;
    rtp.startedAt = now;
    rtp.containerID = `containerd://${randHex(this.api.rng, 64)}`;
    kp.restarts = rtp.restartCount;
    this.api.recordEvent(pod, 'Normal', 'Pulled', `Container image "${(pod.spec as { containers: { image: string }[] }).containers[0]!.image}" already present on machine`, 'kubelet', node.name);
    this.api.recordEvent(pod, 'Normal', 'Created', 'Created container kube-proxy', 'kubelet', node.name);
    this.api.recordEvent(pod, 'Normal', 'Started', 'Started container kube-proxy', 'kubelet', node.name);
    this.setPodRunning(pod, (pod.status as { podIP?: string }).podIP ?? node.ip, node, now);
    const shim = node.processes.find((p) => p.pod === kp.pod && p.comm === 'containerd-shim');
    this.launchKubeProxy(node, pod, shim?.pid ?? 1);
  }

  /** Turn kubelet's restart of kube-proxy on or off for this lab (a trainer's switch). */
  setRestartKubeProxy(on: boolean): void {
    this.state.spec.restartKubeProxy = on;
    const now = this.now();
    for (const n of this.state.nodes) {
      if (!on && n.kubeProxy.state === 'restarting') {
        this.state.timers = this.state.timers.filter((t) => !(t.node === n.name && t.kind === 'kpRestart'));
        n.kubeProxy.state = 'killed';
      } else if (on && n.kubeProxy.state === 'killed') {
        n.kubeProxy.state = 'restarting';
        this.addTimer({ at: now + FIRST_RESTART_MS, kind: 'kpRestart', node: n.name });
      }
    }
    this.catchUp();
  }

  // ------------------------------------------------------------ logs, exec

  logs(namespace: string, pod: string, opts: LogOptions): ApiResult<string> {
    const p = this.api.find('Pod', namespace, pod);
    if (!p) return notFound('Pod', pod);
    const containers = (p.spec as { containers: { name: string }[] }).containers.map((c) => c.name);
    if (opts.container !== undefined && !containers.includes(opts.container)) {
      return badRequest(`container ${opts.container} is not valid for pod ${pod}`);
    }
    const rtp = this.state.pods[`${namespace}/${pod}`];
    if (!rtp) {
      return badRequest(`container "${containers[0] ?? ''}" in pod "${pod}" is waiting to start: ContainerCreating`);
    }
    if (opts.previous) {
      if (rtp.previous === undefined) return badRequest(`previous terminated container "${containers[0] ?? ''}" in pod "${pod}" not found`);
      return okv(tail(rtp.previous, opts.tail));
    }
    return okv(tail(rtp.logs, opts.tail));
  }

  followLogs(namespace: string, pod: string, opts: LogOptions, listener: (chunk: string) => void): ApiResult<() => void> {
    const first = this.logs(namespace, pod, opts);
    if (!first.ok) return first;
    listener(first.value);
    const key = `${namespace}/${pod}`;
    let set = this.followers.get(key);
    if (!set) { set = new Set(); this.followers.set(key, set); }
    set.add(listener);
    return okv(() => { set.delete(listener); });
  }

  async exec(namespace: string, pod: string, argv: string[], io: ExecIO): Promise<ApiResult<number>> {
    const p = this.api.find('Pod', namespace, pod);
    if (!p) return notFound('Pod', pod);
    if ((p.status as { phase?: string }).phase !== 'Running') {
      return badRequest(`unable to upgrade connection: container not found ("${(p.spec as { containers: { name: string }[] }).containers[0]?.name ?? ''}")`);
    }
    if (this.podExec !== undefined) return okv(await this.podExec(p, argv, io));
    const { execInPod } = await import('../node/pod-exec.js');
    return okv(await execInPod(this, p, argv, io));
  }

  // ------------------------------------------------------------ conntrack

  /** The live conntrack table of a node (its clock follows simulated time, in seconds). */
  conntrack(node: NodeState): ConntrackTable {
    let t = this.conntrackTables.get(node.name);
    const nowS = Math.floor(this.now() / 1000);
    if (!t) {
      t = new ConntrackTable();
      t.now = nowS;
      for (const e of node.conntrack) { const { id: _id, ...rest } = e; t.insert(rest); }
      this.conntrackTables.set(node.name, t);
    }
    if (nowS > t.now) t.advance(nowS - t.now);
    return t;
  }

  private flushConntrack(): void {
    for (const [name, fs] of this.filesystems) {
      const n = this.node(name);
      if (n) n.files = fs.toJSON().entries;
    }
    for (const [name, t] of this.conntrackTables) {
      const n = this.node(name);
      if (n) n.conntrack = t.list().map((e) => ({ ...e }));
    }
  }

  // ------------------------------------------------------------ helpers for the node shells

  /** Live handles of user-started listeners (their terminal output, their end). Not in the snapshot: a restored lab's listeners keep their sockets but print nowhere. */
  readonly listenerIO = new Map<string, { stdout(s: string): void; stderr(s: string): void; exit(e: { code: number } | { signal: string }): void }>();

  listenerOutput(node: NodeState, pid: number, stderrText: string): void {
    this.listenerIO.get(`${node.name}/${pid}`)?.stderr(stderrText);
  }

  /** The last connection's traces per node (what `curl` went through), for the UI's packet path. */
  readonly lastTraces = new Map<string, unknown>();
  private filesystems = new Map<string, MemoryFs>();

  /** The node's filesystem (live; the snapshot stores its entries). */
  fsOf(node: NodeState): MemoryFs {
    let fs = this.filesystems.get(node.name);
    if (!fs) {
      fs = createMemoryFs({ users: ['lab'], now: node.bootedAt, snapshot: { entries: node.files } });
      this.filesystems.set(node.name, fs);
    }
    return fs;
  }

  /** A user's listener ends (killed): its socket closes, its job sees the signal. */
  endListener(node: NodeState, pid: number, exit: { code: number } | { signal: string }): void {
    node.processes = node.processes.filter((p) => p.pid !== pid);
    node.sockets = node.sockets.filter((s) => s.pid !== pid);
    const key = `${node.name}/${pid}`;
    const io = this.listenerIO.get(key);
    this.listenerIO.delete(key);
    io?.exit(exit);
  }

  /** A container's main process was killed: kubelet restarts the container at once (RESTARTS + 1, previous log kept). */
  containerDied(node: NodeState, pod: string, exitCode: number): void {
    const p = this.findPod(pod);
    const rtp = this.state.pods[pod];
    const procs = node.processes.filter((x) => x.pod === pod && x.role === 'container' && x.comm !== 'pause');
    const gone = new Set(procs.map((x) => x.pid));
    node.processes = node.processes.filter((x) => !gone.has(x.pid));
    node.sockets = node.sockets.filter((s) => !gone.has(s.pid));
    if (!p || !rtp) return;
    const now = this.now();
    rtp.lastTerminated = { exitCode, reason: 'Error', startedAt: rtp.startedAt, finishedAt: now };
    rtp.previous = rtp.logs;
    rtp.restartCount++;
    rtp.startedAt = now;
    rtp.containerID = `containerd://${randHex(this.api.rng, 64)}`;
    const shim = node.processes.find((x) => x.pod === pod && x.comm === 'containerd-shim');
    this.containerProcesses(node, p, shim?.pid ?? 1, now);
    rtp.logs = containerStartLog((p.spec as { containers: { image: string }[] }).containers[0]!.image, now);
    this.setPodRunning(p, (p.status as { podIP?: string }).podIP ?? node.ip, node, now);
    this.catchUp();
  }

  /** Appends to a pod's container log (nginx access lines). */
  podLog(pod: KubeObject, text: string): void {
    const key = podKey(pod);
    this.appendLog(key, this.state.pods[key], text);
  }

  allocatePid(node: NodeState): number { return allocPid(node); }

  isReady(p: KubeObject): boolean { return isPodReady(p); }

  podsOn(node: string): KubeObject[] {
    return this.api.all('Pod').filter((p) => (p.spec as { nodeName?: string }).nodeName === node);
  }

  addUserProcess(node: NodeState, p: Omit<SimProcess, 'pid'>): SimProcess {
    return addProcess(node, p);
  }
}

/**
 * `rs` with empty rules in every chain whose rules array `other` holds under the same table and name
 * (unless a chain of that name differs in some table: rule lines do not name their table).
 */
function withoutShared(rs: Ruleset, other: Ruleset): Ruleset {
  const shared = (b: Ruleset, t: string, c: Chain): boolean => b.tables.find((x) => x.name === t)?.chains.find((x) => x.name === c.name)?.rules === c.rules;
  const differs = new Set<string>();
  for (const [a, b] of [[rs, other], [other, rs]] as const) {
    for (const t of a.tables) for (const c of t.chains) if (!shared(b, t.name, c)) differs.add(c.name);
  }
  return {
    tables: rs.tables.map((t) => ({ ...t, chains: t.chains.map((c) => (c.rules.length > 0 && !differs.has(c.name) && shared(other, t.name, c) ? { ...c, rules: [] } : c)) })),
  };
}

function tail(text: string, n: number | undefined): string {
  if (n === undefined || n < 0) return text;
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.slice(Math.max(0, lines.length - n)).map((l) => `${l}\n`).join('');
}

export function imageName(image: string): string {
  const noTag = image.split('@')[0]!.replace(/:[^/:]+$/, '');
  return noTag.split('/').pop() ?? noTag;
}

function imageRef(image: string): string {
  const noTag = image.split('@')[0]!.replace(/:[^/:]+$/, '');
  return noTag.includes('/') ? (noTag.split('/')[0]!.includes('.') ? noTag : `docker.io/${noTag}`) : `docker.io/library/${noTag}`;
}

function defaultCommand(img: string): string[] {
  switch (img) {
    case 'busybox': return ['sh'];
    case 'http-echo': return ['/http-echo'];
    case 'agnhost': return ['/agnhost', 'netexec', '--http-port=80'];
    case 'kube-apiserver': case 'kube-controller-manager': case 'kube-scheduler': case 'etcd': return [img];
    default: return [`/docker-entrypoint.sh`];
  }
}

/** What a container prints when it starts (nginx's entrypoint lines; coredns' banner). */
export function containerStartLog(image: string, now: number): string {
  const img = imageName(image);
  const ts = new Date(now).toISOString().replace('T', ' ').slice(0, 19).replace(/-/g, '/');
  if (img === 'nginx') {
    return [
      '/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration',
      '/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/',
      '/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh',
      '10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf',
      '10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf',
      '/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh',
      '/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh',
      '/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh',
      '/docker-entrypoint.sh: Configuration complete; ready for start up',
      `${ts} [notice] 1#1: using the "epoll" event method`,
      `${ts} [notice] 1#1: nginx/1.27.4`,
      `${ts} [notice] 1#1: built by gcc 12.2.0 (Debian 12.2.0-14) `,
      `${ts} [notice] 1#1: OS: Linux 5.15.0-127-generic`,
      `${ts} [notice] 1#1: getrlimit(RLIMIT_NOFILE): 1048576:1048576`,
      `${ts} [notice] 1#1: start worker processes`,
      `${ts} [notice] 1#1: start worker process 29`,
      `${ts} [notice] 1#1: start worker process 30`,
      '',
    ].join('\n');
  }
  if (img === 'coredns') {
    return '.:53\n[INFO] plugin/reload: Running configuration SHA512 = 591cf328cccc12bc490481273e738df59329c62c0b729d94e8b61db9961c2fa5f046dd37f1cf888b953814040d180f52594972691cd6ff41be96639138a43908\nCoreDNS-1.12.0\nlinux/amd64, go1.23.3, 51e11f1\n';
  }
  return '';
}
