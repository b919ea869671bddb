// kubectl events (the newer command): events oldest first, --for TYPE/NAME,
// --types Normal,Warning; and kubectl replace -f, a full update.

import type { ClusterKind, KubeObject } from '../../cluster/api.js';
import type { Flags, FlagSpec } from '../flags.js';
import { fail, statusLine, type Ctx } from '../io.js';
import { str } from '../obj.js';
import { age } from '../print/age.js';
import { table } from '../print/tabwriter.js';
import { objectName } from '../print/output.js';
import { resolveResource } from '../resources.js';
import { decodeManifest, namespaceFlag, readManifests } from './common.js';
import { withoutStatus } from './generate.js';

export const EVENTS_FLAGS: FlagSpec[] = [
  { name: 'all-namespaces', short: 'A', kind: 'bool' },
  { name: 'for', kind: 'string' },
  { name: 'types', kind: 'strings' },
  { name: 'no-headers', kind: 'bool' },
  { name: 'output', short: 'o', kind: 'string' },
  { name: 'watch', short: 'w', kind: 'bool' },
];

export const REPLACE_FLAGS: FlagSpec[] = [
  { name: 'filename', short: 'f', kind: 'strings' },
  { name: 'force', kind: 'bool' },
];

export async function events(ctx: Ctx, f: Flags): Promise<number> {
  const allNs = f.bool('all-namespaces');
  const ns = namespaceFlag(ctx, f);
  let list = ctx.api.events(allNs ? null : ns);
  const forRef = f.str('for');
  if (forRef !== '') {
    const slash = forRef.indexOf('/');
    const r = slash > 0 ? resolveResource(forRef.slice(0, slash)) : undefined;
    if (r === undefined) return fail(ctx, `--for must be in resource/name form`);
    const name = forRef.slice(slash + 1);
    list = list.filter((e) => str(e, 'involvedObject.kind') === r.kind && str(e, 'involvedObject.name') === name);
  }
  const types = f.list('types');
  if (types.length > 0) list = list.filter((e) => types.some((t) => t.toLowerCase() === str(e, 'type').toLowerCase()));
  if (list.length === 0) {
    ctx.io.stderr(allNs ? 'No events found.\n' : `No events found in ${ns} namespace.\n`);
    return 0;
  }
  const now = ctx.api.now();
  const rows = list.map((e) => {
    const last = str(e, 'lastTimestamp') || str(e, 'eventTime') || str(e, 'metadata.creationTimestamp');
    const obj = `${str(e, 'involvedObject.kind')}/${str(e, 'involvedObject.name')}`;
    const cells = [age(last, now), str(e, 'type'), str(e, 'reason'), obj, str(e, 'message').trim()];
    return allNs ? [str(e, 'metadata.namespace'), ...cells] : cells;
  });
  const header = [...(allNs ? ['NAMESPACE'] : []), 'LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'];
  ctx.io.stdout(table(f.bool('no-headers') ? rows : [header, ...rows]));
  return 0;
}

export async function replace(ctx: Ctx, f: Flags): Promise<number> {
  if (f.list('filename').length === 0) return fail(ctx, 'must specify --filename to replace');
  const read = await readManifests(ctx, f.list('filename'));
  if (!read.ok) return fail(ctx, read.message);
  let code = 0;
  for (const m of read.manifests) {
    const d = decodeManifest(m);
    if (!d.ok) return fail(ctx, d.message);
    for (const obj of d.objects) {
      const r = resolveResource(obj.kind);
      if (r === undefined) return fail(ctx, `resource mapping not found for name: "${obj.metadata.name}" namespace: "" from "${m.source}": no matches for kind "${obj.kind}" in version "${obj.apiVersion}"`);
      if (r.namespaced) obj.metadata.namespace ??= namespaceFlag(ctx, f);
      const cur = ctx.api.get(obj.kind as ClusterKind, obj.metadata.namespace ?? null, obj.metadata.name);
      if (!cur.ok) {
        ctx.io.stderr(`Error from server (NotFound): error when replacing "${m.source}": ${cur.status.message}\n`);
        code = 1;
        continue;
      }
      // a replace keeps what the server owns: identity and, unless given, status
      const next: KubeObject = { ...withoutStatus(obj), metadata: { ...obj.metadata, uid: cur.value.metadata.uid, resourceVersion: cur.value.metadata.resourceVersion, creationTimestamp: cur.value.metadata.creationTimestamp } };
      if (cur.value.status !== undefined) next.status = cur.value.status;
      const u = ctx.api.update(next);
      if (!u.ok) {
        ctx.io.stderr(`${statusLine(u.status)}\n`);
        code = 1;
        continue;
      }
      ctx.io.stdout(`${objectName(u.value)} replaced\n`);
    }
  }
  return code;
}
