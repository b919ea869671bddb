// kube-proxy's iptables proxier as a pure function: objects in, the
// iptables-restore text of a sync out (plus the jump rules it ensures in
// built-in chains and, before 1.24, the NodePorts it holds sockets on).

import type { KubeProxyVersion, ProxierInput, ProxierOutput, SyncChanges } from './types.js';
import { syncContext } from './context.js';
import type { SyncContext } from './context.js';
import { buildEndpointsMap } from './endpoints.js';
import { servicePorts } from './serviceports.js';
import { generate133, ensured133 } from './sync133.js';
import type { GeneratedRules } from './sync133.js';
import { generate122, ensured122 } from './sync122.js';
import { renderLine, renderTable } from './layout.js';
import type { LineStyle } from './layout.js';
import { canonicalLine } from './rules.js';
import type { RuleLine } from './rules.js';
import { isServiceChainName } from './names.js';

export type { KubeProxyVersion, ProxierInput, ProxierOutput, HostFacts, SyncChanges } from './types.js';
export { DEFAULT_HOST_FACTS, DEFAULT_KUBE_PROXY_VERSION } from './types.js';
export { servicePortChainName, isServiceChainName, portProtoHash, clearChainNameCache } from './names.js';
export type { ServiceChainKind } from './names.js';
export { syncContext, masqueradeMarkFor } from './context.js';
export { canonicalLine, restoreLine, savedProbability } from './rules.js';
export type { QuoteStyle, RuleLine } from './rules.js';
export { nodeIptablesSave, nodeBaselineRestore, canonicalRestore, defaultSaveQuoting } from './nodeview.js';
export type { NodeSaveOptions } from './nodeview.js';
export { checkJumps } from './jumps.js';
export type { JumpProblem } from './jumps.js';

/** kube-proxy before 1.24 opened and held a listening socket on every NodePort. */
export function kubeProxyHoldsNodePortSockets(version: KubeProxyVersion): boolean {
  const [maj, min] = version.split('.').map(Number) as [number, number];
  return maj === 1 && min < 24;
}

function restoreStyle(version: KubeProxyVersion, ctx: SyncContext): LineStyle {
  // 1.22 is modelled as its rules read back by iptables-save 1.8.4 (seed 003): canonical, always quoted.
  return version === '1.22' ? { form: 'canonical', family: ctx.family, quote: 'always' } : { form: 'kube-proxy', family: ctx.family, quote: 'always' };
}

function ensuredOf(version: KubeProxyVersion, ctx: SyncContext): ProxierOutput['ensured'] {
  const list = version === '1.22' ? ensured122() : ensured133();
  const out: ProxierOutput['ensured'] = list.map((e) => ({ table: e.table, rule: canonicalLine({ chain: e.chain, args: e.args }, ctx.family, 'always'), position: 'prepend' as const }));
  if (version !== '1.22' && ctx.family === 4 && ctx.localhostNodePorts) {
    // The jumps to KUBE-FIREWALL (kubelet makes the same ones; whoever comes first wins).
    out.push({ table: 'filter', rule: '-A INPUT -j KUBE-FIREWALL', position: 'prepend' });
    out.push({ table: 'filter', rule: '-A OUTPUT -j KUBE-FIREWALL', position: 'prepend' });
  }
  return out;
}

function run(input: ProxierInput, onlyServices: ReadonlySet<string> | undefined, previous: ProxierOutput | undefined): ProxierOutput {
  const ctx = syncContext(input);
  const ports = servicePorts(input.services, ctx.family);
  const endpoints = buildEndpointsMap(input.endpointSlices, ctx.family, ctx.nodeName);
  const style = restoreStyle(input.version, ctx);
  const render = (r: RuleLine): string => renderLine(r, style);
  let gen: GeneratedRules;
  let held: ProxierOutput['heldNodePorts'] = [];
  if (input.version === '1.22') {
    const g = generate122(ctx, ports, endpoints, render);
    gen = g;
    held = g.held;
  } else {
    gen = generate133(ctx, ports, endpoints, onlyServices !== undefined ? { onlyServices, render } : { render });
  }
  if (previous?.activeNatChains !== undefined) {
    const live = new Set(gen.activeNatChains);
    gen.nat.deleted.push(...previous.activeNatChains.filter((c) => !live.has(c) && isServiceChainName(c)));
  }
  const out: ProxierOutput = {
    restore: renderTable('filter', gen.filter) + renderTable('nat', gen.nat),
    ensured: ensuredOf(input.version, ctx),
    heldNodePorts: kubeProxyHoldsNodePortSockets(input.version) ? held : [],
    activeNatChains: gen.activeNatChains,
    largeClusterMode: gen.largeClusterMode,
    partial: onlyServices !== undefined,
  };
  return out;
}

/** The iptables-restore input of a full sync. */
export function syncProxyRules(input: ProxierInput): ProxierOutput {
  return run(input, undefined, undefined);
}

/**
 * A partial sync (1.28+): only the changed services' own chains are rewritten;
 * chains live in `previous` but gone now are flushed and deleted with -X. After
 * a failed restore, or on 1.22 (which had no partial syncs), a full sync.
 */
export function syncProxyRulesPartial(input: ProxierInput, previous: ProxierOutput, changed: SyncChanges): ProxierOutput {
  const full = changed.restoreFailed === true || input.version === '1.22';
  return run(input, full ? undefined : new Set(changed.services), previous);
}
export { proxierInputFrom, DEFAULT_KUBE_PROXY_CONFIGURATION } from './input.js';
export type { InputOptions } from './input.js';
