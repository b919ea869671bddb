// Seed 001 ("iptables and NodePort"): a NodePort Service made with
// `kubectl expose deployment … --type=NodePort`, then followed with
// `iptables -t nat -L … | column -t` from PREROUTING down to the DNAT.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lines, replay } from './replay.js';
import type { Replay } from './replay.js';

const MANIFEST = `apiVersion: v1
kind: Namespace
metadata:
  name: monitoring
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: prometheus-grafana
  namespace: monitoring
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: grafana
      app.kubernetes.io/instance: prometheus
  template:
    metadata:
      labels:
        app.kubernetes.io/name: grafana
        app.kubernetes.io/instance: prometheus
    spec:
      containers:
      - name: grafana
        image: grafana/grafana:9.2.4
        ports:
        - containerPort: 3000
          name: http-web
`;

describe('seed 001: following a NodePort from PREROUTING to the pod (1.33)', () => {
  let r: Replay;
  let nodePort = 0;
  let podIP = '';
  beforeAll(async () => { r = await replay(['--nodes', '2', '--seed', '1']); });
  afterAll(async () => { await r.done(); });

  it('kubectl expose deployment … --type=NodePort --name=grafana-example-service -n monitoring', async () => {
    expect((await r.exec('k8s1', `cat > grafana.yaml <<'EOF'\n${MANIFEST}EOF\nkubectl apply -f grafana.yaml`)).code).toBe(0);
    await r.wait(5000);
    const s = await r.exec('k8s1', 'kubectl expose deployment prometheus-grafana --type=NodePort --name=grafana-example-service -n monitoring');
    expect(s).toEqual({ out: 'service/grafana-example-service exposed\n', err: '', code: 0 });
    const get = await r.exec('k8s1', 'kubectl get svc/grafana-example-service -n monitoring');
    const l = lines(get.out);
    expect(l[0]).toMatch(/^NAME +TYPE +CLUSTER-IP +EXTERNAL-IP +PORT\(S\) +AGE$/);
    const m = /^grafana-example-service +NodePort +10\.\d+\.\d+\.\d+ +<none> +3000:(\d+)\/TCP +\d+s$/.exec(l[1]!);
    expect(m).not.toBeNull();
    nodePort = Number(m![1]);
    expect(nodePort).toBeGreaterThanOrEqual(30000);
    expect(nodePort).toBeLessThanOrEqual(32767);
    const pod = await r.exec('k8s1', 'kubectl get pods -n monitoring -o wide');
    podIP = /(10\.244\.\d+\.\d+)/.exec(pod.out)![1]!;
  });

  it('its YAML has the defaults of the article', async () => {
    const s = await r.exec('k8s1', 'kubectl get svc grafana-example-service -n monitoring -o yaml');
    for (const l of ['  externalTrafficPolicy: Cluster', '  internalTrafficPolicy: Cluster', '  - IPv4', '  ipFamilyPolicy: SingleStack',
      `  - nodePort: ${nodePort}`, '    port: 3000', '    protocol: TCP', '    targetPort: 3000', '  sessionAffinity: None', '  type: NodePort']) {
      expect(s.out.split('\n')).toContain(l);
    }
  });

  it('PREROUTING → KUBE-SERVICES: the article\'s chain for the Service and KUBE-NODEPORTS last', async () => {
    const pre = lines((await r.exec('k8s1', 'sudo iptables -t nat -L PREROUTING | column -t')).out);
    expect(pre[2]).toMatch(/^KUBE-SERVICES +all +-- +anywhere +anywhere +\/\* +kubernetes +service +portals +\*\/$/);
    const svc = lines((await r.exec('k8s1', 'sudo iptables -t nat -L KUBE-SERVICES -n  | column -t')).out);
    expect(svc[0]).toMatch(/^Chain +KUBE-SERVICES +\(2 +references\)$/);
    expect(svc.some((l) => /^KUBE-SVC-OIUYAK75OI4PJHUN +(tcp|6) +-- +0\.0\.0\.0\/0 +10\.\d+\.\d+\.\d+ +\/\* +monitoring\/grafana-example-service +cluster +IP +\*\/ +tcp +dpt:3000$/.test(l))).toBe(true);
    expect(svc[svc.length - 1]).toMatch(/^KUBE-NODEPORTS +(all|0) +-- .*nodeports;/);
  });

  it('KUBE-NODEPORTS → KUBE-SVC-OIUYAK75OI4PJHUN → KUBE-SEP → DNAT to the pod on 3000', async () => {
    const np = (await r.exec('k8s1', 'sudo iptables -t nat -L KUBE-NODEPORTS -n | column -t')).out;
    expect(np).toMatch(new RegExp(`KUBE-EXT-OIUYAK75OI4PJHUN +(tcp|6) +-- +0\\.0\\.0\\.0/0 +0\\.0\\.0\\.0/0 +/\\* +monitoring/grafana-example-service +\\*/ +tcp +dpt:${nodePort}`));
    const chain = lines((await r.exec('k8s1', 'sudo iptables -t nat -L KUBE-SVC-OIUYAK75OI4PJHUN -n  | column -t')).out);
    expect(chain[0]).toMatch(/^Chain +KUBE-SVC-OIUYAK75OI4PJHUN +\(\d +references\)$/);
    expect(chain[2]).toMatch(/^KUBE-MARK-MASQ +(tcp|6) +-- +!10\.244\.0\.0\/16 +10\.\d+\.\d+\.\d+ +\/\* +monitoring\/grafana-example-service +cluster +IP +\*\/ +tcp +dpt:3000$/);
    const sep = /^(KUBE-SEP-[A-Z2-7]{16}) +(all|0) +--/.exec(chain[3]!);
    expect(sep).not.toBeNull();
    const sepl = lines((await r.exec('k8s1', `sudo iptables -t nat -L ${sep![1]} -n  | column -t`)).out);
    expect(sepl[2]).toMatch(new RegExp(`^KUBE-MARK-MASQ +(all|0) +-- +${podIP.replace(/\./g, '\\.')} +0\\.0\\.0\\.0/0`));
    expect(sepl[3]).toMatch(new RegExp(`^DNAT +(tcp|6) +-- +0\\.0\\.0\\.0/0 +0\\.0\\.0\\.0/0 .*tcp +to:${podIP.replace(/\./g, '\\.')}:3000$`));
  });

  it('http://NODE_IP:NODEPORT from the other node reaches the pod', async () => {
    const s = await r.exec('k8s2', `curl -s 192.168.49.2:${nodePort}`);
    expect(s.code).toBe(0);
    expect(s.out).toMatch(/^prometheus-grafana-[a-z0-9]+-[a-z0-9]{5}\n$/);
  });

  it('kubectl describe pods/NAME -n monitoring', async () => {
    const name = lines((await r.exec('k8s1', 'kubectl get pods -n monitoring -o name')).out)[0]!;
    const s = await r.exec('k8s1', `kubectl describe ${name} -n monitoring`);
    expect(s.code).toBe(0);
    expect(s.out).toMatch(/^Name: +prometheus-grafana-/);
    expect(s.out).toMatch(/\nNamespace: +monitoring\n/);
    expect(s.out).toContain(`IP:           ${podIP}`);
  });
});
