import { describe, expect, it } from 'vitest';
import { createSimLab, restoreSimLab, manualClock } from '../../../../core/lab/index.js';

const spec = (nodes = 3, kubeProxyVersion = '1.33') => ({ name: 't', nodes, kubeProxyVersion, backend: 'sim' as const, seed: 11 });

describe('sim lab', () => {
  it('runs kubectl and node shell commands like a terminal shows them', async () => {
    const clock = manualClock();
    const lab = await createSimLab(spec(), { clock });
    const run = await lab.kubectl(['run', 'nginx', '--image=nginx']);
    expect(run).toEqual({ output: 'pod/nginx created\n', exitCode: 0 });
    await lab.advance(5000);
    const exp = await lab.kubectl(['expose', 'pod', 'nginx', '--name=my-nginx-svc', '--port=3000', '--target-port=80']);
    expect(exp.output).toBe('service/my-nginx-svc exposed\n');
    await lab.advance(2000);
    for (const n of ['k8s1', 'k8s2', 'k8s3']) {
      const r = await lab.exec(n, 'iptables-save | grep nginx');
      expect(r.exitCode).toBe(0);
      const lines = r.output.split('\n').filter((l) => l !== '');
      // 1.33 layout: the Service's jump, its KUBE-SVC chain (masquerade + one endpoint), the KUBE-SEP chain (masquerade + DNAT).
      expect(lines.filter((l) => l.startsWith('-A KUBE-SERVICES '))).toHaveLength(1);
      expect(lines.filter((l) => l.startsWith('-A KUBE-SVC-'))).toHaveLength(2);
      expect(lines.filter((l) => l.startsWith('-A KUBE-SEP-'))).toHaveLength(2);
      expect(lines).toHaveLength(5);
      expect(r.output).toMatch(/^-A KUBE-SERVICES -d 10\.\d+\.\d+\.\d+\/32 -p tcp -m comment --comment "default\/my-nginx-svc cluster IP" -m tcp --dport 3000 -j KUBE-SVC-[A-Z2-7]{16}$/m);
    }
    const svc = lab.runtime.api.find('Service', 'default', 'my-nginx-svc')!;
    const ip = (svc.spec as { clusterIP: string }).clusterIP;
    const curl = await lab.exec('k8s1', `curl ${ip}:3000`);
    expect(curl.exitCode).toBe(0);
    expect(curl.output).toContain('<title>Welcome to nginx!</title>');
    const del = await lab.kubectl(['delete', 'service', 'my-nginx-svc']);
    expect(del.output).toBe('service "my-nginx-svc" deleted\n');
    await lab.advance(2000);
    const gone = await lab.exec('k8s1', 'iptables-save | grep nginx');
    expect(gone).toEqual({ output: '', exitCode: 1 });
    await lab.close();
  });

  it('survives a snapshot: the restored lab has the same objects, rules and processes', async () => {
    const clock = manualClock();
    const lab = await createSimLab(spec(2), { clock });
    await lab.kubectl(['create', 'deployment', 'web', '--image=nginx']);
    await lab.advance(3000);
    const json = JSON.parse(JSON.stringify(lab.toJSON()));
    const again = await restoreSimLab(json, { clock });
    expect((await again.kubectl(['get', 'deploy'])).output).toBe((await lab.kubectl(['get', 'deploy'])).output);
    expect((await again.exec('k8s2', 'iptables-save')).output).toBe((await lab.exec('k8s2', 'iptables-save')).output);
    expect((await again.exec('k8s1', 'ps -ef')).output).toBe((await lab.exec('k8s1', 'ps -ef')).output);
  });
});

describe('sim lab events and terminals', () => {
  it('tells listeners about cluster changes, rules installed on each node, and kube-proxy going down and up', async () => {
    const clock = manualClock();
    const lab = await createSimLab(spec(2), { clock });
    const events: string[] = [];
    lab.on((e) => {
      if (e.type === 'cluster') events.push(`cluster ${e.snapshot.services.map((s) => s.name).join(',')}`);
      if (e.type === 'rules') events.push(`rules ${e.change.node} +${e.change.added.filter((l) => l.includes('default/web')).length}`);
      if (e.type === 'kubeProxy') events.push(`kubeProxy ${e.node} ${e.state}`);
    });
    await lab.kubectl(['create', 'service', 'clusterip', 'web', '--tcp=80:80']);
    expect(events).toContain('cluster kubernetes,web,kube-dns');
    // The bootstrap sync just ran: minSyncPeriod (1 s) holds the next one back.
    expect(events.filter((e) => e.startsWith('rules '))).toEqual([]);
    await lab.advance(1000);
    expect(events.filter((e) => e.startsWith('rules ')).sort()).toEqual(['rules k8s1 +1', 'rules k8s2 +1']);
    const pid = lab.runtime.node('k8s2')!.kubeProxy.pid!;
    await lab.exec('k8s2', `kill -9 ${pid}`);
    expect(events).toContain('kubeProxy k8s2 restarting');
    await lab.advance(2000);
    expect(events).toContain('kubeProxy k8s2 running');
  });

  it('a terminal runs what is typed and shows the prompt', async () => {
    const lab = await createSimLab(spec(1), { clock: manualClock() });
    const term = await lab.openTerminal({ node: 'k8s1' }, { cols: 80, rows: 24 });
    let screen = '';
    term.onData((d) => { screen += d; });
    await new Promise((r) => setTimeout(r, 10));
    term.write('hostname\r');
    await new Promise((r) => setTimeout(r, 50));
    expect(screen).toBe('root@k8s1:~# hostname\r\nk8s1\r\nroot@k8s1:~# ');
    let code = -1;
    term.onExit((c) => { code = c; });
    term.write('exit 4\r');
    await new Promise((r) => setTimeout(r, 50));
    expect(code).toBe(4);
  });
});

describe('kubectl exec', () => {
  it('curl from a pod reaches a Service by name through its node\'s rules', async () => {
    const lab = await createSimLab(spec(2), { clock: manualClock() });
    await lab.kubectl(['create', 'deployment', 'web', '--image=nginx', '--replicas=2']);
    await lab.kubectl(['expose', 'deployment', 'web', '--port=8080', '--target-port=80']);
    await lab.kubectl(['run', 'client', '--image=nginx']);
    await lab.advance(5000);
    const r = await lab.kubectl(['exec', 'client', '--', 'curl', '-s', 'web:8080']);
    expect(r.exitCode).toBe(0);
    expect(r.output).toContain('<title>Welcome to nginx!</title>');
    const refused = await lab.kubectl(['exec', 'client', '--', 'curl', '-sS', 'web:9999']);
    expect(refused.exitCode).toBe(28);
    expect(refused.output).toMatch(/^curl: \(28\) Connection timed out after \d+ milliseconds\n/);
    const nohost = await lab.kubectl(['exec', 'client', '--', 'curl', 'nosuch']);
    expect(nohost.output).toContain('curl: (6) Could not resolve host: nosuch');
    const h = await lab.kubectl(['exec', 'client', '--', 'hostname']);
    expect(h.output).toBe('client\n');
  });
});

describe('the scheduler honours nodeSelector', () => {
  it("places a pod on the node its selector names, and leaves one no node matches Pending with kube-scheduler's reasons", async () => {
    const lab = await createSimLab(spec(), { clock: manualClock() });
    const pinned = await lab.apply('apiVersion: v1\nkind: Pod\nmetadata: {name: pinned}\nspec:\n  nodeSelector: {kubernetes.io/hostname: k8s3}\n  containers: [{name: c, image: nginx}]\n');
    expect(pinned.exitCode, pinned.output).toBe(0);
    const nowhere = await lab.apply('apiVersion: v1\nkind: Pod\nmetadata: {name: nowhere}\nspec:\n  nodeSelector: {disktype: ssd}\n  containers: [{name: c, image: nginx}]\n');
    expect(nowhere.exitCode, nowhere.output).toBe(0);
    await lab.advance(5000);
    const get = await lab.kubectl(['get', 'pods', '-o', 'wide']);
    expect(get.output).toMatch(/^pinned\s+1\/1\s+Running\s+0\s+\S+\s+10\.244\.\d+\.\d+\s+k8s3\s/m);
    expect(get.output).toMatch(/^nowhere\s+0\/1\s+Pending\s+0\s+\S+\s+<none>\s+<none>\s/m);
    const why = await lab.kubectl(['get', 'pod', 'nowhere', '-o', 'jsonpath={.status.conditions[0].message}']);
    expect(why.output).toBe('0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn\'t match Pod\'s node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.');
  });
});
