// Every program the node shell knows, by name (what `command not found` is not).

import type { ShellCommand } from '../context.js';
import { awk } from './awk.js';
import { cat, column, cut, echo, grep, head, printf, seq, sort, tail, tee, tr, uniq, wc } from './text.js';
import { clear, date, env, hostname, id, kubectl, ls, mkdir, rm, sleep, touch, uname, watch, whoami } from './system.js';

export const PROGRAMS: Readonly<Record<string, ShellCommand>> = {
  awk, cat, column, cut, echo, grep, head, printf, seq, sort, tail, tee, tr, uniq, wc,
  egrep: (args, io, ctx) => grep(['-E', ...args], io, ctx),
  fgrep: (args, io, ctx) => grep(['-F', ...args], io, ctx),
  clear, date, env, hostname, id, kubectl, ls, mkdir, rm, sleep, touch, uname, watch, whoami,
  true: async () => 0,
  false: async () => 1,
};
