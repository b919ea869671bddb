// kubectl apply -f / create -f / delete -f and the imperative create and
// delete forms: objects from files in the node's filesystem (or stdin),
// namespaced like kubectl does, one result line per object.

import type { ClusterKind, KubeObject } from '../../cluster/api.js';
import type { Flags, FlagSpec } from '../flags.js';
import { EXIT_INTERRUPTED, fail, failStatus, statusLine, type Ctx } from '../io.js';
import { rec } from '../obj.js';
import { parseLabelSelector } from '../selector.js';
import { qualifiedSingular, resolveResource, resourceForKind } from '../resources.js';
import { resolveTargets } from '../targets.js';
import { objectName, sortKeys } from '../print/output.js';
import { parseOutput, renderObjects } from '../print/printer.js';
import { decodeManifest, namespaceFlag, readManifests, waitUntilGone } from './common.js';
import { createAndReport, deploymentObject, dryRunOf, namespaceObject, requiredFlag, withoutStatus } from './generate.js';

const FILE_FLAGS: FlagSpec[] = [
  { name: 'filename', short: 'f', kind: 'strings' },
  { name: 'recursive', short: 'R', kind: 'bool' },
  { name: 'dry-run', kind: 'string' },
  { name: 'output', short: 'o', kind: 'string' },
  { name: 'validate', kind: 'string' },
  { name: 'save-config', kind: 'bool' },
];

export const APPLY_FLAGS: FlagSpec[] = [...FILE_FLAGS, { name: 'server-side', kind: 'bool' }, { name: 'force', kind: 'bool' }, { name: 'prune', kind: 'bool' }, { name: 'selector', short: 'l', kind: 'string' }];

export const CREATE_FLAGS: FlagSpec[] = [
  ...FILE_FLAGS,
  { name: 'image', kind: 'strings' },
  { name: 'replicas', short: 'r', kind: 'int' },
  { name: 'port', kind: 'int' },
  { name: 'tcp', kind: 'strings' },
  { name: 'node-port', kind: 'int' },
  { name: 'clusterip', kind: 'string' },
  { name: 'external-name', kind: 'string' },
  { name: 'edit', kind: 'bool' },
];

export const DELETE_FLAGS: FlagSpec[] = [
  { name: 'filename', short: 'f', kind: 'strings' },
  { name: 'recursive', short: 'R', kind: 'bool' },
  { name: 'all', kind: 'bool' },
  { name: 'all-namespaces', short: 'A', kind: 'bool' },
  { name: 'selector', short: 'l', kind: 'string' },
  { name: 'ignore-not-found', kind: 'bool' },
  { name: 'grace-period', kind: 'int' },
  { name: 'now', kind: 'bool' },
  { name: 'force', kind: 'bool' },
  { name: 'wait', kind: 'bool' },
  { name: 'cascade', kind: 'string' },
  { name: 'dry-run', kind: 'string' },
  { name: 'output', short: 'o', kind: 'string' },
  { name: 'timeout', kind: 'string' },
];

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

type Loaded = { ok: true; items: { source: string; obj: KubeObject }[] } | { ok: false; code: number };

/** Read and decode every -f manifest; put each namespaced object in the namespace in effect. */
async function load(ctx: Ctx, f: Flags, verb: string): Promise<Loaded> {
  const files = f.list('filename');
  const read = await readManifests(ctx, files);
  if (!read.ok) return { ok: false, code: fail(ctx, read.message) };
  const ns = namespaceFlag(ctx, f);
  const items: { source: string; obj: KubeObject }[] = [];
  for (const m of read.manifests) {
    const d = decodeManifest(m);
    if (!d.ok) return { ok: false, code: fail(ctx, d.message) };
    for (const obj of d.objects) {
      const r = resolveResource(obj.kind);
      if (r === undefined) {
        ctx.io.stderr(`error: resource mapping not found for name: "${obj.metadata?.name ?? ''}" namespace: "${obj.metadata?.namespace ?? ''}" from "${m.source}": no matches for kind "${obj.kind}" in version "${obj.apiVersion}"\nensure CRDs are installed first\n`);
        return { ok: false, code: 1 };
      }
      if (typeof obj.metadata !== 'object' || obj.metadata === null) obj.metadata = { name: '' };
      if (r.namespaced) {
        const own = obj.metadata.namespace;
        if (own !== undefined && own !== '' && f.has('namespace') && own !== ns) {
          ctx.io.stderr(`error: the namespace from the provided object "${own}" does not match the namespace "${ns}". You must pass '--namespace=${own}' to perform this operation.\n`);
          return { ok: false, code: 1 };
        }
        if (own === undefined || own === '') obj.metadata.namespace = ns;
      }
      items.push({ source: m.source, obj });
    }
  }
  if (items.length === 0) {
    ctx.io.stderr(`error: no objects passed to ${verb}\n`);
    return { ok: false, code: 1 };
  }
  return { ok: true, items };
}

function needFilename(ctx: Ctx, verb: string): number {
  ctx.io.stderr('error: must specify one of -f and -k\n');
  void verb;
  return 1;
}

/** The object as applied, recorded in the annotation kubectl apply keeps for its three-way merge. */
function withLastApplied(obj: KubeObject): KubeObject {
  const clean = JSON.parse(JSON.stringify(obj)) as KubeObject;
  const annotations = { ...(clean.metadata.annotations ?? {}) };
  delete annotations[LAST_APPLIED];
  const recorded = { ...clean, metadata: { ...clean.metadata, annotations } };
  return { ...clean, metadata: { ...clean.metadata, annotations: { ...annotations, [LAST_APPLIED]: `${JSON.stringify(sortKeys(recorded))}\n` } } };
}

export async function apply(ctx: Ctx, f: Flags): Promise<number> {
  if (f.args[0] === 'view-last-applied' || f.args[0] === 'set-last-applied' || f.args[0] === 'edit-last-applied') {
    return fail(ctx, `"kubectl apply ${f.args[0]}" is not available in this lab`);
  }
  if (f.list('filename').length === 0) return needFilename(ctx, 'apply');
  const loaded = await load(ctx, f, 'apply');
  if (!loaded.ok) return loaded.code;
  const dry = dryRunOf(f);
  if (typeof dry !== 'string') return fail(ctx, dry.error);
  const fmt = parseOutput(f.str('output'), false);
  if (!fmt.ok) return fail(ctx, fmt.message);
  let code = 0;
  const printed: KubeObject[] = [];
  for (const { obj } of loaded.items) {
    const sent = withoutStatus(withLastApplied(obj));
    if (dry === 'client') {
      const existing = ctx.api.get(obj.kind as ClusterKind, obj.metadata.namespace ?? null, obj.metadata.name);
      if (fmt.format.kind === 'table') ctx.io.stdout(`${objectName(obj)} ${existing.ok ? 'configured' : 'created'} (dry run)\n`);
      else printed.push(sent);
      continue;
    }
    const before = ctx.api.get(obj.kind as ClusterKind, obj.metadata.namespace ?? null, obj.metadata.name);
    if (before.ok && before.value.metadata.annotations?.[LAST_APPLIED] === undefined) {
      const r0 = resolveResource(obj.kind);
      ctx.io.stderr(
        `Warning: resource ${r0 !== undefined ? r0.plural : obj.kind.toLowerCase()}/${obj.metadata.name} is missing the ${LAST_APPLIED} annotation which is required by kubectl apply. ` +
          'kubectl apply should only be used on resources created declaratively by either kubectl create --save-config or kubectl apply. The missing annotation will be patched automatically.\n',
      );
    }
    const r = ctx.api.apply(sent, { dryRun: dry === 'server' });
    if (!r.ok) {
      ctx.io.stderr(`${statusLine(r.status)}\n`);
      code = 1;
      continue;
    }
    if (fmt.format.kind === 'table') ctx.io.stdout(`${objectName(r.value.object)} ${r.value.action}${dry === 'server' ? ' (server dry run)' : ''}\n`);
    else printed.push(r.value.object);
  }
  if (printed.length > 0) {
    const out = renderObjects(fmt.format, printed, printed.length === 1);
    if (out.ok) ctx.io.stdout(out.text);
  }
  return code;
}

function createFromFiles(ctx: Ctx, f: Flags, items: { source: string; obj: KubeObject }[]): number {
  const dry = dryRunOf(f);
  if (typeof dry !== 'string') return fail(ctx, dry.error);
  const fmt = parseOutput(f.str('output'), false);
  if (!fmt.ok) return fail(ctx, fmt.message);
  let code = 0;
  for (const { source, obj } of items) {
    const sent = withoutStatus(f.bool('save-config') ? withLastApplied(obj) : obj);
    if (dry === 'client') {
      ctx.io.stdout(`${objectName(obj)} created (dry run)\n`);
      continue;
    }
    const r = ctx.api.create(sent, { dryRun: dry === 'server' });
    if (!r.ok) {
      const s = r.status;
      ctx.io.stderr(s.reason === 'Invalid' ? `${s.message}\n` : `Error from server (${s.reason}): error when creating "${source}": ${s.message}\n`);
      code = 1;
      continue;
    }
    if (fmt.format.kind === 'table') ctx.io.stdout(`${objectName(r.value)} created${dry === 'server' ? ' (server dry run)' : ''}\n`);
    else {
      const out = renderObjects(fmt.format, [r.value], true);
      if (out.ok) ctx.io.stdout(out.text);
    }
  }
  return code;
}

function parseTcp(ctx: Ctx, specs: string[]): Record<string, unknown>[] | number {
  const ports: Record<string, unknown>[] = [];
  for (const spec of specs) {
    const [p, t] = spec.split(':');
    if (!/^\d+$/.test(p ?? '')) return fail(ctx, `strconv.ParseUint: parsing ${JSON.stringify(p ?? '')}: invalid syntax`);
    const port = Number(p);
    const target = t === undefined ? port : /^\d+$/.test(t) ? Number(t) : t;
    ports.push({ name: t === undefined ? String(port) : `${port}-${t}`, port, protocol: 'TCP', targetPort: target });
  }
  return ports;
}

async function createService(ctx: Ctx, f: Flags, sub: string | undefined, name: string | undefined): Promise<number> {
  const types: Record<string, string> = { clusterip: 'ClusterIP', nodeport: 'NodePort', loadbalancer: 'LoadBalancer', externalname: 'ExternalName' };
  const type = sub === undefined ? undefined : types[sub];
  if (sub === undefined) {
    ctx.io.stderr(
      'Create a service using a specified subcommand.\n\nAliases:\nservice, svc\n\nAvailable Commands:\n' +
        '  clusterip      Create a ClusterIP service\n  externalname   Create an ExternalName service\n' +
        '  loadbalancer   Create a LoadBalancer service\n  nodeport       Create a NodePort service\n\n' +
        'Usage:\n  kubectl create service [flags] [options]\n\n' +
        'Use "kubectl create service <command> --help" for more information about a given command.\n' +
        'Use "kubectl options" for a list of global command-line options (applies to all commands).\n',
    );
    return 1;
  }
  if (type === undefined) {
    ctx.io.stderr(`error: unknown command "${[sub, ...(name !== undefined ? [name] : [])].join(' ')}"\nSee 'kubectl create service -h' for help and examples\n`);
    return 1;
  }
  if (name === undefined) {
    ctx.io.stderr(`error: exactly one NAME is required, got 0\nSee 'kubectl create service ${sub as string} -h' for help and examples\n`);
    return 1;
  }
  const spec: Record<string, unknown> = {};
  if (type === 'ExternalName') {
    if (f.str('external-name') === '') return requiredFlag(ctx, 'external-name');
    spec.externalName = f.str('external-name');
  } else {
    const tcp = f.list('tcp');
    if (tcp.length === 0 && f.str('clusterip') !== 'None') return fail(ctx, 'at least one tcp port specifier must be provided');
    const ports = parseTcp(ctx, tcp);
    if (typeof ports === 'number') return ports;
    if (f.has('node-port')) {
      if (type !== 'NodePort') return fail(ctx, `--node-port can only be used with service type NodePort`);
      for (const p of ports) p.nodePort = f.int('node-port');
    }
    spec.ports = ports;
    spec.selector = { app: name };
    if (f.str('clusterip') !== '') spec.clusterIP = f.str('clusterip');
  }
  spec.type = type;
  const svc: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: namespaceFlag(ctx, f), labels: { app: name } },
    spec,
    status: { loadBalancer: {} },
  };
  return createAndReport(ctx, f, svc, 'created');
}

export async function create(ctx: Ctx, f: Flags): Promise<number> {
  const [what, ...rest] = f.args;
  if (f.list('filename').length > 0) {
    const loaded = await load(ctx, f, 'create');
    if (!loaded.ok) return loaded.code;
    return createFromFiles(ctx, f, loaded.items);
  }
  switch (what) {
    case 'deployment':
    case 'deploy': {
      const images = f.list('image');
      if (images.length === 0) return requiredFlag(ctx, 'image');
      const name = rest[0];
      if (name === undefined) {
        ctx.io.stderr("error: exactly one NAME is required, got 0\nSee 'kubectl create deployment -h' for help and examples\n");
        return 1;
      }
      const d = deploymentObject(name, images, f.int('replicas') ?? 1, f.int('port'));
      d.metadata.namespace = namespaceFlag(ctx, f);
      return createAndReport(ctx, f, d, 'created');
    }
    case 'service':
    case 'svc':
      return createService(ctx, f, rest[0], rest[1]);
    case 'namespace':
    case 'ns': {
      const name = rest[0];
      if (name === undefined) {
        ctx.io.stderr("error: exactly one NAME is required, got 0\nSee 'kubectl create namespace -h' for help and examples\n");
        return 1;
      }
      return createAndReport(ctx, f, namespaceObject(name), 'created');
    }
    case undefined:
      return needFilename(ctx, 'create');
    default:
      return fail(ctx, `Unexpected args: [${f.args.join(' ')}]\nSee 'kubectl create -h' for help and examples`);
  }
}

/** `service "x" deleted`, `deployment.apps "nginx" deleted`. */
function deletedLine(kind: string, name: string, dry: string): string {
  const r = resourceForKind(kind);
  const suffix = dry === 'client' ? ' (dry run)' : dry === 'server' ? ' (server dry run)' : '';
  return `${r !== undefined ? qualifiedSingular(r) : kind.toLowerCase()} "${name}" deleted${suffix}\n`;
}

export async function del(ctx: Ctx, f: Flags): Promise<number> {
  const dry = dryRunOf(f);
  if (typeof dry !== 'string') return fail(ctx, dry.error);
  const ns = namespaceFlag(ctx, f);
  const ignore = f.bool('ignore-not-found');
  const work: { kind: ClusterKind; ns: string | null; name: string }[] = [];
  if (f.list('filename').length > 0) {
    const loaded = await load(ctx, f, 'delete');
    if (!loaded.ok) return loaded.code;
    for (const { obj } of loaded.items) work.push({ kind: obj.kind as ClusterKind, ns: obj.metadata.namespace ?? null, name: obj.metadata.name });
  } else {
    if (f.args.length === 0) {
      ctx.io.stderr("error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'\n");
      return 1;
    }
    const tr = resolveTargets(f.args);
    if (!tr.ok) return fail(ctx, tr.message);
    const everything = f.bool('all') || f.has('selector');
    const sel = parseLabelSelector(f.str('selector'));
    if (!sel.ok) return fail(ctx, sel.message);
    for (const t of tr.targets) {
      const scope = t.type.namespaced ? (f.bool('all-namespaces') ? null : ns) : null;
      if (t.names.length > 0) {
        for (const name of t.names) work.push({ kind: t.type.kind, ns: scope ?? (t.type.namespaced ? ns : null), name });
        continue;
      }
      if (!everything) return fail(ctx, 'resource(s) were provided, but no name was specified');
      const r = ctx.api.list(t.type.kind, scope);
      if (!r.ok) return failStatus(ctx, r.status);
      for (const o of r.value.filter((x) => sel.matches(rec(x, 'metadata.labels')))) work.push({ kind: t.type.kind, ns: o.metadata.namespace ?? null, name: o.metadata.name });
    }
    if (work.length === 0) {
      ctx.io.stderr(f.bool('all-namespaces') ? 'No resources found\n' : `No resources found\n`);
      return 0;
    }
  }
  let code = 0;
  const grace = f.bool('now') ? 1 : f.int('grace-period');
  for (const w of work) {
    if (dry !== 'none') {
      const g = ctx.api.get(w.kind, w.ns, w.name);
      if (!g.ok) {
        if (!(ignore && g.status.reason === 'NotFound')) {
          ctx.io.stderr(`${statusLine(g.status)}\n`);
          code = 1;
        }
        continue;
      }
      ctx.io.stdout(deletedLine(w.kind, w.name, dry));
      continue;
    }
    const r = ctx.api.delete(w.kind, w.ns, w.name, grace !== undefined && grace >= 0 ? { gracePeriodSeconds: grace } : undefined);
    if (!r.ok) {
      if (ignore && r.status.reason === 'NotFound') continue;
      ctx.io.stderr(`${statusLine(r.status)}\n`);
      code = 1;
      continue;
    }
    if (f.bool('force') && grace === 0) ctx.io.stderr('Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n');
    ctx.io.stdout(deletedLine(w.kind, w.name, dry));
    if (r.value.metadata.deletionTimestamp !== undefined && (!f.has('wait') || f.bool('wait'))) {
      if (!(await waitUntilGone(ctx, w.kind, w.ns, w.name, r.value.metadata.uid))) return EXIT_INTERRUPTED;
    }
  }
  return code;
}

