// The restore fast path for `-A CHAIN …` lines (parseAppendLine) against the
// general path (tokenizeLine + parseArgs): whenever the fast path takes a line
// it must give the same chain and the same rule (same keys, same order, same
// values); lines it leaves to the general path are fine either way. Checked on
// generated lines, on every -A line of the fixtures, and on whole dumps.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAppendLine } from '../../../core/engine/iptables/args.js';
import { parseArgs, parseIptablesSave, saveRuleset, tokenizeLine } from '../../../core/engine/iptables/index.js';
import type { Rule } from '../../../core/engine/iptables/index.js';

/** What the general path makes of the line, or undefined when it refuses it. */
function general(line: string): { chain: string; rule: Rule } | undefined {
  const tk = tokenizeLine(line);
  if (!tk.ok) return undefined;
  const r = parseArgs(tk.tokens);
  if (!r.ok || r.value.command?.command !== 'append' || r.value.table !== undefined || r.value.command.chain === undefined) return undefined;
  return { chain: r.value.command.chain, rule: r.value.rule };
}

/** Compares one line; true when the fast path took it. */
function same(line: string): boolean {
  const fast = parseAppendLine(line);
  if (fast === undefined) return false;
  // Snapshot before the general path runs: both share scratch lists, a leak would show here.
  const fastJson = JSON.stringify(fast);
  const gen = general(line);
  expect(gen, `general path refused a line the fast path took: ${line}`).toBeDefined();
  expect(fast.chain).toBe(gen!.chain);
  expect(fast.rule).toStrictEqual(gen!.rule);
  // Same key order too (JSON, saves and views follow it).
  expect(fastJson).toBe(JSON.stringify(gen));
  return true;
}

const sep = fc.constantFrom(' ', ' ', ' ', '  ', '\t');
const word = fc.constantFrom(
  '-s', '-d', '-i', '-o', '-p', '!', '!', '-m', '-m', '-j', '-g', '-f', '-c', '-t', '-A', '-n', '-nv', '--source', '--jump', '--match',
  'tcp', 'udp', 'comment', 'statistic', 'conntrack', 'mark', 'multiport', 'set', 'recent', 'foo', 'icmp',
  '--dport', '--sport', '--comment', '--mode', '--probability', '--ctstate', '--mark', '--dports', '--tcp-flags', '--syn',
  '--match-set', '--name', '--set', '--to-destination', '--set-xmark', '--random', '--random-fully', '--reject-with', '--log-prefix', '--bogus',
  'DNAT', 'MARK', 'MASQUERADE', 'ACCEPT', 'DROP', 'RETURN', 'REJECT', 'LOG', 'KUBE-SVC-ABC', 'KUBE-MARK-MASQ', 'CUSTOM',
  '80', '8080:8090', '10.0.0.1/32', '10.244.0.0/16', 'eth0', 'random', '0.50000000000', 'NEW,ESTABLISHED', '0x4000/0x4000', '10.1.2.3:80',
  '"a b"', '""', '"x\\"y"', '"-nv"', '"--dport"', 'a"b"', '"a"b', '"open', '-1', '--', '-x', 'SYN,ACK', 'src,dst',
);
const chainWord = fc.constantFrom('KUBE-SERVICES', 'INPUT', 'KUBE-SEP-XYZ', '"quoted"', '!', '-s', '5');
const line = fc
  .tuple(sep, chainWord, fc.array(fc.tuple(sep, word), { maxLength: 14 }), fc.constantFrom('', ' ', '\t'))
  .map(([s, c, ws, tail]) => `-A${s}${c}${ws.map(([a, b]) => a + b).join('')}${tail}`);

/** A rule spec in the shapes iptables-save prints (most of them the fast path takes). */
const savedLine = fc
  .record({
    chain: fc.constantFrom('KUBE-SERVICES', 'KUBE-SVC-AAAA', 'PREROUTING'),
    src: fc.option(fc.tuple(fc.boolean(), fc.constantFrom('10.244.0.0/16', '10.1.2.3/32')), { nil: undefined }),
    dst: fc.option(fc.tuple(fc.boolean(), fc.constantFrom('10.96.0.1/32', '172.18.0.2/32')), { nil: undefined }),
    iface: fc.option(fc.tuple(fc.boolean(), fc.constantFrom('eth0', 'cni+')), { nil: undefined }),
    proto: fc.option(fc.tuple(fc.boolean(), fc.constantFrom('tcp', 'udp', 'sctp')), { nil: undefined }),
    // Mostly plain comments; some with quotes and backslashes (escaped: the general path's).
    comment: fc.option(
      fc.oneof({ arbitrary: fc.stringMatching(/^[a-zA-Z0-9 /:;,._-]{0,30}$/), weight: 9 }, { arbitrary: fc.stringMatching(/^[a-zA-Z0-9 /:;,.'"\\_-]{0,30}$/), weight: 1 }),
      { nil: undefined },
    ),
    port: fc.option(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 65535 })), { nil: undefined }),
    ctstate: fc.option(fc.tuple(fc.boolean(), fc.constantFrom('NEW', 'INVALID', 'RELATED,ESTABLISHED')), { nil: undefined }),
    prob: fc.option(fc.constantFrom('0.33333333349', '0.50000000000'), { nil: undefined }),
    target: fc.option(
      fc.constantFrom('-j ACCEPT', '-j KUBE-MARK-MASQ', '-g KUBE-SEP-X', '-j DNAT --to-destination 10.244.1.2:8080', '-j MARK --set-xmark 0x4000/0x4000',
        '-j MASQUERADE --random-fully', '-j REJECT --reject-with icmp-port-unreachable', '-j LOG --log-prefix "dropped: "'),
      { nil: undefined },
    ),
  })
  .map((r) => {
    const bang = (b: boolean): string => (b ? ' !' : '');
    let s = `-A ${r.chain}`;
    if (r.src) s += `${bang(r.src[0])} -s ${r.src[1]}`;
    if (r.dst) s += `${bang(r.dst[0])} -d ${r.dst[1]}`;
    if (r.iface) s += `${bang(r.iface[0])} -i ${r.iface[1]}`;
    if (r.proto) s += `${bang(r.proto[0])} -p ${r.proto[1]}`;
    if (r.comment !== undefined) s += ` -m comment --comment ${/^[^ "'\\]+$/.test(r.comment) ? r.comment : `"${r.comment.replace(/["'\\]/g, (c) => `\\${c}`)}"`}`;
    if (r.proto && r.port) s += ` -m ${r.proto[1]}${bang(r.port[0])} --dport ${r.port[1]}`;
    if (r.ctstate) s += ` -m conntrack${bang(r.ctstate[0])} --ctstate ${r.ctstate[1]}`;
    if (r.prob !== undefined) s += ` -m statistic --mode random --probability ${r.prob}`;
    if (r.target !== undefined) s += ` ${r.target}`;
    return s;
  });

/** Every text file under test/fixtures. */
function fixtureFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...fixtureFiles(p));
    else if (/\.(rules|save|txt|v4|v6)$/.test(name)) out.push(p);
  }
  return out;
}
const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));

describe('restore fast path for -A lines', () => {
  it('gives the general path’s rule on generated lines, and takes a fair share of them', () => {
    let taken = 0;
    let runs = 0;
    fc.assert(
      fc.property(line, (l) => {
        runs++;
        if (same(l)) taken++;
      }),
      { numRuns: 3000 },
    );
    // Guard against a vacuous pass: the vocabulary makes many lines the fast path takes.
    expect(taken).toBeGreaterThan(runs / 50);
  });

  it('takes the lines iptables-save prints and gives the same rules', () => {
    let taken = 0;
    let runs = 0;
    fc.assert(
      fc.property(savedLine, (l) => {
        runs++;
        if (same(l)) taken++;
      }),
      { numRuns: 1000 },
    );
    expect(taken).toBeGreaterThan(runs * 0.7);
  });

  it('gives the same rules on every -A line of the fixtures', () => {
    const files = fixtureFiles(FIXTURES);
    let lines = 0;
    let taken = 0;
    for (const f of files) {
      for (const raw of readFileSync(f, 'utf8').split('\n')) {
        const l = raw.replace(/^\[\d+:\d+\] /, '').replace(/\r$/, '');
        if (!l.startsWith('-A')) continue;
        lines++;
        if (same(l)) taken++;
      }
    }
    expect(lines).toBeGreaterThan(500);
    expect(taken).toBeGreaterThan(lines / 2);
  });

  it('leaves to the general path what it cannot read the same way', () => {
    for (const l of [
      '-A X -p tcp --dport 80 -j ACCEPT', // --dport owned by the implicit tcp match
      '-A X -m comment --comment -nv -j ACCEPT', // an argument the general path expands as a bundle
      '-A X -m comment --comment "a\\"b"', // escapes inside quotes
      '-A X -m foo --bar 1', // unknown module: verbatim options
      '-A X -s 10.0.0.1 -s 10.0.0.2', // an error: worded by the general path
      '-A X -m set --match-set KUBE set src', // two arguments
      '  -A X -j ACCEPT', // indented
      '-A X --source 10.0.0.1', // long form
    ]) {
      expect(parseAppendLine(l), l).toBeUndefined();
    }
  });

  it('parses whole saves to rules equal to the general path’s and saves them back byte for byte', () => {
    const saves = fixtureFiles(FIXTURES).filter((f) => /golden\/[^/]+\/save(-c)?\.txt$/.test(f));
    expect(saves.length).toBeGreaterThan(4);
    let rules = 0;
    for (const f of saves) {
      const dump = readFileSync(f, 'utf8');
      const rs = parseIptablesSave(dump);
      expect(rs.ok, f).toBe(true);
      if (!rs.ok) continue;
      expect(saveRuleset(rs.value, { counters: f.endsWith('save-c.txt') }), f).toBe(dump);
      const lines = dump.split('\n');
      for (const t of rs.value.tables) {
        for (const ch of t.chains) {
          for (const r of ch.rules) {
            const raw = lines[r.line! - 1]!;
            const counters = /^\[(\d+):(\d+)\] /.exec(raw);
            const g = general(counters === null ? raw : raw.slice(counters[0].length))!;
            if (counters !== null) g.rule.counters = { packets: Number(counters[1]), bytes: Number(counters[2]) };
            g.rule.line = r.line!;
            expect(r).toStrictEqual(g.rule);
            rules++;
          }
        }
      }
    }
    expect(rules).toBeGreaterThan(200);
  });
});
