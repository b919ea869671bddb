import { describe, expect, it } from 'vitest';
import { SimRuntime } from '../../../../core/lab/sim/runtime.js';
import { manualClock } from '../../../../core/lab/sim/clock.js';
import { saveRuleset } from '../../../../core/engine/iptables/index.js';
import type { KubeObject } from '../../../../core/lab/cluster/api.js';

function lab(nodes = 3, version = '1.33') {
  const clock = manualClock();
  const rt = SimRuntime.create({ name: 't', nodes, kubeProxyVersion: version, backend: 'sim', seed: 7 }, clock);
  return { rt, clock, api: rt.api };
}

const nginxSvc = (extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name: 'nginx', namespace: 'default' },
  spec: { type: 'NodePort', ports: [{ port: 80, name: 'http', targetPort: 80, ...extra }], selector: { app: 'nginx' } },
});
const nginxDeploy: KubeObject = {
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'nginx', namespace: 'default' },
  spec: { selector: { matchLabels: { app: 'nginx' } }, template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80, name: 'http' }] }] } } },
};

describe('cluster bootstrap', () => {
  it('starts the system pods and the kube-proxy DaemonSet, one pod per node', () => {
    const { api } = lab();
    const r = api.list('Pod', 'kube-system');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const names = r.value.map((p) => p.metadata.name);
    expect(names.filter((n) => /^kube-proxy-[bcdfghjklmnpqrstvwxz2456789]{5}$/.test(n))).toHaveLength(3);
    expect(names.filter((n) => /^coredns-[bcdfghjklmnpqrstvwxz2456789]{10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/.test(n))).toHaveLength(2);
    expect(names).toContain('kube-apiserver-k8s1');
    for (const p of r.value) expect((p.status as { phase: string }).phase).toBe('Running');
  });

  it('has the kubernetes and kube-dns Services with their fixed ClusterIPs and endpoints', () => {
    const { api } = lab();
    const k = api.get('Service', 'default', 'kubernetes');
    const d = api.get('Service', 'kube-system', 'kube-dns');
    expect(k.ok && (k.value.spec as { clusterIP: string }).clusterIP).toBe('10.96.0.1');
    expect(d.ok && (d.value.spec as { clusterIP: string }).clusterIP).toBe('10.96.0.10');
    const ep = api.get('Endpoints', 'kube-system', 'kube-dns');
    expect(ep.ok).toBe(true);
    if (ep.ok) expect((ep.value.subsets as { addresses: unknown[] }[])[0]!.addresses).toHaveLength(2);
  });

  it('installs kube-dns rules on every node at start', () => {
    const { rt } = lab();
    for (const n of rt.state.nodes) {
      const text = saveRuleset(n.rules4, { counters: false });
      expect(text).toContain('-A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU');
      expect(text).toContain('--comment "default/kubernetes:https cluster IP"');
    }
  });
});

describe('API server', () => {
  it('defaults a Service and allocates a ClusterIP from 10.96.0.0/12 and a NodePort in 30000-32767', () => {
    const { api } = lab(1);
    const r = api.create(nginxSvc());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const spec = r.value.spec as { clusterIP: string; sessionAffinity: string; externalTrafficPolicy: string; ports: { protocol: string; nodePort: number; targetPort: number }[] };
    expect(spec.clusterIP).toMatch(/^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
    expect(spec.sessionAffinity).toBe('None');
    expect(spec.externalTrafficPolicy).toBe('Cluster');
    expect(spec.ports[0]!.protocol).toBe('TCP');
    expect(spec.ports[0]!.nodePort).toBeGreaterThanOrEqual(30000);
    expect(spec.ports[0]!.nodePort).toBeLessThanOrEqual(32767);
  });

  it('refuses a NodePort that is taken, with the API server words', () => {
    const { api } = lab(1);
    expect(api.create(nginxSvc({ nodePort: 30450 })).ok).toBe(true);
    const dup = nginxSvc({ nodePort: 30450 });
    dup.metadata.name = 'other';
    const r = api.create(dup);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.status.reason).toBe('Invalid');
    expect(r.status.message).toBe('The Service "other" is invalid: spec.ports[0].nodePort: Invalid value: 30450: provided port is already allocated');
  });

  it('refuses an out-of-range NodePort and a duplicate name', () => {
    const { api } = lab(1);
    const r = api.create(nginxSvc({ nodePort: 80 }));
    expect(!r.ok && r.status.message).toBe('The Service "nginx" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767');
    expect(api.create(nginxSvc()).ok).toBe(true);
    const again = api.create(nginxSvc());
    expect(!again.ok && again.status.message).toBe('services "nginx" already exists');
    const nf = api.get('Service', 'default', 'nope');
    expect(!nf.ok && nf.status.message).toBe('services "nope" not found');
  });

  it('releases the NodePort when the Service is deleted', () => {
    const { api } = lab(1);
    expect(api.create(nginxSvc({ nodePort: 30450 })).ok).toBe(true);
    expect(api.delete('Service', 'default', 'nginx').ok).toBe(true);
    expect(api.create(nginxSvc({ nodePort: 30450 })).ok).toBe(true);
  });
});

describe('controllers and kube-proxy', () => {
  it('Deployment → ReplicaSet → Pod with pod-template-hash, endpoints and rules on every node', () => {
    const { api, rt, clock } = lab(3);
    expect(api.create(nginxDeploy).ok).toBe(true);
    expect(api.create(nginxSvc({ nodePort: 30450 })).ok).toBe(true);
    clock.advance(3000);
    const pods = api.list('Pod', 'default', { labelSelector: 'app=nginx' });
    expect(pods.ok).toBe(true);
    if (!pods.ok) return;
    expect(pods.value).toHaveLength(1);
    const pod = pods.value[0]!;
    const hash = pod.metadata.labels!['pod-template-hash']!;
    expect(pod.metadata.name).toMatch(new RegExp(`^nginx-${hash}-[a-z0-9]{5}$`));
    expect((pod.spec as { nodeName: string }).nodeName).not.toBe('k8s1');
    const ip = (pod.status as { podIP: string }).podIP;
    expect(ip).toMatch(/^10\.244\.[12]\.\d+$/);
    for (const n of rt.state.nodes) {
      const text = saveRuleset(n.rules4, { counters: false });
      expect(text).toContain(`--to-destination ${ip}:80`);
      expect(text).toContain('--dport 30450');
    }
  });

  it('kill -9 of kube-proxy stops syncing: old rules stay, new Services get none until kubelet restarts it', () => {
    const { api, rt, clock } = lab(2);
    rt.setRestartKubeProxy(false);
    const node = rt.node('k8s2')!;
    rt.killKubeProxy(node, 'KILL');
    expect(node.kubeProxy.state).toBe('killed');
    const before = saveRuleset(node.rules4, { counters: false });
    expect(api.create(nginxSvc({ nodePort: 30450 })).ok).toBe(true);
    clock.advance(60_000);
    expect(saveRuleset(node.rules4, { counters: false })).toBe(before);
    expect(saveRuleset(rt.node('k8s1')!.rules4, { counters: false })).toContain('--dport 30450');
    rt.setRestartKubeProxy(true);
    clock.advance(2000);
    expect(node.kubeProxy.state).toBe('running');
    expect(saveRuleset(node.rules4, { counters: false })).toContain('--dport 30450');
    const pod = api.get('Pod', 'kube-system', node.kubeProxy.pod!.split('/')[1]!);
    expect(pod.ok && (pod.value.status as { containerStatuses: { restartCount: number }[] }).containerStatuses[0]!.restartCount).toBe(1);
    const prev = api.logs('kube-system', node.kubeProxy.pod!.split('/')[1]!, { previous: true });
    expect(prev.ok && prev.value).toContain('"Syncing iptables rules"');
  });
});
