// Word expansion as bash does it for the words people type: tilde, parameters
// (with `:-` defaults and `${#x}`), command substitution, quote removal and
// field splitting of unquoted results on blanks. (No globbing, no arithmetic.)

import type { Script, Word } from './ast.js';

export interface ExpandContext {
  /** A variable or special parameter (`?`, `$`, `!`, `#`, `0`…); undefined when unset. */
  lookup(name: string): string | undefined;
  assign(name: string, value: string): void;
  home: string;
  /** Runs `$( … )`, returns its stdout. */
  substitute(script: Script): Promise<string>;
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
      case 'tilde':
        out.push({ text: ctx.home, split: false, quoted: true });
        break;
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
  for (const w of words) out.push(...(await expandWord(w, ctx)));
  return out;
}
