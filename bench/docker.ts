// Docker backend figures: `up` of a 3-node lab (image present), one Service
// change until every node's rules are installed, memory per node container.
// Reference, measured in the same run: one bare `docker run` of the node image
// (create + start + exec + remove), the floor any container-based node pays.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connectEngine, createDockerLab, removeDockerLab, NODE_IMAGE } from '../core/host/docker/index.js';

const agentPath = 'dist/agent/kube-proxy.mjs';
if (!existsSync(agentPath)) execFileSync('node', ['scripts/build.mjs'], { stdio: 'inherit' });
const engine = await connectEngine();
const LAB = `bench-${process.pid}`;
await removeDockerLab(engine.docker, LAB);

let t = performance.now();
const c = await engine.docker.createContainer({ Image: NODE_IMAGE, Cmd: ['sleep', 'infinity'], Labels: { 'chainlab.lab': LAB } });
await c.start();
execFileSync('docker', ['exec', c.id, 'true']);
await c.remove({ force: true });
const bare = performance.now() - t;
console.log(`reference: one bare node-image container (create, start, exec, remove): ${bare.toFixed(0)} ms`);

t = performance.now();
const lab = await createDockerLab({ name: LAB, nodes: 3, kubeProxyVersion: '1.33', backend: 'docker', restartKubeProxy: false }, { engine, agentPath });
const up = performance.now() - t;
console.log(`up, 3-node docker lab: ${(up / 1000).toFixed(2)} s (${(up / bare).toFixed(1)}x reference)`);

t = performance.now();
try {
const r = await lab.kubectl(['create', 'service', 'nodeport', 'bench', '--tcp=80:80', '--node-port=31999']);
if (r.exitCode !== 0) throw new Error(r.output);
for (const n of ['k8s1', 'k8s2', 'k8s3']) {
  const end = Date.now() + 10_000;
  for (;;) {
    const { output } = await lab.exec(n, 'iptables-save | grep -c "dport 31999" || true');
    if (Number(output.trim()) > 0) break;
    if (Date.now() > end) throw new Error(`rules never reached ${n}`);
  }
}
const change = performance.now() - t;
console.log(`one Service change installed on every node (read back): ${change.toFixed(0)} ms (${(change / bare).toFixed(2)}x reference)`);

const containers = await engine.docker.listContainers({ filters: JSON.stringify({ label: [`chainlab.lab=${LAB}`] }) });
for (const ci of containers) {
  const stats = await engine.docker.getContainer(ci.Id).stats({ stream: false });
  console.log(`memory, node ${ci.Labels['chainlab.node']}: ${(stats.memory_stats.usage / 1048576).toFixed(1)} MiB`);
}
} finally {
  await lab.close();
}
