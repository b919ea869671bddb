// One cluster holding every Service shape the proxier handles, in either IP
// family: ClusterIP (multi-port, UDP, SCTP, affinity), NodePort, LoadBalancer
// (source ranges, Local policy with and without local endpoints, Proxy-mode
// ingress), externalIPs, internal Local policy, terminating endpoints, no
// endpoints, headless, ExternalName.
import type { EndpointSliceObject, ServiceObject } from '../../../core/engine/k8s/types.js';
import type { KubeProxyVersion, ProxierInput } from '../../../core/engine/proxier/types.js';
import { config, ep, node, port, service, slice, TEST_HOSTNAME } from '../../unit/proxier/helpers.js';

export function shapesInput(version: KubeProxyVersion, family: 4 | 6, opts: { localhostNodePorts?: boolean; nodePortAddresses?: string[]; masqueradeAll?: boolean } = {}): ProxierInput {
  const v6 = family === 6;
  const cip = (n: number): string => (v6 ? `fd00:10:96::${n}` : `172.30.0.${n}`);
  const pod = (n: number): string => (v6 ? `fd00:10:180::${n}` : `10.180.0.${n}`);
  const ext = (n: number): string => (v6 ? `2001:db8:99::${n}` : `192.168.99.${n}`);
  const lb = (n: number): string => (v6 ? `2001:db8:1::${n}` : `1.2.3.${n}`);
  const range = v6 ? '2001:db8:113::/64' : '203.0.113.0/25';
  const at = v6 ? 'IPv6' : 'IPv4';
  const services: ServiceObject[] = [
    service('ns1', 'cluster', { clusterIP: cip(1), ports: [port('http', 80), port('dns', 53, { protocol: 'UDP' }), port('sctp', 9, { protocol: 'SCTP' })] }),
    service('ns1', 'sticky', { clusterIP: cip(2), sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } }, ports: [port('http', 80)] }),
    service('ns2', 'nodeport', { type: 'NodePort', clusterIP: cip(3), ports: [port('http', 80, { nodePort: 30080 })] }),
    service('ns2', 'np-local', { type: 'NodePort', clusterIP: cip(4), externalTrafficPolicy: 'Local', ports: [port('http', 80, { nodePort: 30081 })] }),
    service('ns3', 'lb', { type: 'LoadBalancer', clusterIP: cip(5), loadBalancerSourceRanges: [range], ports: [port('http', 80, { nodePort: 30082 })] }, [lb(5), lb(6)]),
    service('ns3', 'lb-local', { type: 'LoadBalancer', clusterIP: cip(6), externalTrafficPolicy: 'Local', healthCheckNodePort: 32000, externalIPs: [ext(6)], ports: [port('http', 80, { nodePort: 30083 })] }, [lb(7)]),
    service('ns3', 'lb-local-none', { type: 'LoadBalancer', clusterIP: cip(7), externalTrafficPolicy: 'Local', healthCheckNodePort: 32001, ports: [port('http', 80, { nodePort: 30084 })] }, [lb(8)]),
    service('ns4', 'extip', { clusterIP: cip(8), externalIPs: [ext(8)], ports: [port('http', 80)] }),
    service('ns4', 'itp-local', { clusterIP: cip(9), internalTrafficPolicy: 'Local', ports: [port('http', 80)] }),
    service('ns4', 'itp-local-none', { clusterIP: cip(10), internalTrafficPolicy: 'Local', ports: [port('http', 80)] }),
    service('ns5', 'terminating', { clusterIP: cip(11), ports: [port('http', 80)] }),
    service('ns5', 'empty', { type: 'LoadBalancer', clusterIP: cip(12), externalIPs: [ext(12)], ports: [port('http', 80, { nodePort: 30085 })] }, [lb(12)]),
    service('ns5', 'headless', { clusterIP: 'None', ports: [port('http', 80)] }),
    service('ns5', 'external-name', { type: 'ExternalName', externalName: 'example.com' }),
  ];
  const local = { nodeName: TEST_HOSTNAME };
  const remote = { nodeName: 'host2' };
  const slices: EndpointSliceObject[] = [
    slice('ns1', 'cluster', [ep(pod(1), local), ep(pod(2), remote), ep(pod(3), remote)], [{ name: 'http', port: 8080 }, { name: 'dns', port: 5353, protocol: 'UDP' }, { name: 'sctp', port: 9999, protocol: 'SCTP' }], at),
    slice('ns1', 'sticky', [ep(pod(4)), ep(pod(5))], [{ name: 'http', port: 80 }], at),
    slice('ns2', 'nodeport', [ep(pod(6), remote)], [{ name: 'http', port: 80 }], at),
    slice('ns2', 'np-local', [ep(pod(7), local), ep(pod(8), remote)], [{ name: 'http', port: 80 }], at),
    slice('ns3', 'lb', [ep(pod(9))], [{ name: 'http', port: 80 }], at),
    slice('ns3', 'lb-local', [ep(pod(10), local)], [{ name: 'http', port: 80 }], at),
    slice('ns3', 'lb-local-none', [ep(pod(11), remote)], [{ name: 'http', port: 80 }], at),
    slice('ns4', 'extip', [ep(pod(12))], [{ name: 'http', port: 80 }], at),
    slice('ns4', 'itp-local', [ep(pod(13), local), ep(pod(14), remote)], [{ name: 'http', port: 80 }], at),
    slice('ns4', 'itp-local-none', [ep(pod(15), remote)], [{ name: 'http', port: 80 }], at),
    slice('ns5', 'terminating', [ep(pod(16), { conditions: { ready: false, serving: true, terminating: true } })], [{ name: 'http', port: 80 }], at),
    slice('ns5', 'headless', [ep(pod(17))], [{ name: 'http', port: 80 }], at),
  ];
  return {
    version,
    node: v6 ? node(TEST_HOSTNAME, ['fd00::2'], 'fd00:10:180::/64') : node(TEST_HOSTNAME, ['192.168.0.2'], '10.180.0.0/24'),
    config: config({
      clusterCIDR: v6 ? 'fd00:10::/48' : '10.0.0.0/8',
      ...(opts.nodePortAddresses !== undefined ? { nodePortAddresses: opts.nodePortAddresses } : {}),
      iptables: { localhostNodePorts: opts.localhostNodePorts ?? true, masqueradeAll: opts.masqueradeAll ?? false },
    }),
    hostFacts: { randomFully: true, nfacct: false, tcpBeLiberal: false },
    services,
    endpointSlices: slices,
  };
}
