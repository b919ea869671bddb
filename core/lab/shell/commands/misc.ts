// Small programs people reach for around the lab's commands: test/[, xargs,
// less/more (no paging here), which, sysctl, basename/dirname, and the
// editors, which are not on the node (a clear message says what to use).

import { isFsError } from '../host.js';
import type { ShellCommand } from '../context.js';
import { fsMessage } from '../fs-memory.js';
import { Abort } from '../signal.js';

/** POSIX test: strings, integers, -z/-n, -e/-f/-d, !, -a/-o. */
function evalTest(args: string[], ctx: Parameters<ShellCommand>[2]): boolean | string {
  const exists = (p: string): ReturnType<typeof ctx.host.fs.stat> => ctx.host.fs.stat(ctx.resolve(p));
  const int = (s: string): number | string => (/^\s*-?\d+\s*$/.test(s) ? Number(s) : `${s}: integer expression expected`);
  const primary = (a: string[]): boolean | string => {
    if (a.length === 0) return false;
    if (a[0] === '!') {
      const r = primary(a.slice(1));
      return typeof r === 'string' ? r : !r;
    }
    if (a.length === 1) return a[0] !== '';
    if (a.length === 2) {
      const [op, v] = a as [string, string];
      switch (op) {
        case '-z': return v === '';
        case '-n': return v !== '';
        case '-e': return !isFsError(exists(v));
        case '-f': { const s = exists(v); return !isFsError(s) && s.kind === 'file'; }
        case '-d': { const s = exists(v); return !isFsError(s) && s.kind === 'dir'; }
        case '-s': { const s = exists(v); return !isFsError(s) && s.size > 0; }
        case '-r': case '-w': case '-x': return !isFsError(exists(v));
      }
      return `${op}: unary operator expected`;
    }
    if (a.length === 3) {
      const [l, op, r] = a as [string, string, string];
      switch (op) {
        case '=': case '==': return l === r;
        case '!=': return l !== r;
        case '<': return l < r;
        case '>': return l > r;
        case '-eq': case '-ne': case '-lt': case '-le': case '-gt': case '-ge': {
          const x = int(l);
          const y = int(r);
          if (typeof x === 'string') return x;
          if (typeof y === 'string') return y;
          return { '-eq': x === y, '-ne': x !== y, '-lt': x < y, '-le': x <= y, '-gt': x > y, '-ge': x >= y }[op];
        }
      }
      return `${op}: binary operator expected`;
    }
    return 'too many arguments';
  };
  const oi = args.indexOf('-o');
  if (oi > 0) {
    const a = evalTest(args.slice(0, oi), ctx);
    const b = evalTest(args.slice(oi + 1), ctx);
    return typeof a === 'string' ? a : typeof b === 'string' ? b : a || b;
  }
  const ai = args.indexOf('-a');
  if (ai > 0) {
    const a = evalTest(args.slice(0, ai), ctx);
    const b = evalTest(args.slice(ai + 1), ctx);
    return typeof a === 'string' ? a : typeof b === 'string' ? b : a && b;
  }
  return primary(args);
}

export const test: ShellCommand = async (args, io, ctx) => {
  const r = evalTest(args, ctx);
  if (typeof r === 'string') {
    io.stderr(`bash: test: ${r}\n`);
    return 2;
  }
  return r ? 0 : 1;
};

export const bracket: ShellCommand = async (args, io, ctx) => {
  if (args[args.length - 1] !== ']') {
    io.stderr("bash: [: missing `]'\n");
    return 2;
  }
  const r = evalTest(args.slice(0, -1), ctx);
  if (typeof r === 'string') {
    io.stderr(`bash: [: ${r}\n`);
    return 2;
  }
  return r ? 0 : 1;
};

const quote = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;

/** `xargs [-n N] [-I {}] CMD…` — builds command lines from stdin words. */
export const xargs: ShellCommand = async (args, io, ctx) => {
  let perCall = Infinity;
  let replace: string | null = null;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-n') perCall = Number(args[++i]);
    else if (a.startsWith('-n') && a.length > 2) perCall = Number(a.slice(2));
    else if (a === '-I') replace = args[++i] ?? '{}';
    else if (a === '-r' || a === '--no-run-if-empty' || a === '-t') continue;
    else break;
  }
  const cmd = args.slice(i);
  if (cmd.length === 0) cmd.push('echo');
  const text = await io.stdin.readAll();
  let status = 0;
  if (replace !== null) {
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    for (const l of lines.slice(0, 10000)) {
      const line = cmd.map((w) => quote(w.split(replace!).join(l))).join(' ');
      const s = await ctx.run(line, io);
      if (s !== 0) status = 123;
    }
    return status;
  }
  const words = text.split(/\s+/).filter((w) => w !== '');
  if (words.length === 0 && args.includes('-r')) return 0;
  const step = Number.isFinite(perCall) && perCall > 0 ? perCall : Math.max(1, words.length);
  for (let k = 0; k < Math.max(1, words.length) && k < 100000; k += step) {
    const line = [...cmd, ...words.slice(k, k + step)].map(quote).join(' ');
    const s = await ctx.run(line, io);
    if (s === 127) return 127;
    if (s !== 0) status = 123;
  }
  return status;
};

/** No pager on a lab node: the whole text goes to the terminal. */
export const pager: ShellCommand = async (args, io, ctx) => {
  const files = args.filter((a) => !a.startsWith('-'));
  if (files.length === 0) {
    io.stdout(await io.stdin.readAll());
    return 0;
  }
  let status = 0;
  for (const f of files) {
    const t = ctx.host.fs.readFile(ctx.resolve(f));
    if (isFsError(t)) {
      io.stderr(`${f}: ${fsMessage(t)}\n`);
      status = 1;
    } else io.stdout(t);
  }
  return status;
};

export function editor(name: string): ShellCommand {
  return async (_args, io) => {
    io.stderr(
      `${name}: there is no text editor on this lab node.\n` +
        `Write a file with a here-document instead, for example:\n` +
        `  cat <<EOF > service.yaml\n  apiVersion: v1\n  kind: Service\n  ...\n  EOF\n` +
        `and change objects with "kubectl apply -f FILE" or "kubectl patch".\n`,
    );
    return 127;
  };
}

export const which: ShellCommand = async (args, io) => {
  // resolved against the same table the shell runs programs from (imported lazily to avoid a cycle)
  const { PROGRAMS } = await import('./index.js');
  let status = 0;
  for (const a of args.filter((x) => !x.startsWith('-'))) {
    if (PROGRAMS[a]) io.stdout(`${a === 'kube-proxy' ? '/usr/local/bin' : /tables|conntrack|^ip$|sysctl/.test(a) ? '/usr/sbin' : '/usr/bin'}/${a}\n`);
    else status = 1;
  }
  return status;
};

/** `sysctl [-n] KEY[=VALUE]…` on the node's /proc/sys files. */
export const sysctl: ShellCommand = async (args, io, ctx) => {
  const valueOnly = args.includes('-n');
  let status = 0;
  for (const a of args.filter((x) => !x.startsWith('-'))) {
    const eq = a.indexOf('=');
    const key = eq < 0 ? a : a.slice(0, eq);
    const path = '/proc/sys/' + key.replace(/\./g, '/');
    if (eq >= 0) {
      if (ctx.user !== 'root') {
        io.stderr(`sysctl: permission denied on key "${key}"\n`);
        status = 1;
        continue;
      }
      const cur = ctx.host.fs.readFile(path);
      if (isFsError(cur)) {
        io.stderr(`sysctl: cannot stat ${path}: No such file or directory\n`);
        status = 255;
        continue;
      }
      ctx.host.fs.writeFile(path, a.slice(eq + 1) + '\n');
      io.stdout(`${key} = ${a.slice(eq + 1)}\n`);
      continue;
    }
    const v = ctx.host.fs.readFile(path);
    if (isFsError(v)) {
      io.stderr(`sysctl: cannot stat ${path}: No such file or directory\n`);
      status = 255;
      continue;
    }
    io.stdout(valueOnly ? v : `${key} = ${v.trim()}\n`);
  }
  return status;
};

export const basename: ShellCommand = async (args, io) => {
  if (!args[0]) {
    io.stderr("basename: missing operand\nTry 'basename --help' for more information.\n");
    return 1;
  }
  let b = args[0].replace(/\/+$/, '').split('/').pop() ?? '';
  if (args[1] && b.endsWith(args[1]) && b !== args[1]) b = b.slice(0, -args[1].length);
  io.stdout((b || '/') + '\n');
  return 0;
};

export const dirname: ShellCommand = async (args, io) => {
  if (!args[0]) {
    io.stderr("dirname: missing operand\nTry 'dirname --help' for more information.\n");
    return 1;
  }
  const p = args[0].replace(/\/+$/, '');
  const i = p.lastIndexOf('/');
  io.stdout((i < 0 ? '.' : i === 0 ? '/' : p.slice(0, i)) + '\n');
  return 0;
};

/** `timeout [-s SIG] DURATION CMD…`: stops CMD after DURATION (status 124), as coreutils does. */
export const timeout: ShellCommand = async (args, io, ctx) => {
  const rest = [...args];
  while (rest[0]?.startsWith('-') && rest[0] !== '--') {
    const o = rest.shift()!;
    if (o === '-s' || o === '-k') rest.shift();
  }
  if (rest[0] === '--') rest.shift();
  const spec = rest.shift();
  const m = spec === undefined ? null : /^(\d+\.?\d*)([smhd]?)$/.exec(spec);
  if (!m || rest.length === 0) {
    io.stderr(spec === undefined || rest.length === 0 ? "timeout: missing operand\nTry 'timeout --help' for more information.\n" : `timeout: invalid time interval ‘${spec}’\nTry 'timeout --help' for more information.\n`);
    return 125;
  }
  const ms = Number(m[1]) * { '': 1000, s: 1000, m: 60000, h: 3600000, d: 86400000 }[m[2] as '']!;
  const abort = new Abort(io.signal);
  let expired = false;
  void ctx.host.sleep(ms, abort.signal).then((done) => {
    if (done) {
      expired = true;
      abort.abort();
    }
  });
  const status = await ctx.run(rest.map(quote).join(' '), { ...io, signal: abort.signal });
  abort.abort();
  return expired ? 124 : status;
};
