// The docker backend against a real Docker engine: real containers, real
// iptables, a real kube-proxy process, real curl through real NAT.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { attachDockerLab, connectEngine, createDockerLab, removeDockerLab, LAB_LABEL, type DockerLab } from '../../core/host/docker/index.js';
import { saveRuleset } from '../../core/engine/iptables/index.js';
import type { Ruleset } from '../../core/engine/iptables/model.js';
import { shortId } from '../../core/host/docker/pods.js';
import { execInPodNamespace, pidActionScript } from '../../core/host/docker/pod-exec.js';
import { execIn } from '../../core/host/docker/exec.js';
import { until, httpGet, nginxNodePort } from './helpers.js';

const LAB = `t-docker-${process.pid}`;
const agentPath = 'dist/agent/kube-proxy.mjs';
let lab: DockerLab;

const manifest = nginxNodePort(1, 30450);

/** The KUBE-* part of a ruleset, without counters: what kube-proxy owns. */
function kubeLines(rs: Ruleset): string[] {
  return saveRuleset(rs, { counters: false })
    .split('\n')
    .filter((l) => /^(-A|:)\s*KUBE-/.test(l) || /^-A (PREROUTING|OUTPUT|POSTROUTING|INPUT|FORWARD) .*KUBE-/.test(l))
    .map((l) => l.replace(/ \[\d+:\d+\]$/, ''))
    .sort();
}

beforeAll(async () => {
  if (!existsSync(agentPath)) execFileSync('node', ['scripts/build.mjs'], { stdio: 'inherit' });
  const engine = await connectEngine();
  await removeDockerLab(engine.docker, LAB);
  lab = await createDockerLab({ name: LAB, nodes: 2, kubeProxyVersion: '1.33', backend: 'docker', restartKubeProxy: false }, { engine, agentPath });
  const r = await lab.apply(manifest);
  expect(r.exitCode, r.output).toBe(0);
  await until('the nginx pod to run', async () => {
    await lab.advance(300);
    const s = await lab.snapshot();
    return s.pods.find((p) => p.labels.app === 'nginx' && p.phase === 'Running');
  });
  await lab.settle();
});

afterAll(async () => {
  if (lab) await lab.close();
});

describe('docker backend', () => {
  it('runs each node as a labelled container with a real kube-proxy process', async () => {
    const { docker } = await connectEngine();
    const mine = await docker.listContainers({ filters: JSON.stringify({ label: [`${LAB_LABEL}=${LAB}`] }) });
    expect(mine.map((c) => c.Labels['chainlab.node']).sort()).toEqual(['k8s1', 'k8s2']);
    const ps = await lab.exec('k8s1', 'ps -eo comm,args | grep -v grep | grep kube-proxy');
    expect(ps.output).toMatch(/^kube-proxy\s+\/usr\/local\/bin\/kube-proxy --config=\/var\/lib\/kube-proxy\/config.conf/m);
    expect((await lab.exec('k8s2', 'hostname')).output.trim()).toBe('k8s2');
  });

  it('installs, as read back with iptables-save, the rules the sim backend installs for the same cluster', async () => {
    for (const node of ['k8s1', 'k8s2']) {
      const installed = kubeLines(await lab.installedRules(node));
      expect(installed.some((l) => /-A KUBE-NODEPORTS .*--dport 30450 -j KUBE-EXT-/.test(l))).toBe(true);
      expect(installed).toEqual(kubeLines(await lab.simRules(node)));
    }
    const view = await lab.exec('k8s1', 'iptables -t nat -L KUBE-NODEPORTS -n');
    expect(view.output).toMatch(/^Chain KUBE-NODEPORTS \(1 references\)/);
    expect(view.output).toMatch(/default\/nginx:http \*\/ tcp dpt:30450/);
  });

  it('answers curl from outside the node on the NodePort with nginx in the pod, on every node', async () => {
    const s = await lab.snapshot();
    for (const n of s.nodes) {
      const res = await httpGet(n.ip, 30450);
      expect(res.status).toBe(200);
      expect(res.server).toMatch(/^nginx\//);
      expect(res.body).toContain('<title>Welcome to nginx!</title>');
    }
  });

  it("resolves a Service's short name inside a pod, as kubelet's resolv.conf and kube-dns make it", async () => {
    const s = await lab.snapshot();
    const pod = s.pods.find((p) => p.labels.app === 'nginx' && p.phase === 'Running')!;
    const svc = s.services.find((x) => x.name === 'nginx')!;
    const ns = `pod-${shortId(`${pod.namespace}/${pod.name}`)}`;
    const conf = await lab.exec(pod.node, `cat /etc/netns/${ns}/resolv.conf`);
    expect(conf.output).toBe('search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
    const r = await lab.exec(pod.node, `timeout 10 ip netns exec ${ns} getent hosts nginx`);
    expect(r.output).toMatch(new RegExp(`^${svc.clusterIP.replace(/\./g, '\\.')}\\s+nginx\\.default\\.svc\\.cluster\\.local`));
  });

  it('kubectl exec runs in the pod for real: its hostname, its resolv.conf, a Service by name through the node\'s rules, exit statuses', async () => {
    const s = await lab.snapshot();
    const pod = s.pods.find((p) => p.labels.app === 'nginx' && p.phase === 'Running')!;
    // From the host (chainlab kubectl) and from a node's own kubectl, which the relay forwards.
    const host = await lab.kubectl(['exec', pod.name, '--', 'hostname']);
    expect(host).toMatchObject({ output: `${pod.name}\n`, exitCode: 0 });
    const other = s.nodes.find((n) => n.name !== pod.node)!.name;
    const inNode = await lab.exec(other, `kubectl exec ${pod.name} -- sh -c 'cat /etc/resolv.conf; ip -4 -o addr show eth0'`);
    expect(inNode.exitCode, inNode.output).toBe(0);
    expect(inNode.output).toContain('search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\n');
    expect(inNode.output).toMatch(new RegExp(`eth0\\s+inet ${pod.ip!.replace(/\./g, '\\.')}/`));
    // The pod reaches the Service by its short name: the real DNS responder, then the node's real NAT to nginx.
    const curl = await lab.kubectl(['exec', pod.name, '--', 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code} %{remote_ip}', '-m', '5', 'http://nginx']);
    const svc = s.services.find((x) => x.name === 'nginx')!;
    expect(curl).toMatchObject({ output: `200 ${svc.clusterIP}`, exitCode: 0 });
    // -i: the node's stdin reaches the program in the pod.
    const piped = await lab.exec(other, `printf 'one\\ntwo\\n' | kubectl exec -i ${pod.name} -- sh -c 'wc -l; hostname'`);
    expect(piped).toMatchObject({ output: `2\n${pod.name}\n`, exitCode: 0 });
    // Exit statuses as kubectl reports them.
    expect(await lab.kubectl(['exec', pod.name, '--', 'sh', '-c', 'exit 3'])).toMatchObject({ output: 'command terminated with exit code 3\n', exitCode: 3 });
    const missing = await lab.kubectl(['exec', pod.name, '--', 'no-such-program']);
    expect(missing.exitCode).toBe(126);
    expect(missing.output).toContain('exec: "no-such-program": executable file not found in $PATH');
    // kube-proxy's pod is on the host network: exec there runs in the node's own namespace.
    const kp = s.pods.find((p) => p.namespace === 'kube-system' && p.name.startsWith('kube-proxy-') && p.node === pod.node)!;
    const kpExec = await lab.kubectl(['exec', '-n', 'kube-system', kp.name, '--', 'sh', '-c', 'hostname; pgrep -x kube-proxy >/dev/null && echo kube-proxy runs here']);
    expect(kpExec).toMatchObject({ output: `${pod.node}\nkube-proxy runs here\n`, exitCode: 0 });
  });

  it('Ctrl-C on kubectl exec in a node stops the command in the pod', async () => {
    const s = await lab.snapshot();
    const pod = s.pods.find((p) => p.labels.app === 'nginx' && p.phase === 'Running')!;
    const r = await lab.exec(pod.node, `timeout -s INT 2 kubectl exec ${pod.name} -- sleep 37; echo "status $?"`);
    expect(r.output).toMatch(/status (124|130)\n$/);
    // (The [s] keeps pgrep from finding the shell that runs it.)
    await until('the sleep in the pod to be gone', async () => ((await lab.exec(pod.node, 'pgrep -f "[s]leep 37" || echo none')).output === 'none\n' ? true : undefined), 10_000);
    // Ctrl-C while the exec is still being set up (a busy engine is slow to start one): the program
    // either never starts (the abort mark) or is signalled once its pid is known; it does not stay.
    const engine = await connectEngine();
    const [info] = await engine.docker.listContainers({ filters: JSON.stringify({ label: [`${LAB_LABEL}=${LAB}`, `chainlab.node=${pod.node}`] }) });
    const container = engine.docker.getContainer(info!.Id);
    const early = new AbortController();
    const t0 = Date.now();
    const running = execInPodNamespace(container, { netns: null, pod: pod.name }, ['sleep', '38'], { stdin: '', stdout: () => {}, stderr: () => {}, signal: early.signal },
      async (pidfile, action) => { await execIn(container, ['sh', '-c', pidActionScript(pidfile, action)]); });
    early.abort();
    expect(await running).toBe(130);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect((await lab.exec(pod.node, 'pgrep -f "[s]leep 38" || echo none')).output).toBe('none\n');
  });

  it('still reaches the pod when a foreign process listens on the NodePort (seed 000)', async () => {
    const started = await lab.exec('k8s1', '(setsid python3 -m http.server 30450 >/dev/null 2>&1 &) ; for i in $(seq 1 50); do lsof -i:30450 && break; sleep 0.2; done');
    expect(started.output).toMatch(/python3\s+\d+\s+root\s+\d+u\s+IPv4\s+\d+\s+0t0\s+TCP \*:30450 \(LISTEN\)/);
    const ip = (await lab.snapshot()).nodes.find((n) => n.name === 'k8s1')!.ip;
    const res = await httpGet(ip, 30450);
    expect(res.server).toMatch(/^nginx\//);
    await lab.exec('k8s1', 'pkill -f "http.server 30450"');
  });

  it('kill -9 of kube-proxy: the rules stay, and a new Service gets none on that node', async () => {
    const kill = await lab.exec('k8s2', 'kill -9 $(pgrep -x kube-proxy)');
    expect(kill.exitCode).toBe(0);
    await until('kubelet to see kube-proxy gone', async () => {
      const s = await lab.snapshot();
      return s.nodes.find((n) => n.name === 'k8s2')?.kubeProxy.state === 'killed' ? true : (await lab.advance(500), undefined);
    });
    const before = kubeLines(await lab.installedRules('k8s2'));
    const r = await lab.kubectl(['create', 'service', 'nodeport', 'web', '--tcp=8080:80', '--node-port=31080']);
    expect(r.exitCode, r.output).toBe(0);
    await lab.settle();
    expect(kubeLines(await lab.installedRules('k8s1')).some((l) => l.includes('--dport 31080'))).toBe(true);
    expect(kubeLines(await lab.installedRules('k8s2'))).toEqual(before);
    const ip2 = (await lab.snapshot()).nodes.find((n) => n.name === 'k8s2')!.ip;
    expect((await httpGet(ip2, 30450)).body).toContain('Welcome to nginx!');
  });
});

describe('docker backend, a later process', () => {
  it('attach takes over the running nodes: pods, kube-proxy states, and later changes reach them', async () => {
    const brain = lab.cluster;
    await lab.detach();
    lab = await attachDockerLab(lab.spec, { agentPath, brain });
    const s = await lab.snapshot();
    expect(s.nodes.map((n) => [n.name, n.kubeProxy.state])).toEqual([['k8s1', 'running'], ['k8s2', 'killed']]);
    const r = await lab.kubectl(['create', 'service', 'nodeport', 'later', '--tcp=8081:80', '--node-port=31081']);
    expect(r.exitCode, r.output).toBe(0);
    expect(kubeLines(await lab.installedRules('k8s1')).some((l) => l.includes('--dport 31081'))).toBe(true);
    expect(kubeLines(await lab.installedRules('k8s2')).some((l) => l.includes('--dport 31081'))).toBe(false);
    const ip = s.nodes.find((n) => n.name === 'k8s1')!.ip;
    expect((await httpGet(ip, 30450)).server).toMatch(/^nginx\//);
  });
});

describe('docker backend teardown', () => {
  it('down leaves nothing with the lab label', async () => {
    await lab.close();
    const { docker } = await connectEngine();
    const filters = JSON.stringify({ label: [`${LAB_LABEL}=${LAB}`] });
    expect(await docker.listContainers({ all: true, filters })).toEqual([]);
    expect(await docker.listNetworks({ filters })).toEqual([]);
    lab = undefined as unknown as DockerLab;
  });
});
