// kubectl run NAME --image=IMAGE: one Pod labelled run=NAME, as kubectl's
// generator writes it; `-- CMD…` becomes args (or command with --command).

import type { Flags, FlagSpec } from '../flags.js';
import { fail, type Ctx } from '../io.js';
import { createAndReport, podObject, requiredFlag } from './generate.js';
import { namespaceFlag } from './common.js';

export const RUN_FLAGS: FlagSpec[] = [
  { name: 'image', kind: 'string' },
  { name: 'port', kind: 'string' },
  { name: 'labels', short: 'l', kind: 'string' },
  { name: 'env', kind: 'strings' },
  { name: 'restart', kind: 'string' },
  { name: 'command', kind: 'bool' },
  { name: 'dry-run', kind: 'string' },
  { name: 'output', short: 'o', kind: 'string' },
  { name: 'stdin', short: 'i', kind: 'bool' },
  { name: 'tty', short: 't', kind: 'bool' },
  { name: 'rm', kind: 'bool' },
  { name: 'attach', kind: 'bool' },
  { name: 'expose', kind: 'bool' },
  { name: 'image-pull-policy', kind: 'string' },
  { name: 'annotations', kind: 'strings' },
];

const NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export async function run(ctx: Ctx, f: Flags): Promise<number> {
  if (!f.has('image') || f.str('image') === '') return requiredFlag(ctx, 'image');
  const name = f.args[0];
  if (name === undefined) {
    ctx.io.stderr("error: NAME is required for run\nSee 'kubectl run -h' for help and examples\n");
    return 1;
  }
  if (!NAME_RE.test(name) || name.length > 253) {
    return fail(ctx, `invalid pod name "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`);
  }
  if (f.bool('stdin') || f.bool('tty') || f.bool('attach')) {
    return fail(ctx, 'interactive pods (-i, -t, --attach) are not available in this lab; create the pod, then run a command in it with "kubectl exec POD -- COMMAND"');
  }
  let labels: Record<string, string> = { run: name };
  if (f.str('labels') !== '') {
    labels = {};
    for (const kv of f.str('labels').split(',')) {
      const eq = kv.indexOf('=');
      if (eq <= 0) return fail(ctx, `invalid label spec: ${kv}`);
      labels[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
  }
  let port: number | undefined;
  if (f.str('port') !== '') {
    port = Number(f.str('port'));
    if (!Number.isInteger(port)) return fail(ctx, `strconv.Atoi: parsing "${f.str('port')}": invalid syntax`);
  }
  const env = f.list('env').map((kv) => {
    const eq = kv.indexOf('=');
    return { name: eq < 0 ? kv : kv.slice(0, eq), value: eq < 0 ? '' : kv.slice(eq + 1) };
  });
  const rest = f.parsed.rest;
  const pod = podObject(name, f.str('image'), {
    labels,
    port,
    env,
    restart: f.str('restart') || undefined,
    ...(f.bool('command') ? { command: rest } : { args: rest }),
  });
  pod.metadata.namespace = namespaceFlag(ctx, f);
  return createAndReport(ctx, f, pod, 'created');
}
