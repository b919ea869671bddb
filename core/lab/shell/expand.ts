// Word expansion as bash does it for the words people type: tilde, parameters
// (with `:-` defaults and `${#x}`), command substitution, quote removal and
// field splitting of unquoted results on blanks, `$(( ))` arithmetic and
// brace expansion (`{1..5}`, `{a,b}`). (No globbing.)

import type { Script, Word } from './ast.js';

export interface ExpandContext {
  /** A variable or special parameter (`?`, `$`, `!`, `#`, `0`…); undefined when unset. */
  lookup(name: string): string | undefined;
  assign(name: string, value: string): void;
  home: string;
  /** Home directory of a named user (`~root`), undefined when there is no such user. */
  homeOf?(user: string): string | undefined;
  /** Runs `$( … )`, returns its stdout. */
  substitute(script: Script): Promise<string>;
  /** Paths matching a glob (`*.yaml`, `/tmp/x/*`), sorted; empty when none (the word then stays as typed). */
  glob?(pattern: string): string[];
}

interface Piece {
  text: string;
  /** Unquoted expansion results are split on blanks. */
  split: boolean;
  quoted: boolean;
}

async function pieces(word: Word, ctx: ExpandContext): Promise<Piece[]> {
  const out: Piece[] = [];
  for (const part of word) {
    switch (part.kind) {
      case 'lit':
        out.push({ text: part.text, split: false, quoted: part.quoted });
        break;
      case 'tilde': {
        const home = part.user === undefined ? ctx.home : ctx.homeOf?.(part.user);
        out.push({ text: home ?? `~${part.user}`, split: false, quoted: true });
        break;
      }
      case 'var': {
        let value = ctx.lookup(part.name);
        const op = part.op;
        if (op) {
          if (op.type === 'len') value = String((value ?? '').length);
          else {
            const unsetOrEmpty = value === undefined || (op.type.startsWith(':') && value === '');
            if (op.type === ':-' || op.type === '-') {
              if (unsetOrEmpty) value = await expandToString(op.word, ctx);
            } else if (op.type === ':=') {
              if (unsetOrEmpty) {
                value = await expandToString(op.word, ctx);
                ctx.assign(part.name, value);
              }
            } else {
              value = unsetOrEmpty ? '' : await expandToString(op.word, ctx);
            }
          }
        }
        out.push({ text: value ?? '', split: !part.quoted, quoted: part.quoted });
        break;
      }
      case 'arith': {
        const text = await expandToString(part.expr, ctx);
        const v = arithmetic(text, ctx);
        out.push({ text: String(v), split: !part.quoted, quoted: part.quoted });
        break;
      }
      case 'cmd': {
        const text = (await ctx.substitute(part.script)).replace(/\n+$/, '');
        out.push({ text, split: !part.quoted, quoted: part.quoted });
        break;
      }
    }
  }
  return out;
}

/** A word to its fields (0, 1 or more arguments). */
export async function expandWord(word: Word, ctx: ExpandContext): Promise<string[]> {
  const ps = await pieces(word, ctx);
  const fields: string[] = [];
  let cur = '';
  let has = false; // the current field exists (something quoted or non-empty was seen)
  for (const p of ps) {
    if (!p.split) {
      cur += p.text;
      if (p.quoted || p.text !== '') has = true;
      continue;
    }
    const chunks = p.text.split(/[ \t\n]+/);
    chunks.forEach((chunk, i) => {
      if (i > 0) {
        if (has) fields.push(cur);
        cur = '';
        has = false;
      }
      if (chunk !== '') {
        cur += chunk;
        has = true;
      }
    });
  }
  if (has) fields.push(cur);
  return fields;
}

/** A word to one string, without field splitting (assignments, redirection targets, here-docs). */
export async function expandToString(word: Word, ctx: ExpandContext): Promise<string> {
  const ps = await pieces(word, ctx);
  return ps.map((p) => p.text).join('');
}

export async function expandWords(words: Word[], ctx: ExpandContext): Promise<string[]> {
  const out: string[] = [];
  for (const w of words) {
    for (const b of braceExpand(w)) {
      const globbable = b.some((p) => p.kind === 'lit' && !p.quoted && /[*?[]/.test(p.text));
      for (const f of await expandWord(b, ctx)) {
        const matches = globbable && ctx.glob && /[*?[]/.test(f) ? ctx.glob(f) : [];
        if (matches.length > 0) out.push(...matches);
        else out.push(f);
      }
    }
  }
  return out;
}

/** A glob pattern (one path component) as a RegExp: `*`, `?`, `[abc]`, `[!a]`. */
export function globRegex(pattern: string): RegExp {
  let src = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') src += '[^/]*';
    else if (c === '?') src += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) src += '\\[';
      else {
        src += '[' + pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\') + ']';
        i = end;
      }
    } else src += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${src}$`);
}

/** `{1..5}`, `{a,b,c}` inside an unquoted literal part, with its prefix and suffix (one level). */
export function braceExpand(word: Word): Word[] {
  for (let i = 0; i < word.length; i++) {
    const p = word[i]!;
    if (p.kind !== 'lit' || p.quoted) continue;
    const m = /\{(-?\d+)\.\.(-?\d+)\}|\{([^{},\s]*(?:,[^{},\s]*)+)\}/.exec(p.text);
    if (!m) continue;
    let items: string[];
    if (m[1] !== undefined) {
      const a = Number(m[1]);
      const b = Number(m[2]);
      const step = a <= b ? 1 : -1;
      items = [];
      for (let x = a; step > 0 ? x <= b : x >= b; x += step) {
        items.push(String(x));
        if (items.length >= 100000) break;
      }
    } else items = m[3]!.split(',');
    const before = p.text.slice(0, m.index);
    const after = p.text.slice(m.index + m[0].length);
    return items.flatMap((it) =>
      braceExpand([...word.slice(0, i), { kind: 'lit', text: before + it + after, quoted: false }, ...word.slice(i + 1)]),
    );
  }
  return [word];
}

/** Integer arithmetic as `$(( ))` does it: + - * / % ** ( ), comparisons, &&, ||, !, names as variables. */
export function arithmetic(text: string, ctx: Pick<ExpandContext, 'lookup'>): number {
  const toks = text.match(/\d+|[A-Za-z_][A-Za-z0-9_]*|\*\*|==|!=|<=|>=|&&|\|\||[-+*/%()<>!]/g) ?? [];
  let i = 0;
  const peek = (): string | undefined => toks[i];
  const value = (name: string): number => {
    const v = ctx.lookup(name);
    return v === undefined || v === '' ? 0 : Number.isFinite(Number(v)) ? Math.trunc(Number(v)) : 0;
  };
  const primary = (): number => {
    const t = toks[i++];
    if (t === undefined) return 0;
    if (t === '(') {
      const v = or();
      i++;
      return v;
    }
    if (t === '-') return -primary();
    if (t === '+') return primary();
    if (t === '!') return primary() === 0 ? 1 : 0;
    if (/^\d+$/.test(t)) return Number(t);
    return value(t);
  };
  const pow = (): number => {
    const a = primary();
    if (peek() === '**') {
      i++;
      return a ** pow();
    }
    return a;
  };
  const mul = (): number => {
    let a = pow();
    for (;;) {
      const op = peek();
      if (op !== '*' && op !== '/' && op !== '%') return a;
      i++;
      const b = pow();
      a = op === '*' ? a * b : b === 0 ? 0 : op === '/' ? Math.trunc(a / b) : a % b;
    }
  };
  const add = (): number => {
    let a = mul();
    for (;;) {
      const op = peek();
      if (op !== '+' && op !== '-') return a;
      i++;
      a = op === '+' ? a + mul() : a - mul();
    }
  };
  const cmp = (): number => {
    let a = add();
    for (;;) {
      const op = peek();
      if (!op || !['<', '>', '<=', '>=', '==', '!='].includes(op)) return a;
      i++;
      const b = add();
      a = Number(op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : op === '>=' ? a >= b : op === '==' ? a === b : a !== b);
    }
  };
  const and = (): number => {
    let a = cmp();
    while (peek() === '&&') {
      i++;
      const b = cmp();
      a = Number(a !== 0 && b !== 0);
    }
    return a;
  };
  const or = (): number => {
    let a = and();
    while (peek() === '||') {
      i++;
      const b = and();
      a = Number(a !== 0 || b !== 0);
    }
    return a;
  };
  return or();
}
