// A jq (1.6) for the filters people run on `kubectl get -o json`: paths
// (`.a.b`, `.items[]`, `.items[0]`, `.["x"]`, `.a?`), pipes, `,`, `[…]`,
// `{…}`, literals, `"\(…)"`, comparisons, `and`/`or`/`not`, `//`,
// arithmetic, and the usual builtins (length, keys, tostring, join, select,
// map, has, sort_by, to_entries, …). Options: -r, -c, -j, -n, -e, -S, --arg.

import type { ShellCommand } from '../context.js';
import { readInputs } from './util.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

type Node =
  | { k: 'identity' }
  | { k: 'recurse' }
  | { k: 'field'; name: string; opt: boolean }
  | { k: 'index'; target: Node; index: Node; opt: boolean }
  | { k: 'slice'; target: Node; from: Node | null; to: Node | null }
  | { k: 'iterate'; target: Node; opt: boolean }
  | { k: 'pipe'; a: Node; b: Node }
  | { k: 'comma'; a: Node; b: Node }
  | { k: 'literal'; v: Json }
  | { k: 'string'; parts: (string | Node)[] }
  | { k: 'array'; e: Node | null }
  | { k: 'object'; entries: { key: Node | string; value: Node | null }[] }
  | { k: 'bin'; op: string; a: Node; b: Node }
  | { k: 'neg'; e: Node }
  | { k: 'call'; name: string; args: Node[] }
  | { k: 'var'; name: string }
  | { k: 'as'; source: Node; name: string; body: Node }
  | { k: 'if'; cond: Node; then: Node; else: Node | null }
  | { k: 'try'; body: Node };

class JqError extends Error {}
class JqSyntax extends Error {}

// ---------------------------------------------------------------- lexer

type Tok = { t: 'field' | 'num' | 'str' | 'ident' | 'var' | 'op' | 'eof'; v: string; parts?: (string | Node)[] };

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (c === '.' && /[A-Za-z_]/.test(src[i + 1] ?? '')) {
      const m = /^\.([A-Za-z_][A-Za-z0-9_]*)/.exec(src.slice(i))!;
      out.push({ t: 'field', v: m[1]! });
      i += m[0].length;
      continue;
    }
    if (c === '.' && src[i + 1] === '"') {
      i++;
      const { parts, end } = lexString(src, i);
      i = end;
      out.push({ t: 'field', v: parts.map((p) => (typeof p === 'string' ? p : '')).join('') });
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^\d+(\.\d+)?([eE][-+]?\d+)?/.exec(src.slice(i))!;
      out.push({ t: 'num', v: m[0] });
      i += m[0].length;
      continue;
    }
    if (c === '"') {
      const { parts, end } = lexString(src, i);
      i = end;
      out.push({ t: 'str', v: '', parts });
      continue;
    }
    if (c === '$') {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)/.exec(src.slice(i));
      if (!m) throw new JqSyntax(`syntax error, unexpected INVALID_CHARACTER (Unix shell quoting issues?) at <top-level>, line 1:\n${src}`);
      out.push({ t: 'var', v: m[1]! });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      out.push({ t: 'ident', v: m[0] });
      i += m[0].length;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (['==', '!=', '<=', '>=', '//', '..', '|='].includes(two)) {
      out.push({ t: 'op', v: two });
      i += 2;
      continue;
    }
    if ('.[]{}()|,:;<>+-*/%?'.includes(c)) {
      out.push({ t: 'op', v: c });
      i++;
      continue;
    }
    throw new JqSyntax(`syntax error, unexpected INVALID_CHARACTER (Unix shell quoting issues?) at <top-level>, line 1:\n${src}`);
  }
  out.push({ t: 'eof', v: '' });
  return out;
}

/** A string literal starting at `"`, with `\(…)` interpolations parsed as filters. */
function lexString(src: string, start: number): { parts: (string | Node)[]; end: number } {
  const parts: (string | Node)[] = [];
  let cur = '';
  let i = start + 1;
  while (i < src.length && src[i] !== '"') {
    if (src[i] === '\\') {
      const n = src[i + 1];
      if (n === '(') {
        let depth = 1;
        let j = i + 2;
        while (j < src.length && depth > 0) {
          if (src[j] === '(') depth++;
          else if (src[j] === ')') depth--;
          if (depth > 0) j++;
        }
        if (cur) parts.push(cur);
        cur = '';
        parts.push(new JqParser(lex(src.slice(i + 2, j)), src).parse());
        i = j + 1;
        continue;
      }
      const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f' };
      if (n === 'u') {
        cur += String.fromCharCode(parseInt(src.slice(i + 2, i + 6), 16));
        i += 6;
        continue;
      }
      cur += map[n ?? ''] ?? n ?? '';
      i += 2;
      continue;
    }
    cur += src[i++];
  }
  if (i >= src.length) throw new JqSyntax(`syntax error, unexpected $end, expecting QQSTRING_TEXT or QQSTRING_INTERP_START or QQSTRING_END (Unix shell quoting issues?) at <top-level>, line 1:\n${src}`);
  if (cur || parts.length === 0) parts.push(cur);
  return { parts, end: i + 1 };
}

// ---------------------------------------------------------------- parser

class JqParser {
  private i = 0;
  constructor(
    private readonly toks: Tok[],
    private readonly src: string,
  ) {}

  private peek(): Tok {
    return this.toks[this.i]!;
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === v;
  }
  private isIdent(v: string): boolean {
    const t = this.peek();
    return t.t === 'ident' && t.v === v;
  }
  private fail(): never {
    const t = this.peek();
    const what = t.t === 'eof' ? '$end' : t.t === 'ident' ? 'IDENT' : t.t === 'num' ? 'LITERAL' : `'${t.v}'`;
    throw new JqSyntax(`syntax error, unexpected ${what} (Unix shell quoting issues?) at <top-level>, line 1:\n${this.src}`);
  }
  private expect(v: string): void {
    if (!this.isOp(v)) this.fail();
    this.i++;
  }

  parse(): Node {
    const n = this.pipe();
    if (this.peek().t !== 'eof') this.fail();
    return n;
  }

  private pipe(): Node {
    const a = this.comma();
    if (this.isIdent('as')) {
      this.i++;
      const t = this.peek();
      if (t.t !== 'var') this.fail();
      this.i++;
      this.expect('|');
      return { k: 'as', source: a, name: t.v, body: this.pipe() };
    }
    if (this.isOp('|')) {
      this.i++;
      return { k: 'pipe', a, b: this.pipe() };
    }
    return a;
  }

  private comma(): Node {
    let a = this.alt();
    while (this.isOp(',')) {
      this.i++;
      a = { k: 'comma', a, b: this.alt() };
    }
    return a;
  }

  private alt(): Node {
    const a = this.or();
    if (this.isOp('//')) {
      this.i++;
      return { k: 'bin', op: '//', a, b: this.alt() };
    }
    return a;
  }

  private or(): Node {
    let a = this.and();
    while (this.isIdent('or')) {
      this.i++;
      a = { k: 'bin', op: 'or', a, b: this.and() };
    }
    return a;
  }

  private and(): Node {
    let a = this.cmp();
    while (this.isIdent('and')) {
      this.i++;
      a = { k: 'bin', op: 'and', a, b: this.cmp() };
    }
    return a;
  }

  private cmp(): Node {
    const a = this.add();
    const t = this.peek();
    if (t.t === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.v)) {
      this.i++;
      return { k: 'bin', op: t.v, a, b: this.add() };
    }
    return a;
  }

  private add(): Node {
    let a = this.mul();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.peek().v;
      this.i++;
      a = { k: 'bin', op, a, b: this.mul() };
    }
    return a;
  }

  private mul(): Node {
    let a = this.unary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      const op = this.peek().v;
      this.i++;
      a = { k: 'bin', op, a, b: this.unary() };
    }
    return a;
  }

  private unary(): Node {
    if (this.isOp('-')) {
      this.i++;
      return { k: 'neg', e: this.postfix() };
    }
    return this.postfix();
  }

  private postfix(): Node {
    let n = this.primary();
    for (;;) {
      const t = this.peek();
      if (t.t === 'field') {
        this.i++;
        n = { k: 'pipe', a: n, b: { k: 'field', name: t.v, opt: this.optional() } };
      } else if (this.isOp('.') && this.toks[this.i + 1]?.t === 'op' && this.toks[this.i + 1]!.v === '[') {
        this.i++;
      } else if (this.isOp('[')) {
        n = this.bracket(n);
      } else if (this.isOp('?')) {
        this.i++;
        n = { k: 'try', body: n };
      } else return n;
    }
  }

  private optional(): boolean {
    if (this.isOp('?')) {
      this.i++;
      return true;
    }
    return false;
  }

  private bracket(target: Node): Node {
    this.expect('[');
    if (this.isOp(']')) {
      this.i++;
      return { k: 'iterate', target, opt: this.optional() };
    }
    if (this.isOp(':')) {
      this.i++;
      const to = this.pipe();
      this.expect(']');
      return { k: 'slice', target, from: null, to };
    }
    const index = this.pipe();
    if (this.isOp(':')) {
      this.i++;
      const to = this.isOp(']') ? null : this.pipe();
      this.expect(']');
      return { k: 'slice', target, from: index, to };
    }
    this.expect(']');
    return { k: 'index', target, index, opt: this.optional() };
  }

  private primary(): Node {
    const t = this.peek();
    switch (t.t) {
      case 'field':
        this.i++;
        return { k: 'field', name: t.v, opt: this.optional() };
      case 'num':
        this.i++;
        return { k: 'literal', v: Number(t.v) };
      case 'str':
        this.i++;
        return t.parts!.every((p) => typeof p === 'string') ? { k: 'literal', v: (t.parts as string[]).join('') } : { k: 'string', parts: t.parts! };
      case 'var':
        this.i++;
        return { k: 'var', name: t.v };
      case 'ident': {
        this.i++;
        if (t.v === 'true' || t.v === 'false') return { k: 'literal', v: t.v === 'true' };
        if (t.v === 'null') return { k: 'literal', v: null };
        if (t.v === 'if') {
          const cond = this.pipe();
          if (!this.isIdent('then')) this.fail();
          this.i++;
          const then = this.pipe();
          let els: Node | null = null;
          if (this.isIdent('elif')) {
            this.toks[this.i] = { t: 'ident', v: 'if' };
            els = this.primary();
            return { k: 'if', cond, then, else: els };
          }
          if (this.isIdent('else')) {
            this.i++;
            els = this.pipe();
          }
          if (!this.isIdent('end')) this.fail();
          this.i++;
          return { k: 'if', cond, then, else: els };
        }
        if (t.v === 'try') return { k: 'try', body: this.postfix() };
        const args: Node[] = [];
        if (this.isOp('(')) {
          this.i++;
          args.push(this.pipe());
          while (this.isOp(';')) {
            this.i++;
            args.push(this.pipe());
          }
          this.expect(')');
        }
        return { k: 'call', name: t.v, args };
      }
      case 'op':
        if (t.v === '.') {
          this.i++;
          if (this.isOp('[')) return this.bracket({ k: 'identity' });
          if (this.peek().t === 'str') {
            const s = this.peek();
            this.i++;
            return { k: 'field', name: (s.parts as string[]).join(''), opt: this.optional() };
          }
          return { k: 'identity' };
        }
        if (t.v === '..') {
          this.i++;
          return { k: 'recurse' };
        }
        if (t.v === '(') {
          this.i++;
          const e = this.pipe();
          this.expect(')');
          return e;
        }
        if (t.v === '[') {
          this.i++;
          if (this.isOp(']')) {
            this.i++;
            return { k: 'array', e: null };
          }
          const e = this.pipe();
          this.expect(']');
          return { k: 'array', e };
        }
        if (t.v === '{') {
          this.i++;
          const entries: { key: Node | string; value: Node | null }[] = [];
          while (!this.isOp('}')) {
            const kt = this.peek();
            let key: Node | string;
            if (kt.t === 'ident') {
              key = kt.v;
              this.i++;
            } else if (kt.t === 'var') {
              key = kt.v;
              this.i++;
              entries.push({ key, value: { k: 'var', name: kt.v } });
              if (this.isOp(',')) this.i++;
              continue;
            } else if (kt.t === 'str') {
              this.i++;
              key = kt.parts!.every((p) => typeof p === 'string') ? (kt.parts as string[]).join('') : { k: 'string', parts: kt.parts! };
            } else if (this.isOp('(')) {
              this.i++;
              key = this.pipe();
              this.expect(')');
            } else this.fail();
            let value: Node | null = null;
            if (this.isOp(':')) {
              this.i++;
              value = this.objectValue();
            }
            entries.push({ key, value });
            if (this.isOp(',')) this.i++;
            else if (!this.isOp('}')) this.fail();
          }
          this.i++;
          return { k: 'object', entries };
        }
    }
    this.fail();
  }

  /** An object value stops at `,` and `}` (a pipe is allowed inside parentheses only). */
  private objectValue(): Node {
    let a = this.alt();
    while (this.isOp('|')) {
      this.i++;
      a = { k: 'pipe', a, b: this.alt() };
    }
    return a;
  }
}

// ---------------------------------------------------------------- evaluation

function typeOf(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : typeof v;
}

function describe(v: Json): string {
  const s = JSON.stringify(v);
  return `${typeOf(v)} (${s.length > 11 ? s.slice(0, 10) + '...' : s})`;
}

function truthy(v: Json): boolean {
  return v !== null && v !== false;
}

function compare(a: Json, b: Json): number {
  const order = ['null', 'boolean', 'number', 'string', 'array', 'object'];
  const ta = order.indexOf(typeOf(a));
  const tb = order.indexOf(typeOf(b));
  if (ta !== tb) return ta - tb;
  if (typeof a === 'boolean' || typeof a === 'number') return Number(a) - Number(b);
  if (typeof a === 'string') return a < (b as string) ? -1 : a > (b as string) ? 1 : 0;
  if (Array.isArray(a)) {
    const bb = b as Json[];
    for (let i = 0; i < Math.min(a.length, bb.length); i++) {
      const c = compare(a[i]!, bb[i]!);
      if (c !== 0) return c;
    }
    return a.length - bb.length;
  }
  if (a === null) return 0;
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b as object).sort();
  const c = compare(ka, kb);
  if (c !== 0) return c;
  for (const k of ka) {
    const d = compare((a as Record<string, Json>)[k]!, (b as Record<string, Json>)[k]!);
    if (d !== 0) return d;
  }
  return 0;
}

function tostring(v: Json): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

type Env = Map<string, Json>;

function evaluate(n: Node, input: Json, env: Env): Json[] {
  switch (n.k) {
    case 'identity':
      return [input];
    case 'recurse': {
      const out: Json[] = [];
      const walk = (v: Json): void => {
        out.push(v);
        if (Array.isArray(v)) v.forEach(walk);
        else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
      };
      walk(input);
      return out;
    }
    case 'field':
      if (input === null) return [null];
      if (typeof input === 'object' && !Array.isArray(input)) return [input[n.name] ?? null];
      if (n.opt) return [];
      throw new JqError(`Cannot index ${typeOf(input)} with "${n.name}"`);
    case 'index': {
      const out: Json[] = [];
      for (const t of evaluate(n.target, input, env)) {
        for (const idx of evaluate(n.index, input, env)) {
          if (t === null) out.push(null);
          else if (Array.isArray(t) && typeof idx === 'number') out.push(t[idx < 0 ? t.length + idx : Math.floor(idx)] ?? null);
          else if (typeof t === 'object' && !Array.isArray(t) && typeof idx === 'string') out.push(t[idx] ?? null);
          else if (!n.opt) throw new JqError(`Cannot index ${typeOf(t)} with ${typeof idx === 'string' ? `"${idx}"` : typeOf(idx)}`);
        }
      }
      return out;
    }
    case 'slice': {
      const out: Json[] = [];
      for (const t of evaluate(n.target, input, env)) {
        if (t === null) {
          out.push(null);
          continue;
        }
        if (typeof t !== 'string' && !Array.isArray(t)) throw new JqError(`Cannot index ${typeOf(t)} with object`);
        const from = n.from ? Number(evaluate(n.from, input, env)[0]) : 0;
        const to = n.to ? Number(evaluate(n.to, input, env)[0]) : t.length;
        out.push(t.slice(from, to) as Json);
      }
      return out;
    }
    case 'iterate': {
      const out: Json[] = [];
      for (const t of evaluate(n.target, input, env)) {
        if (Array.isArray(t)) out.push(...t);
        else if (t !== null && typeof t === 'object') out.push(...Object.values(t));
        else if (!n.opt) throw new JqError(`Cannot iterate over ${t === null ? 'null' : describe(t)}`);
      }
      return out;
    }
    case 'pipe':
      return evaluate(n.a, input, env).flatMap((v) => evaluate(n.b, v, env));
    case 'comma':
      return [...evaluate(n.a, input, env), ...evaluate(n.b, input, env)];
    case 'literal':
      return [n.v];
    case 'string': {
      let outs: string[] = [''];
      for (const p of n.parts) {
        if (typeof p === 'string') outs = outs.map((o) => o + p);
        else {
          const vals = evaluate(p, input, env).map(tostring);
          outs = outs.flatMap((o) => vals.map((v) => o + v));
        }
      }
      return outs;
    }
    case 'array':
      return [n.e ? evaluate(n.e, input, env) : []];
    case 'object': {
      let objs: Record<string, Json>[] = [{}];
      for (const e of n.entries) {
        const keys = typeof e.key === 'string' ? [e.key] : evaluate(e.key, input, env);
        const values = e.value ? evaluate(e.value, input, env) : [typeof e.key === 'string' ? (input !== null && typeof input === 'object' && !Array.isArray(input) ? (input[e.key] ?? null) : null) : null];
        const next: Record<string, Json>[] = [];
        for (const o of objs) for (const k of keys) for (const v of values) {
          if (typeof k !== 'string') throw new JqError(`Object keys must be strings`);
          next.push({ ...o, [k]: v });
        }
        objs = next;
      }
      return objs;
    }
    case 'neg':
      return evaluate(n.e, input, env).map((v) => {
        if (typeof v !== 'number') throw new JqError(`${describe(v)} cannot be negated`);
        return -v;
      });
    case 'var': {
      if (!env.has(n.name)) throw new JqError(`$${n.name} is not defined`);
      return [env.get(n.name)!];
    }
    case 'as':
      return evaluate(n.source, input, env).flatMap((v) => evaluate(n.body, input, new Map(env).set(n.name, v)));
    case 'if': {
      return evaluate(n.cond, input, env).flatMap((c) => (truthy(c) ? evaluate(n.then, input, env) : n.else ? evaluate(n.else, input, env) : [input]));
    }
    case 'try':
      try {
        return evaluate(n.body, input, env);
      } catch (e) {
        if (e instanceof JqError) return [];
        throw e;
      }
    case 'bin':
      return binary(n, input, env);
    case 'call':
      return call(n.name, n.args, input, env);
  }
}

function binary(n: Extract<Node, { k: 'bin' }>, input: Json, env: Env): Json[] {
  if (n.op === '//') {
    let got: Json[] = [];
    try {
      got = evaluate(n.a, input, env).filter(truthy);
    } catch (e) {
      if (!(e instanceof JqError)) throw e;
    }
    return got.length ? got : evaluate(n.b, input, env);
  }
  if (n.op === 'and' || n.op === 'or') {
    return evaluate(n.a, input, env).flatMap((a) => {
      if (n.op === 'and' && !truthy(a)) return [false];
      if (n.op === 'or' && truthy(a)) return [true];
      return evaluate(n.b, input, env).map(truthy);
    });
  }
  const out: Json[] = [];
  for (const b of evaluate(n.b, input, env)) {
    for (const a of evaluate(n.a, input, env)) {
      switch (n.op) {
        case '==': out.push(compare(a, b) === 0); break;
        case '!=': out.push(compare(a, b) !== 0); break;
        case '<': out.push(compare(a, b) < 0); break;
        case '<=': out.push(compare(a, b) <= 0); break;
        case '>': out.push(compare(a, b) > 0); break;
        case '>=': out.push(compare(a, b) >= 0); break;
        case '+':
          if (a === null) out.push(b);
          else if (b === null) out.push(a);
          else if (typeof a === 'number' && typeof b === 'number') out.push(a + b);
          else if (typeof a === 'string' && typeof b === 'string') out.push(a + b);
          else if (Array.isArray(a) && Array.isArray(b)) out.push([...a, ...b]);
          else if (typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) out.push({ ...a, ...b });
          else throw new JqError(`${describe(a)} and ${describe(b)} cannot be added`);
          break;
        case '-':
          if (typeof a === 'number' && typeof b === 'number') out.push(a - b);
          else if (Array.isArray(a) && Array.isArray(b)) out.push(a.filter((x) => !b.some((y) => compare(x, y) === 0)));
          else throw new JqError(`${describe(a)} and ${describe(b)} cannot be subtracted`);
          break;
        case '*':
          if (typeof a === 'number' && typeof b === 'number') out.push(a * b);
          else throw new JqError(`${describe(a)} and ${describe(b)} cannot be multiplied`);
          break;
        case '/':
          if (typeof a === 'number' && typeof b === 'number') {
            if (b === 0) throw new JqError(`${describe(a)} and ${describe(b)} cannot be divided because the divisor is zero`);
            out.push(a / b);
          } else if (typeof a === 'string' && typeof b === 'string') out.push(a.split(b));
          else throw new JqError(`${describe(a)} and ${describe(b)} cannot be divided`);
          break;
        case '%':
          if (typeof a === 'number' && typeof b === 'number') out.push(Math.trunc(a) % Math.trunc(b));
          else throw new JqError(`${describe(a)} and ${describe(b)} cannot be divided`);
          break;
      }
    }
  }
  return out;
}

function arg0(args: Node[], input: Json, env: Env): Json[] {
  if (!args[0]) throw new JqError('missing argument');
  return evaluate(args[0], input, env);
}

function call(name: string, args: Node[], input: Json, env: Env): Json[] {
  const needs = (t: string): void => {
    if (typeOf(input) !== t) throw new JqError(`${describe(input)} has no ${name === 'keys' ? 'keys' : name}`);
  };
  switch (name) {
    case 'empty':
      return [];
    case 'not':
      return [!truthy(input)];
    case 'length':
      if (input === null) return [0];
      if (typeof input === 'boolean') throw new JqError(`boolean (${input}) has no length`);
      if (typeof input === 'number') return [Math.abs(input)];
      if (typeof input === 'string') return [[...input].length];
      return [Array.isArray(input) ? input.length : Object.keys(input).length];
    case 'keys':
    case 'keys_unsorted':
      if (Array.isArray(input)) return [input.map((_x, i) => i)];
      needs('object');
      return [name === 'keys' ? Object.keys(input as object).sort() : Object.keys(input as object)];
    case 'values':
      return input === null ? [] : [input];
    case 'tostring':
      return [tostring(input)];
    case 'tonumber':
      if (typeof input === 'number') return [input];
      if (typeof input === 'string' && input.trim() !== '' && Number.isFinite(Number(input))) return [Number(input)];
      throw new JqError(`Cannot parse '${tostring(input)}' as JSON`);
    case 'type':
      return [typeOf(input)];
    case 'join':
      return arg0(args, input, env).map((sep) => {
        if (!Array.isArray(input)) throw new JqError(`Cannot iterate over ${describe(input)}`);
        return input
          .map((x) => {
            if (x === null) return '';
            if (typeof x === 'object') throw new JqError(`Cannot join with ${typeOf(x)}`);
            return String(x);
          })
          .join(String(sep));
      });
    case 'select':
      return arg0(args, input, env).some(truthy) ? [input] : [];
    case 'map':
      if (!Array.isArray(input) && (input === null || typeof input !== 'object')) throw new JqError(`Cannot iterate over ${describe(input)}`);
      return [(Array.isArray(input) ? input : Object.values(input)).flatMap((x) => arg0(args, x, env))];
    case 'has':
      return arg0(args, input, env).map((k) => (Array.isArray(input) ? typeof k === 'number' && k < input.length : input !== null && typeof input === 'object' && typeof k === 'string' && k in input));
    case 'first':
      return args.length ? arg0(args, input, env).slice(0, 1) : [Array.isArray(input) ? (input[0] ?? null) : null];
    case 'last':
      return args.length ? arg0(args, input, env).slice(-1) : [Array.isArray(input) ? (input[input.length - 1] ?? null) : null];
    case 'add':
      if (!Array.isArray(input)) throw new JqError(`Cannot iterate over ${describe(input)}`);
      return [input.reduce<Json>((acc, x) => binary({ k: 'bin', op: '+', a: { k: 'literal', v: acc }, b: { k: 'literal', v: x } }, null, env)[0]!, null)];
    case 'sort':
      needs('array');
      return [[...(input as Json[])].sort(compare)];
    case 'sort_by':
    case 'group_by':
    case 'unique_by':
    case 'min_by':
    case 'max_by': {
      needs('array');
      const keyed = (input as Json[]).map((x) => ({ x, k: arg0(args, x, env) as Json }));
      keyed.sort((a, b) => compare(a.k, b.k));
      if (name === 'sort_by') return [keyed.map((e) => e.x)];
      if (name === 'min_by') return [keyed[0]?.x ?? null];
      if (name === 'max_by') return [keyed[keyed.length - 1]?.x ?? null];
      const groups: Json[][] = [];
      keyed.forEach((e, i) => (i > 0 && compare(keyed[i - 1]!.k, e.k) === 0 ? groups[groups.length - 1]!.push(e.x) : groups.push([e.x])));
      return [name === 'group_by' ? groups : groups.map((g) => g[0]!)];
    }
    case 'unique':
      needs('array');
      return [[...(input as Json[])].sort(compare).filter((x, i, a) => i === 0 || compare(a[i - 1]!, x) !== 0)];
    case 'reverse':
      if (typeof input === 'string') return [[...input].reverse().join('')];
      return [Array.isArray(input) ? [...input].reverse() : []];
    case 'min':
    case 'max': {
      needs('array');
      const s = [...(input as Json[])].sort(compare);
      return [(name === 'min' ? s[0] : s[s.length - 1]) ?? null];
    }
    case 'to_entries':
      needs('object');
      return [Object.entries(input as object).map(([key, value]) => ({ key, value: value as Json }))];
    case 'from_entries':
      needs('array');
      return [Object.fromEntries((input as Json[]).map((e) => {
        const o = e as Record<string, Json>;
        return [tostring(o['key'] ?? o['k'] ?? o['name'] ?? null), o['value'] ?? o['v'] ?? null];
      }))];
    case 'with_entries':
      return call('from_entries', [], call('map', args, call('to_entries', [], input, env)[0]!, env)[0]!, env);
    case 'ascii_downcase':
    case 'ascii_upcase':
      if (typeof input !== 'string') throw new JqError(`${describe(input)} cannot be ${name === 'ascii_downcase' ? 'lowercased' : 'uppercased'}`);
      return [name === 'ascii_downcase' ? input.toLowerCase() : input.toUpperCase()];
    case 'split':
      return arg0(args, input, env).map((sep) => {
        if (typeof input !== 'string') throw new JqError('split input must be a string');
        return input.split(String(sep));
      });
    case 'test':
    case 'startswith':
    case 'endswith':
    case 'contains':
    case 'ltrimstr':
    case 'rtrimstr':
      return arg0(args, input, env).map((a) => {
        if (name === 'contains') return JSON.stringify(input).includes(typeof a === 'string' ? a : JSON.stringify(a).replace(/^[[{]|[\]}]$/g, ''));
        if (typeof input !== 'string') {
          if (name === 'ltrimstr' || name === 'rtrimstr') return input;
          throw new JqError(`${describe(input)} cannot be matched, as it is not a string`);
        }
        const s = String(a);
        if (name === 'test') return new RegExp(s).test(input);
        if (name === 'startswith') return input.startsWith(s);
        if (name === 'endswith') return input.endsWith(s);
        if (name === 'ltrimstr') return input.startsWith(s) ? input.slice(s.length) : input;
        return input.endsWith(s) ? input.slice(0, input.length - s.length) : input;
      });
    case 'tojson':
      return [JSON.stringify(input)];
    case 'fromjson':
      if (typeof input !== 'string') throw new JqError(`${describe(input)} cannot be parsed as JSON`);
      return [JSON.parse(input) as Json];
    case 'any':
      return [Array.isArray(input) && input.some((x) => (args.length ? arg0(args, x, env).some(truthy) : truthy(x)))];
    case 'all':
      return [Array.isArray(input) && input.every((x) => (args.length ? arg0(args, x, env).some(truthy) : truthy(x)))];
    case 'range': {
      const vals = args.map((a) => Number(evaluate(a, input, env)[0]));
      const [from, to] = vals.length === 1 ? [0, vals[0]!] : [vals[0]!, vals[1]!];
      const out: Json[] = [];
      for (let i = from; i < to && out.length < 100000; i++) out.push(i);
      return out;
    }
    case 'floor':
      return [Math.floor(Number(input))];
    case 'error':
      throw new JqError(args.length ? tostring(arg0(args, input, env)[0] ?? null) : tostring(input));
    case 'env':
      return [{}];
    case 'paths': {
      const out: Json[] = [];
      const walk = (v: Json, path: Json[]): void => {
        if (path.length) out.push(path);
        if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
        else if (v !== null && typeof v === 'object') Object.entries(v).forEach(([k, x]) => walk(x, [...path, k]));
      };
      walk(input, []);
      return out;
    }
  }
  throw new JqError(`${name}/${args.length} is not defined`);
}

// ---------------------------------------------------------------- output

function encode(v: Json, indent: number, sortKeys: boolean, depth = 0): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  const pad = indent ? '\n' + ' '.repeat(indent * (depth + 1)) : '';
  const end = indent ? '\n' + ' '.repeat(indent * depth) : '';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return '[' + v.map((x) => pad + encode(x, indent, sortKeys, depth + 1)).join(',') + end + ']';
  }
  const keys = sortKeys ? Object.keys(v).sort() : Object.keys(v);
  if (keys.length === 0) return '{}';
  return '{' + keys.map((k) => pad + JSON.stringify(k) + (indent ? ': ' : ':') + encode(v[k]!, indent, sortKeys, depth + 1)).join(',') + end + '}';
}

/** Splits concatenated JSON texts (`{…}{…}` or one per line). */
function parseStream(text: string): { values: Json[]; error?: string } {
  const values: Json[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && /\s/.test(text[i]!)) i++;
    if (i >= n) break;
    let j = i;
    if (text[i] === '{' || text[i] === '[') {
      let depth = 0;
      let inStr = false;
      for (; j < n; j++) {
        const c = text[j]!;
        if (inStr) {
          if (c === '\\') j++;
          else if (c === '"') inStr = false;
        } else if (c === '"') inStr = true;
        else if (c === '{' || c === '[') depth++;
        else if (c === '}' || c === ']') {
          depth--;
          if (depth === 0) {
            j++;
            break;
          }
        }
      }
      if (depth !== 0) {
        const line = text.slice(0, n).split('\n').length;
        return { values, error: `parse error: Unfinished JSON term at EOF at line ${line + (text.endsWith('\n') ? 0 : 1)}, column 0` };
      }
    } else {
      while (j < n && !/\s/.test(text[j]!)) j++;
    }
    const chunk = text.slice(i, j);
    try {
      values.push(JSON.parse(chunk) as Json);
    } catch {
      const before = text.slice(0, j);
      const line = before.split('\n').length;
      const col = j - before.lastIndexOf('\n') - 1;
      return { values, error: `parse error: Invalid numeric literal at line ${line}, column ${col}` };
    }
    i = j;
  }
  return { values };
}

export const jq: ShellCommand = async (args, io, ctx) => {
  let raw = false;
  let compact = false;
  let join = false;
  let nullInput = false;
  let exitStatus = false;
  let sortKeys = false;
  let slurp = false;
  let tab = false;
  const env: Env = new Map();
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--arg' || a === '--argjson') {
      const k = args[++i];
      const v = args[++i];
      if (k === undefined || v === undefined) {
        io.stderr(`jq: ${a} takes two parameters (e.g. ${a} varname value)\nUse jq --help for help with command-line options,\nor see the jq manpage, or online docs  at https://stedolan.github.io/jq\n`);
        return 2;
      }
      try {
        env.set(k, a === '--arg' ? v : (JSON.parse(v) as Json));
      } catch {
        io.stderr(`jq: Invalid JSON text passed to --argjson\n`);
        return 2;
      }
    } else if (a === '--version') {
      io.stdout('jq-1.6\n');
      return 0;
    } else if (a === '--raw-output') raw = true;
    else if (a === '--compact-output') compact = true;
    else if (a === '--join-output') raw = join = true;
    else if (a === '--null-input') nullInput = true;
    else if (a === '--exit-status') exitStatus = true;
    else if (a === '--sort-keys') sortKeys = true;
    else if (a === '--slurp') slurp = true;
    else if (a === '--tab') tab = true;
    else if (/^-[rcjneSsMCa]+$/.test(a)) {
      for (const c of a.slice(1)) {
        if (c === 'r') raw = true;
        else if (c === 'c') compact = true;
        else if (c === 'j') raw = join = true;
        else if (c === 'n') nullInput = true;
        else if (c === 'e') exitStatus = true;
        else if (c === 'S') sortKeys = true;
        else if (c === 's') slurp = true;
      }
    } else if (a.startsWith('-') && a !== '-' && rest.length === 0 && !/^-\d/.test(a)) {
      io.stderr(`jq: Unknown option: ${a}\nUse jq --help for help with command-line options,\nor see the jq manpage, or online docs  at https://stedolan.github.io/jq\n`);
      return 2;
    } else rest.push(a);
  }
  const filterText = rest.shift() ?? '.';
  let ast: Node;
  try {
    ast = new JqParser(lex(filterText), filterText).parse();
  } catch (e) {
    io.stderr(`jq: error: ${e instanceof Error ? e.message : String(e)}\njq: 1 compile error\n`);
    return 3;
  }
  let inputs: Json[];
  if (nullInput) inputs = [null];
  else {
    const { texts, failed } = await readInputs('jq', rest, { ...io, stderr: (s) => io.stderr(s.replace(/^jq: (.*): No such file or directory\n$/, 'jq: error: Could not open $1: No such file or directory\n')) }, ctx);
    if (failed) return 2;
    const parsed = parseStream(texts.map((t) => t.text).join('\n'));
    inputs = parsed.values;
    if (parsed.error !== undefined) {
      await emit(inputs);
      io.stderr(parsed.error + '\n');
      return 2;
    }
    if (slurp) inputs = [inputs];
  }
  let last: Json | undefined;
  let status = 0;
  async function emit(vals: Json[]): Promise<void> {
    for (const input of vals) {
      try {
        for (const v of evaluate(ast, input, env)) {
          last = v;
          const text = raw && typeof v === 'string' ? v : encode(v, compact ? 0 : tab ? 1 : 2, sortKeys);
          io.stdout(tab ? text.replace(/^( )+/gm, (m) => '\t'.repeat(m.length)) : text);
          if (!join) io.stdout('\n');
        }
      } catch (e) {
        if (!(e instanceof JqError)) throw e;
        io.stderr(`jq: error (at <stdin>:${vals.length}): ${e.message}\n`);
        status = 5;
      }
    }
  }
  await emit(inputs);
  if (status) return status;
  if (exitStatus) return last === undefined ? 4 : truthy(last) ? 0 : 1;
  return 0;
};
