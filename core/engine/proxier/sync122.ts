// The rules of kube-proxy 1.22's iptables proxier: masquerade rules inside the
// KUBE-SVC chain, KUBE-XLB chains for externalTrafficPolicy Local, KUBE-FW
// chains ending in KUBE-MARK-DROP, REJECT rules for services without
// endpoints, and the two KUBE-FORWARD conntrack rules (seed 003's layout).

import type { SyncContext } from './context.js';
import type { EndpointInfo } from './endpoints.js';
import { servicePortKey } from './endpoints.js';
import { servicePortChainName } from './names.js';
import { emptyTableText } from './rules.js';
import type { RuleLine } from './rules.js';
import type { ServicePortInfo } from './serviceports.js';
import { externallyAccessible } from './serviceports.js';
import { LARGE_CLUSTER_ENDPOINTS_THRESHOLD, probability } from './sync133.js';
import type { GeneratedRules } from './sync133.js';
import { parseCidr, parseIP, cidrContains } from '../net/ip.js';

export interface HeldPort {
  port: number;
  proto: 'tcp' | 'udp' | 'sctp';
  description: string;
}

export function generate122(
  ctx: SyncContext,
  ports: readonly ServicePortInfo[],
  endpointsMap: ReadonlyMap<string, EndpointInfo[]>,
  render?: (r: RuleLine) => string,
): GeneratedRules & { held: HeldPort[] } {
  const filter = emptyTableText(render);
  const nat = emptyTableText(render);
  const active = new Set<string>();
  const held: HeldPort[] = [];
  const isIPv6 = ctx.family === 6;
  const mark = `${ctx.masqueradeMark}/${ctx.masqueradeMark}`;
  const F = (chain: string, ...args: string[]): void => void filter.rules.push({ chain, args });
  const R = (chain: string, ...args: string[]): void => void nat.rules.push({ chain, args });
  const chain = (c: string): void => {
    nat.chains.push(c);
    active.add(c);
  };

  filter.chains.push('KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-FORWARD', 'KUBE-NODEPORTS');
  nat.chains.push('KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ');
  R('KUBE-POSTROUTING', '-m', 'mark', '!', '--mark', mark, '-j', 'RETURN');
  R('KUBE-POSTROUTING', '-j', 'MARK', '--xor-mark', ctx.masqueradeMark);
  R('KUBE-POSTROUTING', '-m', 'comment', '--comment', 'kubernetes service traffic requiring SNAT', '-j', 'MASQUERADE', ...(ctx.randomFully ? ['--random-fully'] : []));
  R('KUBE-MARK-MASQ', '-j', 'MARK', '--or-mark', ctx.masqueradeMark);

  let totalEndpoints = 0;
  for (const p of ports) totalEndpoints += endpointsMap.get(servicePortKey(p.serviceName, p.portName, p.apiProtocol))?.length ?? 0;
  const largeClusterMode = totalEndpoints > LARGE_CLUSTER_ENDPOINTS_THRESHOLD;
  const comment = (text: string): string[] => (largeClusterMode ? [] : ['-m', 'comment', '--comment', text]);
  const jumpIfNotLocal = (args: readonly string[], target: string): string[] => [...args, ...(ctx.localDetector?.ifNotLocal ?? []), '-j', target];

  for (const svc of ports) {
    const proto = svc.protocol;
    const name = svc.nameString;
    // 1.22's endpoint cache keeps ready endpoints only (terminating ones were behind an alpha gate, off).
    const all = (endpointsMap.get(servicePortKey(svc.serviceName, svc.portName, svc.apiProtocol)) ?? []).filter((e) => e.ready);
    const hasEndpoints = all.length > 0;
    const svcChain = servicePortChainName('SVC', name, proto);
    const xlbChain = servicePortChainName('XLB', name, proto);
    const fwChain = servicePortChainName('FW', name, proto);
    const nodeLocalExternal = svc.externalPolicyLocal;
    const dport = String(svc.port);
    if (hasEndpoints) chain(svcChain);
    if (hasEndpoints && nodeLocalExternal) chain(xlbChain);

    // Cluster IP.
    if (hasEndpoints) {
      const args = ['-m', 'comment', '--comment', `${name} cluster IP`, '-m', proto, '-p', proto, '-d', withPrefix(svc.clusterIP), '--dport', dport];
      if (ctx.masqueradeAll) R(svcChain, ...args, '-j', 'KUBE-MARK-MASQ');
      else if (ctx.localDetector !== null) R(svcChain, ...jumpIfNotLocal(args, 'KUBE-MARK-MASQ'));
      R('KUBE-SERVICES', ...args, '-j', svcChain);
    } else {
      F('KUBE-SERVICES', '-m', 'comment', '--comment', `${name} has no endpoints`, '-m', proto, '-p', proto, '-d', withPrefix(svc.clusterIP), '--dport', dport, '-j', 'REJECT');
    }
    // External IPs.
    for (const ip of svc.externalIPs) {
      if (hasEndpoints) {
        const args = ['-m', 'comment', '--comment', `${name} external IP`, '-m', proto, '-p', proto, '-d', withPrefix(ip), '--dport', dport];
        let dest = xlbChain;
        if (!nodeLocalExternal) {
          dest = svcChain;
          if (ctx.localDetector !== null) R(svcChain, ...jumpIfNotLocal(args, 'KUBE-MARK-MASQ'));
          else R(svcChain, ...args, '-j', 'KUBE-MARK-MASQ');
        }
        R('KUBE-SERVICES', ...args, '-j', dest);
      } else {
        F('KUBE-EXTERNAL-SERVICES', '-m', 'comment', '--comment', `${name} has no endpoints`, '-m', proto, '-p', proto, '-d', withPrefix(ip), '--dport', dport, '-j', 'REJECT');
      }
    }
    // Load-balancer ingress.
    for (const ip of svc.loadBalancerVIPs) {
      if (hasEndpoints) {
        chain(fwChain);
        R('KUBE-SERVICES', '-m', 'comment', '--comment', `${name} loadbalancer IP`, '-m', proto, '-p', proto, '-d', withPrefix(ip), '--dport', dport, '-j', fwChain);
        const head = ['-m', 'comment', '--comment', `${name} loadbalancer IP`];
        let chosen = xlbChain;
        if (!nodeLocalExternal) {
          R(fwChain, ...head, '-j', 'KUBE-MARK-MASQ');
          chosen = svcChain;
        }
        if (svc.loadBalancerSourceRanges.length === 0) {
          R(fwChain, ...head, '-j', chosen);
        } else {
          let allowFromNode = false;
          const nodeIP = ctx.nodeIP !== undefined ? parseIP(ctx.nodeIP) : null;
          for (const src of svc.loadBalancerSourceRanges) {
            R(fwChain, ...head, '-s', src, '-j', chosen);
            const c = parseCidr(src);
            if (c !== null && nodeIP !== null && cidrContains(c, nodeIP)) allowFromNode = true;
          }
          if (allowFromNode) R(fwChain, ...head, '-s', withPrefix(ip), '-j', chosen);
        }
        R(fwChain, ...head, '-j', 'KUBE-MARK-DROP');
      } else {
        F('KUBE-EXTERNAL-SERVICES', '-m', 'comment', '--comment', `${name} has no endpoints`, '-m', proto, '-p', proto, '-d', withPrefix(ip), '--dport', dport, '-j', 'REJECT');
      }
    }
    // NodePort.
    if (svc.nodePort !== 0) {
      if (proto !== 'sctp') held.push({ port: svc.nodePort, proto, description: `nodePort for ${name}` });
      const np = String(svc.nodePort);
      if (hasEndpoints) {
        const args = ['-m', 'comment', '--comment', name, '-m', proto, '-p', proto, '--dport', np];
        if (!nodeLocalExternal) {
          R(svcChain, ...args, '-j', 'KUBE-MARK-MASQ');
          R('KUBE-NODEPORTS', ...args, '-j', svcChain);
        } else {
          R('KUBE-NODEPORTS', ...args, '-s', isIPv6 ? '::1/128' : '127.0.0.0/8', '-j', 'KUBE-MARK-MASQ');
          R('KUBE-NODEPORTS', ...args, '-j', xlbChain);
        }
      } else {
        F('KUBE-EXTERNAL-SERVICES', '-m', 'comment', '--comment', `${name} has no endpoints`, '-m', 'addrtype', '--dst-type', 'LOCAL', '-m', proto, '-p', proto, '--dport', np, '-j', 'REJECT');
      }
    }
    if (svc.healthCheckNodePort !== 0) {
      F('KUBE-NODEPORTS', '-m', 'comment', '--comment', `${name} health check node port`, '-m', 'tcp', '-p', 'tcp', '--dport', String(svc.healthCheckNodePort), '-j', 'ACCEPT');
    }
    if (!hasEndpoints) continue;

    const sepOf = (ep: EndpointInfo): string => servicePortChainName('SEP', name, proto, ep.endpoint);
    for (const ep of all) chain(sepOf(ep));
    if (svc.clientIPAffinity) {
      for (const ep of all) R(svcChain, ...comment(name), '-m', 'recent', '--name', sepOf(ep), '--rcheck', '--seconds', String(svc.stickyMaxAgeSeconds), '--reap', '-j', sepOf(ep));
    }
    all.forEach((ep, i) => {
      const stat = i < all.length - 1 ? ['-m', 'statistic', '--mode', 'random', '--probability', probability(all.length - i)] : [];
      R(svcChain, ...comment(name), ...stat, '-j', sepOf(ep));
    });
    for (const ep of all) {
      R(sepOf(ep), ...comment(name), '-s', withPrefix(ep.ip), '-j', 'KUBE-MARK-MASQ');
      const affinity = svc.clientIPAffinity ? ['-m', 'recent', '--name', sepOf(ep), '--set'] : [];
      R(sepOf(ep), ...comment(name), ...affinity, '-m', proto, '-p', proto, '-j', 'DNAT', '--to-destination', ep.endpoint);
    }
    if (!nodeLocalExternal || !externallyAccessible(svc)) continue;

    if (ctx.localDetector !== null) {
      R(xlbChain, '-m', 'comment', '--comment', 'Redirect pods trying to reach external loadbalancer VIP to clusterIP', ...ctx.localDetector.ifLocal, '-j', svcChain);
    }
    R(xlbChain, '-m', 'comment', '--comment', `masquerade LOCAL traffic for ${name} LB IP`, '-m', 'addrtype', '--src-type', 'LOCAL', '-j', 'KUBE-MARK-MASQ');
    R(xlbChain, '-m', 'comment', '--comment', `route LOCAL traffic for ${name} LB IP to service chain`, '-m', 'addrtype', '--src-type', 'LOCAL', '-j', svcChain);
    const local = all.filter((e) => e.isLocal);
    if (local.length === 0) {
      R(xlbChain, '-m', 'comment', '--comment', `${name} has no local endpoints`, '-j', 'KUBE-MARK-DROP');
    } else {
      local.forEach((ep, i) => {
        const stat = i < local.length - 1 ? ['-m', 'statistic', '--mode', 'random', '--probability', probability(local.length - i)] : [];
        R(xlbChain, '-m', 'comment', '--comment', `Balancing rule ${i} for ${name}`, ...stat, '-j', sepOf(ep));
      });
    }
  }

  // NodePort catch-all, after every service rule.
  const npComment = ['-m', 'comment', '--comment', 'kubernetes service nodeports; NOTE: this must be the last rule in this chain'];
  if (ctx.nodePortIPs === null) {
    R('KUBE-SERVICES', ...npComment, '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', 'KUBE-NODEPORTS');
  } else {
    for (const ip of ctx.nodePortIPs) R('KUBE-SERVICES', ...npComment, '-d', ip, '-j', 'KUBE-NODEPORTS');
  }

  F('KUBE-FORWARD', '-m', 'conntrack', '--ctstate', 'INVALID', '-j', 'DROP');
  F('KUBE-FORWARD', '-m', 'comment', '--comment', 'kubernetes forwarding rules', '-m', 'mark', '--mark', mark, '-j', 'ACCEPT');
  F('KUBE-FORWARD', '-m', 'comment', '--comment', 'kubernetes forwarding conntrack pod source rule', '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT');
  F('KUBE-FORWARD', '-m', 'comment', '--comment', 'kubernetes forwarding conntrack pod destination rule', '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT');

  return { filter, nat, activeNatChains: [...active], largeClusterMode, held };
}

function withPrefix(addr: string): string {
  if (addr.includes('/')) return addr;
  return addr.includes(':') ? `${addr}/128` : `${addr}/32`;
}

/** Jump rules kube-proxy 1.22 ensures in built-in chains, in order (each prepended). */
export function ensured122(): { table: 'filter' | 'nat'; chain: string; args: string[] }[] {
  const NEW = ['-m', 'conntrack', '--ctstate', 'NEW'];
  const c = (t: string): string[] => ['-m', 'comment', '--comment', t];
  return [
    { table: 'filter', chain: 'INPUT', args: [...NEW, ...c('kubernetes externally-visible service portals'), '-j', 'KUBE-EXTERNAL-SERVICES'] },
    { table: 'filter', chain: 'FORWARD', args: [...NEW, ...c('kubernetes externally-visible service portals'), '-j', 'KUBE-EXTERNAL-SERVICES'] },
    { table: 'filter', chain: 'INPUT', args: [...c('kubernetes health check service ports'), '-j', 'KUBE-NODEPORTS'] },
    { table: 'filter', chain: 'FORWARD', args: [...NEW, ...c('kubernetes service portals'), '-j', 'KUBE-SERVICES'] },
    { table: 'filter', chain: 'OUTPUT', args: [...NEW, ...c('kubernetes service portals'), '-j', 'KUBE-SERVICES'] },
    { table: 'filter', chain: 'FORWARD', args: [...c('kubernetes forwarding rules'), '-j', 'KUBE-FORWARD'] },
    { table: 'nat', chain: 'OUTPUT', args: [...c('kubernetes service portals'), '-j', 'KUBE-SERVICES'] },
    { table: 'nat', chain: 'PREROUTING', args: [...c('kubernetes service portals'), '-j', 'KUBE-SERVICES'] },
    { table: 'nat', chain: 'POSTROUTING', args: [...c('kubernetes postrouting rules'), '-j', 'KUBE-POSTROUTING'] },
  ];
}
