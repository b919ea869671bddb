// kubectl expose pod|deployment|replicaset|service NAME: a Service whose
// selector and ports come from the exposed object unless flags say otherwise,
// labelled like it, reported as `service/NAME exposed`.

import type { KubeObject } from '../../cluster/api.js';
import type { Flags, FlagSpec } from '../flags.js';
import { fail, failStatus, type Ctx } from '../io.js';
import { arr, num, rec, str } from '../obj.js';
import { resolveResource } from '../resources.js';
import { createAndReport } from './generate.js';
import { namespaceFlag } from './common.js';

export const EXPOSE_FLAGS: FlagSpec[] = [
  { name: 'port', kind: 'string' },
  { name: 'target-port', kind: 'string' },
  { name: 'name', kind: 'string' },
  { name: 'type', kind: 'string' },
  { name: 'protocol', kind: 'string' },
  { name: 'selector', kind: 'string' },
  { name: 'labels', short: 'l', kind: 'string' },
  { name: 'external-ip', kind: 'string' },
  { name: 'cluster-ip', kind: 'string' },
  { name: 'session-affinity', kind: 'string' },
  { name: 'load-balancer-ip', kind: 'string' },
  { name: 'dry-run', kind: 'string' },
  { name: 'output', short: 'o', kind: 'string' },
  { name: 'filename', short: 'f', kind: 'strings' },
  { name: 'overrides', kind: 'string' },
];

const EXPOSABLE = ['Pod', 'Service', 'Deployment', 'ReplicaSet'];

function parseKV(s: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const kv of s.split(',')) {
    const eq = kv.indexOf('=');
    if (eq <= 0) return undefined;
    out[kv.slice(0, eq).trim()] = kv.slice(eq + 1).trim();
  }
  return out;
}

interface SourcePort {
  port: number;
  protocol: string;
  name?: string;
  targetPort?: number | string;
}

function introspect(o: KubeObject): { selector: Record<string, string> | string; ports: SourcePort[] } {
  const fromContainers = (path: string): SourcePort[] =>
    arr(o, path).flatMap((c) => arr(c, 'ports').map((p) => ({ port: num(p, 'containerPort'), protocol: str(p, 'protocol', 'TCP') })));
  switch (o.kind) {
    case 'Pod':
      return { selector: rec(o, 'metadata.labels'), ports: fromContainers('spec.containers') };
    case 'Deployment':
    case 'ReplicaSet': {
      if (arr(o, 'spec.selector.matchExpressions').length > 0) {
        return { selector: `couldn't convert expressions - "${JSON.stringify(arr(o, 'spec.selector.matchExpressions'))}" to map-based selector format`, ports: [] };
      }
      return { selector: rec(o, 'spec.selector.matchLabels'), ports: fromContainers('spec.template.spec.containers') };
    }
    case 'Service':
      return {
        selector: rec(o, 'spec.selector'),
        ports: arr(o, 'spec.ports').map((p) => {
          const tp: unknown = (p as Record<string, unknown>).targetPort;
          return {
            port: num(p, 'port'),
            protocol: str(p, 'protocol', 'TCP'),
            ...(str(p, 'name') !== '' ? { name: str(p, 'name') } : {}),
            ...(typeof tp === 'number' || typeof tp === 'string' ? { targetPort: tp } : {}),
          };
        }),
      };
    default:
      return { selector: {}, ports: [] };
  }
}

export async function expose(ctx: Ctx, f: Flags): Promise<number> {
  const args = f.args;
  if (args.length === 0) {
    ctx.io.stderr(
      "error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'\n",
    );
    return 1;
  }
  let typed: string;
  let name: string | undefined;
  if ((args[0] as string).includes('/')) {
    const a = args[0] as string;
    typed = a.slice(0, a.indexOf('/'));
    name = a.slice(a.indexOf('/') + 1);
  } else {
    typed = args[0] as string;
    name = args[1];
  }
  const r = resolveResource(typed);
  if (r === undefined) return fail(ctx, `the server doesn't have a resource type "${typed}"`);
  if (name === undefined || name === '') return fail(ctx, `resource(s) were provided, but no name was specified`);
  if (!EXPOSABLE.includes(r.kind)) return fail(ctx, `cannot expose a ${r.kind}`);
  const ns = namespaceFlag(ctx, f);
  const got = ctx.api.get(r.kind, ns, name);
  if (!got.ok) return failStatus(ctx, got.status);
  const src = got.value;
  const info = introspect(src);

  let selector: Record<string, string>;
  if (f.str('selector') !== '') {
    const s = parseKV(f.str('selector'));
    if (s === undefined) return fail(ctx, `invalid label spec: ${f.str('selector')}`);
    selector = s;
  } else if (typeof info.selector === 'string') {
    return fail(ctx, `couldn't retrieve selectors via --selector flag or introspection: ${info.selector}`);
  } else if (Object.keys(info.selector).length === 0) {
    return fail(ctx, `couldn't retrieve selectors via --selector flag or introspection: the ${r.kind} has no labels`);
  } else selector = info.selector;

  const protocolFlag = f.str('protocol');
  let ports: Record<string, unknown>[];
  if (f.str('port') !== '') {
    const list = f.str('port').split(',');
    ports = [];
    for (const [i, p] of list.entries()) {
      const n = Number(p);
      if (!Number.isInteger(n)) return fail(ctx, `strconv.Atoi: parsing "${p}": invalid syntax`);
      const entry: Record<string, unknown> = {};
      if (list.length > 1) entry.name = `port-${i + 1}`;
      entry.port = n;
      entry.protocol = protocolFlag || info.ports[0]?.protocol || 'TCP';
      ports.push(entry);
    }
  } else {
    if (info.ports.length === 0) return fail(ctx, `couldn't find port via --port flag or introspection\nSee 'kubectl expose -h' for help and examples`);
    ports = info.ports.map((p, i) => {
      const entry: Record<string, unknown> = {};
      if (p.name !== undefined) entry.name = p.name;
      else if (info.ports.length > 1) entry.name = `port-${i + 1}`;
      entry.port = p.port;
      entry.protocol = protocolFlag || p.protocol;
      if (p.targetPort !== undefined) entry.targetPort = p.targetPort;
      return entry;
    });
  }
  const tpFlag = f.str('target-port');
  for (const p of ports) {
    if (tpFlag !== '') p.targetPort = /^\d+$/.test(tpFlag) ? Number(tpFlag) : tpFlag;
    else if (p.targetPort === undefined) p.targetPort = p.port;
  }

  let labels = rec(src, 'metadata.labels');
  if (f.str('labels') !== '') {
    const l = parseKV(f.str('labels'));
    if (l === undefined) return fail(ctx, `invalid label spec: ${f.str('labels')}`);
    labels = l;
  }
  const spec: Record<string, unknown> = { ports, selector };
  const type = f.str('type');
  if (type !== '') {
    const known = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];
    const match = known.find((k) => k.toLowerCase() === type.toLowerCase());
    spec.type = match ?? type;
  }
  if (f.str('cluster-ip') !== '') spec.clusterIP = f.str('cluster-ip');
  if (f.str('external-ip') !== '') spec.externalIPs = f.str('external-ip').split(',');
  if (f.str('session-affinity') !== '') spec.sessionAffinity = f.str('session-affinity');
  if (f.str('load-balancer-ip') !== '') spec.loadBalancerIP = f.str('load-balancer-ip');
  const svc: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: f.str('name') || name, namespace: ns, ...(Object.keys(labels).length > 0 ? { labels } : {}) },
    spec,
    status: { loadBalancer: {} },
  };
  return createAndReport(ctx, f, svc, 'exposed');
}
