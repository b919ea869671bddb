// API-server failures with the server's own words (apimachinery's StatusError
// messages), so kubectl prints exactly what a real cluster prints.

import type { ApiResult, ApiStatus, ClusterKind, StatusCause } from './api.js';
import { resourceName } from './api.js';

export const okv = <T>(value: T): ApiResult<T> => ({ ok: true, value });

function status(reason: ApiStatus['reason'], code: number, message: string, details?: ApiStatus['details']): { ok: false; status: ApiStatus } {
  return { ok: false, status: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, code, message, ...(details ? { details } : {}) } };
}

/** `services "x" not found` */
export function notFound(kind: ClusterKind, name: string): { ok: false; status: ApiStatus } {
  return status('NotFound', 404, `${resourceName(kind)} "${name}" not found`, { name, kind: resourceName(kind).split('.')[0] });
}

/** `namespaces "x" not found` for a missing namespace. */
export function namespaceNotFound(ns: string): { ok: false; status: ApiStatus } {
  return status('NotFound', 404, `namespaces "${ns}" not found`, { name: ns, kind: 'namespaces' });
}

/** `services "x" already exists` */
export function alreadyExists(kind: ClusterKind, name: string): { ok: false; status: ApiStatus } {
  return status('AlreadyExists', 409, `${resourceName(kind)} "${name}" already exists`, { name, kind: resourceName(kind).split('.')[0] });
}

export function badRequest(message: string): { ok: false; status: ApiStatus } {
  return status('BadRequest', 400, message);
}

export function conflict(kind: ClusterKind, name: string, why: string): { ok: false; status: ApiStatus } {
  return status('Conflict', 409, `Operation cannot be fulfilled on ${resourceName(kind)} "${name}": ${why}`, { name, kind: resourceName(kind).split('.')[0] });
}

/** How field.Error prints a value: numbers bare, strings quoted, lists as Go's %#v. */
export function goValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return `[]string{${v.map((x) => JSON.stringify(x)).join(', ')}}`;
  if (v !== null && typeof v === 'object' && Object.values(v).every((x) => typeof x === 'string')) {
    const entries = Object.entries(v as Record<string, string>).sort(([a], [b]) => a.localeCompare(b));
    return `map[string]string{${entries.map(([k, x]) => `${JSON.stringify(k)}:${JSON.stringify(x)}`).join(', ')}}`;
  }
  return JSON.stringify(v);
}

/** A field error, as `field.Invalid(path, value, detail)` and friends produce it. */
export interface FieldError { field: string; reason: StatusCause['reason']; message: string }

export const invalidValue = (field: string, value: unknown, detail: string): FieldError =>
  ({ field, reason: 'FieldValueInvalid', message: `Invalid value: ${goValue(value)}: ${detail}` });
export const required = (field: string, detail = ''): FieldError =>
  ({ field, reason: 'FieldValueRequired', message: detail ? `Required value: ${detail}` : 'Required value' });
export const unsupported = (field: string, value: unknown, supported: string[]): FieldError =>
  ({ field, reason: 'FieldValueNotSupported', message: `Unsupported value: ${goValue(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}` });
export const duplicate = (field: string, value: unknown): FieldError =>
  ({ field, reason: 'FieldValueDuplicate', message: `Duplicate value: ${goValue(value)}` });
export const forbidden = (field: string, detail: string): FieldError =>
  ({ field, reason: 'FieldValueForbidden', message: `Forbidden: ${detail}` });

/**
 * `The Service "nginx" is invalid: spec.ports[0].nodePort: Invalid value: 30450: provided port is already allocated`
 * (kubectl's words; with several causes one `* field: message` line each).
 */
export function invalid(kind: string, name: string, errors: FieldError[]): { ok: false; status: ApiStatus } {
  const causes: StatusCause[] = errors.map((e) => ({ reason: e.reason, message: e.message, field: e.field }));
  const head = `The ${kind} "${name}" is invalid: `;
  const body = errors.length === 1
    ? `${errors[0]!.field}: ${errors[0]!.message}`
    : `\n${errors.map((e) => `* ${e.field}: ${e.message}`).join('\n')}`;
  return status('Invalid', 422, head + body, { name, kind, causes });
}
