// Reading Kubernetes objects as kubectl prints them, and errors that say
// file, line, object and field.
import { describe, expect, it } from 'vitest';
import { parseObjects, mirrorEndpoints, effectiveEndpointSlices } from '../../../core/engine/k8s/index.js';
import type { EndpointsObject, EndpointSliceObject } from '../../../core/engine/k8s/index.js';
import { formatError } from '../../../core/engine/errors.js';

const errorsOf = (text: string): string[] => {
  const r = parseObjects(text, { file: 'svc.yaml' });
  return r.ok ? [] : r.errors.map(formatError);
};

describe('parseObjects', () => {
  it('reads multi-document YAML and kind: List, in order, defaulting the namespace', () => {
    const r = parseObjects(`apiVersion: v1
kind: Service
metadata: {name: a}
spec: {clusterIP: 10.96.0.5, ports: [{port: 80}]}
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Node
  metadata: {name: n1}
  spec: {podCIDR: 10.244.1.0/24}
  status: {addresses: [{type: InternalIP, address: 10.0.0.1}]}
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web, namespace: prod}
---
`);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.objects.map((o) => o.kind)).toEqual(['Service', 'Node']);
    expect(r.value.objects[0]!.kind === 'Service' && r.value.objects[0]!.metadata.namespace).toBe('default');
    expect(r.value.ignored).toEqual(['Deployment prod/web']);
  });

  it('reads JSON as kubectl get -o json prints it', () => {
    const r = parseObjects(JSON.stringify({ apiVersion: 'v1', kind: 'ServiceList', items: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x', namespace: 'ns' }, spec: { type: 'NodePort', clusterIP: '10.96.1.1', ports: [{ name: 'http', port: 80, nodePort: 30080, targetPort: '8080' }] } }] }));
    expect(r.ok && r.value.objects[0]).toMatchObject({ kind: 'Service', spec: { type: 'NodePort', ports: [{ name: 'http', port: 80, nodePort: 30080, targetPort: 8080 }] } });
  });

  it('names file, line, object and field of a bad value', () => {
    expect(errorsOf('apiVersion: v1\nkind: Service\nmetadata:\n  name: nginx\nspec:\n  ports:\n  - port: http\n')).toEqual([
      'svc.yaml:7:11: Service default/nginx: spec.ports[0].port: Invalid value: "http": must be an integer',
    ]);
  });

  it('reports ranges, unknown protocols, bad IPs and missing names', () => {
    const errs = errorsOf(`apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  clusterIP: 10.0.0.300
  ports:
  - {name: a, port: 70000, protocol: ICMP}
  - {port: 81}
`);
    expect(errs).toEqual([
      'svc.yaml:7:21: Service shop/web: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'svc.yaml:7:38: Service shop/web: spec.ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
      'svc.yaml:8:5: Service shop/web: spec.ports[1].name: Required value',
      'svc.yaml:5:14: Service shop/web: spec.clusterIP: Invalid value: "10.0.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    ]);
  });

  it('reports YAML syntax errors with line and column', () => {
    const errs = errorsOf('kind: Service\nmetadata: {name: x\n');
    expect(errs.length).toBeGreaterThan(0);
    expect(errs[0]).toMatch(/^svc.yaml:\d+:\d+: /);
  });

  it('reads EndpointSlice conditions, Node addresses, Pod status and KubeProxyConfiguration', () => {
    const r = parseObjects(`apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: s, namespace: ns, labels: {kubernetes.io/service-name: svc}}
addressType: IPv4
endpoints:
- addresses: [10.1.0.5]
  conditions: {ready: false, serving: true, terminating: true}
  nodeName: n1
ports: [{name: http, port: 8080, protocol: TCP}]
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: ns}
spec:
  nodeName: n1
  containers: [{name: c, image: nginx, ports: [{containerPort: 80, name: http}]}]
status: {phase: Running, podIP: 10.1.0.5, conditions: [{type: Ready, status: "True"}]}
---
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clusterCIDR: 10.244.0.0/16
detectLocalMode: ClusterCIDR
nodePortAddresses: [primary]
iptables: {masqueradeBit: 14, localhostNodePorts: false}
`);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.objects[0]).toMatchObject({ kind: 'EndpointSlice', endpoints: [{ addresses: ['10.1.0.5'], conditions: { ready: false, serving: true, terminating: true }, nodeName: 'n1' }] });
    expect(r.value.objects[1]).toMatchObject({ kind: 'Pod', spec: { nodeName: 'n1', containers: [{ ports: [{ containerPort: 80, name: 'http' }] }] }, status: { podIP: '10.1.0.5', phase: 'Running' } });
    expect(r.value.objects[2]).toMatchObject({ kind: 'KubeProxyConfiguration', nodePortAddresses: ['primary'], iptables: { masqueradeBit: 14, localhostNodePorts: false } });
  });

  it('rejects a bad podCIDR on a Node and a bad CIDR in the configuration', () => {
    expect(errorsOf('apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nspec: {podCIDR: 10.244.1.0/33}\n')).toEqual([
      'svc.yaml:4:17: Node n1: spec.podCIDR: Invalid value: "10.244.1.0/33": must be a valid CIDR (e.g. 10.244.1.0/24)',
    ]);
    expect(errorsOf('apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nclusterCIDR: banana\n')[0]).toContain('KubeProxyConfiguration: clusterCIDR: Invalid value: "banana"');
  });
});

describe('Endpoints mirroring', () => {
  const eps: EndpointsObject = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'web', namespace: 'shop' },
    subsets: [{ addresses: [{ ip: '10.1.0.5', nodeName: 'n1' }, { ip: 'fd00::5' }], notReadyAddresses: [{ ip: '10.1.0.6' }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }],
  };
  it('copies each subset per family, ready and not-ready, with the service-name label', () => {
    const s = mirrorEndpoints(eps);
    expect(s.map((x) => x.addressType)).toEqual(['IPv4', 'IPv6']);
    expect(s[0]).toMatchObject({
      metadata: { namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslicemirroring-controller.k8s.io' } },
      endpoints: [{ addresses: ['10.1.0.5'], conditions: { ready: true }, nodeName: 'n1' }, { addresses: ['10.1.0.6'], conditions: { ready: false } }],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    });
  });
  it('does not mirror Endpoints of a service that has its own slices', () => {
    const own: EndpointSliceObject = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-x', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4', endpoints: [] };
    expect(effectiveEndpointSlices([own], [eps])).toEqual([own]);
    expect(effectiveEndpointSlices([], [eps])).toHaveLength(2);
  });
});
