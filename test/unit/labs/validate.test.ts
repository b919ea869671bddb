// `chainlab lab validate`: every mistake with file, line and field.
import { describe, expect, it } from 'vitest';
import { loadLab, type LabSource } from '../../../core/lab/runner/index.js';
import { formatError } from '../../../core/engine/errors.js';
import { runCli } from '../../../core/host/cli/main.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function source(files: Record<string, string>): LabSource {
  return { dir: 'labs/demo', read: async (p) => files[p] ?? null };
}

const GOOD = `title: Demo
summary: A demo lab.
level: beginner
duration: 5
cluster:
  nodes: 2
steps:
  - id: one
    title: First
    file: steps/one.md
    checks:
      - object: { resource: service, name: nginx }
    solution:
      - run: kubectl create service clusterip nginx --tcp=80:80
`;

async function errorsOf(yaml: string, extra: Record<string, string> = {}): Promise<string[]> {
  const r = await loadLab(source({ 'lab.yaml': yaml, 'steps/one.md': '# One\n', ...extra }), 'demo');
  return r.ok ? [] : r.errors.map(formatError);
}

describe('lab validation', () => {
  it('accepts a correct lab and fills defaults', async () => {
    const r = await loadLab(source({ 'lab.yaml': GOOD, 'steps/one.md': '# One\n' }), 'demo');
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value.manifest.cluster.kubeProxyVersion).toBe('1.33');
      expect(r.value.manifest.steps[0]!.solution).toEqual([{ run: 'kubectl create service clusterip nginx --tcp=80:80', in: 'console' }]);
      expect(r.value.instructions.one).toBe('# One\n');
    }
  });

  it('points at an unknown field with its line', async () => {
    expect(await errorsOf(GOOD.replace('level: beginner', 'level: beginner\nlevle: x'))).toEqual([
      'labs/demo/lab.yaml:4:1: levle: unknown field "levle"',
    ]);
  });

  it('points at a wrong value by line (its key) and field path', async () => {
    expect(await errorsOf(GOOD.replace('duration: 5', 'duration: five'))).toEqual([
      'labs/demo/lab.yaml:4:1: duration: Invalid input: expected number, received string',
    ]);
  });

  it('says which field a check lacks, at the check', async () => {
    const errs = await errorsOf(GOOD.replace('- object: { resource: service, name: nginx }', '- rule: { node: k8s2, chain: KUBE-SERVICES }'));
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatch(/^labs\/demo\/lab\.yaml:12:\d+: steps\[0\]\.checks\[0\]\.rule\.matches: /);
  });

  it('names the check kinds when a check is not one', async () => {
    const errs = await errorsOf(GOOD.replace('- object: { resource: service, name: nginx }', '- objekt: { resource: service, name: nginx }'));
    expect(errs).toEqual(['labs/demo/lab.yaml:12:9: steps[0].checks[0]: not a check: use exactly one of object, field, endpoints, process, socket, rule, counter, command, packet, answer (see labs/README.md)']);
  });

  it('finds a missing step file, an unknown node, a bad regex and an answer not among the choices, all at once', async () => {
    const yaml = `${GOOD.replace('file: steps/one.md', 'file: steps/missing.md')}  - id: two
    title: Second
    file: steps/one.md
    question: { text: "Where?", choices: [here, there] }
    checks:
      - rule: { node: k8s3, chain: PREROUTING, matches: "(" }
      - answer: { equals: elsewhere }
`;
    expect(await errorsOf(yaml)).toEqual([
      'labs/demo/lab.yaml:10:5: steps[0].file: no file steps/missing.md next to lab.yaml',
      'labs/demo/lab.yaml:20:17: steps[1].checks[0].rule.node: no node "k8s3" in this lab (nodes: k8s1, k8s2)',
      expect.stringMatching(/^labs\/demo\/lab\.yaml:20:\d+: steps\[1\]\.checks\[0\]\.rule\.matches: not a valid regular expression/),
      'labs/demo/lab.yaml:21:19: steps[1].checks[1].answer.equals: "elsewhere" is not one of the question\'s choices',
    ]);
  });

  it('reports a YAML syntax error once, where it is', async () => {
    const errs = await errorsOf(GOOD.replace('name: nginx }', 'name: spec.ports[0] }'));
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatch(/^labs\/demo\/lab\.yaml:12:\d+: YAML: /);
  });

  it('chainlab lab validate prints errors on stderr and exits 1; ok labs on stdout', async () => {
    let out = '';
    let err = '';
    const io = { stdout: (s: string) => { out += s; }, stderr: (s: string) => { err += s; }, readStdin: async () => '', env: {}, cwd: root };
    expect(await runCli(['lab', 'validate', 'labs/kill-kube-proxy', 'labs/fifty-fifty'], io)).toBe(0);
    expect(out).toBe('labs/kill-kube-proxy: ok (5 steps)\nlabs/fifty-fifty: ok (4 steps)\n');
    expect(await runCli(['lab', 'validate', 'test/unit/labs'], io)).toBe(1);
    expect(err).toBe('test/unit/labs/lab.yaml: no lab.yaml in this folder\n');
  });

  it('chainlab lab list shows every lab with level, minutes and steps', async () => {
    let out = '';
    const io = { stdout: (s: string) => { out += s; }, stderr: () => {}, readStdin: async () => '', env: {}, cwd: root };
    expect(await runCli(['lab', 'list'], io)).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+LEVEL\s+MINUTES\s+STEPS\s+TITLE$/);
    expect(lines.find((l) => l.startsWith('kill-kube-proxy'))).toMatch(/^kill-kube-proxy\s+beginner\s+15\s+5\s+Kill kube-proxy$/);
    expect(lines.length).toBeGreaterThanOrEqual(8);
  });
});
