// `-o go-template='{{range .items}}{{.metadata.name}}{{"\n"}}{{end}}'`: the
// part of Go's text/template people use with kubectl — fields, range/else/end,
// if/else/end, with, index, len, printf "%s", quoted strings, $ for the root —
// printing values as Go's fmt does for unstructured JSON (`map[k:v]`,
// `[a b]`, `<no value>` for a missing key).

import { isObject } from '../obj.js';

type Node =
  | { t: 'text'; text: string }
  | { t: 'expr'; expr: string }
  | { t: 'range' | 'if' | 'with'; expr: string; body: Node[]; alt: Node[] };

export type TemplateResult = { ok: true; value: string } | { ok: false; message: string };

function parse(tpl: string): Node[] {
  const root: Node[] = [];
  const stack: { nodes: Node[]; block?: Extract<Node, { body: Node[] }>; inAlt: boolean }[] = [{ nodes: root, inAlt: false }];
  const top = () => stack[stack.length - 1] as (typeof stack)[number];
  const target = (): Node[] => {
    const t = top();
    return t.block === undefined ? t.nodes : t.inAlt ? t.block.alt : t.block.body;
  };
  let i = 0;
  while (i < tpl.length) {
    const open = tpl.indexOf('{{', i);
    if (open < 0) {
      target().push({ t: 'text', text: tpl.slice(i) });
      break;
    }
    if (open > i) target().push({ t: 'text', text: tpl.slice(i, open) });
    const close = tpl.indexOf('}}', open + 2);
    if (close < 0) throw new Error('unclosed action');
    let action = tpl.slice(open + 2, close);
    let trimRight = false;
    if (action.startsWith('-')) {
      action = action.slice(1);
      const last = target().at(-1);
      if (last?.t === 'text') last.text = last.text.trimEnd();
    }
    if (action.endsWith('-')) {
      action = action.slice(0, -1);
      trimRight = true;
    }
    action = action.trim();
    i = close + 2;
    if (trimRight) while (i < tpl.length && /\s/.test(tpl[i] as string)) i++;
    const m = /^(range|if|with)\s+(.*)$/.exec(action);
    if (m !== null) {
      const block = { t: m[1] as 'range' | 'if' | 'with', expr: m[2] as string, body: [], alt: [] };
      target().push(block);
      stack.push({ nodes: [], block, inAlt: false });
    } else if (action === 'else') {
      if (top().block === undefined) throw new Error('unexpected {{else}}');
      top().inAlt = true;
    } else if (action === 'end') {
      if (stack.length === 1) throw new Error('unexpected {{end}}');
      stack.pop();
    } else if (action.startsWith('/*')) {
      // comment
    } else target().push({ t: 'expr', expr: action });
  }
  if (stack.length > 1) throw new Error('unexpected EOF');
  return root;
}

const NO_VALUE = Symbol('no value');

/** Go's fmt %v of a JSON value. */
function show(v: unknown): string {
  if (v === NO_VALUE || v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(show).join(' ')}]`;
  if (isObject(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${show(v[k])}`).join(' ')}]`;
  return String(v);
}

function truthy(v: unknown): boolean {
  if (v === NO_VALUE || v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isObject(v)) return Object.keys(v).length > 0;
  return true;
}

function tokens(expr: string): string[] {
  const out: string[] = [];
  const re = /"(?:[^"\\]|\\.)*"|`[^`]*`|\S+/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(expr)) !== null) out.push(m[0]);
  return out;
}

function evalArg(tok: string, dot: unknown, root: unknown): unknown {
  if (tok.startsWith('"')) return JSON.parse(tok) as string;
  if (tok.startsWith('`')) return tok.slice(1, -1);
  if (/^-?\d+(\.\d+)?$/.test(tok)) return Number(tok);
  if (tok === 'true' || tok === 'false') return tok === 'true';
  let base: unknown;
  let path: string;
  if (tok === '.') return dot;
  if (tok.startsWith('$')) {
    base = root;
    path = tok.slice(1);
  } else if (tok.startsWith('.')) {
    base = dot;
    path = tok;
  } else throw new Error(`function "${tok}" not defined`);
  let cur: unknown = base;
  for (const key of path.split('.').filter((k) => k !== '')) {
    if (!isObject(cur)) return NO_VALUE;
    cur = key in cur ? cur[key] : NO_VALUE;
  }
  return cur;
}

function evalExpr(expr: string, dot: unknown, root: unknown): unknown {
  // pipelines: `.a | printf "%s"` pass the left value as the last argument
  const stages = expr.split(/\s\|\s/);
  let value: unknown = undefined;
  stages.forEach((stage, idx) => {
    const toks = tokens(stage);
    const fn = toks[0] as string;
    const args = toks.slice(1).map((t) => evalArg(t, dot, root));
    if (idx > 0) args.push(value);
    switch (fn) {
      case 'index': {
        let cur = args[0];
        for (const k of args.slice(1)) {
          if (Array.isArray(cur)) cur = cur[k as number];
          else if (isObject(cur)) cur = (cur as Record<string, unknown>)[String(k)];
          else cur = undefined;
        }
        value = cur === undefined ? NO_VALUE : cur;
        break;
      }
      case 'len': {
        const a = args[0];
        value = Array.isArray(a) ? a.length : isObject(a) ? Object.keys(a).length : typeof a === 'string' ? a.length : 0;
        break;
      }
      case 'printf': {
        const [fmt, ...rest] = args;
        let n = 0;
        value = String(fmt).replace(/%[svdq%]/g, (m) => (m === '%%' ? '%' : m === '%q' ? JSON.stringify(show(rest[n++])) : show(rest[n++])));
        break;
      }
      case 'print':
        value = args.map(show).join(' ');
        break;
      case 'println':
        value = `${args.map(show).join(' ')}\n`;
        break;
      case 'not':
        value = !truthy(args[0]);
        break;
      case 'eq':
        value = args.slice(1).some((a) => a === args[0]);
        break;
      case 'ne':
        value = args[0] !== args[1];
        break;
      default:
        if (toks.length !== 1 && idx === 0) throw new Error(`function "${fn}" not defined`);
        value = evalArg(fn, dot, root);
    }
  });
  return value;
}

function run(nodes: Node[], dot: unknown, root: unknown): string {
  let out = '';
  for (const n of nodes) {
    if (n.t === 'text') out += n.text;
    else if (n.t === 'expr') out += show(evalExpr(n.expr, dot, root));
    else {
      const v = evalExpr(n.expr, dot, root);
      if (n.t === 'if') out += run(truthy(v) ? n.body : n.alt, dot, root);
      else if (n.t === 'with') out += truthy(v) ? run(n.body, v, root) : run(n.alt, dot, root);
      else {
        const items = Array.isArray(v) ? v : isObject(v) ? Object.keys(v).sort().map((k) => v[k]) : [];
        out += items.length === 0 ? run(n.alt, dot, root) : items.map((it) => run(n.body, it, root)).join('');
      }
    }
  }
  return out;
}

export function goTemplate(template: string, data: unknown): TemplateResult {
  let nodes: Node[];
  try {
    nodes = parse(template);
  } catch (e) {
    return { ok: false, message: `error parsing template ${template}, template: output:1: ${(e as Error).message}` };
  }
  try {
    return { ok: true, value: run(nodes, data, data) };
  } catch (e) {
    return { ok: false, message: `error executing template "${template}": template: output:1: ${(e as Error).message}` };
  }
}
