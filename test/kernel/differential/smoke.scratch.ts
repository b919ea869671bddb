import { createTopology, sweepStaleNamespaces } from '../helpers/topology.js';
import { KernelNode } from './kernel-harness.js';
sweepStaleNamespaces();
const t0 = Date.now();
const topo = await createTopology({
  nodeName: 'k8s1', nodeAddresses: ['10.210.40.172/24'], externalAddresses: ['10.210.40.1/24', '10.210.40.200/24'],
  podCIDR: '10.244.0.0/24', pods: [{ name: 'pod1', ip: '10.244.0.5', listen: [{ proto: 'tcp', port: 80 }, { proto: 'udp', port: 53 }] }],
  peers: [{ name: 'k8s2', ip: '10.210.40.173', podCIDR: '10.244.2.0/24', pods: [{ name: 'dns2', ip: '10.244.2.21', listen: [{ proto: 'udp', port: 53 }] }] }],
  viaNode: ['10.96.0.0/12'],
});
console.log('topology', Date.now() - t0);
try {
  const k = await KernelNode.start(topo);
  console.log('monitor', Date.now() - t0);
  k.load(`*nat
:PREROUTING ACCEPT [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-X - [0:0]
:KUBE-MARK-MASQ - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-SERVICES -d 10.98.69.149/32 -p tcp -m tcp --dport 3000 -j KUBE-SVC-X
-A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m udp --dport 53 -j DNAT --to-destination 10.244.2.21:53
-A KUBE-SVC-X ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-X -p tcp -j DNAT --to-destination 10.244.0.5:80
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
-A POSTROUTING -m mark --mark 0x4000/0x4000 -j MASQUERADE --random-fully
COMMIT
*filter
:FORWARD ACCEPT [0:0]
-A FORWARD -p tcp --dport 81 -j DROP
COMMIT
`);
  for (const p of [
    { from: 'ext', proto: 'tcp' as const, dst: '10.98.69.149', dport: 3000 },
    { from: 'node', proto: 'tcp' as const, dst: '10.98.69.149', dport: 3000 },
    { from: 'pod1', proto: 'udp' as const, dst: '10.96.0.10', dport: 53 },
    { from: 'ext', proto: 'tcp' as const, dst: '10.244.0.5', dport: 81 },
  ]) {
    const t1 = Date.now();
    const o = await k.probe(p);
    console.log(Date.now() - t1, 'ms', JSON.stringify({ ...o, lines: o.lines.length }, null, 1));
  }
  k.stop();
} finally { topo.destroy(); }
