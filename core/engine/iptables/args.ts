// Reads the words of one iptables command (a command line, or one line of
// iptables-restore input) into a command, its chain and numbers, the view
// flags, and the rule it describes. Matches and targets are kept generically;
// the known ones get their argument counts from specs.ts so a missing argument
// is reported where it is missing.

import type { MatchModule, ModuleOption, Negatable, Rule, Target } from './model.js';
import { isKnownMatch as isKnownMatchSpec, isKnownTarget as isKnownTargetSpec, optionArity, TARGET_OPTIONS } from './specs.js';
import type { Token } from './tokens.js';

export type CommandName =
  | 'append' | 'insert' | 'delete' | 'replace' | 'check' | 'list' | 'list-rules'
  | 'flush' | 'zero' | 'new-chain' | 'delete-chain' | 'policy' | 'rename-chain';

export interface ParsedCommand {
  command: CommandName;
  /** The option as written, `-A` or `--append` (for "Cannot use -A with -L"). */
  flag: string;
  chain?: string;
  /** Rule number for -I/-D/-R/-Z/-S. */
  num?: number;
  /** -P's policy, -E's new name. */
  arg2?: string;
}

export interface ParsedArgs {
  command?: ParsedCommand;
  table?: string;
  numeric: boolean;
  verbose: boolean;
  exact: boolean;
  lineNumbers: boolean;
  /** The rule spec given by the words (empty rule when none). */
  rule: Rule;
  /** True when any rule option was given. */
  hasRuleSpec: boolean;
}

export interface ArgError {
  /** Index of the word the error is about (or the word count for "missing at the end"). */
  token: number;
  /** 1-based column of that word in its line (after the last word when it is missing). */
  column?: number;
  /** Our message, for files: `expected an argument after --dport`. */
  message: string;
  /** What the real iptables writes on stderr (without the trailing newline), and its exit status. */
  tool: string;
  exit: number;
}

export type ParseArgsResult = { ok: true; value: ParsedArgs } | { ok: false; error: ArgError };

const TRY = "Try `iptables -h' or 'iptables --help' for more information.";
const PREFIX = 'iptables v1.8.9 (nf_tables): ';

const COMMANDS: Record<string, CommandName> = {
  '-A': 'append', '--append': 'append',
  '-I': 'insert', '--insert': 'insert',
  '-D': 'delete', '--delete': 'delete',
  '-R': 'replace', '--replace': 'replace',
  '-C': 'check', '--check': 'check',
  '-L': 'list', '--list': 'list',
  '-S': 'list-rules', '--list-rules': 'list-rules',
  '-F': 'flush', '--flush': 'flush',
  '-Z': 'zero', '--zero': 'zero',
  '-N': 'new-chain', '--new-chain': 'new-chain',
  '-X': 'delete-chain', '--delete-chain': 'delete-chain',
  '-P': 'policy', '--policy': 'policy',
  '-E': 'rename-chain', '--rename-chain': 'rename-chain',
};

type CoreField = 'source' | 'destination' | 'inInterface' | 'outInterface' | 'protocol';
const CORE: Record<string, CoreField> = {
  '-s': 'source', '--source': 'source', '--src': 'source',
  '-d': 'destination', '--destination': 'destination', '--dst': 'destination',
  '-i': 'inInterface', '--in-interface': 'inInterface',
  '-o': 'outInterface', '--out-interface': 'outInterface',
  '-p': 'protocol', '--protocol': 'protocol',
};
const FLAGS: Record<string, 'numeric' | 'verbose' | 'exact' | 'lineNumbers' | 'wait'> = {
  '-n': 'numeric', '--numeric': 'numeric',
  '-v': 'verbose', '--verbose': 'verbose',
  '-x': 'exact', '--exact': 'exact',
  '--line-numbers': 'lineNumbers',
  '-w': 'wait', '--wait': 'wait',
};
type FixedWord = 'table' | 'fragment' | 'match' | 'jump' | 'goto' | 'counters';
/** What a fixed (non-module) option word is: one map lookup tells them from module options (most words of a big dump). */
interface Special {
  command?: CommandName;
  flag?: 'numeric' | 'verbose' | 'exact' | 'lineNumbers' | 'wait';
  core?: CoreField;
  word?: FixedWord;
}
const FIXED: Record<string, FixedWord> = {
  '-t': 'table', '--table': 'table', '-f': 'fragment', '--fragment': 'fragment', '-m': 'match', '--match': 'match',
  '-j': 'jump', '--jump': 'jump', '-g': 'goto', '--goto': 'goto', '-c': 'counters', '--set-counters': 'counters',
};
const SPECIAL = new Map<string, Special>([
  ...Object.entries(COMMANDS).map(([w, command]): [string, Special] => [w, { command }]),
  ...Object.entries(CORE).map(([w, core]): [string, Special] => [w, { core }]),
  ...Object.entries(FLAGS).map(([w, flag]): [string, Special] => [w, { flag }]),
  ...Object.entries(FIXED).map(([w, word]): [string, Special] => [w, { word }]),
]);
/** Letters that may be bundled as in `-nvL`. */
const BUNDLE = new Set(['n', 'v', 'x', 'L', 'S', 'F', 'Z', 'X', 'w']);

const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
/** `-x` or `--xyz` (unquoted): an option, not an argument. */
const isOptionWord = (t: Token): boolean => {
  if (t.quoted) return false;
  const s = t.text;
  if (s.length < 2 || s.charCodeAt(0) !== 45) return false;
  const c1 = s.charCodeAt(1);
  return isLetter(c1) || (c1 === 45 && s.length > 2 && isLetter(s.charCodeAt(2)));
};
const isBang = (t: Token | undefined): boolean => t !== undefined && !t.quoted && t.text === '!';
const isNumberWord = (t: Token | undefined): boolean => {
  if (t === undefined) return false;
  const s = t.text;
  if (s.length === 0) return false;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c < 48 || c > 57) return false;
  }
  return true;
};

/**
 * Names a big dump repeats on every rule (modules, targets, options, short
 * arguments): one shared string each instead of one copy per rule, so a
 * 100k-rule model holds far fewer objects. Bounded: odd inputs cannot grow it.
 */
const INTERNED = new Map<string, string>();
const INTERN_MAX = 8192;
export function intern(s: string): string {
  const have = INTERNED.get(s);
  if (have !== undefined) return have;
  if (INTERNED.size < INTERN_MAX) INTERNED.set(s, s);
  return s;
}
const TARGET_NAMES = new Map<string, string>(Object.keys(TARGET_OPTIONS).map((k) => [k, k]));
const targetName = (s: string): string => TARGET_NAMES.get(s) ?? s;
/** `--comment` → `comment`, the slice made once per distinct option word. */
const OPTION_NAMES = new Map<string, string>();
function optionName(w: string): string {
  const have = OPTION_NAMES.get(w);
  if (have !== undefined) return have;
  const name = w.slice(2);
  if (OPTION_NAMES.size < INTERN_MAX) OPTION_NAMES.set(w, name);
  return name;
}
/** Short arguments (ports, modes, `0x4000/0x4000`) repeat; long ones (addresses, comments) rarely do. */
const internArg = (s: string): string => (s.length <= 16 ? intern(s) : s);

function usageError(token: number, message: string, tool: string): ParseArgsResult {
  return { ok: false, error: { token, message, tool: `${PREFIX}${tool}\n${TRY}`, exit: 2 } };
}

function missingArgument(token: number, opt: string): ParseArgsResult {
  return usageError(token, `expected an argument after ${opt}`, `option "${opt}" requires an argument`);
}

/** Splits `-nvL` into `-n -v -L`; other words pass through. */
function expandBundles(tokens: readonly Token[]): readonly Token[] {
  let bundled = false;
  for (let k = 0; k < tokens.length && !bundled; k++) {
    const t = tokens[k]!.text;
    bundled = t.length > 2 && t.charCodeAt(0) === 45 && t.charCodeAt(1) !== 45 && BUNDLE.has(t[1]!);
  }
  if (!bundled) return tokens;
  const out: Token[] = [];
  for (const t of tokens) {
    if (!t.quoted && /^-[A-Za-z]{2,}$/.test(t.text) && [...t.text.slice(1)].every((c) => BUNDLE.has(c))) {
      [...t.text.slice(1)].forEach((c, k) => out.push({ text: `-${c}`, column: t.column + 1 + k, quoted: false }));
    } else out.push(t);
  }
  return out;
}

export function parseArgs(input: readonly Token[]): ParseArgsResult {
  const tokens = expandBundles(input);
  // Like getopt, an option's required argument is the next word whatever it looks like: `--comment -ZL` is a
  // comment, not `-Z -L`. No iptables option has two letters, so when the words parse as they are, every
  // bundle-like word was an argument; otherwise the bundles are options (`-nvL`) and their expansion decides.
  if (tokens !== input) {
    const verbatim = parseExpanded(input);
    if (verbatim.ok) return verbatim;
  }
  const r = parseExpanded(tokens);
  if (!r.ok) {
    const t = tokens[r.error.token];
    const last = tokens[tokens.length - 1];
    r.error.column = t !== undefined ? t.column : last !== undefined ? (last.end ?? last.column + last.text.length) + 1 : 1;
  }
  return r;
}

/**
 * Scratch lists, reused from rule to rule: a rule's matches and each module's
 * options are collected here and copied once, at their exact size, by
 * compact(). Growing fresh arrays by push reserved 16 slots each and copied
 * them again at the end. parseArgs runs to completion without callbacks, so
 * one set of scratch lists is enough.
 */
const scratchMatches: MatchModule[] = [];
const scratchOptions: ModuleOption[][] = [];
let scratchUsed = 0;
function scratchList(): ModuleOption[] {
  let a = scratchOptions[scratchUsed];
  if (a === undefined) {
    a = [];
    scratchOptions.push(a);
  } else a.length = 0;
  scratchUsed++;
  return a;
}

function parseExpanded(tokens: readonly Token[]): ParseArgsResult {
  scratchMatches.length = 0;
  scratchUsed = 0;
  // Built from {} (4 in-object slots) rather than { matches } (1 slot): most
  // rules then need no separate property store. Same key order as before.
  const rule = {} as Rule;
  rule.matches = scratchMatches;
  const out: ParsedArgs = { numeric: false, verbose: false, exact: false, lineNumbers: false, rule, hasRuleSpec: false };
  let invert = false;
  let invertAt = -1;
  /** Where the next `--option` goes: the latest -m module or the target. */
  let context: { kind: 'match'; module: MatchModule } | { kind: 'target'; target: Target } | undefined;
  const n = tokens.length;

  for (let i = 0; i < n; i++) {
    const tok = tokens[i]!;
    const w = tok.text;
    if (isBang(tok)) {
      if (invert) return usageError(i, 'multiple ! flags', 'multiple `!\' flags not allowed');
      invert = true;
      invertAt = i;
      continue;
    }
    if (!isOptionWord(tok)) {
      return { ok: false, error: { token: i, message: `unexpected word '${w}'`, tool: `Bad argument \`${w}'\n${TRY}`, exit: 2 } };
    }
    // One set lookup tells the few fixed words from module options (most words of a big dump).
    const special = SPECIAL.get(w);
    const cmd = special?.command;
    if (cmd !== undefined) {
      if (invert) return usageError(invertAt, `'!' cannot negate ${w}`, `unexpected ! flag before ${w}`);
      if (out.command !== undefined) {
        return usageError(i, `${w} cannot be combined with ${out.command.flag}`, `Cannot use ${w} with ${out.command.flag}`);
      }
      const c: ParsedCommand = { command: cmd, flag: w };
      const next = tokens[i + 1];
      const needsChain = cmd === 'append' || cmd === 'insert' || cmd === 'delete' || cmd === 'replace' || cmd === 'check' ||
        cmd === 'new-chain' || cmd === 'policy' || cmd === 'rename-chain';
      if (next !== undefined && !isOptionWord(next) && !isBang(next)) {
        c.chain = next.text;
        i++;
      } else if (needsChain) {
        return missingArgument(i + 1, w);
      }
      if (cmd === 'policy' || cmd === 'rename-chain') {
        const a2 = tokens[i + 1];
        if (a2 === undefined || isOptionWord(a2)) {
          return usageError(i + 1, `${w} needs two arguments`, `${w} requires a ${cmd === 'policy' ? 'policy' : 'new name'}`);
        }
        c.arg2 = a2.text;
        i++;
      }
      const numAllowed = cmd === 'insert' || cmd === 'delete' || cmd === 'replace' || cmd === 'zero' || cmd === 'list-rules' || cmd === 'list';
      if (numAllowed && c.chain !== undefined && isNumberWord(tokens[i + 1])) {
        c.num = Number(tokens[i + 1]!.text);
        i++;
      } else if (cmd === 'replace' && c.chain !== undefined) {
        return missingArgument(i + 1, w);
      }
      out.command = c;
      continue;
    }
    if (special?.word === 'table') {
      const next = tokens[i + 1];
      if (next === undefined || isOptionWord(next)) return missingArgument(i + 1, w);
      if (out.table !== undefined) return usageError(i, 'only one table may be given', 'multiple -t flags not allowed');
      out.table = next.text;
      i++;
      continue;
    }
    const flag = special?.flag;
    if (flag !== undefined) {
      if (flag === 'wait') {
        if (isNumberWord(tokens[i + 1])) i++;
        continue;
      }
      out[flag] = true;
      continue;
    }
    const core = special?.core;
    if (core !== undefined) {
      let inv = invert;
      invert = false;
      let next = tokens[i + 1];
      // The old form `-s ! 10.0.0.0/8`.
      if (isBang(next) && !inv) {
        inv = true;
        i++;
        next = tokens[i + 1];
      }
      if (next === undefined || isOptionWord(next) || isBang(next)) return missingArgument(i + 1, w);
      if (rule[core] !== undefined) {
        return usageError(i, `${w} given twice`, `multiple ${w.startsWith('--') ? w : `-${w[1]}`} flags not allowed`);
      }
      const v: Negatable<string> = { invert: inv, value: core === 'protocol' || core === 'inInterface' || core === 'outInterface' ? intern(next.text) : next.text };
      rule[core] = v;
      out.hasRuleSpec = true;
      i++;
      continue;
    }
    if (special?.word === 'fragment') {
      rule.fragment = { invert, value: true };
      invert = false;
      out.hasRuleSpec = true;
      continue;
    }
    if (special?.word === 'match') {
      if (invert) return usageError(invertAt, "'!' cannot negate -m", 'unexpected ! flag before --match');
      const next = tokens[i + 1];
      if (next === undefined || isOptionWord(next)) return missingArgument(i + 1, w);
      const m: MatchModule = { name: intern(next.text), options: scratchList() };
      rule.matches.push(m);
      context = { kind: 'match', module: m };
      out.hasRuleSpec = true;
      i++;
      continue;
    }
    if (special?.word === 'jump' || special?.word === 'goto') {
      if (invert) return usageError(invertAt, `'!' cannot negate ${w}`, `unexpected ! flag before ${w}`);
      const next = tokens[i + 1];
      if (next === undefined || isOptionWord(next)) return missingArgument(i + 1, w);
      if (rule.target !== undefined) return usageError(i, 'only one target may be given', 'multiple -j flags not allowed');
      // Known targets share one name string; chain names are not interned (a big dump has thousands, they would fill the table).
      const t: Target = { kind: special.word, name: targetName(next.text), options: scratchList() };
      rule.target = t;
      context = { kind: 'target', target: t };
      out.hasRuleSpec = true;
      i++;
      continue;
    }
    if (special?.word === 'counters') {
      const p = tokens[i + 1];
      const b = tokens[i + 2];
      if (!isNumberWord(p) || !isNumberWord(b)) {
        return usageError(i + 1, `expected packet and byte counts after ${w}`, `-c requires packet and byte counter`);
      }
      rule.counters = { packets: Number(p!.text), bytes: Number(b!.text) };
      i += 2;
      continue;
    }
    if (!w.startsWith('--')) return usageError(i, `unknown option ${w}`, `unknown option "${w}"`);

    // A module option: find its owner the way iptables does.
    const name = optionName(w);
    if (!findOwner(rule, context, name)) return usageError(i, `unknown option ${w}`, `unknown option "${w}"`);
    const ownerOptions = foundOptions!;
    const arity = foundArity;
    foundOptions = undefined;
    let inv = invert;
    invert = false;
    let args: string[] = [];
    let quoted = false;
    if (arity === 1) {
      // The common case, built at its exact size (a pushed-to array reserves 16 slots).
      const next = tokens[i + 1];
      if (next === undefined) return missingArgument(i + 1, w);
      if (isBang(next) && !inv) {
        inv = true;
        i++;
        const arg = tokens[i + 1];
        if (arg === undefined) return missingArgument(i + 1, w);
        args = [internArg(arg.text)];
        quoted = arg.quoted;
      } else {
        args = [internArg(next.text)];
        quoted = next.quoted;
      }
      i++;
    } else if (arity === undefined) {
      while (i + 1 < n && !isOptionWord(tokens[i + 1]!) && !isBang(tokens[i + 1])) {
        args.push(internArg(tokens[i + 1]!.text));
        quoted = quoted || tokens[i + 1]!.quoted;
        i++;
      }
    } else {
      if (arity > 0 && isBang(tokens[i + 1]) && !inv) {
        inv = true;
        i++;
      }
      // Like getopt, a required argument is the next word whatever it looks like (`--comment -A`).
      for (let k = 0; k < arity; k++) {
        const next = tokens[i + 1];
        if (next === undefined) return missingArgument(i + 1, w);
        args.push(internArg(next.text));
        quoted = quoted || next.quoted;
        i++;
      }
    }
    if (arity !== 1) args = exact(args);
    // One literal per shape: adding `quoted` afterwards would give the object a separate property store.
    ownerOptions.push(quoted ? { name, invert: inv, args, quoted: true } : { name, invert: inv, args });
    out.hasRuleSpec = true;
  }
  if (invert) return usageError(invertAt, "'!' must be followed by an option", 'unexpected ! at the end');
  compact(rule);
  return { ok: true, value: out };
}

/**
 * A parsed rule lives as long as its ruleset: its lists leave the scratch
 * lists as copies of their exact size (arrays grown by push reserve 16 slots;
 * those empty slots were most of a big model's memory).
 */
function compact(rule: Rule): void {
  const ms = rule.matches;
  for (let k = 0; k < ms.length; k++) {
    const m = ms[k]!;
    m.options = exact(m.options);
  }
  rule.matches = exact(ms);
  const t = rule.target;
  if (t !== undefined) {
    t.options = exact(t.options);
  }
}
const exact = <T>(a: T[]): T[] => (a.length === 0 ? [] : a.length === 1 ? [a[0]!] : a.slice());

/** findOwner's answer, in module state rather than a fresh object per option (parse allocates once per rule part). */
let foundOptions: ModuleOption[] | undefined;
let foundArity: number | undefined;
const found = (options: ModuleOption[], arity: number | undefined): true => {
  foundOptions = options;
  foundArity = arity;
  return true;
};

/** The module or target that takes `--name` (into foundOptions/foundArity), loading the protocol's match implicitly as iptables does. */
function findOwner(
  rule: Rule,
  context: { kind: 'match'; module: MatchModule } | { kind: 'target'; target: Target } | undefined,
  name: string,
): boolean {
  if (context?.kind === 'target') {
    const a = optionArity('target', context.target.name, name);
    if (a !== undefined) return found(context.target.options, a);
  } else if (context?.kind === 'match') {
    const a = optionArity('match', context.module.name, name);
    if (a !== undefined) return found(context.module.options, a);
  }
  for (let k = rule.matches.length - 1; k >= 0; k--) {
    const m = rule.matches[k]!;
    const a = optionArity('match', m.name, name);
    if (a !== undefined) return found(m.options, a);
  }
  const proto = rule.protocol !== undefined && !rule.protocol.invert ? intern(rule.protocol.value.toLowerCase()) : undefined;
  if (proto !== undefined) {
    let loaded = false;
    for (let k = 0; k < rule.matches.length && !loaded; k++) loaded = rule.matches[k]!.name === proto;
    if (!loaded) {
      const a = optionArity('match', proto, name);
      if (a !== undefined) {
        const m: MatchModule = { name: proto, options: scratchList() };
        rule.matches.push(m);
        return found(m.options, a);
      }
    }
  }
  // Unknown modules and targets take any option, verbatim.
  if (context?.kind === 'target' && !isKnownTargetSpec(context.target.name)) return found(context.target.options, undefined);
  if (context?.kind === 'match' && !isKnownMatchSpec(context.module.name)) return found(context.module.options, undefined);
  return false;
}

const isBlank = (c: number): boolean => c === 32 || c === 9 || c === 13 || c === 10 || c === 11 || c === 12;

/**
 * The common restore line, `-A CHAIN` and a rule spec, read straight from the
 * line: no tokens, no general option dispatch. It takes only what it reads
 * exactly as parseArgs does (short core options, `!`, known modules and
 * targets whose own options follow them, arguments plain or in simple quotes)
 * and gives up (undefined) on anything else, so the caller parses the line the
 * general way; errors always come from the general path. Same model as
 * parseArgs, checked by test/unit/iptables/fastpath.test.ts.
 */
export function parseAppendLine(line: string): { chain: string; rule: Rule } | undefined {
  const n = line.length;
  if (n < 4 || line.charCodeAt(0) !== 45 || line.charCodeAt(1) !== 65 || !isBlank(line.charCodeAt(2))) return undefined;
  let i = 3;
  // Reads the next word from i: its text (unquoted) in `word`, whether it was quoted in `wordQuoted`;
  // false at the end of the line, or (with `unsupported` set) for a word the general tokenizer must read.
  let word = '';
  let wordQuoted = false;
  let unsupported = false;
  const next = (): boolean => {
    while (i < n && isBlank(line.charCodeAt(i))) i++;
    if (i >= n) return false;
    const start = i;
    if (line.charCodeAt(i) === 34) {
      const close = line.indexOf('"', i + 1);
      const b = line.indexOf('\\', i + 1);
      if (close < 0 || (b >= 0 && b < close) || (close + 1 < n && !isBlank(line.charCodeAt(close + 1)))) {
        unsupported = true;
        return false;
      }
      word = line.slice(start + 1, close);
      wordQuoted = true;
      i = close + 1;
      return true;
    }
    while (i < n) {
      const c = line.charCodeAt(i);
      if (isBlank(c)) break;
      if (c === 34) {
        unsupported = true;
        return false;
      }
      i++;
    }
    word = line.slice(start, i);
    wordQuoted = false;
    return true;
  };
  if (!next() || wordQuoted || word === '!' || isOptionText(word)) return undefined;
  const chain = word;
  scratchMatches.length = 0;
  scratchUsed = 0;
  const rule = {} as Rule;
  rule.matches = scratchMatches;
  let invert = false;
  /** Where the next `--option` goes, as parseArgs' context: the latest -m module or the target. */
  let ctx: MatchModule | Target | undefined;
  let ctxIsTarget = false;
  for (;;) {
    if (!next()) {
      if (unsupported) return undefined;
      break;
    }
    if (wordQuoted) return undefined;
    const w = word;
    if (w === '!') {
      if (invert) return undefined;
      invert = true;
      continue;
    }
    if (w.length === 2 && w.charCodeAt(0) === 45) {
      const c = w.charCodeAt(1);
      // -s -d -i -o -p
      const core: CoreField | undefined = c === 115 ? 'source' : c === 100 ? 'destination' : c === 105 ? 'inInterface' : c === 111 ? 'outInterface' : c === 112 ? 'protocol' : undefined;
      if (core !== undefined) {
        if (rule[core] !== undefined || !next() || (!wordQuoted && (word === '!' || isOptionText(word)))) return undefined;
        rule[core] = { invert, value: core === 'source' || core === 'destination' ? word : intern(word) };
        invert = false;
        continue;
      }
      if (c === 109) {
        // -m NAME: a module this file knows (unknown ones take any option: the general path).
        if (invert || !next() || (!wordQuoted && isOptionText(word)) || !isKnownMatchSpec(word)) return undefined;
        const m: MatchModule = { name: intern(word), options: scratchList() };
        rule.matches.push(m);
        ctx = m;
        ctxIsTarget = false;
        continue;
      }
      if (c === 106 || c === 103) {
        if (invert || rule.target !== undefined || !next() || (!wordQuoted && isOptionText(word))) return undefined;
        const t: Target = { kind: c === 103 ? 'goto' : 'jump', name: targetName(word), options: scratchList() };
        rule.target = t;
        ctx = t;
        ctxIsTarget = true;
        continue;
      }
      return undefined;
    }
    // --option of the module or target just named (anything else: how findOwner resolves it is the general path's business).
    if (w.length < 3 || w.charCodeAt(0) !== 45 || w.charCodeAt(1) !== 45 || !isLetter(w.charCodeAt(2)) || SPECIAL.has(w)) return undefined;
    const name = optionName(w);
    const owner = ctx;
    if (owner === undefined) return undefined;
    const arity = optionArity(ctxIsTarget ? 'target' : 'match', owner.name, name);
    if (arity === 0) {
      owner.options.push({ name, invert, args: [] });
    } else if (arity === 1) {
      // An unquoted argument starting with '-' may be a bundle (`-nv`) the general path expands: leave it to it.
      if (!next() || (!wordQuoted && (word === '!' || word.charCodeAt(0) === 45))) return undefined;
      const args = [internArg(word)];
      owner.options.push(wordQuoted ? { name, invert, args, quoted: true } : { name, invert, args });
    } else return undefined;
    invert = false;
  }
  if (invert) return undefined;
  compact(rule);
  return { chain, rule };
}

/** isOptionWord on an unquoted word. */
function isOptionText(s: string): boolean {
  if (s.length < 2 || s.charCodeAt(0) !== 45) return false;
  const c1 = s.charCodeAt(1);
  return isLetter(c1) || (c1 === 45 && s.length > 2 && isLetter(s.charCodeAt(2)));
}
