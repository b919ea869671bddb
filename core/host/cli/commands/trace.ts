// `chainlab trace`: follow one packet through a saved ruleset, rule by rule,
// or through the rules installed on a node of a lab (`--lab`), and on a docker
// lab send it for real and compare (`--verify`).
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { formatError, type UserError } from '../../../engine/errors.js';
import { parseIptablesSave } from '../../../engine/iptables/index.js';
import { parseCidr, parseIP } from '../../../engine/net/ip.js';
import {
  describeDelivery,
  formatPercent,
  formatSampleText,
  formatTraceText,
  sampleOutcomes,
  tracePacket,
  UnsupportedRuleError,
  type Ingress,
  type NodeDescription,
  type Packet,
  type Protocol,
} from '../../../engine/packet/index.js';
import { EXIT_USAGE, type CliIO, type Command } from '../io.js';
import type { VerifyResult } from '../../../lab/backend.js';
import type { SimLab } from '../../../lab/index.js';
import { describeNode } from '../../../lab/node/traffic.js';
import { withLab } from '../../lab/session.js';
import { VerifyError } from '../../docker/verify.js';
import { guarded, onDockerNodes, pickLab } from './lab-cmds.js';

export const USAGE = `Usage: chainlab trace --rules FILE --node-ip CIDR [--node-ip CIDR…] --from external|pod|node
                      --src IP [--sport N] --dst IP --dport N [options]
       chainlab trace --lab NAME [--node NODE] [--verify] --from external|pod|node
                      --src IP [--sport N] --dst IP --dport N [options]

Follows one packet through the netfilter hooks of a node, in kernel order, and
prints every rule it meets, every rewrite, the verdict and where it lands.

With --lab the rules are the ones installed on a node of that lab (read back
from the node on the docker backend). With --verify (docker labs only) the
packet is also sent for real in the lab (curl for TCP, one datagram for UDP;
"external" packets leave from this computer), and what the kernel did (rule
counters, the conntrack entry, the answer) is compared with the prediction.
--verify exits 0 when the kernel agrees, 1 when it does not.

Options:
  --rules FILE          iptables-save output of the node ('-' reads standard input)
  --node-ip CIDR        an address of the node, with its prefix (repeatable)
  --pod-cidr CIDR       this node's pod range (on cni0)
  --cluster-cidr CIDR   the whole cluster's pod range (other nodes' pods)
  --lab NAME            a lab made with chainlab up (instead of --rules and --node-ip)
  --node NODE           the lab node the packet enters (default: the node that owns
                        --dst for external, --src for pod and node packets)
  --verify              send the packet for real and compare (docker labs)
  --from WHERE          external (arrives on eth0), pod (arrives on cni0), node (a local process)
  --src IP, --sport N   source address and port (default port 40000)
  --dst IP, --dport N   destination address and port
  --proto P             tcp (default), udp, sctp or icmp
  --route-localnet      net.ipv4.conf.all.route_localnet=1 (kube-proxy sets it for localhost NodePorts)
  --seed N              seed of the statistic generator (default 1)
  --runs N              also send N packets and count where they end
  --format F, -o F      text (default) or json
  --color               colour the text even when stdout is not a terminal
  --matched-only        list only the rules that matched (text format)
`;

interface Flags {
  rules?: string;
  lab?: string;
  node?: string;
  verify: boolean;
  nodeIps: string[];
  podCidr?: string;
  clusterCidr?: string;
  from?: string;
  src?: string;
  sport?: string;
  dst?: string;
  dport?: string;
  proto: string;
  seed: string;
  runs?: string;
  format: string;
  color: boolean;
  routeLocalnet: boolean;
  matchedOnly: boolean;
}

class FlagError extends Error {}

const VALUE_FLAGS: Record<string, keyof Flags> = {
  '--rules': 'rules',
  '--pod-cidr': 'podCidr',
  '--cluster-cidr': 'clusterCidr',
  '--from': 'from',
  '--src': 'src',
  '--sport': 'sport',
  '--dst': 'dst',
  '--dport': 'dport',
  '--proto': 'proto',
  '--seed': 'seed',
  '--runs': 'runs',
  '--format': 'format',
  '-o': 'format',
  '--lab': 'lab',
  '--node': 'node',
};

function parseFlags(argv: string[]): Flags | 'help' {
  const f: Flags = { nodeIps: [], verify: false, proto: 'tcp', seed: '1', format: 'text', color: false, routeLocalnet: false, matchedOnly: false };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]!;
    let inline: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      inline = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--color') {
      f.color = true;
      continue;
    }
    if (arg === '--route-localnet') {
      f.routeLocalnet = true;
      continue;
    }
    if (arg === '--matched-only') {
      f.matchedOnly = true;
      continue;
    }
    if (arg === '--verify') {
      f.verify = true;
      continue;
    }
    const takeValue = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) throw new FlagError(`${arg} needs a value`);
      return v;
    };
    if (arg === '--node-ip') {
      f.nodeIps.push(takeValue());
      continue;
    }
    const key = VALUE_FLAGS[arg];
    if (key === undefined) throw new FlagError(`unknown flag '${arg}'`);
    (f as unknown as Record<string, string>)[key] = takeValue();
  }
  return f;
}

function port(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) > 65535) throw new FlagError(`${name} '${text}' is not a port (0-65535)`);
  return Number(text);
}

function address(name: string, text: string | undefined): string {
  if (text === undefined) throw new FlagError(`${name} is required`);
  if (parseIP(text) === null) throw new FlagError(`${name} '${text}' is not an IP address`);
  return text;
}

function cidr(name: string, text: string): string {
  if (parseCidr(text) === null) throw new FlagError(`${name} '${text}' is not a CIDR (like 192.168.0.2/24)`);
  return text;
}

function buildInputs(f: Flags): { node: NodeDescription; packet: Packet; seed: number; runs: number | null } {
  if (f.rules === undefined) throw new FlagError('--rules is required');
  if (f.nodeIps.length === 0) throw new FlagError('--node-ip is required (the node\'s own address, like 192.168.0.2/24)');
  const { packet, seed, runs } = buildPacket(f);
  const node: NodeDescription = {
    name: 'node',
    addresses: f.nodeIps.map((a) => cidr('--node-ip', a)),
    routeLocalnet: f.routeLocalnet,
  };
  if (f.podCidr !== undefined) node.podCIDR = cidr('--pod-cidr', f.podCidr);
  if (f.clusterCidr !== undefined) node.peers = [{ name: '', ip: '', podCIDR: cidr('--cluster-cidr', f.clusterCidr) }];
  return { node, packet, seed, runs };
}

function buildPacket(f: Flags): { packet: Packet; seed: number; runs: number | null } {
  const from = f.from;
  if (from !== 'external' && from !== 'pod' && from !== 'node') throw new FlagError(`--from must be external, pod or node${from !== undefined ? `, not '${from}'` : ''}`);
  const proto = f.proto;
  if (proto !== 'tcp' && proto !== 'udp' && proto !== 'sctp' && proto !== 'icmp') throw new FlagError(`--proto must be tcp, udp, sctp or icmp, not '${proto}'`);
  const src = address('--src', f.src);
  const dst = address('--dst', f.dst);
  if ((parseIP(src)!.family) !== parseIP(dst)!.family) throw new FlagError(`--src ${src} and --dst ${dst} are not of the same IP family`);
  const dport = port('--dport', f.dport);
  if (dport === undefined && proto !== 'icmp') throw new FlagError('--dport is required');
  const sport = port('--sport', f.sport);
  if (!/^\d+$/.test(f.seed)) throw new FlagError(`--seed '${f.seed}' is not a whole number`);
  let runs: number | null = null;
  if (f.runs !== undefined) {
    if (!/^\d+$/.test(f.runs) || Number(f.runs) < 1 || Number(f.runs) > 10_000_000) throw new FlagError(`--runs '${f.runs}' must be a whole number from 1 to 10000000`);
    runs = Number(f.runs);
  }
  if (f.format !== 'text' && f.format !== 'json') throw new FlagError(`--format must be text or json, not '${f.format}'`);
  const packet: Packet = { ingress: from as Ingress, proto: proto as Protocol, src, dst };
  if (sport !== undefined) packet.sport = sport;
  if (dport !== undefined) packet.dport = dport;
  return { packet, seed: Number(f.seed), runs };
}

/** The column of `token` (`-m physdev`) in the rule's line, for `FILE:line:col`. */
function withColumn(e: UserError, text: string, token: string | null): UserError {
  if (e.line === undefined || token === null) return e;
  const line = text.split('\n')[e.line - 1];
  const at = line?.indexOf(token) ?? -1;
  return at < 0 ? e : { ...e, column: at + 1 };
}

export const run: Command = async (argv: string[], io: CliIO) => {
  let parsed: Flags | 'help';
  let inputs: ReturnType<typeof buildInputs>;
  try {
    parsed = parseFlags(argv);
    if (parsed === 'help') {
      io.stdout(USAGE);
      return 0;
    }
    if (parsed.lab !== undefined) {
      if (parsed.rules !== undefined || parsed.nodeIps.length > 0) throw new FlagError('--lab reads the rules from the lab\'s node: leave out --rules and --node-ip');
      const onLab = buildPacket(parsed);
      return await runOnLab(parsed, parsed.lab, onLab.packet, onLab.seed, io);
    }
    if (parsed.verify) throw new FlagError('--verify needs --lab NAME (a docker lab): a saved ruleset has no kernel to send the packet through');
    if (parsed.node !== undefined) throw new FlagError('--node names a node of a lab: give --lab NAME too');
    inputs = buildInputs(parsed);
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    io.stderr(`chainlab trace: ${e.message}\nRun 'chainlab trace --help' for the options.\n`);
    return EXIT_USAGE;
  }
  const flags = parsed;
  const file = flags.rules!;
  let text: string;
  try {
    text = file === '-' ? await io.readStdin() : await readFile(resolve(io.cwd, file), 'utf8');
  } catch (e) {
    io.stderr(`chainlab trace: cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}\n`);
    return EXIT_USAGE;
  }
  const shownFile = file === '-' ? '<stdin>' : file;
  const rs = parseIptablesSave(text, { file: shownFile });
  if (!rs.ok) {
    io.stderr(rs.errors.map((e) => formatError({ file: shownFile, ...e }) + '\n').join(''));
    return EXIT_USAGE;
  }
  try {
    const trace = tracePacket(rs.value, inputs.node, inputs.packet, { seed: inputs.seed });
    const sample = inputs.runs !== null ? sampleOutcomes(rs.value, inputs.node, inputs.packet, inputs.runs, inputs.seed) : null;
    if (flags.format === 'json') {
      io.stdout(JSON.stringify(sample !== null ? { ...trace, sampled: sample } : trace, null, 2) + '\n');
    } else {
      const color = flags.color || (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== '0') || isTty();
      io.stdout(formatTraceText(trace, { color, matchedOnly: flags.matchedOnly }) + (sample !== null ? '\n' + formatSampleText(sample) : ''));
    }
    return 0;
  } catch (e) {
    if (!(e instanceof UnsupportedRuleError)) throw e;
    io.stderr(formatError(withColumn({ file: shownFile, ...e.userError }, text, e.token)) + '\n');
    return EXIT_USAGE;
  }
};

/** The node a packet enters when --node is not given: the one that owns the address the packet starts from or goes to. */
function entryNode(lab: SimLab, packet: Packet): string | undefined {
  const rt = lab.runtime;
  if (packet.ingress === 'external') return rt.state.nodes.find((n) => n.ip === packet.dst)?.name;
  if (packet.ingress === 'node') return rt.state.nodes.find((n) => n.ip === packet.src)?.name;
  const pod = rt.api.all('Pod').find((p) => (p.status as { podIP?: string } | undefined)?.podIP === packet.src && !(p.spec as { hostNetwork?: boolean }).hostNetwork);
  return (pod?.spec as { nodeName?: string } | undefined)?.nodeName;
}

async function runOnLab(flags: Flags, labName: string, packet: Packet, seed: number, io: CliIO): Promise<number> {
  const name = await pickLab(io, 'trace', labName);
  if (typeof name === 'number') return name;
  return guarded(io, 'trace', () => withLab(name, `trace ${packet.proto} ${packet.src} → ${packet.dst}${flags.verify ? ' --verify' : ''}`, { env: io.env }, async ({ lab }) => {
    const nodes = lab.runtime.state.nodes.map((n) => n.name);
    const node = flags.node ?? entryNode(lab, packet);
    if (node === undefined) {
      io.stderr(`chainlab trace: which node does the packet enter? No node of lab "${name}" owns ${packet.ingress === 'external' ? packet.dst : packet.src}; give --node (${nodes.join(', ')})\n`);
      return EXIT_USAGE;
    }
    const simNode = lab.runtime.node(node);
    if (simNode === undefined) {
      io.stderr(`chainlab trace: lab "${name}" has no node "${node}" (nodes: ${nodes.join(', ')})\n`);
      return EXIT_USAGE;
    }
    const docker = lab.spec.backend === 'docker';
    if (flags.verify) {
      if (!docker) {
        io.stderr(`chainlab trace: --verify sends a real packet, and lab "${name}" runs on the ${lab.spec.backend} backend, which has no kernel to send it through; make a docker lab to verify (chainlab up --backend docker)\n`);
        return EXIT_USAGE;
      }
      let v: VerifyResult;
      try {
        v = await onDockerNodes(lab, (dl) => dl.verify(node, packet));
      } catch (e) {
        if (!(e instanceof VerifyError)) throw e;
        io.stderr(`chainlab trace: cannot verify: ${e.message}\n`);
        return 1;
      }
      io.stdout(flags.format === 'json' ? JSON.stringify(v, null, 2) + '\n' : formatVerifyText(v, colorOn(flags, io)));
      return v.disagreements.length === 0 ? 0 : 1;
    }
    const rules = docker ? await onDockerNodes(lab, (dl) => dl.installedRules(node)) : await lab.installedRules(node);
    try {
      const trace = tracePacket(rules, describeNode(lab.runtime, simNode), packet, { seed });
      io.stdout(flags.format === 'json' ? JSON.stringify(trace, null, 2) + '\n' : formatTraceText(trace, { color: colorOn(flags, io), matchedOnly: flags.matchedOnly }));
      return 0;
    } catch (e) {
      if (!(e instanceof UnsupportedRuleError)) throw e;
      io.stderr(formatError({ file: `${node}:iptables-save`, ...e.userError }) + '\n');
      return EXIT_USAGE;
    }
  }));
}

function colorOn(flags: Flags, io: CliIO): boolean {
  return flags.color || (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== '0') || isTty();
}

/** Prediction, observation, and the verdict of the comparison, for a terminal. */
export function formatVerifyText(v: VerifyResult, color: boolean): string {
  const bold = (s: string): string => (color ? `\u001b[1m${s}\u001b[0m` : s);
  const p = v.predicted;
  const out: string[] = [`Sent ${v.sent}`, `from ${v.from}, into node ${v.node}`, '', bold('Predicted: the rules matched on the predicted path that ends where the kernel sent the packet')];
  for (const s of p.steps) if (s.matched && s.ruleNumber > 0) out.push(`  ${s.hook.padEnd(11)} ${s.table}  ${s.rule}${s.action !== undefined ? `  → ${s.action}` : ''}`);
  const rew = [p.dnatTo !== null ? `destination → ${p.dnatTo}` : '', p.snatTo !== null || p.masquerade ? `source → ${p.snatTo ?? '?'}${p.masquerade ? ' (MASQUERADE)' : ''}` : ''].filter(Boolean);
  out.push(`  Rewrites: ${rew.join('; ') || 'none'}`, `  Verdict: ${p.verdict} — ${describeDelivery(p.delivery)}`);
  out.push(`  Outcomes: ${p.outcomes.map((o) => `${o.key} ${formatPercent(o.probability)}`).join(', ')}`);
  out.push('', bold('Observed: what the kernel did'), '  Rules whose packet counters rose (nat counts the first packet of a connection, other tables every packet, replies too):');
  for (const r of v.observed.rulesHit) out.push(`    ${r}`);
  if (v.observed.rulesHit.length === 0) out.push('    (none)');
  out.push(`  Conntrack: ${v.observed.conntrack ?? '(no entry)'}`);
  const orew = [v.observed.dnatTo !== null ? `destination → ${v.observed.dnatTo}` : '', v.observed.snatTo !== null ? `source → ${v.observed.snatTo}` : ''].filter(Boolean);
  out.push(`  Rewrites: ${orew.join('; ') || 'none'}`, `  Answer: ${v.observed.answer}`, '');
  if (v.disagreements.length === 0) out.push(bold('The kernel agrees with the prediction.'));
  else {
    out.push(bold(`The kernel disagrees with the prediction (${v.disagreements.length}):`));
    for (const d of v.disagreements) out.push(`  - ${d}`);
  }
  return out.join('\n') + '\n';
}

function isTty(): boolean {
  return typeof process !== 'undefined' && process.stdout.isTTY === true;
}
