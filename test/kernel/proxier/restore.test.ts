// The real iptables-restore accepts every rule shape the proxier writes (both
// versions, IPv4 and IPv6), and what the real iptables-save prints back after
// kubelet's rules, kube-proxy's jump rules and its restore equals our `save`.
import { afterAll, describe, expect, it } from 'vitest';
import { Netns } from '../helpers/netns.js';
import { nodeBaselineRestore, nodeIptablesSave, syncProxyRules, syncProxyRulesPartial, tokenizeLineForTest } from './driver.js';
import { shapesInput } from './shapes.js';
import type { KubeProxyVersion, ProxierInput, ProxierOutput } from '../../../core/engine/proxier/types.js';

const spaces: Netns[] = [];
afterAll(() => {
  for (const ns of spaces) ns.destroy();
});

function tools(family: 4 | 6): { ipt: string; restore: string; save: string } {
  return family === 4 ? { ipt: 'iptables', restore: 'iptables-restore', save: 'iptables-save' } : { ipt: 'ip6tables', restore: 'ip6tables-restore', save: 'ip6tables-save' };
}

/** kubelet's baseline, kube-proxy's ensured jumps (-C then -I 1), then its restore --noflush. */
function applyLikeANode(ns: Netns, family: 4 | 6, input: ProxierInput, outs: ProxierOutput[]): void {
  const t = tools(family);
  ns.check(t.restore, [], nodeBaselineRestore(input, 'minimal'));
  for (const out of outs) {
    for (const e of out.ensured) {
      const words = tokenizeLineForTest(e.rule);
      const [chain, ...spec] = words.slice(1);
      // EnsureChain (create if missing), then EnsureRule (check, else insert first).
      const target = spec[spec.indexOf('-j') + 1]!;
      if (ns.exec(t.ipt, ['-t', e.table, '-n', '-L', target]).status !== 0) ns.check(t.ipt, ['-t', e.table, '-N', target]);
      if (ns.exec(t.ipt, ['-t', e.table, '-C', chain!, ...spec]).status !== 0) ns.check(t.ipt, ['-t', e.table, '-I', chain!, '1', ...spec]);
    }
    ns.check(t.restore, ['--noflush'], out.restore);
  }
}

function realSave(ns: Netns, family: 4 | 6): string[] {
  return ns
    .check(tools(family).save, [])
    .split('\n')
    .filter((l) => !l.startsWith('#') && l !== '');
}

const cases: { version: KubeProxyVersion; family: 4 | 6; label: string; opts?: Parameters<typeof shapesInput>[2] }[] = [
  { version: '1.33', family: 4, label: 'default' },
  { version: '1.33', family: 6, label: 'default' },
  { version: '1.22', family: 4, label: 'default' },
  { version: '1.22', family: 6, label: 'default' },
  { version: '1.33', family: 4, label: 'localhostNodePorts=false, masqueradeAll', opts: { localhostNodePorts: false, masqueradeAll: true } },
  { version: '1.33', family: 4, label: 'nodePortAddresses', opts: { nodePortAddresses: ['192.168.0.0/24', '127.0.0.0/8'] } },
  { version: '1.33', family: 6, label: 'nodePortAddresses', opts: { nodePortAddresses: ['fd00::/64'] } },
];

describe.each(cases)('kube-proxy $version, IPv$family, $label', ({ version, family, opts }) => {
  const input = shapesInput(version, family, opts);
  const out = syncProxyRules(input);

  it('iptables-restore accepts the full sync, and iptables-save prints back exactly our save', () => {
    const ns = Netns.create('proxier');
    spaces.push(ns);
    applyLikeANode(ns, family, input, [out]);
    const ours = nodeIptablesSave(input, out, { quote: 'minimal' });
    if (!ours.ok) throw new Error(JSON.stringify(ours.errors));
    expect(realSave(ns, family)).toEqual(ours.value.split('\n').filter((l) => l !== ''));
  });
});

describe('a partial sync after a service deletion, applied on top of the full one', () => {
  it('leaves the node as a fresh full sync of the new state would', () => {
    const before = shapesInput('1.33', 4);
    const first = syncProxyRules(before);
    const after: ProxierInput = { ...before, services: before.services.filter((s) => s.metadata.name !== 'sticky' && s.metadata.name !== 'lb') };
    const second = syncProxyRulesPartial(after, first, { services: ['ns1/sticky', 'ns3/lb'] });
    expect(second.restore).toContain('-X KUBE-SVC-');
    const ns = Netns.create('proxier');
    spaces.push(ns);
    applyLikeANode(ns, 4, after, [first, second]);
    const fresh = nodeIptablesSave(after, syncProxyRules(after), { quote: 'minimal' });
    if (!fresh.ok) throw new Error('save');
    expect(realSave(ns, 4)).toEqual(fresh.value.split('\n').filter((l) => l !== ''));
  });
});
