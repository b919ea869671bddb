// Runs one kube-proxy flow through our engine and says whether it agrees with
// kube-proxy's expectation, in terms both can state: the DNAT destinations
// (every one reachable, nothing else), the verdict, and masquerading.

import { parseCidr, parseIP, cidrContains } from '../../../../core/engine/net/ip.js';
import type { Ruleset } from '../../../../core/engine/iptables/model.js';
import { tracePacket, type Ingress, type NodeDescription, type PacketTrace } from '../../../../core/engine/packet/index.js';
import type { Flow, Scenario } from './scenarios.js';

/** kube-proxy's tracer does not say where a packet comes from; its source address does. */
export function ingressOf(s: Scenario, node: NodeDescription, src: string): Ingress {
  const ip = parseIP(src)!;
  const ownOrLoopback = src === '127.0.0.1' || src === '::1' || node.addresses.some((a) => a.split('/')[0] === src);
  if (ownOrLoopback) return 'node';
  const cluster = parseCidr(s.config.clusterCIDR ?? (s.family === 4 ? '10.0.0.0/8' : 'fd00:10::/64'))!;
  return cidrContains(cluster, ip) ? 'pod' : 'external';
}

export interface FlowResult {
  agrees: boolean;
  /** What our engine says, in kube-proxy's terms (for the failure message). */
  ours: string;
  trace: PacketTrace;
}

export function runFlow(s: Scenario, rs: Ruleset, node: NodeDescription, f: Flow): FlowResult {
  const ingress = ingressOf(s, node, f.src);
  const trace = tracePacket(rs, node, { ingress, proto: f.proto ?? 'tcp', src: f.src, sport: 45678, dst: f.dst, dport: f.dport });
  const outs = trace.outcomes;
  const verdicts = new Set(outs.map((o) => o.verdict));
  const dnats = [...new Set(outs.map((o) => o.dnatTo).filter((d): d is string => d !== null))].sort();
  const masq = outs.some((o) => o.masquerade);
  const allMasq = outs.every((o) => o.masquerade);
  const ours = `${ingress}: verdicts ${[...verdicts].join('/')}; DNAT ${dnats.join(', ') || 'none'}; masquerade ${masq ? (allMasq ? 'yes' : 'some') : 'no'}; ends ${outs.map((o) => `${o.key} (${o.probability})`).join(' | ')}`;
  let agrees: boolean;
  const e = f.expect;
  if (e === 'untouched') {
    agrees = verdicts.size === 1 && verdicts.has('ACCEPT') && dnats.length === 0 && !masq;
  } else if ('dnat' in e) {
    const want = [...e.dnat].sort();
    agrees =
      verdicts.size === 1 &&
      verdicts.has('ACCEPT') &&
      outs.every((o) => o.dnatTo !== null && o.probability > 0) &&
      JSON.stringify(dnats) === JSON.stringify(want) &&
      (f.masq ? allMasq : !masq);
  } else if (e.verdict === 'ACCEPT') {
    // kube-proxy's ACCEPT is its filter rule for the health check port: that rule must be the one that accepted.
    agrees = verdicts.size === 1 && verdicts.has('ACCEPT') && dnats.length === 0 && trace.steps.some((st) => st.table === 'filter' && st.chain === 'KUBE-NODEPORTS' && st.matched && st.action === 'ACCEPT');
  } else {
    agrees = verdicts.size === 1 && verdicts.has(e.verdict) && !masq;
  }
  return { agrees, ours, trace };
}
