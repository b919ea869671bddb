// Seed 000 ("Kubernetes NodePort and iptables rules"): a 1.22 lab where
// kube-proxy holds its NodePort, kill -9 of kube-proxy, a Python server on the
// same port, curl still answered by nginx through the PREROUTING/OUTPUT rules,
// and kube-proxy's "can't open" line once kubelet restarts it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lines, replay } from './replay.js';
import type { Replay } from './replay.js';

const MANIFEST = `apiVersion: v1
kind: Service
metadata:
  name: nginx
  namespace: default
spec:
  type: NodePort
  ports:
  - port: 80
    name: http
    targetPort: 80
  selector:
    app: nginx

---

apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx
  namespace: default
spec:
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - image: nginx
        name: nginx
        ports:
        - containerPort: 80
          name: http
`;

describe('seed 000: NodePort, kill -9 kube-proxy, a process on the NodePort (1.22)', () => {
  let r: Replay;
  let port = 0;
  let podName = '';
  let podIP = '';
  let kpPid = 0;
  beforeAll(async () => { r = await replay(['--nodes', '1', '--kube-proxy-version', '1.22', '--seed', '0']); });
  afterAll(async () => { await r.done(); });

  it('the manifest applies from a here-doc in the node shell', async () => {
    const s = await r.exec('k8s1', `cat <<EOF > nginx.yaml\n${MANIFEST}EOF\nkubectl apply -f nginx.yaml`);
    expect(s.out).toBe('service/nginx created\ndeployment.apps/nginx created\n');
    expect(s.code).toBe(0);
    await r.wait(10_000);
  });

  it('kubectl get po -l app=nginx --show-labels -o wide / get svc nginx -o wide', async () => {
    const po = await r.exec('k8s1', 'kubectl get po -l app=nginx --show-labels -o wide');
    const l = lines(po.out);
    expect(l[0]).toMatch(/^NAME +READY +STATUS +RESTARTS +AGE +IP +NODE +NOMINATED NODE +READINESS GATES +LABELS$/);
    const m = /^(nginx-([a-z0-9]{8,10})-[a-z0-9]{5}) +1\/1 +Running +0 +\d+s +(10\.244\.0\.\d+) +k8s1 +<none> +<none> +app=nginx,pod-template-hash=([a-z0-9]+)$/.exec(l[1]!);
    expect(m).not.toBeNull();
    expect(m![2]).toBe(m![4]);
    podName = m![1]!;
    podIP = m![3]!;
    const svc = await r.exec('k8s1', 'kubectl get svc nginx -o wide');
    const sm = /^nginx +NodePort +10\.\d+\.\d+\.\d+ +<none> +80:(\d+)\/TCP +\d+s +app=nginx$/.exec(lines(svc.out)[1]!);
    expect(sm).not.toBeNull();
    port = Number(sm![1]);
    expect(port).toBeGreaterThanOrEqual(30000);
    expect(port).toBeLessThanOrEqual(32767);
  });

  it('curl localhost:PORT -I and curl -ssL … | grep -i title: nginx answers', async () => {
    const head = await r.exec('k8s1', `curl localhost:${port} -I`);
    expect(head.code).toBe(0);
    const hl = head.out.split('\r\n').length > 2 ? head.out.split('\r\n') : head.out.split('\n');
    expect(hl[0]).toBe('HTTP/1.1 200 OK');
    expect(hl[1]).toMatch(/^Server: nginx\/1\.\d+\.\d+$/);
    expect(head.out).toMatch(/Content-Length: 615/);
    const t = await r.exec('k8s1', `curl -ssL localhost:${port} |grep -i title`);
    expect(t.out).toBe('<title>Welcome to nginx!</title>\n');
  });

  it('sudo iptables -t nat -L PREROUTING | column -t: the KUBE-SERVICES jump', async () => {
    const s = await r.exec('k8s1', 'sudo iptables -t nat -L PREROUTING | column -t');
    const l = lines(s.out);
    expect(l[0]).toMatch(/^Chain +PREROUTING +\(policy +ACCEPT\)$/);
    expect(l[1]).toMatch(/^target +prot +opt +source +destination$/);
    expect(l[2]).toMatch(/^KUBE-SERVICES +all +-- +anywhere +anywhere +\/\* +kubernetes +service +portals +\*\/$/);
  });

  it('KUBE-SERVICES → KUBE-NODEPORTS → KUBE-SVC → KUBE-SEP with the DNAT to the pod', async () => {
    const svcs = await r.exec('k8s1', 'sudo iptables -t nat -L KUBE-SERVICES -n  | column -t');
    const last = lines(svcs.out).pop()!;
    // iptables 1.8.9 prints protocol numbers with -n (0 = all, 6 = tcp); older ones print names.
    expect(last).toMatch(/^KUBE-NODEPORTS +(all|0) +-- +0\.0\.0\.0\/0 +0\.0\.0\.0\/0 +\/\* +kubernetes +service +nodeports; +NOTE: +this +must +be +the +last +rule +in +this +chain +\*\/ +ADDRTYPE +match +dst-type +LOCAL$/);
    const np = await r.exec('k8s1', 'sudo iptables -t nat -L KUBE-NODEPORTS -n  | column -t');
    const npl = lines(np.out);
    expect(npl[0]).toMatch(/^Chain +KUBE-NODEPORTS +\(1 +references\)$/);
    const svcChain = npl.map((x) => /^(KUBE-SVC-[A-Z2-7]{16}) +(tcp|6) .*dpt:(\d+)$/.exec(x)).find((x) => x !== null);
    expect(svcChain).toBeDefined();
    expect(Number(svcChain![3])).toBe(port);
    const sv = await r.exec('k8s1', `sudo iptables -t nat -L ${svcChain![1]} -n | column -t`);
    const sep = lines(sv.out).map((x) => /^(KUBE-SEP-[A-Z2-7]{16}) +(all|0) /.exec(x)).find((x) => x !== null);
    expect(sep).toBeDefined();
    const se = await r.exec('k8s1', `sudo iptables -t nat -L ${sep![1]} -n | column -t`);
    expect(se.out).toMatch(new RegExp(`DNAT +(tcp|6) +-- +0\\.0\\.0\\.0/0 +0\\.0\\.0\\.0/0 .*tcp +to:${podIP.replace(/\./g, '\\.')}:80`));
  });

  it('kubectl get po … -o json | jq -r … join(":") gives IP:80', async () => {
    const s = await r.exec('k8s1', `kubectl get po ${podName} -o json | jq -r '[.status.podIP, .spec.containers[0].ports[0].containerPort | tostring] | join(":")'`);
    expect(s.out).toBe(`${podIP}:80\n`);
  });

  it('sudo lsof -i:PORT shows kube-proxy holding the NodePort; ps shows its command line', async () => {
    const s = await r.exec('k8s1', `sudo lsof -i:${port}`);
    const l = lines(s.out);
    expect(l[0]).toMatch(/^COMMAND +PID +USER +FD +TYPE +DEVICE +SIZE\/OFF +NODE +NAME$/);
    const m = new RegExp(`^kube-prox +(\\d+) +root +\\d+u +IPv6 +\\d+ +0t0 +TCP +\\*:${port} \\(LISTEN\\)$`).exec(l[1]!);
    expect(m).not.toBeNull();
    kpPid = Number(m![1]);
    const ps = await r.exec('k8s1', `ps -aef | grep -v grep | grep ${kpPid}`);
    expect(ps.out).toMatch(new RegExp(`^root +${kpPid} +\\d+ +0 +\\d\\d:\\d\\d +\\? +\\d\\d:\\d\\d:\\d\\d /usr/local/bin/kube-proxy --config=/var/lib/kube-proxy/config.conf --hostname-override=k8s1\\n$`));
  });

  it('kill -9, python -m SimpleHTTPServer PORT &: the port is python\'s now', async () => {
    // Typed one after the other, before kubelet restarts kube-proxy. A one-shot shell is not
    // interactive, so bash prints no `[1] PID` job line: `$!` gives the PID instead.
    const s = await r.exec('k8s1', `kill -9 ${kpPid}; python -m SimpleHTTPServer ${port} & echo $!`);
    expect(s.out).toMatch(/^\d+\n/);
    const l = await r.exec('k8s1', `sudo lsof -i:${port}`);
    expect(lines(l.out)).toHaveLength(2);
    const m = new RegExp(`^python +(\\d+) +root +3u +IPv4 +\\d+ +0t0 +TCP +\\*:${port} \\(LISTEN\\)$`).exec(lines(l.out)[1]!);
    expect(m).not.toBeNull();
    const pyPid = Number(m![1]);
    const ps = await r.exec('k8s1', `ps -aef | grep -v grep | grep ${pyPid}`);
    expect(ps.out).toMatch(new RegExp(`^root +${pyPid} +\\d+ +0 +\\d\\d:\\d\\d +\\S+ +00:00:00 python -m SimpleHTTPServer ${port}\\n$`));
  });

  it('curl -I -XGET localhost:PORT is still answered by nginx, not python', async () => {
    const s = await r.exec('k8s1', `curl -I -XGET localhost:${port}`);
    expect(s.out.split(/\r?\n/)[0]).toBe('HTTP/1.1 200 OK');
    expect(s.out).toMatch(/Server: nginx\//);
    expect(s.out).not.toMatch(/SimpleHTTP/);
    const t = await r.exec('k8s1', `curl -sSL localhost:${port} | grep title`);
    expect(t.out).toBe('<title>Welcome to nginx!</title>\n');
  });

  it('kubelet restarts kube-proxy: RESTARTS 1, and it logs that it cannot open the NodePort', async () => {
    await r.wait(15_000);
    const pods = await r.exec('k8s1', 'kubectl get pods -n kube-system | grep kube-proxy');
    expect(pods.out).toMatch(/^kube-proxy-[a-z0-9]{5} +1\/1 +Running +1 \(\d+s ago\) +\S+\n$/);
    const name = pods.out.split(/\s+/)[0]!;
    const log = await r.exec('k8s1', `kubectl logs ${name} -n kube-system | grep "can't open"`);
    expect(log.out).toMatch(new RegExp(`^E\\d{4} \\d\\d:\\d\\d:\\d\\d\\.\\d{6} {7}1 proxier\\.go:\\d+\\] can't open "nodePort for default/nginx:http" \\(:${port}/tcp\\), skipping this nodePort: listen tcp :${port}: bind: address already in use\\n`));
    const prev = await r.exec('k8s1', `kubectl logs ${name} -n kube-system --previous | tail -1`);
    expect(prev.out).toMatch(/Syncing iptables rules\n$/);
    // The restarted kube-proxy rewrote the same rules: the NodePort still reaches nginx.
    const still = await r.exec('k8s1', `curl -sI localhost:${port} | head -1`);
    expect(still.out.trimEnd()).toBe('HTTP/1.1 200 OK');
  });
});
