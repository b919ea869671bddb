// The node shell's contract with the node it runs on.
//
// The shell (parser, job control, the commands the articles use) is pure and
// stateless about the cluster: everything it shows about a node — processes,
// sockets, iptables rules, conntrack, addresses, files, the time, what answers
// a curl — it asks of a ShellHost. The sim runtime (core/lab/node) implements
// ShellHost for every simulated node; the docker backend uses real shells.
//
// Conventions: every value here is plain data (serialisable), times are
// simulated epoch milliseconds, text is `\n`-terminated lines.

import type { Ruleset } from '../../engine/iptables/model.js';

// ---------------------------------------------------------------- commands

/** The part of AbortSignal the shell uses (the pure core has no DOM lib); a real AbortSignal fits. */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** Where a command reads its input: a file, a pipe, a here-doc, or nothing. */
export interface InputStream {
  /** The next chunk, or null at end of input. Waits while a pipe's writer is still running. */
  read(): Promise<string | null>;
  /** Everything up to end of input. */
  readAll(): Promise<string>;
}

/** What every command (built-in, program, kubectl) gets. */
export interface CommandIO {
  stdin: InputStream;
  stdout(s: string): void;
  stderr(s: string): void;
  /** Aborted by Ctrl-C, by the terminal closing, or when the pipe reader has gone. */
  signal: AbortSignalLike;
  /** The shell's environment as the command sees it (exported variables). */
  env: Readonly<Record<string, string>>;
  /** Terminal size when the command's output goes to a terminal (absent in a pipe or a file: curl then shows its progress meter, ls one name a line). */
  tty?: { cols: number; rows: number };
  /** A person at the terminal can press Ctrl-C (`watch` refuses to start without one). */
  interactive?: boolean;
}

/** A command: argv without its name, exit status as bash reports it. */
export type Command = (args: string[], io: CommandIO) => Promise<number>;

// ---------------------------------------------------------------- processes

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** Login name (`root`, `lab`); ps truncates long names to `eksus+`. */
  user: string;
  /** argv as `ps -ef` prints in CMD: `/usr/local/bin/kube-proxy --config=… --hostname-override=k8s1`. */
  argv: string[];
  /** Short name as lsof/ss show it (`kube-proxy`, `python`, `nc`). */
  comm: string;
  /** Simulated epoch ms when it started (ps STIME/START). */
  startedAt: number;
  /** `?` for daemons, `pts/0` for a terminal's children. */
  tty: string;
  /** CPU time used so far, ms (ps TIME). */
  cpuMs: number;
  /** ps aux columns; defaults are made up by the shell when absent. */
  vszKb?: number;
  rssKb?: number;
  /** `S`, `Ssl`, `R+` as `ps aux` STAT shows. */
  stat?: string;
}

/** Signals kill understands by name or number. */
export type SignalName = 'HUP' | 'INT' | 'QUIT' | 'KILL' | 'TERM' | 'STOP' | 'CONT' | 'USR1' | 'USR2';

/** `ok`, or why kill(2) failed, as bash words it (`No such process`, `Operation not permitted`). */
export type KillOutcome = 'ok' | 'no-such-process' | 'not-permitted';

/** How a process ended: an exit status, or the signal that killed it. */
export type ProcessExit = { code: number } | { signal: SignalName };

/** Programs the host can start on request of the shell (they listen on a port). */
export type ListenerProgram =
  /** `python -m SimpleHTTPServer PORT` (Python 2) — serves a directory listing. */
  | { kind: 'python2-simplehttpserver'; port: number }
  /** `python3 -m http.server PORT [--bind ADDR]` — serves a directory listing. */
  | { kind: 'python3-http.server'; port: number; bind?: string }
  /** `nc -l -p PORT` (or `nc -l PORT`) — accepts one connection, prints what it receives. */
  | { kind: 'nc-listen'; port: number; udp?: boolean };

export interface SpawnRequest {
  program: ListenerProgram;
  /** Exactly as typed (ps CMD shows it): `['python', '-m', 'SimpleHTTPServer', '30450']`. */
  argv: string[];
  /** Effective user (`root` after sudo). */
  user: string;
  /** The shell's pid (the new process's ppid). */
  ppid: number;
  /** The pid to give it (the shell allocates it first, to print `[1] 123578` at once); the host picks one if absent. */
  pid?: number;
  /** `pts/0` for a terminal, `?` otherwise. */
  tty: string;
  /** Working directory: http.server lists it. */
  cwd: string;
  /** Where the program's own output goes: its start line (`Serving HTTP on 0.0.0.0 port 30450 ...`, printed by the host, which knows the bound address), request log lines, nc's received bytes. */
  stdout(s: string): void;
  stderr(s: string): void;
}

export type SpawnResult =
  | { ok: true; pid: number; /** Resolves when the process ends (killed, or exits). */ exited: Promise<ProcessExit> }
  /** The bind failed: the shell prints the program's own error (Python's traceback ending in `OSError: [Errno 98] Address already in use`). */
  | { ok: false; error: 'address-in-use' | 'permission-denied'; pid: number };

// ---------------------------------------------------------------- sockets

export interface SocketInfo {
  proto: 'tcp' | 'udp';
  /** `IPv4` or `IPv6` socket (lsof TYPE); a v6 `*:30450` listener also accepts v4. */
  family: 4 | 6;
  /** `0.0.0.0`, `::`, `127.0.0.1`, `*` is printed for the wildcard. */
  localAddress: string;
  localPort: number;
  remoteAddress?: string;
  remotePort?: number;
  /** TCP: `LISTEN`, `ESTABLISHED`, `TIME_WAIT`…; UDP: `UNCONN` (ss) / empty (netstat). */
  state: string;
  pid: number;
  /** File descriptor number (lsof FD `9u`, ss `fd=9`). */
  fd: number;
  /** Socket inode (lsof DEVICE). */
  inode: number;
}

// ---------------------------------------------------------------- conntrack

/** One conntrack entry as `conntrack -L` prints it. */
export interface ConntrackEntryView {
  proto: 'tcp' | 'udp' | 'icmp' | 'sctp';
  /** Seconds left before it expires. */
  timeout: number;
  /** TCP state (`ESTABLISHED`, `TIME_WAIT`, `SYN_SENT`…); absent for udp/icmp. */
  state?: string;
  original: { src: string; dst: string; sport?: number; dport?: number };
  reply: { src: string; dst: string; sport?: number; dport?: number };
  /** `[UNREPLIED]` appears after the original tuple. */
  unreplied?: boolean;
  /** `[ASSURED]` appears after the reply tuple. */
  assured?: boolean;
  mark: number;
  use?: number;
}

/** A `conntrack -D` filter: every field present must match (original direction unless noted). */
export interface ConntrackFilter {
  proto?: string;
  src?: string;
  dst?: string;
  sport?: number;
  dport?: number;
  /** `--reply-src` / `--reply-dst` (`-r`/`-q`). */
  replySrc?: string;
  replyDst?: string;
  state?: string;
  mark?: number;
}

export interface ConntrackAccess {
  list(family: 4 | 6): ConntrackEntryView[];
  /** Deletes matching entries, returns how many. */
  delete(filter: ConntrackFilter, family: 4 | 6): number;
  /** Empties the table (all families). */
  flush(): void;
}

// ---------------------------------------------------------------- network

export interface InterfaceInfo {
  index: number;
  /** `lo`, `eth0`, `cni0`, `vethXXXX@if3` names as `ip addr` prints them (without `@ifN`). */
  name: string;
  /** `@if3` for veths. */
  peer?: string;
  flags: string[];
  mtu: number;
  qdisc?: string;
  state: 'UP' | 'DOWN' | 'UNKNOWN';
  linkType: 'loopback' | 'ether';
  mac: string;
  brd?: string;
  /** Bridge port's master (`master cni0`). */
  master?: string;
  addresses: {
    family: 4 | 6;
    /** `10.244.0.1/24` */
    cidr: string;
    brd?: string;
    scope: 'host' | 'link' | 'global';
    /** Printed at the end of the inet line: `eth0`, `lo`. */
    label?: string;
    dynamic?: boolean;
  }[];
}

export interface RouteInfo {
  /** `default` or a CIDR. */
  dst: string;
  via?: string;
  dev: string;
  proto?: string;
  scope?: string;
  src?: string;
  metric?: number;
  /** `onlink`, `linkdown`. */
  flags?: string[];
}

// ---------------------------------------------------------------- traffic

/** One HTTP request as curl sends it. */
export interface HttpRequest {
  /** As written in the URL; the host resolves `localhost`, node names, IPs. */
  host: string;
  port: number;
  scheme: 'http' | 'https';
  method: string;
  /** `/`, `/index.html` */
  path: string;
  headers: [string, string][];
  body?: string;
  /** `-m SECS` in ms; curl's connect default is long (the host may cap it). */
  timeoutMs?: number;
  /** Effective user and pid of the curl process (for conntrack and socket tables). */
  user: string;
}

/** What came back, or why curl gave up (it maps each to its exit code and message). */
export type ConnectResult =
  | {
      kind: 'response';
      /** Resolved address and port actually connected to (for `-v`: `Connected to localhost (127.0.0.1) port 30450`). */
      remote: { ip: string; port: number };
      httpVersion: '1.0' | '1.1';
      status: number;
      reason: string;
      headers: [string, string][];
      body: string;
    }
  /** curl: (6) Could not resolve host: NAME */
  | { kind: 'unresolved' }
  /** curl: (7) Failed to connect to HOST port P after N ms: Couldn't connect to server (RST came back). */
  | { kind: 'refused'; remote: { ip: string; port: number }; elapsedMs: number }
  /** curl: (7) … No route to host / Network is unreachable (ICMP or no route). */
  | { kind: 'unreachable'; remote: { ip: string; port: number }; elapsedMs: number; reason: 'no-route' | 'net-unreachable' }
  /** curl: (28) Connection timed out after N milliseconds (nobody answered before timeoutMs). */
  | { kind: 'timeout'; remote: { ip: string; port: number }; elapsedMs: number }
  /** curl: (52) Empty reply from server / (56) Recv failure: Connection reset by peer. */
  | { kind: 'empty-reply' | 'reset'; remote: { ip: string; port: number } };

// ---------------------------------------------------------------- files

export type FsErrorCode = 'ENOENT' | 'EISDIR' | 'ENOTDIR' | 'EACCES' | 'EEXIST' | 'ENOTEMPTY';

export interface FsStat {
  kind: 'file' | 'dir';
  size: number;
  /** Simulated epoch ms. */
  mtime: number;
  /** `rw-r--r--` style, owner, group (for `ls -l`). */
  mode: number;
  owner: string;
}

/** The node's in-memory filesystem (`createMemoryFs()` in core/lab/shell/fs-memory.ts implements it). Paths are absolute and normalised by the shell. A result that is one of the FsErrorCode strings is an error (use `isFsError`). */
export interface ShellFs {
  stat(path: string): FsStat | FsErrorCode;
  readFile(path: string): string | FsErrorCode;
  /** Creates or truncates (or appends); the parent directory must exist. */
  writeFile(path: string, data: string, opts?: { append?: boolean; now?: number; owner?: string }): FsErrorCode | null;
  /** Entry names (not paths), sorted. */
  readDir(path: string): string[] | FsErrorCode;
  mkdir(path: string, opts?: { parents?: boolean; now?: number; owner?: string }): FsErrorCode | null;
  remove(path: string, opts?: { recursive?: boolean }): FsErrorCode | null;
}

const FS_ERROR_CODES: readonly string[] = ['ENOENT', 'EISDIR', 'ENOTDIR', 'EACCES', 'EEXIST', 'ENOTEMPTY'];

/** Tells an error code from a file's content (a file whose whole content is `ENOENT` reads as an error: a known, accepted ambiguity). */
export function isFsError(v: unknown): v is FsErrorCode {
  return typeof v === 'string' && FS_ERROR_CODES.includes(v);
}

// ---------------------------------------------------------------- the node

export interface ShellHost {
  /** `k8s1`, `chainlab-worker` (prompt, `hostname`). */
  readonly hostname: string;
  /** Login user of the shell: `root` (prompt `#`) or `lab` (prompt `$`, `sudo` elevates). */
  readonly user: string;
  /** Home directory of `user` (`/root`, `/home/lab`): `~` in the prompt. */
  readonly home: string;
  /** The login environment (PATH, HOME, USER, HOSTNAME, SHELL, TERM, KUBECONFIG…). */
  env(): Record<string, string>;

  /** Simulated time, epoch ms. */
  now(): number;
  /** Waits `ms` of simulated time; resolves false if the signal aborted first. */
  sleep(ms: number, signal: AbortSignalLike): Promise<boolean>;

  /** Allocates a pid for a shell-run program (the shell itself, curl, sleep) so `$$`, `$!` and ps look real. */
  allocatePid(): number;
  /** Every process on the node, by pid. Includes the shell's own and background jobs. */
  processes(): ProcessInfo[];
  /** kill(2): the host decides what a signal does (kube-proxy stops syncing on KILL; kubelet may restart it). */
  kill(pid: number, signal: SignalName, asUser: string): KillOutcome;
  /** Starts a known listening program; the process is in `processes()` until it ends. */
  spawn(req: SpawnRequest): SpawnResult;
  /** Open sockets on the node (listening and connected), for lsof/ss/netstat. */
  sockets(): SocketInfo[];

  /** The installed ruleset (read back, not kube-proxy's desired one). */
  getRuleset(family: 4 | 6): Ruleset;
  /** Installs a ruleset (iptables -A/-D/…, iptables-restore); it takes effect for the next packet. */
  setRuleset(family: 4 | 6, ruleset: Ruleset): void;
  /** Version shown by `iptables -V` and in `iptables-save` headers: `1.8.7` with backend `nf_tables` or `legacy`. */
  readonly iptablesVersion: { version: string; backend: 'nf_tables' | 'legacy' };

  readonly conntrack: ConntrackAccess;
  interfaces(): InterfaceInfo[];
  routes(family: 4 | 6): RouteInfo[];

  readonly fs: ShellFs;

  /** One HTTP exchange from this node, through the node's rules (trace) and whatever really receives it. */
  connect(req: HttpRequest, signal: AbortSignalLike): Promise<ConnectResult>;

  /** kubectl as the node's kubeconfig allows (the kubectl engineer's runKubectl against the cluster). */
  kubectl(args: string[], io: CommandIO): Promise<number>;
}

// ---------------------------------------------------------------- the shell's entry points

/** Output side of a whole command line (what a terminal would show). */
export interface ShellLineIO {
  stdout(s: string): void;
  stderr(s: string): void;
  /** Ctrl-C / terminal closed: the running foreground command stops (`watch`, `kubectl get -w`, `curl`). */
  signal?: AbortSignalLike;
  /** Input for the line's first command (absent: empty). */
  stdin?: string;
  /** The terminal's size; absent: output is still formatted for an 80x24 terminal (what `chainlab exec` shows); without a signal either, nobody can interrupt, so `watch` refuses. */
  tty?: { cols: number; rows: number };
}

/** A shell session with state (env, cwd, history, jobs) across lines. */
export interface ShellSession {
  readonly host: ShellHost;
  /** `root@k8s1:~# ` or `lab@k8s1:~$ ` for the current cwd. */
  prompt(): string;
  /** Runs one command line; resolves with `$?`. */
  run(line: string, io: ShellLineIO): Promise<number>;
  /** Lines run so far (for `history` and up/down in the terminal). */
  readonly history: readonly string[];
  /** Set once `exit` ran: the session's final status. */
  readonly exited: number | null;
  /** Tab completion: the candidates for the word that ends `beforeCursor` (commands first in a line, else paths). */
  complete?(beforeCursor: string): string[];
  /** Background job notices that became due (`[1]+  Killed   python -m …`), printed before the next prompt. */
  takeNotices(): string;
}

/** `runShellLine(host, line, io)` — one command line in a fresh session (as `chainlab exec NODE -- CMD`). Exported from core/lab/shell/index.ts. */
export type RunShellLine = (host: ShellHost, line: string, io: ShellLineIO) => Promise<number>;
