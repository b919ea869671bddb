// Loose, safe reads of Kubernetes objects as plain JSON. kubectl prints
// whatever the API server stores, so the printers read fields defensively
// instead of trusting a static type for every kind.

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

/** A Kubernetes object as stored: apiVersion, kind, metadata, spec, status. */
export type KObject = JsonObject;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value at a dotted path (`spec.ports`), or undefined. */
export function at(o: unknown, path: string): unknown {
  let cur: unknown = o;
  for (const key of path.split('.')) {
    if (!isObject(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

export function str(o: unknown, path: string, dflt = ''): string {
  const v = at(o, path);
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : dflt;
}

export function num(o: unknown, path: string, dflt = 0): number {
  const v = at(o, path);
  return typeof v === 'number' ? v : dflt;
}

export function arr(o: unknown, path: string): unknown[] {
  const v = at(o, path);
  return Array.isArray(v) ? v : [];
}

export function rec(o: unknown, path: string): Record<string, string> {
  const v = at(o, path);
  if (!isObject(v)) return {};
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) out[k] = typeof x === 'string' ? x : JSON.stringify(x);
  return out;
}

export const nameOf = (o: unknown): string => str(o, 'metadata.name');
export const namespaceOf = (o: unknown): string => str(o, 'metadata.namespace');

/** `k=v,k2=v2` sorted by key, as kubectl prints labels and selectors; `<none>` when empty. */
export function labelsString(labels: Record<string, string>, none = '<none>'): string {
  const keys = Object.keys(labels).sort();
  return keys.length === 0 ? none : keys.map((k) => `${k}=${labels[k] as string}`).join(',');
}

export function deepClone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** Keys in sorted order at every level, as Go's encoding/json writes maps (kubectl prints unstructured objects). */
export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isObject(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k]);
    return out;
  }
  return v;
}
