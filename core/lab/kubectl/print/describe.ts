// `kubectl describe` text for Services, Endpoints, Pods, Nodes and
// Deployments: labelled lines laid out by the describe tabwriter (min width 0,
// padding 2), multi-value fields continued on tab-indented lines, events as
// a small table, as seed 003 shows.

import { age } from './age.js';
import { formatEndpoints, nodeRoles } from './rows.js';
import { DESCRIBE_TABS, tabify } from './tabwriter.js';
import { arr, at, isObject, labelsString, nameOf, namespaceOf, num, rec, str } from '../obj.js';

/** Lines with `\t` between label and value, indented by level (two spaces each). */
class Prefixed {
  private buf = '';
  line(level: number, ...cells: string[]): void {
    this.buf += `${'  '.repeat(level)}${cells.join('\t')}\n`;
  }
  raw(s: string): void {
    this.buf += s;
  }
  text(): string {
    return tabify(this.buf, DESCRIBE_TABS);
  }
}

const none = (s: string): string => (s === '' ? '<none>' : s);

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Mon, 04 Apr 2022 22:10:00 +0000` (Go's RFC1123Z, UTC). */
export function rfc1123z(ts: string): string {
  const t = Date.parse(ts);
  if (Number.isNaN(t)) return ts;
  const d = new Date(t);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()] as string}, ${p(d.getUTCDate())} ${MONTHS[d.getUTCMonth()] as string} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** `Labels:  a=b` then one `\tk=v` line per further label. */
function mapLines(w: Prefixed, level: number, label: string, m: Record<string, string>, sep: string, skip: string[] = []): void {
  const keys = Object.keys(m).filter((k) => !skip.includes(k)).sort();
  if (keys.length === 0) {
    w.line(level, `${label}:`, '<none>');
    return;
  }
  keys.forEach((k, i) => w.line(level, i === 0 ? `${label}:` : '', `${k}${sep}${m[k] as string}`));
}

function metaLines(w: Prefixed, o: unknown, withNamespace = true): void {
  w.line(0, 'Name:', nameOf(o));
  if (withNamespace) w.line(0, 'Namespace:', namespaceOf(o));
  mapLines(w, 0, 'Labels', rec(o, 'metadata.labels'), '=');
  mapLines(w, 0, 'Annotations', rec(o, 'metadata.annotations'), ': ', ['kubectl.kubernetes.io/last-applied-configuration']);
}

/** The Events section: `<none>` or a Type/Reason/Age/From/Message table. */
function eventsSection(w: Prefixed, events: unknown[], now: number, inBlock: boolean): void {
  if (events.length === 0) {
    if (inBlock) w.line(0, 'Events:', '<none>');
    else w.raw('Events:\t<none>\n');
    return;
  }
  w.raw('Events:\n');
  w.line(1, 'Type', 'Reason', 'Age', 'From', 'Message');
  w.line(1, '----', '------', '----', '----', '-------');
  for (const e of events) {
    const last = str(e, 'lastTimestamp') || str(e, 'eventTime') || str(e, 'metadata.creationTimestamp');
    const first = str(e, 'firstTimestamp') || last;
    const count = num(e, 'count', 1);
    const ageText = count > 1 ? `${age(last, now)} (x${count} over ${age(first, now)})` : age(last, now);
    // kubectl 1.32 shows the reporting component alone (`kubelet`, not `kubelet, k8s3`)
    const from = str(e, 'source.component') || str(e, 'reportingComponent') || str(e, 'reportingController');
    w.line(1, str(e, 'type'), str(e, 'reason'), ageText, from, str(e, 'message').trim());
  }
}

function eventsFor(events: unknown[], kind: string, name: string, ns: string): unknown[] {
  return events.filter((e) => str(e, 'involvedObject.kind') === kind && str(e, 'involvedObject.name') === name && (ns === '' || str(e, 'involvedObject.namespace') === ns || namespaceOf(e) === ns));
}

function portProto(p: unknown): string {
  return str(p, 'protocol', 'TCP');
}

/** Endpoint addresses of one service port, from its Endpoints object. */
function endpointsForPort(ep: unknown, port: unknown): string {
  if (ep === undefined) return '<none>';
  const out: string[] = [];
  for (const ss of arr(ep, 'subsets')) {
    const match = arr(ss, 'ports').find((p) => str(p, 'name') === str(port, 'name') && str(p, 'protocol', 'TCP') === portProto(port));
    if (match === undefined) continue;
    for (const a of arr(ss, 'addresses')) out.push(`${str(a, 'ip')}:${num(match, 'port')}`);
  }
  return out.length === 0 ? '<none>' : out.join(',');
}

export function describeService(svc: unknown, ep: unknown, events: unknown[], now: number): string {
  const w = new Prefixed();
  metaLines(w, svc);
  w.line(0, 'Selector:', labelsString(rec(svc, 'spec.selector')));
  const type = str(svc, 'spec.type', 'ClusterIP');
  w.line(0, 'Type:', type);
  if (str(svc, 'spec.ipFamilyPolicy') !== '') w.line(0, 'IP Family Policy:', str(svc, 'spec.ipFamilyPolicy'));
  const fams = arr(svc, 'spec.ipFamilies').map(String);
  if (fams.length > 0) w.line(0, 'IP Families:', fams.join(','));
  w.line(0, 'IP:', none(str(svc, 'spec.clusterIP')));
  const ips = arr(svc, 'spec.clusterIPs').map(String);
  if (ips.length > 0) w.line(0, 'IPs:', ips.join(','));
  const ext = arr(svc, 'spec.externalIPs').map(String);
  if (ext.length > 0) w.line(0, 'External IPs:', ext.join(','));
  if (type === 'ExternalName') w.line(0, 'External Name:', str(svc, 'spec.externalName'));
  const ingress = arr(svc, 'status.loadBalancer.ingress').map((i) => str(i, 'ip') || str(i, 'hostname'));
  if (ingress.length > 0) w.line(0, 'LoadBalancer Ingress:', ingress.join(', '));
  for (const p of arr(svc, 'spec.ports')) {
    const name = str(p, 'name') || '<unset>';
    w.line(0, 'Port:', `${name}  ${num(p, 'port')}/${portProto(p)}`);
    const tp = at(p, 'targetPort');
    w.line(0, 'TargetPort:', `${tp === undefined ? num(p, 'port') : String(tp)}/${portProto(p)}`);
    if (num(p, 'nodePort') > 0) w.line(0, 'NodePort:', `${name}  ${num(p, 'nodePort')}/${portProto(p)}`);
    w.line(0, 'Endpoints:', endpointsForPort(ep, p));
  }
  w.line(0, 'Session Affinity:', str(svc, 'spec.sessionAffinity', 'None'));
  if (type === 'NodePort' || type === 'LoadBalancer') w.line(0, 'External Traffic Policy:', str(svc, 'spec.externalTrafficPolicy', 'Cluster'));
  if (str(svc, 'spec.internalTrafficPolicy') !== '') w.line(0, 'Internal Traffic Policy:', str(svc, 'spec.internalTrafficPolicy'));
  if (num(svc, 'spec.healthCheckNodePort') > 0) w.line(0, 'HealthCheck NodePort:', String(num(svc, 'spec.healthCheckNodePort')));
  eventsSection(w, eventsFor(events, 'Service', nameOf(svc), namespaceOf(svc)), now, true);
  return w.text();
}

export function describeEndpoints(ep: unknown, events: unknown[], now: number): string {
  const w = new Prefixed();
  metaLines(w, ep);
  w.raw('Subsets:\n');
  for (const ss of arr(ep, 'subsets')) {
    const ready = arr(ss, 'addresses').map((a) => str(a, 'ip'));
    const notReady = arr(ss, 'notReadyAddresses').map((a) => str(a, 'ip'));
    w.line(1, 'Addresses:', none(ready.join(',')));
    w.line(1, 'NotReadyAddresses:', none(notReady.join(',')));
    const ports = arr(ss, 'ports');
    if (ports.length === 0) w.line(1, 'Ports:', '<none>');
    else {
      w.raw('  Ports:\n');
      w.line(2, 'Name', 'Port', 'Protocol');
      w.line(2, '----', '----', '--------');
      for (const p of ports) w.line(2, str(p, 'name') || '<unset>', String(num(p, 'port')), portProto(p));
    }
    w.raw('\n');
  }
  eventsSection(w, eventsFor(events, 'Endpoints', nameOf(ep), namespaceOf(ep)), now, false);
  return w.text();
}

function containerState(w: Prefixed, level: number, label: string, state: unknown): void {
  if (!isObject(state)) return;
  if (isObject(state.running)) {
    w.line(level, `${label}:`, 'Running');
    w.line(level + 1, 'Started:', rfc1123z(str(state, 'running.startedAt')));
  } else if (isObject(state.waiting)) {
    w.line(level, `${label}:`, 'Waiting');
    w.line(level + 1, 'Reason:', str(state, 'waiting.reason'));
  } else if (isObject(state.terminated)) {
    w.line(level, `${label}:`, 'Terminated');
    w.line(level + 1, 'Reason:', str(state, 'terminated.reason'));
    if (str(state, 'terminated.message') !== '') w.line(level + 1, 'Message:', str(state, 'terminated.message'));
    w.line(level + 1, 'Exit Code:', String(num(state, 'terminated.exitCode')));
    if (num(state, 'terminated.signal') !== 0) w.line(level + 1, 'Signal:', String(num(state, 'terminated.signal')));
    w.line(level + 1, 'Started:', rfc1123z(str(state, 'terminated.startedAt')));
    w.line(level + 1, 'Finished:', rfc1123z(str(state, 'terminated.finishedAt')));
  } else {
    w.line(level, `${label}:`, 'Waiting');
  }
}

export function describePod(pod: unknown, node: unknown, events: unknown[], now: number): string {
  const w = new Prefixed();
  w.line(0, 'Name:', nameOf(pod));
  w.line(0, 'Namespace:', namespaceOf(pod));
  w.line(0, 'Priority:', String(num(pod, 'spec.priority')));
  if (str(pod, 'spec.priorityClassName') !== '') w.line(0, 'Priority Class Name:', str(pod, 'spec.priorityClassName'));
  w.line(0, 'Service Account:', str(pod, 'spec.serviceAccountName', 'default'));
  const nodeName = str(pod, 'spec.nodeName');
  w.line(0, 'Node:', nodeName === '' ? '<none>' : `${nodeName}/${str(pod, 'status.hostIP')}`);
  if (str(pod, 'status.startTime') !== '') w.line(0, 'Start Time:', rfc1123z(str(pod, 'status.startTime')));
  mapLines(w, 0, 'Labels', rec(pod, 'metadata.labels'), '=');
  mapLines(w, 0, 'Annotations', rec(pod, 'metadata.annotations'), ': ', ['kubectl.kubernetes.io/last-applied-configuration']);
  if (str(pod, 'metadata.deletionTimestamp') !== '') {
    w.line(0, 'Status:', `Terminating (lasts ${age(str(pod, 'metadata.deletionTimestamp'), now)})`);
    w.line(0, 'Termination Grace Period:', `${num(pod, 'metadata.deletionGracePeriodSeconds', 30)}s`);
  } else w.line(0, 'Status:', str(pod, 'status.phase'));
  w.line(0, 'IP:', str(pod, 'status.podIP'));
  const podIPs = arr(pod, 'status.podIPs');
  if (podIPs.length === 0) w.line(0, 'IPs:', '<none>');
  else {
    w.raw('IPs:\n');
    for (const ip of podIPs) w.line(1, 'IP:', str(ip, 'ip'));
  }
  const owner = arr(pod, 'metadata.ownerReferences').find((r) => at(r, 'controller') === true);
  if (owner !== undefined) w.line(0, 'Controlled By:', `${str(owner, 'kind')}/${str(owner, 'name')}`);
  w.raw('Containers:\n');
  const statuses = arr(pod, 'status.containerStatuses');
  for (const c of arr(pod, 'spec.containers')) {
    const cs = statuses.find((s) => str(s, 'name') === str(c, 'name'));
    w.raw(`  ${str(c, 'name')}:\n`);
    if (cs !== undefined && str(cs, 'containerID') !== '') w.line(2, 'Container ID:', str(cs, 'containerID'));
    w.line(2, 'Image:', str(c, 'image'));
    w.line(2, 'Image ID:', cs === undefined ? '' : str(cs, 'imageID'));
    const ports = arr(c, 'ports');
    if (ports.length === 0) {
      w.line(2, 'Port:', '<none>');
      w.line(2, 'Host Port:', '<none>');
    } else {
      const pn = ports.map((p) => `${num(p, 'containerPort')}/${portProto(p)}${str(p, 'name') !== '' ? ` (${str(p, 'name')})` : ''}`);
      w.line(2, ports.length > 1 ? 'Ports:' : 'Port:', pn.join(', '));
      w.line(2, ports.length > 1 ? 'Host Ports:' : 'Host Port:', ports.map((p) => `${num(p, 'hostPort')}/${portProto(p)}${str(p, 'name') !== '' ? ` (${str(p, 'name')})` : ''}`).join(', '));
    }
    const cmd = arr(c, 'command').map(String);
    if (cmd.length > 0) {
      w.raw('    Command:\n');
      for (const x of cmd) w.line(3, x);
    }
    const cargs = arr(c, 'args').map(String);
    if (cargs.length > 0) {
      w.raw('    Args:\n');
      for (const x of cargs) w.line(3, x);
    }
    if (cs !== undefined) {
      containerState(w, 2, 'State', at(cs, 'state'));
      if (isObject(at(cs, 'lastState')) && Object.keys(at(cs, 'lastState') as object).length > 0) containerState(w, 2, 'Last State', at(cs, 'lastState'));
      w.line(2, 'Ready:', at(cs, 'ready') === true ? 'True' : 'False');
      w.line(2, 'Restart Count:', String(num(cs, 'restartCount')));
    } else {
      w.line(2, 'State:', 'Waiting');
      w.line(2, 'Ready:', 'False');
      w.line(2, 'Restart Count:', '0');
    }
    const env = arr(c, 'env');
    if (env.length === 0) w.line(2, 'Environment:', '<none>');
    else {
      w.raw('    Environment:\n');
      for (const e of env) {
        const ref = at(e, 'valueFrom.fieldRef');
        const value = isObject(ref) ? ` (${str(ref, 'apiVersion', 'v1')}:${str(ref, 'fieldPath')})` : str(e, 'value');
        w.line(3, `${str(e, 'name')}:`, value);
      }
    }
    const mounts = arr(c, 'volumeMounts');
    if (mounts.length === 0) w.line(2, 'Mounts:', '<none>');
    else {
      w.raw('    Mounts:\n');
      for (const m of mounts) w.line(3, `${str(m, 'mountPath')} from ${str(m, 'name')} (${at(m, 'readOnly') === true ? 'ro' : 'rw'})`);
    }
  }
  const conds = arr(pod, 'status.conditions');
  if (conds.length > 0) {
    w.raw('Conditions:\n');
    w.line(1, 'Type', 'Status');
    for (const c of conds) w.line(1, `${str(c, 'type')} `, `${str(c, 'status')} `);
  }
  const vols = arr(pod, 'spec.volumes');
  if (vols.length === 0) w.line(0, 'Volumes:', '<none>');
  else {
    w.raw('Volumes:\n');
    for (const v of vols) {
      w.raw(`  ${str(v, 'name')}:\n`);
      if (isObject(at(v, 'projected'))) {
        w.line(2, 'Type:', 'Projected (a volume that contains injected data from multiple sources)');
        w.line(2, 'TokenExpirationSeconds:', '3607');
        w.line(2, 'ConfigMapName:', 'kube-root-ca.crt');
        w.line(2, 'ConfigMapOptional:', '<nil>');
        w.line(2, 'DownwardAPI:', 'true');
      } else if (isObject(at(v, 'configMap'))) {
        w.line(2, 'Type:', 'ConfigMap (a volume populated by a ConfigMap)');
        w.line(2, 'Name:', str(v, 'configMap.name'));
        w.line(2, 'Optional:', String(at(v, 'configMap.optional') === true));
      } else if (isObject(at(v, 'hostPath'))) {
        w.line(2, 'Type:', 'HostPath (bare host directory volume)');
        w.line(2, 'Path:', str(v, 'hostPath.path'));
        w.line(2, 'HostPathType:', str(v, 'hostPath.type'));
      } else {
        w.line(2, 'Type:', 'EmptyDir (a temporary directory that shares a pod\'s lifetime)');
        w.line(2, 'Medium:', '');
        w.line(2, 'SizeLimit:', '<unset>');
      }
    }
  }
  w.line(0, 'QoS Class:', str(pod, 'status.qosClass', 'BestEffort'));
  w.line(0, 'Node-Selectors:', labelsString(rec(pod, 'spec.nodeSelector')));
  const tols = arr(pod, 'spec.tolerations');
  if (tols.length === 0) w.line(0, 'Tolerations:', '<none>');
  tols.forEach((t, i) => w.line(0, i === 0 ? 'Tolerations:' : '', tolerationText(t)));
  void node;
  eventsSection(w, eventsFor(events, 'Pod', nameOf(pod), namespaceOf(pod)), now, true);
  return w.text();
}

export function describeNode(node: unknown, pods: unknown[], events: unknown[], now: number): string {
  const w = new Prefixed();
  w.line(0, 'Name:', nameOf(node));
  w.line(0, 'Roles:', nodeRoles(node));
  mapLines(w, 0, 'Labels', rec(node, 'metadata.labels'), '=');
  mapLines(w, 0, 'Annotations', rec(node, 'metadata.annotations'), ': ');
  w.line(0, 'CreationTimestamp:', rfc1123z(str(node, 'metadata.creationTimestamp')));
  const taints = arr(node, 'spec.taints');
  if (taints.length === 0) w.line(0, 'Taints:', '<none>');
  taints.forEach((t, i) => w.line(0, i === 0 ? 'Taints:' : '', `${str(t, 'key')}${str(t, 'value') !== '' ? `=${str(t, 'value')}` : ''}:${str(t, 'effect')}`));
  w.line(0, 'Unschedulable:', String(at(node, 'spec.unschedulable') === true));
  w.raw('Lease:\n');
  w.line(1, 'HolderIdentity:', nameOf(node));
  w.line(1, 'AcquireTime:', '<unset>');
  w.line(1, 'RenewTime:', rfc1123z(new Date(now - (now % 10000)).toISOString()));
  w.raw('Conditions:\n');
  w.line(1, 'Type', 'Status', 'LastHeartbeatTime', 'LastTransitionTime', 'Reason', 'Message');
  w.line(1, '----', '------', '-----------------', '------------------', '------', '-------');
  for (const c of arr(node, 'status.conditions')) {
    w.line(1, str(c, 'type'), str(c, 'status'), rfc1123z(str(c, 'lastHeartbeatTime')), rfc1123z(str(c, 'lastTransitionTime')), str(c, 'reason'), str(c, 'message'));
  }
  w.raw('Addresses:\n');
  for (const a of arr(node, 'status.addresses')) w.line(1, `${str(a, 'type')}:`, str(a, 'address'));
  const resources = (label: string, path: string): void => {
    const m = rec(node, path);
    if (Object.keys(m).length === 0) return;
    w.raw(`${label}:\n`);
    for (const k of Object.keys(m).sort()) w.line(1, `${k}:`, m[k] as string);
  };
  resources('Capacity', 'status.capacity');
  resources('Allocatable', 'status.allocatable');
  w.raw('System Info:\n');
  const info: [string, string][] = [
    ['Machine ID', 'machineID'], ['System UUID', 'systemUUID'], ['Boot ID', 'bootID'], ['Kernel Version', 'kernelVersion'],
    ['OS Image', 'osImage'], ['Operating System', 'operatingSystem'], ['Architecture', 'architecture'],
    ['Container Runtime Version', 'containerRuntimeVersion'], ['Kubelet Version', 'kubeletVersion'], ['Kube-Proxy Version', 'kubeProxyVersion'],
  ];
  for (const [label, key] of info) w.line(1, `${label}:`, str(node, `status.nodeInfo.${key}`));
  if (str(node, 'spec.podCIDR') !== '') w.line(0, 'PodCIDR:', str(node, 'spec.podCIDR'));
  const cidrs = arr(node, 'spec.podCIDRs').map(String);
  if (cidrs.length > 0) w.line(0, 'PodCIDRs:', cidrs.join(','));
  const running = pods.filter((p) => str(p, 'spec.nodeName') === nameOf(node) && !['Succeeded', 'Failed'].includes(str(p, 'status.phase')));
  w.raw(`Non-terminated Pods:\t(${running.length} in total)\n`);
  w.line(1, 'Namespace', 'Name', 'CPU Requests', 'CPU Limits', 'Memory Requests', 'Memory Limits', 'Age');
  w.line(1, '---------', '----', '------------', '----------', '---------------', '-------------', '---');
  for (const p of running) {
    w.line(1, namespaceOf(p), nameOf(p), '0 (0%)', '0 (0%)', '0 (0%)', '0 (0%)', age(at(p, 'metadata.creationTimestamp'), now));
  }
  w.raw('Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n');
  w.line(1, 'Resource', 'Requests', 'Limits');
  w.line(1, '--------', '--------', '------');
  w.line(1, 'cpu', '0 (0%)', '0 (0%)');
  w.line(1, 'memory', '0 (0%)', '0 (0%)');
  w.line(1, 'ephemeral-storage', '0 (0%)', '0 (0%)');
  eventsSection(w, eventsFor(events, 'Node', nameOf(node), ''), now, false);
  return w.text();
}

/** The `Pod Template:` section of Deployments, ReplicaSets and DaemonSets. */
function podTemplate(w: Prefixed, o: unknown): void {
  w.raw('Pod Template:\n');
  mapLines(w, 1, 'Labels', rec(o, 'spec.template.metadata.labels'), '=');
  const sa = str(o, 'spec.template.spec.serviceAccountName');
  if (sa !== '') w.line(1, 'Service Account:', sa);
  w.raw('  Containers:\n');
  for (const c of arr(o, 'spec.template.spec.containers')) {
    w.raw(`   ${str(c, 'name')}:\n`);
    w.line(2, 'Image:', str(c, 'image'));
    const ports = arr(c, 'ports');
    w.line(2, 'Port:', ports.length === 0 ? '<none>' : ports.map((p) => `${num(p, 'containerPort')}/${portProto(p)}`).join(', '));
    w.line(2, 'Host Port:', ports.length === 0 ? '<none>' : ports.map((p) => `${num(p, 'hostPort')}/${portProto(p)}`).join(', '));
    const cmd = arr(c, 'command').map(String);
    if (cmd.length > 0) {
      w.raw('    Command:\n');
      for (const x of cmd) w.line(3, x);
    }
    const env = arr(c, 'env');
    if (env.length === 0) w.line(2, 'Environment:', '<none>');
    else {
      w.raw('    Environment:\n');
      for (const e of env) {
        const ref = at(e, 'valueFrom.fieldRef');
        w.line(3, `${str(e, 'name')}:`, isObject(ref) ? ` (${str(ref, 'apiVersion', 'v1')}:${str(ref, 'fieldPath')})` : str(e, 'value'));
      }
    }
    const mounts = arr(c, 'volumeMounts');
    if (mounts.length === 0) w.line(2, 'Mounts:', '<none>');
    else {
      w.raw('    Mounts:\n');
      for (const m of mounts) w.line(3, `${str(m, 'mountPath')} from ${str(m, 'name')} (${at(m, 'readOnly') === true ? 'ro' : 'rw'})`);
    }
  }
  const vols = arr(o, 'spec.template.spec.volumes');
  if (vols.length === 0) w.line(1, 'Volumes:', '<none>');
  else {
    w.raw('  Volumes:\n');
    for (const v of vols) {
      w.raw(`   ${str(v, 'name')}:\n`);
      if (isObject(at(v, 'hostPath'))) {
        w.line(2, 'Type:', 'HostPath (bare host directory volume)');
        w.line(2, 'Path:', str(v, 'hostPath.path'));
        w.line(2, 'HostPathType:', str(v, 'hostPath.type'));
      } else if (isObject(at(v, 'configMap'))) {
        w.line(2, 'Type:', 'ConfigMap (a volume populated by a ConfigMap)');
        w.line(2, 'Name:', str(v, 'configMap.name'));
        w.line(2, 'Optional:', String(at(v, 'configMap.optional') === true));
      } else w.line(2, 'Type:', 'EmptyDir (a temporary directory that shares a pod\'s lifetime)');
    }
  }
  w.line(1, 'Node-Selectors:', labelsString(rec(o, 'spec.template.spec.nodeSelector')));
  const tols = arr(o, 'spec.template.spec.tolerations');
  if (tols.length === 0) w.line(1, 'Tolerations:', '<none>');
  tols.forEach((t, i) => w.line(1, i === 0 ? 'Tolerations:' : '', tolerationText(t)));
}

function tolerationText(t: unknown): string {
  let s = str(t, 'key');
  if (str(t, 'effect') !== '') s += `:${str(t, 'effect')}`;
  if (str(t, 'operator') !== '') s += ` op=${str(t, 'operator')}`;
  if (str(t, 'value') !== '') s += ` value=${str(t, 'value')}`;
  if (typeof at(t, 'tolerationSeconds') === 'number') s += ` for ${num(t, 'tolerationSeconds')}s`;
  return s.trim() === '' ? 'op=Exists' : s.trim();
}

function podsStatus(pods: unknown[]): string {
  const count = (phase: string): number => pods.filter((p) => str(p, 'status.phase') === phase).length;
  return `${count('Running')} Running / ${count('Pending')} Waiting / ${count('Succeeded')} Succeeded / ${count('Failed')} Failed`;
}

const ownedBy = (owner: unknown) => (o: unknown): boolean => arr(o, 'metadata.ownerReferences').some((r) => str(r, 'uid') === str(owner, 'metadata.uid'));

export function describeReplicaSet(rs: unknown, pods: unknown[], events: unknown[], now: number): string {
  const w = new Prefixed();
  w.line(0, 'Name:', nameOf(rs));
  w.line(0, 'Namespace:', namespaceOf(rs));
  w.line(0, 'Selector:', labelsString(rec(rs, 'spec.selector.matchLabels')));
  mapLines(w, 0, 'Labels', rec(rs, 'metadata.labels'), '=');
  mapLines(w, 0, 'Annotations', rec(rs, 'metadata.annotations'), ': ', ['kubectl.kubernetes.io/last-applied-configuration']);
  const owner = arr(rs, 'metadata.ownerReferences').find((r) => at(r, 'controller') === true);
  if (owner !== undefined) w.line(0, 'Controlled By:', `${str(owner, 'kind')}/${str(owner, 'name')}`);
  w.line(0, 'Replicas:', `${num(rs, 'status.replicas')} current / ${num(rs, 'spec.replicas', 1)} desired`);
  w.line(0, 'Pods Status:', podsStatus(pods.filter(ownedBy(rs))));
  podTemplate(w, rs);
  eventsSection(w, eventsFor(events, 'ReplicaSet', nameOf(rs), namespaceOf(rs)), now, true);
  return w.text();
}

export function describeDaemonSet(ds: unknown, pods: unknown[], events: unknown[], now: number): string {
  const w = new Prefixed();
  w.line(0, 'Name:', nameOf(ds));
  w.line(0, 'Selector:', labelsString(rec(ds, 'spec.selector.matchLabels')));
  w.line(0, 'Node-Selector:', labelsString(rec(ds, 'spec.template.spec.nodeSelector')));
  mapLines(w, 0, 'Labels', rec(ds, 'metadata.labels'), '=');
  mapLines(w, 0, 'Annotations', rec(ds, 'metadata.annotations'), ': ', ['kubectl.kubernetes.io/last-applied-configuration']);
  w.raw(`Desired Number of Nodes Scheduled: ${num(ds, 'status.desiredNumberScheduled')}\n`);
  w.raw(`Current Number of Nodes Scheduled: ${num(ds, 'status.currentNumberScheduled')}\n`);
  w.raw(`Number of Nodes Scheduled with Up-to-date Pods: ${num(ds, 'status.updatedNumberScheduled')}\n`);
  w.raw(`Number of Nodes Scheduled with Available Pods: ${num(ds, 'status.numberAvailable')}\n`);
  w.raw(`Number of Nodes Misscheduled: ${num(ds, 'status.numberMisscheduled')}\n`);
  w.line(0, 'Pods Status:', podsStatus(pods.filter(ownedBy(ds))));
  podTemplate(w, ds);
  eventsSection(w, eventsFor(events, 'DaemonSet', nameOf(ds), namespaceOf(ds)), now, true);
  return w.text();
}

export function describeDeployment(d: unknown, rss: unknown[], events: unknown[], now: number): string {
  const w = new Prefixed();
  w.line(0, 'Name:', nameOf(d));
  w.line(0, 'Namespace:', namespaceOf(d));
  w.line(0, 'CreationTimestamp:', rfc1123z(str(d, 'metadata.creationTimestamp')));
  mapLines(w, 0, 'Labels', rec(d, 'metadata.labels'), '=');
  mapLines(w, 0, 'Annotations', rec(d, 'metadata.annotations'), ': ', ['kubectl.kubernetes.io/last-applied-configuration']);
  w.line(0, 'Selector:', labelsString(rec(d, 'spec.selector.matchLabels')));
  const desired = num(d, 'spec.replicas', 1);
  w.line(0, 'Replicas:', `${desired} desired | ${num(d, 'status.updatedReplicas')} updated | ${num(d, 'status.replicas')} total | ${num(d, 'status.availableReplicas')} available | ${num(d, 'status.unavailableReplicas')} unavailable`);
  w.line(0, 'StrategyType:', str(d, 'spec.strategy.type', 'RollingUpdate'));
  w.line(0, 'MinReadySeconds:', String(num(d, 'spec.minReadySeconds')));
  if (str(d, 'spec.strategy.type', 'RollingUpdate') === 'RollingUpdate') {
    w.line(0, 'RollingUpdateStrategy:', `${str(d, 'spec.strategy.rollingUpdate.maxUnavailable', '25%')} max unavailable, ${str(d, 'spec.strategy.rollingUpdate.maxSurge', '25%')} max surge`);
  }
  podTemplate(w, d);
  const conds = arr(d, 'status.conditions');
  if (conds.length > 0) {
    w.raw('Conditions:\n');
    w.line(1, 'Type', 'Status', 'Reason');
    w.line(1, '----', '------', '------');
    for (const c of conds) w.line(1, str(c, 'type'), str(c, 'status'), str(c, 'reason'));
  }
  const owned = rss.filter((r) => arr(r, 'metadata.ownerReferences').some((o) => str(o, 'uid') === str(d, 'metadata.uid') || (str(o, 'kind') === 'Deployment' && str(o, 'name') === nameOf(d))));
  const current = owned.find((r) => num(r, 'spec.replicas') > 0) ?? owned[0];
  w.line(0, 'OldReplicaSets:', '<none>');
  w.line(0, 'NewReplicaSet:', current === undefined ? '<none>' : `${nameOf(current)} (${num(current, 'status.replicas')}/${num(current, 'spec.replicas')} replicas created)`);
  eventsSection(w, eventsFor(events, 'Deployment', nameOf(d), namespaceOf(d)), now, true);
  return w.text();
}

/** Generic fallback for kinds without a describer: metadata and the object as YAML-ish lines. */
export function describeGeneric(o: unknown, events: unknown[], now: number): string {
  const w = new Prefixed();
  metaLines(w, o, namespaceOf(o) !== '');
  w.line(0, 'API Version:', str(o, 'apiVersion'));
  w.line(0, 'Kind:', str(o, 'kind'));
  eventsSection(w, eventsFor(events, str(o, 'kind'), nameOf(o), namespaceOf(o)), now, true);
  return w.text();
}

export { formatEndpoints };
