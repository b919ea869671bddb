// One place that turns a set of fetched objects into what kubectl prints for
// an output format: tables (with NAMESPACE, kind prefixes, LABELS, -L columns,
// --no-headers), wide, yaml, json, name, jsonpath, custom-columns.

import { COLUMNS } from './rows.js';
import { table } from './tabwriter.js';
import { asList, objectName, stripManagedFields, toJson, toYaml } from './output.js';
import { jsonPath } from './jsonpath.js';
import { goTemplate } from './gotemplate.js';
import { at, namespaceOf, rec, str, labelsString } from '../obj.js';
import { qualifiedSingular, resolveResource } from '../resources.js';

export type OutputFormat =
  | { kind: 'table'; wide: boolean }
  | { kind: 'yaml' }
  | { kind: 'json' }
  | { kind: 'name' }
  | { kind: 'jsonpath'; template: string }
  | { kind: 'go-template'; template: string }
  | { kind: 'custom-columns'; columns: { header: string; template: string }[] };

export type FormatResult = { ok: true; format: OutputFormat } | { ok: false; message: string };

const ALLOWED = 'json, yaml, name, go-template, go-template-file, template, templatefile, jsonpath, jsonpath-as-json, jsonpath-file, custom-columns, custom-columns-file, wide';

/** `(.metadata.name)` → `{.metadata.name}`: kubectl's relaxed JSONPath for custom columns and --sort-by. */
export function relaxedJsonPath(p: string): string {
  let s = p.trim();
  if (s.startsWith('{') && s.endsWith('}')) return s;
  if (!s.startsWith('.') && !s.startsWith('[')) s = `.${s}`;
  return `{${s}}`;
}

export function parseOutput(o: string, allowWide = true): FormatResult {
  if (o === '') return { ok: true, format: { kind: 'table', wide: false } };
  if (o === 'wide' && allowWide) return { ok: true, format: { kind: 'table', wide: true } };
  if (o === 'yaml') return { ok: true, format: { kind: 'yaml' } };
  if (o === 'json') return { ok: true, format: { kind: 'json' } };
  if (o === 'name') return { ok: true, format: { kind: 'name' } };
  const eq = o.indexOf('=');
  const head = eq >= 0 ? o.slice(0, eq) : o;
  const arg = eq >= 0 ? o.slice(eq + 1) : '';
  if (head === 'jsonpath' || head === 'jsonpath-as-json') {
    if (arg === '') return { ok: false, message: 'template format specified but no template given' };
    return { ok: true, format: { kind: 'jsonpath', template: arg } };
  }
  if (head === 'go-template' || head === 'template') {
    if (arg === '') return { ok: false, message: 'template format specified but no template given' };
    return { ok: true, format: { kind: 'go-template', template: arg } };
  }
  if (head === 'custom-columns') {
    if (arg === '') return { ok: false, message: 'custom-columns format specified but no custom columns given' };
    const columns: { header: string; template: string }[] = [];
    for (const spec of arg.split(',')) {
      const c = spec.indexOf(':');
      if (c < 0) return { ok: false, message: `unexpected custom-columns spec: ${spec}, expected <header>:<json-path-expr>` };
      columns.push({ header: spec.slice(0, c), template: relaxedJsonPath(spec.slice(c + 1)) });
    }
    return { ok: true, format: { kind: 'custom-columns', columns } };
  }
  return { ok: false, message: `unable to match a printer suitable for the output format "${o}", allowed formats are: ${ALLOWED}` };
}

export interface TableOptions {
  wide: boolean;
  /** NAMESPACE first (-A). */
  withNamespace: boolean;
  /** `pod/nginx` names (several types requested). */
  withKind: boolean;
  showLabels: boolean;
  labelColumns: string[];
  noHeaders: boolean;
}

/** Header and rows for objects of one kind. */
export function tableRows(kind: string, objs: unknown[], now: number, opt: TableOptions): { header: string[]; rows: string[][] } {
  const cols = COLUMNS[kind];
  const r = resolveResource(kind);
  const prefix = opt.withKind && r !== undefined ? `${qualifiedSingular(r)}/` : '';
  const header: string[] = [];
  if (opt.withNamespace) header.push('NAMESPACE');
  if (cols === undefined) header.push('NAME', 'AGE');
  else header.push(...cols.headers, ...(opt.wide ? cols.wideHeaders : []));
  header.push(...opt.labelColumns.map((l) => (l.split('/').pop() ?? l).toUpperCase()));
  if (opt.showLabels) header.push('LABELS');
  const rows = objs.map((o) => {
    const cells: string[] = [];
    if (opt.withNamespace) cells.push(namespaceOf(o));
    const base = cols === undefined ? [str(o, 'metadata.name'), ''] : cols.row(o, now, opt.wide);
    if (kind !== 'Event') base[0] = `${prefix}${base[0] as string}`;
    cells.push(...base);
    const labels = rec(o, 'metadata.labels');
    for (const l of opt.labelColumns) cells.push(labels[l] ?? '');
    if (opt.showLabels) cells.push(labelsString(labels));
    return cells;
  });
  return { header, rows };
}

export function renderTable(kind: string, objs: unknown[], now: number, opt: TableOptions): string {
  const { header, rows } = tableRows(kind, objs, now, opt);
  return table(opt.noHeaders ? rows : [header, ...rows]);
}

export type RenderResult = { ok: true; text: string } | { ok: false; message: string };

/** yaml/json/name/jsonpath/custom-columns for objects; `single` prints the object itself rather than a List. */
export function renderObjects(format: OutputFormat, objs: unknown[], single: boolean, opts: { noHeaders?: boolean; showManagedFields?: boolean } = {}): RenderResult {
  const clean = opts.showManagedFields === true ? objs : objs.map(stripManagedFields);
  const data = single && clean.length === 1 ? clean[0] : asList(clean);
  switch (format.kind) {
    case 'yaml':
      return { ok: true, text: toYaml(data) };
    case 'json':
      return { ok: true, text: toJson(data) };
    case 'name':
      return { ok: true, text: clean.map((o) => `${objectName(o)}\n`).join('') };
    case 'jsonpath': {
      const r = jsonPath(format.template, data);
      return r.ok ? { ok: true, text: r.value } : { ok: false, message: r.message };
    }
    case 'go-template': {
      const r = goTemplate(format.template, data);
      return r.ok ? { ok: true, text: r.value } : { ok: false, message: r.message };
    }
    case 'custom-columns': {
      const rows: string[][] = [];
      for (const o of clean) {
        const cells: string[] = [];
        for (const c of format.columns) {
          const r = jsonPath(c.template, o);
          if (!r.ok) return { ok: false, message: r.message };
          cells.push(r.value === '' ? '<none>' : r.value);
        }
        rows.push(cells);
      }
      return { ok: true, text: table(opts.noHeaders === true ? rows : [format.columns.map((c) => c.header), ...rows]) };
    }
    case 'table':
      return { ok: false, message: 'table output needs renderTable' };
  }
}

/** Sort objects by a relaxed JSONPath (--sort-by); numbers numerically, strings lexically. */
export function sortBy(objs: unknown[], path: string): unknown[] {
  const key = (o: unknown): unknown => {
    const tpl = relaxedJsonPath(path).slice(2, -1);
    return at(o, tpl);
  };
  return [...objs].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x ?? '').localeCompare(String(y ?? ''));
  });
}
