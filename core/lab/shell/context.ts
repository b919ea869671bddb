// What a shell program gets besides its argv and streams: the node, who runs
// it, where, and a way back into the shell (for `watch CMD`, `sudo CMD`).

import type { CommandIO, ShellHost } from './host.js';

export interface ShellContext {
  host: ShellHost;
  /** Absolute working directory. */
  cwd: string;
  /** Effective user (`root` under sudo). */
  user: string;
  /** The shell's own pid (ppid of what it starts). */
  shellPid: number;
  /** This command's pid (pre-allocated, so `$!` and `[1] PID` are known at once). */
  pid: number;
  /** `pts/0` on a terminal, `?` otherwise. */
  tty: string;
  /** Absolute, normalised path for what the user typed. */
  resolve(path: string): string;
  /** The shell itself and the commands of the same pipeline (ps shows them: `-bash`, `grep kube-proxy`). */
  companions(): { pid: number; ppid: number; user: string; argv: string[]; startedAt: number }[];
  /** Runs a command line in this shell (as `sh -c LINE`), with these streams. */
  run(line: string, io: CommandIO, user?: string): Promise<number>;
}

/** A program of the node shell. Returns its exit status. */
export type ShellCommand = (args: string[], io: CommandIO, ctx: ShellContext) => Promise<number>;

export function normalizePath(cwd: string, home: string, p: string): string {
  let path = p;
  if (path === '~' || path.startsWith('~/')) path = home + path.slice(1);
  if (!path.startsWith('/')) path = (cwd === '/' ? '' : cwd) + '/' + path;
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return '/' + out.join('/');
}
