// iptables, ip6tables, iptables-save, iptables-restore (and their -legacy /
// -nft names) on the node's installed ruleset, through the iptables engine.

import { isFsError } from '../host.js';
import type { ShellCommand, ShellContext } from '../context.js';
import { DEFAULT_HOSTS, runIptables, runIptablesRestore, runIptablesSave } from '../../../engine/iptables/index.js';

const MODIFYING = new Set(['-A', '--append', '-I', '--insert', '-D', '--delete', '-R', '--replace', '-F', '--flush', '-Z', '--zero', '-N', '--new-chain', '-X', '--delete-chain', '-P', '--policy', '-E', '--rename-chain']);

/** The node's /etc/hosts as iptables resolves addresses without -n. */
function hostsOf(ctx: ShellContext): Record<string, string> {
  const text = ctx.host.fs.readFile('/etc/hosts');
  const out: Record<string, string> = { ...DEFAULT_HOSTS };
  if (isFsError(text)) return out;
  for (const line of text.split('\n')) {
    const words = line.replace(/#.*/, '').trim().split(/\s+/);
    if (words.length >= 2 && !(words[0]! in out)) out[words[0]!] = words[1]!;
  }
  return out;
}

function denied(tool: string): string {
  return `${tool} v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)\n`;
}

function iptablesCommand(family: 4 | 6): ShellCommand {
  const tool = family === 6 ? 'ip6tables' : 'iptables';
  return async (args, io, ctx) => {
    const info = args.length === 1 && (args[0] === '-V' || args[0] === '--version' || args[0] === '-h' || args[0] === '--help');
    if (ctx.user !== 'root' && !info) {
      io.stderr(denied(tool));
      return 4;
    }
    const r = runIptables(ctx.host.getRuleset(family), args, { ipv6: family === 6, hosts: hostsOf(ctx) });
    if (r.stdout) io.stdout(r.stdout);
    if (r.stderr) io.stderr(r.stderr);
    if (r.exitCode === 0 && (args.some((a) => MODIFYING.has(a)) || args.some((a) => /^-[A-Za-z]*Z/.test(a) && a.startsWith('-L')))) {
      ctx.host.setRuleset(family, r.ruleset);
    }
    return r.exitCode;
  };
}

function saveCommand(family: 4 | 6): ShellCommand {
  const tool = family === 6 ? 'ip6tables-save' : 'iptables-save';
  return async (args, io, ctx) => {
    if (ctx.user !== 'root') {
      io.stderr(denied(tool));
      return 1;
    }
    const r = runIptablesSave(ctx.host.getRuleset(family), args, { now: new Date(ctx.host.now()) });
    const fix = (s: string): string => (family === 6 ? s.replace(/iptables-save v/g, 'ip6tables-save v') : s);
    if (r.stdout) io.stdout(fix(r.stdout));
    if (r.stderr) io.stderr(fix(r.stderr));
    return r.exitCode;
  };
}

function restoreCommand(family: 4 | 6): ShellCommand {
  const tool = family === 6 ? 'ip6tables-restore' : 'iptables-restore';
  return async (args, io, ctx) => {
    if (ctx.user !== 'root') {
      io.stderr(denied(tool));
      return 1;
    }
    const files = args.filter((a) => !a.startsWith('-') && !/^\d+$/.test(a));
    const flags = args.filter((a) => a.startsWith('-') || /^\d+$/.test(a));
    let text: string;
    if (files.length > 0) {
      const t = ctx.host.fs.readFile(ctx.resolve(files[0]!));
      if (isFsError(t)) {
        io.stderr(`Can't open ${files[0]}: No such file or directory\n`);
        return 1;
      }
      text = t;
    } else text = await io.stdin.readAll();
    const r = runIptablesRestore(ctx.host.getRuleset(family), text, flags);
    if (r.stdout) io.stdout(r.stdout);
    if (r.stderr) io.stderr(family === 6 ? r.stderr.replace(/iptables-restore/g, 'ip6tables-restore') : r.stderr);
    if (r.exitCode === 0 && !flags.includes('-t') && !flags.includes('--test')) ctx.host.setRuleset(family, r.ruleset);
    return r.exitCode;
  };
}

export const iptables = iptablesCommand(4);
export const ip6tables = iptablesCommand(6);
export const iptablesSave = saveCommand(4);
export const ip6tablesSave = saveCommand(6);
export const iptablesRestore = restoreCommand(4);
export const ip6tablesRestore = restoreCommand(6);
