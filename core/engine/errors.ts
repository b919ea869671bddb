// Errors are values a person can act on: where (file, line, column, object,
// field) and what was expected. Functions that parse user input return
// Result<T> instead of throwing.

export interface Location {
  file?: string;
  line?: number;
  column?: number;
  /** A Kubernetes object, as `Service default/nginx`. */
  object?: string;
  /** A field path, as `spec.ports[0].port`. */
  field?: string;
}

export interface UserError extends Location {
  message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; errors: UserError[] };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(...errors: UserError[]): Result<T> => ({ ok: false, errors });

/** `file:line:col: message` or `file: Service default/nginx: spec.ports[0].port: message`. */
export function formatError(e: UserError): string {
  const head: string[] = [];
  if (e.file !== undefined) {
    let where = e.file;
    if (e.line !== undefined) where += `:${e.line}`;
    if (e.line !== undefined && e.column !== undefined) where += `:${e.column}`;
    head.push(where);
  } else if (e.line !== undefined) {
    head.push(e.column !== undefined ? `line ${e.line}, column ${e.column}` : `line ${e.line}`);
  }
  if (e.object !== undefined) head.push(e.object);
  if (e.field !== undefined) head.push(e.field);
  return head.length > 0 ? `${head.join(': ')}: ${e.message}` : e.message;
}
