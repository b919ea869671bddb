// kubectl for the lab: runKubectl(api, args, io) reads kubectl's arguments,
// calls the lab's API server and prints what kubectl v1.32 prints — tables,
// yaml/json, describe, action messages and error words — returning kubectl's
// exit status.

import type { ClusterApi } from '../cluster/api.js';
import { parseFlags, Flags, type FlagSpec } from './flags.js';
import { fail, type Ctx, type KubectlIO } from './io.js';
import { get, GET_FLAGS } from './commands/get.js';
import { describe, DESCRIBE_FLAGS } from './commands/describe.js';
import { APPLY_FLAGS, apply, CREATE_FLAGS, create, DELETE_FLAGS, del } from './commands/manifests.js';
import { RUN_FLAGS, run } from './commands/run.js';
import { EXPOSE_FLAGS, expose } from './commands/expose.js';
import { PATCH_FLAGS, patch, SCALE_FLAGS, scale, EDIT_FLAGS, edit } from './commands/change.js';
import { EXEC_FLAGS, exec, LOGS_FLAGS, logs } from './commands/pods.js';
import { clusterInfo, CLUSTER_INFO_FLAGS, version, VERSION_FLAGS, apiResources, API_RESOURCES_FLAGS } from './commands/info.js';
import { annotate, label, LABEL_FLAGS } from './commands/label.js';
import { rollout, ROLLOUT_FLAGS, wait, WAIT_FLAGS } from './commands/wait.js';
import { config, CONFIG_FLAGS } from './commands/config.js';
import { events, EVENTS_FLAGS, replace, REPLACE_FLAGS } from './commands/events.js';
import { helpFor, rootHelp, SUBCOMMANDS } from './help.js';

export type { KubectlIO } from './io.js';

interface Sub {
  flags: FlagSpec[];
  run: (ctx: Ctx, f: Flags) => Promise<number>;
}

const COMMANDS: Record<string, Sub> = {
  get: { flags: GET_FLAGS, run: get },
  describe: { flags: DESCRIBE_FLAGS, run: describe },
  run: { flags: RUN_FLAGS, run },
  create: { flags: CREATE_FLAGS, run: create },
  expose: { flags: EXPOSE_FLAGS, run: expose },
  apply: { flags: APPLY_FLAGS, run: apply },
  delete: { flags: DELETE_FLAGS, run: del },
  scale: { flags: SCALE_FLAGS, run: scale },
  patch: { flags: PATCH_FLAGS, run: patch },
  edit: { flags: EDIT_FLAGS, run: edit },
  logs: { flags: LOGS_FLAGS, run: logs },
  exec: { flags: EXEC_FLAGS, run: exec },
  version: { flags: VERSION_FLAGS, run: version },
  'cluster-info': { flags: CLUSTER_INFO_FLAGS, run: clusterInfo },
  'api-resources': { flags: API_RESOURCES_FLAGS, run: apiResources },
  label: { flags: LABEL_FLAGS, run: label },
  wait: { flags: WAIT_FLAGS, run: wait },
  config: { flags: CONFIG_FLAGS, run: config },
  events: { flags: EVENTS_FLAGS, run: events },
  replace: { flags: REPLACE_FLAGS, run: replace },
  rollout: { flags: ROLLOUT_FLAGS, run: rollout },
  annotate: { flags: LABEL_FLAGS, run: annotate },
};

/** Global flags that may come before the subcommand (`kubectl -n kube-system get pods`). */
const LEADING_VALUE_FLAGS = new Set(['-n', '--namespace', '--context', '--cluster', '--kubeconfig', '--request-timeout', '-v']);

function splitSubcommand(args: string[]): { name: string | undefined; rest: string[] } {
  const lead: string[] = [];
  let i = 0;
  while (i < args.length) {
    const a = args[i] as string;
    if (!a.startsWith('-') || a === '-' || a === '--') break;
    lead.push(a);
    if (LEADING_VALUE_FLAGS.has(a) && i + 1 < args.length) lead.push(args[++i] as string);
    i++;
  }
  if (i >= args.length) return { name: undefined, rest: lead };
  return { name: args[i] as string, rest: [...lead, ...args.slice(i + 1)] };
}

/** Run one kubectl invocation (argv without `kubectl`). */
export async function runKubectl(api: ClusterApi, args: string[], io: KubectlIO): Promise<number> {
  const ctx: Ctx = { api, io };
  const { name, rest } = splitSubcommand(args);
  if (name === undefined) {
    io.stdout(rootHelp());
    return 0;
  }
  if (name === 'help') {
    const topic = rest.find((a) => !a.startsWith('-'));
    io.stdout(topic !== undefined && SUBCOMMANDS.includes(topic) ? helpFor(topic) : rootHelp());
    return 0;
  }
  const sub = COMMANDS[name];
  if (sub === undefined && SUBCOMMANDS.includes(name)) {
    io.stderr(`error: "kubectl ${name}" is not available in this lab; "kubectl --help" lists the commands that are\n`);
    return 1;
  }
  if (sub === undefined) {
    const similar = SUBCOMMANDS.filter((c) => c !== name && editDistance(c, name) <= 2);
    io.stderr(`Error: unknown command "${name}" for "kubectl"\n${similar.length > 0 ? `\nDid you mean this?\n${similar.map((s) => `\t${s}\n`).join('')}\n` : ''}`);
    return 1;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    const before = rest.indexOf('--');
    const hi = Math.max(rest.indexOf('--help'), rest.indexOf('-h'));
    if (before < 0 || hi < before) {
      io.stdout(helpFor(name, rest.filter((a) => !a.startsWith('-'))));
      return 0;
    }
  }
  const parsed = parseFlags(rest, sub.flags);
  if (!parsed.ok) {
    io.stderr(`Error: ${parsed.message}\nSee 'kubectl ${name} --help' for usage.\n`);
    return 1;
  }
  try {
    return await sub.run(ctx, new Flags(parsed.value));
  } catch (e) {
    return fail(ctx, e instanceof Error ? e.message : String(e));
  }
}

function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const prev = d[i - 1] as number[];
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}
