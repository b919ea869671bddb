// A bash-compatible parser for the command lines people type on a node:
// lists (`;`, `&`, newlines), `&&`/`||`, pipes, `!`, quotes, `$VAR`/`${VAR}`/
// `$(…)`, redirections (`>`, `>>`, `<`, `2>&1`, `&>`, here-docs, here-strings),
// `for`/`while`/`until`/`if`, `{ …; }` and `( … )`.
//
// It tells an incomplete line (open quote, here-doc without its end, trailing
// `|`) from a wrong one, so the terminal can ask for more with `> `.

import type { AndOr, CommandNode, Pipeline, Redirect, Script, SimpleCommand, Word, WordPart } from './ast.js';

export type ParseResult =
  | { ok: true; script: Script }
  /** More input would complete it (the terminal prints `> ` and reads on). */
  | { ok: false; incomplete: true; message: string }
  /** bash: `syntax error near unexpected token `|'` (exit status 2). */
  | { ok: false; incomplete: false; message: string };

class Incomplete extends Error {}
class SyntaxError_ extends Error {}

const META = new Set([' ', '\t', '\n', ';', '&', '|', '<', '>', '(', ')']);
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED_END = new Set(['do', 'done', 'then', 'fi', 'else', 'elif', 'esac', '}']);

interface PendingHeredoc {
  redirect: Redirect;
  delim: string;
  stripTabs: boolean;
  expand: boolean;
}

export function parseLine(src: string): ParseResult {
  const p = new Parser(src);
  try {
    const script = p.parseScript(null);
    return { ok: true, script };
  } catch (e) {
    if (e instanceof Incomplete) return { ok: false, incomplete: true, message: e.message };
    if (e instanceof SyntaxError_) return { ok: false, incomplete: false, message: e.message };
    throw e;
  }
}

class Parser {
  private pos = 0;
  private pending: PendingHeredoc[] = [];

  constructor(private readonly src: string) {}

  get offset(): number {
    return this.pos;
  }

  private peek(n = 0): string {
    return this.src[this.pos + n] ?? '';
  }

  private atEnd(): boolean {
    return this.pos >= this.src.length;
  }

  private unexpected(tok: string): never {
    throw new SyntaxError_(`syntax error near unexpected token \`${tok}'`);
  }

  /** Blanks, line continuations and comments (not newlines). */
  private skipBlanks(): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t') this.pos++;
      else if (c === '\\' && this.peek(1) === '\n') this.pos += 2;
      else if (c === '#') {
        while (!this.atEnd() && this.peek() !== '\n') this.pos++;
      } else return;
    }
  }

  /** A newline: read the bodies of the here-docs opened on the line it ends. */
  private takeNewline(): void {
    this.pos++;
    const pend = this.pending;
    this.pending = [];
    for (const h of pend) this.readHeredoc(h);
  }

  private skipNewlines(): void {
    for (;;) {
      this.skipBlanks();
      if (this.peek() === '\n') this.takeNewline();
      else return;
    }
  }

  private readHeredoc(h: PendingHeredoc): void {
    const bodyLines: string[] = [];
    for (;;) {
      if (this.atEnd()) throw new Incomplete(`here-document delimited by end-of-file (wanted \`${h.delim}')`);
      let end = this.src.indexOf('\n', this.pos);
      const last = end < 0;
      if (last) end = this.src.length;
      let line = this.src.slice(this.pos, end);
      this.pos = last ? end : end + 1;
      if (h.stripTabs) line = line.replace(/^\t+/, '');
      if (line === h.delim) break;
      if (last) throw new Incomplete(`here-document delimited by end-of-file (wanted \`${h.delim}')`);
      bodyLines.push(line);
    }
    const body = bodyLines.map((l) => l + '\n').join('');
    h.redirect.heredoc = h.expand ? parseHeredocBody(body) : [{ kind: 'lit', text: body, quoted: true }];
  }

  /** The operator at the cursor, if any. */
  private operator(): string | null {
    const two = this.src.slice(this.pos, this.pos + 2);
    if (two === '&&' || two === '||' || two === ';;') return two;
    const c = this.peek();
    if (c === ';' || c === '&' || c === '|' || c === '(' || c === ')' || c === '\n') return c;
    return null;
  }

  /** Terminators: `)` of `$( … )`/subshell, or reserved words when `stopWords` is set. */
  parseScript(close: ')' | null, stopWords?: Set<string>): Script {
    const out: AndOr[] = [];
    for (;;) {
      this.skipNewlines();
      if (this.atEnd()) {
        if (close) throw new Incomplete(`unexpected EOF while looking for matching \`)'`);
        if (stopWords) throw new Incomplete('unexpected end of file');
        if (this.pending.length > 0) this.readHeredoc(this.pending.shift()!);
        return out;
      }
      if (close && this.peek() === ')') return out;
      if (stopWords) {
        const w = this.peekReserved();
        if (w !== null && stopWords.has(w)) return out;
      }
      const start = this.pos;
      const item = this.parseAndOr();
      this.skipBlanks();
      const op = this.operator();
      let background = false;
      if (op === '&') {
        background = true;
        this.pos++;
      } else if (op === ';') {
        this.pos++;
      } else if (op === '\n') {
        // handled by skipNewlines on the next round
      } else if (op === ')' && close) {
        // end of the group
      } else if (op !== null) {
        this.unexpected(op);
      } else if (!this.atEnd() && !stopWords) {
        this.unexpected(this.peek());
      }
      let text = this.src.slice(start, this.pos).trim();
      if (text.endsWith(';')) text = text.slice(0, -1).trim();
      out.push({ ...item, background, text });
      if (op === null && this.atEnd() && this.pending.length > 0) {
        throw new Incomplete(`here-document delimited by end-of-file (wanted \`${this.pending[0]!.delim}')`);
      }
    }
  }

  /** A reserved word at the cursor (unquoted, followed by a metacharacter). */
  private peekReserved(): string | null {
    this.skipBlanks();
    const m = /^[a-z}{!]+/.exec(this.src.slice(this.pos));
    if (!m) return null;
    const after = this.src[this.pos + m[0].length];
    if (after !== undefined && !META.has(after)) return null;
    return m[0];
  }

  private expectReserved(word: string): void {
    this.skipNewlines();
    const w = this.peekReserved();
    if (w !== word) {
      if (this.atEnd()) throw new Incomplete('unexpected end of file');
      this.unexpected(w ?? this.peek());
    }
    this.pos += word.length;
  }

  private parseAndOr(): Omit<AndOr, 'background' | 'text'> {
    const first = this.parsePipeline();
    const rest: AndOr['rest'] = [];
    for (;;) {
      this.skipBlanks();
      const op = this.operator();
      if (op !== '&&' && op !== '||') break;
      this.pos += 2;
      this.skipNewlines();
      if (this.atEnd()) throw new Incomplete('unexpected end of file');
      rest.push({ op, pipeline: this.parsePipeline() });
    }
    return { first, rest };
  }

  private parsePipeline(): Pipeline {
    this.skipBlanks();
    let negate = false;
    if (this.peekReserved() === '!') {
      negate = true;
      this.pos++;
    }
    const commands: CommandNode[] = [this.parseCommand()];
    for (;;) {
      this.skipBlanks();
      if (this.operator() !== '|') break;
      this.pos++;
      // `|&` pipes stderr too
      let both = false;
      if (this.peek() === '&') {
        both = true;
        this.pos++;
      }
      if (both) commands[commands.length - 1]!.redirs.push({ fd: 2, op: '>&', dupFd: 1 });
      this.skipNewlines();
      if (this.atEnd()) throw new Incomplete('unexpected end of file');
      commands.push(this.parseCommand());
    }
    return { negate, commands };
  }

  private parseCommand(): CommandNode {
    this.skipBlanks();
    const op = this.operator();
    if (op === '(') {
      this.pos++;
      const body = this.parseScript(')');
      this.pos++;
      return { kind: 'group', subshell: true, body, redirs: this.parseTrailingRedirs() };
    }
    if (op !== null) {
      if (this.atEnd()) throw new Incomplete('unexpected end of file');
      this.unexpected(op === '\n' ? 'newline' : op);
    }
    const rw = this.peekReserved();
    if (rw === '{') {
      this.pos++;
      const body = this.parseScript(null, new Set(['}']));
      this.expectReserved('}');
      return { kind: 'group', subshell: false, body, redirs: this.parseTrailingRedirs() };
    }
    if (rw === 'for') return this.parseFor();
    if (rw === 'while' || rw === 'until') return this.parseWhile(rw === 'until');
    if (rw === 'if') return this.parseIf();
    if (rw !== null && RESERVED_END.has(rw)) this.unexpected(rw);
    return this.parseSimple();
  }

  private parseTrailingRedirs(): Redirect[] {
    const out: Redirect[] = [];
    for (;;) {
      this.skipBlanks();
      const r = this.tryRedirect();
      if (!r) return out;
      out.push(r);
    }
  }

  private parseFor(): CommandNode {
    this.pos += 3;
    this.skipBlanks();
    const nameWord = this.readWordText();
    if (!NAME_RE.test(nameWord)) throw new SyntaxError_(`\`${nameWord}': not a valid identifier`);
    this.skipBlanks();
    let items: Word[] | null = null;
    if (this.peekReserved() === 'in') {
      this.pos += 2;
      items = [];
      for (;;) {
        this.skipBlanks();
        const op = this.operator();
        if (op === ';' || op === '\n') {
          if (op === ';') this.pos++;
          break;
        }
        if (this.atEnd()) throw new Incomplete('unexpected end of file');
        if (op !== null) this.unexpected(op);
        items.push(this.readWord());
      }
    } else if (this.operator() === ';') this.pos++;
    this.expectReserved('do');
    const body = this.parseScript(null, new Set(['done']));
    this.expectReserved('done');
    return { kind: 'for', name: nameWord, items, body, redirs: this.parseTrailingRedirs() };
  }

  private parseWhile(until: boolean): CommandNode {
    this.pos += until ? 5 : 5;
    const cond = this.parseScript(null, new Set(['do']));
    this.expectReserved('do');
    const body = this.parseScript(null, new Set(['done']));
    this.expectReserved('done');
    return { kind: 'while', until, cond, body, redirs: this.parseTrailingRedirs() };
  }

  private parseIf(): CommandNode {
    this.pos += 2;
    const branches: { cond: Script; body: Script }[] = [];
    let otherwise: Script | null = null;
    for (;;) {
      const cond = this.parseScript(null, new Set(['then']));
      this.expectReserved('then');
      const body = this.parseScript(null, new Set(['elif', 'else', 'fi']));
      branches.push({ cond, body });
      this.skipNewlines();
      const w = this.peekReserved();
      if (w === 'elif') {
        this.pos += 4;
        continue;
      }
      if (w === 'else') {
        this.pos += 4;
        otherwise = this.parseScript(null, new Set(['fi']));
      }
      this.expectReserved('fi');
      break;
    }
    return { kind: 'if', branches, otherwise, redirs: this.parseTrailingRedirs() };
  }

  private parseSimple(): SimpleCommand {
    const cmd: SimpleCommand = { kind: 'simple', assigns: [], words: [], redirs: [] };
    for (;;) {
      this.skipBlanks();
      if (this.atEnd()) break;
      const r = this.tryRedirect();
      if (r) {
        cmd.redirs.push(r);
        continue;
      }
      if (META.has(this.peek())) break;
      const start = this.pos;
      const word = this.readWord();
      if (cmd.words.length === 0) {
        const m = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(this.src.slice(start, this.pos));
        if (m && word[0]?.kind === 'lit' && !word[0].quoted && word[0].text.startsWith(m[0])) {
          const value = [...word];
          const head = value[0] as { kind: 'lit'; text: string; quoted: boolean };
          value[0] = { ...head, text: head.text.slice(m[0].length) };
          cmd.assigns.push({ name: m[1]!, value: value.filter((p) => p.kind !== 'lit' || p.text !== '' || p.quoted) });
          continue;
        }
      }
      cmd.words.push(word);
    }
    if (cmd.words.length === 0 && cmd.assigns.length === 0 && cmd.redirs.length === 0) {
      if (this.atEnd()) throw new Incomplete('unexpected end of file');
      const op = this.operator();
      this.unexpected(op === '\n' ? 'newline' : (op ?? this.peek()));
    }
    return cmd;
  }

  /** `[n]>`, `[n]>>`, `[n]<`, `[n]>&m`, `&>`, `&>>`, `<<[-]DELIM`, `<<<word`. */
  private tryRedirect(): Redirect | null {
    const m = /^(\d?)(&>>|&>|>>|>&|<&|>\||<<<|<<-|<<|>|<)/.exec(this.src.slice(this.pos, this.pos + 5));
    if (!m) return null;
    const save = this.pos;
    this.pos += m[0].length;
    const opText = m[2]!;
    const defaultFd = opText.startsWith('<') ? 0 : 1;
    const fd = m[1] !== '' ? Number(m[1]) : defaultFd;
    this.skipBlanks();
    const needWord = (): Word => {
      const c = this.peek();
      if (this.atEnd() || c === '\n') {
        if (this.atEnd()) throw new Incomplete('unexpected end of file');
        this.unexpected('newline');
      }
      if (META.has(c)) this.unexpected(this.operator() ?? c);
      return this.readWord();
    };
    switch (opText) {
      case '&>':
      case '&>>':
        return { fd: 1, op: opText === '&>' ? '>' : '>>', target: needWord(), both: true };
      case '>&':
      case '<&': {
        const dm = /^(\d+|-)(?=[\s;&|<>()]|$)/.exec(this.src.slice(this.pos));
        if (dm) {
          this.pos += dm[0].length;
          if (dm[1] === '-') return { fd, op: '>', target: [{ kind: 'lit', text: '/dev/null', quoted: true }] };
          return { fd, op: opText, dupFd: Number(dm[1]) };
        }
        if (opText === '>&' && m[1] === '') return { fd: 1, op: '>', target: needWord(), both: true };
        this.pos = save;
        this.unexpected(opText);
        break;
      }
      case '<<':
      case '<<-': {
        const delimStart = this.pos;
        const w = needWord();
        const raw = this.src.slice(delimStart, this.pos);
        const quoted = /['"\\]/.test(raw);
        const delim = w.map((p) => (p.kind === 'lit' ? p.text : '')).join('');
        const r: Redirect = { fd, op: '<<' };
        this.pending.push({ redirect: r, delim, stripTabs: opText === '<<-', expand: !quoted });
        return r;
      }
      case '<<<':
        return { fd, op: '<<<', target: needWord() };
      default:
        return { fd, op: opText as Redirect['op'], target: needWord() };
    }
    return null;
  }

  /** A word's plain text (for names after `for`). */
  private readWordText(): string {
    return this.readWord()
      .map((p) => (p.kind === 'lit' ? p.text : ''))
      .join('');
  }

  readWord(): Word {
    const parts: WordPart[] = [];
    const lit = (text: string, quoted: boolean): void => {
      const last = parts[parts.length - 1];
      if (last && last.kind === 'lit' && last.quoted === quoted) last.text += text;
      else parts.push({ kind: 'lit', text, quoted });
    };
    if (this.peek() === '~') {
      const m = /^~([a-z_][a-z0-9_-]*)?(?=$|[/\s;&|<>()])/.exec(this.src.slice(this.pos));
      if (m) {
        parts.push(m[1] ? { kind: 'tilde', user: m[1] } : { kind: 'tilde' });
        this.pos += m[0].length;
      }
    }
    for (;;) {
      const c = this.peek();
      if (c === '' || META.has(c)) break;
      if (c === '\\') {
        const n = this.peek(1);
        if (n === '') {
          throw new Incomplete('unexpected end of file');
        }
        this.pos += 2;
        if (n !== '\n') lit(n, true);
        continue;
      }
      if (c === "'") {
        const end = this.src.indexOf("'", this.pos + 1);
        if (end < 0) throw new Incomplete("unexpected EOF while looking for matching `''");
        lit(this.src.slice(this.pos + 1, end), true);
        // an empty '' still makes a (quoted, empty) word
        if (end === this.pos + 1) parts.push({ kind: 'lit', text: '', quoted: true });
        this.pos = end + 1;
        continue;
      }
      if (c === '"') {
        this.pos++;
        const before = parts.length;
        this.readDoubleQuoted(parts, lit);
        if (parts.length === before) parts.push({ kind: 'lit', text: '', quoted: true });
        continue;
      }
      if (c === '$') {
        const part = this.readDollar(false);
        if (part) parts.push(part);
        else {
          lit('$', false);
          this.pos++;
        }
        continue;
      }
      if (c === '`') {
        parts.push(this.readBackquote(false));
        continue;
      }
      lit(c, false);
      this.pos++;
    }
    return parts;
  }

  private readDoubleQuoted(parts: WordPart[], lit: (t: string, q: boolean) => void): void {
    for (;;) {
      const c = this.peek();
      if (c === '') throw new Incomplete('unexpected EOF while looking for matching `"\'');
      if (c === '"') {
        this.pos++;
        return;
      }
      if (c === '\\') {
        const n = this.peek(1);
        if (n === '$' || n === '`' || n === '"' || n === '\\') {
          lit(n, true);
          this.pos += 2;
        } else if (n === '\n') this.pos += 2;
        else {
          lit('\\', true);
          this.pos++;
        }
        continue;
      }
      if (c === '$') {
        const part = this.readDollar(true);
        if (part) parts.push(part);
        else {
          lit('$', true);
          this.pos++;
        }
        continue;
      }
      if (c === '`') {
        parts.push(this.readBackquote(true));
        continue;
      }
      lit(c, true);
      this.pos++;
    }
  }

  private readBackquote(quoted: boolean): WordPart {
    const end = this.src.indexOf('`', this.pos + 1);
    if (end < 0) throw new Incomplete('unexpected EOF while looking for matching ``\'');
    const inner = this.src.slice(this.pos + 1, end);
    this.pos = end + 1;
    const r = parseLine(inner);
    if (!r.ok) throw r.incomplete ? new Incomplete(r.message) : new SyntaxError_(r.message);
    return { kind: 'cmd', script: r.script, quoted };
  }

  /** `$…` at the cursor, or null when the `$` is literal. */
  readDollar(quoted: boolean): WordPart | null {
    const n = this.peek(1);
    if (n === '(') {
      if (this.peek(2) === '(') {
        // $(( expr )): up to the matching `))`
        let depth = 0;
        let j = this.pos + 3;
        for (; j < this.src.length; j++) {
          const c = this.src[j];
          if (c === '(') depth++;
          else if (c === ')') {
            if (depth === 0 && this.src[j + 1] === ')') break;
            depth--;
          }
        }
        if (j >= this.src.length) throw new Incomplete("unexpected EOF while looking for matching `)'");
        const inner = this.src.slice(this.pos + 3, j);
        this.pos = j + 2;
        return { kind: 'arith', expr: parseHeredocBody(inner, true), quoted };
      }
      this.pos += 2;
      const script = this.parseScript(')');
      this.pos++;
      return { kind: 'cmd', script, quoted };
    }
    if (n === '{') {
      const end = this.src.indexOf('}', this.pos + 2);
      if (end < 0) throw new Incomplete("unexpected EOF while looking for matching `}'");
      const body = this.src.slice(this.pos + 2, end);
      this.pos = end + 1;
      if (body.startsWith('#') && body.length > 1) {
        return { kind: 'var', name: body.slice(1), quoted, op: { type: 'len', word: [] } };
      }
      const m = /^([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[?$!#@*])(?:(:-|-|:=|:\+|\+)(.*))?$/s.exec(body);
      if (!m) throw new SyntaxError_(`\${${body}}: bad substitution`);
      const part: WordPart = { kind: 'var', name: m[1]!, quoted };
      if (m[2]) part.op = { type: m[2] as ':-', word: parseHeredocBody(m[3] ?? '', true) };
      return part;
    }
    const m = /^([A-Za-z_][A-Za-z0-9_]*|[0-9?$!#@*])/.exec(this.src.slice(this.pos + 1));
    if (!m) return null;
    this.pos += 1 + m[0].length;
    return { kind: 'var', name: m[1]!, quoted };
  }
}

/** A here-doc body (or `${x:-word}`): only `$` expansions and `\$`, `\\`, `` \` `` escapes. */
function parseHeredocBody(body: string, quoted = true): Word {
  const parts: WordPart[] = [];
  let text = '';
  const flush = (): void => {
    if (text !== '') parts.push({ kind: 'lit', text, quoted });
    text = '';
  };
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '\\' && (body[i + 1] === '$' || body[i + 1] === '\\' || body[i + 1] === '`')) {
      text += body[i + 1];
      i++;
    } else if (c === '$') {
      const rest = body.slice(i);
      const p = new Parser(rest);
      const part = p.readDollar(quoted);
      if (part) {
        flush();
        parts.push(part);
        i += p.offset - 1;
      } else text += c;
    } else text += c;
  }
  flush();
  if (parts.length === 0) parts.push({ kind: 'lit', text: '', quoted: true });
  return parts;
}
