// Docker backend figures: `up` of a 3-node lab (image present), one Service
// change until every node's rules are installed and read back, a reset, memory
// per node container.
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

try {
// The clock stops when every node's rules, as read back from the node, hold the new NodePort
// (the lab's `rules` events come from the read-back, never from what was written).
const seen = new Set<string>();
let allSeen: () => void = () => {};
const everyNode = new Promise<void>((resolve) => { allSeen = resolve; });
const stop = lab.on((e) => {
  if (e.type === 'rules' && e.change.added.some((l) => l.includes('31999'))) seen.add(e.change.node);
  if (seen.size === 3) allSeen();
});
t = performance.now();
const r = await lab.kubectl(['create', 'service', 'nodeport', 'bench', '--tcp=80:80', '--node-port=31999']);
if (r.exitCode !== 0) throw new Error(r.output);
await Promise.race([everyNode, new Promise((_, reject) => setTimeout(() => reject(new Error(`rules read back from ${[...seen].join(', ') || 'no node'} only`)), 10_000))]);
const change = performance.now() - t;
stop();
console.log(`one Service change installed on every node (read back): ${change.toFixed(0)} ms (${(change / bare).toFixed(2)}x reference)`);
// Checked after the clock stopped: each node's own iptables-save has the rule.
for (const n of ['k8s1', 'k8s2', 'k8s3']) {
  const rules = JSON.stringify(await lab.installedRules(n));
  if (!rules.includes('31999')) throw new Error(`${n}: the NodePort rule is not in iptables-save`);
}
// Where a sync's time goes: the one exec per node, kube-proxy's own share of it.
const synced = lab.timings.filter((x) => x.nodes.length > 0);
for (const x of synced.slice(-2)) console.log(`sync ${x.generation}: ${formatTiming(x)}`);
const execs = synced.flatMap((x) => x.nodes.map((n) => n.execMs));
const agents = synced.flatMap((x) => x.nodes.flatMap((n) => (n.agentMs !== undefined ? [n.agentMs] : [])));
if (execs.length > 0) console.log(`node sync exec, mean: ${(execs.reduce((a, b) => a + b, 0) / execs.length).toFixed(0)} ms (${(execs.reduce((a, b) => a + b, 0) / execs.length / bare).toFixed(2)}x reference)`);
if (agents.length > 0) console.log(`kube-proxy sync in the node, mean: ${(agents.reduce((a, b) => a + b, 0) / agents.length).toFixed(0)} ms`);

t = performance.now();
await lab.reset();
console.log(`reset of the 3-node lab (fresh cluster, nodes cleaned, kube-proxy restarted, first sync read back): ${(performance.now() - t).toFixed(0)} ms`);

const containers = await engine.docker.listContainers({ filters: JSON.stringify({ label: [`chainlab.lab=${LAB}`] }) });
for (const ci of containers) {
  const stats = await engine.docker.getContainer(ci.Id).stats({ stream: false });
  console.log(`memory, node ${ci.Labels['chainlab.node']}: ${(stats.memory_stats.usage / 1048576).toFixed(1)} MiB`);
}
} finally {
  await lab.close();
}
