// Processes and sockets: ps, pgrep, pidof, lsof, ss, netstat, and the
// listening programs people start by hand (python's http servers, nc -l).
// Formats follow procps-ng, lsof 4.9x, iproute2 ss and net-tools netstat.

import type { CommandIO, ListenerProgram, ProcessInfo, SocketInfo } from '../host.js';
import type { ShellCommand, ShellContext } from '../context.js';
import { getopt, monthDay, padStart } from './util.js';

interface Row extends ProcessInfo {
  /** The shell's own companions get this so they print like real processes. */
  companion?: boolean;
}

/** Lets the other commands of a pipeline register before ps reads the table. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

function allProcesses(ctx: ShellContext): Row[] {
  const host = ctx.host.processes();
  const known = new Set(host.map((p) => p.pid));
  const comp: Row[] = ctx
    .companions()
    .filter((c) => !known.has(c.pid))
    .map((c) => ({ pid: c.pid, ppid: c.ppid, user: c.user, argv: c.argv, comm: c.argv[0]!.replace(/^-/, '').split('/').pop()!, startedAt: c.startedAt, tty: ctx.tty, cpuMs: 0, companion: true }));
  return [...host, ...comp].sort((a, b) => a.pid - b.pid);
}

/** ps truncates user names longer than 8 to 7 characters and a `+`. */
function psUser(u: string): string {
  return u.length > 8 ? u.slice(0, 7) + '+' : u;
}

function stime(started: number, now: number): string {
  const s = monthDay(started);
  const n = monthDay(now);
  if (now - started < 86400000 && s.day === n.day) return s.hhmm;
  if (s.year === n.year) return `${s.month}${String(s.day).padStart(2, '0')}`;
  return String(s.year);
}

function cpuTime(ms: number, withHours: boolean): string {
  const t = Math.floor(ms / 1000);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const s = t % 60;
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return withHours ? `${p2(h)}:${p2(m)}:${p2(s)}` : `${Math.floor(t / 60)}:${p2(s)}`;
}

export const ps: ShellCommand = async (args, io, ctx) => {
  await settle();
  let full = false;
  let all = false;
  let bsd = false;
  const pids: number[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-p' || a === '--pid') {
      pids.push(...(args[++i] ?? '').split(',').map(Number));
      continue;
    }
    if (a.startsWith('-')) {
      for (const c of a.slice(1)) {
        if (c === 'e' || c === 'A') all = true;
        else if (c === 'f' || c === 'F') full = true;
        else if (c === 'a' || c === 'l' || c === 'w' || c === 'H') continue;
        else {
          io.stderr(`error: unsupported SysV option\n\nUsage:\n ps [options]\n\n Try 'ps --help <simple|list|output|threads|misc|all>'\n  or 'ps --help <s|l|o|t|m|a>'\n for additional help text.\n\nFor more details see ps(1).\n`);
          return 1;
        }
      }
    } else if (/^[auxwf]+$/.test(a)) {
      bsd = true;
      all = true;
    } else {
      io.stderr(`error: process ID list syntax error\n`);
      return 1;
    }
  }
  let rows = allProcesses(ctx);
  if (pids.length) rows = rows.filter((r) => pids.includes(r.pid));
  else if (!all) rows = rows.filter((r) => r.companion === true || r.ppid === ctx.shellPid || (r.tty === ctx.tty && r.tty !== '?' && r.user === ctx.user));
  const now = ctx.host.now();
  if (bsd) {
    io.stdout('USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND\n');
    for (const r of rows) {
      const vsz = r.vszKb ?? (r.companion ? 8904 : 24684);
      const rss = r.rssKb ?? (r.companion ? 5320 : 18124);
      const stat = r.stat ?? (r.companion ? (r.argv[0] === '-bash' ? 'Ss' : 'R+') : r.tty === '?' ? 'Ssl' : 'S');
      const life = Math.max(1, now - r.startedAt);
      const pcpu = Math.min(99.9, (r.cpuMs / life) * 100).toFixed(1);
      const pmem = ((rss / 8000000) * 100).toFixed(1);
      io.stdout(
        `${psUser(r.user).padEnd(8)} ${padStart(String(r.pid), 7)} ${pcpu.padStart(4)} ${pmem.padStart(4)} ${String(vsz).padStart(6)} ${String(rss).padStart(5)} ${r.tty.padEnd(8)} ${stat.padEnd(4)} ${stime(r.startedAt, now).padEnd(5)} ${cpuTime(r.cpuMs, false).padStart(6)} ${r.argv.join(' ')}\n`,
      );
    }
    return 0;
  }
  if (full) {
    io.stdout(`${'UID'.padEnd(8)} ${'PID'.padStart(6)} ${'PPID'.padStart(6)}  C STIME TTY          TIME CMD\n`);
    for (const r of rows) {
      io.stdout(`${psUser(r.user).padEnd(8)} ${padStart(String(r.pid), 6)} ${padStart(String(r.ppid), 6)}  0 ${stime(r.startedAt, now).padEnd(5)} ${r.tty.padEnd(8)} ${cpuTime(r.cpuMs, true)} ${r.argv.join(' ')}\n`);
    }
    return 0;
  }
  io.stdout('    PID TTY          TIME CMD\n');
  for (const r of rows) io.stdout(`${padStart(String(r.pid), 7)} ${r.tty.padEnd(8)} ${cpuTime(r.cpuMs, true)} ${r.comm.slice(0, 15)}\n`);
  return 0;
};

export const pgrep: ShellCommand = async (args, io, ctx) => {
  await settle();
  const o = getopt('pgrep', args, { flags: 'flax', values: 'u' });
  if (typeof o === 'string') {
    io.stderr(`${o}\n`);
    return 2;
  }
  const pat = o.rest[0];
  if (pat === undefined) {
    io.stderr('pgrep: no matching criteria specified\nTry `pgrep --help\' for more information.\n');
    return 2;
  }
  const re = new RegExp(pat);
  const me = ctx.pid;
  const hits = allProcesses(ctx).filter((r) => r.pid !== me && (o.flags.has('x') ? (o.flags.has('f') ? r.argv.join(' ') : r.comm) === pat : re.test(o.flags.has('f') ? r.argv.join(' ') : r.comm.slice(0, 15))));
  for (const h of hits) io.stdout(o.flags.has('a') || o.flags.has('l') ? `${h.pid} ${o.flags.has('a') ? h.argv.join(' ') : h.comm}\n` : `${h.pid}\n`);
  return hits.length ? 0 : 1;
};

export const pidof: ShellCommand = async (args, io, ctx) => {
  const hits = ctx.host.processes().filter((p) => args.includes(p.comm) || args.includes(p.argv[0]!)).map((p) => p.pid).sort((a, b) => b - a);
  if (hits.length) io.stdout(hits.join(' ') + '\n');
  return hits.length ? 0 : 1;
};

// ---------------------------------------------------------------- sockets

const SERVICES: Record<number, string> = { 22: 'ssh', 53: 'domain', 80: 'http', 443: 'https', 8080: 'http-alt', 6443: 'sun-sr-https', 10250: '10250', 2379: '2379', 2380: '2380' };

function visibleSockets(ctx: ShellContext): { s: SocketInfo; p: ProcessInfo | undefined; visible: boolean }[] {
  const procs = new Map(ctx.host.processes().map((p) => [p.pid, p]));
  return ctx.host.sockets().map((s) => {
    const p = procs.get(s.pid);
    return { s, p, visible: ctx.user === 'root' || p?.user === ctx.user };
  });
}

/** `-i:30450`, `-i :30450`, `-iTCP:80`, `-i tcp`, `-i @10.0.0.1:80`, `-i 4`. */
function lsofFilter(spec: string): ((s: SocketInfo) => boolean) | null {
  const m = /^([46])?(tcp|udp|TCP|UDP)?(?:@([^:]+))?(?::(\d+|[a-z-]+)(?:-(\d+))?)?$/.exec(spec);
  if (!m) return null;
  const fam = m[1] ? Number(m[1]) : null;
  const proto = m[2]?.toLowerCase();
  const host = m[3]?.replace(/^\[|\]$/g, '');
  const portName = m[4];
  let lo: number | null = null;
  let hi: number | null = null;
  if (portName !== undefined) {
    lo = /^\d+$/.test(portName) ? Number(portName) : Number(Object.entries(SERVICES).find(([, n]) => n === portName)?.[0] ?? -1);
    hi = m[5] ? Number(m[5]) : lo;
  }
  return (s) =>
    (fam === null || s.family === fam) &&
    (proto === undefined || s.proto === proto) &&
    (host === undefined || s.localAddress === host || s.remoteAddress === host) &&
    (lo === null || (s.localPort >= lo && s.localPort <= hi!) || (s.remotePort !== undefined && s.remotePort >= lo && s.remotePort <= hi!));
}

function lsofAddr(addr: string, port: number, numericHost: boolean, numericPort: boolean): string {
  let a = addr === '0.0.0.0' || addr === '::' || addr === '*' ? '*' : addr;
  if (!numericHost && (a === '127.0.0.1' || a === '::1')) a = 'localhost';
  else if (a.includes(':') && a !== '*') a = `[${a}]`;
  const p = !numericPort && SERVICES[port] && !/^\d+$/.test(SERVICES[port]!) ? SERVICES[port]! : String(port);
  return `${a}:${p}`;
}

export const lsof: ShellCommand = async (args, io, ctx) => {
  const filters: ((s: SocketInfo) => boolean)[] = [];
  let numericHost = false;
  let numericPort = false;
  let terse = false;
  let pidFilter: number[] | null = null;
  let sawI = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('-i')) {
      sawI = true;
      let spec = a.slice(2);
      if (spec === '' && args[i + 1] !== undefined && !args[i + 1]!.startsWith('-')) spec = args[++i]!;
      if (spec === '') continue;
      const f = lsofFilter(spec);
      if (!f) {
        io.stderr(`lsof: unacceptable Internet address: ${spec}\nlsof 4.95.0\n latest revision: https://github.com/lsof-org/lsof\n latest FAQ: https://github.com/lsof-org/lsof/blob/master/00FAQ\n latest (non-formatted) man page: https://github.com/lsof-org/lsof/blob/master/Lsof.8\n usage: [-?abhKlnNoOPRtUvVX] [+|-c c] [+|-d s] [+D D] [+|-E] [+|-e s] [+|-f[gG]]\n [-F [f]] [-g [s]] [-i [i]] [-k k] [+|-L [l]] [+m [m]] [+|-M] [-o [o]] [-p s]\n [+|-r [t]] [-s [p:s]] [-S [t]] [-T [t]] [-u s] [+|-w] [-x [fl]] [--] [names]\nUse the \`\`-h'' option to get more help information.\n`);
        return 1;
      }
      filters.push(f);
    } else if (a === '-p') pidFilter = (args[++i] ?? '').split(',').map(Number);
    else if (/^-[nPtlV]+$/.test(a)) {
      if (a.includes('n')) numericHost = true;
      if (a.includes('P')) numericPort = true;
      if (a.includes('t')) terse = true;
    } else if (/^-[nPt]*i/.test(a)) {
      // combined like -nPi:80
      const k = a.indexOf('i');
      if (a.slice(1, k).includes('n')) numericHost = true;
      if (a.slice(1, k).includes('P')) numericPort = true;
      if (a.slice(1, k).includes('t')) terse = true;
      args.splice(i + 1, 0, '-i' + a.slice(k + 1));
    }
  }
  void sawI;
  const rows = visibleSockets(ctx).filter(({ s, visible }) => visible && (filters.length === 0 || filters.some((f) => f(s))) && (!pidFilter || pidFilter.includes(s.pid)));
  if (rows.length === 0) return 1;
  if (terse) {
    io.stdout([...new Set(rows.map((r) => r.s.pid))].map((p) => `${p}\n`).join(''));
    return 0;
  }
  const cells = rows.map(({ s, p }) => {
    const local = lsofAddr(s.localAddress, s.localPort, numericHost, numericPort);
    const name = s.remoteAddress !== undefined && s.remotePort !== undefined ? `${local}->${lsofAddr(s.remoteAddress, s.remotePort, numericHost, numericPort)}` : local;
    const state = s.proto === 'tcp' ? ` (${s.state})` : '';
    return {
      command: (p?.comm ?? '?').slice(0, 9),
      pid: String(s.pid),
      user: p?.user ?? 'root',
      fd: String(s.fd),
      type: s.family === 6 ? 'IPv6' : 'IPv4',
      device: String(s.inode),
      size: '0t0',
      node: s.proto.toUpperCase(),
      name: name + state,
    };
  });
  const w = (k: keyof (typeof cells)[number], head: string): number => Math.max(head.length, ...cells.map((c) => c[k].length));
  const wc = w('command', 'COMMAND');
  const wp = w('pid', 'PID');
  const wu = w('user', 'USER');
  const wf = Math.max(4, ...cells.map((c) => c.fd.length));
  const wt = w('type', 'TYPE');
  const wd = w('device', 'DEVICE');
  const ws = w('size', 'SIZE/OFF');
  const wn = w('node', 'NODE');
  io.stdout(`${'COMMAND'.padEnd(wc)} ${'PID'.padStart(wp)} ${'USER'.padEnd(wu)} ${'FD'.padStart(wf)}   ${'TYPE'.padEnd(wt)} ${'DEVICE'.padStart(wd)} ${'SIZE/OFF'.padStart(ws)} ${'NODE'.padStart(wn)} NAME\n`);
  for (const c of cells) {
    io.stdout(`${c.command.padEnd(wc)} ${c.pid.padStart(wp)} ${c.user.padEnd(wu)} ${c.fd.padStart(wf)}u  ${c.type.padEnd(wt)} ${c.device.padStart(wd)} ${c.size.padStart(ws)} ${c.node.padStart(wn)} ${c.name}\n`);
  }
  return 0;
};

function ssAddr(addr: string, family: 4 | 6): string {
  if (addr === '::' || addr === '*') return family === 6 ? '*' : '0.0.0.0';
  return family === 6 ? `[${addr}]` : addr;
}

export const ss: ShellCommand = async (args, io, ctx) => {
  let listen = false;
  let all = false;
  let tcp = false;
  let udp = false;
  let procs = false;
  let numeric = false;
  for (const a of args) {
    if (a.startsWith('-') && !a.startsWith('--')) {
      for (const c of a.slice(1)) {
        if (c === 'l') listen = true;
        else if (c === 'a') all = true;
        else if (c === 't') tcp = true;
        else if (c === 'u') udp = true;
        else if (c === 'p') procs = true;
        else if (c === 'n') numeric = true;
        else if ('e4m6Hio'.includes(c)) continue;
        else {
          io.stderr(`ss: invalid option -- '${c}'\n`);
          return 1;
        }
      }
    }
  }
  if (!tcp && !udp) tcp = true;
  const rows = visibleSockets(ctx).filter(({ s }) => ((tcp && s.proto === 'tcp') || (udp && s.proto === 'udp')) && (all || (listen ? s.state === 'LISTEN' || s.proto === 'udp' : s.state !== 'LISTEN' && s.proto === 'tcp')));
  const cells = rows.map(({ s, p, visible }) => {
    const port = (n: number): string => (!numeric && SERVICES[n] && !/^\d+$/.test(SERVICES[n]!) ? SERVICES[n]! : String(n));
    return {
      state: s.proto === 'udp' ? 'UNCONN' : s.state === 'ESTABLISHED' ? 'ESTAB' : s.state,
      recv: '0',
      send: s.state === 'LISTEN' ? (p?.comm === 'kube-proxy' ? '4096' : p?.comm?.startsWith('python') ? '5' : p?.comm === 'nc' ? '1' : '4096') : '0',
      laddr: ssAddr(s.localAddress, s.family),
      lport: port(s.localPort),
      raddr: s.remoteAddress !== undefined ? ssAddr(s.remoteAddress, s.family) : s.family === 6 && (s.localAddress === '::' || s.localAddress === '*') ? '*' : s.family === 6 ? '[::]' : '0.0.0.0',
      rport: s.remotePort !== undefined ? port(s.remotePort) : '*',
      proc: procs && visible && p ? `users:(("${p.comm}",pid=${p.pid},fd=${s.fd}))` : '',
    };
  });
  const wa = Math.max(13, ...cells.map((c) => c.laddr.length));
  const wpo = Math.max(4, ...cells.map((c) => c.lport.length));
  const wr = Math.max(12, ...cells.map((c) => c.raddr.length));
  const wrp = Math.max(4, ...cells.map((c) => c.rport.length));
  const ws = Math.max(6, ...cells.map((c) => c.state.length));
  io.stdout(`${'State'.padEnd(ws)} Recv-Q Send-Q ${'Local Address'.padStart(wa)}:${'Port'.padEnd(wpo)} ${'Peer Address'.padStart(wr)}:${'Port'.padEnd(wrp)}${procs ? 'Process' : ''}\n`);
  for (const c of cells) {
    io.stdout(`${c.state.padEnd(ws)} ${c.recv.padEnd(6)} ${c.send.padEnd(6)} ${c.laddr.padStart(wa)}:${c.lport.padEnd(wpo)} ${c.raddr.padStart(wr)}:${c.rport.padEnd(wrp)} ${c.proc}\n`);
  }
  return 0;
};

export const netstat: ShellCommand = async (args, io, ctx) => {
  const flags = new Set(args.filter((a) => a.startsWith('-')).flatMap((a) => [...a.slice(1)]));
  const listen = flags.has('l');
  const all = flags.has('a');
  const tcp = flags.has('t') || !flags.has('u');
  const udp = flags.has('u');
  const procs = flags.has('p');
  if (procs && ctx.user !== 'root') io.stderr('(Not all processes could be identified, non-owned process info\n will not be shown, you would have to be root to see it all.)\n');
  io.stdout(`Active Internet connections (${listen ? 'only servers' : all ? 'servers and established' : 'w/o servers'})\n`);
  io.stdout(`Proto Recv-Q Send-Q Local Address           Foreign Address         State      ${procs ? ' PID/Program name    ' : ''}\n`);
  const rows = visibleSockets(ctx).filter(({ s }) => ((tcp && s.proto === 'tcp') || (udp && s.proto === 'udp')) && (all || (listen ? s.state === 'LISTEN' || s.proto === 'udp' : s.state !== 'LISTEN' && s.proto === 'tcp')));
  for (const { s, p, visible } of rows) {
    const v6 = s.family === 6;
    const any = s.localAddress === '::' || s.localAddress === '0.0.0.0' || s.localAddress === '*';
    const local = `${any ? (v6 ? '::' : '0.0.0.0') : s.localAddress}:${s.localPort}`;
    const remote = s.remoteAddress !== undefined ? `${s.remoteAddress}:${s.remotePort}` : v6 ? ':::*' : '0.0.0.0:*';
    const proto = s.proto + (v6 ? '6' : '');
    const state = s.proto === 'udp' ? '' : s.state;
    const proc = procs ? ' ' + (visible && p ? `${p.pid}/${p.comm}` : '-').padEnd(20) : '';
    io.stdout(`${proto.padEnd(5)} ${'0'.padStart(6)} ${'0'.padStart(6)} ${local.padEnd(23)} ${remote.padEnd(23)} ${state.padEnd(11)}${proc}\n`);
  }
  return 0;
};

// ---------------------------------------------------------------- listeners

const PY2_BIND_ERROR = `Traceback (most recent call last):
  File "/usr/lib/python2.7/runpy.py", line 174, in _run_module_as_main
    "__main__", fname, loader, pkg_name)
  File "/usr/lib/python2.7/runpy.py", line 72, in _run_code
    exec code in run_globals
  File "/usr/lib/python2.7/SimpleHTTPServer.py", line 235, in <module>
    test()
  File "/usr/lib/python2.7/SimpleHTTPServer.py", line 231, in test
    BaseHTTPServer.test(HandlerClass, ServerClass)
  File "/usr/lib/python2.7/BaseHTTPServer.py", line 606, in test
    httpd = ServerClass(server_address, HandlerClass)
  File "/usr/lib/python2.7/SocketServer.py", line 420, in __init__
    self.server_bind()
  File "/usr/lib/python2.7/BaseHTTPServer.py", line 108, in server_bind
    SocketServer.TCPServer.server_bind(self)
  File "/usr/lib/python2.7/SocketServer.py", line 434, in server_bind
    self.socket.bind(self.server_address)
  File "/usr/lib/python2.7/socket.py", line 228, in meth
    return getattr(self._sock,name)(*args)
`;

const PY3_BIND_ERROR = `Traceback (most recent call last):
  File "<frozen runpy>", line 198, in _run_module_as_main
  File "<frozen runpy>", line 88, in _run_code
  File "/usr/lib/python3.11/http/server.py", line 1313, in <module>
    test(
  File "/usr/lib/python3.11/http/server.py", line 1260, in test
    with ServerClass(addr, HandlerClass) as httpd:
         ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/lib/python3.11/socketserver.py", line 456, in __init__
    self.server_bind()
  File "/usr/lib/python3.11/http/server.py", line 1307, in server_bind
    return super().server_bind()
           ^^^^^^^^^^^^^^^^^^^^^
  File "/usr/lib/python3.11/http/server.py", line 136, in server_bind
    socketserver.TCPServer.server_bind(self)
  File "/usr/lib/python3.11/socketserver.py", line 472, in server_bind
    self.socket.bind(self.server_address)
`;

/** Starts a listener through the host and waits for it (Ctrl-C sends SIGINT; a kill ends it). */
async function runListener(program: ListenerProgram, argv: string[], io: CommandIO, ctx: ShellContext, banner: string, onInterrupt: string, errs: { inUse: string; denied: string }): Promise<number> {
  const r = ctx.host.spawn({ program, argv, user: ctx.user, ppid: ctx.shellPid, pid: ctx.pid, tty: ctx.tty, cwd: ctx.cwd, stdout: io.stdout, stderr: io.stderr });
  if (!r.ok) {
    io.stderr(r.error === 'address-in-use' ? errs.inUse : errs.denied);
    return 1;
  }
  void banner; // the host prints the start line (it knows the address it bound)
  let interrupted = false;
  const onAbort = (): void => {
    interrupted = true;
    ctx.host.kill(r.pid, 'INT', 'root');
  };
  if (io.signal.aborted) onAbort();
  else io.signal.addEventListener('abort', onAbort, { once: true });
  const exit = await r.exited;
  io.signal.removeEventListener('abort', onAbort);
  if ('code' in exit) return exit.code;
  if (interrupted && exit.signal === 'INT') {
    if (onInterrupt) io.stderr(onInterrupt);
    return 130;
  }
  const n = { HUP: 1, INT: 2, QUIT: 3, KILL: 9, USR1: 10, USR2: 12, TERM: 15, CONT: 18, STOP: 19 }[exit.signal];
  return 128 + n;
}

function pythonCommand(version: 2 | 3): ShellCommand {
  return async (args, io, ctx) => {
    const exe = version === 2 ? 'python' : 'python3';
    const argv = [exe, ...args];
    if (args[0] === '--version' || args[0] === '-V') {
      (version === 2 ? io.stderr : io.stdout)(version === 2 ? 'Python 2.7.18\n' : 'Python 3.11.2\n');
      return 0;
    }
    if (args[0] !== '-m' || args[1] === undefined) {
      io.stderr(`${exe}: this lab's node runs Python only as a web server: ${exe} -m ${version === 2 ? 'SimpleHTTPServer' : 'http.server'} PORT\n`);
      return 2;
    }
    const mod = args[1];
    const want = version === 2 ? 'SimpleHTTPServer' : 'http.server';
    if (mod !== want) {
      io.stderr(`/usr/bin/${exe}: No module named ${mod}\n`);
      return 1;
    }
    let port = 8000;
    let bind: string | undefined;
    const rest = args.slice(2);
    for (let i = 0; i < rest.length; i++) {
      const a = rest[i]!;
      if (version === 3 && (a === '--bind' || a === '-b')) bind = rest[++i];
      else if (version === 3 && (a === '--directory' || a === '-d')) i++;
      else if (/^\d+$/.test(a)) port = Number(a);
      else if (version === 3) {
        io.stderr(`usage: server.py [-h] [--cgi] [-b ADDRESS] [-d DIRECTORY] [-p VERSION] [port]\nserver.py: error: argument port: invalid int value: '${a}'\n`);
        return 2;
      } else {
        io.stderr(`${PY2_BIND_ERROR.split('\n').slice(0, 7).join('\n')}\nValueError: invalid literal for int() with base 10: '${a}'\n`);
        return 1;
      }
    }
    if (port > 65535) {
      io.stderr(version === 3 ? `${PY3_BIND_ERROR}OverflowError: bind(): port must be 0-65535.\n` : `${PY2_BIND_ERROR}OverflowError: getsockaddrarg: port must be 0-65535.\n`);
      return 1;
    }
    const program: ListenerProgram = version === 2 ? { kind: 'python2-simplehttpserver', port } : { kind: 'python3-http.server', port, ...(bind ? { bind } : {}) };
    const shown = bind ?? '0.0.0.0';
    const banner = version === 2 ? `Serving HTTP on 0.0.0.0 port ${port} ...\n` : `Serving HTTP on ${shown} port ${port} (http://${shown}:${port}/) ...\n`;
    const interrupt = version === 2 ? '^CTraceback (most recent call last):\n  ...\nKeyboardInterrupt\n' : '\nKeyboard interrupt received, exiting.\n';
    const priv = port < 1024 && ctx.user !== 'root';
    if (priv) {
      io.stderr(version === 2 ? `${PY2_BIND_ERROR}socket.error: [Errno 13] Permission denied\n` : `${PY3_BIND_ERROR}PermissionError: [Errno 13] Permission denied\n`);
      return 1;
    }
    return runListener(program, argv, io, ctx, banner, interrupt, {
      inUse: version === 2 ? `${PY2_BIND_ERROR}socket.error: [Errno 98] Address already in use\n` : `${PY3_BIND_ERROR}OSError: [Errno 98] Address already in use\n`,
      denied: version === 2 ? `${PY2_BIND_ERROR}socket.error: [Errno 13] Permission denied\n` : `${PY3_BIND_ERROR}PermissionError: [Errno 13] Permission denied\n`,
    });
  };
}

export const python = pythonCommand(2);
export const python3 = pythonCommand(3);

/** `nc -l -p PORT`, `nc -l PORT`, `nc -lu PORT` (netcat-openbsd words). */
export const nc: ShellCommand = async (args, io, ctx) => {
  let listen = false;
  let udp = false;
  let port: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-p') port = Number(args[++i]);
    else if (a.startsWith('-')) {
      for (const c of a.slice(1)) {
        if (c === 'l') listen = true;
        else if (c === 'u') udp = true;
        else if (c === 'p') port = Number(args[++i]);
        else if ('knvz46'.includes(c)) continue;
        else {
          io.stderr(`nc: invalid option -- '${c}'\nusage: nc [-46CDdFhklNnrStUuvZz] [-I length] [-i interval] [-M ttl]\n\t  [-m minttl] [-O length] [-P proxy_username] [-p source_port]\n\t  [-q seconds] [-s sourceaddr] [-T keyword] [-V rtable] [-W recvlimit]\n\t  [-w timeout] [-X proxy_protocol] [-x proxy_address[:port]]\n\t  [destination] [port]\n`);
          return 1;
        }
      }
    } else if (/^\d+$/.test(a)) port = Number(a);
  }
  if (!listen) {
    io.stderr('nc: this lab runs nc as a listener only (nc -l -p PORT); use curl to connect.\n');
    return 1;
  }
  if (port === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
    io.stderr(`nc: missing port number\n`);
    return 1;
  }
  if (port < 1024 && ctx.user !== 'root') {
    io.stderr('nc: Permission denied\n');
    return 1;
  }
  return runListener({ kind: 'nc-listen', port, ...(udp ? { udp } : {}) }, ['nc', ...args], io, ctx, '', '', { inUse: 'nc: Address already in use\n', denied: 'nc: Permission denied\n' });
};
