// One TCP connection in the lab, as curl makes it: the first packet goes
// through `tracePacket` on the node where it starts (conntrack kept, counters
// counted), hops to another node when routed there (and through that node's
// rules), and the answer comes from whatever really receives it.

import type { KubeObject } from '../cluster/api.js';
import type { NodeDescription, Packet, PacketTrace } from '../../engine/packet/index.js';
import { tracePacket } from '../../engine/packet/index.js';
import type { Ruleset, TableName } from '../../engine/iptables/model.js';
import { inCidr } from '../../engine/net/ip.js';
import type { ConnectResult, HttpRequest } from '../shell/host.js';
import type { SimRuntime } from '../sim/runtime.js';
import { imageName } from '../sim/runtime.js';
import { nextInt } from '../sim/rng.js';
import type { NodeState } from './state.js';
import type { HttpResponse } from './http.js';
import { nginxAccessLine, nginxResponse, podNameResponse, python2Listing, python3Listing, pythonLogLine } from './http.js';

/** Linux gives up on an unanswered SYN after its retries (~130 s) when curl has no -m. */
export const SYN_GIVE_UP_MS = 130_000;

/** Where the connection starts: a node's own process, or a pod on that node. */
export type Origin = { kind: 'node'; node: NodeState } | { kind: 'pod'; node: NodeState; pod: KubeObject };

/** The node as the packet engine sees it. */
export function describeNode(rt: SimRuntime, node: NodeState): NodeDescription {
  // The bridge (cni0) gateway comes from podCIDR: the engine puts it on the bridge itself.
  return {
    name: node.name,
    addresses: [`${node.ip}/${node.prefix}`],
    podCIDR: node.podCIDR,
    pods: rt.podsOn(node.name).filter((p) => !(p.spec as { hostNetwork?: boolean }).hostNetwork && podIP(p)).map((p) => ({
      name: p.metadata.name, namespace: p.metadata.namespace ?? 'default', ip: podIP(p)!,
      listening: podListening(p).map((x) => `${x.port}/${x.proto}`),
    })),
    peers: rt.state.nodes.filter((n) => n !== node).map((n) => ({ name: n.name, ip: n.ip, podCIDR: n.podCIDR })),
    routeLocalnet: true,
    listeners: node.sockets.filter((s) => s.state === 'LISTEN' || (s.proto === 'udp' && s.state === 'UNCONN')).map((s) => ({
      proto: s.proto, port: s.localPort, address: s.localAddress === '*' || s.localAddress === '::' ? undefined : s.localAddress,
      process: node.processes.find((p) => p.pid === s.pid)?.comm ?? '?',
    })),
  };
}

export function bridgeAddress(node: NodeState): string | null {
  const m = /^(\d+\.\d+\.\d+)\.0\/24$/.exec(node.podCIDR);
  return m ? `${m[1]}.1` : null;
}

export function podIP(p: KubeObject): string | undefined {
  return (p.status as { podIP?: string } | undefined)?.podIP;
}

/** Ports a pod's processes listen on (nginx: 80; declared container ports otherwise). */
export function podListening(p: KubeObject): { port: number; proto: 'tcp' | 'udp' }[] {
  if ((p.status as { phase?: string } | undefined)?.phase !== 'Running') return [];
  const out: { port: number; proto: 'tcp' | 'udp' }[] = [];
  for (const c of (p.spec as { containers: { image: string; ports?: { containerPort: number; protocol?: string }[] }[] }).containers) {
    if (imageName(c.image) === 'nginx') out.push({ port: 80, proto: 'tcp' });
    for (const cp of c.ports ?? []) out.push({ port: cp.containerPort, proto: cp.protocol === 'UDP' ? 'udp' : 'tcp' });
  }
  return out.filter((x, i) => out.findIndex((y) => y.port === x.port && y.proto === x.proto) === i);
}

/** Adds the traced packet to the counters of every rule (and policy) it matched. */
export function countTrace(rules: Ruleset, trace: PacketTrace, bytes = 60): void {
  for (const s of trace.steps) {
    if (!s.matched) continue;
    const table = rules.tables.find((t) => t.name === (s.table as TableName));
    const chain = table?.chains.find((c) => c.name === s.chain);
    if (!chain) continue;
    if (s.ruleNumber === 0) { chain.counters.packets++; chain.counters.bytes += bytes; continue; }
    const rule = chain.rules[s.ruleNumber - 1];
    if (rule) {
      rule.counters ??= { packets: 0, bytes: 0 };
      rule.counters.packets++;
      rule.counters.bytes += bytes;
    }
  }
}

function resolve(rt: SimRuntime, host: string, fromPod: boolean): string | null {
  if (host === 'localhost' || host === 'ip6-localhost') return '127.0.0.1';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return host;
  const n = rt.state.nodes.find((x) => x.name === host);
  if (n) return n.ip;
  if (fromPod) {
    // Cluster DNS: svc, svc.ns, svc.ns.svc, svc.ns.svc.cluster.local
    const parts = host.replace(/\.$/, '').split('.');
    const name = parts[0]!;
    const ns = parts[1] ?? 'default';
    const svc = rt.api.find('Service', ns, name);
    const ip = (svc?.spec as { clusterIP?: string } | undefined)?.clusterIP;
    if (ip && ip !== 'None') return ip;
  }
  return null;
}

function ephemeralPort(node: NodeState): number {
  const p = node.nextEphemeralPort;
  node.nextEphemeralPort = p >= 60999 ? 32768 : p + 1;
  return p;
}

export interface ConnectOutcome {
  result: ConnectResult;
  traces: { node: string; trace: PacketTrace }[];
}

/** One HTTP exchange from `origin`, through the rules, to whatever receives it. */
export async function connect(rt: SimRuntime, origin: Origin, req: HttpRequest, signal?: { aborted: boolean; addEventListener(t: 'abort', l: () => void, o?: { once?: boolean }): void; removeEventListener(t: 'abort', l: () => void): void }): Promise<ConnectOutcome> {
  rt.catchUp();
  const traces: { node: string; trace: PacketTrace }[] = [];
  const dst = resolve(rt, req.host, origin.kind === 'pod');
  if (dst === null) return { result: { kind: 'unresolved' }, traces };
  const remote = { ip: dst, port: req.port };
  const timeoutMs = req.timeoutMs ?? SYN_GIVE_UP_MS;
  const timeout = async (): Promise<ConnectOutcome> => {
    await rt.sleep(timeoutMs, signal);
    return { result: { kind: 'timeout', remote, elapsedMs: timeoutMs }, traces };
  };
  let node = origin.node;
  const src = origin.kind === 'pod' ? podIP(origin.pod)! : dst.startsWith('127.') ? '127.0.0.1' : inCidr(node.podCIDR, dst) ? (bridgeAddress(node) ?? node.ip) : node.ip;
  let packet: Packet = { ingress: origin.kind === 'pod' ? 'pod' : 'node', proto: 'tcp', src, sport: ephemeralPort(node), dst, dport: req.port };
  // Connections this packet opened on each node it crossed: an answered request completes them
  // (handshake seen both ways), as `conntrack -L` shows after a real curl.
  const opened: { node: NodeState; id: number }[] = [];
  const answered = (out: ConnectOutcome): ConnectOutcome => {
    if (out.result.kind === 'response') for (const o of opened) rt.conntrack(o.node).complete(o.id);
    return out;
  };
  for (let hop = 0; hop < 4; hop++) {
    let trace: PacketTrace;
    try {
      trace = tracePacket(node.rules4, describeNode(rt, node), packet, { seed: nextInt(rt.api.rng, 1, 2 ** 31 - 1), conntrack: rt.conntrack(node) });
    } catch (e) {
      // A rule the engine cannot evaluate: say so rather than guess.
      return { result: { kind: 'reset', remote }, traces: [...traces, { node: node.name, trace: { notes: [String(e)] } as unknown as PacketTrace }] };
    }
    countTrace(node.rules4, trace);
    traces.push({ node: node.name, trace });
    if (trace.conntrack) opened.push({ node, id: trace.conntrack.id });
    const d = trace.delivery;
    const [toIp, toPortText] = (trace.dnatTo ?? `${packet.dst}:${packet.dport}`).split(/:(?=\d+$)/);
    const toPort = Number(toPortText ?? packet.dport);
    const seenSrc = trace.snatTo?.split(/:(?=\d+$)/)[0] ?? packet.src;
    switch (d.kind) {
      case 'dropped':
        return timeout();
      case 'rejected':
        return { result: { kind: 'refused', remote, elapsedMs: 0 }, traces };
      case 'local':
        return answered(await answerLocal(rt, node, d.port ?? toPort, req, remote, seenSrc, timeout, traces));
      case 'pod': {
        const pod = rt.api.all('Pod').find((p) => podIP(p) === d.ip && !(p.spec as { hostNetwork?: boolean }).hostNetwork);
        return answered(await answerPod(rt, pod, d.port ?? toPort, req, remote, seenSrc, timeout, traces));
      }
      case 'forward': {
        const target = d.to ?? toIp!;
        const nextNode = rt.state.nodes.find((n) => n.ip === target || inCidr(n.podCIDR, target));
        if (!nextNode || nextNode === node) {
          const pod = rt.api.all('Pod').find((p) => podIP(p) === target && !(p.spec as { hostNetwork?: boolean }).hostNetwork);
          if (pod) return answered(await answerPod(rt, pod, toPort, req, remote, seenSrc, timeout, traces));
          return timeout();
        }
        const pod = rt.api.all('Pod').find((p) => podIP(p) === target && !(p.spec as { hostNetwork?: boolean }).hostNetwork);
        if (pod) {
          // Pod traffic crosses the overlay to the pod directly (its node forwards it to cni0).
          return answered(await answerPod(rt, pod, toPort, req, remote, seenSrc, timeout, traces));
        }
        node = nextNode;
        packet = { ingress: 'external', proto: 'tcp', src: seenSrc, sport: packet.sport, dst: target, dport: toPort };
        continue;
      }
    }
  }
  return timeout();
}

async function answerLocal(rt: SimRuntime, node: NodeState, port: number, req: HttpRequest, remote: { ip: string; port: number }, client: string,
  timeout: () => Promise<ConnectOutcome>, traces: ConnectOutcome['traces']): Promise<ConnectOutcome> {
  const sock = node.sockets.find((s) => s.proto === 'tcp' && s.state === 'LISTEN' && s.localPort === port);
  if (!sock) return { result: { kind: 'refused', remote, elapsedMs: 0 }, traces };
  const proc = node.processes.find((p) => p.pid === sock.pid);
  const now = rt.now();
  if (proc?.role === 'listener' && proc.listener) {
    const l = proc.listener;
    if (l.kind === 'nc-listen') return timeout();
    const dir = proc.cwd ?? '/root';
    const entries = Object.entries(node.files)
      .filter(([path]) => path !== dir && path.startsWith(dir === '/' ? '/' : `${dir}/`) && !path.slice(dir === '/' ? 1 : dir.length + 1).includes('/'))
      .map(([path, f]) => ({ name: path.split('/').pop()!, dir: f.kind === 'dir' }))
      .sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
    const res = l.kind === 'python2-simplehttpserver' ? python2Listing(req.method, '/', entries, now) : python3Listing(req.method, '/', entries, now);
    rt.listenerOutput(node, proc.pid, pythonLogLine(client, req.method, req.path, res.status, now));
    return response(res, remote, traces);
  }
  // Daemons that do not speak plain HTTP, or sockets nobody accepts on (kube-proxy's held NodePorts).
  if (proc?.role === 'kube-proxy' && port !== 10249 && port !== 10256) return timeout();
  if (port === 10256 || port === 10249) {
    const body = port === 10256 ? `{"lastUpdated": "${new Date(now).toISOString()}","currentTime": "${new Date(now).toISOString()}", "nodeEligible": true}` : 'ok';
    return response({ httpVersion: '1.1', status: 200, reason: 'OK', headers: [['Content-Type', 'application/json'], ['X-Content-Type-Options', 'nosniff'], ['Date', new Date(now).toUTCString()], ['Content-Length', String(body.length)]], body: req.method === 'HEAD' ? '' : body }, remote, traces);
  }
  return { result: { kind: 'empty-reply', remote }, traces };
}

async function answerPod(rt: SimRuntime, pod: KubeObject | undefined, port: number, req: HttpRequest, remote: { ip: string; port: number }, client: string,
  timeout: () => Promise<ConnectOutcome>, traces: ConnectOutcome['traces']): Promise<ConnectOutcome> {
  if (!pod) return timeout();
  if (!podListening(pod).some((l) => l.port === port && l.proto === 'tcp')) return { result: { kind: 'refused', remote, elapsedMs: 0 }, traces };
  const now = rt.now();
  const images = (pod.spec as { containers: { image: string }[] }).containers.map((c) => imageName(c.image));
  let res: HttpResponse;
  if (images.includes('nginx') && port === 80) {
    res = nginxResponse(req.method, req.path, now);
    rt.podLog(pod, nginxAccessLine(client, req.method, req.path, res.status, res.body.length, now));
  } else if (images.includes('coredns')) {
    if (port === 9153) res = { httpVersion: '1.1', status: 404, reason: 'Not Found', headers: [['Content-Type', 'text/plain; charset=utf-8'], ['X-Content-Type-Options', 'nosniff'], ['Date', new Date(now).toUTCString()], ['Content-Length', '19']], body: req.method === 'HEAD' ? '' : '404 page not found\n' };
    else return { result: { kind: 'empty-reply', remote }, traces };
  } else {
    res = podNameResponse(req.method, pod.metadata.name, now);
  }
  return response(res, remote, traces);
}

function response(res: HttpResponse, remote: { ip: string; port: number }, traces: ConnectOutcome['traces']): ConnectOutcome {
  return { result: { kind: 'response', remote, httpVersion: res.httpVersion, status: res.status, reason: res.reason, headers: res.headers, body: res.body }, traces };
}
