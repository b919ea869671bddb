// A small in-memory ClusterApi for kubectl's tests: stores objects as given,
// applies the few API-server rules the tests rely on (ClusterIP and NodePort
// allocation, "provided port is already allocated", NotFound/AlreadyExists
// words), and lets a test move the clock. The real API server is R's; these
// tests only check what kubectl prints for what the server answers.

import type {
  AbortSignalLike, ApiResult, ApiStatus, ApplyAction, ClusterApi, ClusterKind, ExecIO, KubeObject, LogOptions, PatchType, WatchEvent,
} from '../../../../core/lab/cluster/api.js';
import { resourceName } from '../../../../core/lab/cluster/api.js';

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return clone(patch);
  const out: Record<string, unknown> = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Whether every field of `part` is already in `whole` (defaults the server added don't count as changes). */
function contained(part: unknown, whole: unknown): boolean {
  if (Array.isArray(part)) return Array.isArray(whole) && part.length === whole.length && part.every((p, i) => contained(p, whole[i]));
  if (isObj(part)) return isObj(whole) && Object.entries(part).every(([k, v]) => contained(v, whole[k]));
  return part === whole;
}

function status(reason: ApiStatus['reason'], message: string, code: number): { ok: false; status: ApiStatus } {
  return { ok: false, status: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code } };
}

export class FakeApi implements ClusterApi {
  clock = Date.parse('2022-04-04T22:19:25Z');
  version = 'v1.22.8';
  private store = new Map<string, KubeObject>();
  private watchers: { kind: ClusterKind; ns: string | null; fn: (e: WatchEvent) => void }[] = [];
  private nextIP = 149;
  private nextNodePort = 30450;
  private uid = 1;
  logText = new Map<string, string>();
  eventList: KubeObject[] = [];
  execCalls: { ns: string; pod: string; argv: string[]; stdin: string }[] = [];

  private key(kind: string, ns: string | null | undefined, name: string): string {
    return `${kind}/${ns ?? ''}/${name}`;
  }

  /** Put an object as is (fixtures). */
  seed(obj: KubeObject): void {
    this.store.set(this.key(obj.kind, obj.metadata.namespace, obj.metadata.name), clone(obj));
  }

  private emit(type: WatchEvent['type'], obj: KubeObject): void {
    for (const w of this.watchers) if (w.kind === obj.kind && (w.ns === null || w.ns === obj.metadata.namespace)) w.fn({ type, object: clone(obj) });
  }

  now(): number {
    return this.clock;
  }
  serverVersion(): string {
    return this.version;
  }
  list(kind: ClusterKind, namespace: string | null): ApiResult<KubeObject[]> {
    const items = [...this.store.values()]
      .filter((o) => o.kind === kind && (namespace === null || o.metadata.namespace === namespace))
      .sort((a, b) => `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace ?? ''}/${b.metadata.name}`));
    return { ok: true, value: clone(items) };
  }
  get(kind: ClusterKind, namespace: string | null, name: string): ApiResult<KubeObject> {
    const o = this.store.get(this.key(kind, kind === 'Node' || kind === 'Namespace' ? null : namespace, name));
    if (o === undefined) return status('NotFound', `${resourceName(kind)} "${name}" not found`, 404);
    return { ok: true, value: clone(o) };
  }
  private defaults(obj: KubeObject): ApiResult<KubeObject> {
    const o = clone(obj);
    o.metadata.uid = `uid-${this.uid++}`;
    o.metadata.resourceVersion = String(1000 + this.uid);
    o.metadata.creationTimestamp = new Date(this.clock).toISOString().replace(/\.\d+Z$/, 'Z');
    if (o.kind === 'Service') {
      const spec = (o.spec ?? {}) as Record<string, unknown>;
      spec.type ??= 'ClusterIP';
      spec.sessionAffinity ??= 'None';
      spec.clusterIP ??= `10.98.69.${this.nextIP++}`;
      spec.clusterIPs ??= [spec.clusterIP];
      const ports = (spec.ports ?? []) as Record<string, unknown>[];
      for (const [i, p] of ports.entries()) {
        p.protocol ??= 'TCP';
        p.targetPort ??= p.port;
        if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
          if (typeof p.nodePort === 'number') {
            const taken = [...this.store.values()].some((s) => s.kind === 'Service' && ((s.spec?.ports ?? []) as Record<string, unknown>[]).some((q) => q.nodePort === p.nodePort));
            if (taken) {
              return status('Invalid', `The Service "${o.metadata.name}" is invalid: spec.ports[${i}].nodePort: Invalid value: ${String(p.nodePort)}: provided port is already allocated`, 422);
            }
          } else p.nodePort = this.nextNodePort++;
        }
      }
      o.spec = spec;
    }
    if (o.kind === 'Pod') {
      const spec = (o.spec ?? {}) as Record<string, unknown>;
      spec.nodeName ??= 'k8s3';
      o.status = {
        phase: 'Running',
        hostIP: '10.210.40.175',
        podIP: '10.244.3.38',
        podIPs: [{ ip: '10.244.3.38' }],
        startTime: o.metadata.creationTimestamp,
        containerStatuses: ((spec.containers ?? []) as Record<string, unknown>[]).map((c) => ({
          name: c.name, ready: true, restartCount: 0, image: c.image, state: { running: { startedAt: o.metadata.creationTimestamp } },
        })),
      };
    }
    return { ok: true, value: o };
  }
  create(obj: KubeObject, opts?: { dryRun?: boolean }): ApiResult<KubeObject> {
    const ns = obj.kind === 'Node' || obj.kind === 'Namespace' ? null : (obj.metadata.namespace ?? 'default');
    if (ns !== null) obj = { ...obj, metadata: { ...obj.metadata, namespace: ns } };
    const k = this.key(obj.kind, ns, obj.metadata.name);
    if (this.store.has(k)) return status('AlreadyExists', `${resourceName(obj.kind as ClusterKind)} "${obj.metadata.name}" already exists`, 409);
    const d = this.defaults(obj);
    if (!d.ok) return d;
    if (opts?.dryRun !== true) {
      this.store.set(k, d.value);
      this.emit('ADDED', d.value);
    }
    return { ok: true, value: clone(d.value) };
  }
  apply(obj: KubeObject, opts?: { dryRun?: boolean }): ApiResult<{ object: KubeObject; action: ApplyAction }> {
    const ns = obj.metadata.namespace ?? 'default';
    const cur = this.store.get(this.key(obj.kind, ns, obj.metadata.name));
    if (cur === undefined) {
      const r = this.create(obj, opts);
      return r.ok ? { ok: true, value: { object: r.value, action: 'created' } } : r;
    }
    const changed = !contained(obj, cur);
    const merged = changed ? (mergePatch(cur, obj) as KubeObject) : cur;
    if (changed && opts?.dryRun !== true) {
      this.store.set(this.key(obj.kind, ns, obj.metadata.name), merged);
      this.emit('MODIFIED', merged);
    }
    return { ok: true, value: { object: clone(merged), action: changed ? 'configured' : 'unchanged' } };
  }
  update(obj: KubeObject): ApiResult<KubeObject> {
    this.store.set(this.key(obj.kind, obj.metadata.namespace, obj.metadata.name), clone(obj));
    return { ok: true, value: clone(obj) };
  }
  patch(kind: ClusterKind, namespace: string | null, name: string, patch: unknown, type: PatchType): ApiResult<{ object: KubeObject; changed: boolean }> {
    const g = this.get(kind, namespace, name);
    if (!g.ok) return g;
    let next: KubeObject;
    if (type === 'json') {
      next = clone(g.value);
      for (const op of patch as { op: string; path: string; value?: unknown }[]) {
        const parts = op.path.split('/').slice(1);
        let cur: Record<string, unknown> | unknown[] = next as unknown as Record<string, unknown>;
        for (const p of parts.slice(0, -1)) cur = (Array.isArray(cur) ? cur[Number(p)] : cur[p]) as Record<string, unknown>;
        const last = parts[parts.length - 1] as string;
        if (op.op === 'remove') delete (cur as Record<string, unknown>)[last];
        else (cur as Record<string, unknown>)[last] = op.value;
      }
    } else next = mergePatch(g.value, patch) as KubeObject;
    const changed = JSON.stringify(next) !== JSON.stringify(g.value);
    this.store.set(this.key(kind, next.metadata.namespace, name), next);
    return { ok: true, value: { object: clone(next), changed } };
  }
  delete(kind: ClusterKind, namespace: string | null, name: string): ApiResult<KubeObject> {
    const g = this.get(kind, namespace, name);
    if (!g.ok) return g;
    this.store.delete(this.key(kind, kind === 'Node' || kind === 'Namespace' ? null : namespace, name));
    this.emit('DELETED', g.value);
    return g;
  }
  scale(kind: 'Deployment' | 'ReplicaSet', namespace: string, name: string, replicas: number): ApiResult<KubeObject> {
    const r = this.patch(kind, namespace, name, { spec: { replicas } }, 'merge');
    return r.ok ? { ok: true, value: r.value.object } : r;
  }
  logs(namespace: string, pod: string, opts?: LogOptions): ApiResult<string> {
    const g = this.get('Pod', namespace, pod);
    if (!g.ok) return g;
    const text = this.logText.get(`${pod}${opts?.previous === true ? ':previous' : ''}`);
    if (text === undefined && opts?.previous === true) {
      return status('BadRequest', `previous terminated container "${opts.container ?? ''}" in pod "${pod}" not found`, 400);
    }
    return { ok: true, value: text ?? '' };
  }
  followLogs(namespace: string, pod: string, opts: LogOptions, listener: (chunk: string) => void): ApiResult<() => void> {
    const r = this.logs(namespace, pod, opts);
    if (!r.ok) return r;
    listener(r.value);
    this.followers.push(listener);
    return { ok: true, value: () => (this.followers = this.followers.filter((f) => f !== listener)) };
  }
  followers: ((chunk: string) => void)[] = [];
  async exec(namespace: string, pod: string, argv: string[], io: ExecIO): Promise<ApiResult<number>> {
    const g = this.get('Pod', namespace, pod);
    if (!g.ok) return g;
    this.execCalls.push({ ns: namespace, pod, argv, stdin: io.stdin });
    if (argv[0] === 'hostname') {
      io.stdout(`${pod}\n`);
      return { ok: true, value: 0 };
    }
    if (argv[0] === 'false') return { ok: true, value: 1 };
    io.stderr(`exec: "${argv[0] ?? ''}": executable file not found in $PATH\n`);
    return { ok: true, value: 126 };
  }
  events(namespace: string | null): KubeObject[] {
    return clone(this.eventList.filter((e) => namespace === null || e.metadata.namespace === namespace));
  }
  watch(kind: ClusterKind, namespace: string | null, listener: (e: WatchEvent) => void): () => void {
    const w = { kind, ns: namespace, fn: listener };
    this.watchers.push(w);
    return () => (this.watchers = this.watchers.filter((x) => x !== w));
  }
  async sleep(ms: number, signal?: AbortSignalLike): Promise<void> {
    this.clock += ms;
    if (signal?.aborted === true) throw new Error('aborted');
  }
}
