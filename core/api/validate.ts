// The boundary check every host transport runs before a request reaches a lab.
import type { UserError } from '../engine/errors.js';
import { isMethod, requestEnvelopeSchema, requestSchemas, type Method } from './schemas.js';

export type ValidRequest = { id: number; method: Method; params: unknown };

/** Checks the envelope and the params of one request; errors name the field. */
export function validateRequest(raw: unknown): { ok: true; request: ValidRequest } | { ok: false; id: number; errors: UserError[] } {
  const env = requestEnvelopeSchema.safeParse(raw);
  const rawId = typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'number' ? (raw as { id: number }).id : 0;
  if (!env.success) return { ok: false, id: rawId, errors: [{ message: `malformed request: ${env.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ')}` }] };
  const { id, method, params } = env.data;
  if (!isMethod(method)) return { ok: false, id, errors: [{ message: `unknown method '${method}'`, field: 'method' }] };
  const p = requestSchemas[method].safeParse(params ?? {});
  if (!p.success) {
    return { ok: false, id, errors: p.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })) };
  }
  return { ok: true, request: { id, method, params: p.data } };
}
