// Loading a lab folder: lab.yaml through the zod schema, every mistake reported
// with file, line and field (YAML nodes mapped to lines with LineCounter), then
// the cross-file checks a schema cannot make (step files exist, node names,
// regular expressions, answers among the choices).

import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { UserError, Result } from '../../engine/errors.js';
import { Manifest, type LabManifest, type LabCheck, type LabAction } from './schema.js';

/** Reads files of one lab folder (paths relative to it); null when absent. The host passes node:fs, tests a map. */
export interface LabSource {
  /** Shown in errors: `labs/kill-kube-proxy`. */
  dir: string;
  read(relativePath: string): Promise<string | null>;
}

export interface LoadedLab {
  id: string;
  dir: string;
  manifest: LabManifest;
  /** Step id → Markdown instructions. */
  instructions: Record<string, string>;
  /** Setup manifests' text, in order. */
  applyTexts: string[];
  /** Setup files' contents, in order of manifest.setup.files. */
  fileTexts: string[];
}

export const MANIFEST_FILE = 'lab.yaml';

function lineOf(doc: ReturnType<typeof parseDocument>, lc: LineCounter, path: readonly PropertyKey[]): { line: number; column: number } | undefined {
  // The deepest node that exists on the path (a missing field points at its parent).
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as (string | number)[], true);
    if (node && typeof node === 'object' && 'range' in node) {
      const range = (node as YamlNode).range;
      if (range) {
        // For a key, point at the key itself (the pair), not its value.
        const parent = n > 0 ? (n === 1 ? doc.contents : doc.getIn(path.slice(0, n - 1) as (string | number)[], true)) : undefined;
        if (isMap(parent)) {
          const pair = parent.items.find((p) => (p.key as { value?: unknown } | null)?.value === path[n - 1]);
          const kr = (pair?.key as YamlNode | undefined)?.range;
          if (kr) return lc.linePos(kr[0]) && { line: lc.linePos(kr[0]).line, column: lc.linePos(kr[0]).col };
        }
        const pos = lc.linePos(range[0]);
        return { line: pos.line, column: pos.col };
      }
    }
  }
  return undefined;
}

function fieldPath(path: readonly PropertyKey[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? String(p) : `.${String(p)}`;
  return s;
}

function checkRegex(src: string | undefined, errors: UserError[], at: () => UserError): void {
  if (src === undefined) return;
  try { new RegExp(src); } catch (e) { errors.push({ ...at(), message: `not a valid regular expression: ${(e as Error).message}` }); }
}

/** Regex-valued fields of a check, by their path inside it. */
function regexFields(c: LabCheck): [string[], string | undefined][] {
  if ('field' in c) return [[['field', 'matches'], c.field.matches]];
  if ('rule' in c) return [[['rule', 'matches'], c.rule.matches]];
  if ('counter' in c) return [[['counter', 'matches'], c.counter.matches]];
  if ('command' in c) return [[['command', 'matches'], c.command.matches], [['command', 'output'], c.command.output]];
  return [];
}

function nodeOfCheck(c: LabCheck): [string, string] | undefined {
  for (const k of ['process', 'socket', 'rule', 'counter', 'packet'] as const) {
    if (k in c) return [k, (c as Record<string, { node: string }>)[k]!.node];
  }
  return undefined;
}

function nodeOfAction(a: LabAction): string | undefined {
  return 'run' in a && a.in !== 'console' ? a.in : undefined;
}

/** Loads and validates one lab folder; every mistake found, not only the first. */
export async function loadLab(src: LabSource, id: string): Promise<Result<LoadedLab>> {
  const file = `${src.dir}/${MANIFEST_FILE}`;
  const text = await src.read(MANIFEST_FILE);
  if (text === null) return { ok: false, errors: [{ file, message: `no ${MANIFEST_FILE} in this folder` }] };
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      // Only the first: a YAML syntax error makes every later token look wrong.
      errors: doc.errors.slice(0, 1).map((e) => {
        const pos = lc.linePos(e.pos[0]);
        return { file, line: pos.line, column: pos.col, message: `YAML: ${e.message.split('\n')[0]}` };
      }),
    };
  }
  const errors: UserError[] = [];
  const at = (path: (string | number)[]): UserError => ({ file, ...lineOf(doc, lc, path), field: fieldPath(path), message: '' });
  const parsed = Manifest.safeParse(doc.toJS());
  if (!parsed.success) {
    for (const issue of parsed.error.issues) errors.push(issueToError(issue, at));
    return { ok: false, errors };
  }
  const m = parsed.data;
  const nodeNames = Array.from({ length: m.cluster.nodes }, (_, i) => `k8s${i + 1}`);
  const knownNode = (n: string, path: (string | number)[]): void => {
    if (!nodeNames.includes(n)) errors.push({ ...at(path), message: `no node "${n}" in this lab (nodes: ${nodeNames.join(', ')})` });
  };
  const ids = new Set<string>();
  const instructions: Record<string, string> = {};
  for (const [i, step] of m.steps.entries()) {
    if (ids.has(step.id)) errors.push({ ...at(['steps', i, 'id']), message: `step id "${step.id}" is used twice` });
    ids.add(step.id);
    const md = await src.read(step.file);
    if (md === null) errors.push({ ...at(['steps', i, 'file']), message: `no file ${step.file} next to ${MANIFEST_FILE}` });
    else instructions[step.id] = md;
    for (const [j, c] of step.checks.entries()) {
      for (const [p, v] of regexFields(c)) checkRegex(v, errors, () => at(['steps', i, 'checks', j, ...p]));
      const n = nodeOfCheck(c);
      if (n) knownNode(n[1], ['steps', i, 'checks', j, n[0], 'node']);
      if ('answer' in c) {
        if (!step.question) errors.push({ ...at(['steps', i, 'checks', j, 'answer']), message: 'an answer check needs a question in the same step' });
        else if (!step.question.choices.includes(c.answer.equals)) {
          errors.push({ ...at(['steps', i, 'checks', j, 'answer', 'equals']), message: `"${c.answer.equals}" is not one of the question's choices` });
        }
      }
      if ('command' in c && c.command.terminal !== undefined && c.command.terminal !== 'console') knownNode(c.command.terminal, ['steps', i, 'checks', j, 'command', 'terminal']);
    }
    for (const [j, a] of (step.solution ?? []).entries()) {
      const n = nodeOfAction(a);
      if (n !== undefined) knownNode(n, ['steps', i, 'solution', j, 'in']);
      if ('answer' in a && step.question && !step.question.choices.includes(a.answer)) {
        errors.push({ ...at(['steps', i, 'solution', j, 'answer']), message: `"${a.answer}" is not one of the question's choices` });
      }
    }
    if (step.checks.length === 0) errors.push({ ...at(['steps', i, 'checks']), message: 'a step needs at least one check, or the student cannot finish it' });
  }
  const applyTexts: string[] = [];
  for (const [i, f] of m.setup.apply.entries()) {
    const t = await src.read(f);
    if (t === null) errors.push({ ...at(['setup', 'apply', i]), message: `no file ${f} next to ${MANIFEST_FILE}` });
    else applyTexts.push(t);
  }
  const fileTexts: string[] = [];
  for (const [i, f] of m.setup.files.entries()) {
    knownNode(f.node, ['setup', 'files', i, 'node']);
    const t = await src.read(f.from);
    if (t === null) errors.push({ ...at(['setup', 'files', i, 'from']), message: `no file ${f.from} next to ${MANIFEST_FILE}` });
    else fileTexts.push(t);
  }
  for (const [j, a] of m.setup.run.entries()) {
    const n = nodeOfAction(a);
    if (n !== undefined) knownNode(n, ['setup', 'run', j, 'in']);
  }
  if (errors.length > 0) return { ok: false, errors: errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0)) };
  return { ok: true, value: { id, dir: src.dir, manifest: m, instructions, applyTexts, fileTexts } };
}

interface Issue { path: PropertyKey[]; message: string; code: string; keys?: string[]; errors?: Issue[][] }

/** One zod issue as a located error; a union that failed says what it expected. */
function issueToError(issue: Issue, at: (path: (string | number)[]) => UserError): UserError {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  let message = issue.message;
  if (issue.code === 'unrecognized_keys' && issue.keys) {
    const loc = at([...path, issue.keys[0]!]);
    return { ...loc, field: fieldPath([...path, issue.keys[0]!]), message: `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}` };
  }
  if (issue.code === 'invalid_union') {
    // Checks and actions are unions keyed by their single field: name what the field may be.
    const isCheck = path.includes('checks');
    message = isCheck
      ? 'not a check: use exactly one of object, field, endpoints, process, socket, rule, counter, command, packet, answer (see labs/README.md)'
      : 'not an action: use one of {run, in}, {wait}, {answer}';
    // If exactly one branch was recognised by its key, report that branch's first problem.
    const branches = issue.errors ?? [];
    const specific = branches.find((b) => b.length > 0 && b.every((x) => x.code !== 'unrecognized_keys') && b.some((x) => x.path.length > 0));
    if (specific) return issueToError({ ...specific[0]!, path: [...issue.path, ...specific[0]!.path] }, at);
  }
  return { ...at(path), message };
}
