// kubectl describe TYPE [NAME_PREFIX] | TYPE/NAME: every match described, in
// kubectl's layout, separated by a blank line pair; a name that matches
// nothing exactly falls back to objects whose name starts with it.

import type { KubeObject } from '../../cluster/api.js';
import { fail, failStatus, statusLine, type Ctx } from '../io.js';
import type { Flags, FlagSpec } from '../flags.js';
import { parseLabelSelector } from '../selector.js';
import { resolveTargets } from '../targets.js';
import { describeDaemonSet, describeDeployment, describeEndpoints, describeGeneric, describeNode, describePod, describeReplicaSet, describeService } from '../print/describe.js';
import { namespaceOf, nameOf, rec } from '../obj.js';
import { namespaceFlag, targetsFromFiles } from './common.js';

export const DESCRIBE_FLAGS: FlagSpec[] = [
  { name: 'all-namespaces', short: 'A', kind: 'bool' },
  { name: 'selector', short: 'l', kind: 'string' },
  { name: 'show-events', kind: 'bool' },
  { name: 'filename', short: 'f', kind: 'strings' },
  { name: 'chunk-size', kind: 'int' },
];

function describeOne(ctx: Ctx, o: KubeObject, showEvents: boolean): string {
  const now = ctx.api.now();
  const ns = namespaceOf(o);
  const events = showEvents ? ctx.api.events(ns === '' ? null : ns) : [];
  switch (o.kind) {
    case 'Service': {
      const ep = ctx.api.get('Endpoints', ns, nameOf(o));
      return describeService(o, ep.ok ? ep.value : undefined, events, now);
    }
    case 'Endpoints':
      return describeEndpoints(o, events, now);
    case 'Pod': {
      const node = o.spec?.nodeName;
      const n = typeof node === 'string' && node !== '' ? ctx.api.get('Node', null, node) : undefined;
      return describePod(o, n?.ok === true ? n.value : undefined, events, now);
    }
    case 'Node': {
      const pods = ctx.api.list('Pod', null);
      return describeNode(o, pods.ok ? pods.value : [], events, now);
    }
    case 'Deployment': {
      const rss = ctx.api.list('ReplicaSet', ns);
      return describeDeployment(o, rss.ok ? rss.value : [], events, now);
    }
    case 'ReplicaSet':
    case 'DaemonSet': {
      const pods = ctx.api.list('Pod', ns);
      return (o.kind === 'ReplicaSet' ? describeReplicaSet : describeDaemonSet)(o, pods.ok ? pods.value : [], events, now);
    }
    default:
      return describeGeneric(o, events, now);
  }
}

export async function describe(ctx: Ctx, f: Flags): Promise<number> {
  if (f.args.length === 0 && f.list('filename').length === 0) {
    ctx.io.stderr('Error: You must specify the type of resource to describe. Use "kubectl api-resources" for a complete list of supported resources.\n');
    return 1;
  }
  const tr = f.list('filename').length > 0 ? await targetsFromFiles(ctx, f) : resolveTargets(f.args);
  if (!tr.ok) return fail(ctx, tr.message);
  const allNs = f.bool('all-namespaces');
  const ns = namespaceFlag(ctx, f);
  const sel = parseLabelSelector(f.str('selector'));
  if (!sel.ok) return fail(ctx, sel.message);
  const showEvents = f.has('show-events') ? f.bool('show-events') : true;
  const found: KubeObject[] = [];
  const errors: string[] = [];
  for (const t of tr.targets) {
    const scope = t.type.namespaced ? (allNs ? null : ns) : null;
    if (t.names.length === 0) {
      const r = t.type.kind === 'Event' ? { ok: true as const, value: ctx.api.events(scope) } : ctx.api.list(t.type.kind, scope);
      if (!r.ok) return failStatus(ctx, r.status);
      found.push(...r.value.filter((o) => sel.matches(rec(o, 'metadata.labels'))));
      continue;
    }
    for (const name of t.names) {
      const r = ctx.api.get(t.type.kind, t.type.namespaced ? (t.namespace ?? ns) : null, name);
      if (r.ok) {
        found.push(r.value);
        continue;
      }
      if (r.status.reason !== 'NotFound') return failStatus(ctx, r.status);
      const all = ctx.api.list(t.type.kind, t.type.namespaced ? ns : null);
      const prefixed = all.ok ? all.value.filter((o) => o.metadata.name.startsWith(name)) : [];
      if (prefixed.length === 0) errors.push(statusLine(r.status));
      else found.push(...prefixed);
    }
  }
  if (found.length === 0 && errors.length === 0) {
    const clusterScoped = tr.targets.every((t) => !t.type.namespaced);
    ctx.io.stderr(allNs || clusterScoped ? 'No resources found\n' : `No resources found in ${ns} namespace.\n`);
    return 0;
  }
  ctx.io.stdout(found.map((o) => describeOne(ctx, o, showEvents)).join('\n\n'));
  if (errors.length > 0) {
    ctx.io.stderr(errors.map((e) => `${e}\n`).join(''));
    return 1;
  }
  return 0;
}
