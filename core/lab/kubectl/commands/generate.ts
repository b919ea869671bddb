// Objects the imperative commands build (run, create deployment, create
// service, create namespace), shaped exactly as kubectl's generators write
// them (compare `kubectl … --dry-run=client -o yaml`), and the shared way of
// sending one to the API server and reporting it.

import type { KubeObject } from '../../cluster/api.js';
import { failStatus, type Ctx } from '../io.js';
import type { Flags } from '../flags.js';
import { objectName } from '../print/output.js';
import { parseOutput, renderObjects } from '../print/printer.js';

/** `E1125 03:00:04.705421   27926 run.go:72] "command failed" err="…"`: how kubectl 1.32 reports a missing required flag. */
export function requiredFlag(ctx: Ctx, flag: string): number {
  const d = new Date(ctx.api.now());
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const stamp = `${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}000`;
  ctx.io.stderr(`E${stamp}   ${20000 + (ctx.api.now() % 9000)} run.go:72] "command failed" err="required flag(s) \\"${flag}\\" not set"\n`);
  return 1;
}

export function podObject(name: string, image: string, opts: { labels: Record<string, string>; port?: number; env?: { name: string; value: string }[]; command?: string[]; args?: string[]; restart?: string }): KubeObject {
  const container: Record<string, unknown> = { name, image };
  if (opts.args !== undefined && opts.args.length > 0) container.args = opts.args;
  if (opts.command !== undefined && opts.command.length > 0) container.command = opts.command;
  if (opts.env !== undefined && opts.env.length > 0) container.env = opts.env;
  if (opts.port !== undefined) container.ports = [{ containerPort: opts.port }];
  container.resources = {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: opts.labels },
    spec: { containers: [container], dnsPolicy: 'ClusterFirst', restartPolicy: opts.restart ?? 'Always' },
    status: {},
  };
}

export function deploymentObject(name: string, images: string[], replicas: number, port?: number): KubeObject {
  const labels = { app: name };
  const containers = images.map((image, i) => {
    const base = image.split('/').pop()?.split(':')[0]?.split('@')[0] ?? name;
    const c: Record<string, unknown> = { image, name: images.length === 1 ? base.replace(/[^a-z0-9-]/g, '-') : base.replace(/[^a-z0-9-]/g, '-') };
    if (port !== undefined && i === 0) c.ports = [{ containerPort: port }];
    c.resources = {};
    return c;
  });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      strategy: {},
      template: { metadata: { labels }, spec: { containers } },
    },
    status: {},
  };
}

export function namespaceObject(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name }, spec: {}, status: {} };
}

/**
 * What is sent to the server: kubectl's generators write `status: {}`, which a
 * real API server ignores on create; leaving it out keeps the lab's server from
 * taking it as the object's status.
 */
export function withoutStatus(obj: KubeObject): KubeObject {
  const { status: _status, ...rest } = obj;
  return rest as KubeObject;
}

export type DryRun = 'none' | 'client' | 'server';

export function dryRunOf(f: Flags): DryRun | { error: string } {
  if (!f.has('dry-run')) return 'none';
  const v = f.str('dry-run');
  if (v === 'true' || v === '') return 'client';
  if (v === 'false') return 'none';
  if (v === 'none' || v === 'client' || v === 'server') return v;
  return { error: `Invalid dry-run value (${v}). Must be "none", "server", or "client".` };
}

/** Create an object the way kubectl create/run/expose do and print `<kind>/<name> <verb>` or the object in -o format. */
export function createAndReport(ctx: Ctx, f: Flags, obj: KubeObject, verb: string): number {
  const dry = dryRunOf(f);
  if (typeof dry !== 'string') {
    ctx.io.stderr(`error: ${dry.error}\n`);
    return 1;
  }
  const fmt = parseOutput(f.str('output'), false);
  if (!fmt.ok) {
    ctx.io.stderr(`error: ${fmt.message}\n`);
    return 1;
  }
  let result: KubeObject = obj;
  if (dry !== 'client') {
    const r = ctx.api.create(withoutStatus(obj), { dryRun: dry === 'server' });
    if (!r.ok) return failStatus(ctx, r.status);
    result = r.value;
  } else {
    // what kubectl would send: no namespace unless one was asked for
    const { namespace: _ns, ...meta } = obj.metadata;
    result = { ...obj, metadata: { ...(f.has('namespace') ? obj.metadata : meta), creationTimestamp: null as unknown as string } };
  }
  if (fmt.format.kind === 'table') {
    const suffix = dry === 'client' ? ' (dry run)' : dry === 'server' ? ' (server dry run)' : '';
    ctx.io.stdout(`${objectName(result)} ${verb}${suffix}\n`);
    return 0;
  }
  const out = renderObjects(fmt.format, [result], true);
  if (!out.ok) {
    ctx.io.stderr(`error: ${out.message}\n`);
    return 1;
  }
  ctx.io.stdout(out.text);
  return 0;
}
