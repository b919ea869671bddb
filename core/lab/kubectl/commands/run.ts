// kubectl run NAME --image=IMAGE: one Pod labelled run=NAME, as kubectl's
// generator writes it; `-- CMD…` becomes args (or command with --command).

import type { Flags, FlagSpec } from '../flags.js';
import type { KubeObject } from '../../cluster/api.js';
import { EXIT_INTERRUPTED, fail, failStatus, type Ctx } from '../io.js';
import { createAndReport, podObject, requiredFlag, withoutStatus } from './generate.js';
import { namespaceFlag, waitUntilGone } from './common.js';

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
  const attach = f.bool('stdin') || f.bool('tty') || f.bool('attach');
  if (attach && f.parsed.rest.length === 0) {
    return fail(ctx, 'an interactive shell in a pod (-it without a command) is not available in this lab; give the command after --, as in "kubectl run tmp --rm -i --image=busybox --restart=Never -- wget -qO- http://my-nginx-svc:3000", or "kubectl exec POD -- COMMAND"');
  }
  if (f.bool('rm') && !attach) return fail(ctx, '--rm should only be used for attached containers');
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
  if (!attach) return createAndReport(ctx, f, pod, 'created');
  return runAttached(ctx, f, pod);
}

/**
 * `kubectl run … -i [--rm] -- CMD`: the pod is created, kubectl waits for it to
 * run, the command's output is shown (through the pod's exec), and with --rm
 * the pod is deleted afterwards, as `pod "tmp" deleted`.
 */
async function runAttached(ctx: Ctx, f: Flags, pod: KubeObject): Promise<number> {
  const ns = pod.metadata.namespace ?? 'default';
  const name = pod.metadata.name;
  const created = ctx.api.create(withoutStatus(pod));
  if (!created.ok) return failStatus(ctx, created.status);
  if (f.bool('tty')) ctx.io.stdout("If you don't see a command prompt, try pressing enter.\n");
  let running = false;
  for (let i = 0; i < 600 && !running; i++) {
    const g = ctx.api.get('Pod', ns, name);
    if (!g.ok) return failStatus(ctx, g.status);
    running = g.value.status?.phase === 'Running';
    if (running) break;
    if (ctx.io.signal?.aborted === true) return EXIT_INTERRUPTED;
    try {
      await ctx.api.sleep(500, ctx.io.signal);
    } catch {
      return EXIT_INTERRUPTED;
    }
  }
  if (!running) return fail(ctx, `timed out waiting for the condition`);
  const stdinSrc = ctx.io.stdin;
  const stdin = f.bool('stdin') ? (stdinSrc === undefined ? '' : typeof stdinSrc === 'string' ? stdinSrc : await stdinSrc.readAll()) : '';
  const r = await ctx.api.exec(ns, name, f.parsed.rest, { stdin, stdout: ctx.io.stdout, stderr: ctx.io.stderr, ...(ctx.io.signal !== undefined ? { signal: ctx.io.signal } : {}) });
  const code = r.ok ? r.value : failStatus(ctx, r.status);
  if (f.bool('rm')) {
    const d = ctx.api.delete('Pod', ns, name);
    if (d.ok) {
      ctx.io.stdout(`pod "${name}" deleted\n`);
      await waitUntilGone(ctx, 'Pod', ns, name, d.value.metadata.uid);
    }
  }
  if (r.ok && code !== 0) ctx.io.stderr(`pod ${ns}/${name} terminated (Error)\n`);
  return code;
}
