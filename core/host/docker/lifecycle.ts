// A docker lab's life around its syncs: which node network it takes (several
// labs side by side), noticing that the Docker engine went away, what a reset
// does inside a node, and the labs a crash or another window left behind.
import type Docker from 'dockerode';
import { networkInterfaces } from 'node:os';
import type { LeftoverLab } from '../../api/contract.js';
import { labDir, readLab } from '../lab/store.js';

export const LAB_LABEL = 'chainlab.lab';
export const NODE_LABEL = 'chainlab.node';

/** The /24s a lab may take, in order: minikube's 192.168.49.0/24 first, then .50, .51, … .254. */
export function nodeSubnetCandidates(): string[] {
  return Array.from({ length: 254 - 49 + 1 }, (_, i) => `192.168.${49 + i}.0/24`);
}

function ipv4ToInt(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const o = m.slice(1).map(Number);
  if (o.some((x) => x > 255)) return undefined;
  return ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0;
}

/** [first, last] address of an IPv4 CIDR, or undefined for anything else (IPv6). */
export function cidrRange(cidr: string): [number, number] | undefined {
  const [ip, bitsText] = cidr.split('/');
  const base = ipv4ToInt(ip ?? '');
  const bits = Number(bitsText ?? '32');
  if (base === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return undefined;
  const size = 2 ** (32 - bits);
  const first = Math.floor(base / size) * size;
  return [first, first + size - 1];
}

export function cidrsOverlap(a: string, b: string): boolean {
  const ra = cidrRange(a);
  const rb = cidrRange(b);
  return ra !== undefined && rb !== undefined && ra[0] <= rb[1] && rb[0] <= ra[1];
}

/** The IPv4 networks this computer's interfaces are on (a home LAN on 192.168.50.0/24 must not be shadowed). */
export function hostNetworks(): string[] {
  return Object.values(networkInterfaces()).flatMap((addrs) => (addrs ?? []).filter((a) => a.family === 'IPv4' && a.cidr).map((a) => a.cidr!));
}

/** Every IPv4 subnet the engine's networks hold (their IPAM config). */
export async function dockerSubnets(docker: Docker): Promise<{ subnet: string; network: string }[]> {
  const nets = await docker.listNetworks();
  return nets.flatMap((n) => (n.IPAM?.Config ?? []).flatMap((c) => (c.Subnet && cidrRange(c.Subnet) ? [{ subnet: c.Subnet, network: n.Name }] : [])));
}

/**
 * The first candidate /24 that no Docker network and no host interface
 * overlaps (deterministic: the same engine state gives the same answer).
 * `skip` leaves out subnets a caller just lost a race for.
 */
export async function allocateNodeSubnet(docker: Docker, opts: { skip?: string[]; host?: string[] } = {}): Promise<string> {
  const taken = [...(await dockerSubnets(docker)).map((s) => s.subnet), ...(opts.host ?? hostNetworks()), ...(opts.skip ?? [])];
  const free = nodeSubnetCandidates().find((c) => !taken.some((t) => cidrsOverlap(c, t)));
  if (!free) throw new Error('no free /24 for the node network between 192.168.49.0/24 and 192.168.254.0/24 (Docker networks and this computer\'s interfaces hold them all); remove unused labs with: chainlab down --lab NAME, or unused networks with: docker network prune');
  return free;
}

/** The engine's answer when a new network's subnet overlaps one another network took meanwhile (Docker's words, then Podman's). */
export function isPoolOverlap(e: unknown): boolean {
  return /overlap|Pool overlaps|address space|is already used on the host or by another config/i.test(String((e as { message?: unknown })?.message ?? e));
}

/**
 * Watches the engine under a lab: a ping every `intervalMs`, and at once when
 * the caller reports a sign (a node channel ended). Two failed pings in a row
 * (a busy engine may miss one) or a refused connection mean the engine is gone
 * (a connection cut mid-answer is pinged again at once);
 * `onLost` is called once and the watch stops.
 */
const NO_LISTENER = /ECONNREFUSED|ENOENT/;
const CUT = /EPIPE|ECONNRESET|socket hang up/;

export class EngineWatch {
  private timer: ReturnType<typeof setInterval> | undefined;
  private checking: Promise<void> | undefined;
  private failures = 0;
  lost: string | undefined;

  constructor(private readonly ping: () => Promise<unknown>, private readonly onLost: (reason: string) => void, private readonly opts: { intervalMs?: number; timeoutMs?: number } = {}) {}

  start(): void {
    if (this.timer || this.lost) return;
    this.timer = setInterval(() => void this.check(), this.opts.intervalMs ?? 2000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One look (coalesced with one under way); resolves once it is known whether the engine answered. */
  check(): Promise<void> {
    if (this.lost) return Promise.resolve();
    this.checking ??= this.pingOnce().finally(() => { this.checking = undefined; });
    return this.checking;
  }

  private async pingOnce(): Promise<void> {
    const timeoutMs = this.opts.timeoutMs ?? 5000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        this.ping(),
        new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs); }),
      ]);
      this.failures = 0;
    } catch (e) {
      const message = (e as Error).message ?? String(e);
      this.failures++;
      // Nobody listening (refused, no socket) is final at once. A connection cut
      // mid-answer says only that something happened: a second ping, at once,
      // tells a dying engine (refused now) from a hiccup, and names what the user
      // finds. A slow answer gets a second chance on the next tick.
      if (NO_LISTENER.test(message) || this.failures >= 2) this.declareLost(`the Docker engine does not answer (${message})`);
      else if (CUT.test(message)) {
        if (timer) clearTimeout(timer);
        timer = undefined;
        await this.pingOnce();
      }
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  declareLost(reason: string): void {
    if (this.lost) return;
    this.lost = reason;
    this.stop();
    this.onLost(reason);
  }
}

/** The error every call on a lab whose engine is gone fails with. */
export function dockerStoppedError(reason: string): Error {
  return new Error(`Docker stopped: ${reason}. Chainlab cannot reach this lab's nodes without it; start Docker and re-attach or create the lab again, or go on with the same cluster on the sim backend.`);
}

/** The node's iptables as they were before kube-proxy's first sync (written once by nodeRoutesScript). */
export const BASE_RULES = '/usr/local/lib/chainlab/iptables-base.rules';

/**
 * What `reset` does inside a node before kube-proxy starts again: every process
 * but the container's init, its `sleep`, the host channel and this script is
 * killed (user servers, shells, kube-proxy), pod namespaces are deleted, the
 * iptables tables are emptied and the node's own starting rules restored (the
 * next sync writes kube-proxy's again), and conntrack is flushed.
 */
export function resetNodeScript(): string {
  return [
    'keep=" 1 $$ $PPID $(pgrep -P 1 -x sleep | tr "\\n" " ") "',
    'for p in $(ps -eo pid=); do case "$keep" in *" $p "*) ;; *) kill -9 "$p" 2>/dev/null ;; esac; done',
    // A pod's veth goes with its namespace (the node's own eth0 is a veth too: it stays).
    'for ns in $(ip netns list | cut -d" " -f1); do ip netns del "$ns" 2>/dev/null; done; rm -rf /etc/netns',
    'for t in filter nat mangle raw; do iptables -t $t -F; iptables -t $t -X; ip6tables -t $t -F 2>/dev/null; ip6tables -t $t -X 2>/dev/null; done',
    'for c in INPUT FORWARD OUTPUT; do iptables -P $c ACCEPT; done',
    // What the node had before kube-proxy's first sync (Docker's own DNS rules, kubelet's canaries).
    `[ -f ${BASE_RULES} ] && iptables-restore < ${BASE_RULES}`,
    'conntrack -F >/dev/null 2>&1 || true',
    'rm -f /var/lib/kube-proxy/state.json /var/lib/kube-proxy/applied /var/log/kube-proxy.log* /etc/chainlab/dns.json /etc/chainlab/nginx-*.conf /run/nginx-*.pid',
    'true',
  ].join('\n');
}

/** Labs found on the engine by label (left by a crash, another window, or still running), by name. */
export async function listDockerLabs(docker: Docker): Promise<string[]> {
  const containers = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [LAB_LABEL] }) });
  const networks = await docker.listNetworks({ filters: JSON.stringify({ label: [LAB_LABEL] }) });
  return [...new Set([...containers.map((c) => c.Labels[LAB_LABEL] ?? ''), ...networks.map((n) => n.Labels?.[LAB_LABEL] ?? '')].filter(Boolean))].sort();
}

/**
 * The labs on the engine, as the app's workspace offers them: node names (from
 * the containers' labels) and whether Chainlab's saved cluster state for the lab
 * is under CHAINLAB_HOME (then it can be re-attached, else only removed).
 */
export async function findDockerLabs(docker: Docker, env: Record<string, string | undefined>): Promise<LeftoverLab[]> {
  const containers = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [LAB_LABEL] }) });
  const names = await listDockerLabs(docker);
  return Promise.all(names.map(async (name): Promise<LeftoverLab> => {
    const nodes = containers.filter((c) => c.Labels[LAB_LABEL] === name).map((c) => c.Labels[NODE_LABEL] ?? '').filter(Boolean).sort(byNodeOrder);
    const stored = await readLab(labDir(env, name)).catch(() => undefined);
    const attachable = stored !== undefined && stored.state.spec.backend === 'docker'
      && stored.state.nodes.every((n) => nodes.includes(n.name))
      && containers.filter((c) => c.Labels[LAB_LABEL] === name).every((c) => c.State === 'running');
    return { name, backend: 'docker', nodes, attachable };
  }));
}

/** k8s2 before k8s10. */
function byNodeOrder(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
