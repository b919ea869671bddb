// ShellHost for a simulated node: what the node shell (core/lab/shell) sees
// and changes — processes, sockets, the installed rules, conntrack, addresses,
// files, curl's answers, kubectl — all backed by the sim runtime's state.

import type {
  AbortSignalLike, CommandIO, ConnectResult, ConntrackAccess, ConntrackEntryView, ConntrackFilter, HttpRequest, InterfaceInfo,
  KillOutcome, ProcessInfo, RouteInfo, ShellFs, ShellHost, SignalName, SocketInfo, SpawnRequest, SpawnResult, ProcessExit,
} from '../shell/host.js';
import type { Ruleset } from '../../engine/iptables/model.js';
import { canonicalize, cloneRuleset, saveRuleset } from '../../engine/iptables/index.js';
import type { ConntrackEntry } from '../../engine/packet/index.js';
import { runKubectl } from '../kubectl/index.js';
import type { SimRuntime } from '../sim/runtime.js';
import type { NodeState } from './state.js';
import { addSocket } from './base.js';
import { bridgeAddress, connect, podIP } from './traffic.js';

export interface NodeHostOptions {
  /** Login user (`root` default; `lab` gets a `$` prompt and uses sudo). */
  user?: string;
}

export class NodeShellHost implements ShellHost {
  readonly hostname: string;
  readonly user: string;
  readonly home: string;
  readonly iptablesVersion: { version: string; backend: 'nf_tables' | 'legacy' };
  readonly conntrack: ConntrackAccess;

  constructor(private rt: SimRuntime, private node: NodeState, opts: NodeHostOptions = {}) {
    this.hostname = node.name;
    this.user = opts.user ?? 'root';
    this.home = this.user === 'root' ? '/root' : `/home/${this.user}`;
    this.iptablesVersion = rt.release.minor < 24 ? { version: '1.8.4', backend: 'legacy' } : { version: '1.8.7', backend: 'nf_tables' };
    this.conntrack = conntrackAccess(rt, node);
  }

  get fs(): ShellFs { return this.rt.fsOf(this.node); }

  env(): Record<string, string> {
    return {
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: this.home, USER: this.user, LOGNAME: this.user, HOSTNAME: this.node.name, SHELL: '/bin/bash',
      TERM: 'xterm-256color', LANG: 'C.UTF-8', PWD: this.home,
      KUBECONFIG: this.user === 'root' ? '/etc/kubernetes/admin.conf' : `${this.home}/.kube/config`,
    };
  }

  now(): number { return this.rt.now(); }

  sleep(ms: number, signal: AbortSignalLike): Promise<boolean> {
    return this.rt.sleep(ms, signal).then((done) => { this.rt.catchUp(); return done; });
  }

  allocatePid(): number { return this.rt.allocatePid(this.node); }

  processes(): ProcessInfo[] {
    this.rt.catchUp();
    const now = this.rt.now();
    return this.node.processes.map((p) => ({
      pid: p.pid, ppid: p.ppid, user: p.user, argv: [...p.argv], comm: p.comm, startedAt: p.startedAt, tty: p.tty,
      // Daemons accumulate CPU time as they run (ps TIME).
      cpuMs: p.role === 'kube-proxy' || p.role === 'system' ? p.cpuMs + Math.floor((now - p.startedAt) / 400) : p.cpuMs,
      ...(p.vszKb !== undefined ? { vszKb: p.vszKb } : {}), ...(p.rssKb !== undefined ? { rssKb: p.rssKb } : {}), ...(p.stat !== undefined ? { stat: p.stat } : {}),
    }));
  }

  kill(pid: number, signal: SignalName, asUser: string): KillOutcome {
    this.rt.catchUp();
    const p = this.node.processes.find((x) => x.pid === pid);
    if (!p) return 'no-such-process';
    if (asUser !== 'root' && asUser !== p.user) return 'not-permitted';
    if (signal === 'STOP' || signal === 'CONT' || signal === 'USR1' || signal === 'USR2') return 'ok';
    if (pid === 1) return 'ok'; // init ignores signals it has no handler for
    if (p.role === 'kube-proxy') {
      this.rt.killKubeProxy(this.node, signal === 'KILL' ? 'KILL' : signal === 'INT' ? 'INT' : 'TERM');
      return 'ok';
    }
    if (p.role === 'listener') {
      this.rt.endListener(this.node, pid, { signal });
      return 'ok';
    }
    if (p.role === 'container' && p.pod) {
      this.rt.containerDied(this.node, p.pod, signal === 'KILL' ? 137 : 143);
      return 'ok';
    }
    this.node.processes = this.node.processes.filter((x) => x.pid !== pid);
    this.node.sockets = this.node.sockets.filter((s) => s.pid !== pid);
    return 'ok';
  }

  spawn(req: SpawnRequest): SpawnResult {
    this.rt.catchUp();
    const prog = req.program;
    const proto = prog.kind === 'nc-listen' && prog.udp ? 'udp' : 'tcp';
    const bind = prog.kind === 'python3-http.server' ? prog.bind : undefined;
    const pid = this.rt.allocatePid(this.node);
    if (prog.port < 1024 && req.user !== 'root') return { ok: false, error: 'permission-denied', pid };
    const clash = this.node.sockets.some((s) => s.proto === proto && s.localPort === prog.port
      && (proto === 'udp' || s.state === 'LISTEN')
      && (bind === undefined || s.localAddress === '*' || s.localAddress === '0.0.0.0' || s.localAddress === '::' || s.localAddress === bind));
    if (clash) return { ok: false, error: 'address-in-use', pid };
    const comm = prog.kind === 'nc-listen' ? 'nc' : (req.argv[0] ?? 'python').split('/').pop()!;
    this.node.processes.push({
      pid, ppid: req.ppid, user: req.user, argv: [...req.argv], comm: comm.slice(0, 15), startedAt: this.rt.now(), tty: req.tty, cpuMs: 0,
      role: 'listener', listener: prog, cwd: req.cwd, stat: req.tty === '?' ? 'S' : 'S',
    });
    // Python 2 binds 0.0.0.0; Python 3's http.server binds :: (dual stack) unless --bind; nc binds 0.0.0.0.
    const family: 4 | 6 = prog.kind === 'python3-http.server' && bind === undefined ? 6 : bind?.includes(':') ? 6 : 4;
    addSocket(this.node, { proto, family, localAddress: bind ?? '*', localPort: prog.port, state: proto === 'tcp' ? 'LISTEN' : 'UNCONN', pid, fd: 3 });
    let resolve!: (e: ProcessExit) => void;
    const exited = new Promise<ProcessExit>((r) => { resolve = r; });
    this.rt.listenerIO.set(`${this.node.name}/${pid}`, { stdout: req.stdout, stderr: req.stderr, exit: (e) => resolve(e as ProcessExit) });
    if (prog.kind === 'python3-http.server') req.stdout(`Serving HTTP on ${bind ?? '::'} port ${prog.port} (http://${bind ?? '[::]'}:${prog.port}/) ...\n`);
    else if (prog.kind === 'python2-simplehttpserver') req.stderr(`Serving HTTP on 0.0.0.0 port ${prog.port} ...\n`);
    return { ok: true, pid, exited };
  }

  sockets(): SocketInfo[] {
    this.rt.catchUp();
    return this.node.sockets.map((s) => ({ ...s }));
  }

  getRuleset(family: 4 | 6): Ruleset {
    this.rt.catchUp();
    return cloneRuleset(family === 4 ? this.node.rules4 : this.node.rules6);
  }

  setRuleset(family: 4 | 6, ruleset: Ruleset): void {
    const before = saveRuleset(family === 4 ? this.node.rules4 : this.node.rules6, { counters: false });
    const next = canonicalize(cloneRuleset(ruleset));
    if (family === 4) this.node.rules4 = next; else this.node.rules6 = next;
    const after = saveRuleset(next, { counters: false });
    if (before !== after) {
      const a = new Set(before.split('\n'));
      const b = new Set(after.split('\n'));
      this.rt.emit({ type: 'rules', change: { node: this.node.name, added: [...b].filter((l) => !a.has(l)), removed: [...a].filter((l) => !b.has(l)) } });
    }
  }

  interfaces(): InterfaceInfo[] {
    const n = this.node;
    const gw = bridgeAddress(n);
    const out: InterfaceInfo[] = [
      { index: 1, name: 'lo', flags: ['LOOPBACK', 'UP', 'LOWER_UP'], mtu: 65536, qdisc: 'noqueue', state: 'UNKNOWN', linkType: 'loopback', mac: '00:00:00:00:00:00',
        addresses: [{ family: 4, cidr: '127.0.0.1/8', scope: 'host', label: 'lo' }, { family: 6, cidr: '::1/128', scope: 'host' }] },
      { index: 2, name: 'eth0', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], mtu: 1500, qdisc: 'fq_codel', state: 'UP', linkType: 'ether', mac: n.mac, brd: 'ff:ff:ff:ff:ff:ff',
        addresses: [{ family: 4, cidr: `${n.ip}/${n.prefix}`, brd: n.ip.replace(/\.\d+$/, '.255'), scope: 'global', label: 'eth0', dynamic: true }] },
    ];
    const pods = this.rt.podsOn(n.name).filter((p) => !(p.spec as { hostNetwork?: boolean }).hostNetwork && podIP(p));
    if (gw) {
      out.push({ index: 3, name: 'cni0', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], mtu: 1450, qdisc: 'noqueue', state: 'UP', linkType: 'ether',
        mac: `be:${n.mac.slice(3)}`, brd: 'ff:ff:ff:ff:ff:ff', addresses: [{ family: 4, cidr: `${gw}/24`, brd: gw.replace(/\.1$/, '.255'), scope: 'global', label: 'cni0' }] });
    }
    pods.forEach((p, i) => {
      const id = (p.metadata.uid ?? '').replace(/-/g, '').slice(0, 8);
      out.push({ index: 4 + i, name: `veth${id}`, peer: '@if2', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], mtu: 1450, qdisc: 'noqueue', state: 'UP',
        linkType: 'ether', mac: `aa:${id.slice(0, 2)}:${id.slice(2, 4)}:${id.slice(4, 6)}:${id.slice(6, 8)}:0${i % 10}`, brd: 'ff:ff:ff:ff:ff:ff', master: 'cni0', addresses: [] });
    });
    return out;
  }

  routes(family: 4 | 6): RouteInfo[] {
    if (family === 6) return [];
    const n = this.node;
    const net = n.ip.replace(/\.\d+$/, '.0');
    const out: RouteInfo[] = [
      { dst: 'default', via: n.ip.replace(/\.\d+$/, '.1'), dev: 'eth0', proto: 'dhcp', src: n.ip, metric: 100 },
    ];
    const gw = bridgeAddress(n);
    if (gw) out.push({ dst: n.podCIDR, dev: 'cni0', proto: 'kernel', scope: 'link', src: gw });
    for (const peer of this.rt.state.nodes) if (peer !== n) out.push({ dst: peer.podCIDR, via: peer.ip, dev: 'eth0' });
    out.push({ dst: `${net}/${n.prefix}`, dev: 'eth0', proto: 'kernel', scope: 'link', src: n.ip });
    return out.sort((a, b) => (a.dst === 'default' ? -1 : b.dst === 'default' ? 1 : a.dst.localeCompare(b.dst, undefined, { numeric: true })));
  }

  async connect(req: HttpRequest, signal: AbortSignalLike): Promise<ConnectResult> {
    const r = await connect(this.rt, { kind: 'node', node: this.node }, req, signal);
    this.rt.lastTraces.set(this.node.name, r.traces);
    return r.result;
  }

  kubectl(args: string[], io: CommandIO): Promise<number> {
    return runKubectl(this.rt.api, args, {
      stdout: io.stdout, stderr: io.stderr, stdin: io.stdin, signal: io.signal, fs: this.fs, cwd: io.env.PWD ?? this.home, env: io.env,
    });
  }
}

function view(e: ConntrackEntry, now: number): ConntrackEntryView {
  return {
    proto: e.orig.proto,
    timeout: Math.max(0, Math.floor(e.expires - now)),
    ...(e.state ? { state: e.state } : {}),
    original: { src: e.orig.src, dst: e.orig.dst, sport: e.orig.sport, dport: e.orig.dport },
    reply: { src: e.reply.src, dst: e.reply.dst, sport: e.reply.sport, dport: e.reply.dport },
    unreplied: !e.replied,
    assured: e.assured,
    mark: e.mark,
    use: 1,
  };
}

function matches(e: ConntrackEntry, f: ConntrackFilter): boolean {
  return (f.proto === undefined || f.proto === e.orig.proto)
    && (f.src === undefined || f.src === e.orig.src) && (f.dst === undefined || f.dst === e.orig.dst)
    && (f.sport === undefined || f.sport === e.orig.sport) && (f.dport === undefined || f.dport === e.orig.dport)
    && (f.replySrc === undefined || f.replySrc === e.reply.src) && (f.replyDst === undefined || f.replyDst === e.reply.dst)
    && (f.state === undefined || f.state === e.state) && (f.mark === undefined || f.mark === e.mark);
}

function conntrackAccess(rt: SimRuntime, node: NodeState): ConntrackAccess {
  return {
    list(family) {
      if (family === 6) return [];
      const t = rt.conntrack(node);
      return t.list().map((e) => view(e, t.now));
    },
    delete(filter, family) {
      if (family === 6) return 0;
      const t = rt.conntrack(node);
      let n = 0;
      for (const e of t.list()) if (matches(e, filter) && t.delete(e.id)) n++;
      return n;
    },
    flush() { rt.conntrack(node).flush(); },
  };
}
