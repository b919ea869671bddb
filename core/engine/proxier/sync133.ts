// The rules of kube-proxy's iptables proxier as of release 1.33 (layout with
// KUBE-SVC / KUBE-SVL / KUBE-EXT / KUBE-FW / KUBE-SEP chains, filter-table
// REJECT/DROP for services without usable endpoints, KUBE-PROXY-FIREWALL).
// Written from kube-proxy's documented behaviour and its test expectations.

import type { SyncContext } from './context.js';
import type { EndpointInfo } from './endpoints.js';
import { categorizeEndpoints, servicePortKey } from './endpoints.js';
import { servicePortChainName } from './names.js';
import type { RuleLine, TableText } from './rules.js';
import { emptyTableText } from './rules.js';
import type { ServicePortInfo } from './serviceports.js';
import { externallyAccessible } from './serviceports.js';
import { parseCidr, parseIP, cidrContains } from '../net/ip.js';

/** More endpoints than this in total and kube-proxy stops writing per-endpoint comments. */
export const LARGE_CLUSTER_ENDPOINTS_THRESHOLD = 1000;

export interface GeneratedRules {
  filter: TableText;
  nat: TableText;
  /** Every service-derived nat chain this sync considers live (written or skipped). */
  activeNatChains: string[];
  largeClusterMode: boolean;
}

/** kube-proxy's probability for the i-th of n remaining endpoints: 1/n with 10 decimals. */
export function probability(n: number): string {
  return (1 / n).toFixed(10);
}

export interface Sync133Options {
  /** Write per-service chains only for these services (`ns/name`); undefined: all (full sync). */
  onlyServices?: ReadonlySet<string>;
  /** How each rule becomes text (default: kube-proxy's own words). */
  render?: (r: RuleLine) => string;
}

export function generate133(
  ctx: SyncContext,
  ports: readonly ServicePortInfo[],
  endpointsMap: ReadonlyMap<string, EndpointInfo[]>,
  opts: Sync133Options = {},
): GeneratedRules {
  const filter = emptyTableText(opts.render);
  const nat = emptyTableText(opts.render);
  // Chains a partial sync leaves alone: computed for bookkeeping, never rendered.
  const skipped = emptyTableText(() => '');
  const active = new Set<string>();
  const isIPv6 = ctx.family === 6;
  const mark = `${ctx.masqueradeMark}/${ctx.masqueradeMark}`;
  const F = (chain: string, ...args: string[]): void => void filter.rules.push({ chain, args });

  filter.chains.push('KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-FORWARD', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL');
  nat.chains.push('KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ');

  // Static nat rules: SNAT of marked packets, and the mark itself.
  nat.rules.push({ chain: 'KUBE-POSTROUTING', args: ['-m', 'mark', '!', '--mark', mark, '-j', 'RETURN'] });
  nat.rules.push({ chain: 'KUBE-POSTROUTING', args: ['-j', 'MARK', '--xor-mark', ctx.masqueradeMark] });
  nat.rules.push({
    chain: 'KUBE-POSTROUTING',
    args: ['-m', 'comment', '--comment', 'kubernetes service traffic requiring SNAT', '-j', 'MASQUERADE', ...(ctx.randomFully ? ['--random-fully'] : [])],
  });
  nat.rules.push({ chain: 'KUBE-MARK-MASQ', args: ['-j', 'MARK', '--or-mark', ctx.masqueradeMark] });

  if (!isIPv6 && ctx.localhostNodePorts) {
    // route_localnet makes 127.0.0.1:NodePort work, and opens a hole this rule closes.
    filter.chains.push('KUBE-FIREWALL');
    F('KUBE-FIREWALL', '-m', 'comment', '--comment', 'block incoming localnet connections', '-d', '127.0.0.0/8', '!', '-s', '127.0.0.0/8', '-m', 'conntrack', '!', '--ctstate', 'RELATED,ESTABLISHED,DNAT', '-j', 'DROP');
  }

  let totalEndpoints = 0;
  for (const p of ports) totalEndpoints += endpointsMap.get(servicePortKey(p.serviceName, p.portName, p.apiProtocol))?.length ?? 0;
  const largeClusterMode = totalEndpoints > LARGE_CLUSTER_ENDPOINTS_THRESHOLD;
  const comment = (text: string): string[] => (largeClusterMode ? [] : ['-m', 'comment', '--comment', text]);

  for (const svc of ports) {
    const proto = svc.protocol;
    const name = svc.nameString;
    const all = endpointsMap.get(servicePortKey(svc.serviceName, svc.portName, svc.apiProtocol)) ?? [];
    const cat = categorizeEndpoints(all, svc, ctx.nodeZone);
    const clusterPolicyChain = servicePortChainName('SVC', name, proto);
    const localPolicyChain = servicePortChainName('SVL', name, proto);
    const externalChain = servicePortChainName('EXT', name, proto);
    const fwChain = servicePortChainName('FW', name, proto);
    const usesClusterPolicyChain = cat.clusterEndpoints.length > 0 && (!svc.internalPolicyLocal || externallyAccessible(svc));
    const usesLocalPolicyChain = cat.localEndpoints.length > 0 && (svc.internalPolicyLocal || (svc.externalPolicyLocal && externallyAccessible(svc)));
    const hasEndpoints = cat.hasAnyEndpoints;

    let internalChain = clusterPolicyChain;
    let hasInternalEndpoints = hasEndpoints;
    if (svc.internalPolicyLocal) {
      internalChain = localPolicyChain;
      if (cat.localEndpoints.length === 0) hasInternalEndpoints = false;
    }
    let externalPolicyChain = clusterPolicyChain;
    let hasExternalEndpoints = hasEndpoints;
    if (svc.externalPolicyLocal) {
      externalPolicyChain = localPolicyChain;
      if (cat.localEndpoints.length === 0) hasExternalEndpoints = false;
    }
    const usesExternalChain = hasEndpoints && externallyAccessible(svc);
    const usesFWChain = hasEndpoints && svc.loadBalancerVIPs.length > 0 && svc.loadBalancerSourceRanges.length > 0;
    const lbChain = usesFWChain ? fwChain : externalChain;

    let internalFilterTarget = '';
    let internalFilterComment = '';
    let externalFilterTarget = '';
    let externalFilterComment = '';
    if (!hasEndpoints) {
      internalFilterTarget = externalFilterTarget = 'REJECT';
      internalFilterComment = externalFilterComment = `${name} has no endpoints`;
    } else {
      if (!hasInternalEndpoints) {
        internalFilterTarget = 'DROP';
        internalFilterComment = `${name} has no local endpoints`;
      }
      if (!hasExternalEndpoints) {
        externalFilterTarget = 'DROP';
        externalFilterComment = `${name} has no local endpoints`;
      }
    }
    const dport = String(svc.port);

    // Cluster IP.
    if (hasInternalEndpoints) {
      nat.rules.push({ chain: 'KUBE-SERVICES', args: ['-m', 'comment', '--comment', `${name} cluster IP`, '-m', proto, '-p', proto, '-d', svc.clusterIP, '--dport', dport, '-j', internalChain] });
    } else {
      F('KUBE-SERVICES', '-m', 'comment', '--comment', internalFilterComment, '-m', proto, '-p', proto, '-d', svc.clusterIP, '--dport', dport, '-j', internalFilterTarget);
    }
    // External IPs.
    for (const ip of svc.externalIPs) {
      if (hasEndpoints) {
        nat.rules.push({ chain: 'KUBE-SERVICES', args: ['-m', 'comment', '--comment', `${name} external IP`, '-m', proto, '-p', proto, '-d', ip, '--dport', dport, '-j', externalChain] });
      }
      if (!hasExternalEndpoints) {
        F('KUBE-EXTERNAL-SERVICES', '-m', 'comment', '--comment', externalFilterComment, '-m', proto, '-p', proto, '-d', ip, '--dport', dport, '-j', externalFilterTarget);
      }
    }
    // Load-balancer ingress IPs.
    for (const ip of svc.loadBalancerVIPs) {
      if (hasEndpoints) {
        nat.rules.push({ chain: 'KUBE-SERVICES', args: ['-m', 'comment', '--comment', `${name} loadbalancer IP`, '-m', proto, '-p', proto, '-d', ip, '--dport', dport, '-j', lbChain] });
      }
      if (usesFWChain) {
        F('KUBE-PROXY-FIREWALL', '-m', 'comment', '--comment', `${name} traffic not accepted by ${fwChain}`, '-m', proto, '-p', proto, '-d', ip, '--dport', dport, '-j', 'DROP');
      }
    }
    if (!hasExternalEndpoints) {
      for (const ip of svc.loadBalancerVIPs) {
        F('KUBE-EXTERNAL-SERVICES', '-m', 'comment', '--comment', externalFilterComment, '-m', proto, '-p', proto, '-d', ip, '--dport', dport, '-j', externalFilterTarget);
      }
    }
    // NodePort.
    if (svc.nodePort !== 0) {
      const np = String(svc.nodePort);
      if (hasEndpoints) {
        if (ctx.localhostNodePorts && !isIPv6 && ctx.nfacct) {
          nat.rules.push({ chain: 'KUBE-NODEPORTS', args: ['-m', 'comment', '--comment', name, '-m', proto, '-p', proto, '-d', '127.0.0.0/8', '--dport', np, '-m', 'nfacct', '--nfacct-name', 'localhost_nps_accepted_pkts', '-j', externalChain] });
        }
        nat.rules.push({ chain: 'KUBE-NODEPORTS', args: ['-m', 'comment', '--comment', name, '-m', proto, '-p', proto, '--dport', np, '-j', externalChain] });
      }
      if (!hasExternalEndpoints) {
        F('KUBE-EXTERNAL-SERVICES', '-m', 'comment', '--comment', externalFilterComment, '-m', 'addrtype', '--dst-type', 'LOCAL', '-m', proto, '-p', proto, '--dport', np, '-j', externalFilterTarget);
      }
    }
    // Health-check NodePort: always accepted, whether or not this node has endpoints.
    if (svc.healthCheckNodePort !== 0) {
      F('KUBE-NODEPORTS', '-m', 'comment', '--comment', `${name} health check node port`, '-m', 'tcp', '-p', 'tcp', '--dport', String(svc.healthCheckNodePort), '-j', 'ACCEPT');
    }

    // Per-service chains: skipped (but still live) when a partial sync does not cover this service.
    const write = opts.onlyServices === undefined || opts.onlyServices.has(svc.serviceName);
    const out = write ? nat : skipped;
    const chain = (c: string): void => {
      out.chains.push(c);
      active.add(c);
    };
    const R = (c: string, ...args: string[]): void => void out.rules.push({ chain: c, args });

    if (hasInternalEndpoints) {
      const args = ['-m', 'comment', '--comment', `${name} cluster IP`, '-m', proto, '-p', proto, '-d', svc.clusterIP, '--dport', dport];
      if (ctx.masqueradeAll) R(internalChain, ...args, '-j', 'KUBE-MARK-MASQ');
      else if (ctx.localDetector !== null) R(internalChain, ...args, ...ctx.localDetector.ifNotLocal, '-j', 'KUBE-MARK-MASQ');
    }
    if (usesExternalChain) {
      chain(externalChain);
      if (!svc.externalPolicyLocal) {
        R(externalChain, '-m', 'comment', '--comment', `masquerade traffic for ${name} external destinations`, '-j', 'KUBE-MARK-MASQ');
      } else {
        if (ctx.localDetector !== null) {
          R(externalChain, '-m', 'comment', '--comment', `pod traffic for ${name} external destinations`, ...ctx.localDetector.ifLocal, '-j', clusterPolicyChain);
        }
        R(externalChain, '-m', 'comment', '--comment', `masquerade LOCAL traffic for ${name} external destinations`, '-m', 'addrtype', '--src-type', 'LOCAL', '-j', 'KUBE-MARK-MASQ');
        R(externalChain, '-m', 'comment', '--comment', `route LOCAL traffic for ${name} external destinations`, '-m', 'addrtype', '--src-type', 'LOCAL', '-j', clusterPolicyChain);
      }
      if (hasExternalEndpoints) R(externalChain, '-j', externalPolicyChain);
    }
    if (usesFWChain) {
      chain(fwChain);
      const head = ['-m', 'comment', '--comment', `${name} loadbalancer IP`];
      let allowFromNode = false;
      const nodeIP = ctx.nodeIP !== undefined ? parseIP(ctx.nodeIP) : null;
      for (const cidr of svc.loadBalancerSourceRanges) {
        R(fwChain, ...head, '-s', cidr, '-j', externalChain);
        const c = parseCidr(cidr);
        if (c !== null && nodeIP !== null && cidrContains(c, nodeIP)) allowFromNode = true;
      }
      if (allowFromNode) for (const ip of svc.loadBalancerVIPs) R(fwChain, ...head, '-s', ip, '-j', externalChain);
      R(fwChain, '-m', 'comment', '--comment', `other traffic to ${name} will be dropped by KUBE-PROXY-FIREWALL`);
    }
    const toEndpoints = (svcChain: string, eps: readonly EndpointInfo[]): void => {
      if (svc.clientIPAffinity) {
        for (const ep of eps) {
          const sep = servicePortChainName('SEP', name, proto, ep.endpoint);
          R(svcChain, ...comment(`${name} -> ${ep.endpoint}`), '-m', 'recent', '--name', sep, '--rcheck', '--seconds', String(svc.stickyMaxAgeSeconds), '--reap', '-j', sep);
        }
      }
      eps.forEach((ep, i) => {
        const sep = servicePortChainName('SEP', name, proto, ep.endpoint);
        const stat = i < eps.length - 1 ? ['-m', 'statistic', '--mode', 'random', '--probability', probability(eps.length - i)] : [];
        R(svcChain, ...comment(`${name} -> ${ep.endpoint}`), ...stat, '-j', sep);
      });
    };
    if (usesClusterPolicyChain) {
      chain(clusterPolicyChain);
      toEndpoints(clusterPolicyChain, cat.clusterEndpoints);
    }
    if (usesLocalPolicyChain) {
      chain(localPolicyChain);
      toEndpoints(localPolicyChain, cat.localEndpoints);
    }
    for (const ep of cat.allReachable) {
      const sep = servicePortChainName('SEP', name, proto, ep.endpoint);
      chain(sep);
      R(sep, ...comment(name), '-s', ep.ip, '-j', 'KUBE-MARK-MASQ');
      const affinity = svc.clientIPAffinity ? ['-m', 'recent', '--name', sep, '--set'] : [];
      R(sep, ...comment(name), ...affinity, '-m', proto, '-p', proto, '-j', 'DNAT', '--to-destination', ep.endpoint);
    }
  }

  // The NodePort catch-all: after every service rule.
  const npComment = ['-m', 'comment', '--comment', 'kubernetes service nodeports; NOTE: this must be the last rule in this chain'];
  if (ctx.nodePortIPs === null) {
    const dest = ['-m', 'addrtype', '--dst-type', 'LOCAL'];
    if (isIPv6) dest.push('!', '-d', '::1/128');
    else if (!ctx.localhostNodePorts) dest.push('!', '-d', '127.0.0.0/8');
    nat.rules.push({ chain: 'KUBE-SERVICES', args: [...npComment, ...dest, '-j', 'KUBE-NODEPORTS'] });
  } else {
    for (const ip of ctx.nodePortIPs) {
      const loopback = ip === '127.0.0.1' || ip === '::1';
      if (loopback && (isIPv6 || !ctx.localhostNodePorts)) continue;
      nat.rules.push({ chain: 'KUBE-SERVICES', args: [...npComment, '-d', ip, '-j', 'KUBE-NODEPORTS'] });
    }
  }

  if (!ctx.tcpBeLiberal) {
    const acct = ctx.nfacct ? ['-m', 'nfacct', '--nfacct-name', 'ct_state_invalid_dropped_pkts'] : [];
    F('KUBE-FORWARD', '-m', 'conntrack', '--ctstate', 'INVALID', ...acct, '-j', 'DROP');
  }
  F('KUBE-FORWARD', '-m', 'comment', '--comment', 'kubernetes forwarding rules', '-m', 'mark', '--mark', mark, '-j', 'ACCEPT');
  F('KUBE-FORWARD', '-m', 'comment', '--comment', 'kubernetes forwarding conntrack rule', '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT');

  return { filter, nat, activeNatChains: [...active], largeClusterMode };
}

/** Jump rules kube-proxy 1.33 ensures in built-in chains, in the order it ensures them (each prepended). */
export function ensured133(): { table: 'filter' | 'nat'; chain: string; args: string[] }[] {
  const NEW = ['-m', 'conntrack', '--ctstate', 'NEW'];
  const c = (t: string): string[] => ['-m', 'comment', '--comment', t];
  return [
    { table: 'filter', chain: 'INPUT', args: [...NEW, ...c('kubernetes externally-visible service portals'), '-j', 'KUBE-EXTERNAL-SERVICES'] },
    { table: 'filter', chain: 'FORWARD', args: [...NEW, ...c('kubernetes externally-visible service portals'), '-j', 'KUBE-EXTERNAL-SERVICES'] },
    { table: 'filter', chain: 'INPUT', args: [...c('kubernetes health check service ports'), '-j', 'KUBE-NODEPORTS'] },
    { table: 'filter', chain: 'FORWARD', args: [...NEW, ...c('kubernetes service portals'), '-j', 'KUBE-SERVICES'] },
    { table: 'filter', chain: 'OUTPUT', args: [...NEW, ...c('kubernetes service portals'), '-j', 'KUBE-SERVICES'] },
    { table: 'filter', chain: 'FORWARD', args: [...c('kubernetes forwarding rules'), '-j', 'KUBE-FORWARD'] },
    { table: 'filter', chain: 'INPUT', args: [...NEW, ...c('kubernetes load balancer firewall'), '-j', 'KUBE-PROXY-FIREWALL'] },
    { table: 'filter', chain: 'OUTPUT', args: [...NEW, ...c('kubernetes load balancer firewall'), '-j', 'KUBE-PROXY-FIREWALL'] },
    { table: 'filter', chain: 'FORWARD', args: [...NEW, ...c('kubernetes load balancer firewall'), '-j', 'KUBE-PROXY-FIREWALL'] },
    { table: 'nat', chain: 'OUTPUT', args: [...c('kubernetes service portals'), '-j', 'KUBE-SERVICES'] },
    { table: 'nat', chain: 'PREROUTING', args: [...c('kubernetes service portals'), '-j', 'KUBE-SERVICES'] },
    { table: 'nat', chain: 'POSTROUTING', args: [...c('kubernetes postrouting rules'), '-j', 'KUBE-POSTROUTING'] },
  ];
}

export type { RuleLine };
