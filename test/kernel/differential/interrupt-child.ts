// Child process of the cleanup test: builds a topology, says so, and waits to
// be interrupted. The topology's signal handlers must remove its namespaces.
import { createTopology } from '../helpers/topology.js';

const topo = await createTopology({
  nodeName: 'interrupted',
  nodeAddresses: ['198.18.0.2/24'],
  externalAddresses: ['198.18.0.1/24', '198.18.0.100/24'],
  podCIDR: '10.250.1.0/24',
  pods: [{ name: 'p1', ip: '10.250.1.5', listen: [{ proto: 'tcp', port: 80 }] }],
});
process.stdout.write(`ready ${topo.namespaces.join(' ')}\n`);
setInterval(() => {}, 1_000);
