// ProxierInput from a bag of parsed objects: the node kube-proxy runs on (by
// name, or the only Node), its configuration (defaults when absent), the
// Services, and the EndpointSlices it would watch (legacy Endpoints mirrored).

import type { Result, UserError } from '../errors.js';
import type { EndpointSliceObject, EndpointsObject, K8sObject, KubeProxyConfiguration, NodeObject, ServiceObject } from '../k8s/types.js';
import { effectiveEndpointSlices } from '../k8s/mirror.js';
import type { HostFacts, KubeProxyVersion, ProxierInput } from './types.js';
import { DEFAULT_HOST_FACTS, DEFAULT_KUBE_PROXY_VERSION } from './types.js';

export interface InputOptions {
  nodeName?: string;
  version?: KubeProxyVersion;
  hostFacts?: Partial<HostFacts>;
}

export const DEFAULT_KUBE_PROXY_CONFIGURATION: KubeProxyConfiguration = {
  apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
  kind: 'KubeProxyConfiguration',
};

export function proxierInputFrom(objects: readonly K8sObject[], opts: InputOptions = {}): Result<ProxierInput> {
  const nodes = objects.filter((o): o is NodeObject => o.kind === 'Node');
  const services = objects.filter((o): o is ServiceObject => o.kind === 'Service');
  const slices = objects.filter((o): o is EndpointSliceObject => o.kind === 'EndpointSlice');
  const endpoints = objects.filter((o): o is EndpointsObject => o.kind === 'Endpoints');
  const configs = objects.filter((o): o is KubeProxyConfiguration => o.kind === 'KubeProxyConfiguration');
  const err = (message: string): Result<ProxierInput> => ({ ok: false, errors: [{ message } as UserError] });
  let node: NodeObject | undefined;
  if (opts.nodeName !== undefined) {
    node = nodes.find((n) => n.metadata.name === opts.nodeName);
    if (node === undefined) {
      return err(`node "${opts.nodeName}" not found` + (nodes.length > 0 ? ` (the input has: ${nodes.map((n) => n.metadata.name).join(', ')})` : ' (the input has no Node object)'));
    }
  } else if (nodes.length === 1) {
    node = nodes[0];
  } else if (nodes.length === 0) {
    return err('the input has no Node object: kube-proxy needs the node it runs on (its addresses and podCIDR); add one, e.g. from `kubectl get node NAME -o yaml`');
  } else {
    return err(`the input has ${nodes.length} nodes (${nodes.map((n) => n.metadata.name).join(', ')}): choose one with --node NAME`);
  }
  if (configs.length > 1) return err(`the input has ${configs.length} KubeProxyConfiguration objects: keep one`);
  return {
    ok: true,
    value: {
      version: opts.version ?? DEFAULT_KUBE_PROXY_VERSION,
      node: node!,
      config: configs[0] ?? DEFAULT_KUBE_PROXY_CONFIGURATION,
      hostFacts: { ...DEFAULT_HOST_FACTS, ...opts.hostFacts },
      services,
      endpointSlices: effectiveEndpointSlices(slices, endpoints),
    },
  };
}
