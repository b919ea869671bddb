// Docker backend figures: `up` of a 3-node lab (image present), one Service
// change until every node's rules are installed, memory per node container.
// Reference, measured in the same run: one bare `docker run` of the node image
// (create + start + exec + remove), the floor any container-based node pays.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connectEngine, createDockerLab, removeDockerLab, NODE_IMAGE } from '../core/host/docker/index.js';
import { formatTiming } from '../core/host/docker/lab.js';

const agentPath = 'dist/agent/kube-proxy.mjs';
if (!existsSync(agentPath)) execFileSync('node', ['scripts/build.mjs'], { stdio: 'inherit' });
const engine = await connectEngine();
console.log(`machine load (1 min): ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]} (on ${(await import('node:os')).cpus().length} cores)`);
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
// Where a sync's time goes: the one exec per node, kube-proxy's own share of it.
const synced = lab.timings.filter((x) => x.nodes.length > 0);
for (const x of synced.slice(-2)) console.log(`sync ${x.generation}: ${formatTiming(x)}`);
const execs = synced.flatMap((x) => x.nodes.map((n) => n.execMs));
const agents = synced.flatMap((x) => x.nodes.flatMap((n) => (n.agentMs !== undefined ? [n.agentMs] : [])));
if (execs.length > 0) console.log(`node sync exec, mean: ${(execs.reduce((a, b) => a + b, 0) / execs.length).toFixed(0)} ms (${(execs.reduce((a, b) => a + b, 0) / execs.length / bare).toFixed(2)}x reference)`);
if (agents.length > 0) console.log(`kube-proxy sync in the node, mean: ${(agents.reduce((a, b) => a + b, 0) / agents.length).toFixed(0)} ms`);

const containers = await engine.docker.listContainers({ filters: JSON.stringify({ label: [`chainlab.lab=${LAB}`] }) });
for (const ci of containers) {
  const stats = await engine.docker.getContainer(ci.Id).stats({ stream: false });
  console.log(`memory, node ${ci.Labels['chainlab.node']}: ${(stats.memory_stats.usage / 1048576).toFixed(1)} MiB`);
}
} finally {
  await lab.close();
}
