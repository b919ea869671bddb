// Seeds 003 and 000 replayed on the docker backend, in one 3-node 1.22 lab
// (one lab keeps the tier at a few minutes): node-shell lines run in the real
// containers (real iptables-save, curl, lsof, kill -9), kubectl lines in the
// lab's API server, as a person types them in `chainlab exec NODE -- LINE`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { connectEngine, createDockerLab, removeDockerLab, type DockerLab } from '../../core/host/docker/index.js';

const article003 = readFileSync(new URL('../fixtures/seeds/003_90a3171e736d5ab9.txt', import.meta.url), 'utf8');
const LAB = `t-seeds-${process.pid}`;
const agentPath = 'dist/agent/kube-proxy.mjs';
let lab: DockerLab;

const lines = (s: string): string[] => s.split('\n').map((l) => l.trimEnd()).filter((l) => l !== '');
const sh = (node: string, line: string): Promise<{ output: string; exitCode: number }> => lab.exec(node, line);

async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await f();
    if (v !== undefined) return v;
    await lab.advance(500);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const MANIFEST_000 = `apiVersion: v1
kind: Service
metadata: {name: nginx, namespace: default}
spec:
  type: NodePort
  ports: [{port: 80, name: http, targetPort: 80}]
  selector: {app: nginx}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: nginx, namespace: default}
spec:
  selector: {matchLabels: {app: nginx}}
  template:
    metadata: {labels: {app: nginx}}
    spec:
      containers: [{image: nginx, name: nginx, ports: [{containerPort: 80, name: http}]}]
`;

beforeAll(async () => {
  if (!existsSync(agentPath)) execFileSync('node', ['scripts/build.mjs'], { stdio: 'inherit' });
  const engine = await connectEngine();
  await removeDockerLab(engine.docker, LAB);
  lab = await createDockerLab({ name: LAB, nodes: 3, kubeProxyVersion: '1.22', backend: 'docker', seed: 3 }, { engine, agentPath });
});

afterAll(async () => {
  if (lab) await lab.close();
});

describe('seed 003 on docker: kube-proxy iptables on three 1.22 nodes', () => {
  let clusterIP = '';
  let podIP = '';

  it('kubectl run nginx --image=nginx, then Running on a worker, with nginx really in its namespace', async () => {
    expect((await sh('k8s1', 'kubectl run nginx --image=nginx')).output).toBe('pod/nginx created\n');
    const line = await until('nginx to run', async () => {
      const l = lines((await sh('k8s1', 'kubectl get pods nginx -o wide')).output)[1] ?? '';
      return /Running/.test(l) ? l : undefined;
    });
    const m = /^nginx +1\/1 +Running +0 +\S+ +(10\.244\.[12]\.\d+) +(k8s[23]) +<none> +<none>$/.exec(line);
    expect(m, line).not.toBeNull();
    podIP = m![1]!;
  });

  it('kubectl expose pod nginx --name=my-nginx-svc --port=3000 --target-port=80, curl CLUSTER-IP:3000 from k8s1', async () => {
    expect((await sh('k8s1', 'kubectl expose pod nginx --name=my-nginx-svc --port=3000 --target-port=80')).output).toBe('service/my-nginx-svc exposed\n');
    const m = /^my-nginx-svc +ClusterIP +(10\.\d+\.\d+\.\d+) +<none> +3000\/TCP +\S+$/.exec(lines((await sh('k8s1', 'kubectl get svc')).output)[2] ?? '');
    expect(m).not.toBeNull();
    clusterIP = m![1]!;
    const s = await sh('k8s1', `curl -sS --max-time 5 ${clusterIP}:3000`);
    expect(s.exitCode, s.output).toBe(0);
    expect(s.output).toContain('<title>Welcome to nginx!</title>');
  });

  it('sudo iptables-save | grep nginx: the same rules on k8s1, k8s2 and k8s3, with the article\'s chain name', async () => {
    const seen: string[] = [];
    for (const node of ['k8s1', 'k8s2', 'k8s3']) {
      const s = await sh(node, 'sudo iptables-save | grep nginx');
      expect(s.exitCode).toBe(0);
      const l = lines(s.output);
      expect(l).toContain(`-A KUBE-SERVICES -d ${clusterIP}/32 -p tcp -m comment --comment "default/my-nginx-svc cluster IP" -m tcp --dport 3000 -j KUBE-SVC-NE3M6G7FP5C7DVRO`);
      expect(l).toContain(`-A KUBE-SVC-NE3M6G7FP5C7DVRO ! -s 10.244.0.0/16 -d ${clusterIP}/32 -p tcp -m comment --comment "default/my-nginx-svc cluster IP" -m tcp --dport 3000 -j KUBE-MARK-MASQ`);
      expect(l.some((x) => x.endsWith(`-j DNAT --to-destination ${podIP}:80`))).toBe(true);
      seen.push(s.output);
    }
    expect(seen[1]).toBe(seen[0]);
    expect(seen[2]).toBe(seen[0]);
  });

  it('kubectl delete service my-nginx-svc removes its rules from every node', async () => {
    expect((await sh('k8s1', 'kubectl delete service my-nginx-svc')).output).toBe('service "my-nginx-svc" deleted\n');
    for (const node of ['k8s1', 'k8s2', 'k8s3']) {
      expect(await sh(node, 'sudo iptables-save | grep nginx')).toEqual({ output: '', exitCode: 1 });
      expect((await sh(node, 'iptables-save -t nat | grep -c "^:KUBE-SVC-NE3M6G7FP5C7DVRO"')).output.trim()).toBe('0');
    }
  });

  it('sudo iptables-save | grep kube-dns: the article\'s three jumps, two endpoints each at probability 0.5', async () => {
    const l = lines((await sh('k8s1', 'sudo iptables-save | grep kube-dns')).output);
    for (const [name, proto, port, portName] of [['KUBE-SVC-JD5MR3NA4I4DYORP', 'tcp', '9153', 'metrics'], ['KUBE-SVC-TCOU7JCQXEZGVUNU', 'udp', '53', 'dns'], ['KUBE-SVC-ERIFXISQEP7F7OF4', 'tcp', '53', 'dns-tcp']] as const) {
      const jump = `-A KUBE-SERVICES -d 10.96.0.10/32 -p ${proto} -m comment --comment "kube-system/kube-dns:${portName} cluster IP" -m ${proto} --dport ${port} -j ${name}`;
      expect(article003).toContain(jump);
      expect(l).toContain(jump);
      expect(l.filter((x) => x.startsWith(`-A ${name} -m comment --comment "kube-system/kube-dns:${portName}" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-`))).toHaveLength(1);
    }
  });
});

describe('seed 000 on docker: NodePort, kill -9 kube-proxy, a process on the NodePort (1.22)', () => {
  let port = 0;

  it('the NodePort Service and Deployment apply; kube-proxy 1.22 holds the NodePort', async () => {
    expect((await lab.apply(MANIFEST_000)).exitCode).toBe(0);
    await until('the nginx deployment pod to run', async () => ((await lab.snapshot()).pods.some((p) => p.labels.app === 'nginx' && p.name !== 'nginx' && p.phase === 'Running') ? true : undefined));
    const svc = /^nginx +NodePort +10\.\d+\.\d+\.\d+ +<none> +80:(\d+)\/TCP +\S+ +app=nginx$/.exec(lines((await sh('k8s1', 'kubectl get svc nginx -o wide')).output)[1] ?? '');
    expect(svc).not.toBeNull();
    port = Number(svc![1]);
    await lab.settle();
    const held = await sh('k8s1', `lsof -i:${port}`);
    expect(held.output).toMatch(new RegExp(`^kube-prox\\s+\\d+\\s+root\\s+\\d+u\\s+IPv6\\s+\\d+\\s+0t0\\s+TCP \\*:${port} \\(LISTEN\\)$`, 'm'));
  });

  it('curl -ssL 127.0.0.1:PORT | grep -i title: nginx answers through the OUTPUT rules', async () => {
    const t = await sh('k8s1', `curl -ssL --max-time 5 127.0.0.1:${port} | grep -i title`);
    expect(t.output).toBe('<title>Welcome to nginx!</title>\n');
  });

  it('kill -9 kube-proxy, python3 -m http.server on the port: curl still reaches nginx, and the restarted kube-proxy says it can\'t open the port', async () => {
    expect((await sh('k8s1', 'kill -9 $(pgrep -x kube-proxy)')).exitCode).toBe(0);
    const started = await sh('k8s1', `(setsid python3 -m http.server ${port} >/dev/null 2>&1 &) ; for i in $(seq 1 50); do lsof -i:${port} | grep -q python3 && break; sleep 0.2; done; lsof -i:${port}`);
    expect(started.output).toMatch(new RegExp(`^python3\\s+\\d+\\s+root\\s+\\d+u\\s+IPv4\\s+\\d+\\s+0t0\\s+TCP \\*:${port} \\(LISTEN\\)$`, 'm'));
    const head = await sh('k8s1', `curl -sI --max-time 5 127.0.0.1:${port}`);
    expect(head.output.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    expect(head.output).toMatch(/\r\nServer: nginx\/1\.\d+\.\d+\r\n/);
    // kubelet restarts it after the 10 s back-off; the new one finds python3 on its port.
    const log = await until('the restarted kube-proxy to log', async () => {
      // -s: while kubelet rotates the log for the new process there is a moment with no file; not an answer.
      const s = await sh('k8s1', `grep -s "can't open" /var/log/kube-proxy.log || true`);
      return s.output.trim() !== '' ? s.output : undefined;
    }, 60_000);
    expect(log).toMatch(new RegExp(`^E\\d{4} \\d\\d:\\d\\d:\\d\\d\\.\\d{6} +\\d+ proxier\\.go:1286\\] can't open "nodePort for default/nginx:http" \\(:${port}/tcp\\), skipping this nodePort: listen tcp :${port}: bind: address already in use$`, 'm'));
    const snap = await lab.snapshot();
    expect(snap.nodes.find((n) => n.name === 'k8s1')!.kubeProxy).toMatchObject({ state: 'running', restarts: 1 });
    await sh('k8s1', `pkill -f "http.server ${port}"`);
  });
});

describe('kubectl piped into the node\'s tools', () => {
  it('kubectl get po -o json | jq runs the node\'s real jq on the API server\'s output', async () => {
    const s = await sh('k8s2', 'kubectl get po -o json | jq -r \'.items[].metadata.name\' | sort');
    expect(s.exitCode).toBe(0);
    expect(lines(s.output)).toContain('nginx');
    expect(lines(s.output).some((l) => /^nginx-[a-z0-9]+-[a-z0-9]{5}$/.test(l))).toBe(true);
    const v = await sh('k8s2', 'kubectl version --client -o json | jq --version');
    expect(v.output).toMatch(/^jq-1\.\d/);
  });

  it('kubectl apply -f FILE applies a file written in the node; a missing one gets kubectl\'s words', async () => {
    const w = await sh('k8s3', `cat <<EOF > /root/fromfile.yaml
apiVersion: v1
kind: Service
metadata: {name: fromfile, namespace: default}
spec: {ports: [{port: 8081}], selector: {app: nope}}
EOF`);
    expect(w.exitCode).toBe(0);
    expect(await sh('k8s3', 'kubectl apply -f /root/fromfile.yaml')).toEqual({ output: 'service/fromfile created\n', exitCode: 0 });
    expect(await sh('k8s3', 'kubectl apply -f /root/nope.yaml')).toEqual({ output: 'error: the path "/root/nope.yaml" does not exist\n', exitCode: 1 });
  });

  it('kubectl inside a multi-line node script works too (the node\'s kubectl forwards to the lab)', async () => {
    const s = await sh('k8s3', 'true\nkubectl get po nginx -o name');
    expect(s).toEqual({ output: 'pod/nginx\n', exitCode: 0 });
  });

  it('a failing kubectl shows its error, and the pipe gets nothing', async () => {
    const s = await sh('k8s2', 'kubectl get po nope -o json | wc -c');
    expect(s.output).toMatch(/Error from server \(NotFound\): pods "nope" not found\n0\n$/);
  });
});

describe('CoreDNS pods answer Service names (kube-dns ClusterIP, through the node\'s rules)', () => {
  // A stub resolver in the node: one A query over UDP, prints the address or the rcode.
  const ask = (name: string): string => `python3 -c '
import socket, struct, sys
q = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + b"".join(bytes([len(p)]) + p.encode() for p in sys.argv[1].split(".")) + b"\\0" + struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
s.sendto(q, ("10.96.0.10", 53)); r = s.recv(512)
print(socket.inet_ntoa(r[-4:]) if struct.unpack(">H", r[6:8])[0] else "rcode %d" % (r[3] & 15))
' ${name}`;

  it('<svc>.<ns>.svc.cluster.local resolves to the ClusterIP from every node, an unknown name is NXDOMAIN', async () => {
    const nginx = (await lab.snapshot()).services.find((s) => s.name === 'nginx' && s.namespace === 'default')!;
    for (const node of ['k8s1', 'k8s3']) {
      expect((await sh(node, ask('kubernetes.default.svc.cluster.local'))).output).toBe('10.96.0.1\n');
      expect((await sh(node, ask('nginx.default.svc.cluster.local'))).output).toBe(`${nginx.clusterIP}\n`);
    }
    expect((await sh('k8s2', ask('nope.default.svc.cluster.local'))).output).toBe('rcode 3\n');
  });

  it('a new Service is answered once the sync has reached the nodes', async () => {
    expect((await sh('k8s1', 'kubectl create service clusterip late --tcp=81:80')).exitCode).toBe(0);
    const ip = (await lab.snapshot()).services.find((s) => s.name === 'late')!.clusterIP;
    expect((await sh('k8s2', ask('late.default.svc.cluster.local'))).output).toBe(`${ip}\n`);
  });
});
