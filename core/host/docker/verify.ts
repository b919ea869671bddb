// "Verify with a real packet" on the docker backend: the packet a trace
// describes is really sent in the lab (from a node, from a pod's namespace, or
// from this computer for "external"), and what the kernel did with it (rule
// counters, the conntrack entry, the sender's answer) is set against the
// engine's prediction. verify-compare.ts holds the comparison and its rules.
//
// Traffic stays in the lab: a packet is sent only to the lab's nodes, pods,
// Service IPs and (from a node) loopback, and not at all when the prediction
// says it would leave the lab.
import type Docker from 'dockerode';
import { connect as netConnect } from 'node:net';
import { createSocket } from 'node:dgram';
import { parseIptablesSave } from '../../engine/iptables/index.js';
import { formatError } from '../../engine/errors.js';
import type { Ruleset } from '../../engine/iptables/model.js';
import { compileRuleset, ConntrackTable, exactOutcomes, nodeView, type NodeDescription, type OutcomeDetail, type Packet } from '../../engine/packet/index.js';
import { ForcedDecider } from '../../engine/packet/deciders.js';
import { walkPacket } from '../../engine/packet/walk.js';
import { inCidr, parseIP } from '../../engine/net/ip.js';
import type { PodSummary, VerifyResult } from '../../lab/backend.js';
import { execIn } from './exec.js';
import { compareVerify, countedRules, describeAnswer, diffCounters, parseConntrackLine, type Answer, type Comparison, type PredictedPath } from './verify-compare.js';

/** A node as verify needs it. */
export interface VerifyNode {
  name: string;
  ip: string;
  container: Docker.Container;
  /** Pod key (`namespace/name`) → its network namespace in the node. */
  pods: ReadonlyMap<string, string>;
}

export interface VerifyEnv {
  docker: Docker;
  /** The lab's docker network (its gateway is this computer's address in the lab). */
  network: string;
  nodes: VerifyNode[];
  /** The node as the packet engine sees it. */
  describe(node: string): NodeDescription;
  pods: PodSummary[];
  /** Pod and Service ranges of the cluster: addresses a packet may be sent to. */
  clusterCIDR: string;
  serviceCIDR: string;
}

/**
 * For tests: predict a node's hop from this `iptables-save -c` text (by node
 * name) instead of the rules read just before sending (a stale prediction, to
 * prove disagreements surface).
 */
export interface VerifySeams {
  predictFrom?: Record<string, string>;
}

/** How long the sender waits for an answer. */
export const VERIFY_TIMEOUT_S = 2;
/** Most paths (statistic branch combinations) compared; a bigger Service still verifies against these. */
const MAX_PATHS = 256;

export class VerifyError extends Error {}

export async function verifyPacket(env: VerifyEnv, nodeName: string, packet: Packet, seams: VerifySeams = {}): Promise<VerifyResult> {
  if (packet.proto !== 'tcp' && packet.proto !== 'udp') {
    throw new VerifyError(`cannot verify ${packet.proto.toUpperCase()} packets yet: Chainlab sends real TCP connections and UDP datagrams only`);
  }
  if (packet.dport === undefined) throw new VerifyError('the packet needs a destination port to be sent');
  if (parseIP(packet.dst)?.family !== 4) throw new VerifyError(`cannot send to ${packet.dst}: the lab's networks are IPv4`);
  const node = env.nodes.find((n) => n.name === nodeName);
  if (!node) throw new VerifyError(`no node named "${nodeName}" (nodes: ${env.nodes.map((n) => n.name).join(', ')})`);

  const sender = await chooseSender(env, node, packet);
  // A fresh source port below the ephemeral range: every verification is a new
  // connection (nat rules see its first packet) and its conntrack entry is found exactly.
  const sport = 20000 + Math.floor(Math.random() * 12000);
  const real: Packet = { ...packet, src: sender.src, sport };
  const dport = packet.dport;

  // Every node's counters before: the packet may be forwarded to a pod on another node.
  const befores = new Map(await Promise.all(env.nodes.map(async (n) => [n.name, parseSave(n.name, await iptablesSave(n))] as const)));
  const before = befores.get(node.name)!;
  const desc = env.describe(node.name);
  const { paths, outcomes } = predictPaths(rulesToPredict(node.name, before, seams), desc, real);
  assertStaysInLab(env, node, real, paths);

  const sent = sentCommand(sender, real, dport);
  const answer = sender.kind === 'host' ? await sendFromHost(real, dport) : await sendFromNode(node, sender, real, dport);

  // The entry and the counters, in one exec once the sender is done.
  const proto = real.proto;
  const probe = await execIn(node.container, ['sh', '-c',
    `conntrack -L -p ${proto} --orig-src ${real.src} --orig-dst ${real.dst} --sport ${sport} --dport ${dport} 2>/dev/null; echo ==CHAINLAB==; iptables-save -c`]);
  const [ctText, afterText] = probe.stdout.split('==CHAINLAB==\n') as [string, string | undefined];
  if (afterText === undefined || !afterText.includes('*')) throw new VerifyError(`reading the rules of ${node.name} after sending failed: ${probe.output.trim().slice(-400)}`);
  const ctLine = ctText.split('\n').find((l) => /\bsrc=/.test(l)) ?? null;
  const conntrack = ctLine !== null ? parseConntrackLine(ctLine) : null;
  const counters = diffCounters(countedRules(before), countedRules(parseSave(node.name, afterText)));

  const named = nameTheAnswer(answer, env.pods, conntrack?.reply.src ?? real.dst);
  let cmp = compareVerify({ proto, paths, outcomes, counters, conntrack, answer: named });
  const hop2 = await secondHop(env, node, real, dport, cmp, befores, named, seams);
  // The other node explains the answer: the entry node's prediction ends at its own eth0.
  if (hop2 !== null) cmp = compareVerify({ proto, paths, outcomes, counters, conntrack, answer: named, checkAnswer: false });
  const disagreements = [...cmp.disagreements, ...(hop2 ?? [])];
  return {
    node: node.name,
    sent,
    from: sender.from,
    predicted: cmp.path.trace,
    observed: {
      rulesHit: cmp.rulesHit,
      conntrack: conntrack?.line ?? null,
      dnatTo: cmp.dnatTo,
      snatTo: cmp.snatTo,
      answer: describeAnswer(named),
    },
    disagreements,
  };
}

/**
 * A packet DNATed (or sent) to a pod on another node crosses that node too:
 * its counters and conntrack entry are compared with the engine's trace of the
 * packet as it arrives there (after the entry node's rewrites). Sentences name
 * that node.
 */
async function secondHop(env: VerifyEnv, entry: VerifyNode, real: Packet, dport: number, first: Comparison, befores: ReadonlyMap<string, Ruleset>, answer: Answer, seams: VerifySeams): Promise<string[] | null> {
  const [dstIP, dstPort] = first.dnatTo !== null ? splitHostPort(first.dnatTo) : [real.dst, dport];
  const pod = env.pods.find((p) => p.ip === dstIP && p.node !== entry.name && !env.nodes.some((n) => n.ip === p.ip));
  const there = pod && env.nodes.find((n) => n.name === pod.node);
  const before = there && befores.get(there.name);
  if (!pod || !there || !before) return null;
  const [srcIP, srcPort] = first.snatTo !== null ? splitHostPort(first.snatTo) : [real.src, real.sport!];
  const arriving: Packet = { ingress: 'external', proto: real.proto, src: srcIP, sport: srcPort, dst: dstIP, dport: dstPort };
  const probe = await execIn(there.container, ['sh', '-c',
    `conntrack -L -p ${real.proto} --orig-src ${srcIP} --orig-dst ${dstIP} --sport ${srcPort} --dport ${dstPort} 2>/dev/null; echo ==CHAINLAB==; iptables-save -c`]);
  const [ctText, afterText] = probe.stdout.split('==CHAINLAB==\n') as [string, string | undefined];
  if (afterText === undefined || !afterText.includes('*')) throw new VerifyError(`reading the rules of ${there.name} after sending failed: ${probe.output.trim().slice(-400)}`);
  const ctLine = ctText.split('\n').find((l) => /\bsrc=/.test(l)) ?? null;
  const { paths, outcomes } = predictPaths(rulesToPredict(there.name, before, seams), env.describe(there.name), arriving);
  const cmp = compareVerify({
    proto: real.proto, paths, outcomes, conntrack: ctLine !== null ? parseConntrackLine(ctLine) : null, answer,
    counters: diffCounters(countedRules(before), countedRules(parseSave(there.name, afterText))),
  });
  return cmp.disagreements.map((d) => `On ${there.name}, where pod ${pod.namespace}/${pod.name} runs (the packet arrives as ${srcIP}:${srcPort} → ${dstIP}:${dstPort}): ${d}`);
}

function rulesToPredict(node: string, live: Ruleset, seams: VerifySeams): Ruleset {
  const given = seams.predictFrom?.[node];
  return given !== undefined ? parseSave(`${node} (given)`, given) : live;
}

function splitHostPort(hp: string): [string, number] {
  const i = hp.lastIndexOf(':');
  return [hp.slice(0, i), Number(hp.slice(i + 1))];
}

// ---- Who sends ----

type Sender =
  | { kind: 'host'; src: string; from: string }
  | { kind: 'node'; src: string; from: string; bind: boolean }
  | { kind: 'pod'; src: string; from: string; netns: string };

async function chooseSender(env: VerifyEnv, node: VerifyNode, packet: Packet): Promise<Sender> {
  if (packet.ingress === 'external') {
    const info = (await env.docker.getNetwork(env.network).inspect()) as { IPAM?: { Config?: { Gateway?: string }[] } };
    const gw = info.IPAM?.Config?.[0]?.Gateway;
    if (!gw) throw new VerifyError(`the lab network ${env.network} has no gateway address: this computer cannot send into it`);
    // This computer reaches a node only at the node's own address; anything else would leave by its default route.
    if (packet.dst !== node.ip) {
      throw new VerifyError(`from outside, Chainlab sends from this computer (${gw}), which reaches node ${node.name} only at its address ${node.ip}; to verify a packet to ${packet.dst}, send it from a node or a pod`);
    }
    return { kind: 'host', src: gw, from: `the host (${gw})${packet.src !== gw ? `, not ${packet.src} as asked: this computer is the only sender outside the nodes` : ''}` };
  }
  if (packet.ingress === 'pod') {
    const pod = env.pods.find((p) => p.node === node.name && p.ip === packet.src && p.ip !== node.ip);
    const onNode = env.pods.filter((p) => p.node === node.name && p.ip !== node.ip && node.pods.has(`${p.namespace}/${p.name}`));
    if (!pod) throw new VerifyError(`no pod on ${node.name} has the address ${packet.src}; pods there: ${onNode.map((p) => `${p.namespace}/${p.name} (${p.ip})`).join(', ') || 'none'}`);
    const netns = node.pods.get(`${pod.namespace}/${pod.name}`);
    if (!netns) throw new VerifyError(`pod ${pod.namespace}/${pod.name} has no network namespace on ${node.name} yet (is it running?)`);
    return { kind: 'pod', src: pod.ip, from: `pod ${pod.namespace}/${pod.name} (${pod.ip}) on ${node.name}`, netns };
  }
  // A node's own process: bound to the asked source when the node has that address, else the route's choice.
  const r = await execIn(node.container, ['sh', '-c', `ip -4 -o addr show | awk '{print $4}'; echo ==; ip -4 route get ${packet.dst}`]);
  const [addrs, route] = r.stdout.split('==\n') as [string, string | undefined];
  const local = addrs.split('\n').map((a) => a.split('/')[0]!).filter(Boolean);
  if (local.includes(packet.src)) return { kind: 'node', src: packet.src, from: `node ${node.name} (${packet.src})`, bind: true };
  const src = /\bsrc (\S+)/.exec(route ?? '')?.[1];
  if (!src) throw new VerifyError(`node ${node.name} has no route to ${packet.dst}: ${r.output.trim()}`);
  return { kind: 'node', src, from: `node ${node.name} (${src}, not ${packet.src} as asked: the node has no such address, so its route chooses the source)`, bind: false };
}

/** Only the lab's own addresses, and never a packet the prediction sends out of the lab. */
function assertStaysInLab(env: VerifyEnv, node: VerifyNode, p: Packet, paths: PredictedPath[]): void {
  const nodeIPs = new Set(env.nodes.map((n) => n.ip));
  const inLab = (ip: string): boolean => nodeIPs.has(ip) || inCidr(env.clusterCIDR, ip) || inCidr(env.serviceCIDR, ip) || (p.ingress === 'node' && inCidr('127.0.0.0/8', ip));
  if (!inLab(p.dst)) throw new VerifyError(`${p.dst} is not in the lab (nodes ${[...nodeIPs].join(', ')}, pods ${env.clusterCIDR}, Services ${env.serviceCIDR}): Chainlab sends real packets only inside the lab`);
  for (const path of paths) {
    const d = path.trace.delivery;
    if (d.kind === 'forward' && !inLab(d.to)) {
      throw new VerifyError(`the prediction forwards this packet out of the lab (to ${d.to} via ${d.via} on ${node.name}); Chainlab does not send packets outside the lab`);
    }
  }
}

// ---- What is sent ----

const DNS_NAME = 'kubernetes.default.svc.cluster.local';

function sentCommand(s: Sender, p: Packet, dport: number): string {
  const prefix = s.kind === 'pod' ? `ip netns exec ${s.netns} ` : '';
  if (p.proto === 'tcp') {
    const bind = s.kind === 'node' && s.bind ? ` --interface ${p.src}` : '';
    return `${prefix}curl -s -m ${VERIFY_TIMEOUT_S} --local-port ${p.sport}${bind} http://${p.dst}:${dport}/`;
  }
  return `one UDP datagram from ${p.src}:${p.sport} to ${p.dst}:${dport} (${dport === 53 ? `a DNS query: A ${DNS_NAME}` : 'the text "chainlab verify"'}), answer awaited ${VERIFY_TIMEOUT_S} s`;
}

/** The DNS query (id 0x4c42, recursion desired) or a plain line. */
function udpPayload(dport: number): Buffer {
  if (dport !== 53) return Buffer.from('chainlab verify\n');
  const qname = Buffer.concat([...DNS_NAME.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
  return Buffer.concat([Buffer.from([0x4c, 0x42, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]), qname, Buffer.from([0, 1, 0, 1])]);
}

/** `DNS answer: A 10.96.0.1` / `NXDOMAIN` / `a 12-byte reply`. */
function describeUdpReply(dport: number, b: Buffer): string {
  if (dport !== 53 || b.length < 12) return `a ${b.length}-byte UDP reply`;
  const rcode = b[3]! & 0x0f;
  const an = b.readUInt16BE(6);
  if (rcode !== 0) return `a DNS answer: ${['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'][rcode] ?? `rcode ${rcode}`}`;
  if (an > 0 && b.length >= 4) return `a DNS answer: ${DNS_NAME} A ${[...b.subarray(b.length - 4)].join('.')}`;
  return 'a DNS answer with no address';
}

/** TCP with an HTTP GET, or one UDP datagram, from this computer (Node's own sockets). */
async function sendFromHost(p: Packet, dport: number): Promise<Answer> {
  const ms = VERIFY_TIMEOUT_S * 1000;
  if (p.proto === 'udp') {
    return new Promise<Answer>((resolve) => {
      const sock = createSocket('udp4');
      const done = (a: Answer): void => { clearTimeout(timer); sock.close(); resolve(a); };
      const timer = setTimeout(() => done({ kind: 'timeout', seconds: VERIFY_TIMEOUT_S }), ms);
      sock.on('message', (m) => done({ kind: 'reply', text: describeUdpReply(dport, m) }));
      sock.on('error', (e: NodeJS.ErrnoException) => done(errnoAnswer(e)));
      sock.bind(p.sport, () => sock.connect(dport, p.dst, () => sock.send(udpPayload(dport))));
    });
  }
  return new Promise<Answer>((resolve) => {
    const sock = netConnect({ host: p.dst, port: dport, localPort: p.sport });
    let data = '';
    let settled = false;
    const done = (a: Answer): void => { if (settled) return; settled = true; clearTimeout(timer); sock.destroy(); resolve(a); };
    const timer = setTimeout(() => done({ kind: 'timeout', seconds: VERIFY_TIMEOUT_S }), ms);
    // HTTP/1.0: the server closes, so the answer ends with the connection.
    sock.on('connect', () => sock.write(`GET / HTTP/1.0\r\nHost: ${p.dst}:${dport}\r\nUser-Agent: chainlab-verify\r\n\r\n`));
    sock.on('data', (c: Buffer) => { data += c.toString('latin1'); });
    sock.on('end', () => done(httpAnswer(data)));
    sock.on('error', (e: NodeJS.ErrnoException) => done(data !== '' ? httpAnswer(data) : errnoAnswer(e)));
  });
}

function errnoAnswer(e: NodeJS.ErrnoException): Answer {
  if (e.code === 'ECONNREFUSED') return { kind: 'refused', text: 'connection refused' };
  if (e.code === 'ECONNRESET') return { kind: 'reply', text: 'connection reset by the server' };
  if (e.code === 'EHOSTUNREACH' || e.code === 'ENETUNREACH') return { kind: 'unreachable', text: `${e.code === 'EHOSTUNREACH' ? 'host' : 'network'} unreachable (an ICMP error came back)` };
  throw new VerifyError(`sending failed: ${e.message}`);
}

function httpAnswer(raw: string): Answer {
  const status = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(raw)?.[1];
  if (status === undefined) return { kind: 'reply', text: raw === '' ? 'connected, then closed with no answer' : 'connected; the answer is not HTTP' };
  const server = /\r?\nServer: ([^\r\n]+)/i.exec(raw)?.[1];
  return { kind: 'reply', text: `HTTP ${status}${server ? ` (${server})` : ''}` };
}

/** TCP with curl, or one UDP datagram with python3, in the node or the pod's namespace. */
async function sendFromNode(node: VerifyNode, s: Exclude<Sender, { kind: 'host' }>, p: Packet, dport: number): Promise<Answer> {
  const prefix = s.kind === 'pod' ? ['ip', 'netns', 'exec', s.netns] : [];
  if (p.proto === 'tcp') {
    const bind = s.kind === 'node' && s.bind ? ['--interface', p.src] : [];
    const r = await execIn(node.container, [...prefix, 'curl', '-sS', '-m', String(VERIFY_TIMEOUT_S), '--local-port', String(p.sport), ...bind,
      '-o', '/dev/null', '-D', '-', `http://${p.dst}:${dport}/`], { timeoutMs: 20_000 });
    return curlAnswer(r.exitCode, r.stdout, r.stderr);
  }
  const py = `import socket, sys, base64
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("${s.kind === 'node' && !s.bind ? '' : p.src}", ${p.sport}))
s.settimeout(${VERIFY_TIMEOUT_S})
s.connect(("${p.dst}", ${dport}))
s.send(base64.b64decode("${udpPayload(dport).toString('base64')}"))
try:
    print("reply " + base64.b64encode(s.recv(4096)).decode())
except socket.timeout:
    print("timeout")
except ConnectionRefusedError:
    print("refused")
except OSError as e:
    print("error " + str(e))
`;
  const r = await execIn(node.container, [...prefix, 'python3', '-c', py], { timeoutMs: 20_000 });
  const out = r.stdout.trim();
  if (out.startsWith('reply ')) return { kind: 'reply', text: describeUdpReply(dport, Buffer.from(out.slice(6), 'base64')) };
  if (out === 'timeout') return { kind: 'timeout', seconds: VERIFY_TIMEOUT_S };
  if (out === 'refused') return { kind: 'refused', text: 'port unreachable (an ICMP error came back: nothing took the datagram)' };
  if (/unreachable/i.test(out)) return { kind: 'unreachable', text: out.replace(/^error /, '') };
  throw new VerifyError(`sending the datagram failed on ${node.name}: ${r.output.trim().slice(-400)}`);
}

/** curl's exit status and words, as an answer (see curl's EXIT CODES). */
export function curlAnswer(code: number, stdout: string, stderr: string): Answer {
  const msg = stderr.trim().replace(/^curl: \(\d+\) /, '');
  if (code === 0) return httpAnswer(stdout);
  if (code === 28) return { kind: 'timeout', seconds: VERIFY_TIMEOUT_S };
  if (code === 7 && /refused/i.test(msg)) return { kind: 'refused', text: 'connection refused' };
  if (code === 7 && /no route|unreachable/i.test(msg)) return { kind: 'unreachable', text: `${msg.replace(/^.*: /, '').toLowerCase()} (an ICMP error came back)` };
  // 52 empty reply, 56 reset, 8/1 not HTTP: the connection was made, then ended.
  if (code === 52) return { kind: 'reply', text: 'connected, then closed with no answer' };
  if (code === 56 || code === 8 || code === 1 || code === 35) return { kind: 'reply', text: `connected; then ${msg || `curl exit ${code}`}` };
  throw new VerifyError(`curl could not send the packet (exit ${code}): ${msg || stdout.trim()}`);
}

/** `HTTP 200 (nginx/1.22.1)` → `HTTP 200 (nginx/1.22.1) from pod default/nginx-… (10.244.1.3)` when the answering address is a pod's. */
function nameTheAnswer(a: Answer, pods: PodSummary[], answeredBy: string): Answer {
  if (a.kind !== 'reply') return a;
  const pod = pods.find((p) => p.ip === answeredBy);
  return pod ? { kind: 'reply', text: `${a.text} from pod ${pod.namespace}/${pod.name} (${pod.ip})` } : a;
}

// ---- The prediction ----

function parseSave(what: string, text: string): Ruleset {
  const parsed = parseIptablesSave(text, { file: `${what}:iptables-save` });
  if (!parsed.ok) throw new VerifyError(parsed.errors.map(formatError).join('\n'));
  return parsed.value;
}

async function iptablesSave(node: VerifyNode): Promise<string> {
  const r = await execIn(node.container, ['iptables-save', '-c']);
  if (r.exitCode !== 0) throw new VerifyError(`iptables-save on ${node.name} failed: ${r.output.trim()}`);
  return r.stdout;
}

/**
 * Every way the packet can go, each with its steps: the exact enumeration of
 * statistic branches (as the engine's outcomes), recording the rules of each
 * path, so the observed path can be compared with the predicted path that
 * ends where the kernel sent the packet.
 */
export function predictPaths(rules: Ruleset, node: NodeDescription, packet: Packet): { paths: PredictedPath[]; outcomes: OutcomeDetail[] } {
  const compiled = compileRuleset(rules);
  const view = nodeView(node);
  const table = new ConntrackTable();
  const outcomes = exactOutcomes(compiled, view, packet, table);
  const paths: PredictedPath[] = [];
  const stack: boolean[][] = [[]];
  while (stack.length > 0 && paths.length < MAX_PATHS) {
    const prefix = stack.pop()!;
    const d = new ForcedDecider(prefix);
    const r = walkPacket(compiled, view, packet, { record: true, commit: false, decider: d, table });
    for (let j = d.decisions.length - 1; j >= prefix.length; j--) {
      const dj = d.decisions[j]!;
      if ((!dj.taken ? dj.p : 1 - dj.p) > 0) stack.push([...d.decisions.slice(0, j).map((x) => x.taken), !dj.taken]);
    }
    const probability = d.probability();
    if (probability <= 0) continue;
    paths.push({
      probability,
      trace: { hooks: r.hooks, steps: r.steps, verdict: r.verdict, dnatTo: r.dnatTo, masquerade: r.masquerade, snatTo: r.snatTo, mark: r.mark, delivery: r.delivery, outcomes },
    });
  }
  return { paths: paths.sort((a, b) => b.probability - a.probability), outcomes };
}
