// Kubernetes API objects that kube-proxy watches (and that the lab's API server
// stores), with the API's own field names so real YAML maps onto them 1:1.
// Only the fields kube-proxy or the lab reads are modelled; parsers keep the
// rest out. Optional fields are optional exactly where the API defaults them.

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export type IPFamily = 'IPv4' | 'IPv6';

export interface ObjectMeta {
  name: string;
  /** Absent for cluster-scoped objects (Node); parsers default it to `default` for namespaced ones. */
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

// ---------------------------------------------------------------- Service

export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
export type TrafficPolicy = 'Cluster' | 'Local';
export type IPFamilyPolicy = 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';

export interface ServicePort {
  /** Required when a Service has more than one port. */
  name?: string;
  protocol?: Protocol;
  appProtocol?: string;
  port: number;
  /** A number or the name of a container port. */
  targetPort?: number | string;
  nodePort?: number;
}

export interface ClientIPConfig {
  timeoutSeconds?: number;
}

export interface SessionAffinityConfig {
  clientIP?: ClientIPConfig;
}

export interface ServiceSpec {
  type?: ServiceType;
  ports?: ServicePort[];
  selector?: Record<string, string>;
  /** `None` for a headless Service. */
  clusterIP?: string;
  clusterIPs?: string[];
  ipFamilies?: IPFamily[];
  ipFamilyPolicy?: IPFamilyPolicy;
  externalIPs?: string[];
  externalName?: string;
  externalTrafficPolicy?: TrafficPolicy;
  internalTrafficPolicy?: TrafficPolicy;
  healthCheckNodePort?: number;
  loadBalancerIP?: string;
  loadBalancerSourceRanges?: string[];
  loadBalancerClass?: string;
  allocateLoadBalancerNodePorts?: boolean;
  sessionAffinity?: 'None' | 'ClientIP';
  sessionAffinityConfig?: SessionAffinityConfig;
  publishNotReadyAddresses?: boolean;
  trafficDistribution?: string;
}

export interface PortStatus {
  port: number;
  protocol: Protocol;
  error?: string;
}

export interface LoadBalancerIngress {
  ip?: string;
  hostname?: string;
  ipMode?: 'VIP' | 'Proxy';
  ports?: PortStatus[];
}

export interface ServiceStatus {
  loadBalancer?: { ingress?: LoadBalancerIngress[] };
}

export interface ServiceObject {
  apiVersion: 'v1';
  kind: 'Service';
  metadata: ObjectMeta;
  spec: ServiceSpec;
  status?: ServiceStatus;
}

// ---------------------------------------------------------- EndpointSlice

export type AddressType = 'IPv4' | 'IPv6' | 'FQDN';

export interface EndpointConditions {
  /** nil means "unknown" and is treated as ready. */
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}

export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
}

export interface ForZone {
  name: string;
}

export interface ForNode {
  name: string;
}

export interface EndpointHints {
  forZones?: ForZone[];
  forNodes?: ForNode[];
}

export interface Endpoint {
  addresses: string[];
  conditions?: EndpointConditions;
  hostname?: string;
  targetRef?: ObjectReference;
  nodeName?: string;
  zone?: string;
  hints?: EndpointHints;
}

export interface EndpointPort {
  /** Matches the Service port's name ('' or absent for an unnamed port). */
  name?: string;
  protocol?: Protocol;
  port?: number;
  appProtocol?: string;
}

export interface EndpointSliceObject {
  apiVersion: 'discovery.k8s.io/v1';
  kind: 'EndpointSlice';
  /** `metadata.labels["kubernetes.io/service-name"]` names the Service. */
  metadata: ObjectMeta;
  addressType: AddressType;
  endpoints: Endpoint[];
  ports?: EndpointPort[];
}

/** The label that ties a slice to its Service. */
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
/** The label the mirroring / slice controllers put on slices they manage. */
export const LABEL_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';

// -------------------------------------------------------- Endpoints (v1)

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: ObjectReference;
}

export interface EndpointsPort {
  name?: string;
  port: number;
  protocol?: Protocol;
  appProtocol?: string;
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointsPort[];
}

export interface EndpointsObject {
  apiVersion: 'v1';
  kind: 'Endpoints';
  metadata: ObjectMeta;
  subsets?: EndpointSubset[];
}

// ------------------------------------------------------------------ Node

export type NodeAddressType = 'Hostname' | 'InternalIP' | 'ExternalIP' | 'InternalDNS' | 'ExternalDNS';

export interface NodeAddress {
  type: NodeAddressType;
  address: string;
}

export interface NodeCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

export interface NodeSpec {
  podCIDR?: string;
  podCIDRs?: string[];
  unschedulable?: boolean;
  providerID?: string;
  taints?: { key: string; value?: string; effect: string }[];
}

export interface NodeStatus {
  addresses?: NodeAddress[];
  conditions?: NodeCondition[];
  nodeInfo?: {
    kubeletVersion?: string;
    kubeProxyVersion?: string;
    osImage?: string;
    kernelVersion?: string;
    containerRuntimeVersion?: string;
    architecture?: string;
    operatingSystem?: string;
  };
}

export interface NodeObject {
  apiVersion: 'v1';
  kind: 'Node';
  metadata: ObjectMeta;
  spec: NodeSpec;
  status?: NodeStatus;
}

// ------------------------------------------------------------------- Pod

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: Protocol;
  hostPort?: number;
  hostIP?: string;
}

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  ports?: ContainerPort[];
}

export interface PodCondition {
  type: 'PodScheduled' | 'Initialized' | 'ContainersReady' | 'Ready' | 'PodReadyToStartContainers' | string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

export interface PodSpec {
  nodeName?: string;
  hostNetwork?: boolean;
  containers: Container[];
  terminationGracePeriodSeconds?: number;
}

export interface PodStatus {
  phase?: PodPhase;
  podIP?: string;
  podIPs?: { ip: string }[];
  hostIP?: string;
  conditions?: PodCondition[];
  startTime?: string;
}

export interface PodObject {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: ObjectMeta;
  spec: PodSpec;
  status?: PodStatus;
}

// ------------------------------------------------ KubeProxyConfiguration

export type ProxyMode = '' | 'iptables' | 'ipvs' | 'nftables' | 'kernelspace';
export type LocalMode = '' | 'ClusterCIDR' | 'NodeCIDR' | 'BridgeInterface' | 'InterfaceNamePrefix';

export interface KubeProxyIPTablesConfiguration {
  /** Bit of the packet mark used for SNAT (default 14 → 0x4000). */
  masqueradeBit?: number;
  masqueradeAll?: boolean;
  /** Accept NodePort connections to 127.0.0.1 (default true; IPv4 only). */
  localhostNodePorts?: boolean;
  syncPeriod?: string;
  minSyncPeriod?: string;
}

export interface DetectLocalConfiguration {
  bridgeInterface?: string;
  interfaceNamePrefix?: string;
}

export interface KubeProxyConntrackConfiguration {
  maxPerCore?: number;
  min?: number;
  tcpEstablishedTimeout?: string;
  tcpCloseWaitTimeout?: string;
  tcpBeLiberal?: boolean;
}

export interface KubeProxyConfiguration {
  apiVersion: 'kubeproxy.config.k8s.io/v1alpha1';
  kind: 'KubeProxyConfiguration';
  mode?: ProxyMode;
  clusterCIDR?: string;
  hostnameOverride?: string;
  bindAddress?: string;
  detectLocalMode?: LocalMode;
  detectLocal?: DetectLocalConfiguration;
  /** CIDRs, or the special value `primary` (1.29+: the node's primary IPs). Unset: all local addresses. */
  nodePortAddresses?: string[];
  iptables?: KubeProxyIPTablesConfiguration;
  conntrack?: KubeProxyConntrackConfiguration;
  healthzBindAddress?: string;
  metricsBindAddress?: string;
}

/** Every object kind the parser accepts. */
export type K8sObject =
  | ServiceObject
  | EndpointSliceObject
  | EndpointsObject
  | NodeObject
  | PodObject
  | KubeProxyConfiguration;
