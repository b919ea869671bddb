// A Lab over the app's contract client, so the lab runner can run in the
// renderer against the cluster the app shows (the host's lab). Until the
// contract has lab-runner requests, this is how the step panel checks things.
import type { Client } from '../../../core/api/client.js';
import type { ClusterSnapshot, CommandResult, Lab, LabEvent, LabSpec, TerminalSession, TraceResult } from '../../../core/lab/backend.js';
import type { Ruleset } from '../../../core/engine/iptables/model.js';
import { parseIptablesSave } from '../../../core/engine/iptables/index.js';
import type { Packet } from '../../../core/engine/packet/types.js';
import type { UserError } from '../../../core/engine/errors.js';

function fail(errors: UserError[]): never {
  throw new Error(errors.map((e) => e.message).join('; '));
}

export function contractLab(client: Client, spec: LabSpec): Lab {
  const result = (r: { ok: true; value: CommandResult } | { ok: false; errors: UserError[] }): CommandResult =>
    r.ok ? r.value : { output: `${r.errors.map((e) => e.message).join('\n')}\n`, exitCode: 1 };
  return {
    spec,
    async snapshot(): Promise<ClusterSnapshot> {
      const r = await client.call('lab.snapshot', {});
      return r.ok ? r.value : fail(r.errors);
    },
    async exec(node, command) { return result(await client.call('node.exec', { node, command })); },
    async kubectl(args) { return result(await client.call('kubectl', { args })); },
    async apply(manifest) { return result(await client.call('object.apply', { manifest })); },
    async installedRules(node): Promise<Ruleset> {
      const r = await client.call('node.rules', { node });
      if (!r.ok) fail(r.errors);
      const parsed = parseIptablesSave(r.value.save);
      return parsed.ok ? parsed.value : fail(parsed.errors);
    },
    async trace(node: string, packet: Packet, opts?: { seed?: number }): Promise<TraceResult> {
      const r = await client.call('trace', { node, packet, ...(opts?.seed !== undefined ? { seed: opts.seed } : {}) });
      return r.ok ? r.value : fail(r.errors);
    },
    async openTerminal(): Promise<TerminalSession> { throw new Error('the lab runner does not open terminals; the terminals pane does'); },
    on(_listener: (e: LabEvent) => void) { return () => {}; },
    async advance(ms) { const r = await client.call('lab.advance', { ms }); if (!r.ok) fail(r.errors); },
    async reset() { const r = await client.call('lab.reset', {}); if (!r.ok) fail(r.errors); },
    async close() { /* the host's lab outlives the lesson */ },
  };
}

/** The runner's factory: the host's lab, reset, with kubelet's restart switch as the lab asks. */
export async function hostLabFor(client: Client, spec: LabSpec): Promise<{ lab: Lab; warning?: string }> {
  const info = await client.call('lab.info', {});
  if (!info.ok) fail(info.errors);
  await client.call('lab.reset', {});
  await client.call('lab.setRestartKubeProxy', { on: spec.restartKubeProxy !== false });
  const host = info.value.spec;
  const warning = host.kubeProxyVersion !== spec.kubeProxyVersion || host.nodes !== spec.nodes
    ? `This lab is written for ${spec.nodes} nodes and kube-proxy ${spec.kubeProxyVersion}; the running cluster has ${host.nodes} nodes and kube-proxy ${host.kubeProxyVersion}. Some checks may not pass.`
    : undefined;
  return { lab: contractLab(client, { ...host, restartKubeProxy: spec.restartKubeProxy }), ...(warning !== undefined ? { warning } : {}) };
}
