// Seed 003 ("Kubernetes Kube-Proxy IPTables"): three nodes, kubectl run,
// expose with --port/--target-port, the same rules on all three nodes,
// delete removes them, kube-dns rules and endpoints.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { lines, replay } from './replay.js';
import type { Replay } from './replay.js';

const article = readFileSync(new URL('../../fixtures/seeds/003_90a3171e736d5ab9.txt', import.meta.url), 'utf8');

describe('seed 003: kube-proxy iptables on a three-node 1.22 cluster', () => {
  let r: Replay;
  let clusterIP = '';
  let podIP = '';
  beforeAll(async () => { r = await replay(['--nodes', '3', '--kube-proxy-version', '1.22', '--user', 'lab', '--seed', '3']); });
  afterAll(async () => { await r.done(); });

  it('kubectl get nodes -o wide: three Ready nodes, control-plane,master first', async () => {
    const s = await r.exec('k8s1', 'kubectl get nodes -o wide', { user: 'lab' });
    expect(s.code).toBe(0);
    const l = lines(s.out);
    expect(l[0]).toMatch(/^NAME +STATUS +ROLES +AGE +VERSION +INTERNAL-IP +EXTERNAL-IP +OS-IMAGE +KERNEL-VERSION +CONTAINER-RUNTIME$/);
    expect(l[1]).toMatch(/^k8s1 +Ready +control-plane,master +\S+ +v1\.22\.8 +192\.168\.49\.2 +<none> +Ubuntu 20\.04\.4 LTS +5\.13\.0-37-generic +docker:\/\/20\.10\.14$/);
    expect(l[2]).toMatch(/^k8s2 +Ready +<none> +/);
    expect(l[3]).toMatch(/^k8s3 +Ready +<none> +/);
  });

  it('kubectl get pods -n kube-system: coredns, the control plane, one kube-proxy per node', async () => {
    const s = await r.exec('k8s1', 'kubectl get pods -n kube-system', { user: 'lab' });
    const names = lines(s.out).slice(1).map((l) => l.split(/\s+/)[0]!);
    expect(names.filter((n) => /^coredns-[a-z0-9]{8,10}-[a-z0-9]{5}$/.test(n))).toHaveLength(2);
    expect(names.filter((n) => /^kube-proxy-[a-z0-9]{5}$/.test(n))).toHaveLength(3);
    for (const n of ['etcd-k8s1', 'kube-apiserver-k8s1', 'kube-controller-manager-k8s1', 'kube-scheduler-k8s1']) expect(names).toContain(n);
    for (const l of lines(s.out).slice(1)) expect(l).toMatch(/ 1\/1 +Running +0 /);
  });

  it('kubectl logs kube-proxy-…: the startup lines of the article, iptables proxier', async () => {
    const pods = await r.kubectl('get', 'pods', '-n', 'kube-system', '-o', 'name');
    const kp = lines(pods.out).find((l) => l.startsWith('pod/kube-proxy-'))!.slice(4);
    const s = await r.exec('k8s1', `kubectl logs ${kp} -n kube-system`, { user: 'lab' });
    for (const words of ['node.go:172] Successfully retrieved node IP: ', 'server_others.go:212] Using iptables Proxier.', 'server.go:649] Version: v1.22.8', 'shared_informer.go:247] Caches are synced for service config']) {
      expect(article).toContain(words);
      expect(s.out).toContain(words);
    }
    expect(lines(s.out)[0]).toMatch(/^I\d{4} \d\d:\d\d:\d\d\.\d{6} {7}1 node\.go:172\] Successfully retrieved node IP: 192\.168\.49\.\d+$/);
  });

  it('kubectl run nginx --image=nginx, then Running on a worker', async () => {
    expect((await r.exec('k8s1', 'kubectl run nginx --image=nginx', { user: 'lab' })).out).toBe('pod/nginx created\n');
    await r.wait(60_000);
    const s = await r.exec('k8s1', 'kubectl get pods nginx -o wide', { user: 'lab' });
    const l = lines(s.out);
    expect(l[0]).toMatch(/^NAME +READY +STATUS +RESTARTS +AGE +IP +NODE +NOMINATED NODE +READINESS GATES$/);
    const m = /^nginx +1\/1 +Running +0 +\d+s +(10\.244\.[12]\.\d+) +(k8s[23]) +<none> +<none>$/.exec(l[1]!);
    expect(m).not.toBeNull();
    podIP = m![1]!;
  });

  it('kubectl expose pod nginx --name=my-nginx-svc --port=3000 --target-port=80', async () => {
    const s = await r.exec('k8s1', 'kubectl expose pod nginx --name=my-nginx-svc --port=3000 --target-port=80', { user: 'lab' });
    expect(s).toEqual({ out: 'service/my-nginx-svc exposed\n', err: '', code: 0 });
    const svc = await r.exec('k8s1', 'kubectl get svc', { user: 'lab' });
    const l = lines(svc.out);
    expect(l[1]).toMatch(/^kubernetes +ClusterIP +10\.96\.0\.1 +<none> +443\/TCP +\S+$/);
    const m = /^my-nginx-svc +ClusterIP +(10\.\d+\.\d+\.\d+) +<none> +3000\/TCP +\d+s$/.exec(l[2]!);
    expect(m).not.toBeNull();
    clusterIP = m![1]!;
  });

  it('curl CLUSTER-IP:3000 returns the nginx welcome page of the article', async () => {
    const s = await r.exec('k8s1', `curl ${clusterIP}:3000`, { user: 'lab' });
    expect(s.code).toBe(0);
    const start = article.indexOf('<!DOCTYPE html>');
    const page = article.slice(start, article.indexOf('</html>', start) + '</html>'.length);
    expect(s.out).toBe(`${page}\n`);
  });

  it('kubectl get ep: the pod as the endpoint, the API server on 6443', async () => {
    const s = await r.exec('k8s1', 'kubectl get ep', { user: 'lab' });
    const l = lines(s.out);
    expect(l[1]).toMatch(/^kubernetes +192\.168\.49\.2:6443 +\S+$/);
    expect(l[2]).toMatch(new RegExp(`^my-nginx-svc +${podIP.replace(/\./g, '\\.')}:80 +\\d+s$`));
  });

  it('sudo iptables-save | grep nginx: the same rules on k8s1, k8s2 and k8s3, with the article\'s chain name', async () => {
    const seen: string[] = [];
    for (const node of ['k8s1', 'k8s2', 'k8s3']) {
      const s = await r.exec(node, 'sudo iptables-save | grep nginx', { user: 'lab' });
      expect(s.code).toBe(0);
      const l = lines(s.out);
      expect(l).toContain(`-A KUBE-SERVICES -d ${clusterIP}/32 -p tcp -m comment --comment "default/my-nginx-svc cluster IP" -m tcp --dport 3000 -j KUBE-SVC-NE3M6G7FP5C7DVRO`);
      expect(l).toContain(`-A KUBE-SVC-NE3M6G7FP5C7DVRO ! -s 10.244.0.0/16 -d ${clusterIP}/32 -p tcp -m comment --comment "default/my-nginx-svc cluster IP" -m tcp --dport 3000 -j KUBE-MARK-MASQ`);
      expect(l.some((x) => /^-A KUBE-SVC-NE3M6G7FP5C7DVRO -m comment --comment "default\/my-nginx-svc" -j KUBE-SEP-[A-Z2-7]{16}$/.test(x))).toBe(true);
      expect(l.some((x) => x.endsWith(`-j DNAT --to-destination ${podIP}:80`))).toBe(true);
      seen.push(s.out);
    }
    expect(seen[1]).toBe(seen[0]);
    expect(seen[2]).toBe(seen[0]);
  });

  it('kubectl delete service my-nginx-svc removes its rules from every node', async () => {
    expect((await r.exec('k8s1', 'kubectl delete service my-nginx-svc', { user: 'lab' })).out).toBe('service "my-nginx-svc" deleted\n');
    for (const node of ['k8s1', 'k8s2', 'k8s3']) {
      expect(await r.exec(node, 'sudo iptables-save | grep nginx', { user: 'lab' })).toEqual({ out: '', err: '', code: 1 });
    }
  });

  it('sudo iptables-save | grep kube-dns: three ports, two endpoints each at probability 0.5', async () => {
    const s = await r.exec('k8s1', 'sudo iptables-save | grep kube-dns', { user: 'lab' });
    const l = lines(s.out);
    for (const [name, proto, port] of [['KUBE-SVC-JD5MR3NA4I4DYORP', 'tcp', '9153'], ['KUBE-SVC-TCOU7JCQXEZGVUNU', 'udp', '53'], ['KUBE-SVC-ERIFXISQEP7F7OF4', 'tcp', '53']] as const) {
      const portName = name === 'KUBE-SVC-JD5MR3NA4I4DYORP' ? 'metrics' : proto === 'udp' ? 'dns' : 'dns-tcp';
      const jump = `-A KUBE-SERVICES -d 10.96.0.10/32 -p ${proto} -m comment --comment "kube-system/kube-dns:${portName} cluster IP" -m ${proto} --dport ${port} -j ${name}`;
      expect(article).toContain(jump);
      expect(l).toContain(jump);
      expect(l.filter((x) => x.startsWith(`-A ${name} -m comment --comment "kube-system/kube-dns:${portName}" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-`))).toHaveLength(1);
    }
  });

  it('kubectl get ep kube-dns -n kube-system and describe: two CoreDNS pods on three ports', async () => {
    const s = await r.exec('k8s1', 'kubectl get ep kube-dns -n kube-system', { user: 'lab' });
    expect(lines(s.out)[1]).toMatch(/^kube-dns +10\.244\.\d+\.\d+:53,10\.244\.\d+\.\d+:53,10\.244\.\d+\.\d+:53 \+ 3 more\.\.\. +\S+$/);
    const d = await r.exec('k8s1', 'kubectl describe ep kube-dns -n kube-system', { user: 'lab' });
    expect(d.out).toMatch(/^Name: +kube-dns\nNamespace: +kube-system\nLabels: +k8s-app=kube-dns\n +kubernetes\.io\/cluster-service=true\n +kubernetes\.io\/name=CoreDNS\n/);
    expect(d.out).toMatch(/ {2}Addresses: +10\.244\.\d+\.\d+,10\.244\.\d+\.\d+\n/);
    const svc = await r.exec('k8s1', 'kubectl get svc -n kube-system', { user: 'lab' });
    expect(lines(svc.out)[1]).toMatch(/^kube-dns +ClusterIP +10\.96\.0\.10 +<none> +53\/UDP,53\/TCP,9153\/TCP +\S+$/);
  });
});
