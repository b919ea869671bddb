// Small helpers the subcommands share: the namespace in effect, reading
// manifests named by `-f` (files, directories, `-` for stdin) and splitting
// multi-document YAML/JSON into objects.

import YAML from 'yaml';
import type { Ctx } from '../io.js';
import type { Flags } from '../flags.js';
import type { ClusterKind, KubeObject } from '../../cluster/api.js';
import { isObject } from '../obj.js';
import { resolveResource } from '../resources.js';
import type { Target, TargetsResult } from '../targets.js';

export function namespaceFlag(_ctx: Ctx, f: Flags): string {
  return f.str('namespace') || 'default';
}

function joinPath(cwd: string, p: string): string {
  const abs = p.startsWith('/') ? p : `${cwd.replace(/\/$/, '')}/${p}`;
  const parts: string[] = [];
  for (const seg of abs.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return `/${parts.join('/')}`;
}

export interface Manifest {
  /** The name the user gave (`nginx.yaml`, `STDIN`). */
  source: string;
  text: string;
}

export type ReadResult = { ok: true; manifests: Manifest[] } | { ok: false; message: string };

/** Read every `-f` argument: a file, a directory's .yaml/.yml/.json files, or `-` (stdin). */
export async function readManifests(ctx: Ctx, files: string[]): Promise<ReadResult> {
  const manifests: Manifest[] = [];
  const cwd = ctx.io.cwd ?? ctx.io.env?.PWD ?? '/root';
  for (const name of files) {
    if (name === '-') {
      const stdin = ctx.io.stdin;
      const text = stdin === undefined ? '' : typeof stdin === 'string' ? stdin : await stdin.readAll();
      manifests.push({ source: 'STDIN', text });
      continue;
    }
    if (/^https?:\/\//.test(name)) {
      return { ok: false, message: `unable to read URL "${name}", server reported 404 Not Found, status code=404` };
    }
    const fs = ctx.io.fs;
    const path = joinPath(cwd, name);
    const st = fs?.stat?.(path);
    if (st !== undefined && typeof st !== 'string' && st.kind === 'dir' && fs?.readDir !== undefined) {
      const entries = fs.readDir(path);
      if (typeof entries === 'string') return { ok: false, message: `the path "${name}" does not exist` };
      for (const e of entries.filter((x) => /\.(ya?ml|json)$/.test(x))) {
        const text = fs.readFile(`${path}/${e}`);
        if (typeof text === 'string') manifests.push({ source: `${name.replace(/\/$/, '')}/${e}`, text });
      }
      continue;
    }
    const text = fs?.readFile(path);
    if (text === undefined || typeof text !== 'string' || text === 'ENOENT') return { ok: false, message: `the path "${name}" does not exist` };
    manifests.push({ source: name, text });
  }
  return { ok: true, manifests };
}

export type DecodeResult = { ok: true; objects: KubeObject[] } | { ok: false; message: string };

/** Objects in a manifest: YAML documents separated by `---`, JSON, or a `List`. */
export function decodeManifest(m: Manifest): DecodeResult {
  const objects: KubeObject[] = [];
  let docs: YAML.Document.Parsed[];
  try {
    docs = YAML.parseAllDocuments(m.text) as YAML.Document.Parsed[];
  } catch (e) {
    return { ok: false, message: `error parsing ${m.source}: ${(e as Error).message}` };
  }
  for (const d of docs) {
    if (d.errors.length > 0) {
      const e = d.errors[0] as YAML.YAMLError;
      const line = e.linePos?.[0]?.line;
      return { ok: false, message: `error parsing ${m.source}: error converting YAML to JSON: yaml: line ${line ?? 1}: ${e.message.split('\n')[0] ?? ''}` };
    }
    const v: unknown = d.toJS();
    if (v === null || v === undefined) continue;
    if (!isObject(v)) return { ok: false, message: `error validating "${m.source}": error validating data: invalid object to validate` };
    if (v.kind === 'List' && Array.isArray(v.items)) {
      for (const it of v.items) if (isObject(it)) objects.push(it as unknown as KubeObject);
      continue;
    }
    if (typeof v.apiVersion !== 'string' || v.apiVersion === '') {
      return { ok: false, message: `error validating "${m.source}": error validating data: apiVersion not set` };
    }
    if (typeof v.kind !== 'string' || v.kind === '') {
      return { ok: false, message: `error validating "${m.source}": error validating data: kind not set` };
    }
    objects.push(v as unknown as KubeObject);
  }
  return { ok: true, objects };
}

/** The objects named by `-f` manifests as get/describe targets (kind, namespace, name). */
export async function targetsFromFiles(ctx: Ctx, f: Flags): Promise<TargetsResult> {
  const read = await readManifests(ctx, f.list('filename'));
  if (!read.ok) return { ok: false, message: read.message };
  const targets: Target[] = [];
  const ns = namespaceFlag(ctx, f);
  for (const m of read.manifests) {
    const d = decodeManifest(m);
    if (!d.ok) return { ok: false, message: d.message };
    for (const o of d.objects) {
      const type = resolveResource(o.kind);
      if (type === undefined) return { ok: false, message: `resource mapping not found for name: "${o.metadata?.name ?? ''}" namespace: "" from "${m.source}": no matches for kind "${o.kind}" in version "${o.apiVersion}"` };
      const namespace = type.namespaced ? (o.metadata?.namespace ?? ns) : undefined;
      const same = targets.find((t) => t.type === type && t.namespace === namespace);
      if (same !== undefined) same.names.push(o.metadata.name);
      else targets.push({ type, names: [o.metadata.name], ...(namespace !== undefined ? { namespace } : {}) });
    }
  }
  if (targets.length === 0) return { ok: false, message: 'no objects passed to get' };
  return { ok: true, targets, multipleTypes: new Set(targets.map((t) => t.type)).size > 1, named: true };
}

/**
 * kubectl delete waits (--wait=true) until a gracefully deleted object is
 * really gone: a pod stays Terminating for its grace period. Bounded by the
 * grace period plus a minute of simulated time; false when Ctrl-C ended it.
 */
export async function waitUntilGone(ctx: Ctx, kind: ClusterKind, ns: string | null, name: string, uid: string | undefined): Promise<boolean> {
  const cur = ctx.api.get(kind, ns, name);
  const grace = cur.ok ? (cur.value.metadata.deletionGracePeriodSeconds ?? 30) : 0;
  const deadline = ctx.api.now() + (grace + 60) * 1000;
  for (let i = 0; i < 10_000 && ctx.api.now() < deadline; i++) {
    const g = ctx.api.get(kind, ns, name);
    if (!g.ok || (uid !== undefined && g.value.metadata.uid !== uid)) return true;
    if (ctx.io.signal?.aborted === true) return false;
    try {
      await ctx.api.sleep(250, ctx.io.signal);
    } catch {
      return false;
    }
  }
  return true;
}
