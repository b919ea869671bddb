// Kubernetes objects from real YAML or JSON: multi-document streams, `kind: List`
// (and `ServiceList` …) as `kubectl get -o yaml` prints them. Structural errors
// name the file, the line, the object (`Service default/nginx`) and the field.

import { LineCounter, parseAllDocuments, isMap, isSeq, isNode } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import type { Result, UserError } from '../errors.js';
import type { K8sObject } from './types.js';
import type { Locator, PathElem } from './fields.js';
import { FieldReader } from './fields.js';
import { readObject, SUPPORTED_KINDS } from './objects.js';

export interface ParsedObjects {
  objects: K8sObject[];
  /** Objects of kinds kube-proxy does not watch (Deployment, ConfigMap …), as `Kind ns/name`. */
  ignored: string[];
}

export interface ParseObjectsOptions {
  file?: string;
}

/** Every supported object in `text`, in document order; errors for the rest of the file too. */
export function parseObjects(text: string, opts: ParseObjectsOptions = {}): Result<ParsedObjects> {
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false });
  const errors: UserError[] = [];
  const out: ParsedObjects = { objects: [], ignored: [] };
  const file = opts.file;
  const docList = Array.isArray(docs) ? docs : [docs];
  for (const doc of docList) {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const pos = lc.linePos(e.pos[0]);
        const u: UserError = { line: pos.line, column: pos.col, message: firstLine(e.message) };
        if (file !== undefined) u.file = file;
        errors.push(u);
      }
      continue;
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue; // empty document (`---` at the end)
    const root = doc.contents;
    const locAt = (base: readonly PathElem[]): Locator => {
      const l: Locator = {
        locate: (path) => {
          const node = nodeAt(root, [...base, ...path]);
          if (node?.range === undefined || node.range === null) return undefined;
          const p = lc.linePos(node.range[0]);
          return { line: p.line, column: p.col };
        },
      };
      if (file !== undefined) l.file = file;
      return l;
    };
    readTop(value, [], locAt, out, errors);
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: out };
}

function readTop(
  value: unknown,
  base: PathElem[],
  locAt: (base: readonly PathElem[]) => Locator,
  out: ParsedObjects,
  errors: UserError[],
): void {
  const r = new FieldReader(locAt(base), undefined);
  const m = r.map(value, []);
  if (m === undefined) {
    if (r.errors.length === 0) r.error([], 'Invalid value: the document is not a Kubernetes object');
    errors.push(...r.errors);
    return;
  }
  const kind = m['kind'];
  if (typeof kind !== 'string') {
    r.required(['kind']);
    errors.push(...r.errors);
    return;
  }
  if (kind === 'List' || (kind.endsWith('List') && Array.isArray(m['items']))) {
    const items = r.list(m['items'], ['items']) ?? [];
    errors.push(...r.errors);
    items.forEach((item, i) => readTop(item, [...base, 'items', i], locAt, out, errors));
    return;
  }
  if (!SUPPORTED_KINDS.includes(kind)) {
    const meta = m['metadata'] as Record<string, unknown> | undefined;
    const name = typeof meta?.['name'] === 'string' ? meta['name'] : '';
    const ns = typeof meta?.['namespace'] === 'string' ? `${meta['namespace']}/` : '';
    out.ignored.push(`${kind} ${ns}${name}`);
    return;
  }
  const obj = readObject(kind, m, r);
  if (r.errors.length > 0) errors.push(...r.errors);
  else if (obj !== undefined) out.objects.push(obj);
}

function nodeAt(root: unknown, path: readonly PathElem[]): YamlNode | undefined {
  let cur: unknown = root;
  for (const p of path) {
    if (isMap(cur)) cur = cur.get(p, true);
    else if (isSeq(cur) && typeof p === 'number') cur = cur.get(p, true);
    else return undefined;
  }
  return isNode(cur) ? cur : undefined;
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
