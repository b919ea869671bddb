// Field readers for untyped YAML/JSON values. Each records an error in the
// API server's words (`spec.ports[0].port: Invalid value: "http": must be an
// integer`) with the field path, the object and, when known, the line.

import type { UserError } from '../errors.js';

export type PathElem = string | number;

/** `spec.ports[0].port` from ['spec', 'ports', 0, 'port']. */
export function fieldPath(path: readonly PathElem[]): string {
  let s = '';
  for (const p of path) {
    if (typeof p === 'number') s += `[${p}]`;
    else s += s === '' ? p : `.${p}`;
  }
  return s;
}

/** Where an object sits in its file, so errors can say line and column. */
export interface Locator {
  file?: string;
  /** Line/column of the value at this path (relative to the object), if known. */
  locate(path: readonly PathElem[]): { line: number; column: number } | undefined;
}

export class FieldReader {
  readonly errors: UserError[] = [];
  constructor(
    private readonly loc: Locator,
    /** `Service default/nginx` once known. */
    public object: string | undefined,
  ) {}

  error(path: readonly PathElem[], message: string): void {
    const e: UserError = { message };
    if (this.loc.file !== undefined) e.file = this.loc.file;
    // A missing field has no position: point at the nearest enclosing value instead.
    let where: { line: number; column: number } | undefined;
    for (let n = path.length; n >= 0 && where === undefined; n--) where = this.loc.locate(path.slice(0, n));
    if (where !== undefined) {
      e.line = where.line;
      e.column = where.column;
    }
    if (this.object !== undefined) e.object = this.object;
    if (path.length > 0) e.field = fieldPath(path);
    this.errors.push(e);
  }

  invalid(path: readonly PathElem[], value: unknown, why: string): void {
    this.error(path, `Invalid value: ${show(value)}: ${why}`);
  }

  required(path: readonly PathElem[]): void {
    this.error(path, 'Required value');
  }

  /** A map (object) or undefined; anything else is an error. */
  map(v: unknown, path: readonly PathElem[]): Record<string, unknown> | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    this.invalid(path, v, 'must be an object');
    return undefined;
  }

  list(v: unknown, path: readonly PathElem[]): unknown[] | undefined {
    if (v === undefined || v === null) return undefined;
    if (Array.isArray(v)) return v;
    this.invalid(path, v, 'must be a list');
    return undefined;
  }

  string(v: unknown, path: readonly PathElem[]): string | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') {
      this.invalid(path, v, 'must be a string');
      return undefined;
    }
    this.invalid(path, v, 'must be a string');
    return undefined;
  }

  bool(v: unknown, path: readonly PathElem[]): boolean | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'boolean') return v;
    this.invalid(path, v, 'must be a boolean');
    return undefined;
  }

  int(v: unknown, path: readonly PathElem[]): number | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    this.invalid(path, v, 'must be an integer');
    return undefined;
  }

  /** An integer within [min, max] (ports: 1..65535). */
  intIn(v: unknown, path: readonly PathElem[], min: number, max: number): number | undefined {
    const n = this.int(v, path);
    if (n === undefined) return undefined;
    if (n < min || n > max) {
      this.invalid(path, n, `must be between ${min} and ${max}, inclusive`);
      return undefined;
    }
    return n;
  }

  oneOf<T extends string>(v: unknown, path: readonly PathElem[], allowed: readonly T[]): T | undefined {
    const s = this.string(v, path);
    if (s === undefined) return undefined;
    if ((allowed as readonly string[]).includes(s)) return s as T;
    this.error(path, `Unsupported value: ${show(s)}: supported values: ${allowed.map((a) => show(a)).join(', ')}`);
    return undefined;
  }

  stringList(v: unknown, path: readonly PathElem[]): string[] | undefined {
    const l = this.list(v, path);
    if (l === undefined) return undefined;
    const out: string[] = [];
    l.forEach((x, i) => {
      const s = this.string(x, [...path, i]);
      if (s !== undefined) out.push(s);
    });
    return out;
  }

  stringMap(v: unknown, path: readonly PathElem[]): Record<string, string> | undefined {
    const m = this.map(v, path);
    if (m === undefined) return undefined;
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(m)) {
      // Label values such as `true` or `8080` arrive as YAML scalars; the API stores their text.
      if (typeof x === 'string') out[k] = x;
      else if (typeof x === 'number' || typeof x === 'boolean') this.invalid([...path, k], x, 'must be a string');
      else if (x !== null) this.invalid([...path, k], x, 'must be a string');
    }
    return out;
  }
}

/** A value as the API server quotes it in messages: strings in double quotes, numbers bare. */
export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return '[]interface {}{...}';
  return 'map[string]interface {}{...}';
}
