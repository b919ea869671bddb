import { describeDifferential } from './case.js';
import { shapesTopology } from './shapes-cluster.js';
import { proxier122Cases, shapeCases, userRuleCases } from './shapes.js';

describeDifferential('our proxier (1.33) for every Service shape, on node-a', shapesTopology, shapeCases);
describeDifferential('user rules in raw, mangle, nat and filter on top of kube-proxy', shapesTopology, userRuleCases);
describeDifferential('our proxier (1.22 layout) on the same cluster', shapesTopology, proxier122Cases);
