// Every program the node shell knows, by name (what `command not found` is not).

import type { ShellCommand } from '../context.js';
import { awk } from './awk.js';
import { cat, column, cut, echo, grep, head, printf, seq, sort, tail, tee, tr, uniq, wc } from './text.js';
import { curl } from './curl.js';
import { ip6tables, ip6tablesRestore, ip6tablesSave, iptables, iptablesRestore, iptablesSave } from './iptables.js';
import { jq } from './jq.js';
import { basename, bracket, dirname, editor, pager, sysctl, test, timeout, which, xargs } from './misc.js';
import { conntrack, ip } from './net.js';
import { lsof, nc, netstat, pgrep, pidof, ps, python, python3, ss } from './proc.js';
import { clear, date, env, hostname, id, kubectl, ls, mkdir, rm, sleep, touch, uname, watch, whoami } from './system.js';

export const PROGRAMS: Readonly<Record<string, ShellCommand>> = {
  awk, cat, column, cut, echo, grep, head, printf, seq, sort, tail, tee, tr, uniq, wc,
  egrep: (args, io, ctx) => grep(['-E', ...args], io, ctx),
  fgrep: (args, io, ctx) => grep(['-F', ...args], io, ctx),
  clear, date, env, hostname, id, kubectl, ls, mkdir, rm, sleep, touch, uname, watch, whoami,
  curl, jq, conntrack, ip, lsof, nc, netcat: nc, netstat, pgrep, pidof, ps, python, python2: python, python3, ss,
  iptables, ip6tables,
  'iptables-save': iptablesSave,
  'ip6tables-save': ip6tablesSave,
  'iptables-restore': iptablesRestore,
  'ip6tables-restore': ip6tablesRestore,
  'iptables-nft': iptables,
  'iptables-nft-save': iptablesSave,
  'iptables-nft-restore': iptablesRestore,
  test, '[': bracket, timeout, xargs, less: pager, more: pager, which, sysctl, basename, dirname,
  vi: editor('vi'), vim: editor('vim'), nano: editor('nano'), emacs: editor('emacs'),
  true: async () => 0,
  false: async () => 1,
};
