// Network namespaces that play a Kubernetes node and its neighbours, for the
// kernel differential tier:
//
//   ext ns (LAN bridge br0 + router + external clients)
//     ├── veth ── node ns eth0 (node addresses)       node ns: cni0 bridge ── vethpN ── pod ns eth0
//     └── veth ── remote ns eth0 (the other nodes' IPs; their pods' IPs on lo)
//
// Every namespace is named `chainlab-t-<pid>-<n>-<role>`, registered, and
// removed in destroy(), on process exit and on SIGINT/SIGTERM; stale ones of
// dead processes are swept at start. Each namespace runs one ns-agent process
// (listeners + packet sender), see ../differential/ns-agent.mjs.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NodeDescription } from '../../../core/engine/packet/types.js';

export type L4 = 'tcp' | 'udp';

export interface ListenSpec {
  proto: L4;
  port: number;
  address?: string;
}

export interface PodSpec {
  name: string;
  /** Pod IP (no prefix). */
  ip: string;
  listen?: ListenSpec[];
}

export interface PeerSpec {
  name: string;
  /** The other node's IP on the LAN (same prefix as the node). */
  ip: string;
  podCIDR: string;
  pods?: PodSpec[];
}

export interface TopologySpec {
  nodeName: string;
  /** Addresses of the node's eth0 with prefix; the first is primary (`10.210.40.172/24`). */
  nodeAddresses: string[];
  /** Addresses of the LAN side (router first, then clients) with prefix; they may be in other subnets (`203.0.113.7/32`). */
  externalAddresses: string[];
  /** This node's pod range; the node holds its first address on cni0. */
  podCIDR: string;
  pods: PodSpec[];
  peers?: PeerSpec[];
  routeLocalnet?: boolean;
  /** Processes listening in the node itself (a foreign listener on a NodePort). */
  nodeListeners?: (ListenSpec & { process?: string })[];
  /** Processes listening on the LAN side (an API server outside the cluster, `192.168.100.1:6443`). */
  externalListeners?: ListenSpec[];
  /** Destinations the LAN routes to this node (Service CIDR, LoadBalancer IPs, externalIPs). */
  viaNode?: string[];
}

export interface AgentReply {
  id: number;
  ok: boolean;
  result?: string;
  error?: string;
  answer?: string;
  code?: string;
  ms?: number;
}

export interface AgentEvent {
  event: 'accept' | 'datagram' | 'ready';
  agent: string;
  proto?: L4;
  local?: string;
  localPort?: number;
  remote?: string;
  remotePort?: number;
  /** Milliseconds since the topology was created. */
  at: number;
}

const here = dirname(fileURLToPath(import.meta.url));
const agentPath = join(here, '..', 'differential', 'ns-agent.mjs');
const NS_PREFIX = 'chainlab-t-';

// ---- command helpers -------------------------------------------------------

export interface RunResult {
  stdout: string;
  stderr: string;
  status: number;
}

/** Run a command synchronously, throwing a readable error (the command and its stderr) on failure. */
export function run(argv: string[], opts: { input?: string; allowFail?: boolean; timeoutMs?: number } = {}): RunResult {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new Error('run: empty command');
  const r = spawnSync(cmd, args, { input: opts.input, encoding: 'utf8', timeout: opts.timeoutMs ?? 20_000 });
  const res = { stdout: r.stdout ?? '', stderr: r.stderr ?? '', status: r.status ?? -1 };
  if (!opts.allowFail && (r.error || res.status !== 0)) {
    throw new Error(`command failed (${res.status}): ${argv.join(' ')}\n${res.stderr || r.error?.message || ''}`);
  }
  return res;
}

export function nsRun(ns: string, argv: string[], opts: { input?: string; allowFail?: boolean; timeoutMs?: number } = {}): RunResult {
  return run(['ip', 'netns', 'exec', ns, ...argv], opts);
}

/** `ip -n NS -batch -`: many ip commands for one namespace in one process. */
function ipBatch(ns: string | null, lines: string[]): void {
  if (lines.length === 0) return;
  run(ns === null ? ['ip', '-batch', '-'] : ['ip', '-n', ns, '-batch', '-'], { input: `${lines.join('\n')}\n` });
}

// ---- prerequisites and cleanup ---------------------------------------------

/** Throws (the tier fails loudly, it never skips) when this machine cannot run the kernel tier. */
export function assertKernelPrerequisites(): void {
  if (process.getuid?.() !== 0) throw new Error('kernel tier: needs root (network namespaces and iptables); run as root or in CI');
  const missing = ['iptables', 'iptables-restore', 'iptables-save', 'xtables-monitor', 'conntrack', 'ip', 'nft'].filter(
    (c) => spawnSync('sh', ['-c', `command -v ${c}`], { stdio: 'ignore' }).status !== 0,
  );
  if (missing.length > 0) throw new Error(`kernel tier: missing ${missing.join(', ')}; install with: apt-get install -y iptables conntrack iproute2 nftables`);
  const v = run(['iptables', '--version'], { allowFail: true }).stdout;
  if (!v.includes('nf_tables')) throw new Error(`kernel tier: needs the nf_tables iptables backend for xtables-monitor --trace (found: ${v.trim()}); run update-alternatives --set iptables /usr/sbin/iptables-nft`);
  if (!existsSync(agentPath)) throw new Error(`kernel tier: namespace agent missing at ${agentPath}`);
}

const live = new Set<Topology>();
let handlersInstalled = false;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function deleteNamespace(ns: string): void {
  const pids = run(['ip', 'netns', 'pids', ns], { allowFail: true }).stdout.split(/\s+/).filter(Boolean).map(Number);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  run(['ip', 'netns', 'del', ns], { allowFail: true });
}

/** Removes `chainlab-t-<pid>-…` namespaces whose creating process is dead. Returns their names. */
export function sweepStaleNamespaces(): string[] {
  const list = run(['ip', 'netns', 'list'], { allowFail: true }).stdout;
  const stale: string[] = [];
  for (const line of list.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = /^chainlab-t-(\d+)-\d+-/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || pidAlive(pid)) continue;
    deleteNamespace(name);
    stale.push(name);
  }
  return stale;
}

function destroyAllSync(): void {
  for (const t of [...live]) t.destroy();
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.once('exit', destroyAllSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      destroyAllSync();
      process.removeListener(sig, onSignal);
      process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

// ---- the agent of one namespace ---------------------------------------------

export class NsAgent {
  readonly events: AgentEvent[] = [];
  private nextId = 1;
  private waiters = new Map<number, (r: AgentReply) => void>();
  private buf = '';
  private readonly proc: ChildProcessWithoutNullStreams;
  private ready: Promise<void>;

  constructor(
    readonly ns: string,
    readonly name: string,
    private readonly t0: number,
  ) {
    this.proc = spawn('ip', ['netns', 'exec', ns, process.execPath, agentPath, name], { stdio: ['pipe', 'pipe', 'pipe'] });
    let markReady: () => void = () => {};
    let failReady: (e: Error) => void = () => {};
    this.ready = new Promise<void>((res, rej) => {
      markReady = res;
      failReady = rej;
    });
    let stderr = '';
    this.proc.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    this.proc.on('exit', (code) => {
      failReady(new Error(`agent ${name} in ${ns} exited (${code}): ${stderr}`));
      for (const w of this.waiters.values()) w({ id: -1, ok: false, error: `agent ${name} exited: ${stderr}` });
      this.waiters.clear();
    });
    this.proc.stdout.on('data', (d: Buffer) => {
      this.buf += d.toString();
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        if (line.trim() === '') continue;
        const msg = JSON.parse(line) as AgentReply & Partial<AgentEvent>;
        if (msg.event !== undefined) {
          if (msg.event === 'ready') markReady();
          else this.events.push({ ...(msg as AgentEvent), at: Date.now() - this.t0 });
        } else {
          const w = this.waiters.get(msg.id);
          if (w) {
            this.waiters.delete(msg.id);
            w(msg);
          }
        }
      }
    });
  }

  whenReady(timeoutMs = 10_000): Promise<void> {
    return withTimeout(this.ready, timeoutMs, `agent ${this.name} in ${this.ns} did not start`);
  }

  /** Send one command; resolves with the agent's reply (bounded by timeoutMs). */
  request(cmd: Record<string, unknown>, timeoutMs = 5_000): { id: number; reply: Promise<AgentReply> } {
    const id = this.nextId++;
    const reply = new Promise<AgentReply>((res) => {
      this.waiters.set(id, res);
    });
    this.proc.stdin.write(`${JSON.stringify({ ...cmd, id })}\n`);
    return { id, reply: withTimeout(reply, timeoutMs, `agent ${this.name}: no reply to ${String(cmd.op)}`) };
  }

  async call(cmd: Record<string, unknown>, timeoutMs = 5_000): Promise<AgentReply> {
    const r = await this.request(cmd, timeoutMs).reply;
    if (!r.ok) throw new Error(`agent ${this.name}: ${String(cmd.op)} failed: ${r.error ?? ''}`);
    return r;
  }

  kill(): void {
    if (this.proc.exitCode === null) this.proc.kill('SIGKILL');
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, rej) => {
    timer = setTimeout(() => rej(new Error(`${what} within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

// ---- the topology -----------------------------------------------------------

let counter = 0;

const bare = (cidr: string): string => cidr.split('/')[0] ?? cidr;
const prefixOf = (cidr: string): number => Number(cidr.split('/')[1] ?? '32');

/** First usable address of a CIDR (the cni0 gateway): 10.244.1.0/24 → 10.244.1.1. */
export function gatewayOf(cidr: string): string {
  const parts = bare(cidr).split('.').map(Number);
  const n = ((((parts[0] ?? 0) << 24) | ((parts[1] ?? 0) << 16) | ((parts[2] ?? 0) << 8) | (parts[3] ?? 0)) >>> 0) + 1;
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export class Topology {
  readonly id: number;
  readonly node: string;
  readonly ext: string;
  readonly remote: string | null;
  readonly podNs = new Map<string, string>();
  readonly agents = new Map<string, NsAgent>();
  /** Host-side veth name of each pod (on cni0). */
  readonly podIface = new Map<string, string>();
  readonly t0 = Date.now();
  private destroyed = false;

  constructor(readonly spec: TopologySpec) {
    this.id = ++counter;
    const base = `${NS_PREFIX}${process.pid}-${this.id}`;
    this.node = `${base}-node`;
    this.ext = `${base}-ext`;
    this.remote = (spec.peers ?? []).length > 0 ? `${base}-remote` : null;
    spec.pods.forEach((p, i) => {
      this.podNs.set(p.name, `${base}-pod${i + 1}`);
      this.podIface.set(p.name, `vethp${i + 1}`);
    });
  }

  get namespaces(): string[] {
    return [this.node, this.ext, ...(this.remote ? [this.remote] : []), ...this.podNs.values()];
  }

  /** The namespace a packet is sent from: `node`, `ext`, `remote`, or a pod name. */
  nsOf(where: string): string {
    if (where === 'node') return this.node;
    if (where === 'ext') return this.ext;
    if (where === 'remote') {
      if (!this.remote) throw new Error('topology has no remote (peer) namespace');
      return this.remote;
    }
    const ns = this.podNs.get(where);
    if (!ns) throw new Error(`topology has no pod ${where}`);
    return ns;
  }

  agent(where: string): NsAgent {
    const a = this.agents.get(where);
    if (!a) throw new Error(`no agent for ${where}`);
    return a;
  }

  /** Builds namespaces, links, addresses, routes and sysctls (synchronously), then starts the agents. */
  async build(): Promise<void> {
    installHandlers();
    live.add(this);
    const s = this.spec;
    for (const ns of this.namespaces) run(['ip', 'netns', 'add', ns]);
    const routerIp = bare(s.externalAddresses[0] ?? '');
    const nodeIp = bare(s.nodeAddresses[0] ?? '');
    const gw = gatewayOf(s.podCIDR);

    // LAN: br0 in ext, the node's eth0 and the remote's eth0 hang on it.
    ipBatch(null, [
      `link add n${this.id}e netns ${this.ext} type veth peer name eth0 netns ${this.node}`,
      ...(this.remote ? [`link add r${this.id}e netns ${this.ext} type veth peer name eth0 netns ${this.remote}`] : []),
    ]);
    ipBatch(this.ext, [
      'link set lo up',
      'link add br0 type bridge',
      `link set n${this.id}e master br0`,
      `link set n${this.id}e up`,
      ...(this.remote ? [`link set r${this.id}e master br0`, `link set r${this.id}e up`] : []),
      'link set br0 up',
      ...s.externalAddresses.map((a) => `addr add ${a} dev br0`),
      ...[...(s.viaNode ?? []), s.podCIDR].map((d) => `route add ${d} via ${nodeIp}`),
      ...(s.peers ?? []).map((p) => `route add ${p.podCIDR} via ${p.ip}`),
    ]);
    // Pods on this node: a veth each, host side on cni0.
    const podLinks = s.pods.map((p) => `link add ${this.podIface.get(p.name)} netns ${this.node} type veth peer name eth0 netns ${this.podNs.get(p.name)}`);
    ipBatch(null, podLinks);
    ipBatch(this.node, [
      'link set lo up',
      ...s.nodeAddresses.map((a) => `addr add ${a} dev eth0`),
      'link set eth0 up',
      'link add cni0 type bridge',
      `addr add ${gw}/${prefixOf(s.podCIDR)} dev cni0`,
      'link set cni0 up',
      // hairpin on, as the CNI bridge plugin sets it for Kubernetes: a pod reaching itself through its Service.
      ...s.pods.flatMap((p) => [`link set ${this.podIface.get(p.name)} master cni0`, `link set ${this.podIface.get(p.name)} type bridge_slave hairpin on`, `link set ${this.podIface.get(p.name)} up`]),
      `route add default via ${routerIp}`,
      ...(s.peers ?? []).map((p) => `route add ${p.podCIDR} via ${p.ip}`),
    ]);
    for (const p of s.pods) {
      ipBatch(this.nsOf(p.name), ['link set lo up', `addr add ${p.ip}/${prefixOf(s.podCIDR)} dev eth0`, 'link set eth0 up', `route add default via ${gw}`]);
    }
    if (this.remote) {
      const peers = s.peers ?? [];
      ipBatch(this.remote, [
        'link set lo up',
        ...peers.map((p) => `addr add ${p.ip}/${prefixOf(s.nodeAddresses[0] ?? '/24')} dev eth0`),
        'link set eth0 up',
        ...peers.flatMap((p) => (p.pods ?? []).map((pod) => `addr add ${pod.ip}/32 dev lo`)),
        `route add ${s.podCIDR} via ${nodeIp}`,
        `route add default via ${routerIp}`,
      ]);
    }
    // Sysctls: the node forwards; the LAN bridge does not call iptables.
    // icmp_ratelimit=0: a REJECT's ICMP error must reach the client in every case, not only when the
    // previous case's error to the same peer is more than a second old (the default 1 s per-peer limit).
    const sysctls = ['net.ipv4.ip_forward=1', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0', 'net.ipv4.icmp_ratelimit=0'];
    if (s.routeLocalnet) sysctls.push('net.ipv4.conf.all.route_localnet=1');
    nsRun(this.node, ['sysctl', '-qw', ...sysctls]);
    nsRun(this.ext, ['sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.bridge.bridge-nf-call-iptables=0'], { allowFail: true });
    if (this.remote) nsRun(this.remote, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);

    // Agents: one per namespace, listeners as the spec asks.
    const start = (where: string, ns: string): NsAgent => {
      const a = new NsAgent(ns, where, this.t0);
      this.agents.set(where, a);
      return a;
    };
    start('node', this.node);
    start('ext', this.ext);
    if (this.remote) start('remote', this.remote);
    for (const p of s.pods) start(p.name, this.nsOf(p.name));
    await Promise.all([...this.agents.values()].map((a) => a.whenReady()));
    const listens: Promise<unknown>[] = [];
    for (const p of s.pods) for (const l of p.listen ?? []) listens.push(this.agent(p.name).call({ op: 'listen', ...l }));
    for (const l of s.externalListeners ?? []) listens.push(this.agent('ext').call({ op: 'listen', proto: l.proto, port: l.port, address: l.address }));
    for (const l of s.nodeListeners ?? []) listens.push(this.agent('node').call({ op: 'listen', proto: l.proto, port: l.port, address: l.address }));
    // Remote pods: one socket per pod address, so that UDP answers leave from the pod's IP.
    for (const peer of s.peers ?? []) for (const p of peer.pods ?? []) for (const l of p.listen ?? []) listens.push(this.agent('remote').call({ op: 'listen', proto: l.proto, port: l.port, address: l.address ?? p.ip }));
    await Promise.all(listens);
  }

  /** Which pod (on this node or elsewhere) owns an IP, if any. */
  podByIp(ip: string): { pod: PodSpec; node: string } | undefined {
    for (const p of this.spec.pods) if (p.ip === ip) return { pod: p, node: this.spec.nodeName };
    for (const peer of this.spec.peers ?? []) for (const p of peer.pods ?? []) if (p.ip === ip) return { pod: p, node: peer.name };
    return undefined;
  }

  /** The same node, as the packet engine sees it. */
  nodeDescription(): NodeDescription {
    const s = this.spec;
    return {
      name: s.nodeName,
      // The engine puts these on eth0 and derives cni0's address (the pod range's first) from podCIDR, as built here.
      addresses: [...s.nodeAddresses],
      podCIDR: s.podCIDR,
      pods: s.pods.map((p) => ({
        name: p.name,
        namespace: 'default',
        ip: p.ip,
        iface: this.podIface.get(p.name) ?? 'veth',
        listening: (p.listen ?? []).map((l) => `${l.port}/${l.proto}`),
      })),
      peers: (s.peers ?? []).map((p) => ({ name: p.name, ip: p.ip, podCIDR: p.podCIDR })),
      routeLocalnet: s.routeLocalnet ?? false,
      ifaces: { external: 'eth0', bridge: 'cni0', loopback: 'lo' },
      listeners: (s.nodeListeners ?? []).map((l) => ({ proto: l.proto, port: l.port, ...(l.address ? { address: l.address } : {}), process: l.process ?? 'listener' })),
    };
  }

  /** Kills the agents and deletes every namespace (idempotent, synchronous: safe in exit handlers). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const a of this.agents.values()) a.kill();
    for (const ns of this.namespaces) deleteNamespace(ns);
    live.delete(this);
  }
}

export async function createTopology(spec: TopologySpec): Promise<Topology> {
  const t = new Topology(spec);
  try {
    await t.build();
  } catch (e) {
    t.destroy();
    throw e;
  }
  return t;
}

/** Namespaces this process still holds (for the "all removed" assertion). */
export function liveNamespaces(): string[] {
  return [...live].flatMap((t) => t.namespaces);
}

/** All `chainlab-t-<this pid>-…` namespaces the kernel still has. */
export function ownNamespacesInKernel(): string[] {
  const list = run(['ip', 'netns', 'list'], { allowFail: true }).stdout;
  return list
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(`${NS_PREFIX}${process.pid}-`));
}
