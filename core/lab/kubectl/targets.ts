// What `kubectl get|describe|delete` arguments name: `pods`, `svc nginx web`,
// `svc,ep`, `svc/nginx pod/web`, `all`. Resolved to resource types and names,
// with kubectl's error words for unknown types and mixed forms.

import { ALL_KINDS, RESOURCES, resolveResource, type ResourceType } from './resources.js';

export interface Target {
  type: ResourceType;
  /** Empty: every object of the type. */
  names: string[];
  /** The namespace named by a manifest (`-f`), over -n. */
  namespace?: string;
}

export type TargetsResult =
  | { ok: true; targets: Target[]; multipleTypes: boolean; named: boolean }
  | { ok: false; message: string };

const unknownType = (t: string): TargetsResult => ({ ok: false, message: `the server doesn't have a resource type "${t}"` });

function typesOf(spec: string): ResourceType[] | string {
  const out: ResourceType[] = [];
  for (const t of spec.split(',')) {
    if (t === '') continue;
    if (t.toLowerCase() === 'all') {
      for (const k of ALL_KINDS) out.push(RESOURCES.find((r) => r.kind === k) as ResourceType);
      continue;
    }
    const r = resolveResource(t);
    if (r === undefined) return t;
    out.push(r);
  }
  return out;
}

export function resolveTargets(args: string[]): TargetsResult {
  if (args.some((a) => a.includes('/'))) {
    if (!args.every((a) => a.includes('/'))) {
      return {
        ok: false,
        message: `there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'`,
      };
    }
    const targets: Target[] = [];
    for (const a of args) {
      const slash = a.indexOf('/');
      const typed = a.slice(0, slash);
      const name = a.slice(slash + 1);
      const r = resolveResource(typed);
      if (r === undefined) return unknownType(typed);
      if (name === '') return { ok: false, message: `arguments in resource/name form must have a single resource and name` };
      const existing = targets.find((t) => t.type === r);
      if (existing !== undefined) existing.names.push(name);
      else targets.push({ type: r, names: [name] });
    }
    return { ok: true, targets, multipleTypes: targets.length > 1, named: true };
  }
  const [typeSpec, ...names] = args;
  if (typeSpec === undefined) return { ok: false, message: 'Required resource not specified.' };
  const types = typesOf(typeSpec);
  if (typeof types === 'string') return unknownType(types);
  const multipleTypes = types.length > 1 || typeSpec.toLowerCase().split(',').includes('all');
  return { ok: true, targets: types.map((type) => ({ type, names: [...names] })), multipleTypes, named: names.length > 0 };
}
