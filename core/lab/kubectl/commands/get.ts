// kubectl get: tables per kind (wide, labels, namespaces, several types),
// yaml/json/name/jsonpath/custom-columns, selectors, and `-w` which keeps
// printing rows as objects change until Ctrl-C.

import type { ApiStatus, ClusterKind, KubeObject, WatchEvent } from '../../cluster/api.js';
import { EXIT_INTERRUPTED, fail, failStatus, statusLine, untilAborted, type Ctx } from '../io.js';
import { Flags, type FlagSpec } from '../flags.js';
import { parseFieldSelector, parseLabelSelector } from '../selector.js';
import { resolveTargets, type Target } from '../targets.js';
import { parseOutput, renderObjects, renderTable, sortBy, tableRows, type OutputFormat, type TableOptions } from '../print/printer.js';
import { tabify, TABLE_TABS } from '../print/tabwriter.js';
import { rec } from '../obj.js';
import { namespaceFlag, targetsFromFiles } from './common.js';

export const GET_FLAGS: FlagSpec[] = [
  { name: 'all-namespaces', short: 'A', kind: 'bool' },
  { name: 'output', short: 'o', kind: 'string' },
  { name: 'selector', short: 'l', kind: 'string' },
  { name: 'field-selector', kind: 'string' },
  { name: 'watch', short: 'w', kind: 'bool' },
  { name: 'watch-only', kind: 'bool' },
  { name: 'show-labels', kind: 'bool' },
  { name: 'label-columns', short: 'L', kind: 'strings' },
  { name: 'no-headers', kind: 'bool' },
  { name: 'sort-by', kind: 'string' },
  { name: 'ignore-not-found', kind: 'bool' },
  { name: 'show-kind', kind: 'bool' },
  { name: 'show-managed-fields', kind: 'bool' },
  { name: 'filename', short: 'f', kind: 'strings' },
  { name: 'chunk-size', kind: 'int' },
  { name: 'output-watch-events', kind: 'bool' },
  { name: 'server-print', kind: 'bool' },
  { name: 'template', kind: 'string' },
  { name: 'allow-missing-template-keys', kind: 'bool' },
];

interface Fetched {
  kind: ClusterKind;
  objs: KubeObject[];
}

export async function get(ctx: Ctx, f: Flags): Promise<number> {
  if (f.args.length === 0 && f.list('filename').length === 0) {
    ctx.io.stderr(
      'You must specify the type of resource to get. Use "kubectl api-resources" for a complete list of supported resources.\n\n' +
        'error: Required resource not specified.\n' +
        'Use "kubectl explain <resource>" for a detailed description of that resource (e.g. kubectl explain pods).\n' +
        "See 'kubectl get -h' for help and examples\n",
    );
    return 1;
  }
  const o = f.str('output');
  const fmt = parseOutput(['go-template', 'template', 'jsonpath'].includes(o) && f.has('template') ? `${o}=${f.str('template')}` : o);
  if (!fmt.ok) return fail(ctx, fmt.message);
  const tr = f.list('filename').length > 0 ? await targetsFromFiles(ctx, f) : resolveTargets(f.args);
  if (!tr.ok) return fail(ctx, tr.message);
  const allNs = f.bool('all-namespaces');
  const ns = namespaceFlag(ctx, f);
  const sel = parseLabelSelector(f.str('selector'));
  if (!sel.ok) return fail(ctx, sel.message);
  const fsel = parseFieldSelector(f.str('field-selector'));
  if (!fsel.ok) return fail(ctx, fsel.message);
  if (tr.named && allNs && f.list('filename').length === 0) return fail(ctx, 'a resource cannot be retrieved by name across all namespaces');
  if (tr.named && f.has('selector')) return fail(ctx, 'selector (-l) cannot be used with names');

  const fetched: Fetched[] = [];
  const errors: string[] = [];
  for (const t of tr.targets) {
    const r = fetchTarget(ctx, t, allNs ? null : ns, (o) => sel.matches(rec(o, 'metadata.labels')) && fsel.matches(o));
    if (!r.ok) return failStatus(ctx, r.status);
    errors.push(...r.errors);
    fetched.push({ kind: t.type.kind, objs: f.has('sort-by') ? (sortBy(r.objs, f.str('sort-by')) as KubeObject[]) : r.objs });
  }
  const ignoreNotFound = f.bool('ignore-not-found');
  const total = fetched.reduce((n, x) => n + x.objs.length, 0);
  const now = ctx.api.now();
  const format = fmt.format;
  const withKind = tr.multipleTypes || f.bool('show-kind') || fetched.filter((x) => x.objs.length > 0).length > 1;
  const topt: TableOptions = {
    wide: format.kind === 'table' && format.wide,
    withNamespace: allNs && tr.targets.some((t) => t.type.namespaced),
    withKind,
    showLabels: f.bool('show-labels'),
    labelColumns: f.list('label-columns'),
    noHeaders: f.bool('no-headers'),
  };

  const widths: Map<ClusterKind, number[]> = new Map();
  if (!f.bool('watch-only')) {
    if (format.kind === 'table') {
      const parts: string[] = [];
      for (const x of fetched) {
        if (x.objs.length === 0) continue;
        const text = renderTable(x.kind, x.objs, now, topt);
        widths.set(x.kind, columnWidths(text));
        parts.push(text);
      }
      if (parts.length > 0) ctx.io.stdout(parts.join('\n'));
    } else if (total > 0 || tr.named) {
      const all = fetched.flatMap((x) => x.objs);
      const single = tr.named && tr.targets.length === 1 && (tr.targets[0] as Target).names.length === 1 && errors.length === 0;
      if (all.length > 0 || format.kind === 'yaml' || format.kind === 'json' || format.kind === 'jsonpath') {
        if (!(tr.named && all.length === 0)) {
          const r = renderObjects(format, all, single, { noHeaders: topt.noHeaders, showManagedFields: f.bool('show-managed-fields') });
          if (!r.ok) return fail(ctx, r.message);
          ctx.io.stdout(r.text);
        }
      }
    } else if (format.kind === 'yaml' || format.kind === 'json') {
      const r = renderObjects(format, [], false);
      if (r.ok) ctx.io.stdout(r.text);
    }
    if (total === 0 && !tr.named && format.kind !== 'yaml' && format.kind !== 'json' && !f.bool('watch')) {
      const clusterScoped = tr.targets.every((t) => !t.type.namespaced);
      ctx.io.stderr(allNs || clusterScoped ? 'No resources found\n' : `No resources found in ${ns} namespace.\n`);
    }
    if (errors.length > 0 && !ignoreNotFound) {
      ctx.io.stderr(errors.map((e) => `${e}\n`).join(''));
      if (!f.bool('watch')) return 1;
    }
  }
  if (!f.bool('watch') && !f.bool('watch-only')) return 0;
  return watch(ctx, f, tr.targets, allNs ? null : ns, topt, widths, format.kind === 'table' ? null : format, (o) => sel.matches(rec(o, 'metadata.labels')) && fsel.matches(o));
}

type FetchResult = { ok: true; objs: KubeObject[]; errors: string[] } | { ok: false; status: ApiStatus };

export function fetchTarget(ctx: Ctx, t: Target, ns: string | null, keep: (o: KubeObject) => boolean): FetchResult {
  const kind = t.type.kind;
  const scope = t.type.namespaced ? ns : null;
  if (t.names.length === 0) {
    if (kind === 'Event') return { ok: true, objs: ctx.api.events(scope).filter(keep), errors: [] };
    const r = ctx.api.list(kind, scope);
    if (!r.ok) return { ok: false, status: r.status };
    return { ok: true, objs: r.value.filter(keep), errors: [] };
  }
  const objs: KubeObject[] = [];
  const errors: string[] = [];
  for (const name of t.names) {
    const r = ctx.api.get(kind, t.type.namespaced ? (t.namespace ?? ns ?? 'default') : null, name);
    if (r.ok) objs.push(r.value);
    else errors.push(statusLine(r.status));
  }
  return { ok: true, objs, errors };
}

/** Cell widths of the first line of a laid-out table (tabwriter's remembered widths). */
function columnWidths(text: string): number[] {
  const first = text.split('\n')[0] ?? '';
  const widths: number[] = [];
  const re = /\S+(?: \S+)*(?:\s{3,}|$)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(first)) !== null && m[0] !== '') widths.push(m[0].length);
  return widths;
}

async function watch(
  ctx: Ctx,
  f: Flags,
  targets: Target[],
  ns: string | null,
  topt: TableOptions,
  widths: Map<ClusterKind, number[]>,
  objFormat: OutputFormat | null,
  keep: (o: KubeObject) => boolean,
): Promise<number> {
  const signal = ctx.io.signal;
  const unsubs: (() => void)[] = [];
  for (const t of targets) {
    const kind = t.type.kind;
    const listener = (e: WatchEvent): void => {
      const o = e.object;
      if (t.names.length > 0 && !t.names.includes(o.metadata.name)) return;
      if (!keep(o)) return;
      if (objFormat !== null) {
        const r = renderObjects(objFormat, [o], true);
        if (r.ok) ctx.io.stdout(objFormat.kind === 'json' || objFormat.kind === 'yaml' ? (objFormat.kind === 'yaml' ? `---\n${r.text}` : r.text) : r.text);
        return;
      }
      const { header, rows } = tableRows(kind, [o], ctx.api.now(), { ...topt, noHeaders: false });
      let known = widths.get(kind);
      if (known === undefined) {
        // nothing printed yet for this kind: print a header first, as kubectl does
        const text = tabify([header, ...rows].map((r) => r.join('\t')).join('\n') + '\n', TABLE_TABS);
        widths.set(kind, columnWidths(text));
        ctx.io.stdout(topt.noHeaders ? text.split('\n').slice(1).join('\n') : text);
        return;
      }
      const row = rows[0] as string[];
      known = known.map((w, i) => Math.max(w, (row[i]?.length ?? 0) + 3));
      widths.set(kind, known);
      ctx.io.stdout(row.map((c, i) => (i < row.length - 1 ? c.padEnd(known?.[i] ?? c.length + 3) : c)).join('') + '\n');
    };
    unsubs.push(ctx.api.watch(kind, t.type.namespaced ? ns : null, listener));
  }
  if (signal === undefined) {
    // nobody can press Ctrl-C: print what there is and stop instead of hanging
    for (const u of unsubs) u();
    return 0;
  }
  await untilAborted(signal);
  for (const u of unsubs) u();
  return EXIT_INTERRUPTED;
}
