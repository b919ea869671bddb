// Several docker labs at once: each takes its own node network (a free /24),
// answers on its own NodePort, and `down` of one leaves the other running.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { connectEngine, createDockerLab, removeDockerLab, LAB_LABEL, type DockerLab } from '../../core/host/docker/index.js';
import { cidrsOverlap, dockerSubnets } from '../../core/host/docker/lifecycle.js';
import { until, httpGet } from './helpers.js';

const A = `t-multi-a-${process.pid}`;
const B = `t-multi-b-${process.pid}`;
const agentPath = 'dist/agent/kube-proxy.mjs';
const labs: Record<string, DockerLab> = {};

/** A Deployment whose pods answer with their own name (the echo server), behind NodePort 30460. */
const manifest = (app: string): string => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${app}, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${app}}}
  template:
    metadata: {labels: {app: ${app}}}
    spec:
      containers:
      - {name: echo, image: registry.k8s.io/e2e-test-images/agnhost:2.39, ports: [{containerPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: ${app}, namespace: default}
spec:
  type: NodePort
  selector: {app: ${app}}
  ports: [{port: 80, targetPort: 8080, nodePort: 30460}]
`;

async function upWithApp(name: string, app: string): Promise<DockerLab> {
  const engine = await connectEngine();
  await removeDockerLab(engine.docker, name);
  const lab = await createDockerLab({ name, nodes: 1, kubeProxyVersion: '1.33', backend: 'docker', restartKubeProxy: false }, { engine, agentPath });
  const r = await lab.apply(manifest(app));
  expect(r.exitCode, r.output).toBe(0);
  await until(`the ${app} pod to run`, async () => {
    await lab.advance(300);
    return (await lab.snapshot()).pods.find((p) => p.labels.app === app && p.phase === 'Running');
  });
  await lab.settle();
  return lab;
}

beforeAll(async () => {
  if (!existsSync(agentPath)) execFileSync('node', ['scripts/build.mjs'], { stdio: 'inherit' });
  // Both come up at the same time: each must find a /24 of its own.
  [labs.a, labs.b] = await Promise.all([upWithApp(A, 'app-a'), upWithApp(B, 'app-b')]);
});

afterAll(async () => {
  const { docker } = await connectEngine();
  for (const l of Object.values(labs)) await l.close().catch(() => undefined);
  await removeDockerLab(docker, A);
  await removeDockerLab(docker, B);
});

describe('two docker labs at once', () => {
  it('gives each lab its own node network, with its nodes on it', async () => {
    const a = labs.a!.spec.nodeSubnet!;
    const b = labs.b!.spec.nodeSubnet!;
    expect(a).toMatch(/^192\.168\.\d+\.0\/24$/);
    expect(b).toMatch(/^192\.168\.\d+\.0\/24$/);
    expect(cidrsOverlap(a, b)).toBe(false);
    const { docker } = await connectEngine();
    const nets = await dockerSubnets(docker);
    expect(nets.find((n) => n.network === `chainlab-${A}`)?.subnet).toBe(a);
    expect(nets.find((n) => n.network === `chainlab-${B}`)?.subnet).toBe(b);
    const ipA = (await labs.a!.snapshot()).nodes[0]!.ip;
    const ipB = (await labs.b!.snapshot()).nodes[0]!.ip;
    expect(ipA).toBe(a.replace(/0\/24$/, '2'));
    expect(ipB).toBe(b.replace(/0\/24$/, '2'));
    expect((await labs.a!.exec('k8s1', 'ip -4 -o addr show eth0')).output).toContain(`${ipA}/24`);
  });

  it('answers curl on the same NodePort of each lab with that lab\'s own pod', async () => {
    const ipA = (await labs.a!.snapshot()).nodes[0]!.ip;
    const ipB = (await labs.b!.snapshot()).nodes[0]!.ip;
    const ra = await httpGet(ipA, 30460);
    const rb = await httpGet(ipB, 30460);
    expect(ra.status).toBe(200);
    expect(ra.body).toMatch(/^default\/app-a-/);
    expect(rb.status).toBe(200);
    expect(rb.body).toMatch(/^default\/app-b-/);
  });

  it('down of one lab removes its containers and network and leaves the other answering', async () => {
    await labs.a!.close();
    delete labs.a;
    const { docker } = await connectEngine();
    const left = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${LAB_LABEL}=${A}`] }) });
    expect(left).toEqual([]);
    expect((await dockerSubnets(docker)).some((n) => n.network === `chainlab-${A}`)).toBe(false);
    const ipB = (await labs.b!.snapshot()).nodes[0]!.ip;
    const rb = await httpGet(ipB, 30460);
    expect(rb.body).toMatch(/^default\/app-b-/);
    const svc = await labs.b!.kubectl(['get', 'svc', 'app-b', '-o', 'jsonpath={.spec.ports[0].nodePort}']);
    expect(svc.output).toBe('30460');
  });
});
