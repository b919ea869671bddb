// The node's ruleset for a scenario, from our proxier (syncProxyRules + the
// node's iptables-save view), and the node description the packet engine gets.

import { nodeIptablesSave, syncProxyRules } from '../../../../core/engine/proxier/index.js';
import type { ProxierInput } from '../../../../core/engine/proxier/types.js';
import type { NodeDescription } from '../../../../core/engine/packet/index.js';
import { input, node } from '../../proxier/helpers.js';
import { NODE_IPS_V4, NODE_IPS_V6, NODE_NAME, type Scenario } from './scenarios.js';

export function proxierInput(s: Scenario): ProxierInput {
  const addresses = s.family === 4 ? [...NODE_IPS_V4, ...NODE_IPS_V6] : [...NODE_IPS_V6, ...NODE_IPS_V4];
  // nfacct on: kube-proxy's fake proxier has both nfacct counters.
  return input(s.services, s.slices, { node: node(NODE_NAME, addresses), config: s.config, facts: { nfacct: true, randomFully: false } });
}

/**
 * kube-proxy trims loadBalancerSourceRanges (its tests pass " 203.0.113.0/25" on
 * purpose); our proxier drops such a range instead. The fixtures are generated
 * from trimmed ranges, i.e. the rules kube-proxy writes.
 */
export function withTrimmedSourceRanges(s: Scenario): Scenario {
  return {
    ...s,
    services: s.services.map((svc) =>
      svc.spec.loadBalancerSourceRanges === undefined ? svc : { ...svc, spec: { ...svc.spec, loadBalancerSourceRanges: svc.spec.loadBalancerSourceRanges.map((r) => r.trim()) } },
    ),
  };
}

/** iptables-save of the node after kube-proxy's sync (what `chainlab trace --rules` would read). */
export function dumpOf(s: Scenario): string {
  const inp = proxierInput(s);
  const saved = nodeIptablesSave(inp, syncProxyRules(inp));
  if (!saved.ok) throw new Error(`${s.id}: ${saved.errors.map((e) => e.message).join('; ')}`);
  return saved.value;
}

export function engineNode(s: Scenario): NodeDescription {
  const v4 = s.family === 4;
  return {
    name: NODE_NAME,
    addresses: v4 ? NODE_IPS_V4.map((a) => `${a}/24`) : NODE_IPS_V6.map((a) => `${a}/64`),
    podCIDR: v4 ? '10.180.0.0/24' : 'fd00:10:180::/64',
    // Not .1: kube-proxy's tests use 10.180.0.1 as a pod.
    bridgeAddress: v4 ? '10.180.0.254' : 'fd00:10:180::fe',
    peers: [{ name: 'node2', ip: v4 ? '192.168.0.3' : '2001:db8::3', podCIDR: v4 ? '10.180.2.0/24' : 'fd00:10:180:2::/64' }],
    // kube-proxy sets route_localnet=1 when it accepts localhost NodePorts (IPv4 only).
    routeLocalnet: v4 && s.config.iptables?.localhostNodePorts !== false,
  };
}
