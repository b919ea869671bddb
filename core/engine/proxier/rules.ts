// Rules as word lists in the order kube-proxy writes them, and the two ways we
// print them: as kube-proxy's iptables-restore input, and canonicalised the
// way iptables-save prints them back (core matches first, addresses with a
// prefix, MARK as --set-xmark, probabilities as the kernel stores them …).

/** One `-A CHAIN …` line. `args` are words: a comment with spaces is one word. */
export interface RuleLine {
  chain: string;
  args: string[];
}

/** Rules rendered to text as they are generated, grouped by chain (keeps a 10k-service sync small in memory). */
export class RuleBuffer {
  readonly byChain = new Map<string, string[]>();
  count = 0;
  constructor(private readonly render: (r: RuleLine) => string) {}

  push(r: RuleLine): void {
    const line = this.render(r);
    let l = this.byChain.get(r.chain);
    if (l === undefined) this.byChain.set(r.chain, (l = []));
    l.push(line);
    this.count++;
  }
}

/** The chains and rules kube-proxy writes for one table. */
export interface TableText {
  /** Chains declared with `:NAME - [0:0]` (flushes them), in write order. */
  chains: string[];
  rules: RuleBuffer;
  /** Stale chains removed with `-X` (also declared, which flushes them first). */
  deleted: string[];
}

export function emptyTableText(render: (r: RuleLine) => string = restoreLine): TableText {
  return { chains: [], rules: new RuleBuffer(render), deleted: [] };
}

/** How a saved comment is quoted: iptables <= 1.8.4 always; newer only when a character needs it. */
export type QuoteStyle = 'always' | 'minimal';

const PLAIN = /^[A-Za-z0-9_-]+$/;

function quoteAlways(s: string): string {
  return `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

function quoteFor(style: QuoteStyle, s: string): string {
  return style === 'minimal' && PLAIN.test(s) ? s : quoteAlways(s);
}

/** kube-proxy puts double quotes around the comments it knows contain spaces. */
function restoreWord(w: string, prev: string | undefined): string {
  if (prev === '--comment' && (w === '' || /[\s;"']/.test(w))) return quoteAlways(w);
  return w;
}

/** The line exactly as kube-proxy writes it into its iptables-restore input. */
export function restoreLine(r: RuleLine): string {
  const a = r.args;
  const words: string[] = ['-A', r.chain];
  for (let i = 0; i < a.length; i++) words.push(i > 0 && a[i - 1] === '--comment' ? restoreWord(a[i]!, '--comment') : a[i]!);
  // join() gives a flat string; `+=` would keep a rope per line alive in a 400k-line sync.
  return words.join(' ');
}

// ------------------------------------------------------------ canonical form

/** Options that take no argument, per iptables' own modules. */
const FLAG_OPTIONS = new Set(['set', 'rcheck', 'update', 'remove', 'reap', 'rsource', 'rdest', 'random-fully', 'random', 'persistent']);

interface Opt {
  name: string;
  invert: boolean;
  args: string[];
}

interface Mod {
  name: string;
  opts: Opt[];
}

interface Parsed {
  core: Map<string, { invert: boolean; value: string }>;
  mods: Mod[];
  target?: Mod;
}

function parseWords(args: readonly string[]): Parsed {
  const p: Parsed = { core: new Map(), mods: [] };
  let invert = false;
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    if (w === '!') {
      invert = true;
      continue;
    }
    if (w === '-s' || w === '-d' || w === '-i' || w === '-o' || w === '-p') {
      p.core.set(w, { invert, value: args[++i]! });
    } else if (w === '-m') {
      p.mods.push({ name: args[++i]!, opts: [] });
    } else if (w === '-j') {
      p.target = { name: args[++i]!, opts: [] };
    } else if (w.startsWith('--')) {
      const name = w.slice(2);
      const opt: Opt = { name, invert, args: [] };
      if (!FLAG_OPTIONS.has(name)) opt.args.push(args[++i]!);
      const owner = p.target ?? p.mods[p.mods.length - 1];
      if (owner === undefined) throw new Error(`option ${w} before any -m or -j`);
      owner.opts.push(opt);
    } else {
      throw new Error(`unexpected word ${JSON.stringify(w)} in rule`);
    }
    invert = false;
  }
  return p;
}

function withPrefix(addr: string): string {
  if (addr.includes('/')) return addr;
  return addr.includes(':') ? `${addr}/128` : `${addr}/32`;
}

function hex(v: string): string {
  return '0x' + parseInt(v, 16).toString(16);
}

/** `0x004000/0x004000` → `0x4000/0x4000`. */
function markMask(v: string): string {
  const [a, b] = v.split('/');
  return b === undefined ? hex(a!) : `${hex(a!)}/${hex(b)}`;
}

/** xt_statistic keeps round(p * 2^31); iptables-save prints it back with 11 decimals. */
export function savedProbability(p: string): string {
  const stored = Math.round(Number(p) * 0x80000000);
  return (stored / 0x80000000).toFixed(11);
}

function renderOpts(opts: readonly Opt[], style: QuoteStyle, quoteArgs: boolean): string {
  let s = '';
  for (const o of opts) {
    s += o.invert ? ` ! --${o.name}` : ` --${o.name}`;
    for (const a of o.args) s += ' ' + (quoteArgs ? quoteFor(style, a) : a);
  }
  return s;
}

function canonModule(m: Mod, family: 4 | 6): Opt[] {
  const get = (n: string): Opt | undefined => m.opts.find((o) => o.name === n);
  switch (m.name) {
    case 'statistic':
      return m.opts.map((o) => (o.name === 'probability' ? { ...o, args: [savedProbability(o.args[0]!)] } : o));
    case 'mark':
      return m.opts.map((o) => (o.name === 'mark' ? { ...o, args: [markMask(o.args[0]!)] } : o));
    case 'recent': {
      // libxt_recent prints: command, --seconds, --reap, --name, --mask, --rsource.
      const out: Opt[] = [];
      for (const cmd of ['set', 'rcheck', 'update', 'remove']) {
        const o = get(cmd);
        if (o !== undefined) out.push(o);
      }
      for (const n of ['seconds', 'reap', 'hitcount', 'rttl', 'name']) {
        const o = get(n);
        if (o !== undefined) out.push(o);
      }
      out.push(get('mask') ?? { name: 'mask', invert: false, args: [family === 4 ? '255.255.255.255' : 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'] });
      out.push(get('rdest') ?? { name: 'rsource', invert: false, args: [] });
      return out;
    }
    case 'tcp':
    case 'udp':
    case 'sctp': {
      const order = ['sport', 'dport'];
      return [...m.opts].sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
    }
    default:
      return m.opts;
  }
}

function canonTarget(t: Mod, family: 4 | 6): Opt[] {
  if (t.name === 'MARK') {
    return t.opts.map((o) => {
      const v = o.args[0]!;
      if (o.name === 'or-mark') return { name: 'set-xmark', invert: false, args: [`${hex(v)}/${hex(v)}`] };
      if (o.name === 'xor-mark') return { name: 'set-xmark', invert: false, args: [`${hex(v)}/0x0`] };
      if (o.name === 'set-xmark' || o.name === 'set-mark') return { name: 'set-xmark', invert: false, args: [v.includes('/') ? markMask(v) : `${hex(v)}/0xffffffff`] };
      return o;
    });
  }
  if (t.name === 'REJECT' && t.opts.length === 0) {
    return [{ name: 'reject-with', invert: false, args: [family === 4 ? 'icmp-port-unreachable' : 'icmp6-port-unreachable'] }];
  }
  return t.opts;
}

/** The rule as `iptables-save` prints it after `iptables-restore` loaded it. */
export function canonicalLine(r: RuleLine, family: 4 | 6, style: QuoteStyle): string {
  const p = parseWords(r.args);
  let s = `-A ${r.chain}`;
  for (const flag of ['-s', '-d', '-i', '-o', '-p']) {
    const c = p.core.get(flag);
    if (c === undefined) continue;
    const v = flag === '-s' || flag === '-d' ? withPrefix(c.value) : flag === '-p' ? c.value.toLowerCase() : c.value;
    s += c.invert ? ` ! ${flag} ${v}` : ` ${flag} ${v}`;
  }
  for (const m of p.mods) {
    s += ` -m ${m.name}` + renderOpts(canonModule(m, family), style, m.name === 'comment' || m.name === 'nfacct');
  }
  if (p.target !== undefined) s += ` -j ${p.target.name}` + renderOpts(canonTarget(p.target, family), style, false);
  return [s].join('');
}
