// The iptables, iptables-save and iptables-restore command lines on a ruleset,
// with the real tools' output, error messages and exit statuses (iptables
// 1.8.9, nf_tables). The ruleset is canonicalised first, as the kernel would
// hold it, so views and -S show what a real node shows.

import type { ParsedArgs } from './args.js';
import { parseArgs } from './args.js';
import { applyCommand, sameRule } from './apply.js';
import { canonicalize, canonicalizeRule, expandAddressLists, SAVE_TABLE_ORDER } from './canonical.js';
import type { ListOptions, NameTables } from './listing.js';
import { DEFAULT_HOSTS, listChains, listRule, specChains, specRule } from './listing.js';
import type { Chain, Rule, Ruleset, Table, TableName } from './model.js';
import { BUILTIN_CHAINS, emptyCounters, findChain, isTableName } from './model.js';
import { applyRestoreDetailed } from './parse.js';
import { saveRuleset } from './save.js';
import { servicePort } from './services.js';
import { isKnownMatch } from './specs.js';
import type { Token } from './tokens.js';
import { parseCidr } from '../net/ip.js';

export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** The ruleset after the command (the canonical input when nothing changed). */
  ruleset: Ruleset;
}

export interface RunOptions extends NameTables {
  ipv6?: boolean;
}

const VERSION = 'iptables v1.8.9 (nf_tables)';
const TRY = "Try `iptables -h' or 'iptables --help' for more information.";

const usageFail = (rs: Ruleset, msg: string, blank = false): CommandResult => ({
  stdout: '',
  stderr: `${VERSION}: ${msg}\n${blank ? '\n' : ''}${TRY}\n`,
  exitCode: 2,
  ruleset: rs,
});

const argvTokens = (argv: readonly string[]): Token[] => argv.map((text, i) => ({ text, column: i + 1, quoted: false }));

/** A table of the ruleset, created (with its built-in chains) when it does not exist yet. */
function tableOf(rs: Ruleset, name: TableName): Table {
  let t = rs.tables.find((x) => x.name === name);
  if (t === undefined) {
    t = {
      name,
      chains: BUILTIN_CHAINS[name].map((c): Chain => ({ name: c, builtin: true, policy: 'ACCEPT', counters: emptyCounters(), rules: [] })),
      leadingComments: [],
      trailingComments: [],
    };
    rs.tables.push(t);
    rs.tables.sort((a, b) => SAVE_TABLE_ORDER.indexOf(a.name) - SAVE_TABLE_ORDER.indexOf(b.name));
  }
  return t;
}

const HOOK_NO_IN = new Set(['OUTPUT', 'POSTROUTING']);
const HOOK_NO_OUT = new Set(['INPUT', 'PREROUTING']);
const NAT_ONLY = new Set(['DNAT', 'SNAT', 'MASQUERADE', 'REDIRECT']);
const REQUIRED: Readonly<Record<string, string>> = { DNAT: 'to-destination', SNAT: 'to-source' };
const REQUIRED_MATCH: Readonly<Record<string, string>> = { comment: 'comment', mark: 'mark', statistic: 'mode', addrtype: '' };

/** The checks iptables makes on a rule before sending it to the kernel. */
function validateRule(rs: Ruleset, rule: Rule, chain: string, table: TableName, o: RunOptions, op: string): CommandResult | undefined {
  for (const f of ['source', 'destination'] as const) {
    const v = rule[f];
    if (v === undefined) continue;
    const words = v.value.split(',');
    const out: string[] = [];
    for (const w of words) {
      if (parseCidr(w) !== null) {
        out.push(w);
        continue;
      }
      const slash = w.indexOf('/');
      const host = slash < 0 ? w : w.slice(0, slash);
      const known = Object.entries(o.hosts ?? DEFAULT_HOSTS).find(([, name]) => name === host)?.[0];
      if (known === undefined || (o.ipv6 !== true) !== !known.includes(':')) return usageFail(rs, `host/network \`${w}' not found`);
      out.push(`${known}${slash < 0 ? '' : w.slice(slash)}`);
    }
    v.value = out.join(',');
  }
  if (rule.inInterface !== undefined && HOOK_NO_IN.has(chain)) return usageFail(rs, `Can't use -i with ${chain}`, true);
  if (rule.outInterface !== undefined && HOOK_NO_OUT.has(chain)) return usageFail(rs, `Can't use -o with ${chain}`, true);
  for (const m of rule.matches) {
    if (!isKnownMatch(m.name)) return usageFail(rs, `Couldn't load match \`${m.name}':No such file or directory`, true);
    const need = REQUIRED_MATCH[m.name];
    if (need !== undefined && need !== '' && !m.options.some((x) => x.name === need)) {
      return usageFail(rs, `${m.name}: option "--${need}" must be specified`, true);
    }
    if (m.name === 'tcp' || m.name === 'udp' || m.name === 'sctp') {
      for (const x of m.options) {
        if (x.name !== 'sport' && x.name !== 'dport') continue;
        for (const p of (x.args[0] ?? '').split(':')) {
          if (p !== '' && servicePort(p, m.name, o.services) === undefined) return usageFail(rs, `invalid port/service \`${p}' specified`);
        }
      }
    }
  }
  const t = rule.target;
  if (t !== undefined) {
    const need = REQUIRED[t.name];
    if (need !== undefined && !t.options.some((x) => x.name === need)) return usageFail(rs, `${t.name}: option "--${need}" must be specified`, true);
    const badHook =
      (NAT_ONLY.has(t.name) && table !== 'nat') ||
      ((t.name === 'DNAT' || t.name === 'REDIRECT') && (chain === 'POSTROUTING' || chain === 'INPUT')) ||
      ((t.name === 'SNAT' || t.name === 'MASQUERADE') && (chain === 'PREROUTING' || chain === 'OUTPUT'));
    if (badHook) {
      return { stdout: '', stderr: `${VERSION}:  ${op} failed (Invalid argument): rule in chain ${chain}\n`, exitCode: 4, ruleset: rs };
    }
  }
  return undefined;
}

/** `iptables ARGS…` (or `ip6tables ARGS…` with `ipv6`) on a ruleset. */
export function runIptables(input: Ruleset, argv: readonly string[], o: RunOptions = {}): CommandResult {
  const r = runIptables4(input, argv, o);
  if (o.ipv6 !== true) return r;
  // ip6tables words its messages with its own name.
  const six = (t: string): string => t.replace(/\biptables(?= v1\.8\.9|: | -h'| --help')/g, 'ip6tables');
  return { ...r, stdout: six(r.stdout), stderr: six(r.stderr) };
}

function runIptables4(input: Ruleset, argv: readonly string[], o: RunOptions): CommandResult {
  const rs = canonicalize(input, { counters: true, ipv6: o.ipv6 === true });
  if (argv.length === 1 && (argv[0] === '-V' || argv[0] === '--version')) return { stdout: `${VERSION}\n`, stderr: '', exitCode: 0, ruleset: rs };
  if (argv.includes('-h') || argv.includes('--help')) return { stdout: `${VERSION}\n\n${USAGE}`, stderr: '', exitCode: 0, ruleset: rs };
  const parsed = parseArgs(argvTokens(argv));
  if (!parsed.ok) return { stdout: '', stderr: `${parsed.error.tool}\n`, exitCode: parsed.error.exit, ruleset: rs };
  const a: ParsedArgs = parsed.value;
  const cmd = a.command;
  if (cmd === undefined) return usageFail(rs, 'no command specified');
  const tname = a.table ?? 'filter';
  if (!isTableName(tname)) {
    return { stdout: '', stderr: `${VERSION}: table '${tname}' does not exist\nPerhaps iptables or your kernel needs to be upgraded.\n`, exitCode: 3, ruleset: rs };
  }
  if (cmd.num === 0 && (cmd.command === 'delete' || cmd.command === 'list-rules' || cmd.command === 'replace' || cmd.command === 'insert')) {
    return usageFail(rs, `Invalid rule number \`0'`);
  }
  const existed = rs.tables.some((t) => t.name === tname);
  const table = tableOf(rs, tname);
  const listOpts: ListOptions = { ...o, numeric: a.numeric, verbose: a.verbose, exact: a.exact, lineNumbers: a.lineNumbers };
  const ok = (stdout: string, ruleset: Ruleset = rs): CommandResult => ({ stdout, stderr: '', exitCode: 0, ruleset });
  const incompatible = (name: string): CommandResult => ({
    stdout: '',
    stderr: `${VERSION}: chain \`${name}' in table \`${tname}' is incompatible, use 'nft' tool.\n`,
    exitCode: 1,
    ruleset: rs,
  });
  const untouched = (): Ruleset => (existed ? rs : { tables: rs.tables.filter((t) => t !== table) });

  switch (cmd.command) {
    case 'list': {
      if (cmd.chain === undefined) return ok(listChains(table, table.chains, listOpts), untouched());
      const ch = findChain(table, cmd.chain);
      if (ch === undefined) return incompatible(cmd.chain);
      if (cmd.num !== undefined) {
        const r = ch.rules[cmd.num - 1];
        return ok(r === undefined ? '' : listRule(r, cmd.num, listOpts), untouched());
      }
      return ok(listChains(table, [ch], listOpts), untouched());
    }
    case 'list-rules': {
      if (cmd.chain === undefined) return ok(specChains(table.chains, a.verbose), untouched());
      const ch = findChain(table, cmd.chain);
      if (ch === undefined) return incompatible(cmd.chain);
      if (cmd.num !== undefined) {
        const r = ch.rules[cmd.num - 1];
        return ok(r === undefined ? '' : specRule(ch.name, r, a.verbose), untouched());
      }
      return ok(specChains([ch], a.verbose), untouched());
    }
    default:
      break;
  }

  const ruleCommand = cmd.command === 'append' || cmd.command === 'insert' || cmd.command === 'replace' || cmd.command === 'check' ||
    (cmd.command === 'delete' && cmd.num === undefined);
  let rules: Rule[] = [a.rule];
  if (ruleCommand) {
    const chain = cmd.chain ?? '';
    const op = cmd.command === 'insert' ? 'RULE_INSERT' : cmd.command === 'replace' ? 'RULE_REPLACE' : 'RULE_APPEND';
    const bad = validateRule(rs, a.rule, chain, tname, o, op);
    if (bad !== undefined) return bad;
    rules = expandAddressLists(a.rule).map((r) => {
      const c = canonicalizeRule(r, { ipv6: o.ipv6 === true });
      c.counters = r.counters ?? emptyCounters();
      return c;
    });
  }
  if (cmd.command === 'check') {
    const ch = findChain(table, cmd.chain ?? '');
    const found = ch !== undefined && rules.every((r) => ch.rules.some((x) => sameRule(x, r)));
    if (ch === undefined) return { stdout: '', stderr: 'iptables: Bad rule (does a matching rule exist in that chain?).\n', exitCode: 1, ruleset: untouched() };
    return found ? ok('', untouched()) : { stdout: '', stderr: 'iptables: Bad rule (does a matching rule exist in that chain?).\n', exitCode: 1, ruleset: untouched() };
  }
  // Insert several expanded rules at one position in order.
  const seq = cmd.command === 'insert' ? rules.map((r, i) => ({ r, c: { ...cmd, num: (cmd.num ?? 1) + i } })) : rules.map((r) => ({ r, c: cmd }));
  for (const { r, c } of seq) {
    const res = applyCommand(table, c, r);
    if (!res.ok) return { stdout: '', stderr: `${res.error.tool}\n`, exitCode: res.error.exit, ruleset: input === rs ? rs : canonicalize(input, { counters: true, ipv6: o.ipv6 === true }) };
  }
  return ok('', rs);
}

/** ctime(3) text, as iptables-save prints its date: `Wed Nov 25 02:56:44 2026`. */
export function ctime(d: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]!} ${months[d.getUTCMonth()]!} ${String(d.getUTCDate()).padStart(2, ' ')} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

export interface SaveRunOptions {
  /** The time printed in the `# Generated`/`# Completed` lines (default: now). */
  now?: Date;
  /** ip6tables-save: IPv6 defaults (REJECT's icmp6-port-unreachable, /128). */
  ipv6?: boolean;
}

/** `iptables-save [-t TABLE] [-c]`. */
export function runIptablesSave(input: Ruleset, argv: readonly string[], o: SaveRunOptions = {}): CommandResult {
  const rs = canonicalize(input, { counters: true, ipv6: o.ipv6 === true });
  let counters = false;
  let table: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i]!;
    if (w === '-c' || w === '--counters') counters = true;
    else if (w === '-t' || w === '--table') {
      table = argv[++i];
      if (table === undefined) return { stdout: '', stderr: `iptables-save v1.8.9 (nf_tables): option "${w}" requires an argument\n`, exitCode: 2, ruleset: rs };
    } else {
      return { stdout: '', stderr: `iptables-save v1.8.9 (nf_tables): unknown option "${w}"\n`, exitCode: 1, ruleset: rs };
    }
  }
  if (table !== undefined && !isTableName(table)) return { stdout: '', stderr: `Table \`${table}' does not exist\n`, exitCode: 1, ruleset: rs };
  const date = ctime(o.now ?? new Date());
  const tool = o.ipv6 === true ? 'ip6tables-save' : 'iptables-save';
  const view: Ruleset = { tables: [] };
  const names = table !== undefined ? [table as TableName] : rs.tables.map((t) => t.name);
  for (const n of names) {
    const t = rs.tables.find((x) => x.name === n) ?? tableOf({ tables: [] }, n);
    view.tables.push({
      ...t,
      leadingComments: [`# Generated by ${tool} v1.8.9 (nf_tables) on ${date}`],
      trailingComments: [`# Completed on ${date}`],
    });
  }
  return { stdout: saveRuleset(view, { counters }), stderr: '', exitCode: 0, ruleset: rs };
}

/** `iptables-restore [--noflush] [-c]` with INPUT on standard input. */
export function runIptablesRestore(input: Ruleset, text: string, argv: readonly string[], o: { ipv6?: boolean } = {}): CommandResult {
  let noflush = false;
  let counters = false;
  let test = false;
  for (const w of argv) {
    if (w === '-n' || w === '--noflush') noflush = true;
    else if (w === '-c' || w === '--counters') counters = true;
    else if (w === '-t' || w === '--test') test = true;
    else if (w === '-w' || w === '--wait' || /^[0-9]+$/.test(w)) continue;
    else {
      return {
        stdout: '',
        stderr: `iptables-restore v1.8.9 (nf_tables): unknown option "${w}"\nTry \`iptables-restore -h' or 'iptables-restore --help' for more information.\n`,
        exitCode: 2,
        ruleset: input,
      };
    }
  }
  const r = applyRestoreDetailed(input, text, { noflush, counters });
  if (!r.ok) {
    const e = r.errors[0]!;
    const tool = r.tool ?? {
      text: `iptables-restore v1.8.9 (nf_tables): ${e.message}\nError occurred at line: ${e.line ?? 0}\nTry \`iptables-restore -h' or 'iptables-restore --help' for more information.\n`,
      exit: 2,
    };
    return { stdout: '', stderr: tool.text, exitCode: tool.exit, ruleset: input };
  }
  return { stdout: '', stderr: '', exitCode: 0, ruleset: test ? input : canonicalize(r.value, { counters: true, ipv6: o.ipv6 === true }) };
}

const USAGE = `Usage: iptables -[ACD] chain rule-specification [options]
       iptables -I chain [rulenum] rule-specification [options]
       iptables -R chain rulenum rule-specification [options]
       iptables -D chain rulenum [options]
       iptables -[LS] [chain [rulenum]] [options]
       iptables -[FZ] [chain] [options]
       iptables -[NX] chain
       iptables -E old-chain-name new-chain-name
       iptables -P chain target [options]
       iptables -h (print this help information)
`;
