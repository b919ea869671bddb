// Targets the engine understands, compiled once per rule. Terminating targets
// end the table's traversal; the others change the packet and go on.

import type { ModuleOption, Target } from '../iptables/model.js';
import { parseIP, type IP } from '../net/ip.js';
import { MatchError, parseMarkMask, parsePortRange } from './matches.js';

export interface NatRange {
  /** null keeps the address (`--to-destination :8080`). */
  ip: IP | null;
  ipTo: IP | null;
  port: number | null;
  portTo: number | null;
}

export type CompiledTarget =
  | { kind: 'none' }
  | { kind: 'accept' }
  | { kind: 'drop' }
  | { kind: 'reject'; with: string }
  | { kind: 'return' }
  | { kind: 'chain'; chain: string; goto: boolean }
  | { kind: 'mark'; apply: (mark: number) => number; text: string }
  | { kind: 'connmark'; op: 'set' | 'save' | 'restore'; value: number; mask: number; nfmask: number; ctmask: number; text: string }
  | { kind: 'dnat'; range: NatRange }
  | { kind: 'snat'; range: NatRange }
  | { kind: 'masquerade'; ports: [number, number] | null; randomFully: boolean }
  | { kind: 'redirect'; ports: [number, number] | null }
  | { kind: 'notrack' }
  | { kind: 'note'; text: string };

function opt(t: Target, name: string): ModuleOption | undefined {
  return t.options.find((o) => o.name === name);
}

function arg(o: ModuleOption): string {
  const a = o.args[0];
  if (a === undefined) throw new MatchError(`--${o.name} needs a value`);
  return a;
}

function only(t: Target, allowed: string[]): void {
  for (const o of t.options) if (!allowed.includes(o.name)) throw new MatchError(`option --${o.name} of -j ${t.name} is not supported`);
}

/** `10.0.0.1`, `10.0.0.1:80`, `10.0.0.1-10.0.0.3:80-90`, `[fd00::1]:80`, `:80` */
export function parseNatRange(text: string): NatRange {
  let addr = text;
  let ports: string | null = null;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    addr = text.slice(1, close);
    if (text[close + 1] === ':') ports = text.slice(close + 2);
  } else if ((text.match(/:/g) ?? []).length === 1) {
    const i = text.indexOf(':');
    addr = text.slice(0, i);
    ports = text.slice(i + 1);
  }
  let ip: IP | null = null;
  let ipTo: IP | null = null;
  if (addr !== '') {
    const [a, b] = addr.split('-');
    ip = parseIP(a!);
    if (ip === null) throw new MatchError(`'${a}' is not an IP address`);
    if (b !== undefined) {
      ipTo = parseIP(b);
      if (ipTo === null) throw new MatchError(`'${b}' is not an IP address`);
    }
  }
  let port: number | null = null;
  let portTo: number | null = null;
  if (ports !== null && ports !== '') {
    const [a, b] = ports.split('-');
    port = Number(a);
    portTo = b === undefined ? null : Number(b);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new MatchError(`'${a}' is not a port`);
  }
  return { ip, ipTo, port, portTo };
}

function toPorts(t: Target): [number, number] | null {
  const o = opt(t, 'to-ports');
  if (o === undefined) return null;
  return parsePortRange(arg(o).replace('-', ':'));
}

function markTarget(t: Target): CompiledTarget {
  if (t.options.length !== 1) throw new MatchError(`-j MARK needs exactly one of --set-xmark, --set-mark, --or-mark, --and-mark, --xor-mark`);
  const o = t.options[0]!;
  const text = arg(o);
  switch (o.name) {
    case 'set-xmark': {
      const [v, m] = parseMarkMask(text);
      return { kind: 'mark', apply: (x) => ((x & ~m) ^ v) >>> 0, text: `MARK set-xmark ${text}` };
    }
    case 'set-mark': {
      const [v, m] = parseMarkMask(text);
      return { kind: 'mark', apply: (x) => ((x & ~m) | v) >>> 0, text: `MARK set ${text}` };
    }
    case 'or-mark': {
      const [v] = parseMarkMask(text);
      return { kind: 'mark', apply: (x) => (x | v) >>> 0, text: `MARK or ${text}` };
    }
    case 'and-mark': {
      const [v] = parseMarkMask(text);
      return { kind: 'mark', apply: (x) => (x & v) >>> 0, text: `MARK and ${text}` };
    }
    case 'xor-mark': {
      const [v] = parseMarkMask(text);
      return { kind: 'mark', apply: (x) => (x ^ v) >>> 0, text: `MARK xor ${text}` };
    }
    default:
      throw new MatchError(`option --${o.name} of -j MARK is not supported`);
  }
}

function connmarkTarget(t: Target): CompiledTarget {
  const nfmaskO = opt(t, 'nfmask');
  const ctmaskO = opt(t, 'ctmask');
  const maskO = opt(t, 'mask');
  const nfmask = nfmaskO ? parseMarkMask(arg(nfmaskO))[0] : maskO ? parseMarkMask(arg(maskO))[0] : 0xffffffff;
  const ctmask = ctmaskO ? parseMarkMask(arg(ctmaskO))[0] : maskO ? parseMarkMask(arg(maskO))[0] : 0xffffffff;
  for (const o of t.options) {
    if (o.name === 'save-mark') return { kind: 'connmark', op: 'save', value: 0, mask: 0, nfmask, ctmask, text: 'CONNMARK save' };
    if (o.name === 'restore-mark') return { kind: 'connmark', op: 'restore', value: 0, mask: 0, nfmask, ctmask, text: 'CONNMARK restore' };
    if (o.name === 'set-xmark' || o.name === 'set-mark') {
      const [v, m] = parseMarkMask(arg(o));
      return { kind: 'connmark', op: 'set', value: v, mask: m, nfmask, ctmask, text: `CONNMARK ${o.name} ${arg(o)}` };
    }
  }
  throw new MatchError('-j CONNMARK needs --set-xmark, --set-mark, --save-mark or --restore-mark');
}

/** Compiles a rule's `-j`/`-g`; `chains` tells user chains from unknown targets. */
export function compileTarget(t: Target | undefined, chainExists: (name: string) => boolean): CompiledTarget {
  if (t === undefined) return { kind: 'none' };
  if (t.kind === 'goto' || chainExists(t.name)) {
    if (!chainExists(t.name)) throw new MatchError(`-g ${t.name}: no such chain in this table`);
    return { kind: 'chain', chain: t.name, goto: t.kind === 'goto' };
  }
  switch (t.name) {
    case 'ACCEPT':
      return { kind: 'accept' };
    case 'DROP':
      return { kind: 'drop' };
    case 'RETURN':
      return { kind: 'return' };
    case 'REJECT': {
      only(t, ['reject-with']);
      const o = opt(t, 'reject-with');
      return { kind: 'reject', with: o ? arg(o) : 'icmp-port-unreachable' };
    }
    case 'MARK':
      return markTarget(t);
    case 'CONNMARK':
      return connmarkTarget(t);
    case 'DNAT': {
      only(t, ['to-destination', 'random', 'persistent']);
      const o = opt(t, 'to-destination');
      if (o === undefined) throw new MatchError('-j DNAT needs --to-destination');
      return { kind: 'dnat', range: parseNatRange(arg(o)) };
    }
    case 'SNAT': {
      only(t, ['to-source', 'random', 'random-fully', 'persistent']);
      const o = opt(t, 'to-source');
      if (o === undefined) throw new MatchError('-j SNAT needs --to-source');
      return { kind: 'snat', range: parseNatRange(arg(o)) };
    }
    case 'MASQUERADE':
      only(t, ['to-ports', 'random', 'random-fully']);
      return { kind: 'masquerade', ports: toPorts(t), randomFully: opt(t, 'random-fully') !== undefined };
    case 'REDIRECT':
      only(t, ['to-ports', 'random']);
      return { kind: 'redirect', ports: toPorts(t) };
    case 'NOTRACK':
      return { kind: 'notrack' };
    case 'CT':
      if (opt(t, 'notrack') !== undefined) return { kind: 'notrack' };
      return { kind: 'note', text: `CT ${t.options.map((o) => `--${o.name}${o.args.length ? ' ' + o.args.join(' ') : ''}`).join(' ')}`.trim() };
    case 'LOG': {
      const p = opt(t, 'log-prefix');
      return { kind: 'note', text: p ? `LOG prefix "${arg(p)}"` : 'LOG' };
    }
    case 'NFLOG':
      return { kind: 'note', text: 'NFLOG' };
    case 'TRACE':
      return { kind: 'note', text: 'TRACE' };
    case 'CHECKSUM':
      return { kind: 'note', text: 'CHECKSUM fill' };
    default:
      throw new MatchError(`target '${t.name}' is not supported by the packet engine (and is not a chain of this table)`);
  }
}
