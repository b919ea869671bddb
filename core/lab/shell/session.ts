// One shell session on a node: variables, working directory, history, jobs,
// and the execution of parsed command lines with bash's exit statuses.

import type { AndOr, CommandNode, Pipeline, Redirect, Script, SimpleCommand } from './ast.js';
import type { ShellContext, ShellCommand } from './context.js';
import { normalizePath } from './context.js';
import { expandToString, expandWords, globRegex, type ExpandContext } from './expand.js';
import { isFsError, type AbortSignalLike, type CommandIO, type InputStream, type ShellHost, type ShellLineIO, type ShellSession, type SignalName } from './host.js';
import { parseLine } from './parse.js';
import { fsMessage } from './fs-memory.js';
import { Abort } from './signal.js';
import { Pipe, emptyInput, textInput } from './streams.js';
import { PROGRAMS } from './commands/index.js';
import { SIGNALS, signalFromSpec, signalNumber, signalDescription } from './signals.js';

type Writer = (s: string) => void;

interface Fds {
  stdin: InputStream;
  stdout: Writer;
  stderr: Writer;
}

interface Mate {
  pid: number;
  argv: string[];
}

interface Exec extends Fds {
  signal: AbortSignalLike;
  tty?: { cols: number; rows: number };
  interactive?: boolean;
  /** The commands of the current pipeline, as they start (for ps). */
  mates?: Mate[];
}

interface Job {
  id: number;
  /** Pids of the pipeline's commands; the last is the job's (`$!`). */
  pids: number[];
  text: string;
  abort: Abort;
  status: number | null;
  killedBy: SignalName | null;
  reported: boolean;
}

export interface ShellOptions {
  /** `pts/0` for a terminal (the default), `?` for none. */
  tty?: string;
  /** Loop bound: `while true` stops after this many rounds (default 10000). */
  maxLoopIterations?: number;
}

/** Raised by `exit` to unwind the current line. */
class ExitRequest {
  constructor(readonly code: number) {}
}

const BUILTINS = new Set([
  'cd', 'pwd', 'export', 'unset', 'exit', 'logout', 'jobs', 'fg', 'bg', 'wait', 'kill', 'history', 'true', 'false', ':',
  'echo', 'printf', 'type', 'sudo', 'su', 'alias', 'set', 'source', '.', 'read', 'command', 'disown',
]);

export class Shell implements ShellSession {
  private vars = new Map<string, { value: string; exported: boolean }>();
  private cwd: string;
  /** Login user first; `sudo -i`/`su` push root. */
  private users: string[];
  private lastStatus = 0;
  private lastBg: number | null = null;
  private jobs: Job[] = [];
  private nextJobId = 1;
  private readonly hist: string[] = [];
  private exitCode: number | null = null;
  private readonly shellPid: number;
  private readonly tty: string;
  private readonly maxLoops: number;
  private readonly startedAt: number;
  private currentMates: Mate[] = [];

  constructor(
    readonly host: ShellHost,
    opts: ShellOptions = {},
  ) {
    for (const [k, v] of Object.entries(host.env())) this.vars.set(k, { value: v, exported: true });
    this.cwd = host.home;
    this.users = [host.user];
    this.shellPid = host.allocatePid();
    this.tty = opts.tty ?? 'pts/0';
    this.maxLoops = opts.maxLoopIterations ?? 10000;
    this.startedAt = host.now();
  }

  get history(): readonly string[] {
    return this.hist;
  }

  get exited(): number | null {
    return this.exitCode;
  }

  private get user(): string {
    return this.users[this.users.length - 1]!;
  }

  private homeOf(user: string): string {
    return user === this.host.user ? this.host.home : user === 'root' ? '/root' : `/home/${user}`;
  }

  prompt(): string {
    const home = this.homeOf(this.user);
    let where = this.cwd;
    if (where === home) where = '~';
    else if (where.startsWith(home + '/')) where = '~' + where.slice(home.length);
    return `${this.user}@${this.host.hostname}:${where}${this.user === 'root' ? '#' : '$'} `;
  }

  complete(beforeCursor: string): string[] {
    const m = /(^|[\s;|&(])([^\s;|&()<>'"]*)$/.exec(beforeCursor);
    const word = m ? m[2]! : '';
    const before = beforeCursor.slice(0, beforeCursor.length - word.length);
    const commandPosition = /(^|[;|&(]|&&|\|\|)\s*(sudo\s+)?$/.test(before);
    if (commandPosition && !word.includes('/')) {
      const names = new Set([...BUILTINS, ...Object.keys(PROGRAMS)]);
      return [...names].filter((n) => n.startsWith(word) && n !== '.' && n !== ':').sort();
    }
    const slash = word.lastIndexOf('/');
    const dirPart = slash >= 0 ? word.slice(0, slash + 1) : '';
    const namePart = word.slice(slash + 1);
    const dir = this.resolve(dirPart === '' ? '.' : dirPart);
    const entries = this.host.fs.readDir(dir);
    if (isFsError(entries)) return [];
    return entries
      .filter((e) => e.startsWith(namePart) && (namePart.startsWith('.') || !e.startsWith('.')))
      .map((e) => {
        const st = this.host.fs.stat((dir === '/' ? '' : dir) + '/' + e);
        return dirPart + e + (!isFsError(st) && st.kind === 'dir' ? '/' : '');
      });
  }

  takeNotices(): string {
    let out = '';
    for (const j of this.jobs) {
      if (j.status === null || j.reported) continue;
      out += this.jobLine(j, false) + '\n';
      j.reported = true;
    }
    this.jobs = this.jobs.filter((j) => j.status === null);
    if (this.jobs.length === 0) this.nextJobId = 1;
    return out;
  }

  private jobMark(j: Job): string {
    const live = this.jobs.filter((x) => !x.reported);
    if (j === live[live.length - 1]) return '+';
    if (j === live[live.length - 2]) return '-';
    return ' ';
  }

  private jobLine(j: Job, listing: boolean): string {
    let state: string;
    if (j.status === null) state = 'Running';
    else if (j.killedBy) state = signalDescription(j.killedBy);
    else if (j.status === 0) state = 'Done';
    else if (j.status > 128 && SIGNALS.some((s) => signalNumber(s) === j.status! - 128)) {
      state = signalDescription(SIGNALS.find((s) => signalNumber(s) === j.status! - 128)!);
    } else state = `Exit ${j.status}`;
    const text = j.status === null && listing ? `${j.text} &` : j.text;
    return `[${j.id}]${this.jobMark(j)}  ${state.padEnd(24)}${text}`;
  }

  async run(input: string, io: ShellLineIO): Promise<number> {
    if (this.exitCode !== null) return this.exitCode;
    const line = this.historyExpand(input, io);
    if (line === null) {
      this.lastStatus = 1;
      return 1;
    }
    if (line.trim() !== '') this.hist.push(line.replace(/\n$/, ''));
    const parsed = parseLine(line);
    if (!parsed.ok) {
      if (parsed.incomplete) {
        io.stderr(`bash: ${parsed.message}\n`);
        if (!parsed.message.startsWith('syntax error')) io.stderr('bash: syntax error: unexpected end of file\n');
      } else io.stderr(`bash: ${parsed.message}\n`);
      this.lastStatus = 2;
      return 2;
    }
    const abort = new Abort(io.signal);
    const exec: Exec = {
      stdin: io.stdin !== undefined ? textInput(io.stdin) : emptyInput(),
      stdout: io.stdout,
      stderr: io.stderr,
      signal: abort.signal,
      tty: io.tty ?? { cols: 80, rows: 24 },
      // someone can stop it: a terminal, or a caller holding an abort signal
      interactive: io.tty !== undefined || io.signal !== undefined,
    };
    try {
      return await this.execScript(parsed.script, exec);
    } catch (e) {
      if (e instanceof ExitRequest) {
        if (this.users.length > 1) {
          // leaving `sudo -i`: back to the login user, the session goes on
          this.users.pop();
          this.cwd = this.homeOf(this.user);
          this.lastStatus = e.code;
          return e.code;
        }
        this.exitCode = e.code;
        return e.code;
      }
      throw e;
    }
  }

  /** `!!` (the previous line) and `!$` (its last word), outside single quotes; bash echoes the result. Null: event not found. */
  private historyExpand(line: string, io: ShellLineIO): string | null {
    if (!/!!|!\$/.test(line)) return line;
    const prev = this.hist[this.hist.length - 1];
    let out = '';
    let changed = false;
    let inSingle = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (c === "'" ) inSingle = !inSingle;
      if (!inSingle && c === '!' && (line[i + 1] === '!' || line[i + 1] === '$')) {
        if (prev === undefined) {
          io.stderr(`bash: ${line.slice(i, i + 2)}: event not found\n`);
          return null;
        }
        out += line[i + 1] === '!' ? prev : (prev.trim().split(/\s+/).pop() ?? '');
        changed = true;
        i++;
        continue;
      }
      out += c;
    }
    if (changed) io.stdout(out + '\n');
    return out;
  }

  // ------------------------------------------------------------ execution

  private async execScript(script: Script, ex: Exec): Promise<number> {
    let status = this.lastStatus;
    for (const item of script) {
      if (item.background) {
        this.startJob(item, ex);
        status = 0;
      } else {
        status = await this.execAndOr(item, ex);
      }
      this.lastStatus = status;
      if (ex.signal.aborted) return status;
    }
    return status;
  }

  private async execAndOr(item: Omit<AndOr, 'background' | 'text'>, ex: Exec, pids?: number[]): Promise<number> {
    let status = await this.execPipeline(item.first, ex, pids);
    for (const { op, pipeline } of item.rest) {
      this.lastStatus = status;
      if (ex.signal.aborted) break;
      if ((op === '&&' && status === 0) || (op === '||' && status !== 0)) status = await this.execPipeline(pipeline, ex, pids);
    }
    return status;
  }

  private startJob(item: AndOr, ex: Exec): void {
    const abort = new Abort();
    const pids = item.first.commands.map(() => this.host.allocatePid());
    const job: Job = { id: this.nextJobId++, pids, text: item.text.replace(/\s*&$/, ''), abort, status: null, killedBy: null, reported: false };
    this.jobs.push(job);
    this.lastBg = pids[pids.length - 1]!;
    ex.stderr(`[${job.id}] ${this.lastBg}\n`);
    const bgEx: Exec = { stdin: emptyInput(), stdout: ex.stdout, stderr: ex.stderr, signal: abort.signal };
    void this.execAndOr(item, bgEx, [...pids])
      .catch((e: unknown) => (e instanceof ExitRequest ? e.code : 1))
      .then((status) => {
        job.status = job.killedBy ? 128 + signalNumber(job.killedBy) : status;
      });
  }

  private async execPipeline(pl: Pipeline, ex: Exec, pids?: number[]): Promise<number> {
    const n = pl.commands.length;
    let status: number;
    if (n === 1) {
      status = await this.execCommand(pl.commands[0]!, ex, pids?.shift());
    } else {
      const stages: Promise<number>[] = [];
      const mates: Mate[] = [];
      let input = ex.stdin;
      const aborts: Abort[] = [];
      for (let i = 0; i < n; i++) {
        const last = i === n - 1;
        const pipe = last ? null : new Pipe();
        const abort = new Abort(ex.signal);
        aborts.push(abort);
        const stageEx: Exec = {
          stdin: input,
          stdout: pipe ? (s) => pipe.write(s) : ex.stdout,
          stderr: ex.stderr,
          signal: abort.signal,
          tty: pipe ? undefined : ex.tty,
          interactive: ex.interactive,
          mates,
        };
        const pid = pids?.shift();
        const run = this.execCommand(pl.commands[i]!, stageEx, pid).finally(() => pipe?.close());
        stages.push(run);
        if (pipe) input = pipe;
      }
      // When the last reader is done, the writers upstream get SIGPIPE.
      void stages[n - 1]!.then(() => aborts.slice(0, -1).forEach((a) => a.abort()));
      const statuses = await Promise.all(stages);
      status = statuses[n - 1]!;
    }
    if (pl.negate) status = status === 0 ? 1 : 0;
    return status;
  }

  private async execCommand(node: CommandNode, ex: Exec, pid?: number): Promise<number> {
    if (node.kind === 'simple') return this.execSimple(node, ex, pid);
    const fds = await this.applyRedirects(node.redirs, ex);
    if (typeof fds === 'string') {
      ex.stderr(fds);
      return 1;
    }
    const inner: Exec = { ...ex, ...fds };
    switch (node.kind) {
      case 'group': {
        if (!node.subshell) return this.execScript(node.body, inner);
        const savedCwd = this.cwd;
        const savedVars = new Map(this.vars);
        try {
          return await this.execScript(node.body, inner);
        } catch (e) {
          if (e instanceof ExitRequest) return e.code;
          throw e;
        } finally {
          this.cwd = savedCwd;
          this.vars = savedVars;
        }
      }
      case 'if': {
        for (const b of node.branches) {
          if ((await this.execScript(b.cond, inner)) === 0) return this.execScript(b.body, inner);
        }
        return node.otherwise ? this.execScript(node.otherwise, inner) : 0;
      }
      case 'for': {
        const items = node.items ? await expandWords(node.items, this.expander(inner)) : [];
        let status = 0;
        for (const v of items.slice(0, this.maxLoops)) {
          if (inner.signal.aborted) return 130;
          this.setVar(node.name, v);
          status = await this.execScript(node.body, inner);
        }
        return status;
      }
      case 'while': {
        let status = 0;
        for (let i = 0; ; i++) {
          if (inner.signal.aborted) return 130;
          if (i >= this.maxLoops) {
            inner.stderr(`bash: loop stopped after ${this.maxLoops} rounds (this lab bounds loops; press Ctrl-C to stop a loop sooner)\n`);
            return 1;
          }
          const c = await this.execScript(node.cond, inner);
          if ((c === 0) === node.until) break;
          status = await this.execScript(node.body, inner);
        }
        return status;
      }
    }
  }

  /** Globbing in the last path component (`*.yaml`, `/etc/*.conf`), as bash with default options. */
  private glob(pattern: string): string[] {
    const slash = pattern.lastIndexOf('/');
    const dirPart = slash >= 0 ? pattern.slice(0, slash + 1) : '';
    const namePart = pattern.slice(slash + 1);
    if (/[*?[]/.test(dirPart) || namePart === '') return [];
    const entries = this.host.fs.readDir(this.resolve(dirPart === '' ? '.' : dirPart));
    if (isFsError(entries)) return [];
    const re = globRegex(namePart);
    return entries.filter((e) => re.test(e) && (namePart.startsWith('.') || !e.startsWith('.'))).sort().map((e) => dirPart + e);
  }

  private expander(ex: Exec): ExpandContext {
    return {
      glob: (pattern) => this.glob(pattern),
      lookup: (name) => this.lookup(name),
      assign: (name, value) => this.setVar(name, value),
      home: this.homeOf(this.user),
      homeOf: (user) => (user === 'root' || user === this.host.user ? this.homeOf(user) : undefined),
      substitute: async (script) => {
        let out = '';
        const sub: Exec = { stdin: emptyInput(), stdout: (s) => (out += s), stderr: ex.stderr, signal: ex.signal, interactive: ex.interactive };
        const savedCwd = this.cwd;
        try {
          this.lastStatus = await this.execScript(script, sub);
        } catch (e) {
          if (!(e instanceof ExitRequest)) throw e;
          this.lastStatus = e.code;
        } finally {
          this.cwd = savedCwd;
        }
        return out;
      },
    };
  }

  private lookup(name: string): string | undefined {
    switch (name) {
      case '?':
        return String(this.lastStatus);
      case '$':
        return String(this.shellPid);
      case '!':
        return this.lastBg === null ? '' : String(this.lastBg);
      case '#':
        return '0';
      case '0':
        return 'bash';
      case '@':
      case '*':
        return '';
      case 'PWD':
        return this.cwd;
      case 'USER':
        return this.users.length > 1 ? this.user : (this.vars.get('USER')?.value ?? this.user);
      case 'HOSTNAME':
        return this.vars.get('HOSTNAME')?.value ?? this.host.hostname;
      case 'RANDOM':
        return String(Math.floor(Math.random() * 32768));
    }
    if (/^[1-9]$/.test(name)) return undefined;
    return this.vars.get(name)?.value;
  }

  private setVar(name: string, value: string, exported?: boolean): void {
    const cur = this.vars.get(name);
    this.vars.set(name, { value, exported: exported ?? cur?.exported ?? false });
  }

  private exportedEnv(extra: Record<string, string> = {}): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [k, v] of this.vars) if (v.exported) env[k] = v.value;
    env['PWD'] = this.cwd;
    if (this.users.length > 1) {
      env['USER'] = this.user;
      env['HOME'] = this.homeOf(this.user);
    }
    return { ...env, ...extra };
  }

  /** Opens a command's redirections in order; a string is bash's error line. */
  private async applyRedirects(redirs: Redirect[], base: Fds, user = this.user): Promise<Fds | string> {
    const fds: Fds = { stdin: base.stdin, stdout: base.stdout, stderr: base.stderr };
    const exp = this.expander({ ...base, signal: new Abort().signal });
    for (const r of redirs) {
      if (r.op === '>&' || r.op === '<&') {
        const src = r.dupFd === 1 ? fds.stdout : r.dupFd === 2 ? fds.stderr : null;
        if (r.op === '<&' || src === null) {
          if (r.dupFd === 0 && r.fd === 0) continue;
          return `bash: ${r.dupFd}: Bad file descriptor\n`;
        }
        if (r.fd === 1) fds.stdout = src;
        else if (r.fd === 2) fds.stderr = src;
        continue;
      }
      if (r.op === '<<') {
        fds.stdin = textInput(await expandToString(r.heredoc ?? [], exp));
        continue;
      }
      const target = await expandToString(r.target ?? [], exp);
      if (r.op === '<<<') {
        fds.stdin = textInput(target + '\n');
        continue;
      }
      if (r.op === '<') {
        if (target === '/dev/null') fds.stdin = emptyInput();
        else if (target === '/dev/stdin') continue;
        else {
          const content = this.host.fs.readFile(this.resolve(target));
          if (!isFsError(content)) fds.stdin = textInput(content);
          else return `bash: ${target}: ${fsMessage(content)}\n`;
        }
        continue;
      }
      // > >> >|
      let writer: Writer;
      if (target === '/dev/null') writer = () => {};
      else if (target === '/dev/stdout') writer = fds.stdout;
      else if (target === '/dev/stderr') writer = fds.stderr;
      else if (target === '/dev/tty') writer = base.stdout;
      else {
        const path = this.resolve(target);
        const denied = this.writeDenied(path, user);
        if (denied) return `bash: ${target}: Permission denied\n`;
        const err = this.host.fs.writeFile(path, '', { append: r.op === '>>', now: this.host.now(), owner: user });
        if (err) return `bash: ${target}: ${fsMessage(err)}\n`;
        writer = (s) => void this.host.fs.writeFile(path, s, { append: true, now: this.host.now(), owner: user });
      }
      if (r.both) {
        fds.stdout = writer;
        fds.stderr = writer;
      } else if (r.fd === 1) fds.stdout = writer;
      else if (r.fd === 2) fds.stderr = writer;
    }
    return fds;
  }

  /** A non-root user may write under its home and /tmp only. */
  private writeDenied(path: string, user: string): boolean {
    if (user === 'root') return false;
    const home = this.homeOf(user);
    return !(path === home || path.startsWith(home + '/') || path.startsWith('/tmp/'));
  }

  private resolve(p: string): string {
    return normalizePath(this.cwd, this.homeOf(this.user), p);
  }

  private async execSimple(cmd: SimpleCommand, ex: Exec, pid?: number): Promise<number> {
    const exp = this.expander(ex);
    const argv = await expandWords(cmd.words, exp);
    const assigns: Record<string, string> = {};
    for (const a of cmd.assigns) assigns[a.name] = await expandToString(a.value, exp);
    const fds = await this.applyRedirects(cmd.redirs, ex);
    if (typeof fds === 'string') {
      ex.stderr(fds);
      return 1;
    }
    if (argv.length === 0) {
      for (const [k, v] of Object.entries(assigns)) this.setVar(k, v);
      // status of the last command substitution, else 0
      return cmd.assigns.some((a) => a.value.some((p) => p.kind === 'cmd')) ? this.lastStatus : 0;
    }
    const tty = fds.stdout === ex.stdout ? ex.tty : undefined;
    const io: CommandIO = { stdin: fds.stdin, stdout: fds.stdout, stderr: fds.stderr, signal: ex.signal, env: this.exportedEnv(assigns), tty, interactive: ex.interactive };
    const myPid = pid ?? this.host.allocatePid();
    const mates = ex.mates ?? [];
    mates.push({ pid: myPid, argv });
    this.currentMates = mates;
    return this.invoke(argv, io, myPid, this.user);
  }

  /** Runs argv: a builtin, a program of the node, or `command not found`. */
  private async invoke(argv: string[], io: CommandIO, pid: number, user: string): Promise<number> {
    const name = argv[0]!;
    const args = argv.slice(1);
    if (BUILTINS.has(name)) return this.builtin(name, args, io, pid, user);
    const prog = this.findProgram(name);
    if (prog === 'missing-path') {
      io.stderr(`bash: ${name}: No such file or directory\n`);
      return 127;
    }
    if (!prog) {
      io.stderr(`bash: ${name}: command not found\n`);
      return 127;
    }
    const ctx = this.contextFor(pid, user);
    try {
      return await prog(args, io, ctx);
    } catch (e) {
      if (e instanceof ExitRequest) throw e;
      io.stderr(`${name}: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    }
  }

  private findProgram(name: string): ShellCommand | undefined | 'missing-path' {
    if (name.includes('/')) {
      const base = name.slice(name.lastIndexOf('/') + 1);
      const dir = name.slice(0, name.lastIndexOf('/'));
      if (/^\/(usr\/)?(local\/)?s?bin$/.test(dir) && PROGRAMS[base]) return PROGRAMS[base];
      return 'missing-path';
    }
    return PROGRAMS[name];
  }

  /** `sh -c LINE` inside this session (watch, sudo sh -c): shares cwd and variables. */
  private async runNested(line: string, io: CommandIO, user: string): Promise<number> {
    const parsed = parseLine(line);
    if (!parsed.ok) {
      io.stderr(`sh: 1: ${parsed.message}\n`);
      return 2;
    }
    const pushed = user !== this.user;
    if (pushed) this.users.push(user);
    try {
      return await this.execScript(parsed.script, { stdin: io.stdin, stdout: io.stdout, stderr: io.stderr, signal: io.signal, tty: io.tty, interactive: io.interactive });
    } catch (e) {
      if (e instanceof ExitRequest) return e.code;
      throw e;
    } finally {
      if (pushed) this.users.pop();
    }
  }

  // ------------------------------------------------------------ builtins

  private async builtin(name: string, args: string[], io: CommandIO, pid: number, user: string): Promise<number> {
    switch (name) {
      case 'true':
      case ':':
        return 0;
      case 'false':
        return 1;
      case 'cd':
        return this.cd(args, io);
      case 'pwd':
        io.stdout(this.cwd + '\n');
        return 0;
      case 'export':
        return this.exportCmd(args, io);
      case 'unset':
        for (const a of args.filter((x) => !x.startsWith('-'))) this.vars.delete(a);
        return 0;
      case 'exit':
      case 'logout': {
        const code = args[0] !== undefined ? Number(args[0]) : this.lastStatus;
        if (args[0] !== undefined && !Number.isInteger(code)) {
          io.stderr(`bash: exit: ${args[0]}: numeric argument required\n`);
          throw new ExitRequest(2);
        }
        throw new ExitRequest(((code % 256) + 256) % 256);
      }
      case 'jobs':
        for (const j of this.jobs.filter((x) => !x.reported)) {
          const text = this.jobLine(j, true);
          io.stdout((args.includes('-l') ? text.replace(/^(\[\d+\][+ -]) {2}/, `$1 ${String(j.pids[j.pids.length - 1]).padStart(5)} `) : text) + '\n');
          if (j.status !== null) j.reported = true;
        }
        return 0;
      case 'fg':
      case 'bg': {
        const live = this.jobs.filter((j) => j.status === null);
        if (live.length === 0) {
          io.stderr(`bash: ${name}: current: no such job\n`);
          return 1;
        }
        if (name === 'bg') {
          io.stderr(`bash: bg: job ${live[live.length - 1]!.id} already in background\n`);
          return 0;
        }
        io.stderr(
          `bash: fg: this lab's shell cannot bring a job to the foreground; it keeps running in the background.\n` +
            `Use "jobs" to see it and "kill %${live[live.length - 1]!.id}" to stop it.\n`,
        );
        return 1;
      }
      case 'wait': {
        const live = this.jobs.filter((j) => j.status === null);
        for (let i = 0; i < 1000 && live.some((j) => j.status === null) && !io.signal.aborted; i++) {
          await this.host.sleep(100, io.signal);
        }
        return io.signal.aborted ? 130 : 0;
      }
      case 'kill':
        return this.kill(args, io, user);
      case 'disown':
        return 0;
      case 'history': {
        if (args[0] === '-c') {
          this.hist.length = 0;
          return 0;
        }
        const n = args[0] !== undefined ? Number(args[0]) : this.hist.length;
        const start = Math.max(0, this.hist.length - n);
        this.hist.slice(start).forEach((l, i) => io.stdout(`${String(start + i + 1).padStart(5)}  ${l}\n`));
        return 0;
      }
      case 'echo':
      case 'printf':
        return PROGRAMS[name]!(args, io, this.contextFor(pid, user));
      case 'type':
        return this.typeCmd(args, io);
      case 'command':
        if (args[0] === '-v') return this.typeCmd(args.slice(1), io, true);
        return args.length ? this.invoke(args, io, pid, user) : 0;
      case 'sudo':
        return this.sudo(args, io, pid);
      case 'su': {
        if (this.user !== 'root') {
          io.stderr('Password: \nsu: Authentication failure\n');
          return 1;
        }
        return 0;
      }
      case 'alias':
      case 'set':
        return 0;
      case 'source':
      case '.': {
        if (!args[0]) {
          io.stderr(`bash: ${name}: filename argument required\n`);
          return 2;
        }
        const text = this.host.fs.readFile(this.resolve(args[0]));
        if (isFsError(text)) {
          io.stderr(`bash: ${args[0]}: ${fsMessage(text)}\n`);
          return 1;
        }
        return this.runNested(text, io, user);
      }
      case 'read': {
        const names = args.filter((a) => !a.startsWith('-'));
        const all = await io.stdin.readAll();
        if (all === '') return 1;
        const line = all.split('\n')[0]!;
        const fields = line.trim().split(/\s+/);
        names.forEach((n, i) => this.setVar(n, i === names.length - 1 ? fields.slice(i).join(' ') : (fields[i] ?? '')));
        if (names.length === 0) this.setVar('REPLY', line);
        return 0;
      }
    }
    return 0;
  }

  private contextFor(pid: number, user: string): ShellContext {
    const mates = this.currentMates;
    return {
      host: this.host,
      cwd: this.cwd,
      user,
      shellPid: this.shellPid,
      pid,
      tty: this.tty,
      resolve: (p) => this.resolve(p),
      run: (line, cio, asUser) => this.runNested(line, cio, asUser ?? user),
      companions: () => {
        const me = { pid: this.shellPid, ppid: this.shellPid - 17, user: this.host.user, argv: ['-bash'], startedAt: this.startedAt };
        return [me, ...mates.map((m) => ({ pid: m.pid, ppid: this.shellPid, user, argv: m.argv, startedAt: this.host.now() }))];
      },
    };
  }

  private cd(args: string[], io: CommandIO): number {
    const target = args[0] === undefined || args[0] === '~' ? this.homeOf(this.user) : args[0] === '-' ? (this.vars.get('OLDPWD')?.value ?? this.cwd) : args[0];
    const path = this.resolve(target);
    const st = this.host.fs.stat(path);
    if (isFsError(st)) {
      io.stderr(`bash: cd: ${target}: ${fsMessage(st)}\n`);
      return 1;
    }
    if (st.kind !== 'dir') {
      io.stderr(`bash: cd: ${target}: Not a directory\n`);
      return 1;
    }
    if (this.user !== 'root' && path.startsWith('/root')) {
      io.stderr(`bash: cd: ${target}: Permission denied\n`);
      return 1;
    }
    this.setVar('OLDPWD', this.cwd, true);
    this.cwd = path;
    if (args[0] === '-') io.stdout(path + '\n');
    return 0;
  }

  private exportCmd(args: string[], io: CommandIO): number {
    const list = args.filter((a) => a !== '-p');
    if (list.length === 0) {
      for (const [k, v] of [...this.vars].sort(([a], [b]) => (a < b ? -1 : 1))) {
        if (v.exported) io.stdout(`declare -x ${k}="${v.value.replace(/(["\\$`])/g, '\\$1')}"\n`);
      }
      return 0;
    }
    let status = 0;
    for (const a of list) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a : a.slice(0, eq);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        io.stderr(`bash: export: \`${a}': not a valid identifier\n`);
        status = 1;
        continue;
      }
      if (eq < 0) this.setVar(name, this.vars.get(name)?.value ?? '', true);
      else this.setVar(name, a.slice(eq + 1), true);
    }
    return status;
  }

  private typeCmd(args: string[], io: CommandIO, short = false): number {
    let status = 0;
    for (const a of args) {
      if (BUILTINS.has(a)) io.stdout(short ? `${a}\n` : `${a} is a shell builtin\n`);
      else if (PROGRAMS[a]) {
        const path = a === 'kube-proxy' ? '/usr/local/bin/kube-proxy' : `/usr/bin/${a}`;
        io.stdout(short ? `${path}\n` : `${a} is ${path}\n`);
      } else {
        if (!short) io.stderr(`bash: type: ${a}: not found\n`);
        status = 1;
      }
    }
    return status;
  }

  private async sudo(args: string[], io: CommandIO, pid: number): Promise<number> {
    const rest = [...args];
    let target = 'root';
    while (rest[0]?.startsWith('-')) {
      const o = rest.shift()!;
      if (o === '-u') target = rest.shift() ?? 'root';
      else if (o === '-i' || o === '-s') {
        if (rest.length === 0) {
          this.users.push(target);
          if (o === '-i') this.cwd = this.homeOf(target);
          return 0;
        }
      } else if (o === '-E' || o === '-H' || o === '-n' || o === '-k') continue;
      else if (o === '--') break;
      else {
        io.stderr(`sudo: invalid option -- '${o.replace(/^-+/, '')}'\nusage: sudo [-u user] command\n`);
        return 1;
      }
    }
    if (rest.length === 0) {
      io.stderr('usage: sudo -h | -K | -k | -V\nusage: sudo -v [-ABkNnS] [-g group] [-h host] [-p prompt] [-u user]\nusage: sudo [-ABbEHkNnPS] [-C num] [-D directory] [-g group] [-h host] [-p prompt] [-R directory] [-T timeout] [-u user] [VAR=value] [-i | -s] [<command>]\n');
      return 1;
    }
    if ((rest[0] === 'su' || rest[0] === 'bash' || rest[0] === '-i') && rest.length <= 2 && (rest[1] === undefined || rest[1] === '-')) {
      this.users.push(target);
      this.cwd = this.homeOf(target);
      return 0;
    }
    const name = rest[0]!;
    if (!BUILTINS.has(name) && !this.findProgram(name)) {
      io.stderr(`sudo: ${name}: command not found\n`);
      return 1;
    }
    if (name === 'cd') {
      io.stderr(`sudo: cd: command not found\nsudo: "cd" is a shell built-in command, it cannot be run directly.\n`);
      return 1;
    }
    return this.invoke(rest, io, pid, target);
  }

  private async kill(args: string[], io: CommandIO, user: string): Promise<number> {
    let sig: SignalName = 'TERM';
    const rest = [...args];
    if (rest[0] === '-l' || rest[0] === '-L') {
      io.stdout(' 1) SIGHUP\t 2) SIGINT\t 3) SIGQUIT\t 4) SIGILL\t 5) SIGTRAP\n 6) SIGABRT\t 7) SIGBUS\t 8) SIGFPE\t 9) SIGKILL\t10) SIGUSR1\n11) SIGSEGV\t12) SIGUSR2\t13) SIGPIPE\t14) SIGALRM\t15) SIGTERM\n');
      return 0;
    }
    if (rest[0] === '-s' || rest[0] === '-n') {
      rest.shift();
      const spec = rest.shift() ?? '';
      const s = signalFromSpec(spec);
      if (!s) {
        io.stderr(`bash: kill: ${spec}: invalid signal specification\n`);
        return 1;
      }
      sig = s;
    } else if (rest[0]?.startsWith('-') && rest[0] !== '--') {
      const spec = rest.shift()!.slice(1);
      const s = signalFromSpec(spec);
      if (!s) {
        io.stderr(`bash: kill: ${spec}: invalid signal specification\n`);
        return 1;
      }
      sig = s;
    }
    if (rest[0] === '--') rest.shift();
    if (rest.length === 0) {
      io.stderr('kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]\n');
      return 2;
    }
    let status = 0;
    for (const target of rest) {
      if (target.startsWith('%')) {
        const job = this.findJob(target);
        if (!job) {
          io.stderr(`bash: kill: ${target}: no such job\n`);
          status = 1;
          continue;
        }
        this.killJob(job, sig, user);
        continue;
      }
      if (!/^-?\d+$/.test(target)) {
        io.stderr(`bash: kill: ${target}: arguments must be process or job IDs\n`);
        status = 1;
        continue;
      }
      const pid = Number(target);
      const job = this.jobs.find((j) => j.status === null && j.pids.includes(pid));
      if (job && !this.host.processes().some((p) => p.pid === pid)) {
        this.killJob(job, sig, user);
        continue;
      }
      const r = this.host.kill(pid, sig, user);
      if (r === 'no-such-process') {
        io.stderr(`bash: kill: (${pid}) - No such process\n`);
        status = 1;
      } else if (r === 'not-permitted') {
        io.stderr(`bash: kill: (${pid}) - Operation not permitted\n`);
        status = 1;
      }
    }
    // let the killed jobs settle so their notice shows at the next prompt
    for (let i = 0; i < 20; i++) await Promise.resolve();
    return status;
  }

  private findJob(spec: string): Job | undefined {
    const live = this.jobs.filter((j) => j.status === null);
    if (spec === '%' || spec === '%%' || spec === '%+') return live[live.length - 1];
    if (spec === '%-') return live[live.length - 2];
    const n = Number(spec.slice(1));
    if (Number.isInteger(n)) return live.find((j) => j.id === n);
    const prefix = spec.slice(1);
    return live.find((j) => j.text.startsWith(prefix));
  }

  private killJob(job: Job, sig: SignalName, user: string): void {
    if (sig === 'CONT' || sig === 'STOP') return;
    job.killedBy = sig;
    const procs = new Set(this.host.processes().map((p) => p.pid));
    for (const pid of job.pids) if (procs.has(pid)) this.host.kill(pid, sig, user);
    job.abort.abort();
  }
}
