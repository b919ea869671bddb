// kube-proxy on one node: its startup log (klog, per release), the sync
// through the proxier (iptables-restore --noflush of its chains plus the jump
// rules it ensures in built-in chains), and, below 1.24, the listening
// sockets it holds on every NodePort.

import type { KubeObject } from '../cluster/api.js';
import type { NodeObject, ServiceObject, EndpointSliceObject, KubeProxyConfiguration } from '../../engine/k8s/types.js';
import type { Ruleset, TableName } from '../../engine/iptables/model.js';
import { applyRestore, canonicalizeRule, expandAddressLists, formatRuleSpec, sameRule, findTable, SAVE_TABLE_ORDER, BUILTIN_CHAINS, emptyCounters } from '../../engine/iptables/index.js';
import type { Chain, Rule, Table } from '../../engine/iptables/index.js';
import { isServiceChainName, syncProxyRules, syncProxyRulesPartial } from '../../engine/proxier/index.js';
import type { ProxierOutput } from '../../engine/proxier/index.js';
import { DEFAULT_HOST_FACTS } from '../../engine/proxier/types.js';
import type { ReleaseInfo } from '../cluster/versions.js';
import { CLUSTER_CIDR } from '../cluster/bootstrap.js';
import { klogLine } from './klog.js';
import type { NodeState } from './state.js';

/** The log kube-proxy writes when it starts (seed 003's lines for 1.22; the structured ones of 1.33). */
export function startupLog(r: ReleaseInfo, node: NodeState, t0: number): string {
  const at = (ms: number): number => t0 + ms;
  if (r.minor < 24) {
    return [
      klogLine('I', at(12), 'node.go:172', `Successfully retrieved node IP: ${node.ip}`),
      klogLine('I', at(12), 'server_others.go:140', `Detected node IP ${node.ip}`),
      klogLine('W', at(13), 'server_others.go:565', 'Unknown proxy mode "", assuming iptables proxy'),
      klogLine('I', at(124), 'server_others.go:206', 'kube-proxy running in dual-stack mode, IPv4-primary'),
      klogLine('I', at(124), 'server_others.go:212', 'Using iptables Proxier.'),
      klogLine('I', at(124), 'server_others.go:219', 'creating dualStackProxier for iptables.'),
      klogLine('W', at(125), 'server_others.go:495', 'detect-local-mode set to ClusterCIDR, but no IPv6 cluster CIDR defined, , defaulting to no-op detect-local for IPv6'),
      klogLine('I', at(130), 'server.go:649', `Version: ${r.gitVersion}`),
      klogLine('I', at(134), 'conntrack.go:52', 'Setting nf_conntrack_max to 131072'),
      klogLine('I', at(155), 'config.go:315', 'Starting service config controller'),
      klogLine('I', at(155), 'shared_informer.go:240', 'Waiting for caches to sync for service config'),
      klogLine('I', at(155), 'config.go:224', 'Starting endpoint slice config controller'),
      klogLine('I', at(155), 'shared_informer.go:240', 'Waiting for caches to sync for endpoint slice config'),
      klogLine('I', at(262), 'shared_informer.go:247', 'Caches are synced for endpoint slice config'),
      klogLine('I', at(262), 'shared_informer.go:247', 'Caches are synced for service config'),
    ].join('');
  }
  return [
    klogLine('I', at(10), 'server_linux.go:66', '"Using iptables proxy"'),
    klogLine('I', at(31), 'server.go:698', `"Successfully retrieved node IP(s)" IPs=["${node.ip}"]`),
    klogLine('I', at(33), 'conntrack.go:121', '"Set sysctl" entry="net/netfilter/nf_conntrack_tcp_timeout_established" value=86400'),
    klogLine('I', at(33), 'conntrack.go:121', '"Set sysctl" entry="net/netfilter/nf_conntrack_tcp_timeout_close_wait" value=3600'),
    klogLine('E', at(34), 'server.go:234', '"Kube-proxy configuration may be incomplete or incorrect" err="nodePortAddresses is unset; NodePort connections will be accepted on all local IPs. Consider using `--nodeport-addresses primary`"'),
    klogLine('I', at(36), 'server.go:243', '"kube-proxy running in dual-stack mode" primary ipFamily="IPv4"'),
    klogLine('I', at(52), 'server_linux.go:170', '"Using iptables Proxier"'),
    klogLine('I', at(55), 'proxier.go:255', '"Setting route_localnet=1 to allow node-ports on localhost; to change this either disable iptables.localhostNodePorts (--iptables-localhost-nodeports) or set nodePortAddresses (--nodeport-addresses) to filter loopback addresses" ipFamily="IPv4"'),
    klogLine('I', at(58), 'server.go:483', `"Version info" version="${r.gitVersion}"`),
    klogLine('I', at(58), 'server.go:485', '"Golang settings" GOGC="" GOMAXPROCS="" GOTRACEBACK=""'),
    klogLine('I', at(61), 'config.go:199', '"Starting service config controller"'),
    klogLine('I', at(61), 'shared_informer.go:350', '"Waiting for caches to sync" controller="service config"'),
    klogLine('I', at(61), 'config.go:105', '"Starting endpoint slice config controller"'),
    klogLine('I', at(61), 'shared_informer.go:350', '"Waiting for caches to sync" controller="endpoint slice config"'),
    klogLine('I', at(62), 'config.go:329', '"Starting node config controller"'),
    klogLine('I', at(62), 'shared_informer.go:350', '"Waiting for caches to sync" controller="node config"'),
    klogLine('I', at(163), 'shared_informer.go:357', '"Caches are synced" controller="node config"'),
    klogLine('I', at(163), 'shared_informer.go:357', '"Caches are synced" controller="service config"'),
    klogLine('I', at(163), 'shared_informer.go:357', '"Caches are synced" controller="endpoint slice config"'),
  ].join('');
}

export function syncLogLine(r: ReleaseInfo, at: number): string {
  return r.minor < 24 ? klogLine('I', at, 'proxier.go:826', 'Syncing iptables rules') : klogLine('I', at, 'proxier.go:805', '"Syncing iptables rules"');
}

/** seed 000: `can't open "nodePort for default/nginx:http" (:30450/tcp), skipping this nodePort: listen tcp :30450: bind: address already in use` */
export function portInUseLine(at: number, description: string, port: number, proto: string): string {
  return klogLine('E', at, 'proxier.go:1286', `can't open "${description}" (:${port}/${proto}), skipping this nodePort: listen ${proto} :${port}: bind: address already in use`);
}

/** The configuration kube-proxy runs with (from the kube-proxy ConfigMap's defaults). */
export function kubeProxyConfig(node: NodeState, r: ReleaseInfo): KubeProxyConfiguration {
  return {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1', kind: 'KubeProxyConfiguration', mode: 'iptables', clusterCIDR: CLUSTER_CIDR,
    hostnameOverride: node.name, bindAddress: '0.0.0.0', detectLocalMode: 'ClusterCIDR',
    iptables: { masqueradeBit: 14, masqueradeAll: false, localhostNodePorts: true, syncPeriod: r.minor < 24 ? '30s' : '30s', minSyncPeriod: r.minor < 24 ? '0s' : '1s' },
  };
}

export function minSyncPeriodMs(r: ReleaseInfo): number {
  return r.minor < 24 ? 0 : 1000;
}

export interface SyncResult {
  rules4: Ruleset;
  /** The proxier's output (the next partial sync starts from it). */
  output: ProxierOutput;
  heldNodePorts: { port: number; proto: 'tcp' | 'udp' | 'sctp'; description: string }[];
  error?: string;
}

/**
 * One sync: what the proxier writes, applied onto the node's installed rules.
 * With `previous` and the Services changed since, a partial sync (1.28+ kube-proxy
 * rewrites only those Services' chains); otherwise a full one.
 */
export function syncRules(installed: Ruleset, node: NodeState, nodeObj: KubeObject, services: KubeObject[], slices: KubeObject[], r: ReleaseInfo,
  partial?: { previous: ProxierOutput; changed: string[] }): SyncResult {
  const input = {
    version: r.proxier,
    node: nodeObj as unknown as NodeObject,
    config: kubeProxyConfig(node, r),
    hostFacts: DEFAULT_HOST_FACTS,
    services: services as unknown as ServiceObject[],
    endpointSlices: slices as unknown as EndpointSliceObject[],
  };
  const out = partial ? syncProxyRulesPartial(input, partial.previous, { services: partial.changed }) : syncProxyRules(input);
  // Its chains first (iptables-restore --noflush), then the jumps into them from the built-in chains,
  // each prepended in kube-proxy's order (so the last one ensured ends up first).
  const restored = applyRestore(installed, out.restore, { noflush: true });
  if (!restored.ok) return { rules4: installed, output: out, heldNodePorts: out.heldNodePorts, error: restored.errors.map((x) => x.message).join('; ') };
  let rules = restored.value;
  // A full sync also removes the service chains it did not write (kube-proxy reads the table and
  // adds `-X` for each stale KUBE-SVC-/KUBE-SEP-/… chain), so a deleted Service leaves nothing behind.
  if (out.activeNatChains !== undefined && out.partial !== true) {
    const live = new Set(out.activeNatChains);
    const stale = (findTable(rules, 'nat')?.chains ?? []).map((c) => c.name).filter((n) => isServiceChainName(n) && !live.has(n));
    if (stale.length > 0) {
      const r2 = applyRestore(rules, `*nat\n${stale.map((n) => `:${n} - [0:0]`).join('\n')}\n${stale.map((n) => `-X ${n}`).join('\n')}\nCOMMIT\n`, { noflush: true });
      if (r2.ok) rules = r2.value;
    }
  }
  for (const e of out.ensured) rules = ensureRule(rules, e.table, e.rule, e.position);
  return { rules4: canonicalKeepingCounters(rules, writtenChains(out.restore)), output: out, heldNodePorts: out.heldNodePorts };
}

/** `table/CHAIN` for every chain an iptables-restore text declares or writes to. */
function writtenChains(restore: string): Set<string> {
  const out = new Set<string>();
  let table = '';
  for (const line of restore.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1).trim();
    else if (line.startsWith(':')) out.add(`${table}/${line.slice(1).split(' ')[0]}`);
    else if (/^-[AIR] /.test(line)) out.add(`${table}/${line.split(' ')[1]}`);
  }
  return out;
}

/** Canonical rules by their written form: a sync rewrites mostly the same rules, so each is canonicalised once. */
const canonicalMemo = new Map<string, Rule>();

/**
 * What iptables-save shows after a restore (the codec's canonicalize), keeping
 * the counters of rules that stayed (packets already counted do not vanish).
 */
export function canonicalKeepingCounters(rs: Ruleset, fresh?: Set<string>): Ruleset {
  if (canonicalMemo.size > 200_000) canonicalMemo.clear();
  const tables: Table[] = [];
  for (const name of SAVE_TABLE_ORDER) {
    const t = rs.tables.find((x) => x.name === name);
    if (t === undefined) continue;
    const byName = new Map(t.chains.map((c) => [c.name, c]));
    const builtinNames = BUILTIN_CHAINS[name];
    const chains: Chain[] = [
      ...builtinNames.map((n): Chain => {
        const have = byName.get(n);
        return { name: n, builtin: true, policy: have?.policy ?? 'ACCEPT', counters: have ? { ...have.counters } : emptyCounters(), rules: [] };
      }),
      ...t.chains.filter((c) => !builtinNames.includes(c.name)).map((c): Chain => ({ name: c.name, builtin: false, policy: null, counters: emptyCounters(), rules: [] }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    ];
    for (const ch of chains) {
      const src = byName.get(ch.name)?.rules ?? [];
      // Chains the restore did not touch hold what was canonical already (built-ins: jumps may have been ensured).
      if (fresh !== undefined && !ch.builtin && !fresh.has(`${name}/${ch.name}`)) { ch.rules = src; continue; }
      for (const r of src) {
        for (const e of expandAddressLists(r)) {
          const key = formatRuleSpec(e);
          let c = canonicalMemo.get(key);
          if (c === undefined) {
            c = canonicalizeRule(e, { counters: true });
            delete c.counters;
            canonicalMemo.set(key, c);
          }
          // Shared parts are never mutated in place (every ruleset edit clones first); counters are the rule's own.
          ch.rules.push({ ...c, counters: e.counters ? { ...e.counters } : emptyCounters() });
        }
      }
    }
    tables.push({ name, chains, leadingComments: t.leadingComments.slice(), trailingComments: t.trailingComments.slice() });
  }
  return { tables };
}

/** A jump rule as parsed once (kube-proxy ensures the same few rules at every sync). */
const ensuredMemo = new Map<string, Rule | null>();

function parsedRule(table: TableName, chain: string, ruleText: string): Rule | null {
  const key = `${table}\n${ruleText}`;
  let r = ensuredMemo.get(key);
  if (r === undefined) {
    const target = /\s-[jg]\s+(\S+)/.exec(ruleText)?.[1];
    const decl = target !== undefined && /^KUBE-/.test(target) ? `:${target} - [0:0]\n` : '';
    const parsed = applyRestore({ tables: [] }, `*${table}\n:${chain} ACCEPT [0:0]\n${decl}${ruleText}\nCOMMIT\n`, { noflush: false });
    r = parsed.ok ? findTable(parsed.value, table)?.chains.find((c) => c.name === chain)?.rules[0] ?? null : null;
    ensuredMemo.set(key, r);
  }
  return r;
}

/** `iptables -C` then `-I|-A CHAIN rule` when the rule is not there yet. */
export function ensureRule(rs: Ruleset, table: TableName, ruleText: string, position: 'prepend' | 'append'): Ruleset {
  const chain = /^-A\s+(\S+)/.exec(ruleText)?.[1];
  if (chain === undefined) return rs;
  const wanted = parsedRule(table, chain, ruleText);
  const existing = findTable(rs, table)?.chains.find((c) => c.name === chain)?.rules ?? [];
  if (wanted !== null && existing.some((x) => sameRule(x, wanted))) return rs;
  const restore = `*${table}\n${position === 'prepend' ? ruleText.replace(/^-A\s+(\S+)/, '-I $1 1') : ruleText}\nCOMMIT\n`;
  const r = applyRestore(rs, restore, { noflush: true });
  return r.ok ? r.value : rs;
}
