// Seed 003 (a kube-proxy 1.22 cluster): our 1.22 output, as iptables-save
// shows it on k8s1, holds every KUBE-* line of the article's dump.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseObjects } from '../../../core/engine/k8s/index.js';
import type { K8sObject } from '../../../core/engine/k8s/index.js';
import { nodeIptablesSave, proxierInputFrom, syncProxyRules, kubeProxyHoldsNodePortSockets, checkJumps, syncProxyRulesPartial } from '../../../core/engine/proxier/index.js';

const here = join(import.meta.dirname, '../../fixtures');
const read = (p: string): string => readFileSync(join(here, p), 'utf8');

function objects(): K8sObject[] {
  const all: K8sObject[] = [];
  for (const f of ['nodes.yaml', 'services.yaml', 'endpoints.yaml', 'kube-proxy-config.yaml']) {
    const r = parseObjects(read(`k8s/seed003/${f}`), { file: f });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    all.push(...r.value.objects);
  }
  return all;
}

/** The article's `sudo iptables-save` on k8s1: from `*mangle` to the last COMMIT before the grep. */
function seedDump(): string[] {
  const lines = read('seeds/003_90a3171e736d5ab9.txt').split('\n');
  const start = lines.findIndex((l) => l === '*mangle');
  const end = lines.findIndex((l, i) => i > start && l.startsWith('lab@k8s1:~$'));
  return lines.slice(start, end);
}

function byChain(lines: string[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  let table = '';
  for (const l of lines) {
    if (l.startsWith('*')) table = l;
    if (!l.startsWith('-A ')) continue;
    const key = `${table} ${l.split(' ')[1]}`;
    m.set(key, [...(m.get(key) ?? []), l]);
  }
  return m;
}

describe('seed 003 with kube-proxy 1.22', () => {
  const input = proxierInputFrom(objects(), { nodeName: 'k8s1', version: '1.22', hostFacts: { randomFully: true } });
  if (!input.ok) throw new Error(JSON.stringify(input.errors));
  const out = syncProxyRules(input.value);
  const saved = nodeIptablesSave(input.value, out);
  if (!saved.ok) throw new Error(JSON.stringify(saved.errors));
  const ours = saved.value.split('\n');
  const kubeSeed = seedDump().filter((l) => l.includes('KUBE-'));
  const kubeOurs = ours.filter((l) => l.includes('KUBE-'));

  it('produces every KUBE-* line of the dump, and no other', () => {
    expect([...kubeOurs].sort()).toEqual([...kubeSeed].sort());
  });

  it('keeps the order of rules inside each chain (KUBE-SERVICES aside: kube-proxy 1.22 walked a Go map)', () => {
    const a = byChain(kubeSeed);
    const b = byChain(kubeOurs);
    for (const [chain, rules] of a) {
      if (chain.endsWith(' KUBE-SERVICES')) continue;
      expect(b.get(chain), chain).toEqual(rules);
    }
  });

  it('derives the same hashed chain names', () => {
    expect(out.restore).toContain(':KUBE-SVC-NPX46M4PTMTKRN6Y - [0:0]');
    expect(out.restore).toContain('-A KUBE-SVC-NE3M6G7FP5C7DVRO -m comment --comment "default/my-nginx-svc" -j KUBE-SEP-DSBJGVCOU4RGUKVK');
  });

  it('is the same on k8s2 and k8s3 for my-nginx-svc (`iptables-save | grep nginx`)', () => {
    const grep = (name: string): string[] => {
      const i = proxierInputFrom(objects(), { nodeName: name, version: '1.22' });
      if (!i.ok) throw new Error('input');
      const s = nodeIptablesSave(i.value, syncProxyRules(i.value));
      if (!s.ok) throw new Error('save');
      return s.value.split('\n').filter((l) => l.includes('nginx'));
    };
    const k8s1 = ours.filter((l) => l.includes('nginx'));
    expect(k8s1).toHaveLength(5);
    expect(grep('k8s2')).toEqual(k8s1);
    expect(grep('k8s3')).toEqual(k8s1);
  });

  it('after `kubectl delete service my-nginx-svc` nothing matches nginx and its chains are deleted', () => {
    const rest = objects().filter((o) => o.kind === 'KubeProxyConfiguration' || o.metadata.name !== 'my-nginx-svc');
    const i = proxierInputFrom(rest, { nodeName: 'k8s1', version: '1.22' });
    if (!i.ok) throw new Error('input');
    const next = syncProxyRulesPartial(i.value, out, { services: ['default/my-nginx-svc'] });
    expect(next.restore).toContain('-X KUBE-SVC-NE3M6G7FP5C7DVRO');
    expect(next.restore).toContain('-X KUBE-SEP-DSBJGVCOU4RGUKVK');
    const s = nodeIptablesSave(i.value, next);
    if (!s.ok) throw new Error('save');
    expect(s.value.split('\n').filter((l) => l.includes('nginx'))).toEqual([]);
  });

  it('is jump-consistent given kubelet\'s KUBE-MARK-DROP', () => {
    expect(checkJumps(out.restore, ['nat:KUBE-MARK-DROP'], out.ensured)).toEqual([]);
  });

  it('1.22 holds NodePort sockets, 1.33 does not', () => {
    expect(kubeProxyHoldsNodePortSockets('1.22')).toBe(true);
    expect(kubeProxyHoldsNodePortSockets('1.33')).toBe(false);
    const np = objects().map((o) => (o.kind === 'Service' && o.metadata.name === 'my-nginx-svc' ? { ...o, spec: { ...o.spec, type: 'NodePort' as const, ports: [{ port: 3000, protocol: 'TCP' as const, targetPort: 80, nodePort: 30450 }] } } : o));
    const i = proxierInputFrom(np, { nodeName: 'k8s1', version: '1.22' });
    if (!i.ok) throw new Error('input');
    expect(syncProxyRules(i.value).heldNodePorts).toEqual([{ port: 30450, proto: 'tcp', description: 'nodePort for default/my-nginx-svc' }]);
    const j = proxierInputFrom(np, { nodeName: 'k8s1', version: '1.33' });
    if (!j.ok) throw new Error('input');
    expect(syncProxyRules(j.value).heldNodePorts).toEqual([]);
  });
});

describe('kube-proxy 1.22 shapes', () => {
  it('NodePort with externalTrafficPolicy Local: KUBE-XLB chain, loopback masquerade, KUBE-MARK-DROP without local endpoints', () => {
    const objs = objects();
    const svc = { apiVersion: 'v1' as const, kind: 'Service' as const, metadata: { name: 'web', namespace: 'default' }, spec: { type: 'NodePort' as const, clusterIP: '10.96.5.5', externalTrafficPolicy: 'Local' as const, ports: [{ port: 80, protocol: 'TCP' as const, nodePort: 30080 }] } };
    const sl = { apiVersion: 'discovery.k8s.io/v1' as const, kind: 'EndpointSlice' as const, metadata: { name: 'web-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4' as const, endpoints: [{ addresses: ['10.244.3.9'], nodeName: 'k8s3' }], ports: [{ name: '', port: 8080, protocol: 'TCP' as const }] };
    const i = proxierInputFrom([...objs, svc, sl], { nodeName: 'k8s1', version: '1.22' });
    if (!i.ok) throw new Error('input');
    const r = syncProxyRules(i.value).restore;
    const xlb = r.split('\n').filter((l) => l.startsWith('-A KUBE-XLB-'));
    expect(xlb.map((l) => l.replace(/KUBE-(XLB|SVC)-\w+/g, 'KUBE-$1-x'))).toEqual([
      '-A KUBE-XLB-x -s 10.244.0.0/16 -m comment --comment "Redirect pods trying to reach external loadbalancer VIP to clusterIP" -j KUBE-SVC-x',
      '-A KUBE-XLB-x -m comment --comment "masquerade LOCAL traffic for default/web LB IP" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ',
      '-A KUBE-XLB-x -m comment --comment "route LOCAL traffic for default/web LB IP to service chain" -m addrtype --src-type LOCAL -j KUBE-SVC-x',
      '-A KUBE-XLB-x -m comment --comment "default/web has no local endpoints" -j KUBE-MARK-DROP',
    ]);
    expect(r).toMatch(/-A KUBE-NODEPORTS -s 127.0.0.0\/8 -p tcp -m comment --comment "default\/web" -m tcp --dport 30080 -j KUBE-MARK-MASQ/);
    expect(r).toMatch(/-A KUBE-NODEPORTS -p tcp -m comment --comment "default\/web" -m tcp --dport 30080 -j KUBE-XLB-/);
  });
});
