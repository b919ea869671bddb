// Helpers shared by the node's programs: reading inputs (files or stdin) the
// way coreutils do, and option parsing in getopt style (`-nv`, `-n5`, `-n 5`).

import { isFsError, type CommandIO } from '../host.js';
import type { ShellContext } from '../context.js';
import { fsMessage } from '../fs-memory.js';

/** Reads the named files (or stdin when none or `-`); errors are printed as `prog: f: No such file or directory`. */
export async function readInputs(prog: string, files: string[], io: CommandIO, ctx: ShellContext): Promise<{ texts: { name: string; text: string }[]; failed: boolean }> {
  const texts: { name: string; text: string }[] = [];
  let failed = false;
  if (files.length === 0) files = ['-'];
  for (const f of files) {
    if (f === '-') {
      texts.push({ name: '(standard input)', text: await io.stdin.readAll() });
      continue;
    }
    if (f === '/dev/null') {
      texts.push({ name: f, text: '' });
      continue;
    }
    const r = ctx.host.fs.readFile(ctx.resolve(f));
    if (isFsError(r)) {
      io.stderr(`${prog}: ${f}: ${fsMessage(r)}\n`);
      failed = true;
    } else texts.push({ name: f, text: r });
  }
  return { texts, failed };
}

/** Splits text into lines, without the final empty one after a trailing `\n`. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const ls = text.split('\n');
  if (ls[ls.length - 1] === '') ls.pop();
  return ls;
}

export interface OptSpec {
  /** Single-letter flags without a value. */
  flags: string;
  /** Single-letter options that take a value. */
  values: string;
  /** Long options: name → letter it stands for (or itself), and whether it takes a value. */
  long?: Record<string, { as: string; value: boolean }>;
}

export type Opts = { flags: Set<string>; values: Map<string, string[]>; rest: string[] };

/** getopt-like parsing; returns an error line (`grep: invalid option -- 'z'`) when an option is unknown. */
export function getopt(prog: string, args: string[], spec: OptSpec): Opts | string {
  const flags = new Set<string>();
  const values = new Map<string, string[]>();
  const rest: string[] = [];
  const put = (k: string, v: string): void => void values.set(k, [...(values.get(k) ?? []), v]);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      rest.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith('--') && spec.long) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const l = spec.long[name];
      if (!l) return `${prog}: unrecognized option '${a}'`;
      if (l.value) {
        const v = eq >= 0 ? a.slice(eq + 1) : args[++i];
        if (v === undefined) return `${prog}: option '--${name}' requires an argument`;
        put(l.as, v);
      } else flags.add(l.as);
      continue;
    }
    if (a.startsWith('-') && a.length > 1 && !/^-\d/.test(a)) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        if (spec.values.includes(c)) {
          const v = j + 1 < a.length ? a.slice(j + 1) : args[++i];
          if (v === undefined) return `${prog}: option requires an argument -- '${c}'`;
          put(c, v);
          break;
        }
        if (spec.flags.includes(c)) flags.add(c);
        else return `${prog}: invalid option -- '${c}'`;
      }
      continue;
    }
    rest.push(a);
  }
  return { flags, values, rest };
}

export function last(values: Map<string, string[]>, k: string): string | undefined {
  const v = values.get(k);
  return v ? v[v.length - 1] : undefined;
}

/** Joins lines with `\n` and a final newline (nothing for no lines). */
export function joinLines(ls: string[]): string {
  return ls.length === 0 ? '' : ls.join('\n') + '\n';
}

/** Pads to a width (left-aligned). */
export function pad(s: string, w: number): string {
  return s.length >= w ? s : s + ' '.repeat(w - s.length);
}

export function padStart(s: string, w: number): string {
  return s.length >= w ? s : ' '.repeat(w - s.length) + s;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Wed Nov 25 02:57:52 UTC 2026`, as `date` prints in UTC. */
export function dateString(ms: number): string {
  const d = new Date(ms);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

export function monthDay(ms: number): { month: string; day: number; hhmm: string; year: number } {
  const d = new Date(ms);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return { month: MONTHS[d.getUTCMonth()]!, day: d.getUTCDate(), hhmm: `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}`, year: d.getUTCFullYear() };
}

/** Bytes of a string in UTF-8 (wc -c, Content-Length). */
export function utf8Length(s: string): number {
  let n = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}
