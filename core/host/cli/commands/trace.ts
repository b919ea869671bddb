// `chainlab trace`: follow one packet through a saved ruleset, rule by rule.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { formatError, type UserError } from '../../../engine/errors.js';
import { parseIptablesSave } from '../../../engine/iptables/index.js';
import { parseCidr, parseIP } from '../../../engine/net/ip.js';
import {
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

export const USAGE = `Usage: chainlab trace --rules FILE --node-ip CIDR [--node-ip CIDR…] --from external|pod|node
                      --src IP [--sport N] --dst IP --dport N [options]

Follows one packet through the netfilter hooks of a node, in kernel order, and
prints every rule it meets, every rewrite, the verdict and where it lands.

Options:
  --rules FILE          iptables-save output of the node ('-' reads standard input)
  --node-ip CIDR        an address of the node, with its prefix (repeatable)
  --pod-cidr CIDR       this node's pod range (on cni0)
  --cluster-cidr CIDR   the whole cluster's pod range (other nodes' pods)
  --from WHERE          external (arrives on eth0), pod (arrives on cni0), node (a local process)
  --src IP, --sport N   source address and port (default port 40000)
  --dst IP, --dport N   destination address and port
  --proto P             tcp (default), udp, sctp or icmp
  --route-localnet      net.ipv4.conf.all.route_localnet=1 (kube-proxy sets it for localhost NodePorts)
  --seed N              seed of the statistic generator (default 1)
  --runs N              also send N packets and count where they end
  --format F            text (default) or json
  --color               colour the text even when stdout is not a terminal
  --matched-only        list only the rules that matched (text format)
`;

interface Flags {
  rules?: string;
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
};

function parseFlags(argv: string[]): Flags | 'help' {
  const f: Flags = { nodeIps: [], proto: 'tcp', seed: '1', format: 'text', color: false, routeLocalnet: false, matchedOnly: false };
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
  const node: NodeDescription = {
    name: 'node',
    addresses: f.nodeIps.map((a) => cidr('--node-ip', a)),
    routeLocalnet: f.routeLocalnet,
  };
  if (f.podCidr !== undefined) node.podCIDR = cidr('--pod-cidr', f.podCidr);
  if (f.clusterCidr !== undefined) node.peers = [{ name: '', ip: '', podCIDR: cidr('--cluster-cidr', f.clusterCidr) }];
  const packet: Packet = { ingress: from as Ingress, proto: proto as Protocol, src, dst };
  if (sport !== undefined) packet.sport = sport;
  if (dport !== undefined) packet.dport = dport;
  return { node, packet, seed: Number(f.seed), runs };
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

function isTty(): boolean {
  return typeof process !== 'undefined' && process.stdout.isTTY === true;
}
