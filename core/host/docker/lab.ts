// The docker backend's Lab: every node is a real container (Debian, real
// iptables, a real kube-proxy process, pods as network namespaces with real
// servers). The cluster's API-server state stays in core/lab (the same runtime
// as the sim backend, so kubectl and the controllers are the same); what is
// installed on a node is read back from the node, never assumed.
import type Docker from 'dockerode';
import { readFileSync } from 'node:fs';
import type { ClusterSnapshot, CommandResult, Lab, LabEvent, LabSpec, TerminalSession, TraceResult, KubeProxyState } from '../../lab/backend.js';
import { createSimLab, realtimeClock, type SimLab } from '../../lab/index.js';
import { kubeProxyConfig } from '../../lab/node/kube-proxy.js';
import { describeNode } from '../../lab/node/traffic.js';
import { releaseInfo } from '../../lab/cluster/versions.js';
import type { Ruleset } from '../../engine/iptables/model.js';
import { parseIptablesSave, saveRuleset } from '../../engine/iptables/index.js';
import { ConntrackTable, tracePacket } from '../../engine/packet/index.js';
import type { Packet } from '../../engine/packet/types.js';
import { DEFAULT_HOST_FACTS, type ProxierInput } from '../../engine/proxier/types.js';
import { formatError } from '../../engine/errors.js';
import { connectEngine, explainEngineError, type Engine } from './connect.js';
import { execIn, NodeChannel, type ExecResult, type NodeSyncAnswer } from './exec.js';
import { allocateNodeSubnet, dockerStoppedError, dockerSubnets, cidrsOverlap, EngineWatch, isPoolOverlap, listDockerLabs, resetNodeScript, LAB_LABEL, NODE_LABEL } from './lifecycle.js';
import { imageStatus, NODE_IMAGE } from './image.js';
import { podNetworkScript, nodeRoutesScript, shortId } from './pods.js';
import { dockerTerminal } from './terminal.js';
import { dnsRecords, writeDnsScript } from './dns.js';
import { installKubectlScript, requestFs, startKubectlRelay, type KubectlRelay, type NodeKubectlIO, type NodeKubectlRequest } from './kubectl-forward.js';
import { runKubectl } from '../../lab/kubectl/index.js';
import type { ClusterApi, ExecIO, KubeObject } from '../../lab/cluster/api.js';
import { execInPodNamespace, pidActionScript } from './pod-exec.js';
import { lineWithReadBack, splitLineOutput } from './sync-script.js';
import { traceResultOf } from '../../lab/trace-result.js';
import type { VerifyResult } from '../../lab/backend.js';
import { CLUSTER_CIDR } from '../../lab/cluster/bootstrap.js';
import { SERVICE_CIDR } from '../../lab/cluster/service.js';
import { verifyPacket, type VerifySeams } from './verify.js';

export { LAB_LABEL, NODE_LABEL, listDockerLabs };

export interface DockerLabOptions {
  engine?: Engine;
  image?: string;
  /** The bundled in-node kube-proxy (dist/agent/kube-proxy.mjs). */
  agentPath: string;
  onProgress?: (step: string) => void;
  /**
   * The cluster state: a function that makes it for the spec `create` gives it
   * (with the node network it found free: spec.nodeSubnet), or a ready one whose
   * node network must be free; a fresh one on a real-time clock otherwise.
   */
  brain?: SimLab | ((spec: LabSpec) => Promise<SimLab>);
  /** How often the engine is pinged (ms, default 2000). */
  enginePingMs?: number;
}

interface NodeBox {
  name: string;
  container: Docker.Container;
  kubeProxy: { state: KubeProxyState; restarts: number; pid?: number; downSince?: number };
  pods: Map<string, string>;
  lastRules: string[];
  /** The long-lived exec the host's own work in the node goes through (opened again when it ends). */
  channel?: Promise<NodeChannel>;
  /** The DNS records last written into the node (JSON), for its CoreDNS pods. */
  lastDns?: string;
  /** The ProxierInput last written into the node (JSON). */
  lastInput?: string;
  /** What serves the node's `kubectl` (started with the first command or terminal in the node). */
  relay?: Promise<KubectlRelay>;
  /** The kube-proxy pod kubelet runs the node's kube-proxy for; a new one (the old deleted) restarts it. */
  kubeProxyPod?: string;
}

/**
 * The articles start `python -m SimpleHTTPServer PORT` (Python 2, seed 000); the
 * node has Python 3. `python` is python3 under the name ps, ss and lsof show
 * (a link, so the process is called python), and SimpleHTTPServer runs
 * http.server.
 */
const SIMPLE_HTTP_SERVER = `# Python 2's SimpleHTTPServer, for the articles' \`python -m SimpleHTTPServer PORT\` (Chainlab)
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer, test
if __name__ == "__main__":
    test(HandlerClass=SimpleHTTPRequestHandler, ServerClass=ThreadingHTTPServer, port=int(sys.argv[1]) if len(sys.argv) > 1 else 8000)
`;
const PYTHON_SHIM = `{ command -v python >/dev/null || { ln -sf "$(command -v python3)" /usr/local/bin/python && d=$(python3 -c 'import sys; print("/usr/local/lib/python%d.%d/dist-packages" % sys.version_info[:2])') && mkdir -p "$d" && echo '${Buffer.from(SIMPLE_HTTP_SERVER).toString('base64')}' | base64 -d > "$d/SimpleHTTPServer.py"; }; }`;

const containerName = (lab: string, node: string): string => `chainlab-${lab}-${node}`;

export class DockerLab implements Lab {
  private listeners = new Set<(e: LabEvent) => void>();
  private nodes: NodeBox[] = [];
  private generation = 0;
  private syncing: Promise<void> = Promise.resolve();
  private syncQueued = false;
  private monitor: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  /** Closed or detached: no channel is opened again. */
  private disposed = false;
  private unlisten: () => void = () => {};
  /** Notices the engine going away; once lost, every call fails with "Docker stopped: …". */
  private readonly engineWatch: EngineWatch;

  private constructor(readonly spec: LabSpec, private readonly engine: Engine, private readonly brain: SimLab, private readonly opts: DockerLabOptions) {
    this.engineWatch = new EngineWatch(() => engine.docker.ping(), (reason) => this.engineLost(reason), { intervalMs: opts.enginePingMs ?? 2000 });
  }

  static async create(spec: LabSpec, opts: DockerLabOptions): Promise<DockerLab> {
    const progress = opts.onProgress ?? (() => {});
    const engine = opts.engine ?? (await connectEngine());
    const image = opts.image ?? NODE_IMAGE;
    const status = await imageStatus(engine.docker, image);
    if (!status.present) throw new Error(`the node image ${image} is missing; build it with: chainlab image build`);
    progress('cluster state (API server, controllers)');
    const { brain, subnet } = await claimNodeNetwork(spec, engine, opts.brain);
    progress(`network chainlab-${spec.name} (${subnet})`);
    const lab = new DockerLab({ ...spec, nodeSubnet: subnet }, engine, brain, opts);
    try {
      await lab.start(image, progress);
    } catch (e) {
      await lab.close();
      throw e;
    }
    return lab;
  }

  /** The cluster state (API server, controllers) this lab follows; what `attach` takes over. */
  get cluster(): SimLab {
    return this.brain;
  }

  private get docker(): Docker {
    return this.engine.docker;
  }

  private labels(node?: string): Record<string, string> {
    return { [LAB_LABEL]: this.spec.name, ...(node ? { [NODE_LABEL]: node } : {}) };
  }

  private async start(image: string, progress: (s: string) => void): Promise<void> {
    const simNodes = this.brain.runtime.state.nodes;
    const agent = readFileSync(this.opts.agentPath).toString('base64');
    // Nodes come up in parallel: each is independent until the first sync.
    this.nodes = await Promise.all(simNodes.map(async (n) => {
      progress(`node ${n.name} (${n.ip})`);
      const container = await this.docker.createContainer({
        name: containerName(this.spec.name, n.name), Image: image, Hostname: n.name, Labels: this.labels(n.name),
        Cmd: ['sleep', 'infinity'], Env: ['PS1=\\u@\\h:\\w\\$ ', 'TERM=xterm-256color'],
        HostConfig: {
          CapAdd: ['NET_ADMIN', 'NET_RAW', 'SYS_ADMIN'], NetworkMode: `chainlab-${this.spec.name}`, Init: true,
          Sysctls: { 'net.ipv4.ip_forward': '1', 'net.ipv4.conf.all.route_localnet': '1' },
        },
        NetworkingConfig: { EndpointsConfig: { [`chainlab-${this.spec.name}`]: { IPAMConfig: { IPv4Address: n.ip } } } },
      }).catch((e: unknown) => { throw new Error(explainEngineError(e, this.engine)); });
      await container.start().catch((e: unknown) => { throw new Error(explainEngineError(e, this.engine)); });
      const box: NodeBox = { name: n.name, container, kubeProxy: { state: 'stopped', restarts: 0 }, pods: new Map(), lastRules: [] };
      await this.sh(box, `mkdir -p /usr/local/lib/chainlab /var/lib/kube-proxy && echo '${agent}' | base64 -d > /usr/local/lib/chainlab/kube-proxy.mjs && ln -sf "$(command -v node)" /usr/local/bin/kube-proxy && { command -v sudo >/dev/null || printf '#!/bin/sh\\n# root needs no sudo in a Chainlab node; articles type it anyway\\nexec "$@"\\n' > /usr/local/bin/sudo && chmod +x /usr/local/bin/sudo; } && ${PYTHON_SHIM} && ${installKubectlScript()}`, `installing kube-proxy on ${n.name}`);
      await this.sh(box, this.routesScript(n.name), `pod network on ${n.name}`);
      return box;
    }));
    progress('kube-proxy on every node');
    await Promise.all(this.nodes.map((box) => this.startKubeProxy(box)));
    progress('first sync');
    await this.follow();
  }

  /** From here on every cluster change reaches the nodes, and kubelet watches kube-proxy. */
  private async follow(): Promise<void> {
    const off = this.brain.on((e) => {
      if (e.type === 'cluster' || e.type === 'log') {
        this.emit(e);
        this.requestSync();
      }
    });
    // kubectl exec runs in the pod's namespace on its node, until the lab lets go of the nodes.
    const rt = this.brain.runtime;
    const podExec = (pod: KubeObject, argv: string[], io: ExecIO): Promise<number> => this.execInPod(pod, argv, io);
    rt.podExec = podExec;
    this.unlisten = () => {
      off();
      if (rt.podExec === podExec) rt.podExec = undefined;
    };
    await this.syncNow();
    this.monitor = setInterval(() => void this.watchKubeProxies(), 1000);
    this.engineWatch.start();
  }

  /** `kubectl exec` in a running pod: for real, in its network namespace (or the node's, for a hostNetwork pod). */
  private async execInPod(pod: KubeObject, argv: string[], io: ExecIO): Promise<number> {
    this.assertEngine();
    const spec = pod.spec as { nodeName?: string; hostNetwork?: boolean; containers?: { name: string }[] };
    const box = this.nodes.find((b) => b.name === spec.nodeName);
    const key = `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
    const nodeIP = box === undefined ? undefined : this.brain.runtime.node(box.name)?.ip;
    const hostNetwork = spec.hostNetwork === true || (pod.status as { podIP?: string } | undefined)?.podIP === nodeIP;
    // A pod that just started gets its namespace with the next sync.
    if (box !== undefined && !hostNetwork && !box.pods.has(key)) await this.settle();
    const netns = box?.pods.get(key);
    if (box === undefined || (!hostNetwork && netns === undefined)) {
      io.stderr(`error: unable to upgrade connection: container not found ("${spec.containers?.[0]?.name ?? ''}")\n`);
      return 1;
    }
    return this.onEngine(() => execInPodNamespace(box.container, { netns: hostNetwork ? null : netns ?? null, pod: pod.metadata.name }, argv, io,
      async (pidfile, action) => { await this.run(box, ['sh', '-c', pidActionScript(pidfile, action)], { timeoutMs: 10_000 }); }));
  }

  /** The node's cni0 bridge and routes to the other nodes' pod ranges (idempotent). */
  private routesScript(node: string): string {
    const simNodes = this.brain.runtime.state.nodes;
    const n = simNodes.find((x) => x.name === node)!;
    const gw = n.podCIDR.replace(/\.0\/(\d+)$/, '.1/$1');
    return nodeRoutesScript(gw, simNodes.filter((o) => o.name !== n.name).map((o) => ({ ip: o.ip, podCIDR: o.podCIDR })));
  }

  /**
   * The host's own commands in a node go through its channel (one long-lived
   * exec); a channel that ended is opened again once, and makes the engine watch
   * look at once (a stopped engine ends every channel).
   */
  private async run(box: NodeBox, cmd: string[], opts: { timeoutMs?: number } = {}): Promise<ExecResult> {
    this.assertEngine();
    for (let attempt = 0; ; attempt++) {
      const chan = this.channelOf(box);
      try {
        const ch = await chan;
        return await ch.run(cmd, opts);
      } catch (e) {
        const ch = await chan.catch(() => undefined);
        if (ch?.alive) throw e; // the command failed, not the channel
        if (box.channel === chan) delete box.channel;
        await this.engineWatch.check();
        this.assertEngine();
        if (attempt >= 1) throw e;
      }
    }
  }

  private channelOf(box: NodeBox): Promise<NodeChannel> {
    if (this.disposed) return Promise.reject(new Error(`docker lab ${this.spec.name} was closed or let go of`));
    if (!box.channel) {
      const opening = NodeChannel.open(box.container).then((ch) => {
        ch.onEnd(() => {
          if (box.channel === opening) delete box.channel;
          if (!this.closed) void this.engineWatch.check();
        });
        return ch;
      });
      box.channel = opening;
      opening.catch(() => { if (box.channel === opening) delete box.channel; });
    }
    return box.channel;
  }

  /** A node sync through the channel (opened again once if it ended, as `run`). */
  private async channelSync(box: NodeBox, opts: Parameters<NodeChannel['sync']>[0]): Promise<NodeSyncAnswer> {
    this.assertEngine();
    try {
      return await (await this.channelOf(box)).sync(opts);
    } catch (e) {
      const ch = await box.channel?.catch(() => undefined);
      if (ch?.alive) throw e;
      delete box.channel;
      await this.engineWatch.check();
      this.assertEngine();
      return (await this.channelOf(box)).sync(opts);
    }
  }

  /** `sh -c SCRIPT` in the node, failing with the script's output when it exits non-zero. */
  private async sh(box: NodeBox, script: string, what: string): Promise<string> {
    const r = await this.run(box, ['sh', '-c', script]);
    if (r.exitCode !== 0) throw new Error(`${what} failed (exit ${r.exitCode}): ${r.output.trim().slice(-600)}`);
    return r.stdout;
  }

  private assertEngine(): void {
    if (this.engineWatch.lost !== undefined) throw dockerStoppedError(this.engineWatch.lost);
  }

  /** The engine is gone: said once, timers stopped, syncs dropped; every later call fails. */
  private engineLost(reason: string): void {
    if (this.monitor) clearInterval(this.monitor);
    this.monitor = undefined;
    this.unlisten();
    this.unlisten = () => {};
    for (const box of this.nodes) {
      void box.channel?.then((ch) => ch.close(), () => undefined);
      delete box.channel;
    }
    this.emit({ type: 'backend', state: 'lost', reason });
  }

  /**
   * Takes over a lab whose node containers already run (a later process, e.g.
   * the next CLI command): nodes are found by label, pods by their namespace
   * names, kube-proxy by pgrep; the state is written again (idempotent) and
   * read back. `brain` must hold the same cluster (the persisted lab).
   */
  static async attach(spec: LabSpec, opts: DockerLabOptions & { brain: SimLab }): Promise<DockerLab> {
    const engine = opts.engine ?? (await connectEngine());
    const lab = new DockerLab(spec, engine, opts.brain, opts);
    const found = await engine.docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${LAB_LABEL}=${spec.name}`] }) });
    const byNode = new Map(found.map((c) => [c.Labels[NODE_LABEL] ?? '', c]));
    lab.nodes = await Promise.all(opts.brain.runtime.state.nodes.map(async (n): Promise<NodeBox> => {
      const info = byNode.get(n.name);
      if (!info || info.State !== 'running') throw new Error(`docker lab ${spec.name}: node ${n.name} has no running container${info ? ` (it is ${info.State})` : ''}; recreate the lab with: chainlab down --lab ${spec.name} && chainlab up --backend docker`);
      const container = engine.docker.getContainer(info.Id);
      const box: NodeBox = { name: n.name, container, kubeProxy: { state: 'stopped', restarts: 0 }, pods: new Map(), lastRules: [] };
      const probe = await lab.run(box, ['sh', '-c', 'ip netns list | cut -d" " -f1; echo ==; pgrep -x kube-proxy | head -1; echo ==; cut -d" " -f1 /var/lib/kube-proxy/applied 2>/dev/null || echo 0']);
      const [nsText, pidText, appliedText] = probe.stdout.split('==\n') as [string, string | undefined, string | undefined];
      // Generations go on from what the node's kube-proxy last applied, so waits mean the new state.
      lab.generation = Math.max(lab.generation, Number((appliedText ?? '0').trim()) || 0);
      const present = new Set(nsText.split('\n').filter(Boolean));
      const pods = new Map<string, string>();
      for (const p of opts.brain.runtime.podsOn(n.name)) {
        const key = `${p.metadata.namespace}/${p.metadata.name}`;
        if (present.has(`pod-${shortId(key)}`)) pods.set(key, `pod-${shortId(key)}`);
      }
      const pid = (pidText ?? '').trim();
      return { ...box, kubeProxy: pid ? { state: 'running', restarts: 0, pid: Number(pid) } : { state: 'killed', restarts: 0, downSince: Date.now() }, pods };
    }));
    await lab.follow();
    return lab;
  }

  /** Lets go of the nodes without removing them (the lab keeps running for the next attach). */
  async detach(): Promise<void> {
    this.closed = true;
    this.disposed = true;
    if (this.monitor) clearInterval(this.monitor);
    this.unlisten();
    this.engineWatch.stop();
    await this.stopRelays();
    await this.syncing.catch(() => {});
    this.closeChannels();
  }

  private closeChannels(): void {
    this.disposed = true;
    for (const box of this.nodes) {
      void box.channel?.then((ch) => ch.close(), () => undefined);
      delete box.channel;
    }
  }

  /**
   * Runs the agent through a `kube-proxy` link to node, so the process is named
   * kube-proxy from its exec on (pgrep -x, ps, lsof): kubelet's watch must not
   * take a slow-starting `node` for a dead kube-proxy.
   */
  private async startKubeProxy(box: NodeBox): Promise<void> {
    // `kubectl logs` shows this container's log, `--previous` the one before (withNodeKubeProxyLogs).
    // Returns once the agent runs (its first log line; bounded at 10 s): then pgrep finds it by name.
    await this.sh(box, `mv -f ${KUBE_PROXY_LOG} ${KUBE_PROXY_LOG}.1 2>/dev/null; cd / && (setsid kube-proxy /usr/local/lib/chainlab/kube-proxy.mjs --config=/var/lib/kube-proxy/config.conf --hostname-override=${box.name} >/dev/null 2>&1 &) && for i in $(seq 1 200); do grep -qs 'Kube-proxy running' ${KUBE_PROXY_LOG} && break; sleep 0.05; done`, `starting kube-proxy on ${box.name}`);
    box.kubeProxy = { ...box.kubeProxy, state: 'running' };
    delete box.kubeProxy.downSince;
    const pid = (await this.run(box, ['pgrep', '-x', 'kube-proxy'])).stdout.trim().split('\n')[0];
    if (pid) box.kubeProxy.pid = Number(pid);
    this.emit({ type: 'kubeProxy', node: box.name, state: 'running' });
  }

  /** kubelet's view: a dead kube-proxy is restarted after the back-off (10 s, doubling), unless the lab says no. */
  private watching = false;

  private async watchKubeProxies(): Promise<void> {
    if (this.closed || this.watching) return;
    this.watching = true;
    try {
      await this.watchOnce();
    } finally {
      this.watching = false;
    }
  }

  private async watchOnce(): Promise<void> {
    for (const box of this.nodes) {
      // The kube-proxy pod was deleted and the DaemonSet made a new one: kubelet starts a new kube-proxy.
      const pod = this.kubeProxyPodOn(box.name);
      const replaced = box.kubeProxyPod !== undefined && pod !== undefined && pod !== box.kubeProxyPod;
      if (pod !== undefined) box.kubeProxyPod = pod; // none while the old one terminates
      if (replaced && !this.closed) {
        await this.run(box, ['pkill', '-9', '-x', 'kube-proxy'], { timeoutMs: 5000 }).catch(() => undefined);
        box.kubeProxy = { ...box.kubeProxy, restarts: 0 };
        await this.startKubeProxy(box);
        this.requestSync();
        continue;
      }
      const probe = await this.run(box, ['pgrep', '-x', 'kube-proxy'], { timeoutMs: 5000 }).catch(() => undefined);
      if (probe === undefined) continue;
      const alive = probe.exitCode === 0;
      if (alive || this.closed) continue;
      if (box.kubeProxy.state === 'running') {
        box.kubeProxy = { ...box.kubeProxy, state: 'killed', downSince: Date.now() };
        delete box.kubeProxy.pid;
        this.emit({ type: 'kubeProxy', node: box.name, state: 'killed' });
      }
      if (this.spec.restartKubeProxy === false) continue;
      const backoff = Math.min(10_000 * 2 ** box.kubeProxy.restarts, 300_000);
      if (box.kubeProxy.downSince !== undefined && Date.now() - box.kubeProxy.downSince >= backoff) {
        box.kubeProxy.restarts++;
        await this.startKubeProxy(box);
        this.requestSync();
      }
    }
  }

  /**
   * Coalesces: the brain emits a burst of events for one change (Service,
   * EndpointSlice, controllers), and a sync started meanwhile is followed by
   * exactly one more. The short delay lets the burst end first.
   */
  private requestSync(): void {
    if (this.syncQueued || this.closed) return;
    this.syncQueued = true;
    this.syncing = this.syncing.then(async () => {
      await new Promise((r) => setTimeout(r, SYNC_COALESCE_MS));
      this.syncQueued = false;
      await this.syncNow().catch((e: Error) => {
        // A lost engine is said once, by the backend event; its failed syncs add nothing.
        if (this.engineWatch.lost === undefined) this.emit({ type: 'log', line: `docker backend: sync failed: ${e.message}` });
      });
    });
  }

  /** Where the time of the last syncs went (CHAINLAB_DOCKER_TIMING=1 also logs each). */
  readonly timings: SyncTiming[] = [];

  /** Pods into namespaces, cluster state into every node, then read back what is installed: one exec per node. */
  private async syncNow(): Promise<void> {
    const t0 = performance.now();
    const rt = this.brain.runtime;
    rt.catchUp();
    const release = releaseInfo(this.spec.kubeProxyVersion);
    const services = rt.api.all('Service');
    const slices = rt.api.all('EndpointSlice');
    const gen = ++this.generation;
    const brainMs = performance.now() - t0;
    const perNode = await Promise.all(this.nodes.map(async (box): Promise<NodeTiming | undefined> => {
      const simNode = rt.node(box.name)!;
      let pods = this.podsScript(box, simNode.ip, simNode.podCIDR);
      // The Service names CoreDNS pods on this node answer (written before the pods start).
      const records = dnsRecords(services as unknown as Parameters<typeof dnsRecords>[0]);
      const dnsText = JSON.stringify(records);
      if (dnsText !== box.lastDns) {
        box.lastDns = dnsText;
        pods = pods === '' ? writeDnsScript(records) : `${writeDnsScript(records)}\n${pods}`;
      }
      const nodeObj = rt.api.find('Node', null, box.name);
      let state: string | undefined;
      if (nodeObj) {
        const input: ProxierInput = {
          version: release.proxier, node: nodeObj as unknown as ProxierInput['node'], config: kubeProxyConfig(simNode, release),
          hostFacts: DEFAULT_HOST_FACTS, services: services as unknown as ProxierInput['services'], endpointSlices: slices as unknown as ProxierInput['endpointSlices'],
        };
        // Only a changed input is written: kube-proxy has nothing to do otherwise.
        const inputText = JSON.stringify(input);
        if (inputText !== box.lastInput) {
          box.lastInput = inputText;
          state = Buffer.from(JSON.stringify({ generation: gen, input })).toString('base64');
        }
      }
      if (pods === '' && state === undefined) return undefined;
      const running = box.kubeProxy.state === 'running';
      const t1 = performance.now();
      // Pods first (their servers listen before kube-proxy points at them), then the state,
      // kube-proxy's sync and the read-back in one channel request (exec.ts: no process per step).
      if (pods !== '') await this.sh(box, pods, `pods on ${box.name}`);
      const out = await this.channelSync(box, { ...(state !== undefined ? { stateB64: state } : {}), generation: gen, waitForKubeProxy: running });
      const execMs = performance.now() - t1;
      if (out.exitCode !== 0) throw new Error(`read-back of ${box.name} failed (exit ${out.exitCode}): ${out.stderr.trim().slice(-600)}`);
      if (out.applied === 'timeout') this.emit({ type: 'log', line: `docker backend: kube-proxy on ${box.name} did not apply generation ${gen} within 3 s` });
      const t2 = performance.now();
      this.readBackFrom(box, out.save);
      const agentMs = out.applied !== undefined && /^\d+ [\d.]+$/.test(out.applied) ? Number(out.applied.split(' ')[1]) : undefined;
      return { node: box.name, execMs, ...(agentMs !== undefined ? { agentMs } : {}), readBackMs: performance.now() - t2 };
    }));
    const timing: SyncTiming = { generation: gen, brainMs, totalMs: performance.now() - t0, nodes: perNode.filter((n): n is NodeTiming => n !== undefined) };
    this.timings.push(timing);
    if (this.timings.length > 50) this.timings.shift();
    if (process.env.CHAINLAB_DOCKER_TIMING === '1') this.emit({ type: 'log', line: `docker backend: sync ${gen}: ${formatTiming(timing)}` });
  }

  private async readBack(box: NodeBox): Promise<void> {
    const r = await this.run(box, ['iptables-save', '-c']);
    if (r.exitCode !== 0) throw new Error(`iptables-save on ${box.name} failed: ${r.output.trim()}`);
    this.readBackFrom(box, r.stdout);
  }

  /** Compares a node's `iptables-save -c` with the last one seen and emits the difference. */
  private readBackFrom(box: NodeBox, save: string): void {
    const rs = parseSave(box.name, save);
    const lines = saveRuleset(rs, { counters: false }).split('\n').filter((l) => l.startsWith('-A ') || l.startsWith(':'));
    const before = new Set(box.lastRules);
    const after = new Set(lines);
    const added = lines.filter((l) => !before.has(l));
    const removed = box.lastRules.filter((l) => !after.has(l));
    box.lastRules = lines;
    if (added.length > 0 || removed.length > 0) this.emit({ type: 'rules', change: { node: box.name, added, removed } });
  }

  /** The shell that brings the node's pod namespaces in line with the brain's running pods ('' when nothing changes). */
  private podsScript(box: NodeBox, nodeIP: string, podCIDR: string): string {
    const pods = this.brain.runtime.podsOn(box.name).filter((p) => {
      const st = p.status as { podIP?: string; phase?: string } | undefined;
      return st?.podIP && st.podIP !== nodeIP && st.phase === 'Running' && !p.metadata.deletionTimestamp;
    });
    const wanted = new Map(pods.map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p]));
    const script: string[] = [];
    for (const [key, ns] of box.pods) {
      if (!wanted.has(key)) {
        script.push(`ip netns pids ${ns} 2>/dev/null | xargs -r kill -9; ip netns del ${ns} 2>/dev/null || true; rm -rf /etc/netns/${ns}`);
        box.pods.delete(key);
      }
    }
    for (const [key, p] of wanted) {
      if (box.pods.has(key)) continue;
      const spec = p.spec as { containers?: { image?: string; ports?: { containerPort: number }[] }[] };
      const c = spec.containers?.[0];
      const { ns, script: s } = podNetworkScript(key, (p.status as { podIP: string }).podIP, podCIDR, c?.image ?? '', (c?.ports ?? []).map((x) => x.containerPort));
      script.push(s);
      box.pods.set(key, ns);
    }
    return script.join('\n');
  }

  private emit(e: LabEvent): void {
    for (const l of [...this.listeners]) l(e);
  }

  private box(node: string): NodeBox {
    const b = this.nodes.find((n) => n.name === node);
    if (!b) throw new Error(`no node named "${node}" in lab ${this.spec.name} (nodes: ${this.nodes.map((n) => n.name).join(', ')})`);
    return b;
  }

  async snapshot(): Promise<ClusterSnapshot> {
    const s = await this.brain.snapshot();
    return { ...s, nodes: s.nodes.map((n) => { const b = this.nodes.find((x) => x.name === n.name); return b ? { ...n, kubeProxy: { ...b.kubeProxy } } : n; }) };
  }

  /**
   * One command line in the node's real shell (bash in the container). Its
   * `kubectl` forwards to this process (kubectl-forward.ts), so kubectl works
   * anywhere in the line, as in the articles.
   */
  async exec(node: string, commandLine: string): Promise<CommandResult> {
    this.assertEngine();
    const box = this.box(node);
    await this.ensureRelay(box);
    // The line may have changed the node's rules by hand: they are read back in
    // the same exec (no cluster sync is due), or apart if the line ended the shell.
    const r = await execIn(box.container, lineWithReadBack(commandLine), { timeoutMs: 120_000 });
    const split = splitLineOutput(r);
    try {
      if (split.save !== undefined) this.readBackFrom(box, split.save);
      else await this.readBack(box);
    } catch (e) {
      this.emit({ type: 'log', line: `docker backend: read-back on ${node} failed: ${(e as Error).message}` });
    }
    return { output: split.output, exitCode: r.exitCode };
  }

  /** Starts the node's kubectl relay once; a failure is logged and tried again with the next command. */
  private async ensureRelay(box: NodeBox): Promise<void> {
    if (this.closed) return;
    box.relay ??= startKubectlRelay(box.container, (req, io) => this.nodeKubectl(box, req, io), (line) => this.emit({ type: 'log', line: `docker backend: ${box.name}: ${line}` }));
    try {
      await box.relay;
    } catch (e) {
      delete box.relay;
      this.emit({ type: 'log', line: `docker backend: kubectl in ${box.name} is unavailable: ${(e as Error).message}` });
    }
  }

  /** The running kube-proxy pod on a node (by the DaemonSet's label). */
  private kubeProxyPodOn(node: string): string | undefined {
    const pods = this.brain.runtime.podsOn(node).filter((p) => p.metadata.namespace === 'kube-system' && (p.metadata.labels as Record<string, string> | undefined)?.['k8s-app'] === 'kube-proxy' && !p.metadata.deletionTimestamp);
    return pods[0]?.metadata.name;
  }

  /** The API, with the logs of kube-proxy pods read from their nodes: what the real process logged (a port it could not hold…). */
  private async withNodeKubeProxyLogs(): Promise<ClusterApi> {
    const api = this.brain.runtime.api;
    const byNode = new Map<string, { current: string; previous: string | undefined }>();
    await Promise.all(this.nodes.map(async (b) => {
      const r = await execIn(b.container, ['sh', '-c', `cat ${KUBE_PROXY_LOG} 2>/dev/null; echo '${PREVIOUS_MARKER}'; cat ${KUBE_PROXY_LOG}.1 2>/dev/null || echo '${NO_PREVIOUS}'`], { timeoutMs: 10_000 });
      const [current, previous] = r.stdout.split(`${PREVIOUS_MARKER}\n`) as [string, string | undefined];
      byNode.set(b.name, { current, previous: previous === undefined || previous === `${NO_PREVIOUS}\n` ? undefined : previous });
    }));
    const logs: ClusterApi['logs'] = (namespace, pod, opts = {}) => {
      const p = api.find('Pod', namespace, pod);
      const node = (p?.spec as { nodeName?: string } | undefined)?.nodeName;
      const real = node !== undefined && (p?.metadata.labels as Record<string, string> | undefined)?.['k8s-app'] === 'kube-proxy' ? byNode.get(node) : undefined;
      if (!real) return api.logs(namespace, pod, opts);
      const text = opts.previous ? real.previous : real.current;
      if (text === undefined) return api.logs(namespace, pod, opts);
      const lines = text.split('\n').slice(0, -1);
      return { ok: true, value: lines.slice(opts.tail === undefined ? 0 : Math.max(0, lines.length - opts.tail)).map((l) => `${l}\n`).join('') };
    };
    return new Proxy(api, { get: (t, k) => (k === 'logs' ? logs : typeof Reflect.get(t, k) === 'function' ? (Reflect.get(t, k) as (...a: unknown[]) => unknown).bind(t) : Reflect.get(t, k)) });
  }

  private async stopRelays(): Promise<void> {
    await Promise.all(this.nodes.map(async (b) => {
      const r = await b.relay?.catch(() => undefined);
      delete b.relay;
      await r?.stop();
    }));
  }

  /**
   * kubectl typed in a node: the lab's kubectl, with `-f` reading the node's
   * files; a change returns once every node has it (as the sim backend, where
   * kube-proxy syncs at once). kube-proxy's logs are the real ones of the node.
   */
  private async nodeKubectl(box: NodeBox, req: NodeKubectlRequest, io: NodeKubectlIO): Promise<number> {
    const api = req.argv[0] === 'logs' ? await this.withNodeKubeProxyLogs() : this.brain.runtime.api;
    const code = await runKubectl(api, req.argv, {
      stdout: io.stdout, stderr: io.stderr, signal: io.signal, cwd: req.cwd, fs: requestFs(req),
      ...(req.stdin !== undefined ? { stdin: req.stdin } : {}),
    });
    this.brain.runtime.catchUp();
    await this.settle();
    return code;
  }

  async kubectl(args: string[]): Promise<CommandResult> {
    this.assertEngine();
    const r = await this.brain.kubectl(args);
    await this.settle();
    return r;
  }

  async apply(manifest: string): Promise<CommandResult> {
    this.assertEngine();
    const r = await this.brain.apply(manifest);
    await this.settle();
    return r;
  }

  /** Waits until the cluster change has reached every node (bounded). */
  async settle(): Promise<void> {
    this.assertEngine();
    this.requestSync();
    await this.syncing;
  }

  /** What the sim backend would install on this node for the same cluster (for comparisons). */
  async simRules(node: string): Promise<Ruleset> {
    return this.brain.installedRules(node);
  }

  async installedRules(node: string): Promise<Ruleset> {
    this.assertEngine();
    const r = await this.run(this.box(node), ['iptables-save', '-c']);
    if (r.exitCode !== 0) throw new Error(`iptables-save on ${node} failed: ${r.output.trim()}`);
    return parseSave(node, r.stdout);
  }

  async trace(node: string, packet: Packet, opts: { seed?: number } = {}): Promise<TraceResult> {
    const rules = await this.installedRules(node);
    const simNode = this.brain.runtime.node(node);
    if (!simNode) throw new Error(`no node named "${node}"`);
    const t = tracePacket(rules, describeNode(this.brain.runtime, simNode), packet, { seed: opts.seed ?? 1, conntrack: new ConntrackTable() });
    return traceResultOf(t);
  }

  /** Sends the packet for real in the lab and sets what the kernel did against the prediction (verify.ts). */
  async verify(node: string, packet: Packet, seams?: VerifySeams): Promise<VerifyResult> {
    const rt = this.brain.runtime;
    const snap = await this.brain.snapshot();
    return verifyPacket({
      docker: this.docker, network: `chainlab-${this.spec.name}`,
      nodes: this.nodes.map((b) => ({ name: b.name, ip: rt.node(b.name)!.ip, container: b.container, pods: b.pods })),
      describe: (n) => describeNode(rt, rt.node(n)!),
      pods: snap.pods, clusterCIDR: CLUSTER_CIDR, serviceCIDR: SERVICE_CIDR,
    }, node, packet, seams);
  }

  async openTerminal(target: { node: string } | { console: true }, size: { cols: number; rows: number }): Promise<TerminalSession> {
    this.assertEngine();
    // The console is the control-plane's own shell, as on sim: here a real one, kubectl forwarded to the lab.
    const box = this.box('console' in target ? this.nodes[0]!.name : target.node);
    return this.onEngine(async () => {
      await this.ensureRelay(box);
      return dockerTerminal(box.container, size);
    });
  }

  /** Runs an engine call; when it fails because the engine just went away, says that instead of the socket's error. */
  private async onEngine<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      await this.engineWatch.check();
      this.assertEngine();
      throw e;
    }
  }

  on(listener: (e: LabEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async advance(ms: number): Promise<void> {
    this.assertEngine();
    await new Promise((r) => setTimeout(r, ms));
    await this.watchKubeProxies();
    await this.settle();
  }

  /**
   * Back to the starting state, as the sim backend's reset: a fresh cluster
   * (every object the user made is gone) on the same nodes. In each node every
   * process but the container's own and Chainlab's channel is killed (pod
   * servers, shells, what a user started, kube-proxy), pod namespaces and
   * conntrack entries go, iptables go back to what the node had before
   * kube-proxy's first sync; then kube-proxy starts again and the first sync
   * of the fresh cluster installs its rules. Files written in a node stay.
   */
  async reset(): Promise<void> {
    this.assertEngine();
    if (this.monitor) clearInterval(this.monitor);
    this.monitor = undefined;
    // No sync may run between the wipe and the fresh cluster.
    this.closed = true;
    await this.syncing.catch(() => {});
    await this.stopRelays();
    try {
      await Promise.all(this.nodes.map(async (box) => {
        await this.sh(box, resetNodeScript(), `resetting ${box.name}`);
        await this.sh(box, this.routesScript(box.name), `pod network on ${box.name}`);
        box.pods = new Map();
        box.lastRules = [];
        delete box.lastInput;
        delete box.lastDns;
        delete box.kubeProxyPod;
        box.kubeProxy = { state: 'stopped', restarts: 0 };
      }));
      await this.brain.reset();
      await Promise.all(this.nodes.map((box) => this.startKubeProxy(box)));
    } finally {
      this.closed = false;
    }
    await this.syncNow();
    this.monitor = setInterval(() => void this.watchKubeProxies(), 1000);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.disposed = true;
    if (this.monitor) clearInterval(this.monitor);
    this.engineWatch.stop();
    this.unlisten();
    await this.stopRelays();
    await this.syncing.catch(() => {});
    this.closeChannels();
    // With the engine gone there is nothing left to remove (its containers went with it).
    if (this.engineWatch.lost === undefined) await removeDockerLab(this.docker, this.spec.name);
    await this.brain.close();
  }
}

const SYNC_COALESCE_MS = 30;
/** The in-node kube-proxy's log (core/host/agent/kube-proxy.ts). */
const KUBE_PROXY_LOG = '/var/log/kube-proxy.log';
const PREVIOUS_MARKER = '=== chainlab: previous ===';
const NO_PREVIOUS = '=== chainlab: no previous ===';

export interface NodeTiming {
  node: string;
  /** The one docker exec: pods, state write, kube-proxy's sync, iptables-save. */
  execMs: number;
  /** kube-proxy's own sync (proxier + iptables-save + iptables-restore), as it reported it. */
  agentMs?: number;
  /** Parsing the read-back and diffing it with the last one. */
  readBackMs: number;
}

export interface SyncTiming {
  generation: number;
  /** Controllers catching up and reading the API objects. */
  brainMs: number;
  totalMs: number;
  nodes: NodeTiming[];
}

export function formatTiming(t: SyncTiming): string {
  const nodes = t.nodes.map((n) => `${n.node} exec ${n.execMs.toFixed(0)} ms (kube-proxy ${n.agentMs?.toFixed(0) ?? '-'} ms, read-back ${n.readBackMs.toFixed(0)} ms)`);
  return `total ${t.totalMs.toFixed(0)} ms, brain ${t.brainMs.toFixed(0)} ms${nodes.length > 0 ? `; ${nodes.join('; ')}` : '; nothing changed'}`;
}

function parseSave(node: string, save: string): Ruleset {
  const parsed = parseIptablesSave(save, { file: `${node}:iptables-save` });
  if (!parsed.ok) throw new Error(parsed.errors.map(formatError).join('\n'));
  return parsed.value;
}

/** Removes every container and network that carries the lab's label. */
export async function removeDockerLab(docker: Docker, lab: string): Promise<{ containers: number; networks: number }> {
  const filters = JSON.stringify({ label: [`${LAB_LABEL}=${lab}`] });
  const containers = await docker.listContainers({ all: true, filters });
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true })));
  const networks = await docker.listNetworks({ filters });
  for (const n of networks) await docker.getNetwork(n.Id).remove();
  return { containers: containers.length, networks: networks.length };
}

/** The /24 a SimLab's nodes are on (`192.168.49.0/24`). */
function subnetOf(brain: SimLab): string {
  const first = brain.runtime.state.nodes[0]!;
  return `${first.ip.split('.').slice(0, 3).join('.')}.0/24`;
}

/**
 * The lab's node network, created on the engine, and the cluster state whose
 * node IPs are on it. A free /24 is looked for (lifecycle.ts); when another lab
 * took it meanwhile, the next is tried with a cluster made again. A ready
 * cluster (opts.brain a SimLab) has its subnet already: it must be free.
 */
async function claimNodeNetwork(spec: LabSpec, engine: Engine, given: DockerLabOptions['brain']): Promise<{ brain: SimLab; subnet: string }> {
  const docker = engine.docker;
  const make = typeof given === 'function' ? given : given === undefined ? (s: LabSpec) => createSimLab(s, { clock: realtimeClock() }) : undefined;
  const skip: string[] = [];
  for (let attempt = 0; ; attempt++) {
    let brain: SimLab;
    let subnet: string;
    if (make) {
      subnet = spec.nodeSubnet ?? await allocateNodeSubnet(docker, { skip });
      brain = await make({ ...spec, backend: 'docker', nodeSubnet: subnet });
    } else {
      brain = given as SimLab;
      subnet = subnetOf(brain);
      const holder = (await dockerSubnets(docker)).find((x) => cidrsOverlap(x.subnet, subnet));
      if (holder) throw new Error(`the lab's node network ${subnet} overlaps the Docker network ${holder.network} (${holder.subnet}); give the lab its own (spec.nodeSubnet from allocateNodeSubnet, or a brain factory), or remove the other with: chainlab down --lab NAME`);
    }
    const gateway = subnet.replace(/\.0\/24$/, '.1');
    try {
      await docker.createNetwork({
        Name: `chainlab-${spec.name}`, Driver: 'bridge', Labels: { [LAB_LABEL]: spec.name }, CheckDuplicate: true,
        IPAM: { Config: [{ Subnet: subnet, Gateway: gateway }] },
      });
      return { brain, subnet };
    } catch (e) {
      if (make) await brain.close();
      // Another lab (or program) took the subnet between the look and the create: take the next.
      if (make && spec.nodeSubnet === undefined && isPoolOverlap(e) && attempt < 5) { skip.push(subnet); continue; }
      if (/already exists/i.test(String((e as Error).message))) throw new Error(`a Docker network chainlab-${spec.name} already exists (a docker lab of that name is up or was left behind); remove it with: chainlab down --lab ${spec.name}`);
      throw new Error(explainEngineError(e, engine));
    }
  }
}

export async function attachDockerLab(spec: LabSpec, opts: DockerLabOptions & { brain: SimLab }): Promise<DockerLab> {
  return DockerLab.attach(spec, opts);
}

export async function createDockerLab(spec: LabSpec, opts: DockerLabOptions): Promise<DockerLab> {
  return DockerLab.create(spec, opts);
}
