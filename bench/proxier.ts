// Proxier generation time and heap for large clusters, against the kernel's
// own iptables-restore of the same 10k-service output (run in a throwaway
// network namespace when root). Figures only; nothing here passes or fails.
//   npx tsx bench/proxier.ts        (npm run bench passes --expose-gc)
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { clearChainNameCache, syncProxyRules } from '../core/engine/proxier/index.js';
import type { ProxierInput } from '../core/engine/proxier/types.js';
import type { EndpointSliceObject, ServiceObject } from '../core/engine/k8s/types.js';

function cluster(services: number, endpoints: number): ProxierInput {
  const svcs: ServiceObject[] = [];
  const slices: EndpointSliceObject[] = [];
  for (let i = 0; i < services; i++) {
    const name = `svc-${i}`;
    svcs.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'bench' },
      spec: { type: i % 10 === 0 ? 'NodePort' : 'ClusterIP', clusterIP: `10.${96 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`, ports: [{ name: 'http', port: 80, protocol: 'TCP', ...(i % 10 === 0 ? { nodePort: 30000 + (i % 2700) } : {}) }] },
    });
    const eps = [];
    for (let e = 0; e < endpoints; e++) {
      const n = i * endpoints + e;
      eps.push({ addresses: [`10.${128 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`], nodeName: `node-${e % 5}` });
    }
    slices.push({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: `${name}-1`, namespace: 'bench', labels: { 'kubernetes.io/service-name': name } }, addressType: 'IPv4', endpoints: eps, ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] });
  }
  return {
    version: '1.33',
    node: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-0' }, spec: { podCIDR: '10.128.0.0/24' }, status: { addresses: [{ type: 'InternalIP', address: '192.168.0.2' }] } },
    config: { apiVersion: 'kubeproxy.config.k8s.io/v1alpha1', kind: 'KubeProxyConfiguration', clusterCIDR: '10.128.0.0/9' },
    hostFacts: { randomFully: true, nfacct: false, tcpBeLiberal: false },
    services: svcs,
    endpointSlices: slices,
  };
}

const gc = (globalThis as { gc?: () => void }).gc;

// CPU time, not wall time: the figures stay comparable on a busy machine.
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** CPU time of finished children (cutime + cstime of /proc/self/stat, 100 ticks a second). */
const childCpuMs = (): number => {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) * 10;
};
const mib = (b: number): string => (b / 1048576).toFixed(1);

function measure(label: string, services: number, endpoints: number, runs: number): { ms: number; cold: number; restore: string } {
  const input = cluster(services, endpoints);
  // Cold: the first sync after start, every chain name hashed.
  clearChainNameCache();
  gc?.();
  const c0 = cpuMs();
  syncProxyRules(input);
  const cold = cpuMs() - c0;
  console.log(`proxier ${label} first sync (cold): ${cold.toFixed(1)} ms cpu`);
  let best = Infinity;
  let restore = '';
  let heap = 0;
  for (let r = 0; r < runs; r++) {
    gc?.();
    const before = process.memoryUsage().heapUsed;
    const t0 = cpuMs();
    const out = syncProxyRules(input);
    const ms = cpuMs() - t0;
    heap = Math.max(heap, process.memoryUsage().heapUsed - before);
    best = Math.min(best, ms);
    restore = out.restore;
  }
  const lines = restore.split('\n').length;
  console.log(`proxier ${label} resync: ${best.toFixed(1)} ms cpu (best of ${runs}, ${lines} restore lines)`);
  console.log(`proxier ${label} heap growth: ${mib(heap)} MiB${gc === undefined ? ' (no --expose-gc: baseline not collected)' : ''}`);
  return { ms: best, cold, restore };
}

measure('1k svc x 10 ep', 1000, 10, 5);
const big = measure('10k svc x 10 ep', 10000, 10, 3);
measure('100 svc x 1000 ep', 100, 1000, 3);

// Reference: the kernel's iptables-restore of the same 10k output.
if (process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v iptables-restore']).status === 0) {
  const ns = `chainlab-t-bench-${process.pid}-0`;
  if (spawnSync('ip', ['netns', 'add', ns]).status === 0) {
    try {
      const w0 = performance.now();
      const c0 = childCpuMs();
      // Bounded: nft-backed iptables-restore of ~100k chains can take many minutes.
      const r = spawnSync('ip', ['netns', 'exec', ns, 'iptables-restore', '--noflush'], { input: big.restore, maxBuffer: 1 << 28, timeout: 45 * 60_000 });
      const ms = childCpuMs() - c0;
      const wall = performance.now() - w0;
      if (r.error !== undefined) console.log(`kernel iptables-restore 10k svc x 10 ep: stopped after ${(wall / 1000).toFixed(0)} s wall (${r.error.message})`);
      else if (r.status !== 0) console.log(`kernel iptables-restore 10k svc x 10 ep: failed (${r.stderr.toString().trim().split('\n')[0]})`);
      else {
        console.log(`kernel iptables-restore 10k svc x 10 ep: ${ms.toFixed(0)} ms cpu (reference; ${(wall / 1000).toFixed(1)} s wall)`);
        console.log(`proxier 10k resync vs kernel restore: ${big.ms.toFixed(1)} ms cpu (${(big.ms / ms).toFixed(3)} x reference)`);
        console.log(`proxier 10k first sync vs kernel restore: ${big.cold.toFixed(1)} ms cpu (${(big.cold / ms).toFixed(3)} x reference)`);
      }
    } finally {
      spawnSync('ip', ['netns', 'del', ns]);
    }
  }
} else {
  console.log('kernel iptables-restore 10k svc x 10 ep: skipped (needs root and iptables-restore)');
}
