// Seed 003 ("Kubernetes Kube-Proxy IPTables"): the real `iptables-save` of node
// k8s1 (kube-proxy v1.22.8, flannel, docker, libvirt rules), loaded verbatim.
// The topology rebuilds what the article shows: k8s1 10.210.40.172 with pod
// range 10.244.0.0/24 (coredns-cvpx2 10.244.0.5), k8s2 (coredns-hf5sj
// 10.244.2.21), k8s3 (nginx 10.244.3.38), the API server endpoint
// 192.168.100.1:6443 outside the cluster. Pods elsewhere are reached through
// the node network (host-gw style; the article's flannel uses VXLAN).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TopologySpec } from '../helpers/topology.js';
import type { DiffCase } from './case.js';

const seedPath = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'seeds', '003_90a3171e736d5ab9.txt');

/** The dump printed after `lab@k8s1:~$ sudo iptables-save` in the article. */
export function seed003Dump(): string {
  const text = readFileSync(seedPath, 'utf8');
  const start = text.indexOf('lab@k8s1:~$ sudo iptables-save\n');
  if (start < 0) throw new Error(`${seedPath}: no "sudo iptables-save" on k8s1`);
  const body = text.slice(start).split('\n').slice(1);
  const end = body.findIndex((l) => l.startsWith('lab@'));
  return `${body.slice(0, end).join('\n')}\n`;
}

export const seed003Topology: TopologySpec = {
  nodeName: 'k8s1',
  nodeAddresses: ['10.210.40.172/24'],
  externalAddresses: ['10.210.40.1/24', '10.210.40.200/24', '192.168.100.1/32'],
  externalListeners: [{ proto: 'tcp', port: 6443, address: '192.168.100.1' }],
  podCIDR: '10.244.0.0/24',
  pods: [
    { name: 'coredns-cvpx2', ip: '10.244.0.5', listen: [{ proto: 'udp', port: 53 }, { proto: 'tcp', port: 53 }, { proto: 'tcp', port: 9153 }] },
    { name: 'client', ip: '10.244.0.20' },
  ],
  peers: [
    { name: 'k8s2', ip: '10.210.40.173', podCIDR: '10.244.2.0/24', pods: [{ name: 'coredns-hf5sj', ip: '10.244.2.21', listen: [{ proto: 'udp', port: 53 }, { proto: 'tcp', port: 53 }, { proto: 'tcp', port: 9153 }] }] },
    { name: 'k8s3', ip: '10.210.40.175', podCIDR: '10.244.3.0/24', pods: [{ name: 'nginx', ip: '10.244.3.38', listen: [{ proto: 'tcp', port: 80 }] }] },
  ],
  viaNode: ['10.96.0.0/12', '10.210.52.212/32'],
};

const NODE = '10.210.40.172';
const dnsBoth = ['pod 10.244.0.5:53', 'forward 10.244.2.21:53'];

export const seed003Cases: DiffCase[] = [
  {
    name: 'my-nginx-svc ClusterIP from a pod: DNAT to nginx on k8s3, masqueraded by the host rule -o eth0 -j MASQUERADE',
    ruleset: seed003Dump,
    probes: [{ from: 'client', proto: 'tcp', dst: '10.98.69.149', dport: 3000, expect: { delivery: 'forward 10.244.3.38:80', snat: NODE, sender: 'connected' } }],
  },
  {
    name: 'my-nginx-svc ClusterIP from the node (curl 10.98.69.149:3000 on k8s1)',
    ruleset: seed003Dump,
    probes: [{ from: 'node', proto: 'tcp', dst: '10.98.69.149', dport: 3000, expect: { delivery: 'forward 10.244.3.38:80', snat: NODE, sender: 'connected' } }],
  },
  {
    name: 'my-nginx-svc ClusterIP from outside the cluster: KUBE-MARK-MASQ (source not in 10.244.0.0/16)',
    ruleset: seed003Dump,
    probes: [{ from: 'ext', proto: 'tcp', dst: '10.98.69.149', dport: 3000, expect: { delivery: 'forward 10.244.3.38:80', snat: NODE, sender: 'connected' } }],
  },
  {
    name: 'kube-dns over UDP from a pod: one of two endpoints (statistic 0.5)',
    ruleset: seed003Dump,
    probes: [{ from: 'client', proto: 'udp', dst: '10.96.0.10', dport: 53, expect: { delivery: dnsBoth, sender: 'replied' } }],
  },
  {
    name: 'kube-dns over UDP from the node',
    ruleset: seed003Dump,
    probes: [{ from: 'node', proto: 'udp', dst: '10.96.0.10', dport: 53, expect: { delivery: dnsBoth, sender: 'replied' } }],
  },
  {
    name: 'kube-dns over UDP from outside the cluster',
    ruleset: seed003Dump,
    probes: [{ from: 'ext', proto: 'udp', dst: '10.96.0.10', dport: 53, expect: { delivery: dnsBoth, sender: 'replied' } }],
  },
  {
    name: 'kube-dns dns-tcp from a pod',
    ruleset: seed003Dump,
    probes: [{ from: 'client', proto: 'tcp', dst: '10.96.0.10', dport: 53, expect: { delivery: dnsBoth, sender: 'connected' } }],
  },
  {
    name: 'kube-dns metrics (9153/tcp) from the node',
    ruleset: seed003Dump,
    probes: [{ from: 'node', proto: 'tcp', dst: '10.96.0.10', dport: 9153, expect: { delivery: ['pod 10.244.0.5:9153', 'forward 10.244.2.21:9153'], sender: 'connected' } }],
  },
  {
    name: 'the kubernetes Service from a pod: DNAT to the API server 192.168.100.1:6443 outside the pod network',
    ruleset: seed003Dump,
    probes: [{ from: 'client', proto: 'tcp', dst: '10.96.0.1', dport: 443, expect: { delivery: 'forward 192.168.100.1:6443', snat: NODE, sender: 'connected' } }],
  },
  {
    name: 'the kubernetes Service from the node',
    ruleset: seed003Dump,
    probes: [{ from: 'node', proto: 'tcp', dst: '10.96.0.1', dport: 443, expect: { delivery: 'forward 192.168.100.1:6443', snat: NODE, sender: 'connected' } }],
  },
  {
    name: 'a connection to the node itself (port 22, nothing listens): KUBE-NODEPORTS and DOCKER pass, INPUT accepts, the kernel resets',
    ruleset: seed003Dump,
    probes: [{ from: 'ext', proto: 'tcp', dst: NODE, dport: 22, expect: { delivery: `local ${NODE}:22`, snat: null, sender: 'refused' } }],
  },
  {
    name: 'a pod to a pod on k8s3 without a Service',
    ruleset: seed003Dump,
    probes: [{ from: 'client', proto: 'tcp', dst: '10.244.3.38', dport: 80, expect: { delivery: 'forward 10.244.3.38:80', snat: NODE, sender: 'connected' } }],
  },
  {
    name: "docker's port forward 10.210.52.212:2201 -> 172.25.11.1:22 (nat PREROUTING DNAT of the host)",
    ruleset: seed003Dump,
    probes: [{ from: 'ext', proto: 'tcp', dst: '10.210.52.212', dport: 2201, expect: { delivery: 'forward 172.25.11.1:22', snat: NODE } }],
  },
  {
    name: 'a pod to the coredns pod on the same node without a Service: bridged on cni0, br_netfilter still runs the iptables hooks',
    ruleset: seed003Dump,
    probes: [{ from: 'client', proto: 'udp', dst: '10.244.0.5', dport: 53, expect: { delivery: 'pod 10.244.0.5:53', snat: null, sender: 'replied' } }],
  },
];
