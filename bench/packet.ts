// Packet-path engine figures: one packet through a 10k-service × 10-endpoint
// kube-proxy ruleset, and 100k packets of distribution sampling.
// Run: npx tsx bench/packet.ts. Figures only; never a pass/fail test.
import { readFileSync } from 'node:fs';
import type { Chain, MatchModule, ModuleOption, Rule, Ruleset, Table } from '../core/engine/iptables/model.js';
import { compileRuleset, sampleOutcomes, tracePacket, type NodeDescription, type Packet } from '../core/engine/packet/index.js';

const SERVICES = Number(process.env.BENCH_SERVICES ?? 10_000);
const ENDPOINTS = 10;

const name = (kind: string, i: number, j = 0) => `KUBE-${kind}-${(i * 16 + j).toString(36).toUpperCase().padStart(16, 'X')}`;
const clusterIp = (i: number) => `10.96.${(i >> 8) & 255}.${i & 255}`;
const podIp = (i: number, j: number) => `10.${64 + (j & 63)}.${(i >> 8) & 255}.${i & 255}`;

const opt = (name: string, ...args: string[]): ModuleOption => ({ name, invert: false, args });
const comment = (text: string): MatchModule => ({ name: 'comment', options: [{ ...opt('comment', text), quoted: true }] });
const jump = (name: string, ...options: ModuleOption[]): Rule['target'] => ({ kind: 'jump', name, options });
const chain = (name: string, rules: Rule[], builtin = false): Chain => ({ name, builtin, policy: builtin ? 'ACCEPT' : null, counters: { packets: 0, bytes: 0 }, rules });

/**
 * A ruleset in kube-proxy 1.33's layout (KUBE-SERVICES → KUBE-SVC → KUBE-SEP),
 * built as the model directly: the proxier is not there yet and parsing 320k
 * lines of text is the codec's figure, not this one's.
 */
function generate(): Ruleset {
  const services: Rule[] = [];
  const chains: Chain[] = [];
  const any = { invert: false };
  for (let i = 0; i < SERVICES; i++) {
    const svc = name('SVC', i);
    const text = `ns${i % 100}/svc${i}:http`;
    services.push({
      destination: { ...any, value: `${clusterIp(i)}/32` },
      protocol: { ...any, value: 'tcp' },
      matches: [comment(`${text} cluster IP`), { name: 'tcp', options: [opt('dport', '80')] }],
      target: jump(svc),
    });
    const svcRules: Rule[] = [
      {
        source: { invert: true, value: '10.64.0.0/10' },
        destination: { ...any, value: `${clusterIp(i)}/32` },
        protocol: { ...any, value: 'tcp' },
        matches: [comment(`${text} cluster IP`), { name: 'tcp', options: [opt('dport', '80')] }],
        target: jump('KUBE-MARK-MASQ'),
      },
    ];
    for (let j = 0; j < ENDPOINTS; j++) {
      const sep = name('SEP', i, j);
      const left = ENDPOINTS - j;
      const matches: MatchModule[] = [comment(`${text} -> ${podIp(i, j)}:8080`)];
      if (left > 1) matches.push({ name: 'statistic', options: [opt('mode', 'random'), opt('probability', (1 / left).toFixed(11))] });
      svcRules.push({ matches, target: jump(sep) });
      chains.push(
        chain(sep, [
          { source: { ...any, value: `${podIp(i, j)}/32` }, matches: [comment(text)], target: jump('KUBE-MARK-MASQ') },
          { protocol: { ...any, value: 'tcp' }, matches: [comment(text), { name: 'tcp', options: [] }], target: jump('DNAT', opt('to-destination', `${podIp(i, j)}:8080`)) },
        ]),
      );
    }
    chains.push(chain(svc, svcRules));
  }
  services.push({
    matches: [comment('kubernetes service nodeports; NOTE: this must be the last rule in this chain'), { name: 'addrtype', options: [opt('dst-type', 'LOCAL')] }],
    target: jump('KUBE-NODEPORTS'),
  });
  const nat: Table = {
    name: 'nat',
    leadingComments: [],
    trailingComments: [],
    chains: [
      chain('PREROUTING', [{ matches: [comment('kubernetes service portals')], target: jump('KUBE-SERVICES') }], true),
      chain('INPUT', [], true),
      chain('OUTPUT', [{ matches: [comment('kubernetes service portals')], target: jump('KUBE-SERVICES') }], true),
      chain('POSTROUTING', [{ matches: [comment('kubernetes postrouting rules')], target: jump('KUBE-POSTROUTING') }], true),
      chain('KUBE-MARK-MASQ', [{ matches: [], target: jump('MARK', opt('or-mark', '0x4000')) }]),
      chain('KUBE-NODEPORTS', []),
      chain('KUBE-POSTROUTING', [
        { matches: [{ name: 'mark', options: [{ name: 'mark', invert: true, args: ['0x4000/0x4000'] }] }], target: jump('RETURN') },
        { matches: [], target: jump('MARK', opt('xor-mark', '0x4000')) },
        { matches: [comment('kubernetes service traffic requiring SNAT')], target: jump('MASQUERADE', opt('random-fully')) },
      ]),
      chain('KUBE-SERVICES', services),
      ...chains,
    ],
  };
  const filter: Table = {
    name: 'filter',
    leadingComments: [],
    trailingComments: [],
    chains: [
      chain('INPUT', [], true),
      chain('FORWARD', [{ matches: [comment('kubernetes forwarding rules')], target: jump('KUBE-FORWARD') }], true),
      chain('OUTPUT', [], true),
      chain('KUBE-FORWARD', [
        { matches: [{ name: 'conntrack', options: [opt('ctstate', 'INVALID')] }], target: jump('DROP') },
        { matches: [comment('kubernetes forwarding rules'), { name: 'mark', options: [opt('mark', '0x4000/0x4000')] }], target: jump('ACCEPT') },
      ]),
    ],
  };
  return { tables: [filter, nat] };
}

/** The 1-minute load average (figures on a busy machine are not comparable). */
function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ')[0]!;
  } catch {
    return 'unknown';
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

const say = (label: string, value: number, unit: string, reference: number) =>
  console.log(`${label}: ${value.toFixed(unit === 'ms' || unit === 's' ? 2 : 1)} ${unit} (${(value / reference).toFixed(3)} x reference)`);

/** With --expose-gc (npm run bench passes it): collect before each measured phase so one phase's garbage is not billed to the next. */
const collect = (): void => (globalThis as { gc?: () => void }).gc?.();

const t0 = performance.now();
const rs = generate();
collect();
const t1 = performance.now();
compileRuleset(rs);
const t2 = performance.now();
const ruleCount = rs.tables.reduce((a, t) => a + t.chains.reduce((b, c) => b + c.rules.length, 0), 0);
console.log(`ruleset rules: ${ruleCount} rules (${SERVICES} services x ${ENDPOINTS} endpoints)`);
say('generate ruleset model', (t1 - t0) / 1000, 's', 1);
say('compile ruleset (once, cached; chains compile on first use)', t2 - t1, 'ms', 1000);

const node: NodeDescription = { name: 'bench', addresses: ['192.168.0.2/24'], podCIDR: '10.64.0.0/24', peers: [{ name: 'other', ip: '192.168.0.3', podCIDR: '10.64.0.0/10' }] };
const packetTo = (i: number): Packet => ({ ingress: 'pod', proto: 'tcp', src: '10.64.0.5', sport: 40000 + (i % 20000), dst: clusterIp(i % SERVICES), dport: 80 });

collect();
const f0 = performance.now();
tracePacket(rs, node, packetTo(1), { seed: 1 });
say('first packet (compiles KUBE-SERVICES and the chains it visits)', performance.now() - f0, 'ms', 1000);

// Warm-up: formats the rule texts the traces show (memoised) and lets the JIT settle.
for (let i = 0; i < 300; i++) tracePacket(rs, node, packetTo(i * 37), { seed: i });
collect();
const times: number[] = [];
for (let i = 0; i < 1000; i++) {
  const p = packetTo((i * 7919) % SERVICES);
  const a = performance.now();
  const t = tracePacket(rs, node, p, { seed: i });
  times.push((performance.now() - a) * 1000);
  if (t.dnatTo === null) throw new Error('bench packet was not DNATed');
}
times.sort((a, b) => a - b);
const steps = tracePacket(rs, node, packetTo(9999), { seed: 1 }).steps.length;
console.log(`steps reported per packet: ${steps} rules`);
say('one packet traced, every rule reported + exact outcomes (median)', percentile(times, 0.5), 'us', 1000);
say('one packet traced, every rule reported + exact outcomes (p99)', percentile(times, 0.99), 'us', 1000);

collect();
const s0 = performance.now();
const sample = sampleOutcomes(rs, node, packetTo(4242), 100_000, 7);
const s1 = performance.now();
say('100k packets sampled (one service, 10 endpoints)', (s1 - s0) / 1000, 's', 2);
const worst = Math.max(...sample.outcomes.map((o) => Math.abs(o.fraction - o.probability)));
console.log(`machine load while measuring: ${loadAverage()} (n/a x reference)`);
console.log(`sampling: largest |sampled - exact| over ${sample.outcomes.length} endpoints: ${(worst * 100).toFixed(3)} % (n/a x reference)`);
