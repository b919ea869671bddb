// The columns of `kubectl get` for the workload and discovery kinds, events,
// and the List wrapper of -o yaml, on hand-made objects with known values.

import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../../core/lab/cluster/api.js';
import { iso, kubectl, seed003 } from './fixtures.js';

function withWorkloads() {
  const api = seed003();
  const ts = iso(api.clock - 6 * 86400_000 - 10 * 3600_000);
  const tpl = { metadata: { labels: { 'k8s-app': 'kube-dns' } }, spec: { containers: [{ name: 'coredns', image: 'k8s.gcr.io/coredns/coredns:v1.8.4' }] } };
  const objs: KubeObject[] = [
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'coredns', namespace: 'kube-system', creationTimestamp: ts }, spec: { replicas: 2, selector: { matchLabels: { 'k8s-app': 'kube-dns' } }, template: tpl }, status: { readyReplicas: 2, updatedReplicas: 2, availableReplicas: 2, replicas: 2 } },
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'coredns-78fcd69978', namespace: 'kube-system', creationTimestamp: ts }, spec: { replicas: 2, selector: { matchLabels: { 'k8s-app': 'kube-dns', 'pod-template-hash': '78fcd69978' } }, template: tpl }, status: { replicas: 2, readyReplicas: 2 } },
    {
      apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'kube-proxy', namespace: 'kube-system', creationTimestamp: ts },
      spec: { selector: { matchLabels: { 'k8s-app': 'kube-proxy' } }, template: { metadata: {}, spec: { nodeSelector: { 'kubernetes.io/os': 'linux' }, containers: [{ name: 'kube-proxy', image: 'k8s.gcr.io/kube-proxy:v1.22.8' }] } } },
      status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 3, updatedNumberScheduled: 3, numberAvailable: 3 },
    },
    {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'kube-dns-x7f2k', namespace: 'kube-system', creationTimestamp: ts }, addressType: 'IPv4',
      ports: [{ name: 'dns-tcp', port: 53, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }, { name: 'metrics', port: 9153, protocol: 'TCP' }],
      endpoints: [{ addresses: ['10.244.0.5'] }, { addresses: ['10.244.2.21'] }],
    },
  ];
  for (const o of objs) api.seed(o);
  api.eventList.push({
    apiVersion: 'v1', kind: 'Event', metadata: { name: 'nginx.1', namespace: 'default', creationTimestamp: iso(api.clock - 68_000) },
    involvedObject: { kind: 'Pod', name: 'nginx', namespace: 'default' }, type: 'Normal', reason: 'Scheduled', message: 'Successfully assigned default/nginx to k8s3',
    lastTimestamp: iso(api.clock - 68_000), source: { component: 'default-scheduler' },
  });
  return api;
}

describe('get tables', () => {
  it('deployments, replicasets, daemonsets with -o wide', async () => {
    const api = withWorkloads();
    expect((await kubectl(api, 'get deploy,rs,ds -n kube-system -o wide')).out).toBe(
      'NAME                      READY   UP-TO-DATE   AVAILABLE   AGE     CONTAINERS   IMAGES                              SELECTOR\n' +
        'deployment.apps/coredns   2/2     2            2           6d10h   coredns      k8s.gcr.io/coredns/coredns:v1.8.4   k8s-app=kube-dns\n\n' +
        'NAME                                 DESIRED   CURRENT   READY   AGE     CONTAINERS   IMAGES                              SELECTOR\n' +
        'replicaset.apps/coredns-78fcd69978   2         2         2       6d10h   coredns      k8s.gcr.io/coredns/coredns:v1.8.4   k8s-app=kube-dns,pod-template-hash=78fcd69978\n\n' +
        'NAME                        DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR            AGE     CONTAINERS   IMAGES                          SELECTOR\n' +
        'daemonset.apps/kube-proxy   3         3         3       3            3           kubernetes.io/os=linux   6d10h   kube-proxy   k8s.gcr.io/kube-proxy:v1.22.8   k8s-app=kube-proxy\n',
    );
  });

  it('endpointslices and events', async () => {
    const api = withWorkloads();
    expect((await kubectl(api, 'get endpointslices -n kube-system')).out).toBe(
      'NAME             ADDRESSTYPE   PORTS        ENDPOINTS                AGE\nkube-dns-x7f2k   IPv4          53,53,9153   10.244.0.5,10.244.2.21   6d10h\n',
    );
    expect((await kubectl(api, 'get events')).out).toBe(
      'LAST SEEN   TYPE     REASON      OBJECT      MESSAGE\n68s         Normal   Scheduled   pod/nginx   Successfully assigned default/nginx to k8s3\n',
    );
  });

  it('-o yaml of several objects is a List', async () => {
    const api = withWorkloads();
    const y = (await kubectl(api, 'get ds -n kube-system -o yaml')).out;
    expect(y.startsWith('apiVersion: v1\nitems:\n- apiVersion: apps/v1\n  kind: DaemonSet\n')).toBe(true);
    expect(y.endsWith('kind: List\nmetadata:\n  resourceVersion: ""\n')).toBe(true);
  });
});
