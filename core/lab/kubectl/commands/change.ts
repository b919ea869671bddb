// kubectl scale, patch and edit. There is no editor in a lab terminal, so
// edit explains what to use instead rather than pretending to open vi.

import YAML from 'yaml';
import type { ClusterKind, PatchType } from '../../cluster/api.js';
import type { Flags, FlagSpec } from '../flags.js';
import { fail, failStatus, type Ctx } from '../io.js';
import { resolveResource, qualifiedSingular } from '../resources.js';
import { objectName } from '../print/output.js';
import { parseOutput, renderObjects } from '../print/printer.js';
import { namespaceFlag, readManifests } from './common.js';
import { requiredFlag } from './generate.js';

export const SCALE_FLAGS: FlagSpec[] = [
  { name: 'replicas', kind: 'int' },
  { name: 'current-replicas', kind: 'int' },
  { name: 'output', short: 'o', kind: 'string' },
  { name: 'dry-run', kind: 'string' },
  { name: 'all', kind: 'bool' },
  { name: 'selector', short: 'l', kind: 'string' },
  { name: 'timeout', kind: 'string' },
];

export const PATCH_FLAGS: FlagSpec[] = [
  { name: 'patch', short: 'p', kind: 'string' },
  { name: 'patch-file', kind: 'string' },
  { name: 'type', kind: 'string' },
  { name: 'output', short: 'o', kind: 'string' },
  { name: 'dry-run', kind: 'string' },
  { name: 'filename', short: 'f', kind: 'strings' },
  { name: 'subresource', kind: 'string' },
];

export const EDIT_FLAGS: FlagSpec[] = [
  { name: 'output', short: 'o', kind: 'string' },
  { name: 'filename', short: 'f', kind: 'strings' },
  { name: 'save-config', kind: 'bool' },
];

/** `deploy/nginx` or `deploy nginx` → type and names. */
function typeAndNames(args: string[]): { typed: string; names: string[] } | undefined {
  if (args.length === 0) return undefined;
  if ((args[0] as string).includes('/')) {
    const names: string[] = [];
    let typed = '';
    for (const a of args) {
      const i = a.indexOf('/');
      typed = a.slice(0, i);
      names.push(a.slice(i + 1));
    }
    return { typed, names };
  }
  return { typed: args[0] as string, names: args.slice(1) };
}

export async function scale(ctx: Ctx, f: Flags): Promise<number> {
  if (!f.has('replicas')) return requiredFlag(ctx, 'replicas');
  const replicas = f.int('replicas') as number;
  if (replicas < 0) return fail(ctx, 'The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0');
  const tn = typeAndNames(f.args);
  if (tn === undefined) {
    ctx.io.stderr("error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'\n");
    return 1;
  }
  const r = resolveResource(tn.typed);
  if (r === undefined) return fail(ctx, `the server doesn't have a resource type "${tn.typed}"`);
  if (r.kind !== 'Deployment' && r.kind !== 'ReplicaSet') {
    ctx.io.stderr(`error: no objects passed to scale ${qualifiedSingular(r)} "${tn.names[0] ?? ''}" is not scalable\n`);
    return 1;
  }
  if (tn.names.length === 0) return fail(ctx, 'resource(s) were provided, but no name was specified');
  const ns = namespaceFlag(ctx, f);
  let code = 0;
  for (const name of tn.names) {
    if (f.has('current-replicas')) {
      const cur = ctx.api.get(r.kind, ns, name);
      if (cur.ok && (cur.value.spec?.replicas ?? 1) !== f.int('current-replicas')) {
        ctx.io.stderr(`error: Expected replicas to be ${f.int('current-replicas') as number}, was ${String(cur.value.spec?.replicas ?? 1)}\n`);
        code = 1;
        continue;
      }
    }
    const res = ctx.api.scale(r.kind, ns, name, replicas);
    if (!res.ok) {
      failStatus(ctx, res.status);
      code = 1;
      continue;
    }
    ctx.io.stdout(`${objectName(res.value)} scaled\n`);
  }
  return code;
}

export async function patch(ctx: Ctx, f: Flags): Promise<number> {
  let text = f.str('patch');
  if (text === '' && f.str('patch-file') !== '') {
    const read = await readManifests(ctx, [f.str('patch-file')]);
    if (!read.ok) return fail(ctx, read.message);
    text = read.manifests[0]?.text ?? '';
  }
  if (text === '') return fail(ctx, 'must specify --patch or --patch-file containing the contents of the patch');
  const type = (f.str('type') || 'strategic') as PatchType;
  if (!['json', 'merge', 'strategic'].includes(type)) return fail(ctx, `--type must be one of [json merge strategic], not "${type}"`);
  let value: unknown;
  try {
    value = YAML.parse(text, { version: '1.1' }) as unknown;
  } catch (e) {
    return fail(ctx, `unable to parse "${text}": yaml: ${(e as Error).message.split('\n')[0] ?? ''}`);
  }
  if (type === 'json' && !Array.isArray(value)) return fail(ctx, `unable to parse "${text}": json: cannot unmarshal object into Go value of type jsonpatch.Patch`);
  if (type !== 'json' && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    return fail(ctx, `unable to parse "${text}": json: cannot unmarshal ${Array.isArray(value) ? 'array' : typeof value} into Go value of type map[string]interface {}`);
  }
  const tn = typeAndNames(f.args);
  if (tn === undefined || tn.names.length === 0) {
    ctx.io.stderr("error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'\n");
    return 1;
  }
  const r = resolveResource(tn.typed);
  if (r === undefined) return fail(ctx, `the server doesn't have a resource type "${tn.typed}"`);
  const ns = r.namespaced ? namespaceFlag(ctx, f) : null;
  const fmt = parseOutput(f.str('output'), false);
  if (!fmt.ok) return fail(ctx, fmt.message);
  let code = 0;
  for (const name of tn.names) {
    const res = ctx.api.patch(r.kind as ClusterKind, ns, name, value, type);
    if (!res.ok) {
      failStatus(ctx, res.status);
      code = 1;
      continue;
    }
    if (fmt.format.kind === 'table') ctx.io.stdout(`${objectName(res.value.object)} patched${res.value.changed ? '' : ' (no change)'}\n`);
    else {
      const out = renderObjects(fmt.format, [res.value.object], true);
      if (out.ok) ctx.io.stdout(out.text);
    }
  }
  return code;
}

export async function edit(ctx: Ctx, f: Flags): Promise<number> {
  const what = f.args.join(' ') || 'TYPE/NAME';
  const tn = typeAndNames(f.args);
  const r = tn === undefined ? undefined : resolveResource(tn.typed);
  const ref = r !== undefined && tn !== undefined && tn.names[0] !== undefined ? `${r.singular} ${tn.names[0]}` : what;
  const nsFlag = f.has('namespace') ? ` -n ${f.str('namespace')}` : '';
  ctx.io.stderr(
    `error: kubectl edit needs a text editor, and this lab's terminal has none.\n` +
      `Change the object another way:\n` +
      `  kubectl patch ${ref}${nsFlag} -p '{"spec":{"type":"NodePort"}}'     (change a few fields)\n` +
      `  kubectl get ${ref}${nsFlag} -o yaml > obj.yaml   then rewrite it with  cat <<EOF > obj.yaml … EOF  and  kubectl apply -f obj.yaml\n`,
  );
  return 1;
}
