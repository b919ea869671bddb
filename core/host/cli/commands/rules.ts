// `chainlab rules -f FILE …`: the iptables rules kube-proxy writes on one node
// for the Kubernetes objects in FILE(s), as its iptables-restore input
// (`--output restore`, default) or as the node's whole `iptables-save`.

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from '../io.js';
import { EXIT_USAGE } from '../io.js';
import { formatError } from '../../../engine/errors.js';
import type { UserError } from '../../../engine/errors.js';
import type { K8sObject } from '../../../engine/k8s/types.js';
import { parseObjects } from '../../../engine/k8s/parse.js';
import type { HostFacts, KubeProxyVersion } from '../../../engine/proxier/index.js';
import { nodeIptablesSave, proxierInputFrom, syncProxyRules } from '../../../engine/proxier/index.js';

export const HELP = `Print the iptables rules kube-proxy writes on one node for Kubernetes objects.

Usage:
  chainlab rules -f FILE [-f FILE...] [options]

FILE holds Services, EndpointSlices (or legacy Endpoints), Nodes and optionally a
KubeProxyConfiguration, as YAML or JSON (multi-document, or kind: List as
'kubectl get -o yaml' prints it). '-' reads standard input.

Options:
  -f, --filename FILE          objects to read (repeatable)
      --node NAME              the node kube-proxy runs on (default: the only Node)
  -o, --output restore|save    restore: kube-proxy's iptables-restore input (default);
                               save: the node's whole iptables-save after kubelet and kube-proxy
      --kube-proxy-version V   1.33 (default) or 1.22
      --random-fully=BOOL      iptables supports MASQUERADE --random-fully (default true)
      --nfacct=BOOL            nfacct counters are available (default false)
      --tcp-be-liberal         nf_conntrack_tcp_be_liberal is 1 (no INVALID drop rule)
  -h, --help                   show this help
`;

interface Flags {
  files: string[];
  node?: string;
  output: 'restore' | 'save';
  version: KubeProxyVersion;
  facts: Partial<HostFacts>;
}

function parseBool(flag: string, v: string): boolean | string {
  if (v === 'true') return true;
  if (v === 'false') return false;
  return `invalid value "${v}" for ${flag}: must be true or false`;
}

/** Flags or a message saying which one is wrong. */
export function parseFlags(argv: readonly string[]): Flags | string {
  const f: Flags = { files: [], output: 'restore', version: '1.33', facts: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const inline = a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : undefined;
    const value = (): string | undefined => inline ?? argv[++i];
    switch (name) {
      case '-f':
      case '--filename': {
        const v = value();
        if (v === undefined || v === '') return `flag needs an argument: ${name}`;
        f.files.push(v);
        break;
      }
      case '--node': {
        const v = value();
        if (v === undefined || v === '') return 'flag needs an argument: --node';
        f.node = v;
        break;
      }
      case '-o':
      case '--output': {
        const v = value();
        if (v !== 'restore' && v !== 'save') return `invalid value "${v ?? ''}" for ${name}: must be restore or save`;
        f.output = v;
        break;
      }
      case '--kube-proxy-version': {
        const v = value()?.replace(/^v/, '');
        if (v !== '1.33' && v !== '1.22') return `invalid value "${v ?? ''}" for --kube-proxy-version: supported versions are 1.33 and 1.22`;
        f.version = v;
        break;
      }
      case '--random-fully':
      case '--nfacct': {
        const b = parseBool(name, inline ?? 'true');
        if (typeof b === 'string') return b;
        f.facts[name === '--nfacct' ? 'nfacct' : 'randomFully'] = b;
        break;
      }
      case '--tcp-be-liberal': {
        const b = parseBool(name, inline ?? 'true');
        if (typeof b === 'string') return b;
        f.facts.tcpBeLiberal = b;
        break;
      }
      default:
        return `unknown flag: ${a}`;
    }
  }
  if (f.files.length === 0) return 'no input: give the objects with -f FILE (or -f - for standard input)';
  return f;
}

export const run: Command = async (argv, io) => {
  if (argv.includes('-h') || argv.includes('--help')) {
    io.stdout(HELP);
    return 0;
  }
  const flags = parseFlags(argv);
  if (typeof flags === 'string') {
    io.stderr(`chainlab rules: ${flags}\nRun 'chainlab rules --help' for usage.\n`);
    return EXIT_USAGE;
  }
  const objects: K8sObject[] = [];
  const errors: UserError[] = [];
  let stdinUsed = false;
  for (const file of flags.files) {
    let text: string;
    if (file === '-') {
      if (stdinUsed) continue;
      stdinUsed = true;
      text = await io.readStdin();
    } else {
      try {
        text = await readFile(resolve(io.cwd, file), 'utf8');
      } catch (e) {
        const code = (e as { code?: string }).code;
        errors.push({ file, message: code === 'ENOENT' ? 'no such file' : `cannot read: ${(e as Error).message}` });
        continue;
      }
    }
    const parsed = parseObjects(text, { file: file === '-' ? '<stdin>' : file });
    if (!parsed.ok) errors.push(...parsed.errors);
    else objects.push(...parsed.value.objects);
  }
  if (errors.length > 0) {
    io.stderr(errors.map((e) => `chainlab rules: ${formatError(e)}\n`).join(''));
    return EXIT_USAGE;
  }
  const input = proxierInputFrom(objects, { ...(flags.node !== undefined ? { nodeName: flags.node } : {}), version: flags.version, hostFacts: flags.facts });
  if (!input.ok) {
    io.stderr(input.errors.map((e) => `chainlab rules: ${formatError(e)}\n`).join(''));
    return EXIT_USAGE;
  }
  const out = syncProxyRules(input.value);
  if (flags.output === 'restore') {
    io.stdout(out.restore);
    return 0;
  }
  const saved = nodeIptablesSave(input.value, out);
  if (!saved.ok) {
    io.stderr(saved.errors.map((e) => `chainlab rules: internal error applying the rules: ${formatError(e)}\n`).join(''));
    return 1;
  }
  io.stdout(saved.value);
  return 0;
};
