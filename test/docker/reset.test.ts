// Reset of a docker lab: the same node containers, back to the starting state
// (a fresh cluster, no user process, no pod, kube-proxy's rules of the fresh
// cluster only), through the Lab API and through `chainlab reset`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectEngine, createDockerLab, removeDockerLab, LAB_LABEL, type DockerLab } from '../../core/host/docker/index.js';
import { saveRuleset } from '../../core/engine/iptables/index.js';
import { until, httpGet, cliWithHome } from './helpers.js';

const LAB = `t-reset-${process.pid}`;
const CLI_LAB = `t-reset-cli-${process.pid}`;
const agentPath = 'dist/agent/kube-proxy.mjs';
const home = mkdtempSync(join(tmpdir(), 'chainlab-reset-docker-'));
const cli = cliWithHome(home);
let lab: DockerLab;

const manifest = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: echo, image: registry.k8s.io/e2e-test-images/agnhost:2.39, ports: [{containerPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080, nodePort: 30470}]
`;

/** What a user changed by hand in the node, and what the cluster put there. */
async function dirtyTheNode(l: DockerLab): Promise<void> {
  const r = await l.apply(manifest);
  expect(r.exitCode, r.output).toBe(0);
  await until('the web pod to run', async () => {
    await l.advance(300);
    return (await l.snapshot()).pods.find((p) => p.labels.app === 'web' && p.phase === 'Running');
  });
  await l.settle();
  const user = await l.exec('k8s1', '(setsid python3 -m http.server 8081 >/dev/null 2>&1 &); iptables -t nat -N MY-CHAIN && iptables -t nat -A OUTPUT -p tcp --dport 9999 -j MY-CHAIN; for i in $(seq 1 50); do pgrep -f "http[.]server 8081" && break; sleep 0.1; done');
  expect(user.exitCode, user.output).toBe(0);
}

beforeAll(async () => {
  if (!existsSync(agentPath)) execFileSync('node', ['scripts/build.mjs'], { stdio: 'inherit' });
  const engine = await connectEngine();
  await removeDockerLab(engine.docker, LAB);
  await removeDockerLab(engine.docker, CLI_LAB);
  lab = await createDockerLab({ name: LAB, nodes: 1, kubeProxyVersion: '1.33', backend: 'docker', restartKubeProxy: false }, { engine, agentPath });
});

afterAll(async () => {
  if (lab) await lab.close().catch(() => undefined);
  const { docker } = await connectEngine();
  await removeDockerLab(docker, LAB);
  await removeDockerLab(docker, CLI_LAB);
  rmSync(home, { recursive: true, force: true });
});

describe('reset of a docker lab', () => {
  it('goes back to the starting state on the same containers', async () => {
    const { docker } = await connectEngine();
    const idsBefore = (await docker.listContainers({ filters: JSON.stringify({ label: [`${LAB_LABEL}=${LAB}`] }) })).map((c) => c.Id);
    const fresh = saveRuleset(await lab.installedRules('k8s1'), { counters: false });
    await dirtyTheNode(lab);
    const ip = (await lab.snapshot()).nodes[0]!.ip;
    expect((await httpGet(ip, 30470)).body).toMatch(/^default\/web-/);

    await lab.reset();

    const idsAfter = (await docker.listContainers({ filters: JSON.stringify({ label: [`${LAB_LABEL}=${LAB}`] }) })).map((c) => c.Id);
    expect(idsAfter).toEqual(idsBefore);
    const svcs = await lab.kubectl(['get', 'svc', '-A', '-o', 'jsonpath={.items[*].metadata.name}']);
    expect(svcs.output.split(' ').sort()).toEqual(['kube-dns', 'kubernetes']);
    expect((await lab.snapshot()).pods.some((p) => p.labels.app === 'web')).toBe(false);
    const ps = await lab.exec('k8s1', 'pgrep -f "http[.]server 8081" || echo none; ip netns list | grep -c "^pod-" ; pgrep -x kube-proxy >/dev/null && echo kube-proxy running');
    expect(ps.output).toMatch(/^none\n/);
    expect(ps.output).toContain('kube-proxy running');
    // The rules are the fresh cluster's: no user chain, no NodePort of the deleted Service.
    const after = saveRuleset(await lab.installedRules('k8s1'), { counters: false });
    expect(after).not.toContain('MY-CHAIN');
    expect(after).not.toContain('30470');
    const kube = (t: string): string[] => t.split('\n').filter((l) => /^-A KUBE-(SERVICES|NODEPORTS)\b/.test(l)).map((l) => l.replace(/KUBE-SVC-\w+/, 'KUBE-SVC'));
    expect(kube(after).length).toBeGreaterThan(0);
    expect(kube(after).filter((l) => !/coredns|kube-dns|default\/kubernetes/.test(l))).toEqual(kube(fresh).filter((l) => !/coredns|kube-dns|default\/kubernetes/.test(l)));
    await expect(httpGet(ip, 30470)).rejects.toThrow();
    expect((await lab.snapshot()).nodes[0]!.kubeProxy.state).toBe('running');
  });

  it('works again after the reset: a new Service answers on its NodePort', async () => {
    await dirtyTheNode(lab);
    const ip = (await lab.snapshot()).nodes[0]!.ip;
    expect((await httpGet(ip, 30470)).body).toMatch(/^default\/web-/);
  });

  it('chainlab reset on a docker lab: same nodes, a fresh cluster, saved', async () => {
    const up = await cli('up', '--backend', 'docker', '--nodes', '1', '--name', CLI_LAB);
    expect(up.code, up.err).toBe(0);
    const made = await cli('kubectl', '--lab', CLI_LAB, 'create', 'service', 'nodeport', 'gone', '--tcp=80:80', '--node-port=30471');
    expect(made.code, made.err).toBe(0);
    expect((await cli('exec', '--lab', CLI_LAB, 'k8s1', '--', 'iptables-save | grep -c 30471')).out.trim()).not.toBe('0');
    const r = await cli('reset', '--lab', CLI_LAB);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`Lab "${CLI_LAB}" is back to its starting state.`);
    expect((await cli('kubectl', '--lab', CLI_LAB, 'get', 'svc', 'gone')).err).toContain('services "gone" not found');
    const rules = await cli('exec', '--lab', CLI_LAB, 'k8s1', '--', 'iptables-save | grep -c 30471');
    expect(rules.out.trim()).toBe('0');
    expect((await cli('down', '--lab', CLI_LAB)).code).toBe(0);
  });
});
