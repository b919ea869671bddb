// The text tools people pipe node output through: echo, printf, cat, grep,
// head, tail, wc, sort, uniq, cut, tr, tee, seq, column — GNU coreutils'
// words and exit statuses.

import type { ShellCommand } from '../context.js';
import { lines } from '../streams.js';
import { columnTable } from './column.js';
import { getopt, joinLines, last, readInputs, splitLines, utf8Length } from './util.js';

const usageError = (io: { stderr(s: string): void }, prog: string, msg: string): number => {
  io.stderr(`${msg}\nTry '${prog} --help' for more information.\n`);
  return prog === 'grep' ? 2 : 1;
};

/** Backslash escapes of `echo -e` and printf formats. */
function unescape(s: string): { text: string; stop: boolean } {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\' || i + 1 >= s.length) {
      out += c;
      continue;
    }
    const n = s[++i]!;
    switch (n) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'a': out += '\x07'; break;
      case 'b': out += '\b'; break;
      case 'e': out += '\x1b'; break;
      case 'v': out += '\v'; break;
      case 'f': out += '\f'; break;
      case '\\': out += '\\'; break;
      case 'c': return { text: out, stop: true };
      case '0': {
        const m = /^[0-7]{0,3}/.exec(s.slice(i + 1))![0];
        out += String.fromCharCode(parseInt(m || '0', 8));
        i += m.length;
        break;
      }
      case 'x': {
        const m = /^[0-9a-fA-F]{1,2}/.exec(s.slice(i + 1));
        if (m) {
          out += String.fromCharCode(parseInt(m[0], 16));
          i += m[0].length;
        } else out += '\\x';
        break;
      }
      default: out += '\\' + n;
    }
  }
  return { text: out, stop: false };
}

export const echo: ShellCommand = async (args, io) => {
  let newline = true;
  let escapes = false;
  let i = 0;
  for (; i < args.length && /^-[neE]+$/.test(args[i]!); i++) {
    for (const c of args[i]!.slice(1)) {
      if (c === 'n') newline = false;
      else if (c === 'e') escapes = true;
      else escapes = false;
    }
  }
  let text = args.slice(i).join(' ');
  if (escapes) {
    const u = unescape(text);
    text = u.text;
    if (u.stop) newline = false;
  }
  io.stdout(text + (newline ? '\n' : ''));
  return 0;
};

export const printf: ShellCommand = async (args, io) => {
  if (args.length === 0) {
    io.stderr('printf: usage: printf [-v var] format [arguments]\n');
    return 2;
  }
  const fmt = args[0]!;
  const rest = args.slice(1);
  let status = 0;
  let out = '';
  let k = 0;
  do {
    let consumed = false;
    const piece = fmt.replace(/%([-+ 0#]*)(\d*)(?:\.(\d+))?([sdiufxXoceEgGqb%])/g, (_m, flags: string, width: string, prec: string | undefined, conv: string) => {
      if (conv === '%') return '%';
      const arg = rest[k++];
      consumed = true;
      let v: string;
      switch (conv) {
        case 'd':
        case 'i': {
          const n = arg === undefined || arg === '' ? 0 : Number(arg);
          if (!Number.isFinite(n)) {
            io.stderr(`bash: printf: ${arg}: invalid number\n`);
            status = 1;
            v = '0';
          } else v = String(Math.trunc(n));
          break;
        }
        case 'u':
          v = String(Math.trunc(Number(arg ?? 0)));
          break;
        case 'x':
        case 'X':
        case 'o':
          v = Math.trunc(Number(arg ?? 0)).toString(conv === 'o' ? 8 : 16);
          if (conv === 'X') v = v.toUpperCase();
          break;
        case 'f':
        case 'e':
        case 'E':
        case 'g':
        case 'G':
          v = Number(arg ?? 0).toFixed(prec !== undefined ? Number(prec) : 6);
          break;
        case 'c':
          v = (arg ?? '').slice(0, 1);
          break;
        case 'b':
          v = unescape(arg ?? '').text;
          break;
        case 'q':
          v = /^[A-Za-z0-9_./:=-]*$/.test(arg ?? '') && arg !== '' ? (arg ?? "''") : `'${(arg ?? '').replace(/'/g, "'\\''")}'`;
          break;
        default:
          v = arg ?? '';
          if (prec !== undefined) v = v.slice(0, Number(prec));
      }
      const w = Number(width || 0);
      if (v.length < w) v = flags.includes('-') ? v.padEnd(w) : v.padStart(w, flags.includes('0') && conv !== 's' ? '0' : ' ');
      return v;
    });
    out += unescape(piece).text;
    if (!consumed) break;
  } while (k < rest.length);
  io.stdout(out);
  return status;
};

export const cat: ShellCommand = async (args, io, ctx) => {
  const o = getopt('cat', args, { flags: 'nAEbsv', values: '' });
  if (typeof o === 'string') return usageError(io, 'cat', o);
  const { texts, failed } = await readInputs('cat', o.rest, io, ctx);
  let n = 0;
  for (const t of texts) {
    if (o.flags.has('n')) {
      io.stdout(joinLines(splitLines(t.text).map((l) => `${String(++n).padStart(6)}\t${l}`)));
    } else io.stdout(t.text);
  }
  return failed ? 1 : 0;
};

/** A grep pattern (BRE unless -E/-F) to a JS RegExp source. */
export function grepRegex(pattern: string, mode: 'basic' | 'extended' | 'fixed'): string {
  if (mode === 'fixed') return pattern.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const classes: Record<string, string> = {
    '[:alpha:]': 'a-zA-Z', '[:digit:]': '0-9', '[:alnum:]': 'a-zA-Z0-9', '[:space:]': ' \\t\\n\\r\\f\\v', '[:upper:]': 'A-Z',
    '[:lower:]': 'a-z', '[:punct:]': '!-\\/:-@\\[-`{-~', '[:xdigit:]': '0-9A-Fa-f', '[:blank:]': ' \\t',
  };
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '[') {
      // bracket expression: copy through, translating POSIX classes
      let j = i + 1;
      let body = '';
      if (pattern[j] === '^') body += pattern[j++];
      if (pattern[j] === ']') body += '\\' + pattern[j++];
      while (j < pattern.length && pattern[j] !== ']') {
        const cls = Object.keys(classes).find((k) => pattern.startsWith(k, j));
        if (cls) {
          body += classes[cls];
          j += cls.length;
        } else {
          body += pattern[j] === '\\' ? '\\\\' : pattern[j];
          j++;
        }
      }
      if (j >= pattern.length) return out + '\\[' + body;
      out += `[${body}]`;
      i = j;
      continue;
    }
    if (mode === 'extended') {
      if (c === '\\' && i + 1 < pattern.length) {
        const n = pattern[++i]!;
        out += n === '<' ? '\\b(?=\\w)' : n === '>' ? '\\b(?<=\\w)' : '\\' + n;
      } else if (c === '{' && !/^\{\d*(,\d*)?\}/.test(pattern.slice(i))) out += '\\{';
      else out += c;
      continue;
    }
    // basic
    if (c === '\\' && i + 1 < pattern.length) {
      const n = pattern[++i]!;
      if ('()|{}+?'.includes(n)) out += n;
      else if (n === '<') out += '\\b(?=\\w)';
      else if (n === '>') out += '\\b(?<=\\w)';
      else out += '\\' + n;
    } else if ('()|{}+?'.includes(c)) out += '\\' + c;
    else if (c === '*' && (out === '' || out === '^')) out += '\\*';
    else out += c;
  }
  return out;
}

export const grep: ShellCommand = async (args, io, ctx) => {
  const o = getopt('grep', args, {
    flags: 'viEcwnoqFHhlsx',
    values: 'emAB',
    long: {
      'invert-match': { as: 'v', value: false }, 'ignore-case': { as: 'i', value: false }, 'extended-regexp': { as: 'E', value: false },
      count: { as: 'c', value: false }, 'word-regexp': { as: 'w', value: false }, 'line-number': { as: 'n', value: false },
      'only-matching': { as: 'o', value: false }, quiet: { as: 'q', value: false }, color: { as: 'C', value: false }, colour: { as: 'C', value: false },
      'color=auto': { as: 'C', value: false }, 'color=never': { as: 'C', value: false }, 'fixed-strings': { as: 'F', value: false },
    },
  });
  if (typeof o === 'string') {
    io.stderr(`${o}\nUsage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n`);
    return 2;
  }
  const patterns = o.values.get('e') ?? [];
  const rest = [...o.rest];
  if (patterns.length === 0) {
    const p = rest.shift();
    if (p === undefined) {
      io.stderr(`Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n`);
      return 2;
    }
    patterns.push(...p.split('\n'));
  }
  const mode = o.flags.has('F') ? 'fixed' : o.flags.has('E') ? 'extended' : 'basic';
  let re: RegExp;
  try {
    let src = patterns.map((p) => grepRegex(p, mode)).join('|');
    if (o.flags.has('w')) src = `(?<![A-Za-z0-9_])(?:${src})(?![A-Za-z0-9_])`;
    if (o.flags.has('x')) src = `^(?:${src})$`;
    re = new RegExp(src, o.flags.has('i') ? 'gi' : 'g');
  } catch {
    io.stderr('grep: Unmatched ( or \\(\n');
    return 2;
  }
  const invert = o.flags.has('v');
  const multi = rest.length > 1 && !o.flags.has('h') || o.flags.has('H');
  const after = Number(last(o.values, 'A') ?? 0);
  const before = Number(last(o.values, 'B') ?? 0);
  const max = o.values.has('m') ? Number(last(o.values, 'm')) : Infinity;
  let matchedAny = false;
  let failed = false;

  const scan = async (name: string, src: AsyncIterable<string>): Promise<void> => {
    let count = 0;
    let n = 0;
    let afterLeft = 0;
    const back: string[] = [];
    let lastPrinted = 0;
    const prefix = (ln: number, sep: string): string => (multi ? `${name}${sep}` : '') + (o.flags.has('n') ? `${ln}${sep}` : '');
    for await (const line of src) {
      n++;
      if (count >= max) break;
      re.lastIndex = 0;
      const hit = re.test(line) !== invert;
      if (hit) {
        count++;
        matchedAny = true;
        if (o.flags.has('q')) return;
        if (o.flags.has('c') || o.flags.has('l')) continue;
        if ((before > 0 || after > 0) && lastPrinted > 0 && n - back.length > lastPrinted + 1) io.stdout('--\n');
        back.forEach((b, i) => io.stdout(prefix(n - back.length + i, '-') + b + '\n'));
        back.length = 0;
        if (o.flags.has('o') && !invert) {
          re.lastIndex = 0;
          for (const m of line.matchAll(re)) if (m[0] !== '') io.stdout(prefix(n, ':') + m[0] + '\n');
        } else io.stdout(prefix(n, ':') + line + '\n');
        lastPrinted = n;
        afterLeft = after;
      } else if (afterLeft > 0 && !o.flags.has('c')) {
        afterLeft--;
        io.stdout(prefix(n, '-') + line + '\n');
        lastPrinted = n;
      } else if (before > 0) {
        back.push(line);
        if (back.length > before) back.shift();
      }
    }
    if (o.flags.has('c')) io.stdout((multi ? `${name}:` : '') + `${count}\n`);
    if (o.flags.has('l') && count > 0) io.stdout(`${name}\n`);
  };

  if (rest.length === 0) await scan('(standard input)', lines(io.stdin));
  else {
    for (const f of rest) {
      const { texts, failed: bad } = await readInputs('grep', [f], { ...io, stderr: o.flags.has('s') ? () => {} : io.stderr }, ctx);
      failed ||= bad;
      for (const t of texts) await scan(f, arrayIter(splitLines(t.text)));
    }
  }
  if (failed && !(o.flags.has('q') && matchedAny)) return 2;
  return matchedAny ? 0 : 1;
};

async function* arrayIter(xs: string[]): AsyncGenerator<string> {
  for (const x of xs) yield x;
}

/** `-5` as `-n 5` (head, tail). */
function legacyCount(args: string[]): string[] {
  return args.map((a) => (/^-\d+$/.test(a) ? `-n${a.slice(1)}` : a));
}

export const head: ShellCommand = async (args, io, ctx) => {
  const o = getopt('head', legacyCount(args), { flags: 'qv', values: 'nc', long: { lines: { as: 'n', value: true }, bytes: { as: 'c', value: true } } });
  if (typeof o === 'string') return usageError(io, 'head', o);
  const nArg = last(o.values, 'n') ?? '10';
  const n = Number(nArg);
  if (!Number.isInteger(n)) {
    io.stderr(`head: invalid number of lines: ‘${nArg}’\n`);
    return 1;
  }
  if (o.values.has('c')) {
    const { texts, failed } = await readInputs('head', o.rest, io, ctx);
    for (const t of texts) io.stdout(t.text.slice(0, Number(last(o.values, 'c'))));
    return failed ? 1 : 0;
  }
  if (o.rest.length === 0 && n >= 0) {
    // stream: stop reading once enough lines went out (the writer then gets SIGPIPE)
    let k = 0;
    if (n > 0) {
      for await (const l of lines(io.stdin)) {
        io.stdout(l + '\n');
        if (++k >= n) break;
      }
    }
    return 0;
  }
  const { texts, failed } = await readInputs('head', o.rest, io, ctx);
  texts.forEach((t, i) => {
    if (texts.length > 1) io.stdout(`${i > 0 ? '\n' : ''}==> ${t.name} <==\n`);
    const ls = splitLines(t.text);
    io.stdout(joinLines(n >= 0 ? ls.slice(0, n) : ls.slice(0, Math.max(0, ls.length + n))));
  });
  return failed ? 1 : 0;
};

export const tail: ShellCommand = async (args, io, ctx) => {
  const o = getopt('tail', legacyCount(args), { flags: 'qvfF', values: 'nc', long: { lines: { as: 'n', value: true }, follow: { as: 'f', value: false } } });
  if (typeof o === 'string') return usageError(io, 'tail', o);
  const nArg = last(o.values, 'n') ?? '10';
  const fromStart = nArg.startsWith('+');
  const n = Number(nArg.replace(/^[+-]/, ''));
  if (!Number.isInteger(n)) {
    io.stderr(`tail: invalid number of lines: ‘${nArg}’\n`);
    return 1;
  }
  const { texts, failed } = await readInputs('tail', o.rest, io, ctx);
  texts.forEach((t, i) => {
    if (texts.length > 1) io.stdout(`${i > 0 ? '\n' : ''}==> ${t.name} <==\n`);
    const ls = splitLines(t.text);
    io.stdout(joinLines(fromStart ? ls.slice(Math.max(0, n - 1)) : n === 0 ? [] : ls.slice(-n)));
  });
  return failed ? 1 : 0;
};

export const wc: ShellCommand = async (args, io, ctx) => {
  const o = getopt('wc', args, { flags: 'lwcmL', values: '', long: { lines: { as: 'l', value: false }, words: { as: 'w', value: false }, bytes: { as: 'c', value: false }, chars: { as: 'm', value: false } } });
  if (typeof o === 'string') return usageError(io, 'wc', o);
  let which = ['l', 'w', 'm', 'c', 'L'].filter((f) => o.flags.has(f));
  if (which.length === 0) which = ['l', 'w', 'c'];
  const { texts, failed } = await readInputs('wc', o.rest, io, ctx);
  const count = (t: string): Record<string, number> => ({
    l: (t.match(/\n/g) ?? []).length,
    w: t.split(/\s+/).filter((x) => x !== '').length,
    c: utf8Length(t),
    m: [...t].length,
    L: Math.max(0, ...splitLines(t).map((x) => x.length)),
  });
  const rows = texts.map((t) => ({ name: o.rest.length === 0 ? '' : t.name, c: count(t.text) }));
  if (rows.length > 1) {
    const total: Record<string, number> = { l: 0, w: 0, c: 0, m: 0, L: 0 };
    for (const r of rows) for (const k of Object.keys(total)) total[k] = k === 'L' ? Math.max(total[k]!, r.c[k]!) : total[k]! + r.c[k]!;
    rows.push({ name: 'total', c: total });
  }
  // GNU wc: one count from stdin is unpadded; otherwise width from the largest byte count (7 for stdin)
  const width = which.length === 1 && rows.length === 1 ? 0 : o.rest.length === 0 ? 7 : Math.max(...rows.map((r) => String(r.c['c']).length));
  for (const r of rows) io.stdout(which.map((k) => String(r.c[k]).padStart(width)).join(' ') + (r.name ? ` ${r.name}` : '') + '\n');
  return failed ? 1 : 0;
};

/** `-k 2`, `-k2,2`, `-k 3n` */
function sortKey(spec: string | undefined, sep: string | undefined): ((l: string) => string) | null {
  if (!spec) return null;
  const m = /^(\d+)(?:\.\d+)?[a-z]*(?:,(\d+)(?:\.\d+)?[a-z]*)?$/.exec(spec);
  if (!m) return null;
  const from = Number(m[1]) - 1;
  const to = m[2] ? Number(m[2]) : undefined;
  return (l) => {
    const fields = sep !== undefined ? l.split(sep) : l.trim().split(/\s+/);
    return fields.slice(from, to).join(sep ?? ' ');
  };
}

function humanValue(s: string): number {
  const m = /^\s*([-\d.]+)([KMGTPE]?)/i.exec(s);
  if (!m) return 0;
  return Number(m[1]) * 1024 ** ' KMGTPE'.indexOf((m[2] || ' ').toUpperCase());
}

export const sort: ShellCommand = async (args, io, ctx) => {
  const o = getopt('sort', args, { flags: 'nrufhVbs', values: 'kto', long: { numeric: { as: 'n', value: false }, reverse: { as: 'r', value: false }, unique: { as: 'u', value: false } } });
  if (typeof o === 'string') return usageError(io, 'sort', o);
  const { texts, failed } = await readInputs('sort', o.rest, io, ctx);
  const all = texts.flatMap((t) => splitLines(t.text));
  const key = sortKey(last(o.values, 'k'), last(o.values, 't')) ?? ((l: string) => l);
  const keySpec = last(o.values, 'k') ?? '';
  const numeric = o.flags.has('n') || /n/.test(keySpec.replace(/^\d+/, ''));
  const human = o.flags.has('h');
  const fold = o.flags.has('f');
  const cmp = (a: string, b: string): number => {
    let ka = key(a);
    let kb = key(b);
    let r: number;
    if (numeric || human) {
      const na = human ? humanValue(ka) : parseFloat(ka) || 0;
      const nb = human ? humanValue(kb) : parseFloat(kb) || 0;
      r = na - nb;
    } else {
      if (fold) {
        ka = ka.toUpperCase();
        kb = kb.toUpperCase();
      }
      r = ka < kb ? -1 : ka > kb ? 1 : 0;
    }
    if (r === 0 && !o.flags.has('s') && !o.flags.has('u')) r = a < b ? -1 : a > b ? 1 : 0;
    return o.flags.has('r') ? -r : r;
  };
  let sorted = [...all].sort(cmp);
  if (o.flags.has('u')) sorted = sorted.filter((l, i) => i === 0 || cmp(sorted[i - 1]!, l) !== 0);
  io.stdout(joinLines(sorted));
  return failed ? 2 : 0;
};

export const uniq: ShellCommand = async (args, io, ctx) => {
  const o = getopt('uniq', args, { flags: 'cdui', values: '', long: { count: { as: 'c', value: false } } });
  if (typeof o === 'string') return usageError(io, 'uniq', o);
  const { texts, failed } = await readInputs('uniq', o.rest.slice(0, 1), io, ctx);
  const ls = texts.flatMap((t) => splitLines(t.text));
  const same = (a: string, b: string): boolean => (o.flags.has('i') ? a.toLowerCase() === b.toLowerCase() : a === b);
  const groups: { line: string; n: number }[] = [];
  for (const l of ls) {
    const g = groups[groups.length - 1];
    if (g && same(g.line, l)) g.n++;
    else groups.push({ line: l, n: 1 });
  }
  const out = groups
    .filter((g) => (o.flags.has('d') ? g.n > 1 : o.flags.has('u') ? g.n === 1 : true))
    .map((g) => (o.flags.has('c') ? `${String(g.n).padStart(7)} ${g.line}` : g.line));
  io.stdout(joinLines(out));
  return failed ? 1 : 0;
};

/** `1,3`, `2-`, `-4`, `1-3,5` → a membership test (1-based). */
function parseList(spec: string): ((i: number) => boolean) | null {
  const ranges: [number, number][] = [];
  for (const part of spec.split(',')) {
    const m = /^(\d*)(-?)(\d*)$/.exec(part);
    if (!m || (m[1] === '' && m[3] === '')) return null;
    const a = m[1] ? Number(m[1]) : 1;
    const b = m[2] ? (m[3] ? Number(m[3]) : Infinity) : a;
    if (a === 0) return null;
    ranges.push([a, b]);
  }
  return (i) => ranges.some(([a, b]) => i >= a && i <= b);
}

export const cut: ShellCommand = async (args, io, ctx) => {
  const o = getopt('cut', args, { flags: 's', values: 'dfcb', long: { delimiter: { as: 'd', value: true }, fields: { as: 'f', value: true } } });
  if (typeof o === 'string') return usageError(io, 'cut', o);
  const f = last(o.values, 'f');
  const c = last(o.values, 'c') ?? last(o.values, 'b');
  if (!f && !c) return usageError(io, 'cut', 'cut: you must specify a list of bytes, characters, or fields');
  const sel = parseList((f ?? c)!);
  if (!sel) return usageError(io, 'cut', f ? 'cut: invalid field value' : 'cut: invalid byte or character range');
  const d = last(o.values, 'd') ?? '\t';
  if (d.length !== 1) return usageError(io, 'cut', 'cut: the delimiter must be a single character');
  const { texts, failed } = await readInputs('cut', o.rest, io, ctx);
  const out: string[] = [];
  for (const l of texts.flatMap((t) => splitLines(t.text))) {
    if (c) out.push([...l].filter((_ch, i) => sel(i + 1)).join(''));
    else if (!l.includes(d)) {
      if (!o.flags.has('s')) out.push(l);
    } else out.push(l.split(d).filter((_x, i) => sel(i + 1)).join(d));
  }
  io.stdout(joinLines(out));
  return failed ? 1 : 0;
};

function expandSet(s: string): string[] {
  const u = unescape(s).text;
  const classes: Record<string, string> = { '[:lower:]': 'abcdefghijklmnopqrstuvwxyz', '[:upper:]': 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', '[:digit:]': '0123456789', '[:space:]': ' \t\n\r\f\v', '[:blank:]': ' \t' };
  const out: string[] = [];
  for (let i = 0; i < u.length; i++) {
    const cls = Object.keys(classes).find((k) => u.startsWith(k, i));
    if (cls) {
      out.push(...classes[cls]!);
      i += cls.length - 1;
    } else if (u[i + 1] === '-' && i + 2 < u.length) {
      for (let k = u.charCodeAt(i); k <= u.charCodeAt(i + 2); k++) out.push(String.fromCharCode(k));
      i += 2;
    } else out.push(u[i]!);
  }
  return out;
}

export const tr: ShellCommand = async (args, io) => {
  const o = getopt('tr', args, { flags: 'dsc', values: '' });
  if (typeof o === 'string') return usageError(io, 'tr', o);
  const [a, b] = o.rest;
  if (a === undefined || (!o.flags.has('d') && !o.flags.has('s') && b === undefined)) {
    return usageError(io, 'tr', a === undefined ? 'tr: missing operand' : `tr: missing operand after ‘${a}’\nTwo strings must be given when translating.`);
  }
  const set1 = expandSet(a);
  const set2 = b !== undefined ? expandSet(b) : [];
  const text = await io.stdin.readAll();
  let out = '';
  let prev = '';
  const squeeze = o.flags.has('s') ? new Set(b !== undefined && !o.flags.has('d') ? set2 : set1) : null;
  for (const ch of text) {
    let c: string | null = ch;
    const idx = set1.indexOf(ch);
    if (o.flags.has('d')) {
      if (idx >= 0) c = null;
    } else if (idx >= 0 && set2.length > 0) c = set2[Math.min(idx, set2.length - 1)]!;
    if (c === null) continue;
    if (squeeze && squeeze.has(c) && c === prev) continue;
    out += c;
    prev = c;
  }
  io.stdout(out);
  return 0;
};

export const tee: ShellCommand = async (args, io, ctx) => {
  const o = getopt('tee', args, { flags: 'a', values: '' });
  if (typeof o === 'string') return usageError(io, 'tee', o);
  const paths = o.rest.map((f) => ctx.resolve(f));
  let status = 0;
  for (const p of paths) {
    const e = ctx.host.fs.writeFile(p, '', { append: o.flags.has('a'), now: ctx.host.now(), owner: ctx.user });
    if (e) status = 1;
  }
  for (;;) {
    const c = await io.stdin.read();
    if (c === null) break;
    io.stdout(c);
    for (const p of paths) ctx.host.fs.writeFile(p, c, { append: true, now: ctx.host.now() });
  }
  return status;
};

export const seq: ShellCommand = async (args, io) => {
  const nums = args.filter((a) => !/^-[sw]/.test(a)).map(Number);
  if (nums.length === 0 || nums.some((n) => !Number.isFinite(n))) {
    io.stderr(`seq: ${nums.length === 0 ? 'missing operand' : `invalid floating point argument: ‘${args.find((a) => !Number.isFinite(Number(a)))}’`}\nTry 'seq --help' for more information.\n`);
    return 1;
  }
  const [first, step, lastN] = nums.length === 1 ? [1, 1, nums[0]!] : nums.length === 2 ? [nums[0]!, 1, nums[1]!] : [nums[0]!, nums[1]!, nums[2]!];
  const out: string[] = [];
  for (let x = first, k = 0; (step > 0 ? x <= lastN : x >= lastN) && k < 100000 && step !== 0; x += step, k++) out.push(String(x));
  io.stdout(joinLines(out));
  return 0;
};

export const column: ShellCommand = async (args, io, ctx) => {
  const o = getopt('column', args, { flags: 'tnx', values: 'sco', long: { table: { as: 't', value: false } } });
  if (typeof o === 'string') return usageError(io, 'column', o);
  const { texts, failed } = await readInputs('column', o.rest, io, ctx);
  const text = texts.map((t) => t.text).join('');
  if (!o.flags.has('t')) {
    io.stdout(text);
    return failed ? 1 : 0;
  }
  io.stdout(columnTable(text, last(o.values, 's'), last(o.values, 'o')));
  return failed ? 1 : 0;
};
