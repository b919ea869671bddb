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
  const scan = scanRestore(out.restore);
  const ensuredChains = new Set(out.ensured.map((e) => `${e.table}/${/^-A\s+(\S+)/.exec(e.rule)?.[1] ?? ''}`));
  const written = new Map<string, LineRules>();
  const restored = restoreTouched(installed, out.restore, written, ensuredChains, scan);
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
  const rules4 = canonicalKeepingCounters(rules, writtenChains(scan, written));
  rememberSources(rules4, written);
  return { rules4, output: out, heldNodePorts: out.heldNodePorts };
}

/** What a restore text writes, per table and chain. */
interface RestoreScan {
  /** Per table, per chain named: its `-A` lines in order, whether `:CHAIN` flushes it, whether an `-I` writes it. */
  tables: Map<string, Map<string, ChainWrites>>;
  /** Only `*`, `:`, `-A`, `-I`, COMMIT and comments (nothing that reads or writes chains it does not name). */
  simple: boolean;
}

interface ChainWrites { declared: boolean; lines: string[]; inserts: boolean }

function scanRestore(restore: string): RestoreScan {
  const tables: RestoreScan['tables'] = new Map();
  let chains: Map<string, ChainWrites> | undefined;
  let simple = true;
  let pos = 0;
  const entry = (at: Map<string, ChainWrites>, name: string): ChainWrites => {
    let e = at.get(name);
    if (e === undefined) { e = { declared: false, lines: [], inserts: false }; at.set(name, e); }
    return e;
  };
  while (pos < restore.length) {
    let nl = restore.indexOf('\n', pos);
    if (nl < 0) nl = restore.length;
    const line = restore.slice(pos, nl).trim();
    pos = nl + 1;
    if (line === '' || line.startsWith('#') || line === 'COMMIT') continue;
    if (line.startsWith('*')) {
      const name = line.slice(1).trim();
      chains = tables.get(name);
      if (chains === undefined) { chains = new Map(); tables.set(name, chains); }
      continue;
    }
    const m = chains === undefined ? null : /^(?::(\S+)\s|-([AI]) (\S+) )/.exec(line);
    if (m === null || chains === undefined) { simple = false; continue; }
    if (m[1] !== undefined) {
      const e = entry(chains, m[1]);
      // A flush after lines already written to the chain: not kube-proxy's shape, take the whole path.
      if (e.lines.length > 0) simple = false;
      e.declared = true;
    }
    else {
      const e = entry(chains, m[3]!);
      if (m[2] === 'I') e.inserts = true;
      e.lines.push(line);
    }
  }
  return { tables, simple };
}

/** Canonical rules of one written line (in its chain and table), by the line. */
type LineRules = Map<string, Rule[]>;

/**
 * Chains this module installed, with the canonical rules each restore line made:
 * a chain kube-proxy flushes and rewrites, still the object installed (every
 * iptables edit copies the chains it changes), gets for a line it wrote before
 * the rules that line made then.
 */
const chainSource = new WeakMap<Chain, { rules: Rule[]; length: number; lines: LineRules }>();

function linesOf(c: Chain | undefined): LineRules | undefined {
  const src = c === undefined ? undefined : chainSource.get(c);
  return src !== undefined && src.rules === c!.rules && src.length === c!.rules.length ? src.lines : undefined;
}

/** The canonical rules of one parsed rule (address lists expanded), counters zero as after a restore. */
function canonicalRules(r: Rule): Rule[] {
  if (canonicalMemo.size > 200_000) canonicalMemo.clear();
  const out: Rule[] = [];
  for (const e of expandAddressLists(r)) {
    const key = formatRuleSpec(e);
    let c = canonicalMemo.get(key);
    if (c === undefined) {
      c = canonicalizeRule(e, { counters: true });
      delete c.counters;
      canonicalMemo.set(key, c);
    }
    out.push({ ...c, counters: e.counters ? { ...e.counters } : emptyCounters() });
  }
  return out;
}

/**
 * `iptables-restore --noflush` of kube-proxy's text without copying the chains
 * it never names: the codec runs on a ruleset whose other chains are present
 * but empty (jump targets still resolve), then those chains get their installed
 * rules back. In a chain the text flushes and fills with `-A` lines only, a line
 * it wrote into the installed chain before is not parsed again. Exact only for
 * `:CHAIN`, `-A` and `-I` lines (nothing else reads or writes other chains); any
 * other line, or an error, takes the whole-ruleset path.
 * `written` receives, per `table/CHAIN` rebuilt here canonical, its rules by line;
 * chains in `skip` (rules will be ensured there) are left to the caller.
 */
export function restoreTouched(installed: Ruleset, restore: string, written?: Map<string, LineRules>, skip?: Set<string>, scan = scanRestore(restore)): ReturnType<typeof applyRestore> {
  const whole = (): ReturnType<typeof applyRestore> => { written?.clear(); return applyRestore(installed, restore, { noflush: true }); };
  if (!scan.simple) return whole();
  // Chains rebuilt line by line here: flushed, `-A` only; with what their lines made before.
  const rebuilt = new Map<string, Map<string, LineRules>>();
  for (const [table, chains] of scan.tables) {
    const t = findTable(installed, table as TableName);
    const m = new Map<string, LineRules>();
    for (const [name, e] of chains) {
      if (!e.declared || e.inserts || skip?.has(`${table}/${name}`)) continue;
      const c = t?.chains.find((x) => x.name === name);
      if (c?.builtin === true) continue;
      m.set(name, linesOf(c) ?? new Map());
    }
    rebuilt.set(table, m);
  }
  // The text without the lines already known.
  const out: string[] = [];
  let known: Map<string, LineRules> | undefined;
  for (const raw of restore.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('*')) known = rebuilt.get(line.slice(1).trim());
    else if (known !== undefined && line.startsWith('-A ')) {
      const sp = line.indexOf(' ', 3);
      if (known.get(line.slice(3, sp < 0 ? undefined : sp))?.has(line) === true) continue;
    }
    out.push(raw);
  }
  const hollow: Ruleset = {
    tables: installed.tables
      .filter((t) => scan.tables.has(t.name))
      .map((t) => {
        const names = scan.tables.get(t.name)!;
        return { ...t, chains: t.chains.map((c) => (names.has(c.name) ? c : { ...c, rules: [] })) };
      }),
  };
  const r = applyRestore(hollow, out.join('\n'), { noflush: true });
  if (!r.ok) return whole();
  const tables: Table[] = [];
  for (const t of installed.tables) {
    const names = scan.tables.get(t.name);
    const after = names === undefined ? undefined : findTable(r.value, t.name);
    if (names === undefined || after === undefined) { tables.push(t); continue; }
    const before = new Map(t.chains.map((c) => [c.name, c]));
    const lineSets = rebuilt.get(t.name)!;
    const chains: Chain[] = [];
    for (const c of after.chains) {
      const old = lineSets.get(c.name);
      if (old === undefined) { chains.push(names.has(c.name) ? c : before.get(c.name) ?? c); continue; }
      // The parsed rules are the unknown lines', one each, in order.
      const lines = names.get(c.name)!.lines;
      const byLine: LineRules = new Map();
      const rules: Rule[] = [];
      let next = 0;
      for (const line of lines) {
        let made = old.get(line) ?? byLine.get(line);
        if (made !== undefined) made = made.map((x): Rule => ({ ...x, counters: emptyCounters() }));
        else {
          const parsed = c.rules[next++];
          if (parsed === undefined) return whole();
          made = canonicalRules(parsed);
        }
        if (!byLine.has(line)) byLine.set(line, made);
        rules.push(...made);
      }
      if (next !== c.rules.length) return whole();
      written?.set(`${t.name}/${c.name}`, byLine);
      chains.push({ ...c, rules });
    }
    tables.push({ ...after, chains });
  }
  // A table the restore created.
  for (const t of r.value.tables) if (!installed.tables.some((x) => x.name === t.name)) tables.push(t);
  return { ok: true, value: { tables } };
}

/** Registers the chains rebuilt line by line (as installed now) for the next sync. */
function rememberSources(rs: Ruleset, written: Map<string, LineRules>): void {
  for (const t of rs.tables) {
    for (const c of t.chains) {
      const lines = written.get(`${t.name}/${c.name}`);
      if (lines !== undefined) chainSource.set(c, { rules: c.rules, length: c.rules.length, lines });
    }
  }
}

/** `table/CHAIN` for every chain an iptables-restore text declares or writes to, but those rebuilt canonical already. */
function writtenChains(scan: RestoreScan, done: Map<string, LineRules>): Set<string> {
  const out = new Set<string>();
  for (const [table, chains] of scan.tables) for (const name of chains.keys()) if (!done.has(`${table}/${name}`)) out.add(`${table}/${name}`);
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
