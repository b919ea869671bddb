// iptables-restore input (and iptables-save output, its subset) into the model.
// The text is applied line by line, as iptables-restore does: `*table`, chain
// declarations, rule commands (-A, -I, -D, -R, -N, -X, -F, -Z, -P, -E), COMMIT.
// Errors say where (line, column) and what was expected.

import type { Result, UserError } from '../errors.js';
import { ok } from '../errors.js';
import { parseAppendLine, parseArgs } from './args.js';
import { addChain, applyCommand, isBuiltinChain, lookupChain } from './apply.js';
import { cloneRuleset } from './clone.js';
import type { Counters, Ruleset, Table } from './model.js';
import { findTable, isTableName } from './model.js';
import { tokenizeLine } from './tokens.js';

export interface ParseOptions {
  /** File name for error messages. */
  file?: string;
}

export interface RestoreOptions {
  /** `iptables-restore --noflush`: keep what the tables hold; otherwise each `*table` starts empty. */
  noflush: boolean;
  /** `iptables-restore -c`: take chain and rule counters from the text (otherwise new rules start at zero). */
  counters?: boolean;
  file?: string;
}

const COUNTERS = /^\[(\d+):(\d+)\]$/;

/** Reads `iptables-save [-c]` output or iptables-restore input. */
export function parseIptablesSave(text: string, opts: ParseOptions = {}): Result<Ruleset> {
  return restore({ tables: [] }, text, { noflush: false, file: opts.file, keepComments: true, counters: true });
}

/** iptables-restore on a ruleset: returns the new ruleset; the input is left untouched. */
export function applyRestore(rs: Ruleset, text: string, opts: RestoreOptions): Result<Ruleset> {
  return restore(cloneRuleset(rs), text, { noflush: opts.noflush, file: opts.file, keepComments: false, counters: opts.counters === true });
}

interface Internal {
  noflush: boolean;
  file?: string | undefined;
  keepComments: boolean;
  counters: boolean;
}

/** What the real iptables-restore prints (stderr) and its exit status, for an error. */
export interface RestoreToolError {
  text: string;
  exit: number;
}

export type RestoreOutcome = Result<Ruleset> & { tool?: RestoreToolError };

const RESTORE_TRY = "Try `iptables-restore -h' or 'iptables-restore --help' for more information.";

/** An `iptables` usage message as iptables-restore words it for line N. */
function restoreUsage(iptablesText: string, line: number): RestoreToolError {
  const body = iptablesText
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('Try `iptables'))
    .join('\n')
    .replace(/^iptables v/, 'iptables-restore v');
  return { text: `${body}\nError occurred at line: ${line}\n${RESTORE_TRY}\n`, exit: 2 };
}

/** iptables-restore on a ruleset, with the real tool's words for errors (for runIptablesRestore). */
export function applyRestoreDetailed(rs: Ruleset, text: string, opts: RestoreOptions): RestoreOutcome {
  return restore(cloneRuleset(rs), text, { noflush: opts.noflush, file: opts.file, keepComments: false, counters: opts.counters === true });
}

function restore(rs: Ruleset, text: string, opts: Internal): RestoreOutcome {
  const err = (line: number, column: number | undefined, message: string, tool?: RestoreToolError): RestoreOutcome => {
    const e: UserError = { line, message };
    if (column !== undefined) e.column = column;
    if (opts.file !== undefined) e.file = opts.file;
    return tool === undefined ? { ok: false, errors: [e] } : { ok: false, errors: [e], tool };
  };
  let table: Table | undefined;
  let tableLine = 0;
  let lastCommitted: Table | undefined;
  let pending: string[] = [];
  let afterCommit = false;
  // Lines found with indexOf rather than text.split: no array of 100k line
  // strings kept alive (and copied by the collector) for the whole parse.
  const size = text.length;
  let pos = 0;
  let lineCount = 0;

  while (pos < size) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = size;
    const lineNo = ++lineCount;
    let lineEnd = nl;
    if (lineEnd > pos && text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
    const line = text.slice(pos, lineEnd);
    pos = nl + 1;
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (trimmed.startsWith('#')) {
      if (!opts.keepComments || table !== undefined) continue;
      if (afterCommit && lastCommitted !== undefined && !trimmed.startsWith('# Generated')) lastCommitted.trailingComments.push(line);
      else {
        afterCommit = false;
        pending.push(line);
      }
      continue;
    }
    afterCommit = false;
    const indent = line.length - line.trimStart().length;
    if (trimmed.startsWith('*')) {
      if (table !== undefined) return err(lineNo, indent + 1, `expected COMMIT for table ${table.name} (opened on line ${tableLine}) before a new table`);
      const name = trimmed.slice(1).trim();
      if (!isTableName(name)) {
        return err(lineNo, indent + 2, `unknown table '${name}': expected raw, mangle, filter, nat or security`, {
          text: `iptables-restore v1.8.9 (nf_tables): iptables-restore: line ${lineNo} table name '${name}' invalid\nError occurred at line: ${lineNo}\n${RESTORE_TRY}\n`,
          exit: 2,
        });
      }
      table = findTable(rs, name);
      if (table === undefined) {
        table = { name, chains: [], leadingComments: [], trailingComments: [] };
        rs.tables.push(table);
      } else if (!opts.noflush) {
        table.chains = table.chains.filter((c) => c.builtin);
        for (const c of table.chains) c.rules = [];
      }
      if (opts.keepComments) {
        table.leadingComments = pending;
        table.trailingComments = [];
      }
      pending = [];
      tableLine = lineNo;
      continue;
    }
    if (trimmed === 'COMMIT') {
      if (table === undefined) return err(lineNo, indent + 1, 'COMMIT without a table: expected *filter, *nat, … before it');
      lastCommitted = table;
      table = undefined;
      afterCommit = true;
      continue;
    }
    if (table === undefined) return err(lineNo, indent + 1, 'expected a table (*filter, *nat, *mangle, *raw or *security) before this line');

    if (trimmed.startsWith(':')) {
      const tk = tokenizeLine(line);
      if (!tk.ok) return err(lineNo, tk.column, tk.message);
      const words = tk.tokens;
      const name = words[0]!.text.slice(1);
      if (name === '') return err(lineNo, words[0]!.column + 1, 'expected a chain name after :');
      const policyTok = words[1];
      if (policyTok === undefined) return err(lineNo, (words[0]!.end ?? 0) + 1, `expected a policy (ACCEPT, DROP or -) after :${name}`);
      const policy = policyTok.text;
      let counters: Counters = { packets: 0, bytes: 0 };
      const ctok = words[2];
      if (ctok !== undefined) {
        const m = COUNTERS.exec(ctok.text);
        if (m === null) return err(lineNo, ctok.column, `expected counters [packets:bytes], got '${ctok.text}'`);
        counters = { packets: Number(m[1]), bytes: Number(m[2]) };
      }
      if (words.length > 3) return err(lineNo, words[3]!.column, `unexpected '${words[3]!.text}' after the chain counters`);
      const builtin = isBuiltinChain(table, name);
      if (builtin) {
        if (policy !== 'ACCEPT' && policy !== 'DROP') return err(lineNo, policyTok.column, `expected policy ACCEPT or DROP for built-in chain ${name}, got '${policy}'`);
      } else if (policy !== '-' && opts.keepComments) {
        // iptables-restore ignores a user chain's policy; a dump with one is hand-made, so say so.
        return err(lineNo, policyTok.column, `expected - for user chain ${name} (only built-in chains have a policy), got '${policy}'`);
      }
      const ch = lookupChain(table, name) ?? addChain(table, name);
      if (opts.counters) ch.counters = counters;
      if (builtin) ch.policy = policy as 'ACCEPT' | 'DROP';
      else ch.rules = [];
      continue;
    }

    // The common `-A CHAIN …` line, read without tokens; anything it does not take,
    // and any line the table refuses, goes the general way below (which words the error).
    // `iptables-save -c` puts `[packets:bytes] ` first.
    let fastCounters: Counters | undefined;
    let fastFrom = 0;
    if (line.charCodeAt(0) === 91) {
      const close = line.indexOf(']');
      const m = close > 0 && (line.charCodeAt(close + 1) === 32 || line.charCodeAt(close + 1) === 9) ? COUNTERS.exec(line.slice(0, close + 1)) : null;
      if (m !== null) {
        fastCounters = { packets: Number(m[1]), bytes: Number(m[2]) };
        fastFrom = close + 2;
        while (line.charCodeAt(fastFrom) === 32 || line.charCodeAt(fastFrom) === 9) fastFrom++;
      }
    }
    const fast = line.charCodeAt(0) !== 91 ? parseAppendLine(line) : fastFrom > 0 ? parseAppendLine(line.slice(fastFrom)) : undefined;
    if (fast !== undefined) {
      if (fastCounters !== undefined && opts.counters) fast.rule.counters = fastCounters;
      fast.rule.line = lineNo;
      if (applyCommand(table, { command: 'append', flag: '-A', chain: fast.chain }, fast.rule, { lenient: true }).ok) continue;
    }
    const tk = tokenizeLine(line);
    if (!tk.ok) return err(lineNo, tk.column, tk.message);
    let words = tk.tokens;
    let prefixCounters: Counters | undefined;
    const first = words[0];
    if (first !== undefined && first.text.startsWith('[')) {
      const m = COUNTERS.exec(first.text);
      if (m === null) return err(lineNo, first.column, `expected counters [packets:bytes], got '${first.text}'`);
      prefixCounters = { packets: Number(m[1]), bytes: Number(m[2]) };
      words = words.slice(1);
    }
    const parsed = parseArgs(words);
    if (!parsed.ok) return err(lineNo, parsed.error.column, parsed.error.message, restoreUsage(parsed.error.tool, lineNo));
    const a = parsed.value;
    if (a.table !== undefined) return err(lineNo, words.find((w) => w.text === '-t' || w.text === '--table')?.column, 'a table option (-t) is not allowed in restore input: use *table lines');
    const cmd = a.command;
    if (cmd === undefined) return err(lineNo, words[0]?.column ?? 1, 'expected a command (-A, -I, -D, -N, -X, -F, …)');
    if (cmd.command === 'list' || cmd.command === 'list-rules' || cmd.command === 'check') {
      return err(lineNo, words[0]?.column ?? 1, `${cmd.flag} is not allowed in restore input`);
    }
    const rule = a.rule;
    if (prefixCounters !== undefined) rule.counters = prefixCounters;
    if (!opts.counters) delete rule.counters;
    rule.line = lineNo;
    const r = applyCommand(table, cmd, rule, { lenient: true });
    if (!r.ok) {
      const where = cmd.chain !== undefined ? words.find((w) => w.text === cmd.chain)?.column : undefined;
      const tgt = rule.target !== undefined && r.error.message.startsWith('no chain or target') ? words.find((w) => w.text === rule.target?.name)?.column : undefined;
      const tool: RestoreToolError =
        r.error.exit === 1 && r.error.tool.startsWith('iptables: ')
          ? { text: `iptables-restore: line ${lineNo} failed: ${r.error.tool.slice('iptables: '.length)}\n`, exit: 1 }
          : r.error.exit === 2
            ? restoreUsage(r.error.tool, lineNo)
            : { text: `${r.error.tool.replace(/^iptables v/, 'iptables-restore v')}\n`, exit: r.error.exit };
      return err(lineNo, tgt ?? where ?? words[0]?.column, r.error.message, tool);
    }
  }
  if (table !== undefined) {
    return err(tableLine, 1, `expected COMMIT at the end of table ${table.name}`, { text: `iptables-restore: COMMIT expected at line ${lineCount + 1}\n`, exit: 1 });
  }
  if (pending.length > 0 && lastCommitted !== undefined && opts.keepComments) lastCommitted.trailingComments.push(...pending);
  return ok(rs);
}
