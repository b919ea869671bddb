// Input schemas for every request of the contract. The host validates each
// request with these before anything reaches a lab, so a renderer (or a hostile
// page) can only ask for what the contract allows, with bounded sizes.
import { z } from 'zod';

const name = z.string().min(1).max(253).regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a lowercase DNS name (a-z, 0-9, "-", ".")');
const nodeName = z.string().min(1).max(253).regex(/^[A-Za-z0-9][-A-Za-z0-9._]*$/, 'must be a node name');
const ipLiteral = z.string().min(2).max(45).regex(/^[0-9a-fA-F:.]+$/, 'must be an IPv4 or IPv6 address');
const port = z.number().int().min(1).max(65535);

export const packetSchema = z.object({
  ingress: z.enum(['external', 'pod', 'node']),
  proto: z.enum(['tcp', 'udp', 'sctp', 'icmp']),
  src: ipLiteral,
  sport: port.optional(),
  dst: ipLiteral,
  dport: port.optional(),
  inIface: z.string().max(15).optional(),
});

export const terminalTargetSchema = z.union([
  z.object({ node: nodeName }).strict(),
  z.object({ console: z.literal(true) }).strict(),
]);

const labId = z.string().min(1).max(64).regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a lab id (lower-case letters, digits, dashes)');
const labName = z.string().min(1).max(40).regex(/^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/, 'must be a lab name (lower-case letters, digits, dashes)');
const backend = z.enum(['sim', 'docker']);

/** The cluster a fresh lab starts with (the app's "New lab" and a lesson's own cluster). */
export const clusterSpecSchema = z.object({
  nodes: z.number().int().min(1).max(5),
  kubeProxyVersion: z.string().regex(/^v?1\.\d+(\.\d+)?$/, 'must be a kube-proxy version such as v1.32.0 or 1.22'),
  backend,
  restartKubeProxy: z.boolean().optional(),
  seed: z.number().int().optional(),
}).strict();

const size = { cols: z.number().int().min(2).max(1000), rows: z.number().int().min(1).max(500) };

/** Every request: method name -> params schema. */
export const requestSchemas = {
  'lab.info': z.object({}).strict(),
  'lab.snapshot': z.object({}).strict(),
  'lab.reset': z.object({}).strict(),
  'lab.advance': z.object({ ms: z.number().int().min(0).max(3_600_000) }).strict(),
  'lab.setRestartKubeProxy': z.object({ on: z.boolean() }).strict(),
  'node.rules': z.object({ node: nodeName }).strict(),
  'node.exec': z.object({ node: nodeName, command: z.string().min(1).max(8192) }).strict(),
  'node.killKubeProxy': z.object({ node: nodeName }).strict(),
  'node.restartKubeProxy': z.object({ node: nodeName }).strict(),
  'kubectl': z.object({ args: z.array(z.string().max(4096)).max(64) }).strict(),
  'object.apply': z.object({ manifest: z.string().min(1).max(1_000_000) }).strict(),
  'object.get': z.object({ kind: z.enum(['service', 'deployment', 'pod']), namespace: name, name }).strict(),
  'object.delete': z.object({ kind: z.enum(['service', 'deployment', 'pod']), namespace: name, name }).strict(),
  'deployment.scale': z.object({ namespace: name, name, replicas: z.number().int().min(0).max(100) }).strict(),
  'trace': z.object({ node: nodeName, packet: packetSchema, seed: z.number().int().optional() }).strict(),
  'trace.verify': z.object({ node: nodeName, packet: packetSchema }).strict(),
  // The workspace: which lab the app shows, on which backend; labs a crash left behind.
  'workspace.state': z.object({}).strict(),
  'workspace.start': z.object({ spec: clusterSpecSchema, manifest: z.string().max(1_000_000).optional() }).strict(),
  'workspace.attach': z.object({ name: labName }).strict(),
  'workspace.remove': z.object({ name: labName }).strict(),
  /** Docker stopped under the lab: go on with the same cluster (its objects) on the sim backend. */
  'workspace.fallback': z.object({}).strict(),
  // Guided labs (lessons), run by the host's lab runner on the workspace's lab.
  'lesson.list': z.object({}).strict(),
  'lesson.open': z.object({ id: labId, backend: backend.optional(), fresh: z.boolean().optional() }).strict(),
  'lesson.state': z.object({}).strict(),
  'lesson.answer': z.object({ choice: z.string().min(1).max(500) }).strict(),
  'lesson.hint': z.object({}).strict(),
  'lesson.solveStep': z.object({}).strict(),
  'lesson.resetStep': z.object({}).strict(),
  'lesson.resetLab': z.object({}).strict(),
  'lesson.goTo': z.object({ index: z.number().int().min(0).max(500) }).strict(),
  'lesson.close': z.object({}).strict(),
  'terminal.open': z.object({ target: terminalTargetSchema, ...size }).strict(),
  'terminal.write': z.object({ id: z.string().min(1).max(64), data: z.string().max(65_536) }).strict(),
  'terminal.resize': z.object({ id: z.string().min(1).max(64), ...size }).strict(),
  'terminal.close': z.object({ id: z.string().min(1).max(64) }).strict(),
} as const;

export type Method = keyof typeof requestSchemas;
export type Params<M extends Method> = z.infer<(typeof requestSchemas)[M]>;

export const METHODS = Object.keys(requestSchemas) as Method[];

export function isMethod(s: unknown): s is Method {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(requestSchemas, s);
}

/** The envelope a transport carries from client to host. */
export const requestEnvelopeSchema = z.object({
  id: z.number().int().nonnegative(),
  method: z.string().max(64),
  params: z.unknown(),
}).strict();
