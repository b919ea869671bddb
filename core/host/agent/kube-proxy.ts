// The in-node kube-proxy of the docker backend: a real process named
// `kube-proxy` inside each mini-node. It watches the cluster state the host
// writes into the node (/var/lib/kube-proxy/state.json: the ProxierInput for
// this node), runs the same proxier as the sim backend, and applies its output
// with `iptables-restore --noflush`, then ensures the jumps from the built-in
// chains and deletes stale service chains, as kube-proxy's full sync does.
// Killing it (`kill -9`) really stops syncing: the rules stay as they were.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { syncProxyRules } from '../../engine/proxier/index.js';
import { isServiceChainName } from '../../engine/proxier/index.js';
import type { ProxierInput } from '../../engine/proxier/types.js';

// The host signals each new state with SIGUSR1, also while this process is still starting: a signal with
// no handler would end it. Handled first thing; the state is read at start anyway (tick below).
let ticking = false;
process.on('SIGUSR1', () => { if (ticking) tick(); });

// ps shows what a kubeadm node shows (`/usr/local/bin/kube-proxy --config=…`, seed 000), not node and a script
// path; the title fits in the argv it replaces. Setting it renames the process too (prctl, 15 characters), so
// the name pgrep -x, lsof and ss print is set back to kube-proxy.
process.title = ['/usr/local/bin/kube-proxy', ...process.argv.slice(2)].join(' ');
try {
  writeFileSync('/proc/self/comm', 'kube-proxy');
} catch (e) {
  process.title = 'kube-proxy';
  process.stderr.write(`kube-proxy: cannot name the process (${(e as Error).message}); ps shows a short title\n`);
}

const STATE = '/var/lib/kube-proxy/state.json';
const APPLIED = '/var/lib/kube-proxy/applied';
const LOG = '/var/log/kube-proxy.log';

/** klog header: `I0330 09:28:56.497083       1 proxier.go:826] msg`. */
function klog(level: 'I' | 'W' | 'E', source: string, msg: string): void {
  const d = new Date();
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const head = `${level}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds() * 1000, 6)}`;
  appendFileSync(LOG, `${head}${String(process.pid).padStart(8)} ${source}] ${msg}\n`);
}

function run(cmd: string, args: string[], input?: string): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** The rules of each table in `iptables-save` text, in save syntax. */
function rulesByTable(save: string): Map<string, { chains: string[]; rules: Set<string> }> {
  const tables = new Map<string, { chains: string[]; rules: Set<string> }>();
  let cur: { chains: string[]; rules: Set<string> } | undefined;
  for (const line of save.split('\n')) {
    if (line.startsWith('*')) tables.set(line.slice(1), (cur = { chains: [], rules: new Set() }));
    else if (cur && line.startsWith(':')) cur.chains.push(line.slice(1).split(' ')[0]!);
    else if (cur && line.startsWith('-A ')) cur.rules.add(line);
  }
  return tables;
}

/**
 * Restore blocks appended after the proxier's: the jumps from the built-in
 * chains that are missing (inserted at the top, as `iptables -I CHAIN 1`), and
 * the flush and delete of service chains this sync no longer writes.
 */
function housekeeping(before: string, out: ReturnType<typeof syncProxyRules>): string {
  const installed = rulesByTable(before);
  const byTable = new Map<string, string[]>();
  const add = (table: string, line: string): void => { byTable.set(table, [...(byTable.get(table) ?? []), line]); };
  for (const e of out.ensured) {
    if (installed.get(e.table)?.rules.has(e.rule)) continue;
    const [, chain, ...spec] = e.rule.split(' ');
    add(e.table, e.position === 'prepend' ? `-I ${chain} 1 ${spec.join(' ')}` : e.rule);
  }
  if (out.activeNatChains !== undefined) {
    const live = new Set(out.activeNatChains);
    const stale = (installed.get('nat')?.chains ?? []).filter((c) => isServiceChainName(c) && !live.has(c));
    for (const c of stale) add('nat', `:${c} - [0:0]`);
    for (const c of stale) add('nat', `-X ${c}`);
  }
  return [...byTable].map(([t, lines]) => `*${t}\n${lines.join('\n')}\nCOMMIT\n`).join('');
}

const held = new Map<string, Server>();

/** Below 1.24 kube-proxy holds a listening socket on every NodePort (seed 000). */
function holdNodePorts(ports: { port: number; proto: string; description: string }[]): void {
  const wanted = new Set(ports.filter((p) => p.proto === 'tcp').map((p) => `${p.port}`));
  for (const [key, srv] of held) if (!wanted.has(key)) { srv.close(); held.delete(key); }
  for (const p of ports) {
    if (p.proto !== 'tcp' || held.has(`${p.port}`)) continue;
    const srv = createServer((sock) => sock.destroy());
    srv.on('error', () => {
      klog('E', 'proxier.go:1286', `can't open "${p.description}" (:${p.port}/${p.proto}), skipping this nodePort: listen ${p.proto} :${p.port}: bind: address already in use`);
      held.delete(`${p.port}`);
    });
    srv.listen(p.port, '::');
    held.set(`${p.port}`, srv);
  }
}

let lastMtime = 0;
function syncOnce(): void {
  if (!existsSync(STATE)) return;
  const mtime = statSync(STATE).mtimeMs;
  if (mtime === lastMtime) return;
  lastMtime = mtime;
  const { generation, input } = JSON.parse(readFileSync(STATE, 'utf8')) as { generation: number; input: ProxierInput };
  klog('I', 'proxier.go:805', '"Syncing iptables rules"');
  const started = performance.now();
  const out = syncProxyRules(input);
  // What is installed before this sync: stale service chains and missing jumps
  // are both decided from one iptables-save, and everything is written with a
  // single `iptables-restore --noflush` (one process, one kernel transaction per
  // table), as kube-proxy 1.33 does, instead of an `iptables -C/-I` per jump.
  const before = run('iptables-save', []).out;
  const restored = run('iptables-restore', ['--noflush'], out.restore + housekeeping(before, out));
  if (!restored.ok) {
    klog('E', 'proxier.go:1516', `"Failed to execute iptables-restore" err="${restored.out.trim()}"`);
    return;
  }
  holdNodePorts(out.heldNodePorts);
  const elapsed = performance.now() - started;
  klog('I', 'proxier.go:1544', `"SyncProxyRules complete" elapsed="${elapsed.toFixed(1)}ms"`);
  // `GENERATION ELAPSED_MS`: the host waits for the generation and reports the time.
  writeFileSync(APPLIED, `${generation} ${elapsed.toFixed(1)}\n`);
}

const hostname = process.argv.find((a) => a.startsWith('--hostname-override='))?.split('=')[1] ?? '';
klog('I', 'server.go:233', `"Kube-proxy running" node="${hostname}" pid=${process.pid}`);
const tick = (): void => {
  try {
    syncOnce();
  } catch (e) {
    klog('E', 'proxier.go:805', `"Sync failed" err="${(e as Error).message}"`);
  }
};
tick();
ticking = true;
// The poll is the fallback for a state written while no one signalled.
setInterval(tick, 100);
