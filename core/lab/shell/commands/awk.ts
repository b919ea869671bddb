// A small awk: the one-liners people use on command output —
// `{print $1}`, `{print $1":"$NF}`, `NR>1 {print $2}`, `/re/ {print}`,
// `$3=="x"`, `-F:`, `{s+=$2} END {print s}`, `printf`, `length()`,
// `if`/`else`. Fields, NR, NF, FS, OFS behave as in POSIX awk.

import type { ShellCommand } from '../context.js';
import { lines } from '../streams.js';
import { readInputs, splitLines } from './util.js';

type Expr =
  | { k: 'num'; v: number }
  | { k: 'str'; v: string }
  | { k: 're'; v: RegExp }
  | { k: 'field'; e: Expr }
  | { k: 'var'; name: string }
  | { k: 'un'; op: string; e: Expr }
  | { k: 'bin'; op: string; a: Expr; b: Expr }
  | { k: 'assign'; op: string; target: Expr; e: Expr }
  | { k: 'incr'; op: '++' | '--'; prefix: boolean; target: Expr }
  | { k: 'call'; name: string; args: Expr[] }
  | { k: 'cond'; c: Expr; a: Expr; b: Expr };

type Stmt =
  | { k: 'print'; args: Expr[]; printf: boolean }
  | { k: 'expr'; e: Expr }
  | { k: 'if'; c: Expr; then: Stmt[]; else: Stmt[] }
  | { k: 'next' };

interface RuleNode {
  pattern: Expr | 'BEGIN' | 'END' | null;
  body: Stmt[] | null;
}

class AwkSyntaxError extends Error {}

type Tok = { t: 'num' | 'str' | 're' | 'name' | 'op' | 'nl' | 'eof'; v: string };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const regexAllowed = (): boolean => {
    const p = out[out.length - 1];
    return !p || p.t === 'nl' || (p.t === 'op' && !([')', ']'] as string[]).includes(p.v) && p.v !== '$');
  };
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || (c === '\\' && src[i + 1] === '\n')) {
      i += c === '\\' ? 2 : 1;
      continue;
    }
    if (c === '\n' || c === ';') {
      out.push({ t: 'nl', v: c });
      i++;
      continue;
    }
    if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (/[0-9.]/.test(c) && /^[0-9]*\.?[0-9]+([eE][-+]?\d+)?|^[0-9]+\.?/.test(src.slice(i))) {
      const m = /^([0-9]*\.?[0-9]+([eE][-+]?\d+)?|[0-9]+\.?)/.exec(src.slice(i))!;
      out.push({ t: 'num', v: m[0] });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      out.push({ t: 'name', v: m[0] });
      i += m[0].length;
      continue;
    }
    if (c === '"') {
      let s = '';
      i++;
      while (i < src.length && src[i] !== '"') {
        if (src[i] === '\\' && i + 1 < src.length) {
          const n = src[i + 1]!;
          s += n === 'n' ? '\n' : n === 't' ? '\t' : n === '"' ? '"' : n === '\\' ? '\\' : n === '/' ? '/' : '\\' + n;
          i += 2;
        } else s += src[i++];
      }
      if (i >= src.length) throw new AwkSyntaxError('runaway string constant "' + s.slice(0, 10) + ' ...');
      i++;
      out.push({ t: 'str', v: s });
      continue;
    }
    if (c === '/' && regexAllowed()) {
      let s = '';
      i++;
      while (i < src.length && src[i] !== '/') {
        if (src[i] === '\\' && src[i + 1] === '/') {
          s += '/';
          i += 2;
        } else s += src[i++];
      }
      if (i >= src.length) throw new AwkSyntaxError('unterminated regexp');
      i++;
      out.push({ t: 're', v: s });
      continue;
    }
    const ops = ['+=', '-=', '*=', '/=', '%=', '==', '!=', '<=', '>=', '&&', '||', '!~', '++', '--'];
    const two = src.slice(i, i + 2);
    if (ops.includes(two)) {
      out.push({ t: 'op', v: two });
      i += 2;
      continue;
    }
    if ('{}()[]$,+-*/%<>=!~?:^'.includes(c)) {
      out.push({ t: 'op', v: c });
      i++;
      continue;
    }
    throw new AwkSyntaxError(`invalid char '${c}' in expression`);
  }
  out.push({ t: 'eof', v: '' });
  return out;
}

class AwkParser {
  private i = 0;
  constructor(private readonly toks: Tok[]) {}

  private peek(): Tok {
    return this.toks[this.i]!;
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === v;
  }
  private expect(v: string): void {
    if (!this.isOp(v)) throw new AwkSyntaxError(`syntax error at source line 1: expected '${v}' near '${this.peek().v}'`);
    this.i++;
  }
  private skipNl(): void {
    while (this.peek().t === 'nl') this.i++;
  }

  program(): RuleNode[] {
    const rules: RuleNode[] = [];
    for (;;) {
      this.skipNl();
      if (this.peek().t === 'eof') return rules;
      let pattern: RuleNode['pattern'] = null;
      const t = this.peek();
      if (t.t === 'name' && (t.v === 'BEGIN' || t.v === 'END')) {
        pattern = t.v;
        this.i++;
      } else if (!this.isOp('{')) pattern = this.expr();
      let body: Stmt[] | null = null;
      if (this.isOp('{')) body = this.block();
      rules.push({ pattern, body });
    }
  }

  private block(): Stmt[] {
    this.expect('{');
    const out: Stmt[] = [];
    for (;;) {
      this.skipNl();
      if (this.isOp('}')) {
        this.i++;
        return out;
      }
      if (this.peek().t === 'eof') throw new AwkSyntaxError('syntax error at source line 1: unexpected end of program');
      out.push(this.stmt());
    }
  }

  private stmt(): Stmt {
    const t = this.peek();
    if (this.isOp('{')) {
      const b = this.block();
      return { k: 'if', c: { k: 'num', v: 1 }, then: b, else: [] };
    }
    if (t.t === 'name' && (t.v === 'print' || t.v === 'printf')) {
      this.i++;
      const args: Expr[] = [];
      const paren = this.isOp('(');
      if (!this.atStmtEnd()) {
        args.push(this.expr(true));
        while (this.isOp(',')) {
          this.i++;
          args.push(this.expr(true));
        }
      }
      // `print (a, b)` — a parenthesised list
      if (paren && args.length === 1 && args[0]!.k === 'call' && args[0]!.name === '(list)') args.splice(0, 1, ...args[0]!.args);
      return { k: 'print', args, printf: t.v === 'printf' };
    }
    if (t.t === 'name' && t.v === 'next') {
      this.i++;
      return { k: 'next' };
    }
    if (t.t === 'name' && t.v === 'if') {
      this.i++;
      this.expect('(');
      const c = this.expr();
      this.expect(')');
      this.skipNl();
      const then = this.isOp('{') ? this.block() : [this.stmt()];
      let i0 = this.i;
      while (this.peek().t === 'nl') this.i++;
      let els: Stmt[] = [];
      if (this.peek().t === 'name' && this.peek().v === 'else') {
        this.i++;
        this.skipNl();
        els = this.isOp('{') ? this.block() : [this.stmt()];
        i0 = this.i;
      }
      this.i = i0;
      return { k: 'if', c, then, else: els };
    }
    return { k: 'expr', e: this.expr() };
  }

  private atStmtEnd(): boolean {
    const t = this.peek();
    return t.t === 'nl' || t.t === 'eof' || (t.t === 'op' && t.v === '}');
  }

  /** `noGt`: in print lists `>` would be output redirection; we treat it as comparison only inside parens. */
  expr(noGt = false): Expr {
    return this.ternary(noGt);
  }

  private ternary(noGt: boolean): Expr {
    const c = this.assignment(noGt);
    if (this.isOp('?')) {
      this.i++;
      const a = this.ternary(noGt);
      this.expect(':');
      const b = this.ternary(noGt);
      return { k: 'cond', c, a, b };
    }
    return c;
  }

  private assignment(noGt: boolean): Expr {
    const left = this.or(noGt);
    const t = this.peek();
    if (t.t === 'op' && ['=', '+=', '-=', '*=', '/=', '%='].includes(t.v) && (left.k === 'var' || left.k === 'field')) {
      this.i++;
      return { k: 'assign', op: t.v, target: left, e: this.assignment(noGt) };
    }
    return left;
  }

  private or(noGt: boolean): Expr {
    let a = this.and(noGt);
    while (this.isOp('||')) {
      this.i++;
      a = { k: 'bin', op: '||', a, b: this.and(noGt) };
    }
    return a;
  }
  private and(noGt: boolean): Expr {
    let a = this.match(noGt);
    while (this.isOp('&&')) {
      this.i++;
      a = { k: 'bin', op: '&&', a, b: this.match(noGt) };
    }
    return a;
  }
  private match(noGt: boolean): Expr {
    let a = this.compare(noGt);
    while (this.isOp('~') || this.isOp('!~')) {
      const op = this.peek().v;
      this.i++;
      a = { k: 'bin', op, a, b: this.compare(noGt) };
    }
    return a;
  }
  private compare(noGt: boolean): Expr {
    const a = this.concat(noGt);
    const t = this.peek();
    if (t.t === 'op' && ['==', '!=', '<', '<=', '>=', ...(noGt ? [] : ['>'])].includes(t.v)) {
      this.i++;
      return { k: 'bin', op: t.v, a, b: this.concat(noGt) };
    }
    return a;
  }
  private concat(noGt: boolean): Expr {
    let a = this.additive();
    for (;;) {
      const t = this.peek();
      const starts = t.t === 'num' || t.t === 'str' || t.t === 'name' || (t.t === 'op' && ['$', '(', '++', '--'].includes(t.v));
      if (!starts || (t.t === 'name' && ['in', 'getline'].includes(t.v))) return a;
      void noGt;
      a = { k: 'bin', op: 'concat', a, b: this.additive() };
    }
  }
  private additive(): Expr {
    let a = this.mult();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.peek().v;
      this.i++;
      a = { k: 'bin', op, a, b: this.mult() };
    }
    return a;
  }
  private mult(): Expr {
    let a = this.unary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      const op = this.peek().v;
      this.i++;
      a = { k: 'bin', op, a, b: this.unary() };
    }
    return a;
  }
  private unary(): Expr {
    if (this.isOp('!')) {
      this.i++;
      return { k: 'un', op: '!', e: this.unary() };
    }
    if (this.isOp('-') || this.isOp('+')) {
      const op = this.peek().v;
      this.i++;
      return { k: 'un', op, e: this.unary() };
    }
    if (this.isOp('++') || this.isOp('--')) {
      const op = this.peek().v as '++';
      this.i++;
      return { k: 'incr', op, prefix: true, target: this.postfix() };
    }
    return this.postfix();
  }
  private postfix(): Expr {
    const e = this.primary();
    if ((this.isOp('++') || this.isOp('--')) && (e.k === 'var' || e.k === 'field')) {
      const op = this.peek().v as '++';
      this.i++;
      return { k: 'incr', op, prefix: false, target: e };
    }
    return e;
  }
  private primary(): Expr {
    const t = this.peek();
    this.i++;
    if (t.t === 'num') return { k: 'num', v: Number(t.v) };
    if (t.t === 'str') return { k: 'str', v: t.v };
    if (t.t === 're') return { k: 're', v: new RegExp(t.v) };
    if (t.t === 'op' && t.v === '$') return { k: 'field', e: this.primaryForField() };
    if (t.t === 'op' && t.v === '(') {
      const first = this.expr();
      if (this.isOp(',')) {
        const args = [first];
        while (this.isOp(',')) {
          this.i++;
          args.push(this.expr());
        }
        this.expect(')');
        return { k: 'call', name: '(list)', args };
      }
      this.expect(')');
      return first;
    }
    if (t.t === 'name') {
      if (this.isOp('(')) {
        this.i++;
        const args: Expr[] = [];
        if (!this.isOp(')')) {
          args.push(this.expr());
          while (this.isOp(',')) {
            this.i++;
            args.push(this.expr());
          }
        }
        this.expect(')');
        return { k: 'call', name: t.v, args };
      }
      if (t.v === 'length') return { k: 'call', name: 'length', args: [] };
      return { k: 'var', name: t.v };
    }
    throw new AwkSyntaxError(`syntax error at source line 1 near '${t.v || 'end of program'}'`);
  }
  private primaryForField(): Expr {
    const t = this.peek();
    if (t.t === 'op' && (t.v === '++' || t.v === '--' || t.v === '-')) return this.unary();
    return this.primary();
  }
}

type Val = string | number;

class AwkRun {
  vars = new Map<string, Val>();
  fields: string[] = [];
  record = '';
  out = '';
  constructor(fs: string) {
    this.vars.set('FS', fs);
    this.vars.set('OFS', ' ');
    this.vars.set('ORS', '\n');
    this.vars.set('NR', 0);
    this.vars.set('NF', 0);
  }

  setRecord(line: string): void {
    this.record = line;
    const fs = String(this.vars.get('FS'));
    this.fields = fs === ' ' ? line.trim().split(/[ \t\n]+/).filter((x) => x !== '') : line === '' ? [] : line.split(fs.length === 1 && fs !== '\\' ? fs : new RegExp(fs));
    this.vars.set('NF', this.fields.length);
  }

  private rebuild(): void {
    this.record = this.fields.join(String(this.vars.get('OFS')));
  }

  num(v: Val): number {
    if (typeof v === 'number') return v;
    const m = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(v);
    return m ? Number(m[0]) : 0;
  }
  str(v: Val): string {
    if (typeof v === 'string') return v;
    return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  }
  bool(v: Val): boolean {
    return typeof v === 'number' ? v !== 0 : v !== '';
  }
  private looksNumeric(v: Val): boolean {
    return typeof v === 'number' || /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(v);
  }

  private getField(i: number): string {
    if (i === 0) return this.record;
    return this.fields[i - 1] ?? '';
  }

  eval(e: Expr): Val {
    switch (e.k) {
      case 'num':
        return e.v;
      case 'str':
        return e.v;
      case 're':
        return e.v.test(this.record) ? 1 : 0;
      case 'field':
        return this.getField(Math.trunc(this.num(this.eval(e.e))));
      case 'var':
        return this.vars.get(e.name) ?? '';
      case 'un': {
        const v = this.eval(e.e);
        if (e.op === '!') return this.bool(v) ? 0 : 1;
        return e.op === '-' ? -this.num(v) : this.num(v);
      }
      case 'cond':
        return this.bool(this.eval(e.c)) ? this.eval(e.a) : this.eval(e.b);
      case 'assign': {
        let v = this.eval(e.e);
        if (e.op !== '=') {
          const cur = this.num(this.eval(e.target));
          const r = this.num(v);
          v = e.op === '+=' ? cur + r : e.op === '-=' ? cur - r : e.op === '*=' ? cur * r : e.op === '/=' ? cur / r : cur % r;
        }
        this.store(e.target, v);
        return v;
      }
      case 'incr': {
        const cur = this.num(this.eval(e.target));
        const nv = e.op === '++' ? cur + 1 : cur - 1;
        this.store(e.target, nv);
        return e.prefix ? nv : cur;
      }
      case 'bin':
        return this.binary(e.op, e.a, e.b);
      case 'call':
        return this.call(e.name, e.args);
    }
  }

  private store(target: Expr, v: Val): void {
    if (target.k === 'var') this.vars.set(target.name, v);
    else if (target.k === 'field') {
      const i = Math.trunc(this.num(this.eval(target.e)));
      if (i === 0) this.setRecord(this.str(v));
      else {
        while (this.fields.length < i) this.fields.push('');
        this.fields[i - 1] = this.str(v);
        this.vars.set('NF', this.fields.length);
        this.rebuild();
      }
    }
  }

  private binary(op: string, a: Expr, b: Expr): Val {
    if (op === '&&') return this.bool(this.eval(a)) && this.bool(this.eval(b)) ? 1 : 0;
    if (op === '||') return this.bool(this.eval(a)) || this.bool(this.eval(b)) ? 1 : 0;
    if (op === '~' || op === '!~') {
      const s = this.str(this.eval(a));
      const re = b.k === 're' ? b.v : new RegExp(this.str(this.eval(b)));
      return re.test(s) === (op === '~') ? 1 : 0;
    }
    const x = this.eval(a);
    const y = this.eval(b);
    switch (op) {
      case 'concat':
        return this.str(x) + this.str(y);
      case '+':
        return this.num(x) + this.num(y);
      case '-':
        return this.num(x) - this.num(y);
      case '*':
        return this.num(x) * this.num(y);
      case '/':
        return this.num(x) / this.num(y);
      case '%':
        return this.num(x) % this.num(y);
    }
    const numeric = this.looksNumeric(x) && this.looksNumeric(y) && (typeof x === 'number' || a.k === 'field' || a.k === 'var') && (typeof y === 'number' || b.k === 'field' || b.k === 'var');
    const c = numeric ? this.num(x) - this.num(y) : this.str(x) < this.str(y) ? -1 : this.str(x) > this.str(y) ? 1 : 0;
    switch (op) {
      case '==':
        return c === 0 ? 1 : 0;
      case '!=':
        return c !== 0 ? 1 : 0;
      case '<':
        return c < 0 ? 1 : 0;
      case '<=':
        return c <= 0 ? 1 : 0;
      case '>':
        return c > 0 ? 1 : 0;
      case '>=':
        return c >= 0 ? 1 : 0;
    }
    return 0;
  }

  private call(name: string, args: Expr[]): Val {
    const a = (i: number): Val => (args[i] ? this.eval(args[i]!) : '');
    switch (name) {
      case 'length':
        return args.length === 0 ? this.record.length : this.str(a(0)).length;
      case 'substr': {
        const s = this.str(a(0));
        const start = Math.round(this.num(a(1)));
        const len = args.length > 2 ? Math.round(this.num(a(2))) : Infinity;
        const from = Math.max(1, start);
        const to = Math.min(s.length + 1, start + len);
        return to > from ? s.slice(from - 1, to - 1) : '';
      }
      case 'tolower':
        return this.str(a(0)).toLowerCase();
      case 'toupper':
        return this.str(a(0)).toUpperCase();
      case 'index':
        return this.str(a(0)).indexOf(this.str(a(1))) + 1;
      case 'int':
        return Math.trunc(this.num(a(0)));
      case 'sprintf':
        return this.format(args.map((x) => this.eval(x)));
      case '(list)':
        return args.map((x) => this.str(this.eval(x))).join(String(this.vars.get('SUBSEP') ?? ' '));
      case 'gsub':
      case 'sub': {
        const re = args[0]!.k === 're' ? args[0]!.v : new RegExp(this.str(a(0)));
        const target = args[2] ?? ({ k: 'field', e: { k: 'num', v: 0 } } as Expr);
        const s = this.str(this.eval(target));
        let n = 0;
        const rep = this.str(a(1));
        const out = s.replace(new RegExp(re.source, name === 'gsub' ? 'g' : ''), (m) => {
          n++;
          return rep.replace(/&/g, m);
        });
        this.store(target, out);
        return n;
      }
    }
    throw new AwkSyntaxError(`calling undefined function ${name}`);
  }

  format(vals: Val[]): string {
    const fmt = this.str(vals[0] ?? '');
    let k = 1;
    return fmt.replace(/%([-+ 0#]*)(\d*)(?:\.(\d+))?([sdicfxXoeEgG%])/g, (_m, flags: string, width: string, prec: string | undefined, conv: string) => {
      if (conv === '%') return '%';
      const v = vals[k++] ?? '';
      let s: string;
      if (conv === 'd' || conv === 'i') s = String(Math.trunc(this.num(v)));
      else if (conv === 'f' || conv === 'e' || conv === 'g' || conv === 'E' || conv === 'G') s = this.num(v).toFixed(prec !== undefined ? Number(prec) : 6);
      else if (conv === 'x' || conv === 'X') s = Math.trunc(this.num(v)).toString(16);
      else if (conv === 'o') s = Math.trunc(this.num(v)).toString(8);
      else if (conv === 'c') s = typeof v === 'number' ? String.fromCharCode(v) : v.slice(0, 1);
      else s = prec !== undefined ? this.str(v).slice(0, Number(prec)) : this.str(v);
      const w = Number(width || 0);
      return s.length < w ? (flags.includes('-') ? s.padEnd(w) : s.padStart(w, flags.includes('0') ? '0' : ' ')) : s;
    });
  }

  /** Runs statements; returns 'next' when `next` ran. */
  exec(stmts: Stmt[]): 'next' | null {
    for (const s of stmts) {
      switch (s.k) {
        case 'print':
          if (s.printf) this.out += this.format(s.args.map((x) => this.eval(x)));
          else {
            const parts = s.args.length === 0 ? [this.record] : s.args.map((x) => this.str(this.eval(x)));
            this.out += parts.join(this.str(this.vars.get('OFS') ?? ' ')) + this.str(this.vars.get('ORS') ?? '\n');
          }
          break;
        case 'expr':
          this.eval(s.e);
          break;
        case 'if':
          if (this.exec(this.bool(this.eval(s.c)) ? s.then : s.else) === 'next') return 'next';
          break;
        case 'next':
          return 'next';
      }
    }
    return null;
  }
}

export const awk: ShellCommand = async (args, io, ctx) => {
  let fs = ' ';
  const assigns: [string, string][] = [];
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-F') fs = args[++i] ?? ' ';
    else if (a.startsWith('-F')) fs = a.slice(2);
    else if (a === '-v') {
      const kv = args[++i] ?? '';
      const eq = kv.indexOf('=');
      assigns.push([kv.slice(0, eq), kv.slice(eq + 1)]);
    } else rest.push(a);
  }
  if (fs === 't' || fs === '\\t') fs = '\t';
  const progText = rest.shift();
  if (progText === undefined) {
    io.stderr('usage: awk [-F fs][-v var=value][prog | -f progfile][file ...]\n');
    return 2;
  }
  let rules: RuleNode[];
  try {
    rules = new AwkParser(tokenize(progText)).program();
  } catch (e) {
    io.stderr(`awk: cmd. line:1: ${progText}\nawk: cmd. line:1: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  const run = new AwkRun(fs);
  for (const [k, v] of assigns) run.vars.set(k, v);
  const flush = (): void => {
    if (run.out) io.stdout(run.out);
    run.out = '';
  };
  try {
    for (const r of rules) if (r.pattern === 'BEGIN' && r.body) run.exec(r.body);
    flush();
    const mains = rules.filter((r) => r.pattern !== 'BEGIN' && r.pattern !== 'END');
    const hasEnd = rules.some((r) => r.pattern === 'END');
    if (mains.length > 0 || hasEnd) {
      const each = (line: string): void => {
        run.vars.set('NR', run.num(run.vars.get('NR') ?? 0) + 1);
        run.setRecord(line);
        for (const r of mains) {
          const hit = r.pattern === null || run.bool(run.eval(r.pattern as Expr));
          if (!hit) continue;
          if (r.body === null) run.out += run.record + '\n';
          else if (run.exec(r.body) === 'next') break;
        }
        flush();
      };
      if (rest.length === 0) for await (const l of lines(io.stdin)) each(l);
      else {
        const { texts, failed } = await readInputs('awk', rest, { ...io, stderr: (s) => io.stderr(s.replace(/^awk: (.*): No such file or directory/, "awk: fatal: cannot open file `$1' for reading: No such file or directory")) }, ctx);
        for (const t of texts) for (const l of splitLines(t.text)) each(l);
        if (failed) return 2;
      }
    }
    for (const r of rules) if (r.pattern === 'END' && r.body) run.exec(r.body);
    flush();
  } catch (e) {
    flush();
    io.stderr(`awk: cmd. line:1: fatal: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  return 0;
};
