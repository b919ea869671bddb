// The renderer's pure helpers: the Service form <-> YAML mapping, diff matching,
// rule splitting, and the packet as the trace rewrites it.
import { describe, expect, it } from 'vitest';
import { emptyForm, formToObject, formToYaml, localErrors, yamlToForm } from '../../../renderer/src/lib/service-form.js';
import { chainService, groupByService, normRule, splitRule } from '../../../renderer/src/lib/rules.js';
import { fmtProbability, packetAt, pathSvg } from '../../../renderer/src/lib/packet.js';
import type { TraceStep } from '../../../core/engine/packet/types.js';

describe('service form', () => {
  it('round-trips through YAML with every field the form shows', () => {
    const f = { ...emptyForm(), name: 'web', type: 'NodePort' as const, selector: 'app=nginx, tier=web', externalTrafficPolicy: 'Local' as const, sessionAffinity: 'ClientIP' as const, affinityTimeout: '600' };
    f.ports = [{ name: 'http', protocol: 'TCP', port: '80', targetPort: 'http', nodePort: '30080' }];
    const back = yamlToForm(formToYaml(f));
    expect(back).toEqual({ form: f });
  });
  it('writes the API object kube-apiserver expects', () => {
    const f = { ...emptyForm(), name: 'web' };
    f.ports = [{ name: '', protocol: 'UDP', port: '53', targetPort: '5353', nodePort: '' }];
    expect(formToObject(f)).toEqual({
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' },
      spec: { type: 'NodePort', ports: [{ protocol: 'UDP', port: 53, targetPort: 5353 }], selector: { app: 'nginx' } },
    });
  });
  it('drops nodePort for a ClusterIP Service', () => {
    const f = { ...emptyForm(), name: 'web', type: 'ClusterIP' as const };
    f.ports = [{ name: 'http', protocol: 'TCP', port: '80', targetPort: '80', nodePort: '30080' }];
    expect((formToObject(f).spec as { ports: Record<string, unknown>[] }).ports[0]).not.toHaveProperty('nodePort');
  });
  it('reports a YAML syntax error with its line', () => {
    const r = yamlToForm('kind: Service\nmetadata:\n  name: [web\n');
    expect('error' in r && r.line).toBeGreaterThan(0);
  });
  it("uses the API server's words for a missing name and a bad port, and leaves nodePort to it", () => {
    const f = emptyForm();
    f.ports = [{ name: '', protocol: 'TCP', port: '70000', targetPort: '', nodePort: '40000' }];
    expect(localErrors(f)).toEqual({
      'metadata.name': 'Required value: name or generateName is required',
      'spec.ports[0].port': 'Invalid value: 70000: must be between 1 and 65535, inclusive',
    });
  });
});

describe('chains helpers', () => {
  it('matches diff lines whatever table prefix the lab puts on them', () => {
    expect(normRule('nat -A KUBE-SERVICES  -d 10.96.0.1/32 -j X')).toBe('-A KUBE-SERVICES -d 10.96.0.1/32 -j X');
    expect(normRule('-t nat -A KUBE-SERVICES -j X')).toBe('-A KUBE-SERVICES -j X');
    expect(normRule('-A KUBE-SERVICES -j X')).toBe('-A KUBE-SERVICES -j X');
  });
  it('groups consecutive rules of one Service', () => {
    const r = (n: number, service?: string) => ({ number: n, text: '', packets: 0, bytes: 0, ...(service ? { service } : {}) });
    const g = groupByService([r(1, 'default/a:http'), r(2, 'default/a:http'), r(3), r(4, 'default/b:')]);
    expect(g.map((x) => [x.service, x.rules.length])).toEqual([['default/a:http', 2], [null, 1], ['default/b:', 1]]);
  });
  it('names the Service of a KUBE-SVC chain, not of a built-in one', () => {
    const rules = [{ number: 1, text: '', packets: 0, bytes: 0, service: 'default/nginx:http' }];
    expect(chainService({ name: 'KUBE-SVC-ABC', builtin: false, policy: null, packets: 0, bytes: 0, references: 1, rules })).toBe('default/nginx:http');
    expect(chainService({ name: 'PREROUTING', builtin: true, policy: 'ACCEPT', packets: 0, bytes: 0, references: 0, rules })).toBeNull();
  });
  it('splits a rule into its matches and its target', () => {
    const r = { number: 1, text: '-A KUBE-SVC-X -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-Y', packets: 0, bytes: 0 };
    expect(splitRule(r, 'KUBE-SVC-X')).toEqual({ body: '-m statistic --mode random --probability 0.50000000000', verb: '-j', target: 'KUBE-SEP-Y', rest: '' });
    const d = { number: 2, text: '-A KUBE-SEP-Y -p tcp -m tcp -j DNAT --to-destination 10.244.1.5:80', packets: 0, bytes: 0 };
    expect(splitRule(d, 'KUBE-SEP-Y')).toEqual({ body: '-p tcp -m tcp', verb: '-j', target: 'DNAT', rest: '--to-destination 10.244.1.5:80' });
  });
});

describe('packet helpers', () => {
  const step = (action: string | undefined, matched = true): TraceStep => ({ hook: 'PREROUTING', table: 'nat', chain: 'X', ruleNumber: 1, rule: '-A X', matched, ...(action !== undefined ? { action } : {}) });
  const packet = { ingress: 'external' as const, proto: 'tcp' as const, src: '203.0.113.7', sport: 40000, dst: '192.168.49.2', dport: 30450 };
  it('applies DNAT, MARK and MASQUERADE in order, and only matched rules', () => {
    const steps = [step('MARK or 0x4000'), step('DNAT to 10.9.9.9:1', false), step('DNAT to 10.244.1.5:80'), step('MASQUERADE')];
    expect(packetAt(packet, steps, 0)).toMatchObject({ dst: '192.168.49.2', dport: 30450, mark: '0x4000', changed: ['mark'] });
    expect(packetAt(packet, steps, 2)).toMatchObject({ dst: '10.244.1.5', dport: 80, changed: ['dst'] });
    expect(packetAt(packet, steps, 3)).toMatchObject({ src: '203.0.113.7', masquerade: true, changed: ['src'] });
  });
  it('prints exact probabilities', () => {
    expect(fmtProbability(1)).toBe('100%');
    expect(fmtProbability(1 / 3)).toBe('33.33%');
    expect(fmtProbability(0.5)).toBe('50%');
  });
  it('exports only matched rules, escaped, in an SVG', () => {
    const svg = pathSvg('Packet <path>', packet, [step('jump KUBE-SERVICES'), step(undefined, false)], 'ACCEPT: delivered', true);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('Packet &lt;path&gt;');
    expect(svg.match(/<circle/g)?.length).toBe(1);
  });
});
