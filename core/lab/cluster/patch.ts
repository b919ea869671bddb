// The three patch types kubectl sends: JSON merge patch (RFC 7386), strategic
// merge patch (merge patch plus keyed lists for the fields the lab models), and
// JSON patch (RFC 6902).

import { clone, isObject, jsonEqual } from './objects.js';

/** Lists merged by key in a strategic merge patch (as the Go struct tags say). */
const MERGE_KEYS: Record<string, string> = {
  ports: 'port', // Service ports (containers' ports use containerPort, see below)
  containers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  tolerations: 'key',
};

export function mergePatch(target: unknown, patch: unknown, strategic = false, parentKey = ''): unknown {
  if (!isObject(patch)) {
    if (strategic && Array.isArray(patch) && Array.isArray(target)) return mergeList(target, patch, parentKey);
    return clone(patch);
  }
  const out: Record<string, unknown> = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (strategic && k === '$patch') continue;
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v, strategic, k);
  }
  return out;
}

function mergeList(target: unknown[], patch: unknown[], parentKey: string): unknown[] {
  let key = MERGE_KEYS[parentKey];
  if (parentKey === 'ports' && patch.some((p) => isObject(p) && 'containerPort' in p)) key = 'containerPort';
  if (key === undefined || !patch.every(isObject) || !target.every(isObject)) return clone(patch);
  const out = clone(target) as Record<string, unknown>[];
  for (const item of patch as Record<string, unknown>[]) {
    const idx = out.findIndex((o) => o[key] !== undefined && jsonEqual(o[key], item[key]));
    if (item.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) out[idx] = mergePatch(out[idx], item, true) as Record<string, unknown>;
    else out.push(clone(item));
  }
  return out;
}

export type JsonPatchError = { message: string };

function unescapePointer(seg: string): string {
  return seg.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** RFC 6902. Errors use the API server's words (`the server rejected our request due to an error in our request`). */
export function jsonPatch(doc: unknown, ops: unknown): { ok: true; value: unknown } | { ok: false; message: string } {
  if (!Array.isArray(ops)) return { ok: false, message: 'json: cannot unmarshal object into Go value of type jsonpatch.Patch' };
  let cur = clone(doc);
  for (const op of ops) {
    if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string') {
      return { ok: false, message: 'the server rejected our request due to an error in our request' };
    }
    const path = op.path === '' ? [] : op.path.split('/').slice(1).map(unescapePointer);
    const getAt = (p: string[]): unknown => p.reduce<unknown>((o, s) => (Array.isArray(o) ? o[Number(s)] : isObject(o) ? o[s] : undefined), cur);
    const parentOf = (p: string[]): unknown => getAt(p.slice(0, -1));
    const last = path[path.length - 1] ?? '';
    const missing = (): { ok: false; message: string } => ({ ok: false, message: `the server rejected our request due to an error in our request` });
    switch (op.op) {
      case 'add': case 'replace': {
        if (path.length === 0) { cur = clone(op.value); break; }
        const parent = parentOf(path);
        if (Array.isArray(parent)) {
          const i = last === '-' ? parent.length : Number(last);
          if (!Number.isInteger(i) || i < 0 || i > parent.length) return missing();
          if (op.op === 'add') parent.splice(i, 0, clone(op.value));
          else { if (i >= parent.length) return missing(); parent[i] = clone(op.value); }
        } else if (isObject(parent)) {
          if (op.op === 'replace' && !(last in parent)) return { ok: false, message: `replace operation does not apply: doc is missing key: ${op.path}: missing value` };
          parent[last] = clone(op.value);
        } else return { ok: false, message: `${op.op} operation does not apply: doc is missing path: "${op.path}": missing value` };
        break;
      }
      case 'remove': {
        const parent = parentOf(path);
        if (Array.isArray(parent)) parent.splice(Number(last), 1);
        else if (isObject(parent) && last in parent) delete parent[last];
        else return { ok: false, message: `remove operation does not apply: doc is missing path: "${op.path}": missing value` };
        break;
      }
      case 'test':
        if (!jsonEqual(getAt(path), op.value)) return { ok: false, message: `testing value ${op.path} failed: test failed` };
        break;
      case 'move': case 'copy': {
        if (typeof op.from !== 'string') return missing();
        const from = op.from.split('/').slice(1).map(unescapePointer);
        const v = clone(getAt(from));
        if (op.op === 'move') {
          const r = jsonPatch(cur, [{ op: 'remove', path: op.from }]);
          if (!r.ok) return r;
          cur = r.value;
        }
        const r = jsonPatch(cur, [{ op: 'add', path: op.path, value: v }]);
        if (!r.ok) return r;
        cur = r.value;
        break;
      }
      default:
        return { ok: false, message: `Unexpected kind: ${op.op}` };
    }
  }
  return { ok: true, value: cur };
}
