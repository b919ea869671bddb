// A node terminal of the sim backend: the shell's own interactive terminal
// (line editing, history, completion, Ctrl-C), with what it prints before the
// first listener attaches (its first prompt) kept for that listener.

import type { TerminalSession } from '../backend.js';
import type { ShellSession } from '../shell/host.js';
import { createShellTerminal } from '../shell/index.js';

export function simTerminal(shell: ShellSession, size: { cols: number; rows: number }): TerminalSession {
  const term = createShellTerminal(shell, { cols: size.cols, rows: size.rows });
  let early: string | null = '';
  const offEarly = term.onData((d) => { if (early !== null) early += d; });
  return {
    ...term,
    onData(listener) {
      const off = term.onData(listener);
      if (early !== null) {
        const text = early;
        early = null;
        offEarly();
        if (text !== '') listener(text);
      }
      return off;
    },
  };
}
