// The cluster API that kubectl (core/lab/kubectl) and the node runtime call: a
// small in-process API server. Objects are plain Kubernetes JSON, exactly what
// `kubectl get -o json` would print, so kubectl can format them without
// knowing how they are stored. Every failure carries the API server's status
// (reason, message, causes) so kubectl can print the real words.

/** Kinds the lab's API server stores (singular Kind, as in `kind:`). */
export type ClusterKind =
  | 'Node'
  | 'Namespace'
  | 'Pod'
  | 'Service'
  | 'Endpoints'
  | 'EndpointSlice'
  | 'Deployment'
  | 'ReplicaSet'
  | 'DaemonSet'
  | 'Event'
  | 'ConfigMap';

export const CLUSTER_KINDS: readonly ClusterKind[] = [
  'Node', 'Namespace', 'Pod', 'Service', 'Endpoints', 'EndpointSlice', 'Deployment', 'ReplicaSet', 'DaemonSet', 'Event', 'ConfigMap',
];

/** Kinds that live in a namespace (the others are cluster-scoped). */
export function isNamespaced(kind: ClusterKind): boolean {
  return kind !== 'Node' && kind !== 'Namespace';
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  /** RFC 3339, seconds precision, `Z` (as the API server writes it). */
  creationTimestamp?: string;
  /** Set when a graceful delete started (pods: Terminating). */
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  generateName?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
}

/**
 * Any object, as JSON. `spec`/`status` are left open on purpose: kubectl reads
 * them as the JSON a real API server returns; the typed views live in
 * core/engine/k8s/types.ts.
 */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  /** Endpoints (`subsets`), EndpointSlice (`addressType`, `endpoints`, `ports`), ConfigMap (`data`), Event fields … */
  [extra: string]: unknown;
}

/** One cause of an Invalid status: printed as `field: Invalid value: 30450: provided port is already allocated`. */
export interface StatusCause {
  /** `FieldValueInvalid`, `FieldValueRequired`, `FieldValueNotSupported`, `FieldValueDuplicate`, `FieldValueForbidden`. */
  reason: string;
  /** The whole line after the field: `Invalid value: 30450: provided port is already allocated`. */
  message: string;
  /** `spec.ports[0].nodePort`. */
  field: string;
}

export type StatusReason = 'NotFound' | 'AlreadyExists' | 'Invalid' | 'Conflict' | 'BadRequest' | 'MethodNotAllowed' | 'Forbidden';

/**
 * A failed API call, shaped like metav1.Status. kubectl prints
 * `Error from server (<reason>): <message>` for most reasons; for Invalid, the
 * message already is the full text `The Service "nginx" is invalid: spec.ports[0].nodePort: Invalid value: 30450: provided port is already allocated`
 * (several causes: `The Service "x" is invalid: \n* a: …\n* b: …`, as the API server joins them).
 */
export interface ApiStatus {
  kind: 'Status';
  apiVersion: 'v1';
  status: 'Failure';
  reason: StatusReason;
  message: string;
  code: number;
  details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[] };
}

export type ApiResult<T> = { ok: true; value: T } | { ok: false; status: ApiStatus };

export type ApplyAction = 'created' | 'configured' | 'unchanged';

export type PatchType = 'merge' | 'json' | 'strategic';

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
}

/** The part of AbortSignal we use (the pure core's lib has no DOM types); a real AbortSignal fits. */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export interface ExecIO {
  stdin: string;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  signal?: AbortSignalLike;
}

export interface LogOptions {
  container?: string;
  previous?: boolean;
  /** `--tail`. */
  tail?: number;
}

export interface ClusterApi {
  /** Simulated wall clock, ms since the epoch (AGE columns are computed from it). */
  now(): number;
  /** Server version, as `kubectl version` prints it (`v1.33.1`). */
  serverVersion(): string;
  /** All objects of a kind, sorted by namespace then name; `namespace` null = all namespaces. */
  list(kind: ClusterKind, namespace: string | null, opts?: { labelSelector?: string }): ApiResult<KubeObject[]>;
  get(kind: ClusterKind, namespace: string | null, name: string): ApiResult<KubeObject>;
  /** `dryRun` validates and defaults (allocations included) without storing. */
  create(obj: KubeObject, opts?: { dryRun?: boolean }): ApiResult<KubeObject>;
  /** Create or update (server-side merge of the given fields over the stored object). */
  apply(obj: KubeObject, opts?: { dryRun?: boolean }): ApiResult<{ object: KubeObject; action: ApplyAction }>;
  /** Replace the stored object (immutable fields checked). */
  update(obj: KubeObject): ApiResult<KubeObject>;
  /** `patch` is JSON text or an already parsed value (merge/strategic: object, json: operations array). */
  patch(kind: ClusterKind, namespace: string | null, name: string, patch: unknown, type: PatchType): ApiResult<{ object: KubeObject; changed: boolean }>;
  /** Returns the object as it was at deletion (pods enter Terminating first, then go). */
  delete(kind: ClusterKind, namespace: string | null, name: string, opts?: { gracePeriodSeconds?: number }): ApiResult<KubeObject>;
  scale(kind: 'Deployment' | 'ReplicaSet', namespace: string, name: string, replicas: number): ApiResult<KubeObject>;
  /** The container's log text (klog lines for kube-proxy, nginx access lines …). */
  logs(namespace: string, pod: string, opts?: LogOptions): ApiResult<string>;
  /** Prints the current log first, then every new chunk; returns the unsubscribe function. */
  followLogs(namespace: string, pod: string, opts: LogOptions, listener: (chunk: string) => void): ApiResult<() => void>;
  /** Runs argv in the pod (a small set of programs: sh -c, cat, hostname, env, curl …); resolves to the exit status. */
  exec(namespace: string, pod: string, argv: string[], io: ExecIO): Promise<ApiResult<number>>;
  /** Events, oldest first; namespace null = all. */
  events(namespace: string | null): KubeObject[];
  /** ADDED/MODIFIED/DELETED after the call (no initial list: call list first); returns unsubscribe. */
  watch(kind: ClusterKind, namespace: string | null, listener: (e: WatchEvent) => void): () => void;
  /** Sleep in simulated time (kubectl `-w`, `logs -f` use it to wait); rejects on abort. */
  sleep(ms: number, signal?: AbortSignalLike): Promise<void>;
}

/** Resolve what a user typed (`svc`, `po`, `deployments.apps`, `ep`) to a Kind; undefined when unknown. */
export function kindFromResource(resource: string): ClusterKind | undefined {
  const r = resource.toLowerCase().replace(/\.(apps|discovery\.k8s\.io|v1)$/, '');
  return RESOURCE_ALIASES[r];
}

const RESOURCE_ALIASES: Record<string, ClusterKind> = {
  node: 'Node', nodes: 'Node', no: 'Node',
  namespace: 'Namespace', namespaces: 'Namespace', ns: 'Namespace',
  pod: 'Pod', pods: 'Pod', po: 'Pod',
  service: 'Service', services: 'Service', svc: 'Service',
  endpoints: 'Endpoints', ep: 'Endpoints',
  endpointslice: 'EndpointSlice', endpointslices: 'EndpointSlice',
  deployment: 'Deployment', deployments: 'Deployment', deploy: 'Deployment',
  replicaset: 'ReplicaSet', replicasets: 'ReplicaSet', rs: 'ReplicaSet',
  daemonset: 'DaemonSet', daemonsets: 'DaemonSet', ds: 'DaemonSet',
  event: 'Event', events: 'Event', ev: 'Event',
  configmap: 'ConfigMap', configmaps: 'ConfigMap', cm: 'ConfigMap',
};

/** The plural lowercase resource name the API server uses in messages (`services "x" not found`). */
export function resourceName(kind: ClusterKind): string {
  switch (kind) {
    case 'Endpoints': return 'endpoints';
    case 'EndpointSlice': return 'endpointslices.discovery.k8s.io';
    case 'Deployment': return 'deployments.apps';
    case 'ReplicaSet': return 'replicasets.apps';
    case 'DaemonSet': return 'daemonsets.apps';
    default: return `${kind.toLowerCase()}s`;
  }
}

/** apiVersion per kind. */
export function apiVersionOf(kind: ClusterKind): string {
  switch (kind) {
    case 'Deployment': case 'ReplicaSet': case 'DaemonSet': return 'apps/v1';
    case 'EndpointSlice': return 'discovery.k8s.io/v1';
    default: return 'v1';
  }
}
