import { describe, expect, it } from 'vitest';
import { createSimLab, manualClock } from '../../../../core/lab/index.js';
import { saveRuleset } from '../../../../core/engine/iptables/index.js';
import { syncRules } from '../../../../core/lab/node/kube-proxy.js';
import { baseRules } from '../../../../core/lab/node/base.js';

const spec = (kubeProxyVersion = '1.33', nodes = 2) => ({ name: 't', nodes, kubeProxyVersion, backend: 'sim' as const, seed: 4 });
const save = (rs: Parameters<typeof saveRuleset>[0]) => saveRuleset(rs, { counters: false }).replace(/^#.*\n/gm, '');

describe('kube-proxy syncs', () => {
  it('partial syncs (1.33) leave exactly the rules a full sync from scratch writes', async () => {
    const clock = manualClock();
    const lab = await createSimLab(spec(), { clock });
    const k = async (...a: string[]) => { const r = await lab.kubectl(a); expect(r.exitCode, r.output).toBe(0); await lab.advance(2000); };
    await k('create', 'deployment', 'web', '--image=nginx', '--replicas=2');
    await k('expose', 'deployment', 'web', '--port=80', '--type=NodePort');
    await k('create', 'deployment', 'api', '--image=nginx');
    await k('expose', 'deployment', 'api', '--port=8080', '--target-port=80');
    await k('scale', 'deployment', 'web', '--replicas=3');
    await k('delete', 'service', 'api');
    await k('patch', 'service', 'web', '-p', '{"spec":{"externalTrafficPolicy":"Local"}}');
    await k('scale', 'deployment', 'web', '--replicas=1');
    await lab.advance(5000);
    const rt = lab.runtime;
    for (const n of rt.state.nodes) {
      expect(n.kubeProxy.syncs).toBeGreaterThan(3);
      const full = syncRules(baseRules(), n, rt.api.find('Node', null, n.name)!, rt.api.all('Service'), rt.api.all('EndpointSlice'), rt.release);
      expect(full.error).toBeUndefined();
      expect(save(n.rules4)).toBe(save(full.rules4));
      expect(save(n.rules4)).not.toContain('default/api');
    }
  });

  it('honours minSyncPeriod: a second change within 1 s waits for the period', async () => {
    const clock = manualClock();
    const lab = await createSimLab(spec(), { clock });
    await lab.advance(5000);
    const n = lab.runtime.node('k8s2')!;
    const before = n.kubeProxy.syncs;
    // No endpoints: kube-proxy writes a REJECT rule for the ClusterIP ("has no endpoints").
    await lab.kubectl(['create', 'service', 'clusterip', 'a', '--tcp=80:80']);
    expect(n.kubeProxy.syncs).toBe(before + 1);
    expect(save(n.rules4)).toContain('"default/a:80-80 has no endpoints"');
    await lab.advance(100);
    await lab.kubectl(['create', 'service', 'clusterip', 'b', '--tcp=80:80']);
    expect(save(n.rules4)).not.toContain('"default/b:80-80 has no endpoints"');
    await lab.advance(800);
    expect(save(n.rules4)).not.toContain('"default/b:80-80 has no endpoints"');
    await lab.advance(100);
    expect(save(n.rules4)).toContain('"default/b:80-80 has no endpoints"');
    expect(n.kubeProxy.syncs).toBe(before + 2);
  });

  it('keeps the counters of rules that stay when it syncs again', async () => {
    const clock = manualClock();
    const lab = await createSimLab(spec(), { clock });
    await lab.kubectl(['run', 'nginx', '--image=nginx', '--port=80']);
    await lab.advance(3000);
    await lab.kubectl(['expose', 'pod', 'nginx']);
    await lab.advance(3000);
    const ip = (lab.runtime.api.find('Service', 'default', 'nginx')!.spec as { clusterIP: string }).clusterIP;
    for (let i = 0; i < 3; i++) expect((await lab.exec('k8s1', `curl -s ${ip}`)).exitCode).toBe(0);
    const count = () => saveRuleset(lab.runtime.node('k8s1')!.rules4, { counters: true }).split('\n').find((l) => l.includes('-A OUTPUT -m comment --comment "kubernetes service portals"'));
    expect(count()).toMatch(/^\[3:\d+\] /);
    await lab.kubectl(['create', 'service', 'clusterip', 'other', '--tcp=81:81']);
    await lab.advance(2000);
    expect(count()).toMatch(/^\[3:\d+\] /);
  });

  it('1.22 holds a socket on each NodePort; a user process cannot bind it while kube-proxy runs', async () => {
    const clock = manualClock();
    const lab = await createSimLab(spec('1.22', 1), { clock });
    await lab.kubectl(['create', 'service', 'nodeport', 'np', '--tcp=80:80', '--node-port=30450']);
    await lab.advance(2000);
    const ss = await lab.exec('k8s1', 'ss -ltnp | grep 30450');
    expect(ss.output).toMatch(/LISTEN .*\*:30450 .*users:\(\("kube-proxy",pid=\d+,fd=\d+\)\)/);
    const py = await lab.exec('k8s1', 'python3 -m http.server 30450');
    expect(py.exitCode).not.toBe(0);
    expect(py.output).toContain('Address already in use');
  });

  it('1.33 holds no NodePort sockets', async () => {
    const lab = await createSimLab(spec('1.33', 1), { clock: manualClock() });
    await lab.kubectl(['create', 'service', 'nodeport', 'np', '--tcp=80:80', '--node-port=30450']);
    await lab.advance(2000);
    expect((await lab.exec('k8s1', 'ss -ltn | grep -c 30450')).output).toBe('0\n');
  });
});

describe('pods and endpoints', () => {
  it('a deleted pod is Terminating, leaves the endpoints at once, and is gone after it stopped', async () => {
    const clock = manualClock();
    const lab = await createSimLab(spec('1.33', 2), { clock });
    await lab.kubectl(['create', 'deployment', 'web', '--image=nginx', '--replicas=2']);
    await lab.kubectl(['expose', 'deployment', 'web', '--port=80']);
    await lab.advance(3000);
    const api = lab.runtime.api;
    const pods = api.all('Pod', 'default');
    expect(pods).toHaveLength(2);
    const victim = pods[0]!.metadata.name;
    const del = api.delete('Pod', 'default', victim);
    expect(del.ok && del.value.metadata.deletionTimestamp).toBeTruthy();
    const ep = api.get('Endpoints', 'default', 'web');
    expect(ep.ok && (ep.value.subsets as { addresses: unknown[] }[])[0]!.addresses).toHaveLength(1);
    const slice = api.all('EndpointSlice', 'default').find((s) => s.metadata.labels?.['kubernetes.io/service-name'] === 'web')!;
    const term = (slice.endpoints as { targetRef: { name: string }; conditions: { ready: boolean; terminating: boolean } }[]).find((e) => e.targetRef.name === victim)!;
    expect(term.conditions).toEqual({ ready: false, serving: true, terminating: true });
    await lab.advance(2000);
    expect(api.get('Pod', 'default', victim).ok).toBe(false);
    // The ReplicaSet made a replacement.
    await lab.advance(3000);
    expect(api.all('Pod', 'default').filter((p) => (p.status as { phase: string }).phase === 'Running')).toHaveLength(2);
  });
});

describe('kubelet back-off for kube-proxy', () => {
  it('restarts at once the first time, then after 10 s, 20 s; RESTARTS counts each', async () => {
    const clock = manualClock();
    const lab = await createSimLab(spec('1.33', 1), { clock });
    const node = lab.runtime.node('k8s1')!;
    const kill = async () => { await lab.exec('k8s1', `kill -9 ${node.kubeProxy.pid}`); };
    await kill();
    expect(node.kubeProxy.state).toBe('restarting');
    await lab.advance(1000);
    expect(node.kubeProxy).toMatchObject({ state: 'running', restarts: 1 });
    await kill();
    await lab.advance(9000);
    expect(node.kubeProxy.state).toBe('restarting');
    const pods = await lab.kubectl(['get', 'pods', '-n', 'kube-system', '-l', 'k8s-app=kube-proxy']);
    expect(pods.output).toMatch(/kube-proxy-[a-z0-9]{5} +0\/1 +CrashLoopBackOff +1 \(\d+s ago\)/);
    await lab.advance(1000);
    expect(node.kubeProxy).toMatchObject({ state: 'running', restarts: 2 });
    await kill();
    await lab.advance(19_000);
    expect(node.kubeProxy.state).toBe('restarting');
    await lab.advance(1000);
    expect(node.kubeProxy).toMatchObject({ state: 'running', restarts: 3 });
  });
});
