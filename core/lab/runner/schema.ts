// The lab format as a zod schema: the one source of truth for `lab.yaml`.
// `labs/lab.schema.json` is generated from it (`chainlab lab schema`), so an
// editor can complete and check a manifest while a non-programmer writes it.

import { z } from 'zod';

/** `5s`, `500ms`, `2m`: how long to wait. */
export const Duration = z.string().regex(/^\d+(ms|s|m)$/, 'a duration such as 500ms, 5s or 2m');

/** Where a command runs: `console` (kubectl console, on the control-plane) or a node name. */
export const Terminal = z.string().min(1).describe('`console` or a node name such as k8s2');

const Regex = z.string().min(1).describe('a JavaScript regular expression');

// ---- checks -------------------------------------------------------------

const ObjectRef = {
  resource: z.string().min(1).describe('kubectl resource: service, deployment, pod, endpoints …'),
  name: z.string().min(1),
  namespace: z.string().min(1).optional(),
};

export const ObjectCheck = z.object({
  object: z.strictObject({ ...ObjectRef, absent: z.boolean().optional().describe('true: passes when the object does NOT exist') }),
}).strict().describe('cluster: an object exists (or is gone)');

export const FieldCheck = z.object({
  field: z.strictObject({
    ...ObjectRef,
    path: z.string().min(1).describe('dotted path with [n] indexes: spec.ports[0].nodePort'),
    equals: z.union([z.string(), z.number(), z.boolean()]).optional(),
    matches: Regex.optional(),
  }),
}).strict().describe('cluster: a field has a value');

export const EndpointsCheck = z.object({
  endpoints: z.strictObject({
    service: z.string().min(1),
    namespace: z.string().min(1).optional(),
    ready: z.number().int().min(0).describe('how many ready endpoint addresses'),
  }),
}).strict().describe('cluster: a Service has this many ready endpoints');

export const ProcessCheck = z.object({
  process: z.strictObject({
    node: z.string().min(1),
    name: z.string().min(1).describe('a word of the command line, as ps -aef shows it: kube-proxy, python'),
    running: z.boolean().default(true),
  }),
}).strict().describe('node: a process runs (or not)');

export const SocketCheck = z.object({
  socket: z.strictObject({
    node: z.string().min(1),
    port: z.number().int().min(1).max(65535),
    proto: z.enum(['tcp', 'udp']).default('tcp'),
    listening: z.boolean().default(true),
    process: z.string().optional().describe('the listening program (ss -p), e.g. python'),
  }),
}).strict().describe('node: a socket listens on a port (or nothing does)');

export const RuleCheck = z.object({
  rule: z.strictObject({
    node: z.string().min(1),
    table: z.enum(['filter', 'nat', 'mangle', 'raw']).default('nat'),
    chain: z.string().min(1).describe('exact chain name, or a prefix ending in * (KUBE-SEP-*)'),
    matches: Regex.describe('matched against the rule in iptables-save form: -A CHAIN …'),
    present: z.boolean().default(true),
    count: z.number().int().min(0).optional().describe('exactly this many matching rules'),
  }),
}).strict().describe('node: a rule exists in a chain (or not)');

export const CounterCheck = z.object({
  counter: z.strictObject({
    node: z.string().min(1),
    table: z.enum(['filter', 'nat', 'mangle', 'raw']).default('nat'),
    chain: z.string().min(1),
    matches: Regex,
    rose: z.number().int().min(1).default(1).describe('packets added since the step began'),
  }),
}).strict().describe("node: a rule's packet counter rose since the step began");

export const CommandCheck = z.object({
  command: z.strictObject({
    matches: Regex.describe('a command line the student ran'),
    terminal: Terminal.optional(),
    output: Regex.optional().describe('and its output matched this'),
    exitCode: z.number().int().optional(),
  }),
}).strict().describe('terminal: a command was run (and its output matched)');

export const PacketSpec = z.strictObject({
  node: z.string().min(1).describe('the node the packet enters'),
  from: z.enum(['external', 'pod', 'node']).default('external'),
  proto: z.enum(['tcp', 'udp']).default('tcp'),
  src: z.string().optional().describe('source address; default 203.0.113.7 (external), a pod on the node (pod), 127.0.0.1 (node)'),
  to: z.union([
    z.strictObject({ service: z.string().min(1).describe('namespace/name or name'), via: z.enum(['nodePort', 'clusterIP']).default('clusterIP'), port: z.string().optional().describe('port name, for multi-port Services') }),
    z.strictObject({ ip: z.string().min(1).describe('an address, or `node` for the entry node own IP'), port: z.number().int().min(1).max(65535) }),
  ]),
  ruleset: z.strictObject({
    file: z.string().min(1).describe('an iptables-save file on the node, traced instead of the installed rules'),
    addresses: z.array(z.string()).min(1).describe('the pasted node own addresses, with prefix: 10.0.0.5/24'),
    podCIDR: z.string().optional(),
  }).optional(),
});

export const PacketExpect = z.strictObject({
  verdict: z.enum(['ACCEPT', 'DROP', 'REJECT']).optional().describe('in every outcome'),
  delivery: z.enum(['pod', 'local', 'forward', 'dropped', 'rejected']).optional().describe('in every outcome; forward = to a pod on another node'),
  dnatToPodOf: z.string().optional().describe('a label selector (app=nginx): every outcome is DNATed to such a pod'),
  dnatTo: z.string().optional().describe('every outcome is DNATed to this ip:port'),
  masquerade: z.boolean().optional().describe('every outcome is (or is not) masqueraded'),
  process: z.string().optional().describe('delivered to a local socket of this program'),
  chain: z.string().optional().describe('the path passes through a chain with this name or prefix*'),
  outcomes: z.number().int().min(1).optional().describe('exactly this many possible outcomes'),
  eachEndpoint: z.strictObject({ share: z.number().min(0).max(1), tolerance: z.number().min(0).default(0) }).optional()
    .describe('every endpoint gets this share of packets (0.5 ± 0)'),
});

export const PacketCheck = z.object({
  packet: PacketSpec.extend({ expect: PacketExpect }),
}).strict().describe('packet path: where one packet goes, with exact probabilities');

export const AnswerCheck = z.object({
  answer: z.strictObject({ equals: z.string().min(1).describe('the choice the question expects') }),
}).strict().describe("the step's question was answered with this choice");

export const Check = z.union([ObjectCheck, FieldCheck, EndpointsCheck, ProcessCheck, SocketCheck, RuleCheck, CounterCheck, CommandCheck, PacketCheck, AnswerCheck]);

export const CHECK_KINDS = ['object', 'field', 'endpoints', 'process', 'socket', 'rule', 'counter', 'command', 'packet', 'answer'] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];

// ---- actions (solutions and setup) --------------------------------------

export const Action = z.union([
  z.object({ run: z.string().min(1).describe('one command line'), in: Terminal.default('console') }).strict(),
  z.object({ wait: Duration.describe('let simulated time pass (kube-proxy restarts, syncs)') }).strict(),
  z.object({ answer: z.string().min(1) }).strict(),
]);

// ---- the manifest --------------------------------------------------------

export const Step = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
  title: z.string().min(1),
  file: z.string().regex(/\.md$/, 'a Markdown file next to lab.yaml').describe('the instructions, Markdown'),
  checks: z.array(Check).default([]).describe('all must pass to unlock the next step'),
  hints: z.array(z.string().min(1)).default([]).describe('revealed one at a time'),
  question: z.strictObject({ text: z.string().min(1), choices: z.array(z.string().min(1)).min(2) }).optional(),
  solution: z.array(Action).optional().describe('what "show me" runs; `chainlab lab run --solve` runs it in CI'),
});

export const Manifest = z.strictObject({
  title: z.string().min(1),
  summary: z.string().min(1),
  level: z.enum(['beginner', 'intermediate', 'advanced']),
  duration: z.number().int().min(1).describe('minutes'),
  sources: z.array(z.string()).default([]).describe('the articles this lab follows'),
  cluster: z.strictObject({
    nodes: z.number().int().min(1).max(5).default(3),
    kubeProxyVersion: z.string().regex(/^1\.\d+$/, 'a version such as 1.33 or 1.22').default('1.33'),
    backends: z.array(z.enum(['sim', 'docker'])).min(1).default(['sim', 'docker']).describe('backends this lab runs on'),
    restartKubeProxy: z.boolean().default(true),
    seed: z.number().int().default(1),
  }),
  setup: z.strictObject({
    apply: z.array(z.string().regex(/\.ya?ml$/)).default([]).describe('manifests next to lab.yaml, applied at start'),
    files: z.array(z.strictObject({ node: z.string().min(1), path: z.string().startsWith('/'), from: z.string().min(1) })).default([])
      .describe('files copied onto a node at start'),
    run: z.array(Action).default([]).describe('actions after the objects are applied'),
  }).default({ apply: [], files: [], run: [] }),
  steps: z.array(Step).min(1),
});

export type ManifestInput = z.input<typeof Manifest>;
export type LabManifest = z.output<typeof Manifest>;
export type LabStep = z.output<typeof Step>;
export type LabCheck = z.output<typeof Check>;
export type LabAction = z.output<typeof Action>;
export type PacketCheckSpec = z.output<typeof PacketCheck>['packet'];

/** The JSON Schema committed as labs/lab.schema.json. */
export function labJsonSchema(): object {
  return { ...z.toJSONSchema(Manifest, { io: 'input' }), $id: 'https://chainlab.dev/lab.schema.json', title: 'Chainlab lab manifest (lab.yaml)' };
}
