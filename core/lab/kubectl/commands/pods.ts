// kubectl logs and exec: container output from the lab's pods, `-f` follows
// until Ctrl-C, `--previous` shows the container before its last restart.

import type { KubeObject } from '../../cluster/api.js';
import type { Flags, FlagSpec } from '../flags.js';
import { EXIT_INTERRUPTED, fail, failStatus, untilAborted, type Ctx } from '../io.js';
import { arr, str } from '../obj.js';
import { resolveResource } from '../resources.js';
import { namespaceFlag } from './common.js';
import { parseLabelSelector } from '../selector.js';

export const LOGS_FLAGS: FlagSpec[] = [
  { name: 'follow', short: 'f', kind: 'bool' },
  { name: 'previous', short: 'p', kind: 'bool' },
  { name: 'container', short: 'c', kind: 'string' },
  { name: 'tail', kind: 'int' },
  { name: 'timestamps', kind: 'bool' },
  { name: 'all-containers', kind: 'bool' },
  { name: 'selector', short: 'l', kind: 'string' },
  { name: 'since', kind: 'string' },
  { name: 'prefix', kind: 'bool' },
];

export const EXEC_FLAGS: FlagSpec[] = [
  { name: 'container', short: 'c', kind: 'string' },
  { name: 'stdin', short: 'i', kind: 'bool' },
  { name: 'tty', short: 't', kind: 'bool' },
  { name: 'quiet', short: 'q', kind: 'bool' },
];

/** A pod named directly (`nginx`, `pod/nginx`) or through its controller (`deploy/nginx`): the first matching pod. */
function findPod(ctx: Ctx, ns: string, ref: string): { ok: true; pod: KubeObject } | { ok: false; code: number } {
  const slash = ref.indexOf('/');
  if (slash < 0) {
    const r = ctx.api.get('Pod', ns, ref);
    return r.ok ? { ok: true, pod: r.value } : { ok: false, code: failStatus(ctx, r.status) };
  }
  const type = resolveResource(ref.slice(0, slash));
  const name = ref.slice(slash + 1);
  if (type === undefined) return { ok: false, code: fail(ctx, `the server doesn't have a resource type "${ref.slice(0, slash)}"`) };
  if (type.kind === 'Pod') {
    const r = ctx.api.get('Pod', ns, name);
    return r.ok ? { ok: true, pod: r.value } : { ok: false, code: failStatus(ctx, r.status) };
  }
  const owner = ctx.api.get(type.kind, ns, name);
  if (!owner.ok) return { ok: false, code: failStatus(ctx, owner.status) };
  const selector = (owner.value.spec?.selector ?? {}) as Record<string, unknown>;
  const match = (type.kind === 'Service' ? selector : (selector.matchLabels as Record<string, string> | undefined) ?? {}) as Record<string, string>;
  const pods = ctx.api.list('Pod', ns);
  const pod = pods.ok ? pods.value.find((p) => Object.entries(match).every(([k, v]) => p.metadata.labels?.[k] === v)) : undefined;
  if (pod === undefined) return { ok: false, code: fail(ctx, `timed out waiting for the condition`) };
  return { ok: true, pod };
}

function containerOf(ctx: Ctx, pod: KubeObject, wanted: string, verb: 'logs' | 'exec'): string | { code: number } {
  const names = arr(pod, 'spec.containers').map((c) => str(c, 'name'));
  if (wanted !== '') {
    if (!names.includes(wanted)) {
      ctx.io.stderr(`${verb === 'logs' ? `error: container ${wanted} is not valid for pod ${pod.metadata.name}` : `error: unable to upgrade connection: container ${wanted} not found in pod ${pod.metadata.name}`}\n`);
      return { code: 1 };
    }
    return wanted;
  }
  if (names.length > 1 && verb === 'logs') {
    ctx.io.stderr(`Defaulted container "${names[0] as string}" out of: ${names.join(', ')}\n`);
  }
  return names[0] ?? '';
}

/** `kubectl logs -l app=nginx`: the logs of every matching pod (kubectl caps it at five), optionally prefixed. */
async function logsBySelector(ctx: Ctx, f: Flags): Promise<number> {
  const ns = namespaceFlag(ctx, f);
  const sel = parseLabelSelector(f.str('selector'));
  if (!sel.ok) return fail(ctx, sel.message);
  const pods = ctx.api.list('Pod', ns);
  if (!pods.ok) return failStatus(ctx, pods.status);
  const matching = pods.value.filter((p) => sel.matches(p.metadata.labels ?? {}));
  if (matching.length === 0) {
    ctx.io.stderr(`No resources found in ${ns} namespace.\n`);
    return 0;
  }
  const tail = f.has('tail') ? (f.int('tail') as number) : 10;
  for (const p of matching.slice(0, 5)) {
    const container = f.str('container') || str(arr(p, 'spec.containers')[0], 'name');
    const r = ctx.api.logs(ns, p.metadata.name, { container, previous: f.bool('previous'), ...(tail >= 0 ? { tail } : {}) });
    if (!r.ok) return failStatus(ctx, r.status);
    const text = f.bool('prefix') ? r.value.replace(/^(?=.)/gm, `[pod/${p.metadata.name}/${container}] `) : r.value;
    ctx.io.stdout(text);
  }
  return 0;
}

export async function logs(ctx: Ctx, f: Flags): Promise<number> {
  const ref = f.args[0];
  if (ref === undefined && f.has('selector') && !f.bool('follow')) return logsBySelector(ctx, f);
  if (ref === undefined) {
    ctx.io.stderr("error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command\nSee 'kubectl logs -h' for help and examples\n");
    return 1;
  }
  const ns = namespaceFlag(ctx, f);
  const found = findPod(ctx, ns, ref);
  if (!found.ok) return found.code;
  const container = containerOf(ctx, found.pod, f.str('container') || (f.args[1] ?? ''), 'logs');
  if (typeof container !== 'string') return container.code;
  const opts = { container, previous: f.bool('previous'), ...(f.has('tail') && (f.int('tail') as number) >= 0 ? { tail: f.int('tail') as number } : {}) };
  if (!f.bool('follow')) {
    const r = ctx.api.logs(ns, found.pod.metadata.name, opts);
    if (!r.ok) return failStatus(ctx, r.status);
    ctx.io.stdout(r.value);
    return 0;
  }
  const sub = ctx.api.followLogs(ns, found.pod.metadata.name, opts, (chunk) => ctx.io.stdout(chunk));
  if (!sub.ok) return failStatus(ctx, sub.status);
  if (ctx.io.signal === undefined) {
    sub.value();
    return 0;
  }
  await untilAborted(ctx.io.signal);
  sub.value();
  return EXIT_INTERRUPTED;
}

export async function exec(ctx: Ctx, f: Flags): Promise<number> {
  const ref = f.args[0];
  if (ref === undefined) {
    ctx.io.stderr("error: expected 'exec (POD | TYPE/NAME) [-c CONTAINER] [flags] -- COMMAND [args...]'.\nPOD or TYPE/NAME is a required argument for the exec command\nSee 'kubectl exec -h' for help and examples\n");
    return 1;
  }
  if (!f.parsed.dashDash && f.args.length > 1) {
    return fail(ctx, 'exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead');
  }
  const argv = f.parsed.rest;
  if (argv.length === 0) return fail(ctx, 'you must specify at least one command for the container');
  if (argv.length === 1 && /^(\/bin\/|\/usr\/bin\/)?(sh|bash|ash)$/.test(argv[0] as string) && (f.bool('tty') || f.bool('stdin'))) {
    return fail(ctx, `an interactive shell in a pod is not available in this lab; run one command at a time, as in "kubectl exec ${ref} -- sh -c 'cat /etc/resolv.conf'"`);
  }
  const ns = namespaceFlag(ctx, f);
  const found = findPod(ctx, ns, ref);
  if (!found.ok) return found.code;
  const container = containerOf(ctx, found.pod, f.str('container'), 'exec');
  if (typeof container !== 'string') return container.code;
  if (str(found.pod, 'status.phase') !== 'Running') {
    return fail(ctx, `cannot exec into a container in a completed pod; current phase is ${str(found.pod, 'status.phase') || 'Pending'}`);
  }
  const stdinSrc = ctx.io.stdin;
  const stdin = f.bool('stdin') ? (stdinSrc === undefined ? '' : typeof stdinSrc === 'string' ? stdinSrc : await stdinSrc.readAll()) : '';
  if (f.bool('tty') && !f.bool('stdin')) ctx.io.stderr('Unable to use a TTY - input is not a terminal or the right kind of file\n');
  const r = await ctx.api.exec(ns, found.pod.metadata.name, argv, { stdin, stdout: ctx.io.stdout, stderr: ctx.io.stderr, ...(ctx.io.signal !== undefined ? { signal: ctx.io.signal } : {}) });
  if (!r.ok) return failStatus(ctx, r.status);
  if (r.value !== 0) ctx.io.stderr(`command terminated with exit code ${r.value}\n`);
  return r.value;
}
