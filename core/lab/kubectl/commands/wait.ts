// kubectl wait --for=condition=Ready|--for=delete|--for=jsonpath='{…}'=V and
// kubectl rollout status: poll the object in simulated time until it
// qualifies, Ctrl-C, or the timeout (kubectl's default 30s).

import type { ClusterKind, KubeObject } from '../../cluster/api.js';
import type { Flags, FlagSpec } from '../flags.js';
import { EXIT_INTERRUPTED, fail, failStatus, type Ctx } from '../io.js';
import { arr, num, str } from '../obj.js';
import { parseLabelSelector } from '../selector.js';
import { resolveTargets } from '../targets.js';
import { objectName } from '../print/output.js';
import { jsonPath } from '../print/jsonpath.js';
import { namespaceFlag } from './common.js';

export const WAIT_FLAGS: FlagSpec[] = [
  { name: 'for', kind: 'string' },
  { name: 'timeout', kind: 'string' },
  { name: 'selector', short: 'l', kind: 'string' },
  { name: 'all', kind: 'bool' },
  { name: 'all-namespaces', short: 'A', kind: 'bool' },
];

export const ROLLOUT_FLAGS: FlagSpec[] = [
  { name: 'timeout', kind: 'string' },
  { name: 'watch', short: 'w', kind: 'bool' },
];

/** `30s`, `2m`, `1h`, `500ms`, `0` → ms (Go durations as kubectl's --timeout takes them). */
export function parseDuration(s: string): number | undefined {
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    const n = Number(m[1]);
    total += n * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as Record<string, number>)[m[2] as string]!;
    consumed += m[0].length;
  }
  return consumed === s.length && s !== '' ? total : undefined;
}

type Check = (o: KubeObject | undefined) => boolean;

function conditionCheck(spec: string): { check: Check; verb: string } | string {
  if (spec === 'delete') return { check: (o) => o === undefined, verb: 'deleted' };
  if (spec.startsWith('condition=')) {
    const body = spec.slice('condition='.length);
    const eq = body.indexOf('=');
    const type = (eq >= 0 ? body.slice(0, eq) : body).toLowerCase();
    const want = (eq >= 0 ? body.slice(eq + 1) : 'True').toLowerCase();
    if (type === '') return 'unrecognized condition: ""';
    return {
      check: (o) => o !== undefined && arr(o, 'status.conditions').some((c) => str(c, 'type').toLowerCase() === type && str(c, 'status').toLowerCase() === want),
      verb: 'condition met',
    };
  }
  if (spec.startsWith('jsonpath=')) {
    const body = spec.slice('jsonpath='.length);
    const close = body.lastIndexOf('}');
    const tpl = close >= 0 ? body.slice(0, close + 1) : body;
    const rest = close >= 0 ? body.slice(close + 1) : '';
    const want = rest.startsWith('=') ? rest.slice(1) : undefined;
    const template = tpl.startsWith('{') ? tpl : `{${tpl.startsWith('.') ? '' : '.'}${tpl}}`;
    return {
      check: (o) => {
        if (o === undefined) return false;
        const r = jsonPath(template, o);
        return r.ok && (want === undefined ? r.value !== '' : r.value === want);
      },
      verb: 'condition met',
    };
  }
  return `unrecognized condition: "${spec}"`;
}

async function pollUntil(ctx: Ctx, timeoutMs: number, done: () => boolean): Promise<'ok' | 'timeout' | 'interrupted'> {
  const deadline = ctx.api.now() + timeoutMs;
  for (let i = 0; i < 100_000; i++) {
    if (done()) return 'ok';
    if (ctx.api.now() >= deadline) return 'timeout';
    if (ctx.io.signal?.aborted === true) return 'interrupted';
    try {
      await ctx.api.sleep(Math.min(500, Math.max(1, deadline - ctx.api.now())), ctx.io.signal);
    } catch {
      return 'interrupted';
    }
  }
  return 'timeout';
}

export async function wait(ctx: Ctx, f: Flags): Promise<number> {
  const cond = conditionCheck(f.str('for'));
  if (typeof cond === 'string') {
    ctx.io.stderr(`Error: ${cond}\n`);
    return 1;
  }
  const timeout = parseDuration(f.str('timeout', '30s'));
  if (timeout === undefined) return fail(ctx, `invalid argument "${f.str('timeout')}" for "--timeout" flag: time: invalid duration "${f.str('timeout')}"`);
  const tr = resolveTargets(f.args);
  if (!tr.ok) return fail(ctx, tr.message === 'Required resource not specified.' ? 'resource(s) were provided, but no name was specified' : tr.message);
  const ns = namespaceFlag(ctx, f);
  const sel = parseLabelSelector(f.str('selector'));
  if (!sel.ok) return fail(ctx, sel.message);
  const items: { kind: ClusterKind; ns: string | null; name: string }[] = [];
  for (const t of tr.targets) {
    const scope = t.type.namespaced ? ns : null;
    if (t.names.length > 0) for (const n of t.names) items.push({ kind: t.type.kind, ns: scope, name: n });
    else {
      if (!f.bool('all') && !f.has('selector')) return fail(ctx, 'resource(s) were provided, but no name was specified');
      const l = ctx.api.list(t.type.kind, scope);
      if (!l.ok) return failStatus(ctx, l.status);
      for (const o of l.value.filter((x) => sel.matches(x.metadata.labels ?? {}))) items.push({ kind: t.type.kind, ns: o.metadata.namespace ?? null, name: o.metadata.name });
    }
  }
  if (items.length === 0) return fail(ctx, 'no matching resources found');
  let code = 0;
  for (const it of items) {
    const first = ctx.api.get(it.kind, it.ns, it.name);
    if (!first.ok) {
      if (f.str('for') === 'delete') continue;
      failStatus(ctx, first.status);
      code = 1;
      continue;
    }
    let last: KubeObject | undefined = first.value;
    const r = await pollUntil(ctx, timeout, () => {
      const g = ctx.api.get(it.kind, it.ns, it.name);
      last = g.ok ? g.value : undefined;
      return cond.check(last);
    });
    if (r === 'interrupted') return EXIT_INTERRUPTED;
    if (r === 'timeout') {
      ctx.io.stderr(`error: timed out waiting for the condition on ${objectName(first.value).replace(/^([^/]+)\//, (_m, k: string) => `${k.split('.')[0] as string}s/`)}\n`);
      code = 1;
      continue;
    }
    ctx.io.stdout(`${objectName(first.value)} ${cond.verb}\n`);
  }
  return code;
}

export async function rollout(ctx: Ctx, f: Flags): Promise<number> {
  const [sub, ...rest] = f.args;
  if (sub !== 'status') {
    return fail(ctx, sub === undefined ? 'required resource not specified' : `"kubectl rollout ${sub}" is not available in this lab; "kubectl rollout status" is`);
  }
  const tr = resolveTargets(rest);
  if (!tr.ok) return fail(ctx, tr.message === 'Required resource not specified.' ? 'required resource not specified' : tr.message);
  const t = tr.targets[0];
  const name = t?.names[0];
  if (t === undefined || name === undefined) return fail(ctx, 'required resource not specified');
  if (t.type.kind !== 'Deployment' && t.type.kind !== 'DaemonSet') return fail(ctx, `no status viewer has been implemented for ${t.type.kind}`);
  const ns = namespaceFlag(ctx, f);
  const timeout = parseDuration(f.str('timeout', '0')) ?? 0;
  const printed = new Set<string>();
  const say = (line: string): void => {
    if (!printed.has(line)) ctx.io.stdout(line);
    printed.add(line);
  };
  let failed: number | undefined;
  const r = await pollUntil(ctx, timeout === 0 ? 10 * 60_000 : timeout, () => {
    const g = ctx.api.get(t.type.kind, ns, name);
    if (!g.ok) {
      failed = failStatus(ctx, g.status);
      return true;
    }
    const o = g.value;
    if (t.type.kind === 'Deployment') {
      const want = num(o, 'spec.replicas', 1);
      const updated = num(o, 'status.updatedReplicas');
      const available = num(o, 'status.availableReplicas');
      if (updated < want) say(`Waiting for deployment "${name}" rollout to finish: ${updated} out of ${want} new replicas have been updated...\n`);
      else if (available < updated) say(`Waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available...\n`);
      else {
        ctx.io.stdout(`deployment "${name}" successfully rolled out\n`);
        return true;
      }
      return false;
    }
    const want = num(o, 'status.desiredNumberScheduled');
    const available = num(o, 'status.numberAvailable');
    if (available < want) say(`Waiting for daemon set "${name}" rollout to finish: ${available} of ${want} updated pods are available...\n`);
    else {
      ctx.io.stdout(`daemon set "${name}" successfully rolled out\n`);
      return true;
    }
    return false;
  });
  if (failed !== undefined) return failed;
  if (r === 'interrupted') return EXIT_INTERRUPTED;
  if (r === 'timeout') return fail(ctx, 'timed out waiting for the condition');
  return 0;
}
