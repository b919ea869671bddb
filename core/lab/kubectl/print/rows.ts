// The columns `kubectl get` prints for each kind (normal and `-o wide`), with
// the cell rules of kubectl's printers: pod STATUS from container states,
// RESTARTS with "(5d19h ago)", `80:30450/TCP`, `<none>`, endpoints capped at
// three then "+ N more...", node ROLES from node-role labels.

import { age } from './age.js';
import { arr, at, isObject, labelsString, nameOf, num, rec, str } from '../obj.js';

export interface KindColumns {
  headers: string[];
  wideHeaders: string[];
  /** Cells for one object; `wide` appends the extra cells. */
  row(o: unknown, now: number, wide: boolean): string[];
}

const none = (s: string): string => (s === '' ? '<none>' : s);

function podStatus(pod: unknown, now: number): { ready: string; status: string; restarts: string } {
  const containers = arr(pod, 'spec.containers');
  let reason = str(pod, 'status.reason') || str(pod, 'status.phase');
  let restarts = 0;
  let readyCount = 0;
  let lastRestart = 0;
  const statuses = arr(pod, 'status.containerStatuses');
  for (let i = statuses.length - 1; i >= 0; i--) {
    const cs = statuses[i];
    restarts += num(cs, 'restartCount');
    const finished = str(cs, 'lastState.terminated.finishedAt');
    if (finished !== '') lastRestart = Math.max(lastRestart, Date.parse(finished));
    const waiting = str(cs, 'state.waiting.reason');
    const terminated = at(cs, 'state.terminated');
    if (waiting !== '') reason = waiting;
    else if (isObject(terminated)) {
      const r = str(cs, 'state.terminated.reason');
      const sig = num(cs, 'state.terminated.signal');
      reason = r !== '' ? r : sig !== 0 ? `Signal:${sig}` : `ExitCode:${num(cs, 'state.terminated.exitCode')}`;
    } else if (at(cs, 'ready') === true && isObject(at(cs, 'state.running'))) readyCount++;
  }
  if (str(pod, 'metadata.deletionTimestamp') !== '') reason = str(pod, 'status.reason') === 'NodeLost' ? 'Unknown' : 'Terminating';
  const restartText = lastRestart > 0 ? `${restarts} (${age(new Date(lastRestart).toISOString(), now)} ago)` : String(restarts);
  return { ready: `${readyCount}/${containers.length}`, status: reason, restarts: restartText };
}

function servicePorts(svc: unknown): string {
  const ports = arr(svc, 'spec.ports');
  if (ports.length === 0) return '<none>';
  return ports
    .map((p) => {
      const proto = str(p, 'protocol', 'TCP');
      const np = num(p, 'nodePort');
      return np > 0 ? `${num(p, 'port')}:${np}/${proto}` : `${num(p, 'port')}/${proto}`;
    })
    .join(',');
}

function serviceExternalIP(svc: unknown): string {
  const type = str(svc, 'spec.type', 'ClusterIP');
  const external = arr(svc, 'spec.externalIPs').map(String);
  switch (type) {
    case 'ClusterIP':
    case 'NodePort':
      return external.length > 0 ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const ingress = arr(svc, 'status.loadBalancer.ingress').map((i) => str(i, 'ip') || str(i, 'hostname'));
      const all = [...ingress, ...external];
      return all.length > 0 ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return str(svc, 'spec.externalName');
    default:
      return '<unknown>';
  }
}

/** `10.244.0.5:53,10.244.2.21:53,10.244.0.5:53 + 3 more...`: per subset, per port, per address. */
export function formatEndpoints(ep: unknown, max = 3): string {
  const list: string[] = [];
  let count = 0;
  let more = false;
  for (const ss of arr(ep, 'subsets')) {
    const ports = arr(ss, 'ports');
    const addrs = arr(ss, 'addresses');
    const portList = ports.length === 0 ? [undefined] : ports;
    for (const p of portList) {
      for (const a of addrs) {
        if (list.length < max) list.push(p === undefined ? str(a, 'ip') : `${str(a, 'ip')}:${num(p, 'port')}`);
        else more = true;
        count++;
      }
    }
  }
  if (list.length === 0) return '<none>';
  return more ? `${list.join(',')} + ${count - list.length} more...` : list.join(',');
}

function sliceEndpoints(slice: unknown): string {
  const addrs: string[] = [];
  for (const e of arr(slice, 'endpoints')) for (const a of arr(e, 'addresses')) addrs.push(String(a));
  if (addrs.length === 0) return '<unset>';
  return addrs.length > 3 ? `${addrs.slice(0, 3).join(',')} + ${addrs.length - 3} more...` : addrs.join(',');
}

function slicePorts(slice: unknown): string {
  const ports = arr(slice, 'ports');
  if (ports.length === 0) return '<unset>';
  return ports.map((p) => (typeof at(p, 'port') === 'number' ? String(num(p, 'port')) : '<unset>')).join(',');
}

export function nodeRoles(node: unknown): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(rec(node, 'metadata.labels'))) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const r = k.slice('node-role.kubernetes.io/'.length);
      if (r !== '') roles.add(r);
    } else if (k === 'kubernetes.io/role' && v !== '') roles.add(v);
  }
  return roles.size === 0 ? '<none>' : [...roles].sort().join(',');
}

export function nodeStatus(node: unknown): string {
  const conds = arr(node, 'status.conditions');
  const ready = conds.find((c) => str(c, 'type') === 'Ready');
  let s = ready === undefined ? 'Unknown' : str(ready, 'status') === 'True' ? 'Ready' : str(ready, 'status') === 'False' ? 'NotReady' : 'Unknown';
  if (at(node, 'spec.unschedulable') === true) s += ',SchedulingDisabled';
  return s;
}

function nodeAddress(node: unknown, type: string): string {
  const a = arr(node, 'status.addresses').filter((x) => str(x, 'type') === type).map((x) => str(x, 'address'));
  return a.length === 0 ? '<none>' : a.join(',');
}

function containersAndImages(o: unknown, path: string): [string, string] {
  const cs = arr(o, path);
  return [cs.map((c) => str(c, 'name')).join(','), cs.map((c) => str(c, 'image')).join(',')];
}

function selectorString(o: unknown): string {
  const ml = rec(o, 'spec.selector.matchLabels');
  const exprs = arr(o, 'spec.selector.matchExpressions').map((e) => {
    const op = str(e, 'operator');
    const vals = arr(e, 'values').map(String).sort().join(',');
    if (op === 'Exists') return str(e, 'key');
    if (op === 'DoesNotExist') return `!${str(e, 'key')}`;
    return `${str(e, 'key')} ${op.toLowerCase() === 'in' ? 'in' : 'notin'} (${vals})`;
  });
  const parts = [...(Object.keys(ml).length > 0 ? [labelsString(ml)] : []), ...exprs];
  return parts.length === 0 ? '<none>' : parts.join(',');
}

function eventLastSeen(ev: unknown, now: number): string {
  const ts = str(ev, 'lastTimestamp') || str(ev, 'eventTime') || str(ev, 'firstTimestamp') || str(ev, 'metadata.creationTimestamp');
  return age(ts, now);
}

export const COLUMNS: Record<string, KindColumns> = {
  Pod: {
    headers: ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
    wideHeaders: ['IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'],
    row(o, now, wide) {
      const s = podStatus(o, now);
      const cells = [nameOf(o), s.ready, s.status, s.restarts, age(at(o, 'metadata.creationTimestamp'), now)];
      if (wide) {
        const gates = arr(o, 'spec.readinessGates');
        const conds = arr(o, 'status.conditions');
        const gateText = gates.length === 0 ? '<none>' : `${gates.filter((g) => conds.some((c) => str(c, 'type') === str(g, 'conditionType') && str(c, 'status') === 'True')).length}/${gates.length}`;
        cells.push(none(str(o, 'status.podIP')), none(str(o, 'spec.nodeName')), none(str(o, 'status.nominatedNodeName')), gateText);
      }
      return cells;
    },
  },
  Service: {
    headers: ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'],
    wideHeaders: ['SELECTOR'],
    row(o, now, wide) {
      const cells = [nameOf(o), str(o, 'spec.type', 'ClusterIP'), none(str(o, 'spec.clusterIP')), serviceExternalIP(o), servicePorts(o), age(at(o, 'metadata.creationTimestamp'), now)];
      if (wide) cells.push(labelsString(rec(o, 'spec.selector')));
      return cells;
    },
  },
  Endpoints: {
    headers: ['NAME', 'ENDPOINTS', 'AGE'],
    wideHeaders: [],
    row: (o, now) => [nameOf(o), formatEndpoints(o), age(at(o, 'metadata.creationTimestamp'), now)],
  },
  EndpointSlice: {
    headers: ['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE'],
    wideHeaders: [],
    row: (o, now) => [nameOf(o), str(o, 'addressType'), slicePorts(o), sliceEndpoints(o), age(at(o, 'metadata.creationTimestamp'), now)],
  },
  Deployment: {
    headers: ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'],
    wideHeaders: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
    row(o, now, wide) {
      const cells = [nameOf(o), `${num(o, 'status.readyReplicas')}/${num(o, 'spec.replicas', 1)}`, String(num(o, 'status.updatedReplicas')), String(num(o, 'status.availableReplicas')), age(at(o, 'metadata.creationTimestamp'), now)];
      if (wide) cells.push(...containersAndImages(o, 'spec.template.spec.containers'), selectorString(o));
      return cells;
    },
  },
  ReplicaSet: {
    headers: ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE'],
    wideHeaders: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
    row(o, now, wide) {
      const cells = [nameOf(o), String(num(o, 'spec.replicas', 1)), String(num(o, 'status.replicas')), String(num(o, 'status.readyReplicas')), age(at(o, 'metadata.creationTimestamp'), now)];
      if (wide) cells.push(...containersAndImages(o, 'spec.template.spec.containers'), selectorString(o));
      return cells;
    },
  },
  DaemonSet: {
    headers: ['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE'],
    wideHeaders: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
    row(o, now, wide) {
      const cells = [
        nameOf(o),
        String(num(o, 'status.desiredNumberScheduled')),
        String(num(o, 'status.currentNumberScheduled')),
        String(num(o, 'status.numberReady')),
        String(num(o, 'status.updatedNumberScheduled')),
        String(num(o, 'status.numberAvailable')),
        labelsString(rec(o, 'spec.template.spec.nodeSelector')),
        age(at(o, 'metadata.creationTimestamp'), now),
      ];
      if (wide) cells.push(...containersAndImages(o, 'spec.template.spec.containers'), selectorString(o));
      return cells;
    },
  },
  Node: {
    headers: ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'],
    wideHeaders: ['INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME'],
    row(o, now, wide) {
      const cells = [nameOf(o), nodeStatus(o), nodeRoles(o), age(at(o, 'metadata.creationTimestamp'), now), str(o, 'status.nodeInfo.kubeletVersion')];
      if (wide) {
        cells.push(
          nodeAddress(o, 'InternalIP'),
          nodeAddress(o, 'ExternalIP'),
          none(str(o, 'status.nodeInfo.osImage')),
          none(str(o, 'status.nodeInfo.kernelVersion')),
          none(str(o, 'status.nodeInfo.containerRuntimeVersion')),
        );
      }
      return cells;
    },
  },
  Namespace: {
    headers: ['NAME', 'STATUS', 'AGE'],
    wideHeaders: [],
    row: (o, now) => [nameOf(o), str(o, 'status.phase', 'Active'), age(at(o, 'metadata.creationTimestamp'), now)],
  },
  Event: {
    headers: ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'],
    wideHeaders: [],
    row(o, now) {
      const obj = `${str(o, 'involvedObject.kind').toLowerCase()}/${str(o, 'involvedObject.name')}`;
      return [eventLastSeen(o, now), str(o, 'type'), str(o, 'reason'), obj, str(o, 'message').trim()];
    },
  },
  ConfigMap: {
    headers: ['NAME', 'DATA', 'AGE'],
    wideHeaders: [],
    row: (o, now) => [nameOf(o), String(Object.keys(rec(o, 'data')).length + Object.keys(rec(o, 'binaryData')).length), age(at(o, 'metadata.creationTimestamp'), now)],
  },
};
