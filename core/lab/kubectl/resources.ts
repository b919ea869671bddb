// The resource types this kubectl knows: what a person may type (`po`, `svc`,
// `deploy`, `endpointslices.discovery.k8s.io`), the kind it stands for, and
// how kubectl names it in messages (`deployment.apps/nginx`, `services "x"`).

import type { ClusterKind } from '../cluster/api.js';

export interface ResourceType {
  kind: ClusterKind;
  /** Plural resource name, as in `services "x" not found`. */
  plural: string;
  singular: string;
  /** API group ('' for core). */
  group: string;
  apiVersion: string;
  namespaced: boolean;
  shortNames: string[];
}

export const RESOURCES: ResourceType[] = [
  { kind: 'Pod', plural: 'pods', singular: 'pod', group: '', apiVersion: 'v1', namespaced: true, shortNames: ['po'] },
  { kind: 'Service', plural: 'services', singular: 'service', group: '', apiVersion: 'v1', namespaced: true, shortNames: ['svc'] },
  { kind: 'Endpoints', plural: 'endpoints', singular: 'endpoints', group: '', apiVersion: 'v1', namespaced: true, shortNames: ['ep'] },
  { kind: 'Node', plural: 'nodes', singular: 'node', group: '', apiVersion: 'v1', namespaced: false, shortNames: ['no'] },
  { kind: 'Namespace', plural: 'namespaces', singular: 'namespace', group: '', apiVersion: 'v1', namespaced: false, shortNames: ['ns'] },
  { kind: 'Event', plural: 'events', singular: 'event', group: '', apiVersion: 'v1', namespaced: true, shortNames: ['ev'] },
  { kind: 'EndpointSlice', plural: 'endpointslices', singular: 'endpointslice', group: 'discovery.k8s.io', apiVersion: 'discovery.k8s.io/v1', namespaced: true, shortNames: [] },
  { kind: 'Deployment', plural: 'deployments', singular: 'deployment', group: 'apps', apiVersion: 'apps/v1', namespaced: true, shortNames: ['deploy'] },
  { kind: 'ReplicaSet', plural: 'replicasets', singular: 'replicaset', group: 'apps', apiVersion: 'apps/v1', namespaced: true, shortNames: ['rs'] },
  { kind: 'ConfigMap', plural: 'configmaps', singular: 'configmap', group: '', apiVersion: 'v1', namespaced: true, shortNames: ['cm'] },
  { kind: 'DaemonSet', plural: 'daemonsets', singular: 'daemonset', group: 'apps', apiVersion: 'apps/v1', namespaced: true, shortNames: ['ds'] },
];

/** Resolve what a person typed (`svc`, `Service`, `deployments.apps`, `deploy.v1.apps`). */
export function resolveResource(typed: string): ResourceType | undefined {
  const t = typed.toLowerCase();
  const dot = t.indexOf('.');
  const head = dot >= 0 ? t.slice(0, dot) : t;
  const groupPart = dot >= 0 ? t.slice(dot + 1) : undefined;
  return RESOURCES.find((r) => {
    const names = [r.plural, r.singular, r.kind.toLowerCase(), ...r.shortNames];
    if (!names.includes(head)) return false;
    if (groupPart === undefined) return true;
    // `deployments.apps`, `deployments.v1.apps`, `endpointslices.discovery.k8s.io`
    return groupPart === r.group || groupPart === `${r.apiVersion.split('/').pop() ?? ''}.${r.group}` || (r.group === '' && groupPart === 'v1');
  });
}

export function resourceForKind(kind: string): ResourceType | undefined {
  return RESOURCES.find((r) => r.kind === kind);
}

/** `deployment.apps`, `service`, `endpointslice.discovery.k8s.io` — the prefix of `-o name` and action messages. */
export function qualifiedSingular(r: ResourceType): string {
  return r.group === '' ? r.singular : `${r.singular}.${r.group}`;
}

/** `deployments.apps`, `services` — the name in `Error from server (NotFound): services "x" not found`. */
export function qualifiedPlural(r: ResourceType): string {
  return r.group === '' ? r.plural : `${r.plural}.${r.group}`;
}

/** The kinds `kubectl get all` lists, in kubectl's order. */
export const ALL_KINDS = ['Pod', 'Service', 'DaemonSet', 'Deployment', 'ReplicaSet'];
