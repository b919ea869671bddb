// Node basics: sleep, env, date, clear, hostname, whoami, id, uname, ls,
// mkdir, rm, touch, which, watch, and kubectl (handed to the cluster).

import { isFsError } from '../host.js';
import type { ShellCommand } from '../context.js';
import { fsMessage } from '../fs-memory.js';
import { Abort } from '../signal.js';
import { emptyInput } from '../streams.js';
import { dateString, getopt, joinLines, last, monthDay } from './util.js';

/** `5`, `0.5`, `2m`, `1h` → ms; NaN when invalid. */
function duration(s: string): number {
  const m = /^(\d+\.?\d*|\.\d+)([smhd]?)$/.exec(s);
  if (!m) return NaN;
  return Number(m[1]) * { '': 1000, s: 1000, m: 60000, h: 3600000, d: 86400000 }[m[2] as '' | 's']!;
}

export const sleep: ShellCommand = async (args, io, ctx) => {
  if (args.length === 0) {
    io.stderr("sleep: missing operand\nTry 'sleep --help' for more information.\n");
    return 1;
  }
  let ms = 0;
  for (const a of args) {
    const d = duration(a);
    if (Number.isNaN(d)) {
      io.stderr(`sleep: invalid time interval ‘${a}’\nTry 'sleep --help' for more information.\n`);
      return 1;
    }
    ms += d;
  }
  const done = await ctx.host.sleep(ms, io.signal);
  return done ? 0 : 130;
};

export const env: ShellCommand = async (args, io, ctx) => {
  const vars: Record<string, string> = { ...io.env };
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-i') for (const k of Object.keys(vars)) delete vars[k];
    else if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(a)) {
      const eq = a.indexOf('=');
      vars[a.slice(0, eq)] = a.slice(eq + 1);
    } else break;
  }
  if (i < args.length) {
    const line = args.slice(i).map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
    return ctx.run(line, { ...io, env: vars });
  }
  io.stdout(joinLines(Object.entries(vars).map(([k, v]) => `${k}=${v}`)));
  return 0;
};

export const date: ShellCommand = async (args, io, ctx) => {
  const now = ctx.host.now();
  const fmt = args.find((a) => a.startsWith('+'));
  if (!fmt) {
    io.stdout(dateString(now) + '\n');
    return 0;
  }
  const d = new Date(now);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const out = fmt.slice(1).replace(/%([a-zA-Z%])/g, (_m, c: string) => {
    switch (c) {
      case 'Y': return String(d.getUTCFullYear());
      case 'm': return p2(d.getUTCMonth() + 1);
      case 'd': return p2(d.getUTCDate());
      case 'H': return p2(d.getUTCHours());
      case 'M': return p2(d.getUTCMinutes());
      case 'S': return p2(d.getUTCSeconds());
      case 's': return String(Math.floor(now / 1000));
      case 'N': return String((now % 1000) * 1000000).padStart(9, '0');
      case 'T': return `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
      case 'F': return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}`;
      case 'Z': return 'UTC';
      case '%': return '%';
      default: return '%' + c;
    }
  });
  io.stdout(out + '\n');
  return 0;
};

export const clear: ShellCommand = async (_args, io) => {
  io.stdout('\x1b[H\x1b[2J\x1b[3J');
  return 0;
};

export const hostname: ShellCommand = async (args, io, ctx) => {
  const addrs = ctx.host
    .interfaces()
    .flatMap((i) => i.addresses.filter((a) => a.scope === 'global' && a.family === 4).map((a) => a.cidr.split('/')[0]!));
  if (args.includes('-I') || args.includes('--all-ip-addresses')) io.stdout(addrs.join(' ') + ' \n');
  else if (args.includes('-i') || args.includes('--ip-address')) io.stdout((addrs[0] ?? '127.0.1.1') + '\n');
  else if (args.length > 0 && !args[0]!.startsWith('-')) {
    if (ctx.user !== 'root') {
      io.stderr('hostname: you must be root to change the host name\n');
      return 1;
    }
    io.stderr('hostname: the host name of a lab node stays as the cluster knows it\n');
    return 1;
  } else io.stdout(ctx.host.hostname + '\n');
  return 0;
};

export const whoami: ShellCommand = async (_args, io, ctx) => {
  io.stdout(ctx.user + '\n');
  return 0;
};

export const id: ShellCommand = async (_args, io, ctx) => {
  io.stdout(ctx.user === 'root' ? 'uid=0(root) gid=0(root) groups=0(root)\n' : `uid=1000(${ctx.user}) gid=1000(${ctx.user}) groups=1000(${ctx.user}),27(sudo)\n`);
  return 0;
};

export const uname: ShellCommand = async (args, io, ctx) => {
  const kernel = '5.15.0-131-generic';
  if (args.includes('-a')) io.stdout(`Linux ${ctx.host.hostname} ${kernel} #141-Ubuntu SMP Fri Jan 10 21:18:28 UTC 2025 x86_64 x86_64 x86_64 GNU/Linux\n`);
  else if (args.includes('-r')) io.stdout(kernel + '\n');
  else if (args.includes('-n')) io.stdout(ctx.host.hostname + '\n');
  else if (args.includes('-m')) io.stdout('x86_64\n');
  else io.stdout('Linux\n');
  return 0;
};

function modeString(kind: 'file' | 'dir', mode: number): string {
  const bits = 'rwxrwxrwx'.split('').map((c, i) => (mode & (1 << (8 - i)) ? c : '-'));
  if (mode & 0o1000) bits[8] = bits[8] === 'x' ? 't' : 'T';
  return (kind === 'dir' ? 'd' : '-') + bits.join('');
}

export const ls: ShellCommand = async (args, io, ctx) => {
  const o = getopt('ls', args, { flags: 'laAh1dRtrF', values: '', long: { all: { as: 'a', value: false }, color: { as: 'C', value: false } } });
  if (typeof o === 'string') {
    io.stderr(`${o}\nTry 'ls --help' for more information.\n`);
    return 2;
  }
  const targets = o.rest.length ? o.rest : ['.'];
  let status = 0;
  const long = o.flags.has('l');
  const lineFor = (name: string, path: string): string => {
    const st = ctx.host.fs.stat(path);
    if (isFsError(st)) return name;
    if (!long) return name;
    const md = monthDay(st.mtime);
    const size = String(st.size).padStart(5);
    const group = st.owner;
    return `${modeString(st.kind, st.mode)} ${st.kind === 'dir' ? 2 : 1} ${st.owner} ${group} ${size} ${md.month} ${String(md.day).padStart(2)} ${md.hhmm} ${name}`;
  };
  targets.forEach((t, ti) => {
    const path = ctx.resolve(t);
    const st = ctx.host.fs.stat(path);
    if (isFsError(st)) {
      io.stderr(`ls: cannot access '${t}': ${fsMessage(st)}\n`);
      status = 2;
      return;
    }
    if (st.kind === 'file' || o.flags.has('d')) {
      io.stdout(lineFor(t, path) + '\n');
      return;
    }
    if (ctx.user !== 'root' && (path === '/root' || path.startsWith('/root/'))) {
      io.stderr(`ls: cannot open directory '${t}': Permission denied\n`);
      status = 2;
      return;
    }
    const names = ctx.host.fs.readDir(path);
    if (isFsError(names)) return;
    let shown = names.filter((n) => o.flags.has('a') || o.flags.has('A') || !n.startsWith('.'));
    if (o.flags.has('a')) shown = ['.', '..', ...shown];
    if (targets.length > 1) io.stdout(`${ti > 0 ? '\n' : ''}${t}:\n`);
    const child = (n: string): string => (n === '.' ? path : n === '..' ? path.replace(/\/[^/]*$/, '') || '/' : (path === '/' ? '' : path) + '/' + n);
    if (long) {
      io.stdout(`total ${shown.length * 4}\n`);
      for (const n of shown) io.stdout(lineFor(n, child(n)) + '\n');
    } else if (io.tty && !o.flags.has('1')) {
      if (shown.length) io.stdout(shown.join('  ') + '\n');
    } else io.stdout(joinLines(shown));
  });
  return status;
};

export const mkdir: ShellCommand = async (args, io, ctx) => {
  const o = getopt('mkdir', args, { flags: 'pv', values: 'm' });
  if (typeof o === 'string') {
    io.stderr(`${o}\nTry 'mkdir --help' for more information.\n`);
    return 1;
  }
  let status = 0;
  for (const d of o.rest) {
    const e = ctx.host.fs.mkdir(ctx.resolve(d), { parents: o.flags.has('p'), now: ctx.host.now(), owner: ctx.user });
    if (e) {
      io.stderr(`mkdir: cannot create directory ‘${d}’: ${fsMessage(e)}\n`);
      status = 1;
    }
  }
  return status;
};

export const rm: ShellCommand = async (args, io, ctx) => {
  const o = getopt('rm', args, { flags: 'rfRiv', values: '' });
  if (typeof o === 'string') {
    io.stderr(`${o}\nTry 'rm --help' for more information.\n`);
    return 1;
  }
  let status = 0;
  for (const f of o.rest) {
    const path = ctx.resolve(f);
    const st = ctx.host.fs.stat(path);
    if (isFsError(st)) {
      if (!o.flags.has('f')) {
        io.stderr(`rm: cannot remove '${f}': ${fsMessage(st)}\n`);
        status = 1;
      }
      continue;
    }
    if (st.kind === 'dir' && !o.flags.has('r') && !o.flags.has('R')) {
      io.stderr(`rm: cannot remove '${f}': Is a directory\n`);
      status = 1;
      continue;
    }
    ctx.host.fs.remove(path, { recursive: true });
  }
  return status;
};

export const touch: ShellCommand = async (args, io, ctx) => {
  let status = 0;
  for (const f of args.filter((a) => !a.startsWith('-'))) {
    const path = ctx.resolve(f);
    const cur = ctx.host.fs.readFile(path);
    const e = ctx.host.fs.writeFile(path, isFsError(cur) ? '' : cur, { now: ctx.host.now(), owner: ctx.user });
    if (e) {
      io.stderr(`touch: cannot touch '${f}': ${fsMessage(e)}\n`);
      status = 1;
    }
  }
  return status;
};

/** `kubectl …` — the node's kubeconfig talks to the cluster. */
export const kubectl: ShellCommand = async (args, io, ctx) => ctx.host.kubectl(args, io);

/**
 * `watch [-n SECS] [-d] [-t] CMD…`: redraws CMD's output until interrupted.
 * Without a terminal it fails as procps watch does.
 */
export const watch: ShellCommand = async (args, io, ctx) => {
  const o = getopt('watch', stopAtCommand(args), { flags: 'dtbegcpx', values: 'n', long: { interval: { as: 'n', value: true }, 'no-title': { as: 't', value: false }, differences: { as: 'd', value: false } } });
  if (typeof o === 'string') {
    io.stderr(`${o}\n`);
    return 1;
  }
  const cmd = [...o.rest, ...args.slice(stopAtCommand(args).length)];
  if (cmd.length === 0) {
    io.stderr('\nUsage:\n watch [options] command\n');
    return 1;
  }
  if (!io.tty || !io.interactive) {
    // procps watch needs a terminal; here, also a person who can stop it with Ctrl-C
    io.stderr(io.tty ? 'watch: runs until Ctrl-C, so it needs an interactive terminal (open a node terminal); for one look, run the command itself\n' : 'Error opening terminal: unknown.\n');
    return 1;
  }
  const secs = Math.max(0.1, Number(last(o.values, 'n') ?? 2));
  const line = cmd.join(' ');
  const interval = secs.toFixed(1);
  for (let round = 0; round < 100000 && !io.signal.aborted; round++) {
    let out = '';
    const abort = new Abort(io.signal);
    await ctx.run(line, { stdin: emptyInput(), stdout: (s) => (out += s), stderr: (s) => (out += s), signal: abort.signal, env: io.env, interactive: true });
    if (io.signal.aborted) break;
    let screen = '\x1b[H\x1b[2J';
    if (!o.flags.has('t')) {
      const left = `Every ${interval}s: ${line}`;
      const right = `${ctx.host.hostname}: ${dateString(ctx.host.now())}`;
      const gap = Math.max(1, io.tty.cols - left.length - right.length);
      screen += left + ' '.repeat(gap) + right + '\n\n';
    }
    const rows = out.split('\n').slice(0, Math.max(1, io.tty.rows - 3));
    screen += rows.map((r) => r.slice(0, io.tty!.cols)).join('\n');
    io.stdout(screen);
    const slept = await ctx.host.sleep(secs * 1000, io.signal);
    if (!slept) break;
  }
  return 130;
};

/** watch's own options end at the first non-option word. */
function stopAtCommand(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('-')) break;
    out.push(a);
    if (a === '-n' || a === '--interval') {
      if (args[i + 1] !== undefined) out.push(args[++i]!);
    }
  }
  return out;
}
