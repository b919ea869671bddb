// The lab's API server: one object store with resourceVersions and watches,
// and the write path of the real one (defaulting, validation, allocation,
// immutable fields, graceful pod deletion, cascading deletes). Controllers and
// kubelets live in the runtime and write through `put`/`remove`.

import type {
  ApiResult, ApplyAction, ClusterApi, ClusterKind, ExecIO, KubeObject, LogOptions, PatchType, WatchEvent, AbortSignalLike,
} from './api.js';
import { CLUSTER_KINDS, apiVersionOf, isNamespaced } from './api.js';
import type { FieldError } from './status.js';
import { alreadyExists, badRequest, invalid, invalidValue, namespaceNotFound, notFound, okv, required } from './status.js';
import { clone, isObject, jsonEqual, keyOf, matchesRequirements, objectKey, parseSelector, rfc3339 } from './objects.js';
import { jsonPatch, mergePatch } from './patch.js';
import { allocateService, defaultService, validateService } from './service.js';
import { defaultDaemonSet, defaultDeployment, defaultPod, defaultReplicaSet, validatePodSpec, validateWorkload } from './workloads.js';
import type { RngState } from '../sim/rng.js';
import { randHex, randSuffix, randUid } from '../sim/rng.js';

/** Everything the API server keeps: plain JSON, so a lab snapshot is this object. */
export interface ClusterState {
  objects: Record<string, KubeObject>;
  rv: number;
  rng: RngState;
  /** Events, oldest first (bounded). */
  events: KubeObject[];
  serverVersion: string;
}

/** What the runtime provides: time, pods' logs and exec, and a hook after every write. */
export interface ApiRuntime {
  now(): number;
  sleep(ms: number, signal?: AbortSignalLike): Promise<boolean>;
  /** Called before every public call: process whatever became due (timers). */
  catchUp(): void;
  /** Called after a public write: controllers reconcile, kube-proxies schedule syncs. */
  afterWrite(): void;
  logs(namespace: string, pod: string, opts: LogOptions): ApiResult<string>;
  followLogs(namespace: string, pod: string, opts: LogOptions, listener: (chunk: string) => void): ApiResult<() => void>;
  exec(namespace: string, pod: string, argv: string[], io: ExecIO): Promise<ApiResult<number>>;
}

export const MAX_EVENTS = 1000;
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export function emptyClusterState(seed: number, serverVersion: string): ClusterState {
  return { objects: {}, rv: 1000, rng: { s: seed | 0 }, events: [], serverVersion };
}

export class ApiServer implements ClusterApi {
  private watchers = new Map<string, Set<{ ns: string | null; fn: (e: WatchEvent) => void }>>();

  constructor(public state: ClusterState, private rt: ApiRuntime) {}

  // ------------------------------------------------------------ raw store (controllers, kubelets)

  find(kind: ClusterKind, ns: string | null | undefined, name: string): KubeObject | undefined {
    return this.state.objects[objectKey(kind, isNamespaced(kind) ? ns ?? 'default' : undefined, name)];
  }

  /** Keys per kind (rebuilt lazily; the store is a flat record so the snapshot stays plain JSON). */
  private byKind: Map<string, Set<string>> | null = null;

  private kindIndex(): Map<string, Set<string>> {
    if (this.byKind === null) {
      this.byKind = new Map();
      for (const [key, o] of Object.entries(this.state.objects)) {
        let set = this.byKind.get(o.kind);
        if (!set) { set = new Set(); this.byKind.set(o.kind, set); }
        set.add(key);
      }
    }
    return this.byKind;
  }

  /** Live objects of a kind (no copies: callers must not mutate; use put). */
  all(kind: ClusterKind, ns?: string | null): KubeObject[] {
    const out: KubeObject[] = [];
    for (const key of this.kindIndex().get(kind) ?? []) {
      const o = this.state.objects[key];
      if (o !== undefined && (ns === undefined || ns === null || o.metadata.namespace === ns)) out.push(o);
    }
    return out;
  }

  get rng(): RngState { return this.state.rng; }

  /** Writes (put, remove) per kind and per `Kind/namespace` since this server started: controllers skip work on kinds nothing wrote. */
  private writeCounts = new Map<string, number>();

  writes(kind: ClusterKind, ns?: string): number {
    return this.writeCounts.get(ns === undefined ? kind : `${kind}/${ns}`) ?? 0;
  }

  /** The last writes, oldest first (bounded: a reader that fell behind gets null and looks at everything). */
  private writeLog: { kind: string; ns: string; name: string; owner?: string }[] = [];
  private writeLogBase = 0;

  /** Sequence number of the next write. */
  get writeSeq(): number { return this.writeLogBase + this.writeLog.length; }

  /** Objects written (put, remove) since `seq` (with an EndpointSlice's Service as owner); null when no longer known. */
  writtenSince(seq: number): readonly { kind: string; ns: string; name: string; owner?: string }[] | null {
    if (seq < this.writeLogBase) return null;
    return this.writeLog.slice(seq - this.writeLogBase);
  }

  private countWrite(obj: KubeObject): void {
    const owner = obj.metadata.labels?.['kubernetes.io/service-name'];
    this.writeLog.push({ kind: obj.kind, ns: obj.metadata.namespace ?? 'default', name: obj.metadata.name, ...(owner !== undefined ? { owner } : {}) });
    if (this.writeLog.length > 4096) { this.writeLogBase += 2048; this.writeLog = this.writeLog.slice(2048); }
    this.writeCounts.set(obj.kind, (this.writeCounts.get(obj.kind) ?? 0) + 1);
    const k = `${obj.kind}/${obj.metadata.namespace ?? 'default'}`;
    this.writeCounts.set(k, (this.writeCounts.get(k) ?? 0) + 1);
  }

  /** Stores an object as is (bumps resourceVersion, notifies watchers). */
  put(obj: KubeObject): KubeObject {
    const key = keyOf(obj);
    const existed = key in this.state.objects;
    if (!existed && this.byKind !== null) {
      let set = this.byKind.get(obj.kind);
      if (!set) { set = new Set(); this.byKind.set(obj.kind, set); }
      set.add(key);
    }
    this.state.rv++;
    obj.metadata.resourceVersion = String(this.state.rv);
    // A slice relabelled to another Service was its old Service's too.
    const prevOwner = this.state.objects[key]?.metadata.labels?.['kubernetes.io/service-name'];
    if (prevOwner !== undefined && prevOwner !== obj.metadata.labels?.['kubernetes.io/service-name']) this.countWrite(this.state.objects[key]!);
    this.state.objects[key] = obj;
    this.countWrite(obj);
    this.emit(obj.kind, { type: existed ? 'MODIFIED' : 'ADDED', object: obj });
    return obj;
  }

  remove(obj: KubeObject): void {
    const key = keyOf(obj);
    if (!(key in this.state.objects)) return;
    delete this.state.objects[key];
    this.byKind?.get(obj.kind)?.delete(key);
    this.countWrite(obj);
    this.state.rv++;
    this.emit(obj.kind, { type: 'DELETED', object: { ...obj, metadata: { ...obj.metadata, resourceVersion: String(this.state.rv) } } });
  }

  /** Fills uid, timestamps, namespace; the object is then ready to `put`. */
  stamp(obj: KubeObject): KubeObject {
    const kind = obj.kind as ClusterKind;
    if (isNamespaced(kind)) obj.metadata.namespace ??= 'default';
    else delete obj.metadata.namespace;
    obj.metadata.uid ??= randUid(this.state.rng);
    obj.metadata.creationTimestamp ??= rfc3339(this.rt.now());
    if (kind === 'Deployment' || kind === 'ReplicaSet' || kind === 'DaemonSet') obj.metadata.generation ??= 1;
    return obj;
  }

  /** Records an Event (kubectl get events / describe). Repeats bump count and lastTimestamp. */
  recordEvent(involved: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, component: string, host?: string): void {
    const now = rfc3339(this.rt.now());
    const ns = involved.metadata.namespace ?? 'default';
    const prev = [...this.state.events].reverse().find((e) =>
      (e.involvedObject as { uid?: string }).uid === involved.metadata.uid && e.reason === reason && e.message === message);
    if (prev) {
      prev.count = (prev.count as number) + 1;
      prev.lastTimestamp = now;
      this.state.rv++;
      prev.metadata.resourceVersion = String(this.state.rv);
      this.emit('Event', { type: 'MODIFIED', object: prev });
      return;
    }
    this.state.rv++;
    const ev: KubeObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${involved.metadata.name}.${randHex(this.state.rng, 16)}`, namespace: ns, uid: randUid(this.state.rng), resourceVersion: String(this.state.rv), creationTimestamp: now },
      involvedObject: { apiVersion: involved.apiVersion, kind: involved.kind, name: involved.metadata.name, namespace: involved.metadata.namespace, uid: involved.metadata.uid, resourceVersion: involved.metadata.resourceVersion },
      reason,
      message,
      source: host ? { component, host } : { component },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      type,
      eventTime: null,
      reportingComponent: component,
      reportingInstance: host ?? '',
    };
    this.state.events.push(ev);
    if (this.state.events.length > MAX_EVENTS) this.state.events.splice(0, this.state.events.length - MAX_EVENTS);
    this.emit('Event', { type: 'ADDED', object: ev });
  }

  private emit(kind: string, e: WatchEvent): void {
    const set = this.watchers.get(kind);
    if (!set) return;
    for (const w of [...set]) {
      if (w.ns === null || w.ns === e.object.metadata.namespace) w.fn({ type: e.type, object: clone(e.object) });
    }
  }

  // ------------------------------------------------------------ ClusterApi

  now(): number { return this.rt.now(); }
  serverVersion(): string { return this.state.serverVersion; }

  list(kind: ClusterKind, namespace: string | null, opts?: { labelSelector?: string }): ApiResult<KubeObject[]> {
    this.rt.catchUp();
    let reqs = null;
    if (opts?.labelSelector !== undefined && opts.labelSelector !== '') {
      reqs = parseSelector(opts.labelSelector);
      if (reqs === null) return badRequest(`unable to parse requirement: found '${opts.labelSelector}', expected: identifier`);
    }
    const source = kind === 'Event' ? this.state.events : this.all(kind);
    const items = source.filter((o) => (namespace === null || !isNamespaced(kind) || o.metadata.namespace === namespace)
      && (reqs === null || matchesRequirements(o.metadata.labels, reqs)));
    if (kind !== 'Event') {
      items.sort((a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name));
    }
    return okv(items.map((o) => clone(o)));
  }

  get(kind: ClusterKind, namespace: string | null, name: string): ApiResult<KubeObject> {
    this.rt.catchUp();
    if (kind === 'Event') {
      const e = this.state.events.find((x) => x.metadata.name === name && (namespace === null || x.metadata.namespace === namespace));
      return e ? okv(clone(e)) : notFound(kind, name);
    }
    const o = this.find(kind, namespace, name);
    return o ? okv(clone(o)) : notFound(kind, name);
  }

  create(obj0: KubeObject, opts?: { dryRun?: boolean }): ApiResult<KubeObject> {
    this.rt.catchUp();
    const r = this.admitCreate(clone(obj0));
    if (!r.ok) return r;
    if (opts?.dryRun) return okv(clone(r.value));
    this.put(r.value);
    this.afterCreate(r.value);
    this.rt.afterWrite();
    return okv(clone(r.value));
  }

  private kindOf(obj: KubeObject): ApiResult<ClusterKind> {
    const kind = obj.kind as ClusterKind;
    if (!CLUSTER_KINDS.includes(kind) || kind === 'Event') {
      return badRequest(`no matches for kind "${obj.kind}" in version "${obj.apiVersion}"`);
    }
    if (obj.apiVersion !== apiVersionOf(kind)) {
      return badRequest(`no matches for kind "${obj.kind}" in version "${obj.apiVersion}"`);
    }
    return okv(kind);
  }

  private admitCreate(obj: KubeObject): ApiResult<KubeObject> {
    const k = this.kindOf(obj);
    if (!k.ok) return k;
    const kind = k.value;
    if (!isObject(obj.metadata)) obj.metadata = { name: '' };
    const md = obj.metadata;
    if (isNamespaced(kind)) {
      md.namespace ??= 'default';
      if (this.find('Namespace', null, md.namespace) === undefined) return namespaceNotFound(md.namespace);
    }
    if (!md.name && md.generateName) md.name = `${md.generateName}${randSuffix(this.state.rng)}`;
    if (!md.name) return invalid(obj.kind, '', [required('metadata.name', 'name or generateName is required')]);
    const nameErr = validateName(kind, md.name);
    if (nameErr) return invalid(obj.kind, md.name, [nameErr]);
    if (this.find(kind, md.namespace, md.name)) return alreadyExists(kind, md.name);
    delete md.resourceVersion;
    delete md.uid;
    delete md.creationTimestamp;
    delete md.deletionTimestamp;
    const errs = this.defaultAndValidate(kind, obj);
    if (errs.length > 0) return invalid(obj.kind, md.name, errs);
    this.stamp(obj);
    return okv(obj);
  }

  private defaultAndValidate(kind: ClusterKind, obj: KubeObject, old?: KubeObject): FieldError[] {
    switch (kind) {
      case 'Service': {
        defaultService(obj, old);
        const errs = validateService(obj, old);
        if (errs.length > 0) return errs;
        return allocateService(obj, this.all('Service'), this.state.rng);
      }
      case 'Pod':
        defaultPod(obj);
        if (old) {
          // Pod spec is immutable except image and a few fields: keep it simple and faithful.
          const a = clone(obj.spec) as Record<string, unknown>;
          const b = clone(old.spec) as Record<string, unknown>;
          for (const s of [a, b]) for (const c of (s.containers as Record<string, unknown>[] | undefined) ?? []) delete c.image;
          if (!jsonEqual(a, b)) return [{ field: 'spec', reason: 'FieldValueForbidden', message: 'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)' }];
          return [];
        }
        return validatePodSpec(obj.spec as Record<string, unknown>, 'spec');
      case 'Deployment': defaultDeployment(obj); return [...validateWorkload(obj), ...immutableSelector(obj, old)];
      case 'ReplicaSet': defaultReplicaSet(obj); return [...validateWorkload(obj), ...immutableSelector(obj, old)];
      case 'DaemonSet': defaultDaemonSet(obj); return [...validateWorkload(obj), ...immutableSelector(obj, old)];
      case 'Namespace':
        obj.spec ??= { finalizers: ['kubernetes'] };
        obj.status ??= { phase: 'Active' };
        obj.metadata.labels = { ...(obj.metadata.labels ?? {}), 'kubernetes.io/metadata.name': obj.metadata.name };
        return [];
      default:
        return [];
    }
  }

  apply(obj0: KubeObject, opts?: { dryRun?: boolean }): ApiResult<{ object: KubeObject; action: ApplyAction }> {
    this.rt.catchUp();
    const obj = clone(obj0);
    const k = this.kindOf(obj);
    if (!k.ok) return k;
    const kind = k.value;
    const lastApplied = JSON.stringify(withoutLastApplied(obj0)) + '\n';
    obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), [LAST_APPLIED]: lastApplied };
    const ns = isNamespaced(kind) ? obj.metadata.namespace ?? 'default' : null;
    const cur = obj.metadata.name ? this.find(kind, ns, obj.metadata.name) : undefined;
    if (cur === undefined) {
      const r = this.create(obj, opts);
      return r.ok ? okv({ object: r.value, action: 'created' }) : r;
    }
    // Three-way merge, as kubectl computes it: fields dropped since the last apply are removed.
    const prevApplied = parseLastApplied(cur.metadata.annotations?.[LAST_APPLIED]);
    const patch = threeWayPatch(prevApplied, obj, cur);
    const merged = mergePatch(cur, patch, true) as KubeObject;
    const r = this.admitUpdate(kind, merged, cur);
    if (!r.ok) return r;
    const changed = !sameObject(r.value, cur);
    if (!changed) return okv({ object: clone(cur), action: 'unchanged' });
    if (opts?.dryRun) return okv({ object: clone(r.value), action: 'configured' });
    this.commitUpdate(r.value, cur);
    return okv({ object: clone(r.value), action: 'configured' });
  }

  update(obj0: KubeObject): ApiResult<KubeObject> {
    this.rt.catchUp();
    const obj = clone(obj0);
    const k = this.kindOf(obj);
    if (!k.ok) return k;
    const kind = k.value;
    const cur = this.find(kind, obj.metadata.namespace ?? null, obj.metadata.name);
    if (cur === undefined) return notFound(kind, obj.metadata.name);
    if (obj.metadata.resourceVersion !== undefined && obj.metadata.resourceVersion !== cur.metadata.resourceVersion) {
      return { ok: false, status: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Conflict', code: 409,
        message: `Operation cannot be fulfilled on ${kind === 'Service' ? 'services' : `${kind.toLowerCase()}s`} "${obj.metadata.name}": the object has been modified; please apply your changes to the latest version and try again` } };
    }
    const r = this.admitUpdate(kind, obj, cur);
    if (!r.ok) return r;
    if (!sameObject(r.value, cur)) this.commitUpdate(r.value, cur);
    return okv(clone(r.value));
  }

  patch(kind: ClusterKind, namespace: string | null, name: string, patch0: unknown, type: PatchType): ApiResult<{ object: KubeObject; changed: boolean }> {
    this.rt.catchUp();
    const cur = this.find(kind, namespace, name);
    if (cur === undefined) return notFound(kind, name);
    let patch = patch0;
    if (typeof patch === 'string') {
      const text: string = patch;
      try { patch = JSON.parse(text); } catch {
        return badRequest(`error decoding patch: invalid character '${text.trim()[0] ?? ''}' looking for beginning of value`);
      }
    }
    let next: KubeObject;
    if (type === 'json') {
      const r = jsonPatch(cur, patch);
      if (!r.ok) return badRequest(r.message);
      next = r.value as KubeObject;
    } else {
      if (!isObject(patch)) return badRequest('the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml');
      next = mergePatch(cur, patch, type === 'strategic') as KubeObject;
    }
    if (next.metadata?.name !== name) return badRequest(`the name of the object (${String(next.metadata?.name)}) does not match the name on the URL (${name})`);
    const r = this.admitUpdate(kind, next, cur);
    if (!r.ok) return r;
    const changed = !sameObject(r.value, cur);
    if (changed) this.commitUpdate(r.value, cur);
    return okv({ object: clone(changed ? r.value : cur), changed });
  }

  private admitUpdate(kind: ClusterKind, obj: KubeObject, cur: KubeObject): ApiResult<KubeObject> {
    obj.metadata.uid = cur.metadata.uid;
    obj.metadata.creationTimestamp = cur.metadata.creationTimestamp;
    obj.metadata.namespace = cur.metadata.namespace;
    if (cur.metadata.deletionTimestamp) obj.metadata.deletionTimestamp = cur.metadata.deletionTimestamp;
    obj.metadata.resourceVersion = cur.metadata.resourceVersion;
    if (obj.status === undefined && cur.status !== undefined) obj.status = clone(cur.status);
    if (kind === 'Pod') obj.status = clone(cur.status);
    const errs = this.defaultAndValidate(kind, obj, cur);
    if (errs.length > 0) return invalid(obj.kind, obj.metadata.name, errs);
    if ((kind === 'Deployment' || kind === 'ReplicaSet' || kind === 'DaemonSet') && !jsonEqual(obj.spec, cur.spec)) {
      obj.metadata.generation = (cur.metadata.generation ?? 1) + 1;
    }
    return okv(obj);
  }

  private commitUpdate(obj: KubeObject, _cur: KubeObject): void {
    this.put(obj);
    this.rt.afterWrite();
  }

  delete(kind: ClusterKind, namespace: string | null, name: string, opts?: { gracePeriodSeconds?: number }): ApiResult<KubeObject> {
    this.rt.catchUp();
    if (kind === 'Event') {
      const i = this.state.events.findIndex((e) => e.metadata.name === name && (namespace === null || e.metadata.namespace === namespace));
      if (i < 0) return notFound(kind, name);
      const [e] = this.state.events.splice(i, 1);
      return okv(e!);
    }
    const cur = this.find(kind, namespace, name);
    if (cur === undefined) return notFound(kind, name);
    if (kind === 'Namespace' && ['default', 'kube-system', 'kube-public', 'kube-node-lease'].includes(name)) {
      return { ok: false, status: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Forbidden', code: 403, message: `namespaces "${name}" is forbidden: this namespace may not be deleted` } };
    }
    if (kind === 'Pod') {
      const grace = opts?.gracePeriodSeconds ?? ((cur.spec as { terminationGracePeriodSeconds?: number }).terminationGracePeriodSeconds ?? 30);
      if (grace > 0 && (cur.spec as { nodeName?: string }).nodeName) {
        if (!cur.metadata.deletionTimestamp) {
          cur.metadata.deletionTimestamp = rfc3339(this.rt.now() + grace * 1000);
          cur.metadata.deletionGracePeriodSeconds = grace;
          this.put(cur);
        }
        this.rt.afterWrite();
        return okv(clone(cur));
      }
    }
    this.removeCascade(cur);
    this.rt.afterWrite();
    return okv(clone(cur));
  }

  /** Deletes an object and (background propagation) everything it owns. */
  removeCascade(obj: KubeObject): void {
    this.remove(obj);
    const uid = obj.metadata.uid;
    if (obj.kind === 'Namespace') {
      for (const o of Object.values(this.state.objects)) if (o.metadata.namespace === obj.metadata.name) this.removeCascade(o);
      return;
    }
    for (const o of Object.values(this.state.objects)) {
      if (o.metadata.ownerReferences?.some((r) => r.uid === uid)) {
        if (o.kind === 'Pod' && (o.spec as { nodeName?: string }).nodeName) {
          // Owned pods terminate gracefully, like a kubectl delete pod.
          if (!o.metadata.deletionTimestamp) {
            const grace = (o.spec as { terminationGracePeriodSeconds?: number }).terminationGracePeriodSeconds ?? 30;
            o.metadata.deletionTimestamp = rfc3339(this.rt.now() + grace * 1000);
            o.metadata.deletionGracePeriodSeconds = grace;
            this.put(o);
          }
        } else this.removeCascade(o);
      }
    }
  }

  /** Starts a graceful pod deletion without the public hooks (controllers use it). */
  terminate(p: KubeObject, graceSeconds?: number): void {
    if (p.metadata.deletionTimestamp) return;
    const grace = graceSeconds ?? ((p.spec as { terminationGracePeriodSeconds?: number }).terminationGracePeriodSeconds ?? 30);
    if (grace <= 0 || !(p.spec as { nodeName?: string }).nodeName) { this.removeCascade(p); return; }
    p.metadata.deletionTimestamp = rfc3339(this.rt.now() + grace * 1000);
    p.metadata.deletionGracePeriodSeconds = grace;
    this.put(p);
  }

  scale(kind: 'Deployment' | 'ReplicaSet', namespace: string, name: string, replicas: number): ApiResult<KubeObject> {
    this.rt.catchUp();
    const cur = this.find(kind, namespace, name);
    if (cur === undefined) return notFound(kind, name);
    if (!Number.isInteger(replicas) || replicas < 0) {
      return invalid('Scale', name, [invalidValue('spec.replicas', replicas, 'must be greater than or equal to 0')]);
    }
    const next = clone(cur);
    (next.spec as { replicas: number }).replicas = replicas;
    if ((cur.spec as { replicas?: number }).replicas !== replicas) {
      next.metadata.generation = (cur.metadata.generation ?? 1) + 1;
      this.put(next);
      this.rt.afterWrite();
    }
    return okv(clone(next));
  }

  logs(namespace: string, pod: string, opts: LogOptions = {}): ApiResult<string> {
    this.rt.catchUp();
    return this.rt.logs(namespace, pod, opts);
  }

  followLogs(namespace: string, pod: string, opts: LogOptions, listener: (chunk: string) => void): ApiResult<() => void> {
    this.rt.catchUp();
    return this.rt.followLogs(namespace, pod, opts, listener);
  }

  exec(namespace: string, pod: string, argv: string[], io: ExecIO): Promise<ApiResult<number>> {
    this.rt.catchUp();
    return this.rt.exec(namespace, pod, argv, io);
  }

  events(namespace: string | null): KubeObject[] {
    this.rt.catchUp();
    return this.state.events.filter((e) => namespace === null || e.metadata.namespace === namespace).map((e) => clone(e));
  }

  watch(kind: ClusterKind, namespace: string | null, listener: (e: WatchEvent) => void): () => void {
    let set = this.watchers.get(kind);
    if (!set) { set = new Set(); this.watchers.set(kind, set); }
    const w = { ns: namespace, fn: listener };
    set.add(w);
    return () => { set.delete(w); };
  }

  async sleep(ms: number, signal?: AbortSignalLike): Promise<void> {
    const done = await this.rt.sleep(ms, signal);
    this.rt.catchUp();
    if (!done) throw new Error('aborted');
  }

  private afterCreate(obj: KubeObject): void {
    if (obj.kind === 'Namespace') {
      // Every namespace gets its default ServiceAccount's root CA ConfigMap.
      const cm = this.stamp({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: obj.metadata.name }, data: { 'ca.crt': '-----BEGIN CERTIFICATE-----\n…\n-----END CERTIFICATE-----\n' } });
      this.put(cm);
    }
  }
}

function validateName(kind: ClusterKind, name: string): FieldError | undefined {
  const dns1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
  const dns1123sub = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
  if (kind === 'Service' || kind === 'Namespace') {
    if (!dns1035.test(name) || name.length > 63) {
      return invalidValue('metadata.name', name, kind === 'Service'
        ? "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
        : "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
    }
    return undefined;
  }
  if (!dns1123sub.test(name) || name.length > 253) {
    return invalidValue('metadata.name', name, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
  }
  return undefined;
}

function immutableSelector(obj: KubeObject, old?: KubeObject): FieldError[] {
  if (!old) return [];
  const a = (obj.spec as { selector?: unknown }).selector;
  const b = (old.spec as { selector?: unknown }).selector;
  if (!jsonEqual(a, b)) return [invalidValue('spec.selector', a, 'field is immutable')];
  return [];
}

function withoutLastApplied(o: KubeObject): KubeObject {
  const c = clone(o);
  if (c.metadata.annotations) {
    delete c.metadata.annotations[LAST_APPLIED];
    if (Object.keys(c.metadata.annotations).length === 0) delete c.metadata.annotations;
  }
  return c;
}

function parseLastApplied(s: string | undefined): Record<string, unknown> {
  if (!s) return {};
  try {
    const v: unknown = JSON.parse(s);
    return isObject(v) ? v : {};
  } catch {
    return {};
  }
}

/** The patch kubectl apply sends: the new config, plus null for every field the previous config had and the new one drops. */
function threeWayPatch(prev: unknown, next: unknown, _live: unknown): unknown {
  if (!isObject(next)) return clone(next);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(next)) out[k] = isObject(prev) && isObject(v) ? threeWayPatch(prev[k], v, undefined) : clone(v);
  if (isObject(prev)) for (const k of Object.keys(prev)) if (!(k in next)) out[k] = null;
  return out;
}

function sameObject(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject): unknown => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined, generation: undefined } });
  return jsonEqual(strip(a), strip(b));
}
