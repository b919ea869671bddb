// kubectl's JSONPath templates (`-o jsonpath='{.items[*].metadata.name}'`):
// text with `{…}` actions — fields `.a.b`, `['a.b']`, `..name`, indexes
// `[0]`, `[-1]`, slices `[0:2]`, unions `[0,1]`, `[*]`, filters
// `[?(@.x=="y")]`, `range … end`, string literals `{"\n"}`. Several results of
// one action are joined by a space; maps and lists print as compact JSON.
// Missing keys print nothing, as with kubectl get's --allow-missing-template-keys.

import { isObject, sortKeys } from '../obj.js';

type Segment =
  | { t: 'field'; name: string }
  | { t: 'recursive'; name: string }
  | { t: 'index'; indexes: number[] }
  | { t: 'slice'; start?: number; end?: number; step?: number }
  | { t: 'wild' }
  | { t: 'filter'; path: Segment[]; op?: string; value?: string | number | boolean | null; notExists?: boolean };

type Node =
  | { t: 'text'; text: string }
  | { t: 'path'; segs: Segment[] }
  | { t: 'range'; segs: Segment[]; body: Node[] };

export type JsonPathResult = { ok: true; value: string } | { ok: false; message: string };

function unquote(s: string): string {
  const q = s[0];
  const inner = s.slice(1, -1);
  if (q === "'") return inner;
  return inner.replace(/\\(.)/g, (_m, c: string) => ({ n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"' })[c] ?? c);
}

function parseLiteral(s: string): string | number | boolean | null {
  const t = s.trim();
  if (/^(['"]).*\1$/.test(t)) return unquote(t);
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (t === 'nil' || t === 'null') return null;
  const n = Number(t);
  if (t !== '' && !Number.isNaN(n)) return n;
  throw new Error(`unrecognized literal ${t}`);
}

/** A path (`.items[*].metadata.name`, `$.a`, `@.b`) as segments. */
function parsePath(src: string): Segment[] {
  const segs: Segment[] = [];
  let i = 0;
  const s = src.trim();
  if (s[0] === '$' || s[0] === '@') i = 1;
  while (i < s.length) {
    const c = s[i];
    if (c === '.') {
      const recursive = s[i + 1] === '.';
      i += recursive ? 2 : 1;
      let j = i;
      while (j < s.length && s[j] !== '.' && s[j] !== '[') j++;
      const name = s.slice(i, j);
      i = j;
      if (recursive) segs.push({ t: 'recursive', name });
      else if (name === '*') segs.push({ t: 'wild' });
      else if (name !== '') segs.push({ t: 'field', name });
      continue;
    }
    if (c === '[') {
      // find the matching `]`, skipping quoted text
      let j = i + 1;
      let depth = 1;
      let quote: string | null = null;
      for (; j < s.length; j++) {
        const d = s[j] as string;
        if (quote !== null) {
          if (d === quote) quote = null;
        } else if (d === '"' || d === "'") quote = d;
        else if (d === '[') depth++;
        else if (d === ']' && --depth === 0) break;
      }
      if (j >= s.length) throw new Error(`unterminated array`);
      const inner = s.slice(i + 1, j).trim();
      i = j + 1;
      if (inner === '*') segs.push({ t: 'wild' });
      else if (inner.startsWith('?(') && inner.endsWith(')')) segs.push(parseFilter(inner.slice(2, -1)));
      else if (/^(['"]).*\1$/.test(inner)) segs.push({ t: 'field', name: unquote(inner) });
      else if (inner.includes(':')) {
        const [a, b, c2] = inner.split(':').map((x) => (x.trim() === '' ? undefined : Number(x)));
        segs.push({ t: 'slice', start: a, end: b, step: c2 });
      } else {
        const indexes = inner.split(',').map((x) => Number(x.trim()));
        if (indexes.some((n) => !Number.isInteger(n))) throw new Error(`invalid array index ${inner}`);
        segs.push({ t: 'index', indexes });
      }
      continue;
    }
    throw new Error(`unrecognized character in action: U+${(c as string).charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()} '${c as string}'`);
  }
  return segs;
}

function parseFilter(src: string): Segment {
  const m = /^(.*?)\s*(==|!=|<=|>=|<|>|=~)\s*(.*)$/.exec(src);
  if (m === null) {
    const t = src.trim();
    if (t.startsWith('!')) return { t: 'filter', path: parsePath(t.slice(1)), notExists: true };
    return { t: 'filter', path: parsePath(t) };
  }
  const [, left, op, right] = m as unknown as [string, string, string, string];
  return { t: 'filter', path: parsePath(left), op, value: parseLiteral(right) };
}

function parseTemplate(tpl: string): Node[] {
  const root: Node[] = [];
  const stack: Node[][] = [root];
  const ranges: Extract<Node, { t: 'range' }>[] = [];
  let i = 0;
  while (i < tpl.length) {
    const open = tpl.indexOf('{', i);
    if (open < 0) {
      (stack[stack.length - 1] as Node[]).push({ t: 'text', text: tpl.slice(i) });
      break;
    }
    if (open > i) (stack[stack.length - 1] as Node[]).push({ t: 'text', text: tpl.slice(i, open) });
    // find the closing brace outside quotes
    let j = open + 1;
    let quote: string | null = null;
    for (; j < tpl.length; j++) {
      const d = tpl[j];
      if (quote !== null) {
        if (d === '\\') j++;
        else if (d === quote) quote = null;
      } else if (d === '"' || d === "'") quote = d;
      else if (d === '}') break;
    }
    if (j >= tpl.length) throw new Error('unclosed action');
    const action = tpl.slice(open + 1, j).trim();
    i = j + 1;
    const top = stack[stack.length - 1] as Node[];
    if (action === 'end') {
      if (ranges.length === 0) throw new Error('not in range, nothing to end');
      ranges.pop();
      stack.pop();
    } else if (action.startsWith('range ')) {
      const r: Extract<Node, { t: 'range' }> = { t: 'range', segs: parsePath(action.slice(6)), body: [] };
      top.push(r);
      ranges.push(r);
      stack.push(r.body);
    } else if (/^(['"]).*\1$/s.test(action)) {
      top.push({ t: 'text', text: unquote(action) });
    } else if (action === '' || action === '@' || action === '$') {
      top.push({ t: 'path', segs: [] });
    } else {
      top.push({ t: 'path', segs: parsePath(action) });
    }
  }
  if (ranges.length > 0) throw new Error('unexpected EOF');
  return root;
}

function descendants(v: unknown, out: unknown[]): void {
  out.push(v);
  if (Array.isArray(v)) for (const x of v) descendants(x, out);
  else if (isObject(v)) for (const k of Object.keys(v)) descendants(v[k], out);
}

function compare(a: unknown, op: string, b: string | number | boolean | null | undefined): boolean {
  switch (op) {
    case '==': return a === b || (typeof b === 'number' && typeof a === 'string' && Number(a) === b);
    case '!=': return a !== b;
    case '<': return typeof a === typeof b && (a as number) < (b as number);
    case '>': return typeof a === typeof b && (a as number) > (b as number);
    case '<=': return typeof a === typeof b && (a as number) <= (b as number);
    case '>=': return typeof a === typeof b && (a as number) >= (b as number);
    case '=~': return typeof a === 'string' && typeof b === 'string' && new RegExp(b).test(a);
    default: return false;
  }
}

function evalPath(values: unknown[], segs: Segment[]): unknown[] {
  let cur = values;
  for (const seg of segs) {
    const next: unknown[] = [];
    for (const v of cur) {
      switch (seg.t) {
        case 'field':
          if (isObject(v) && seg.name in v) next.push(v[seg.name]);
          break;
        case 'recursive': {
          const all: unknown[] = [];
          descendants(v, all);
          for (const d of all) {
            if (seg.name === '*' || seg.name === '') next.push(d);
            else if (isObject(d) && seg.name in d) next.push(d[seg.name]);
          }
          break;
        }
        case 'wild':
          if (Array.isArray(v)) next.push(...(v as unknown[]));
          else if (isObject(v)) next.push(...Object.keys(v).sort().map((k) => v[k]));
          break;
        case 'index':
          if (Array.isArray(v)) {
            for (const i of seg.indexes) {
              const k = i < 0 ? v.length + i : i;
              if (k >= 0 && k < v.length) next.push(v[k]);
              else throw new Error(`array index out of bounds: index ${i}, length ${v.length}`);
            }
          }
          break;
        case 'slice':
          if (Array.isArray(v)) {
            const n = v.length;
            const norm = (x: number | undefined, d: number): number => (x === undefined ? d : x < 0 ? Math.max(0, n + x) : Math.min(n, x));
            const step = seg.step ?? 1;
            for (let k = norm(seg.start, 0); k < norm(seg.end, n); k += step > 0 ? step : 1) next.push(v[k]);
          }
          break;
        case 'filter':
          if (Array.isArray(v)) {
            for (const el of v as unknown[]) {
              const got = evalPath([el], seg.path);
              if (seg.op === undefined) {
                const exists = got.length > 0 && got[0] !== undefined && got[0] !== null && got[0] !== false;
                if (seg.notExists === true ? !exists : exists) next.push(el);
              } else if (got.some((g) => compare(g, seg.op as string, seg.value))) next.push(el);
            }
          }
          break;
      }
    }
    cur = next;
  }
  return cur;
}

/** Go's encoding/json escapes <, > and & even in kubectl output. */
export function goJson(v: unknown, indent?: number): string {
  return JSON.stringify(v, null, indent).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
}

function toText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return goJson(sortKeys(v));
}

function run(nodes: Node[], data: unknown): string {
  let out = '';
  for (const n of nodes) {
    if (n.t === 'text') out += n.text;
    else if (n.t === 'path') out += evalPath([data], n.segs).map(toText).join(' ');
    else for (const item of evalPath([data], n.segs)) out += run(n.body, item);
  }
  return out;
}

/** Execute a kubectl JSONPath template on a JSON value. */
export function jsonPath(template: string, data: unknown): JsonPathResult {
  let nodes: Node[];
  try {
    nodes = parseTemplate(template);
  } catch (e) {
    return { ok: false, message: `error parsing jsonpath ${template}, ${(e as Error).message}` };
  }
  try {
    return { ok: true, value: run(nodes, data) };
  } catch (e) {
    return { ok: false, message: `error executing jsonpath ${JSON.stringify(template)}: Error executing template: ${(e as Error).message}. Printing more information for debugging the template:\n\ttemplate was:\n\t\t${template}\n\tobject given to jsonpath engine was:\n\t\t${goJson(data)}\n\n` };
  }
}
