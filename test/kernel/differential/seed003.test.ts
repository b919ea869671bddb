import { describeDifferential } from './case.js';
import { seed003Cases, seed003Topology } from './seed003.js';

describeDifferential('seed 003: the real k8s1 dump (kube-proxy 1.22, flannel, docker, libvirt)', seed003Topology, seed003Cases);
