// kubectl label / annotate TYPE NAME k=v k2- [--overwrite]: a merge patch of
// metadata, refused when a key already has another value unless --overwrite.

import type { Flags, FlagSpec } from '../flags.js';
import { fail, failStatus, type Ctx } from '../io.js';
import { resolveResource } from '../resources.js';
import { objectName } from '../print/output.js';
import { namespaceFlag } from './common.js';

export const LABEL_FLAGS: FlagSpec[] = [
  { name: 'overwrite', kind: 'bool' },
  { name: 'all', kind: 'bool' },
  { name: 'selector', short: 'l', kind: 'string' },
  { name: 'dry-run', kind: 'string' },
  { name: 'output', short: 'o', kind: 'string' },
  { name: 'list', kind: 'bool' },
];

function metaCommand(field: 'labels' | 'annotations', verb: string) {
  return async (ctx: Ctx, f: Flags): Promise<number> => {
    const args = [...f.args];
    let typed: string | undefined;
    const names: string[] = [];
    const changes: string[] = [];
    if (args[0]?.includes('/') === true) {
      const a = args.shift() as string;
      typed = a.slice(0, a.indexOf('/'));
      names.push(a.slice(a.indexOf('/') + 1));
    } else typed = args.shift();
    for (const a of args) {
      if (a.includes('=') || a.endsWith('-')) changes.push(a);
      else if (changes.length === 0) names.push(a);
    }
    if (changes.length === 0 && !f.bool('list')) return fail(ctx, `at least one ${field === 'labels' ? 'label' : 'annotation'} update is required`);
    if (typed === undefined || names.length === 0) {
      ctx.io.stderr("error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'\n");
      return 1;
    }
    const r = resolveResource(typed);
    if (r === undefined) return fail(ctx, `the server doesn't have a resource type "${typed}"`);
    const set: Record<string, string | null> = {};
    for (const c of changes) {
      if (c.endsWith('-') && !c.includes('=')) set[c.slice(0, -1)] = null;
      else {
        const eq = c.indexOf('=');
        set[c.slice(0, eq)] = c.slice(eq + 1);
      }
    }
    const ns = r.namespaced ? namespaceFlag(ctx, f) : null;
    let code = 0;
    for (const name of names) {
      const cur = ctx.api.get(r.kind, ns, name);
      if (!cur.ok) {
        failStatus(ctx, cur.status);
        code = 1;
        continue;
      }
      const existing = (cur.value.metadata[field] ?? {}) as Record<string, string>;
      if (f.bool('list')) {
        ctx.io.stdout(Object.keys(existing).sort().map((k) => `${k}=${existing[k] as string}\n`).join(''));
        continue;
      }
      const clash = Object.entries(set).find(([k, v]) => v !== null && k in existing && existing[k] !== v);
      if (clash !== undefined && !f.bool('overwrite')) {
        ctx.io.stderr(`error: '${clash[0]}' already has a value (${existing[clash[0]] as string}), and --overwrite is false\n`);
        code = 1;
        continue;
      }
      const res = ctx.api.patch(r.kind, ns, name, { metadata: { [field]: set } }, 'merge');
      if (!res.ok) {
        failStatus(ctx, res.status);
        code = 1;
        continue;
      }
      const onlyRemovals = Object.values(set).every((v) => v === null);
      const word = !res.value.changed ? `not ${verb}` : onlyRemovals && field === 'labels' ? 'unlabeled' : verb;
      ctx.io.stdout(`${objectName(res.value.object)} ${word}\n`);
    }
    return code;
  };
}

export const label = metaCommand('labels', 'labeled');
export const annotate = metaCommand('annotations', 'annotated');
