// Round trips on generated rulesets in canonical form (as iptables-save prints
// them): save(parse(x)) === x, parse(save(rs)) deep-equals rs, and
// canonicalisation leaves canonical rulesets alone.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Chain, MatchModule, ModuleOption, Rule, Ruleset, Table, TableName, Target } from '../../../core/engine/iptables/index.js';
import { BUILTIN_CHAINS, canonicalize, kernelProbability, needsQuotes, parseIptablesSave, saveRuleset, SAVE_TABLE_ORDER } from '../../../core/engine/iptables/index.js';
import { formatCidr, parseCidr } from '../../../core/engine/net/ip.js';

const opt = (name: string, args: string[] = [], invert = false): ModuleOption => ({ name, invert, args });

const cidr = fc
  .tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 32 }))
  .map(([n, p]) => formatCidr(parseCidr(`${[n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')}/${p}`)!));
const neg = <T>(v: fc.Arbitrary<T>) => fc.record({ invert: fc.boolean(), value: v });
const commentText = fc.stringMatching(/^[a-zA-Z0-9 /:;,.'"\\_-]{0,40}$/);
const hex = fc.integer({ min: 0, max: 0xffffffff }).map((n) => `0x${n.toString(16)}`);

const userChainName = fc.stringMatching(/^KUBE-[A-Z0-9]{1,16}$/);

function ruleArb(chains: readonly string[]): fc.Arbitrary<Rule> {
  const proto = fc.option(fc.constantFrom('tcp', 'udp'), { nil: undefined });
  return fc
    .record({
      source: fc.option(neg(cidr), { nil: undefined }),
      destination: fc.option(neg(cidr), { nil: undefined }),
      inInterface: fc.option(neg(fc.constantFrom('eth0', 'docker0', 'cni+')), { nil: undefined }),
      outInterface: fc.option(neg(fc.constantFrom('eth1', 'virbr0')), { nil: undefined }),
      proto,
      comment: fc.option(commentText, { nil: undefined }),
      dport: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
      ctstate: fc.option(fc.tuple(fc.boolean(), fc.constantFrom('NEW', 'INVALID', 'RELATED,ESTABLISHED', 'RELATED,ESTABLISHED,DNAT')), { nil: undefined }),
      mark: fc.option(fc.tuple(fc.boolean(), hex, hex), { nil: undefined }),
      probability: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
      target: fc.option(
        fc.oneof(
          fc.constantFrom<Target>(
            { kind: 'jump', name: 'ACCEPT', options: [] },
            { kind: 'jump', name: 'RETURN', options: [] },
            { kind: 'jump', name: 'MASQUERADE', options: [opt('random-fully')] },
            { kind: 'jump', name: 'REJECT', options: [opt('reject-with', ['icmp-port-unreachable'])] },
          ),
          fc.tuple(hex, hex).map(([v, m]): Target => ({ kind: 'jump', name: 'MARK', options: [opt('set-xmark', [`${v}/${m}`])] })),
          fc.tuple(cidr, fc.integer({ min: 1, max: 65535 })).map(([c, p]): Target => ({
            kind: 'jump', name: 'DNAT', options: [opt('to-destination', [`${c.split('/')[0]!}:${p}`])],
          })),
          ...(chains.length > 0 ? [fc.tuple(fc.constantFrom(...chains), fc.boolean()).map(([n, g]): Target => ({ kind: g ? 'goto' : 'jump', name: n, options: [] }))] : []),
        ),
        { nil: undefined },
      ),
    })
    .map((g): Rule => {
      const r: Rule = { matches: [] };
      if (g.source) r.source = g.source;
      if (g.destination) r.destination = g.destination;
      if (g.inInterface) r.inInterface = g.inInterface;
      if (g.outInterface) r.outInterface = g.outInterface;
      if (g.proto) r.protocol = { invert: false, value: g.proto };
      if (g.comment !== undefined) {
        const o = opt('comment', [g.comment]);
        if (needsQuotes(g.comment)) o.quoted = true;
        r.matches.push({ name: 'comment', options: [o] });
      }
      if (g.proto && g.dport !== undefined) r.matches.push({ name: g.proto, options: [opt('dport', [String(g.dport)])] });
      if (g.ctstate) r.matches.push({ name: 'conntrack', options: [opt('ctstate', [g.ctstate[1]], g.ctstate[0])] });
      if (g.mark) {
        const value = g.mark[2] === '0xffffffff' ? g.mark[1] : `${g.mark[1]}/${g.mark[2]}`;
        r.matches.push({ name: 'mark', options: [opt('mark', [value], g.mark[0])] });
      }
      if (g.probability !== undefined) {
        const m: MatchModule = { name: 'statistic', options: [opt('mode', ['random']), opt('probability', [kernelProbability(g.probability)])] };
        r.matches.push(m);
      }
      if (g.target) r.target = g.target;
      return r;
    });
}

const tableArb = (name: TableName, withCounters: boolean): fc.Arbitrary<Table> =>
  fc.uniqueArray(userChainName, { maxLength: 5 }).chain((users) => {
    const sorted = [...users].sort();
    const names = [...BUILTIN_CHAINS[name], ...sorted];
    const counters = withCounters
      ? fc.record({ packets: fc.integer({ min: 0, max: 2 ** 40 }), bytes: fc.integer({ min: 0, max: 2 ** 50 }) })
      : fc.constant({ packets: 0, bytes: 0 });
    return fc
      .tuple(
        ...names.map((n) =>
          fc.record({
            policy: fc.constantFrom<'ACCEPT' | 'DROP'>('ACCEPT', 'DROP'),
            counters,
            rules: fc.array(
              fc.tuple(ruleArb(sorted), counters).map(([r, c]) => (withCounters ? { ...r, counters: c } : r)),
              { maxLength: 4 },
            ),
          }).map((c): Chain => {
            const builtin = BUILTIN_CHAINS[name].includes(n);
            return { name: n, builtin, policy: builtin ? c.policy : null, counters: builtin ? c.counters : { packets: 0, bytes: 0 }, rules: c.rules };
          }),
        ),
      )
      .map((chains): Table => ({ name, chains, leadingComments: [], trailingComments: [] }));
  });

const rulesetArb = (withCounters: boolean): fc.Arbitrary<Ruleset> =>
  fc.subarray([...SAVE_TABLE_ORDER], { minLength: 1 }).chain((names) =>
    fc.tuple(...names.map((n) => tableArb(n, withCounters))).map((tables) => ({ tables })),
  );

function stripLines(rs: Ruleset): Ruleset {
  return { tables: rs.tables.map((t) => ({ ...t, chains: t.chains.map((c) => ({ ...c, rules: c.rules.map(({ line: _l, ...r }) => r) })) })) };
}

describe('round trips on generated canonical rulesets', () => {
  it('saveRuleset(parse(x)) === x and parse(save(rs)) deep-equals rs', () => {
    fc.assert(
      fc.property(rulesetArb(true), fc.boolean(), (rs, counters) => {
        const text = saveRuleset(rs, { counters });
        const p = parseIptablesSave(text);
        expect(p.ok).toBe(true);
        if (!p.ok) return;
        expect(saveRuleset(p.value, { counters })).toBe(text);
        if (counters) expect(stripLines(p.value)).toEqual(rs);
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it('canonicalize leaves a canonical ruleset as it is', () => {
    fc.assert(
      fc.property(rulesetArb(false), (rs) => {
        expect(saveRuleset(canonicalize(rs))).toBe(saveRuleset(rs));
      }),
      { numRuns: 150 },
    );
  }, 120_000);
});
