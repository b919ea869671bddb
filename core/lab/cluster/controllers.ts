// The control plane's controllers, run to a fixed point after every write:
// Deployment → ReplicaSet → Pods (pod-template-hash names), DaemonSet → one pod
// per node, the scheduler, and the EndpointSlice + Endpoints controllers. The
// kubelet side (pods start, terminate) lives in the node runtime.

import type { ClusterKind, KubeObject, OwnerReference } from './api.js';
import type { ApiServer } from './apiserver.js';
import { clone, jsonEqual, rfc3339, selects } from './objects.js';
import { randSuffix, templateHash } from '../sim/rng.js';
import { LABEL_MANAGED_BY, LABEL_SERVICE_NAME } from '../../engine/k8s/types.js';

type Json = Record<string, unknown>;

export interface SchedulingNode {
  name: string;
  /** Control-plane nodes carry the NoSchedule taint when the lab has workers. */
  tainted: boolean;
}

export interface ControllerContext {
  nodes: SchedulingNode[];
  now: number;
}

const ownerRef = (o: KubeObject): OwnerReference => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, uid: o.metadata.uid ?? '', controller: true, blockOwnerDeletion: true });
const ownedBy = (o: KubeObject, owner: KubeObject): boolean => o.metadata.ownerReferences?.some((r) => r.uid === owner.metadata.uid && r.controller) ?? false;
const specOf = (o: KubeObject): Json => (o.spec ?? {}) as Json;
const statusOf = (o: KubeObject): Json => (o.status ?? {}) as Json;

/** Runs every controller until nothing changes (bounded). Returns true if anything was written. */
export function reconcile(api: ApiServer, ctx: ControllerContext): boolean {
  let any = false;
  for (let round = 0; round < 12; round++) {
    const rv = api.state.rv;
    deployments(api);
    replicaSets(api);
    daemonSets(api, ctx);
    schedule(api, ctx);
    endpoints(api);
    workloadStatus(api);
    if (api.state.rv === rv) break;
    any = true;
  }
  return any;
}

/** A pod that counts for its owner (not terminating, not failed). */
export function isActivePod(p: KubeObject): boolean {
  const phase = statusOf(p).phase;
  return !p.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
}

export function isPodReady(p: KubeObject): boolean {
  const conds = (statusOf(p).conditions as { type: string; status: string }[] | undefined) ?? [];
  return conds.some((c) => c.type === 'Ready' && c.status === 'True');
}

function put(api: ApiServer, o: KubeObject, before: unknown): void {
  if (!jsonEqual(o, before)) api.put(o);
}

// ---------------------------------------------------------------- Deployment

function deployments(api: ApiServer): void {
  for (const d of api.all('Deployment')) {
    const spec = specOf(d);
    const template = clone(spec.template) as Json;
    const hash = templateHash(template, (statusOf(d).collisionCount as number | undefined) ?? 0);
    const rsName = `${d.metadata.name}-${hash}`;
    const ns = d.metadata.namespace!;
    const owned = api.all('ReplicaSet', ns).filter((rs) => ownedBy(rs, d));
    let current = owned.find((rs) => rs.metadata.name === rsName);
    const replicas = (spec.replicas as number | undefined) ?? 1;
    if (current === undefined) {
      const tmpl = clone(template);
      const tmd = (tmpl.metadata ?? {}) as { labels?: Record<string, string> };
      tmpl.metadata = tmd;
      tmd.labels = { ...(tmd.labels ?? {}), 'pod-template-hash': hash };
      const sel = clone(spec.selector) as { matchLabels?: Record<string, string> };
      sel.matchLabels = { ...(sel.matchLabels ?? {}), 'pod-template-hash': hash };
      const revision = 1 + Math.max(0, ...owned.map((rs) => Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0)));
      current = api.stamp({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: rsName,
          namespace: ns,
          labels: { ...(tmd.labels ?? {}) },
          annotations: {
            'deployment.kubernetes.io/desired-replicas': String(replicas),
            'deployment.kubernetes.io/max-replicas': String(replicas + Math.ceil(replicas * 0.25)),
            'deployment.kubernetes.io/revision': String(revision),
          },
          ownerReferences: [ownerRef(d)],
        },
        spec: { replicas, selector: sel, template: tmpl },
        status: { replicas: 0 },
      });
      api.put(current);
      api.recordEvent(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${rsName} from 0 to ${replicas}`, 'deployment-controller');
    }
    // Rollout: the new ReplicaSet takes all replicas; old ones go to 0 (Recreate-like, fast enough for a lab).
    for (const rs of owned) {
      const want = rs.metadata.name === rsName ? replicas : 0;
      const have = (specOf(rs).replicas as number | undefined) ?? 0;
      if (have !== want) {
        const before = clone(rs);
        specOf(rs).replicas = want;
        rs.metadata.annotations = { ...(rs.metadata.annotations ?? {}), 'deployment.kubernetes.io/desired-replicas': String(replicas) };
        put(api, rs, before);
        api.recordEvent(d, 'Normal', 'ScalingReplicaSet', `Scaled ${want > have ? 'up' : 'down'} replica set ${rs.metadata.name} from ${have} to ${want}`, 'deployment-controller');
      }
    }
  }
}

// ---------------------------------------------------------------- ReplicaSet

function replicaSets(api: ApiServer): void {
  for (const rs of api.all('ReplicaSet')) {
    const spec = specOf(rs);
    const want = (spec.replicas as number | undefined) ?? 1;
    const ns = rs.metadata.namespace!;
    const pods = api.all('Pod', ns).filter((p) => ownedBy(p, rs) && isActivePod(p));
    if (pods.length < want) {
      for (let i = pods.length; i < want; i++) {
        const p = podFromTemplate(api, rs, `${rs.metadata.name}-`);
        api.put(p);
        api.recordEvent(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${p.metadata.name}`, 'replicaset-controller');
      }
    } else if (pods.length > want) {
      // Delete unscheduled, then not ready, then the youngest first (the controller's ranking).
      const ranked = [...pods].sort((a, b) => rank(a) - rank(b) || (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''));
      for (const p of ranked.slice(0, pods.length - want)) {
        api.terminate(p);
        api.recordEvent(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`, 'replicaset-controller');
      }
    }
  }
}

function rank(p: KubeObject): number {
  if (!specOf(p).nodeName) return 0;
  if (statusOf(p).phase === 'Pending') return 1;
  if (!isPodReady(p)) return 2;
  return 3;
}

function podFromTemplate(api: ApiServer, owner: KubeObject, generateName: string, nodeName?: string): KubeObject {
  const tmpl = clone(specOf(owner).template) as { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: Json };
  const spec = clone(tmpl.spec ?? {});
  if (nodeName) spec.nodeName = nodeName;
  const p: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${generateName}${randSuffix(api.rng)}`,
      generateName,
      namespace: owner.metadata.namespace,
      labels: { ...(tmpl.metadata?.labels ?? {}) },
      ...(tmpl.metadata?.annotations ? { annotations: { ...tmpl.metadata.annotations } } : {}),
      ownerReferences: [ownerRef(owner)],
    },
    spec,
    status: { phase: 'Pending', qosClass: 'BestEffort' },
  };
  return api.stamp(p);
}

// ---------------------------------------------------------------- DaemonSet

function daemonSets(api: ApiServer, ctx: ControllerContext): void {
  for (const ds of api.all('DaemonSet')) {
    const ns = ds.metadata.namespace!;
    const pods = api.all('Pod', ns).filter((p) => ownedBy(p, ds) && isActivePod(p));
    for (const node of ctx.nodes) {
      if (pods.some((p) => specOf(p).nodeName === node.name)) continue;
      if (api.all('Pod', ns).some((p) => ownedBy(p, ds) && specOf(p).nodeName === node.name)) continue; // still terminating
      const p = podFromTemplate(api, ds, `${ds.metadata.name}-`, node.name);
      // DaemonSet pods are bound by node affinity and scheduled like any pod; the lab binds directly.
      api.put(p);
      api.recordEvent(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${p.metadata.name}`, 'daemonset-controller');
      api.recordEvent(p, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${p.metadata.name} to ${node.name}`, 'default-scheduler');
    }
  }
}

// ---------------------------------------------------------------- scheduler

function tolerates(p: KubeObject): boolean {
  const tol = (specOf(p).tolerations as { key?: string; operator?: string; effect?: string }[] | undefined) ?? [];
  return tol.some((t) => (t.key === 'node-role.kubernetes.io/control-plane' || (t.operator === 'Exists' && t.key === undefined)) && (t.effect === undefined || t.effect === 'NoSchedule'));
}

function schedule(api: ApiServer, ctx: ControllerContext): void {
  const pending = api.all('Pod').filter((p) => !specOf(p).nodeName && !p.metadata.deletionTimestamp);
  if (pending.length === 0) return;
  const count = new Map<string, number>(ctx.nodes.map((n) => [n.name, 0]));
  for (const p of api.all('Pod')) {
    const n = specOf(p).nodeName as string | undefined;
    if (n && count.has(n) && !(specOf(p).hostNetwork === true)) count.set(n, count.get(n)! + 1);
  }
  const nodeLabels = new Map(api.all('Node').map((n) => [n.metadata.name, n.metadata.labels ?? {}]));
  for (const p of pending.sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || a.metadata.name.localeCompare(b.metadata.name))) {
    // kube-scheduler's filters in its order (TaintToleration, then NodeAffinity for nodeSelector); a node is
    // counted under the first filter it fails.
    const selector = (specOf(p).nodeSelector as Record<string, string> | undefined) ?? {};
    const failed = new Map<string, number>();
    const fits = ctx.nodes.filter((n) => {
      const reason = n.tainted && !tolerates(p) ? 'had untolerated taint {node-role.kubernetes.io/control-plane: }'
        : Object.entries(selector).some(([k, v]) => nodeLabels.get(n.name)?.[k] !== v) ? "didn't match Pod's node affinity/selector"
          : null;
      if (reason !== null) failed.set(reason, (failed.get(reason) ?? 0) + 1);
      return reason === null;
    });
    if (fits.length === 0) {
      const before = clone(p);
      // kube-scheduler's words, sorted as it sorts them.
      const reasons = [...failed].map(([r, n]) => `${n} node(s) ${r}`).sort();
      p.status = { phase: 'Pending', qosClass: 'BestEffort', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', lastProbeTime: null, lastTransitionTime: rfc3339(ctx.now),
        message: `0/${ctx.nodes.length} nodes are available: ${reasons.join(', ')}. preemption: 0/${ctx.nodes.length} nodes are available: ${ctx.nodes.length} Preemption is not helpful for scheduling.` }] };
      put(api, p, before);
      continue;
    }
    // Least allocated first; ties go to the node whose name hashes best for this pod (spreads like the real scorer).
    const best = [...fits].sort((a, b) => count.get(a.name)! - count.get(b.name)! || tie(p.metadata.name, a.name) - tie(p.metadata.name, b.name))[0]!;
    count.set(best.name, count.get(best.name)! + 1);
    specOf(p).nodeName = best.name;
    const st = statusOf(p);
    st.conditions = [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(ctx.now) }];
    p.status = st;
    api.put(p);
    api.recordEvent(p, 'Normal', 'Scheduled', `Successfully assigned ${p.metadata.namespace}/${p.metadata.name} to ${best.name}`, 'default-scheduler');
  }
}

function tie(pod: string, node: string): number {
  let h = 0;
  for (const c of pod + node) h = (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0;
  return h;
}

// ---------------------------------------------------------------- endpoints

interface PodEndpoint { pod: KubeObject; ip: string; ready: boolean; serving: boolean; terminating: boolean }

/** A Service port's targetPort on a given pod (named ports are looked up in the pod's containers). */
export function resolveTargetPort(pod: KubeObject, targetPort: number | string | undefined, port: number, protocol: string): number | undefined {
  if (typeof targetPort === 'number') return targetPort;
  if (targetPort === undefined || targetPort === '') return port;
  if (/^\d+$/.test(targetPort)) return Number(targetPort);
  for (const c of (specOf(pod).containers as { ports?: { name?: string; containerPort: number; protocol?: string }[] }[] | undefined) ?? []) {
    for (const cp of c.ports ?? []) if (cp.name === targetPort && (cp.protocol ?? 'TCP') === protocol) return cp.containerPort;
  }
  return undefined;
}

/** Per API server: each Service's inputs when its endpoints were last settled (unchanged inputs, nothing to do). */
const settledInputs = new WeakMap<ApiServer, Map<string, string>>();

/**
 * Per API server: what each settled Service's inputs were made of (its resourceVersion, its slice's and
 * Endpoints', writes to Pods in its namespace), and the writes to Services, slices and Endpoints when
 * orphans were last swept. Objects change only through put/remove, so equal figures mean equal inputs.
 */
const settledFigures = new WeakMap<ApiServer, { services: Map<string, string>; swept: string; quiet: string; seq: number }>();

function endpoints(api: ApiServer): void {
  let settled = settledInputs.get(api);
  if (!settled) { settled = new Map(); settledInputs.set(api, settled); }
  let figures = settledFigures.get(api);
  if (!figures) { figures = { services: new Map(), swept: '', quiet: '', seq: -1 }; settledFigures.set(api, figures); }
  // Nothing written to Services, slices, Endpoints or Pods since a pass that wrote nothing: nothing to do.
  const world = `${api.writes('Service')} ${api.writes('EndpointSlice')} ${api.writes('Endpoints')} ${api.writes('Pod')}`;
  if (figures.quiet === world) return;
  const rvAtStart = api.state.rv;
  // Services whose inputs may have changed since the last pass (null: all of them).
  const since = figures.seq < 0 ? null : api.writtenSince(figures.seq);
  figures.seq = api.writeSeq;
  let dirty: Set<string> | null = null;
  let dirtyNs: Set<string> | null = null;
  if (since !== null) {
    dirty = new Set();
    dirtyNs = new Set();
    for (const w of since) {
      if (w.kind === 'Service' || w.kind === 'Endpoints') dirty.add(`${w.ns}/${w.name}`);
      else if (w.kind === 'EndpointSlice' && w.owner !== undefined) dirty.add(`${w.ns}/${w.owner}`);
      else if (w.kind === 'Pod') dirtyNs.add(w.ns);
    }
  }
  const services = api.all('Service');
  const kindsWritten = (): string => `${api.writes('Service')} ${api.writes('EndpointSlice')} ${api.writes('Endpoints')}`;
  // Slices and Endpoints of Services that are gone.
  if (figures.swept !== kindsWritten()) {
    const byKey = new Set(services.map((s) => `${s.metadata.namespace}/${s.metadata.name}`));
    for (const sl of api.all('EndpointSlice')) {
      const owner = sl.metadata.labels?.[LABEL_SERVICE_NAME];
      if (sl.metadata.labels?.[LABEL_MANAGED_BY] === 'endpointslice-controller.k8s.io' && owner && !byKey.has(`${sl.metadata.namespace}/${owner}`)) api.remove(sl);
    }
    for (const ep of api.all('Endpoints')) {
      if (ep.metadata.annotations?.['endpoints.kubernetes.io/last-change-trigger-time'] !== undefined && !byKey.has(`${ep.metadata.namespace}/${ep.metadata.name}`)) api.remove(ep);
    }
    figures.swept = kindsWritten();
  }
  // Index once: Services × slices would be quadratic in a big lab.
  const sliceOf = new Map<string, KubeObject>();
  for (const sl of api.all('EndpointSlice')) {
    if (sl.metadata.labels?.[LABEL_MANAGED_BY] !== 'endpointslice-controller.k8s.io') continue;
    const owner = sl.metadata.labels?.[LABEL_SERVICE_NAME];
    if (owner) sliceOf.set(`${sl.metadata.namespace}/${owner}`, sl);
  }
  const podsByNs = new Map<string, KubeObject[]>();
  for (const p of api.all('Pod')) {
    const ns = p.metadata.namespace ?? 'default';
    let list = podsByNs.get(ns);
    if (!list) { list = []; podsByNs.set(ns, list); }
    list.push(p);
  }
  for (const svc of services) {
    const spec = specOf(svc) as { selector?: Record<string, string>; ports?: { name?: string; port: number; protocol?: string; targetPort?: number | string; appProtocol?: string }[]; publishNotReadyAddresses?: boolean; type?: string };
    if (spec.type === 'ExternalName' || spec.selector === undefined || Object.keys(spec.selector).length === 0) continue;
    const ns = svc.metadata.namespace!;
    const svcKey0 = `${ns}/${svc.metadata.name}`;
    if (dirty !== null && !dirty.has(svcKey0) && !dirtyNs!.has(ns) && figures.services.has(svcKey0)) continue;
    const figure = `${svc.metadata.resourceVersion} ${sliceOf.get(svcKey0)?.metadata.resourceVersion ?? '-'} ${api.find('Endpoints', ns, svc.metadata.name)?.metadata.resourceVersion ?? '-'} ${api.writes('Pod', ns)}`;
    if (figures.services.get(svcKey0) === figure) continue;
    const selected = (podsByNs.get(ns) ?? []).filter((p) => selects(spec.selector, p.metadata.labels));
    const svcKey = `${ns}/${svc.metadata.name}`;
    const inputs = [svc.metadata.resourceVersion, sliceOf.get(svcKey)?.metadata.resourceVersion ?? '-', api.find('Endpoints', ns, svc.metadata.name)?.metadata.resourceVersion ?? '-',
      ...selected.map((p) => `${p.metadata.name}@${p.metadata.resourceVersion}`)].join(' ');
    if (settled.get(svcKey) === inputs) continue;
    const rvBefore = api.state.rv;
    const eps: PodEndpoint[] = [];
    for (const p of selected) {
      const ip = statusOf(p).podIP as string | undefined;
      if (!ip) continue;
      const terminating = p.metadata.deletionTimestamp !== undefined;
      const ready = isPodReady(p);
      eps.push({ pod: p, ip, ready: ready && !terminating, serving: ready, terminating });
    }
    eps.sort((a, b) => a.ip.localeCompare(b.ip, undefined, { numeric: true }));
    const ports = spec.ports ?? [];
    const first = eps[0]?.pod;
    const slicePorts = ports.map((sp) => ({
      name: sp.name ?? '',
      port: first ? resolveTargetPort(first, sp.targetPort, sp.port, sp.protocol ?? 'TCP') ?? (typeof sp.targetPort === 'number' ? sp.targetPort : sp.port) : (typeof sp.targetPort === 'number' ? sp.targetPort : sp.port),
      protocol: sp.protocol ?? 'TCP',
      ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}),
    }));
    const sliceEndpoints = eps.map((e) => ({
      addresses: [e.ip],
      conditions: { ready: e.ready, serving: e.serving, terminating: e.terminating },
      nodeName: specOf(e.pod).nodeName as string,
      targetRef: { kind: 'Pod', name: e.pod.metadata.name, namespace: ns, uid: e.pod.metadata.uid },
    }));
    // EndpointSlice
    const existing = sliceOf.get(`${ns}/${svc.metadata.name}`);
    const wantSlice = { addressType: 'IPv4', endpoints: sliceEndpoints, ports: slicePorts };
    if (existing === undefined) {
      const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}), [LABEL_MANAGED_BY]: 'endpointslice-controller.k8s.io', [LABEL_SERVICE_NAME]: svc.metadata.name };
      api.put(api.stamp({
        apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
        metadata: { name: `${svc.metadata.name}-${randSuffix(api.rng)}`, generateName: `${svc.metadata.name}-`, namespace: ns, labels,
          annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': rfc3339(api.now()) }, ownerReferences: [ownerRef(svc)], generation: 1 },
        ...wantSlice,
      }));
    } else if (!jsonEqual({ addressType: existing.addressType, endpoints: existing.endpoints, ports: existing.ports }, wantSlice)) {
      const next = { ...clone(existing), ...clone(wantSlice) };
      next.metadata.annotations = { ...(next.metadata.annotations ?? {}), 'endpoints.kubernetes.io/last-change-trigger-time': rfc3339(api.now()) };
      next.metadata.generation = (existing.metadata.generation ?? 1) + 1;
      api.put(next);
    }
    // Endpoints (v1): ready addresses, not-ready ones, terminating ones left out.
    const addr = (e: PodEndpoint): Json => ({ ip: e.ip, nodeName: specOf(e.pod).nodeName, targetRef: { kind: 'Pod', name: e.pod.metadata.name, namespace: ns, uid: e.pod.metadata.uid } });
    const ready = eps.filter((e) => e.ready || (spec.publishNotReadyAddresses && !e.terminating)).map(addr);
    const notReady = eps.filter((e) => !e.ready && !e.terminating && !spec.publishNotReadyAddresses).map(addr);
    const subsets = ready.length + notReady.length === 0 ? undefined : [{
      ...(ready.length ? { addresses: ready } : {}),
      ...(notReady.length ? { notReadyAddresses: notReady } : {}),
      ports: slicePorts.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, protocol: p.protocol })),
    }];
    const ep = api.find('Endpoints', ns, svc.metadata.name);
    if (ep === undefined) {
      api.put(api.stamp({
        apiVersion: 'v1', kind: 'Endpoints',
        metadata: { name: svc.metadata.name, namespace: ns, labels: { ...(svc.metadata.labels ?? {}) }, annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': rfc3339(api.now()) } },
        ...(subsets ? { subsets } : {}),
      }));
    } else if (!jsonEqual(ep.subsets, subsets)) {
      const next = clone(ep);
      if (subsets) next.subsets = subsets; else delete next.subsets;
      next.metadata.annotations = { ...(next.metadata.annotations ?? {}), 'endpoints.kubernetes.io/last-change-trigger-time': rfc3339(api.now()) };
      api.put(next);
    }
    // Settled only when this pass wrote nothing (a write bumps the inputs: the next pass checks once more).
    if (api.state.rv === rvBefore) { settled.set(svcKey, inputs); figures.services.set(svcKey, figure); }
  }
  if (api.state.rv === rvAtStart) figures.quiet = world;
}

// ---------------------------------------------------------------- status

function workloadStatus(api: ApiServer): void {
  const podsOf = (o: KubeObject): KubeObject[] => api.all('Pod', o.metadata.namespace).filter((p) => ownedBy(p, o) && isActivePod(p));
  for (const rs of api.all('ReplicaSet')) {
    const pods = podsOf(rs);
    const ready = pods.filter(isPodReady).length;
    const st: Json = { replicas: pods.length, fullyLabeledReplicas: pods.length, readyReplicas: ready, availableReplicas: ready, observedGeneration: rs.metadata.generation ?? 1 };
    if (ready === 0) { delete st.readyReplicas; delete st.availableReplicas; }
    if (pods.length === 0) delete st.fullyLabeledReplicas;
    if (!jsonEqual(rs.status, st)) { rs.status = st; api.put(rs); }
  }
  for (const d of api.all('Deployment')) {
    const rss = api.all('ReplicaSet', d.metadata.namespace).filter((rs) => ownedBy(rs, d));
    const pods = rss.flatMap(podsOf);
    const hash = templateHash(specOf(d).template, 0);
    const updated = pods.filter((p) => p.metadata.labels?.['pod-template-hash'] === hash).length;
    const ready = pods.filter(isPodReady).length;
    const want = (specOf(d).replicas as number | undefined) ?? 1;
    const prev = (statusOf(d).conditions as { type: string; lastTransitionTime?: string; lastUpdateTime?: string; status: string }[] | undefined) ?? [];
    const since = (type: string, status: string): string => {
      const c = prev.find((x) => x.type === type);
      return c && c.status === status ? c.lastTransitionTime! : rfc3339(api.now());
    };
    const availableStatus = ready >= want ? 'True' : 'False';
    const rsName = rss.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash)?.metadata.name ?? '';
    const st: Json = {
      observedGeneration: d.metadata.generation ?? 1,
      replicas: pods.length,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: ready,
      ...(pods.length - ready > 0 ? { unavailableReplicas: pods.length - ready } : {}),
      conditions: [
        { type: 'Available', status: availableStatus, reason: availableStatus === 'True' ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
          message: availableStatus === 'True' ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.',
          lastTransitionTime: since('Available', availableStatus), lastUpdateTime: since('Available', availableStatus) },
        { type: 'Progressing', status: 'True', reason: updated >= want && ready >= want ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated',
          message: updated >= want && ready >= want ? `ReplicaSet "${rsName}" has successfully progressed.` : `ReplicaSet "${rsName}" is progressing.`,
          lastTransitionTime: since('Progressing', 'True'), lastUpdateTime: rfc3339(api.now()) },
      ],
    };
    if (ready === 0) { delete st.readyReplicas; delete st.availableReplicas; }
    const cmp = (s: unknown): unknown => { const c = clone(s) as Json | undefined; for (const x of (c?.conditions as Json[] | undefined) ?? []) delete x.lastUpdateTime; return c; };
    if (!jsonEqual(cmp(d.status), cmp(st))) { d.status = st; api.put(d); }
  }
  for (const ds of api.all('DaemonSet')) {
    const pods = podsOf(ds);
    const ready = pods.filter(isPodReady).length;
    const nodesWanted = new Set(pods.map((p) => specOf(p).nodeName)).size;
    const st: Json = {
      currentNumberScheduled: pods.length, desiredNumberScheduled: Math.max(nodesWanted, pods.length), numberAvailable: ready, numberMisscheduled: 0,
      numberReady: ready, observedGeneration: ds.metadata.generation ?? 1, updatedNumberScheduled: pods.length,
    };
    if (ready < pods.length) st.numberUnavailable = pods.length - ready;
    if (ready === 0) delete st.numberAvailable;
    if (!jsonEqual(ds.status, st)) { ds.status = st; api.put(ds); }
  }
}

export const WORKLOAD_KINDS: ClusterKind[] = ['Deployment', 'ReplicaSet', 'DaemonSet'];
