// Network namespaces for kernel-tier tests: uniquely named (prefix chainlab-t-),
// always removed (afterAll, and process exit/signal handlers as a safety net),
// and stale ones from crashed runs swept before the first is created.
import { spawnSync } from 'node:child_process';

export const NETNS_PREFIX = 'chainlab-t-';

export interface RunResult {
  stdout: string;
  stderr: string;
  status: number;
}

const live = new Set<string>();
let swept = false;
let handlersInstalled = false;

function run(cmd: string, args: string[], input?: string): RunResult {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', timeout: 60_000, maxBuffer: 256 * 1024 * 1024 });
  if (r.error !== undefined) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  return { stdout: r.stdout, stderr: r.stderr, status: r.status ?? -1 };
}

/** Fails loudly (the kernel tier never skips) when a prerequisite is missing. */
export function requireKernelPrerequisites(): void {
  if (process.getuid?.() !== 0) throw new Error('kernel tier: needs root (network namespaces and iptables); run as root or in CI');
  for (const c of ['ip', 'iptables', 'iptables-save', 'iptables-restore']) {
    if (spawnSync('sh', ['-c', `command -v ${c}`]).status !== 0) throw new Error(`kernel tier: missing ${c}; apt-get install -y iptables iproute2`);
  }
}

function removeAll(): void {
  for (const name of [...live]) {
    spawnSync('ip', ['netns', 'del', name]);
    live.delete(name);
  }
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', removeAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      removeAll();
      process.kill(process.pid, sig);
    });
  }
}

/** Deletes namespaces left by earlier runs whose owner process is gone. */
export function sweepStaleNamespaces(): void {
  const list = run('ip', ['netns', 'list']).stdout;
  for (const line of list.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    if (!name.startsWith(NETNS_PREFIX) || live.has(name)) continue;
    // Only names made by this helper carry their owner's pid; others are left alone.
    const m = /-(\d+)-\d+$/.exec(name);
    if (m === null) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || processAlive(pid)) continue;
    spawnSync('ip', ['netns', 'del', name]);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let counter = 0;

export class Netns {
  readonly name: string;

  private constructor(name: string) {
    this.name = name;
  }

  static create(label = 'ns'): Netns {
    requireKernelPrerequisites();
    installHandlers();
    if (!swept) {
      swept = true;
      sweepStaleNamespaces();
    }
    const name = `${NETNS_PREFIX}${label}-${process.pid}-${counter++}`;
    const r = run('ip', ['netns', 'add', name]);
    if (r.status !== 0) throw new Error(`ip netns add ${name}: ${r.stderr.trim()}`);
    live.add(name);
    return new Netns(name);
  }

  /** Runs a command inside the namespace. */
  exec(cmd: string, args: string[], input?: string): RunResult {
    return run('ip', ['netns', 'exec', this.name, cmd, ...args], input);
  }

  /** Runs a command and throws with its stderr when it fails. */
  check(cmd: string, args: string[], input?: string): string {
    const r = this.exec(cmd, args, input);
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} in ${this.name} exited ${r.status}: ${r.stderr.trim()}`);
    return r.stdout;
  }

  destroy(): void {
    spawnSync('ip', ['netns', 'del', this.name]);
    live.delete(this.name);
  }
}

/** Every namespace this process still holds (for tests of the helper itself). */
export function liveNamespaces(): string[] {
  return [...live];
}
