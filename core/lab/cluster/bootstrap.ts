// What `kubeadm init` + `join` leave in a fresh cluster: namespaces, nodes, the
// `kubernetes` and `kube-dns` Services, CoreDNS, the kube-proxy DaemonSet and
// its ConfigMap, the control-plane's static pods.

import type { KubeObject } from './api.js';
import type { ApiServer } from './apiserver.js';
import { rfc3339 } from './objects.js';
import type { ReleaseInfo } from './versions.js';
import { kubeProxyImage } from './versions.js';
import { LABEL_SERVICE_NAME } from '../../engine/k8s/types.js';

export interface NodePlan {
  name: string;
  role: 'control-plane' | 'worker';
  ip: string;
  podCIDR: string;
}

export const CLUSTER_CIDR = '10.244.0.0/16';
export const KUBE_DNS_IP = '10.96.0.10';
export const KUBERNETES_IP = '10.96.0.1';

/** kube-proxy's config.conf, as kubeadm writes it into the kube-proxy ConfigMap. */
export function kubeProxyConfigText(r: ReleaseInfo): string {
  return [
    'apiVersion: kubeproxy.config.k8s.io/v1alpha1',
    'bindAddress: 0.0.0.0',
    'bindAddressHardFail: false',
    'clientConnection:',
    '  acceptContentTypes: ""',
    '  burst: 0',
    '  contentType: ""',
    '  kubeconfig: /var/lib/kube-proxy/kubeconfig.conf',
    '  qps: 0',
    `clusterCIDR: ${CLUSTER_CIDR}`,
    'configSyncPeriod: 0s',
    'conntrack:',
    '  maxPerCore: null',
    '  min: null',
    '  tcpCloseWaitTimeout: null',
    '  tcpEstablishedTimeout: null',
    'detectLocalMode: ""',
    'enableProfiling: false',
    'healthzBindAddress: ""',
    'hostnameOverride: ""',
    'iptables:',
    '  masqueradeAll: false',
    '  masqueradeBit: null',
    `  minSyncPeriod: ${r.minor < 24 ? '0s' : '1s'}`,
    '  syncPeriod: 0s',
    'kind: KubeProxyConfiguration',
    'metricsBindAddress: ""',
    'mode: ""',
    'nodePortAddresses: null',
    '',
  ].join('\n');
}

export function bootstrapCluster(api: ApiServer, nodes: NodePlan[], r: ReleaseInfo): void {
  const now = api.now();
  const put = (o: KubeObject): KubeObject => api.put(api.stamp(o));
  for (const ns of ['default', 'kube-node-lease', 'kube-public', 'kube-system']) {
    put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'kubernetes.io/metadata.name': ns } }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
  }
  const hasWorkers = nodes.some((n) => n.role === 'worker');
  for (const n of nodes) {
    const labels: Record<string, string> = {
      'beta.kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64',
      'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux',
    };
    if (n.role === 'control-plane') {
      for (const role of r.roles) labels[`node-role.kubernetes.io/${role}`] = '';
      labels['node.kubernetes.io/exclude-from-external-load-balancers'] = '';
    }
    const t = rfc3339(now);
    put({
      apiVersion: 'v1', kind: 'Node',
      metadata: { name: n.name, labels, annotations: {
        'kubeadm.alpha.kubernetes.io/cri-socket': r.minor < 24 ? '/var/run/dockershim.sock' : 'unix:///var/run/containerd/containerd.sock',
        'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      } },
      spec: {
        podCIDR: n.podCIDR, podCIDRs: [n.podCIDR],
        ...(n.role === 'control-plane' && hasWorkers ? { taints: [{ effect: 'NoSchedule', key: 'node-role.kubernetes.io/control-plane' }] } : {}),
      },
      status: {
        addresses: [{ address: n.ip, type: 'InternalIP' }, { address: n.name, type: 'Hostname' }],
        allocatable: { cpu: '2', 'ephemeral-storage': '95551679124', memory: '3929828Ki', pods: '110' },
        capacity: { cpu: '2', 'ephemeral-storage': '103680100Ki', memory: '4032228Ki', pods: '110' },
        conditions: [
          { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available', lastHeartbeatTime: t, lastTransitionTime: t },
          { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure', lastHeartbeatTime: t, lastTransitionTime: t },
          { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available', lastHeartbeatTime: t, lastTransitionTime: t },
          { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: t, lastTransitionTime: t },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: {
          architecture: 'amd64', bootID: '', containerRuntimeVersion: r.containerRuntime, kernelVersion: r.kernelVersion,
          kubeProxyVersion: r.minor < 32 ? r.gitVersion : '', kubeletVersion: r.gitVersion, machineID: '', operatingSystem: 'linux', osImage: r.osImage, systemUUID: '',
        },
      },
    });
  }
  const cp = nodes.find((n) => n.role === 'control-plane') ?? nodes[0]!;
  // The kubernetes Service and its endpoints (written by the API server itself).
  put({
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: { clusterIP: KUBERNETES_IP, clusterIPs: [KUBERNETES_IP], internalTrafficPolicy: 'Cluster', ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack',
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }], sessionAffinity: 'None', type: 'ClusterIP' },
    status: { loadBalancer: {} },
  });
  put({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: cp.ip }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }] });
  put({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'kubernetes', namespace: 'default', labels: { [LABEL_SERVICE_NAME]: 'kubernetes' }, generation: 1 },
    addressType: 'IPv4', endpoints: [{ addresses: [cp.ip], conditions: { ready: true } }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] });
  // kube-dns + CoreDNS
  put({
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' },
      annotations: { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' } },
    spec: { clusterIP: KUBE_DNS_IP, clusterIPs: [KUBE_DNS_IP], internalTrafficPolicy: 'Cluster', ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack',
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
      ], selector: { 'k8s-app': 'kube-dns' }, sessionAffinity: 'None', type: 'ClusterIP' },
    status: { loadBalancer: {} },
  });
  const criticalTolerations = [
    { key: 'CriticalAddonsOnly', operator: 'Exists' },
    { effect: 'NoSchedule', key: 'node-role.kubernetes.io/control-plane' },
    ...(r.minor < 24 ? [{ effect: 'NoSchedule', key: 'node-role.kubernetes.io/master' }] : []),
  ];
  put({
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'coredns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, annotations: { 'deployment.kubernetes.io/revision': '1' } },
    spec: {
      replicas: 2, revisionHistoryLimit: 10, progressDeadlineSeconds: 600,
      selector: { matchLabels: { 'k8s-app': 'kube-dns' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
      template: {
        metadata: { labels: { 'k8s-app': 'kube-dns' } },
        spec: {
          containers: [{
            name: 'coredns', image: r.corednsImage, imagePullPolicy: 'IfNotPresent', args: ['-conf', '/etc/coredns/Corefile'],
            ports: [
              { containerPort: 53, name: 'dns', protocol: 'UDP' },
              { containerPort: 53, name: 'dns-tcp', protocol: 'TCP' },
              { containerPort: 9153, name: 'metrics', protocol: 'TCP' },
            ],
            resources: { limits: { memory: '170Mi' }, requests: { cpu: '100m', memory: '70Mi' } },
            terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File',
          }],
          dnsPolicy: 'Default', priorityClassName: 'system-cluster-critical', restartPolicy: 'Always', schedulerName: 'default-scheduler',
          serviceAccountName: 'coredns', serviceAccount: 'coredns', terminationGracePeriodSeconds: 30, tolerations: criticalTolerations,
          securityContext: {}, enableServiceLinks: true, preemptionPolicy: 'PreemptLowerPriority', priority: 2000000000,
        },
      },
    },
    status: {},
  });
  // kube-proxy: ConfigMap + DaemonSet
  put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-proxy', namespace: 'kube-system', labels: { app: 'kube-proxy' } },
    data: { 'config.conf': kubeProxyConfigText(r), 'kubeconfig.conf': 'apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    certificate-authority: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt\n    server: https://' + cp.ip + ':6443\n  name: default\n' } });
  put({
    apiVersion: 'apps/v1', kind: 'DaemonSet',
    metadata: { name: 'kube-proxy', namespace: 'kube-system', labels: { 'k8s-app': 'kube-proxy' }, annotations: { 'deprecated.daemonset.template.generation': '1' } },
    spec: {
      revisionHistoryLimit: 10,
      selector: { matchLabels: { 'k8s-app': 'kube-proxy' } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
      template: {
        metadata: { labels: { 'k8s-app': 'kube-proxy' } },
        spec: {
          containers: [{
            name: 'kube-proxy', image: kubeProxyImage(r), imagePullPolicy: 'IfNotPresent',
            command: ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf', '--hostname-override=$(NODE_NAME)'],
            env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } }],
            securityContext: { privileged: true },
            terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', resources: {},
          }],
          dnsPolicy: 'ClusterFirst', hostNetwork: true, nodeSelector: { 'kubernetes.io/os': 'linux' }, priorityClassName: 'system-node-critical',
          restartPolicy: 'Always', schedulerName: 'default-scheduler', serviceAccountName: 'kube-proxy', serviceAccount: 'kube-proxy',
          terminationGracePeriodSeconds: 30, tolerations: [{ operator: 'Exists' }], securityContext: {}, enableServiceLinks: true,
          preemptionPolicy: 'PreemptLowerPriority', priority: 2000001000,
        },
      },
    },
    status: {},
  });
  // Static pods of the control plane (mirror pods owned by the Node).
  const node = api.find('Node', null, cp.name)!;
  const statics: [string, string, string[]][] = [
    ['etcd', r.etcdImage, ['etcd', '--advertise-client-urls=https://' + cp.ip + ':2379', '--data-dir=/var/lib/etcd', '--listen-client-urls=https://127.0.0.1:2379,https://' + cp.ip + ':2379']],
    ['kube-apiserver', `${r.minor < 24 ? 'k8s.gcr.io' : 'registry.k8s.io'}/kube-apiserver:${r.gitVersion}`, ['kube-apiserver', '--advertise-address=' + cp.ip, '--secure-port=6443', '--service-cluster-ip-range=10.96.0.0/12', '--service-node-port-range=30000-32767']],
    ['kube-controller-manager', `${r.minor < 24 ? 'k8s.gcr.io' : 'registry.k8s.io'}/kube-controller-manager:${r.gitVersion}`, ['kube-controller-manager', '--allocate-node-cidrs=true', '--cluster-cidr=' + CLUSTER_CIDR, '--leader-elect=true']],
    ['kube-scheduler', `${r.minor < 24 ? 'k8s.gcr.io' : 'registry.k8s.io'}/kube-scheduler:${r.gitVersion}`, ['kube-scheduler', '--kubeconfig=/etc/kubernetes/scheduler.conf', '--leader-elect=true']],
  ];
  for (const [name, image, command] of statics) {
    put({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: `${name}-${cp.name}`, namespace: 'kube-system', labels: { component: name, tier: 'control-plane' },
        annotations: { 'kubernetes.io/config.source': 'file' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: cp.name, uid: node.metadata.uid ?? '', controller: true }] },
      spec: { containers: [{ name, image, command, imagePullPolicy: 'IfNotPresent', resources: { requests: { cpu: name === 'etcd' ? '100m' : '250m' } },
        terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' }],
      hostNetwork: true, nodeName: cp.name, priorityClassName: 'system-node-critical', priority: 2000001000, restartPolicy: 'Always',
      schedulerName: 'default-scheduler', terminationGracePeriodSeconds: 30, tolerations: [{ effect: 'NoExecute', operator: 'Exists' }],
      dnsPolicy: 'ClusterFirst', enableServiceLinks: true, preemptionPolicy: 'PreemptLowerPriority', securityContext: {} },
      status: { phase: 'Pending', qosClass: 'Burstable' },
    });
  }
}
