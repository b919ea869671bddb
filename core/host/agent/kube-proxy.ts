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

process.title = 'kube-proxy';

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

/** Splits a rule in save syntax into argv, honouring double quotes. */
function argvOf(rule: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(rule)) !== null) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!);
  return out;
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
  const out = syncProxyRules(input);
  const restored = run('iptables-restore', ['--noflush'], out.restore);
  if (!restored.ok) {
    klog('E', 'proxier.go:1516', `"Failed to execute iptables-restore" err="${restored.out.trim()}"`);
    return;
  }
  // Stale service chains: flush and delete what this sync did not write.
  if (out.activeNatChains !== undefined) {
    const live = new Set(out.activeNatChains);
    const present = run('iptables-save', ['-t', 'nat']).out.split('\n').filter((l) => l.startsWith(':')).map((l) => l.slice(1).split(' ')[0]!);
    const stale = present.filter((c) => isServiceChainName(c) && !live.has(c));
    if (stale.length > 0) run('iptables-restore', ['--noflush'], `*nat\n${stale.map((c) => `:${c} - [0:0]`).join('\n')}\n${stale.map((c) => `-X ${c}`).join('\n')}\nCOMMIT\n`);
  }
  for (const e of out.ensured) {
    const args = argvOf(e.rule);
    const chain = args[1]!;
    const spec = args.slice(2);
    if (!run('iptables', ['-t', e.table, '-C', chain, ...spec]).ok) {
      run('iptables', e.position === 'prepend' ? ['-t', e.table, '-I', chain, '1', ...spec] : ['-t', e.table, '-A', chain, ...spec]);
    }
  }
  holdNodePorts(out.heldNodePorts);
  writeFileSync(APPLIED, `${generation}\n`);
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
setInterval(tick, 100);
