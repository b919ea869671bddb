// A small ShellHost for the shell's tests: one node with a process table,
// sockets, rules, conntrack, files and scripted curl answers. Time only moves
// when a command sleeps (instantly), so tests are deterministic.

import type {
  AbortSignalLike, CommandIO, ConnectResult, ConntrackEntryView, HttpRequest, InterfaceInfo, ProcessExit, ProcessInfo,
  RouteInfo, ShellHost, SignalName, SocketInfo, SpawnRequest, SpawnResult,
} from '../../../../core/lab/shell/host.js';
import { createMemoryFs, type MemoryFs } from '../../../../core/lab/shell/fs-memory.js';
import type { Ruleset } from '../../../../core/engine/iptables/model.js';

interface LiveProcess extends ProcessInfo {
  resolveExit?: (e: ProcessExit) => void;
}

export interface FakeHostOptions {
  user?: string;
  hostname?: string;
  now?: number;
}

export class FakeHost implements ShellHost {
  readonly hostname: string;
  readonly user: string;
  readonly home: string;
  readonly fs: MemoryFs;
  readonly iptablesVersion = { version: '1.8.7', backend: 'nf_tables' as const };
  clock: number;
  private nextPid = 123570;
  procs: LiveProcess[] = [];
  socks: SocketInfo[] = [];
  rules: Record<4 | 6, Ruleset> = { 4: { tables: [] }, 6: { tables: [] } };
  ct: ConntrackEntryView[] = [];
  /** curl answers by `host:port`. */
  answers = new Map<string, ConnectResult>();
  requests: HttpRequest[] = [];
  kubectlCalls: string[][] = [];
  kubectlImpl: (args: string[], io: CommandIO) => Promise<number> = async (args, io) => {
    io.stdout(`kubectl ${args.join(' ')}\n`);
    return 0;
  };

  constructor(opts: FakeHostOptions = {}) {
    this.hostname = opts.hostname ?? 'k8s1';
    this.user = opts.user ?? 'root';
    this.home = this.user === 'root' ? '/root' : `/home/${this.user}`;
    this.clock = opts.now ?? Date.UTC(2025, 2, 28, 6, 31, 55);
    this.fs = createMemoryFs({ users: [this.user], now: this.clock });
    this.procs.push({
      pid: 11558, ppid: 11539, user: 'root', comm: 'kube-proxy', tty: '?', startedAt: this.clock - 5 * 86400000, cpuMs: 397000,
      argv: ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf', '--hostname-override=k8s1'],
    });
    this.socks.push({ proto: 'tcp', family: 6, localAddress: '::', localPort: 30450, state: 'LISTEN', pid: 11558, fd: 9, inode: 95841832 });
  }

  env(): Record<string, string> {
    return { HOME: this.home, USER: this.user, PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', SHELL: '/bin/bash', TERM: 'xterm-256color' };
  }

  now(): number {
    return this.clock;
  }

  /** When set, sleeps last until aborted (a job that stays running). */
  sleepsHang = false;

  async sleep(ms: number, signal: AbortSignalLike): Promise<boolean> {
    if (signal.aborted) return false;
    if (this.sleepsHang) {
      await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
      return false;
    }
    await Promise.resolve();
    if (signal.aborted) return false;
    this.clock += ms;
    return true;
  }

  allocatePid(): number {
    return ++this.nextPid;
  }

  processes(): ProcessInfo[] {
    return this.procs.map(({ resolveExit: _r, ...p }) => p);
  }

  kill(pid: number, signal: SignalName, asUser: string): 'ok' | 'no-such-process' | 'not-permitted' {
    const p = this.procs.find((x) => x.pid === pid);
    if (!p) return 'no-such-process';
    if (asUser !== 'root' && p.user !== asUser) return 'not-permitted';
    if (signal === 'CONT' || signal === 'STOP') return 'ok';
    this.procs = this.procs.filter((x) => x !== p);
    this.socks = this.socks.filter((s) => s.pid !== pid);
    p.resolveExit?.({ signal });
    return 'ok';
  }

  spawn(req: SpawnRequest): SpawnResult {
    const pid = req.pid ?? this.allocatePid();
    const port = req.program.port;
    if (this.socks.some((s) => s.localPort === port && s.state === 'LISTEN')) return { ok: false, error: 'address-in-use', pid };
    let resolveExit: (e: ProcessExit) => void = () => {};
    const exited = new Promise<ProcessExit>((r) => (resolveExit = r));
    const comm = req.argv[0]!.split('/').pop()!;
    this.procs.push({ pid, ppid: req.ppid, user: req.user, comm, tty: req.tty, startedAt: this.clock, cpuMs: 0, argv: req.argv, resolveExit });
    const v6 = false;
    this.socks.push({ proto: 'tcp', family: v6 ? 6 : 4, localAddress: v6 ? '::' : '0.0.0.0', localPort: port, state: 'LISTEN', pid, fd: 3, inode: 95854834 });
    if (req.program.kind === 'python2-simplehttpserver') req.stdout(`Serving HTTP on 0.0.0.0 port ${port} ...\n`);
    return { ok: true, pid, exited };
  }

  sockets(): SocketInfo[] {
    return this.socks;
  }

  getRuleset(family: 4 | 6): Ruleset {
    return this.rules[family];
  }

  setRuleset(family: 4 | 6, ruleset: Ruleset): void {
    this.rules[family] = ruleset;
  }

  readonly conntrack = {
    list: (family: 4 | 6): ConntrackEntryView[] => this.ct.filter((e) => e.original.src.includes(':') === (family === 6)),
    delete: (filter: { src?: string; dst?: string; proto?: string; dport?: number }): number => {
      const before = this.ct.length;
      this.ct = this.ct.filter(
        (e) => !((filter.src === undefined || e.original.src === filter.src) && (filter.dst === undefined || e.original.dst === filter.dst) && (filter.proto === undefined || e.proto === filter.proto) && (filter.dport === undefined || e.original.dport === filter.dport)),
      );
      return before - this.ct.length;
    },
    flush: (): void => {
      this.ct = [];
    },
  };

  interfaces(): InterfaceInfo[] {
    return [
      { index: 1, name: 'lo', flags: ['LOOPBACK', 'UP', 'LOWER_UP'], mtu: 65536, qdisc: 'noqueue', state: 'UNKNOWN', linkType: 'loopback', mac: '00:00:00:00:00:00', brd: '00:00:00:00:00:00',
        addresses: [{ family: 4, cidr: '127.0.0.1/8', scope: 'host', label: 'lo' }, { family: 6, cidr: '::1/128', scope: 'host' }] },
      { index: 2, name: 'eth0', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], mtu: 1500, qdisc: 'noqueue', state: 'UP', linkType: 'ether', mac: '02:42:c0:a8:31:02', brd: 'ff:ff:ff:ff:ff:ff',
        addresses: [{ family: 4, cidr: '192.168.49.2/24', brd: '192.168.49.255', scope: 'global', label: 'eth0' }] },
      { index: 3, name: 'cni0', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], mtu: 1500, qdisc: 'noqueue', state: 'UP', linkType: 'ether', mac: '6a:1f:3e:55:02:11', brd: 'ff:ff:ff:ff:ff:ff',
        addresses: [{ family: 4, cidr: '10.244.0.1/24', brd: '10.244.0.255', scope: 'global', label: 'cni0' }] },
    ];
  }

  routes(family: 4 | 6): RouteInfo[] {
    if (family === 6) return [{ dst: '::1', dev: 'lo', proto: 'kernel', metric: 256 }];
    return [
      { dst: 'default', via: '192.168.49.1', dev: 'eth0' },
      { dst: '10.244.0.0/24', dev: 'cni0', proto: 'kernel', scope: 'link', src: '10.244.0.1' },
      { dst: '10.244.1.0/24', via: '192.168.49.3', dev: 'eth0' },
      { dst: '192.168.49.0/24', dev: 'eth0', proto: 'kernel', scope: 'link', src: '192.168.49.2' },
    ];
  }

  async connect(req: HttpRequest): Promise<ConnectResult> {
    this.requests.push(req);
    const host = req.host === 'localhost' ? '127.0.0.1' : req.host;
    return this.answers.get(`${host}:${req.port}`) ?? { kind: 'refused', remote: { ip: host, port: req.port }, elapsedMs: 0 };
  }

  async kubectl(args: string[], io: CommandIO): Promise<number> {
    this.kubectlCalls.push(args);
    return this.kubectlImpl(args, io);
  }
}

/** Runs lines in one session and returns what the terminal would show. */
export async function runLines(shell: { run(line: string, io: { stdout(s: string): void; stderr(s: string): void; tty?: { cols: number; rows: number } }): Promise<number> }, ...ls: string[]): Promise<{ out: string; err: string; all: string; status: number }> {
  let out = '';
  let err = '';
  let all = '';
  let status = 0;
  for (const l of ls) {
    status = await shell.run(l, {
      stdout: (s) => {
        out += s;
        all += s;
      },
      stderr: (s) => {
        err += s;
        all += s;
      },
    });
  }
  return { out, err, all, status };
}
