// The cluster of seed 003 (three kubeadm nodes, kube-system pods, kube-dns
// with two CoreDNS endpoints), as API objects, with creation times chosen so
// the AGE columns read as in the article.

import type { KubeObject } from '../../../../core/lab/cluster/api.js';
import { FakeApi } from './fake-api.js';
import { runKubectl, type KubectlIO } from '../../../../core/lab/kubectl/index.js';

const H = 3600_000;
const D = 24 * H;
const M = 60_000;

export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

function node(api: FakeApi, name: string, ip: string, ageMs: number, control: boolean, cidr: string): KubeObject {
  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux',
  };
  if (control) {
    labels['node-role.kubernetes.io/control-plane'] = '';
    labels['node-role.kubernetes.io/master'] = '';
  }
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, uid: `node-${name}`, creationTimestamp: iso(api.clock - ageMs), labels },
    spec: { podCIDR: cidr, podCIDRs: [cidr] },
    status: {
      addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }],
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: iso(api.clock - M), lastTransitionTime: iso(api.clock - ageMs) }],
      nodeInfo: { kubeletVersion: 'v1.22.8', kubeProxyVersion: 'v1.22.8', osImage: 'Ubuntu 20.04.4 LTS', kernelVersion: '5.13.0-37-generic', containerRuntimeVersion: 'docker://20.10.14', operatingSystem: 'linux', architecture: 'amd64' },
    },
  };
}

export function pod(api: FakeApi, ns: string, name: string, opts: { ageMs: number; ip: string; node: string; restarts?: number; lastRestartAgoMs?: number; labels?: Record<string, string>; image?: string; ports?: { containerPort: number; name?: string; protocol?: string }[] }): KubeObject {
  const started = iso(api.clock - opts.ageMs);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, uid: `pod-${name}`, creationTimestamp: started, labels: opts.labels ?? {} },
    spec: { nodeName: opts.node, containers: [{ name: name.split('-')[0] ?? name, image: opts.image ?? 'nginx', ...(opts.ports !== undefined ? { ports: opts.ports } : {}) }] },
    status: {
      phase: 'Running',
      hostIP: '10.210.40.172',
      podIP: opts.ip,
      podIPs: [{ ip: opts.ip }],
      startTime: started,
      containerStatuses: [{
        name: name.split('-')[0] ?? name,
        ready: true,
        restartCount: opts.restarts ?? 0,
        state: { running: { startedAt: started } },
        ...(opts.lastRestartAgoMs !== undefined ? { lastState: { terminated: { exitCode: 255, reason: 'Error', finishedAt: iso(api.clock - opts.lastRestartAgoMs) } } } : {}),
      }],
    },
  };
}

/** A FakeApi holding seed 003's cluster before `kubectl run nginx`. */
export function seed003(): FakeApi {
  const api = new FakeApi();
  api.seed(node(api, 'k8s1', '10.210.40.172', 6 * D + 14 * H + 5 * M, true, '10.244.0.0/24'));
  api.seed(node(api, 'k8s2', '10.210.40.173', 6 * D + 13 * H + 5 * M, false, '10.244.2.0/24'));
  api.seed(node(api, 'k8s3', '10.210.40.175', 6 * D + 11 * H + 5 * M, false, '10.244.3.0/24'));
  const ks = 'kube-system';
  const p = (name: string, o: Parameters<typeof pod>[3]): void => api.seed(pod(api, ks, name, o));
  p('coredns-78fcd69978-cvpx2', { ageMs: 6 * D + 10 * H + M, ip: '10.244.0.5', node: 'k8s1', labels: { 'k8s-app': 'kube-dns', 'pod-template-hash': '78fcd69978' } });
  p('coredns-78fcd69978-hf5sj', { ageMs: 6 * D + 10 * H + M, ip: '10.244.2.21', node: 'k8s2', labels: { 'k8s-app': 'kube-dns', 'pod-template-hash': '78fcd69978' } });
  p('etcd-k8s1', { ageMs: 5 * D + 4 * H + M, ip: '10.210.40.172', node: 'k8s1' });
  p('kube-apiserver-k8s1', { ageMs: 6 * D + 14 * H + M, ip: '10.210.40.172', node: 'k8s1', restarts: 2, lastRestartAgoMs: 5 * D + 19 * H + M });
  p('kube-controller-manager-k8s1', { ageMs: 6 * D + 14 * H + M, ip: '10.210.40.172', node: 'k8s1', restarts: 2, lastRestartAgoMs: 5 * D + 19 * H + M });
  p('kube-flannel-ds-lhcwb', { ageMs: 6 * D + 14 * H + M, ip: '10.210.40.172', node: 'k8s1' });
  p('kube-flannel-ds-ph9gg', { ageMs: 6 * D + 13 * H + M, ip: '10.210.40.173', node: 'k8s2' });
  p('kube-flannel-ds-xm28z', { ageMs: 6 * D + 11 * H + M, ip: '10.210.40.175', node: 'k8s3' });
  p('kube-proxy-brrvs', { ageMs: 6 * D + 14 * H + M, ip: '10.210.40.172', node: 'k8s1', labels: { 'k8s-app': 'kube-proxy' } });
  p('kube-proxy-cdl2t', { ageMs: 6 * D + 13 * H + M, ip: '10.210.40.173', node: 'k8s2', labels: { 'k8s-app': 'kube-proxy' } });
  p('kube-proxy-v8r74', { ageMs: 6 * D + 11 * H + M, ip: '10.210.40.175', node: 'k8s3', labels: { 'k8s-app': 'kube-proxy' } });
  p('kube-scheduler-k8s1', { ageMs: 6 * D + 14 * H + M, ip: '10.210.40.172', node: 'k8s1', restarts: 3, lastRestartAgoMs: 5 * D + 19 * H + M });
  const svcAge = iso(api.clock - (6 * D + 14 * H + M));
  api.seed({
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', creationTimestamp: svcAge, labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: { type: 'ClusterIP', clusterIP: '10.96.0.1', clusterIPs: ['10.96.0.1'], ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }], sessionAffinity: 'None' },
  });
  api.seed({
    apiVersion: 'v1', kind: 'Endpoints',
    metadata: { name: 'kubernetes', namespace: 'default', creationTimestamp: svcAge },
    subsets: [{ addresses: [{ ip: '192.168.100.1' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }],
  });
  const dnsAge = iso(api.clock - (6 * D + 15 * H + M));
  const dnsLabels = { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' };
  api.seed({
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: 'kube-dns', namespace: ks, creationTimestamp: dnsAge, labels: dnsLabels, annotations: { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' } },
    spec: {
      type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', sessionAffinity: 'None',
      selector: { 'k8s-app': 'kube-dns' },
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
      ],
    },
  });
  api.seed({
    apiVersion: 'v1', kind: 'Endpoints',
    metadata: { name: 'kube-dns', namespace: ks, creationTimestamp: dnsAge, labels: dnsLabels, annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': '2022-03-29T14:16:25Z' } },
    subsets: [{
      addresses: [{ ip: '10.244.0.5' }, { ip: '10.244.2.21' }],
      ports: [{ name: 'dns-tcp', port: 53, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }, { name: 'metrics', port: 9153, protocol: 'TCP' }],
    }],
  });
  return api;
}

export interface Run {
  out: string;
  err: string;
  code: number;
}

/** Run kubectl like a terminal would and collect what it prints. */
export async function kubectl(api: FakeApi, line: string | string[], extra: Partial<KubectlIO> = {}): Promise<Run> {
  const args = Array.isArray(line) ? line : line.split(' ').filter((a) => a !== '');
  let out = '';
  let err = '';
  const code = await runKubectl(api, args, { stdout: (s) => (out += s), stderr: (s) => (err += s), ...extra });
  return { out, err, code };
}
