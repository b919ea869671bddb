// Codec throughput on a generated 100k-rule nat dump in kube-proxy's shape:
// parse, save and canonicalize (MB/s), and the real iptables-restore +
// iptables-save of the same dump in a network namespace as the reference
// (root only; skipped with a note otherwise). Run: npx tsx bench/codec.ts
import { spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { canonicalize, parseIptablesSave, runIptables, saveRuleset } from '../core/engine/iptables/index.js';

const RULES = Number(process.env.CHAINLAB_BENCH_RULES ?? 100_000);

/** A kube-proxy-like nat table, as iptables-save prints it: per service 1 KUBE-SERVICES rule, a SVC chain, 3 endpoints. */
function generate(): string {
  const builtins = ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'];
  const chains = new Map<string, string[]>([['KUBE-MARK-MASQ', []], ['KUBE-SERVICES', []]]);
  const rules = (c: string): string[] => {
    let r = chains.get(c);
    if (r === undefined) chains.set(c, (r = []));
    return r;
  };
  const pre = ['-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES'];
  rules('KUBE-MARK-MASQ').push('-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000');
  let count = 2;
  for (let n = 0; count < RULES; n++) {
    const svc = `KUBE-SVC-${String(n).padStart(16, 'A')}`;
    const ip = `10.${96 + ((n >> 16) & 15)}.${(n >> 8) & 255}.${n & 255}`;
    const name = `ns${n % 50}/svc-${n}:http`;
    rules('KUBE-SERVICES').push(`-A KUBE-SERVICES -d ${ip}/32 -p tcp -m comment --comment "${name} cluster IP" -m tcp --dport 80 -j ${svc}`);
    rules(svc).push(`-A ${svc} ! -s 10.244.0.0/16 -d ${ip}/32 -p tcp -m comment --comment "${name} cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ`);
    count += 2;
    for (let e = 0; e < 3; e++) {
      const k = n * 3 + e;
      const sep = `KUBE-SEP-${String(k).padStart(16, 'B')}`;
      const ep = `10.${244 + ((k >> 16) & 7)}.${(k >> 8) & 255}.${k & 255}`;
      const prob = e === 0 ? ' -m statistic --mode random --probability 0.33333333349' : e === 1 ? ' -m statistic --mode random --probability 0.50000000000' : '';
      rules(svc).push(`-A ${svc} -m comment --comment "${name} -> ${ep}:8080"${prob} -j ${sep}`);
      rules(sep).push(`-A ${sep} -s ${ep}/32 -m comment --comment ${name} -j KUBE-MARK-MASQ`);
      rules(sep).push(`-A ${sep} -p tcp -m comment --comment ${name} -m tcp -j DNAT --to-destination ${ep}:8080`);
      count += 3;
    }
  }
  const users = [...chains.keys()].sort();
  const lines = ['*nat', ...builtins.map((b) => `:${b} ACCEPT [0:0]`), ...users.map((c) => `:${c} - [0:0]`), ...pre];
  for (const c of users) lines.push(...chains.get(c)!);
  return `${[...lines, 'COMMIT'].join('\n')}\n`;
}

/** Best of `runs` by wall time, and the best process CPU time (all threads, the collector's too): on a loaded machine wall time mostly measures the wait. */
function time<T>(fn: () => T, runs = 3): { ms: number; cpuMs: number; value: T } {
  let best = Infinity;
  let bestCpu = Infinity;
  let value: T | undefined;
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    value = fn();
    best = Math.min(best, performance.now() - t0);
    const c = process.cpuUsage(c0);
    bestCpu = Math.min(bestCpu, (c.user + c.system) / 1000);
  }
  return { ms: best, cpuMs: bestCpu, value: value as T };
}

const text = generate();
const mb = Buffer.byteLength(text) / 1e6;
const ruleCount = text.split('\n').filter((l) => l.startsWith('-A')).length;

const parse = time(() => {
  const r = parseIptablesSave(text);
  if (!r.ok) throw new Error(JSON.stringify(r.errors[0]));
  return r.value;
});
const save = time(() => saveRuleset(parse.value));
if (save.value !== text) console.log('note: saved text differs from the generated dump (not a round trip)');
const canon = time(() => canonicalize(parse.value));

// Commands on an installed (already canonical) ruleset, as the lab shell runs them.
const installed = canonicalize(parse.value, { counters: true });
const firstSvc = 'KUBE-SVC-AAAAAAAAAAAAAAA0';
const listOne = time(() => runIptables(installed, ['-t', 'nat', '-n', '-L', firstSvc]));
if (listOne.value.exitCode !== 0) console.log(`note: iptables -L failed: ${listOne.value.stderr}`);
const appendOne = time(() => runIptables(installed, ['-t', 'nat', '-A', firstSvc, '-s', '10.1.2.3', '-j', 'RETURN']));
if (appendOne.value.exitCode !== 0) console.log(`note: iptables -A failed: ${appendOne.value.stderr}`);

// Reference: the real tools in a namespace (root only).
let refMs: number | undefined;
let refNote = '';
if (process.getuid?.() === 0) {
  const ns = `chainlab-t-bench-${process.pid}-0`;
  if (spawnSync('ip', ['netns', 'add', ns]).status === 0) {
    try {
      const t0 = performance.now();
      const r = spawnSync('ip', ['netns', 'exec', ns, 'iptables-restore'], { input: text, maxBuffer: 1 << 30 });
      const s = spawnSync('ip', ['netns', 'exec', ns, 'iptables-save'], { maxBuffer: 1 << 30 });
      refMs = performance.now() - t0;
      if (r.status !== 0 || s.status !== 0) {
        refNote = `reference failed: ${String(r.stderr).slice(0, 200)}`;
        refMs = undefined;
      }
    } finally {
      spawnSync('ip', ['netns', 'del', ns]);
    }
  }
} else refNote = 'reference skipped: needs root for a network namespace';

const mbps = (ms: number): string => (mb / (ms / 1000)).toFixed(1);
const ratio = (ms: number): string => (refMs === undefined ? '' : ` (${(refMs / ms).toFixed(1)} x reference)`);
console.log(`dump: ${ruleCount} rules, ${mb.toFixed(1)} MB`);
console.log(`parse: ${mbps(parse.ms)} MB/s${ratio(parse.ms)}; by CPU time ${mbps(parse.cpuMs)} MB/s`);
console.log(`save: ${mbps(save.ms)} MB/s${ratio(save.ms)}; by CPU time ${mbps(save.cpuMs)} MB/s`);
console.log(`parse+save: ${mbps(parse.ms + save.ms)} MB/s${ratio(parse.ms + save.ms)}`);
console.log(`canonicalize: ${(ruleCount / (canon.ms / 1000) / 1e3).toFixed(0)} krules/s`);
console.log(`iptables -n -L CHAIN on the installed ruleset: ${listOne.ms.toFixed(0)} ms per command`);
console.log(`iptables -A CHAIN on the installed ruleset: ${appendOne.ms.toFixed(0)} ms per command`);
console.log(`load: ${loadavg().map((l) => l.toFixed(1)).join(' ')} (1/5/15 min, ${availableParallelism()} cores)`);
if (refMs !== undefined) console.log(`reference iptables-restore+iptables-save: ${mbps(refMs)} MB/s (1.0 x reference)`);
if (refNote !== '') console.log(refNote);
