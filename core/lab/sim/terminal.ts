// A plain line terminal over a shell session, used until the shell's own
// interactive terminal (line editing, history keys) is wired in: echo, Enter,
// Backspace, Ctrl-C, Ctrl-D, nothing more.

import type { TerminalSession } from '../backend.js';
import type { ShellSession } from '../shell/host.js';

export function lineTerminal(shell: ShellSession, opts: { banner?: string } = {}): TerminalSession {
  const dataL = new Set<(d: string) => void>();
  const exitL = new Set<(c: number) => void>();
  let line = '';
  let running: { abort: () => void } | null = null;
  let closed = false;
  // Output before anyone listens (the first prompt) waits for the first listener.
  let pending = '';
  const emit = (s: string): void => {
    const text = s.replace(/\r?\n/g, '\r\n');
    if (dataL.size === 0) { pending += text; return; }
    for (const l of [...dataL]) l(text);
  };
  const prompt = (): void => { const n = shell.takeNotices(); if (n) emit(n); emit(shell.prompt()); };
  const exit = (code: number): void => { if (closed) return; closed = true; for (const l of [...exitL]) l(code); };
  const runLine = async (text: string): Promise<void> => {
    let aborted = false;
    const listeners = new Set<() => void>();
    const signal = {
      get aborted() { return aborted; },
      addEventListener: (_t: 'abort', l: () => void) => { listeners.add(l); },
      removeEventListener: (_t: 'abort', l: () => void) => { listeners.delete(l); },
    };
    running = { abort: () => { aborted = true; for (const l of [...listeners]) l(); } };
    try {
      await shell.run(text, { stdout: emit, stderr: emit, signal });
    } finally {
      running = null;
    }
    if (shell.exited !== null) { emit('logout\n'); exit(shell.exited); return; }
    prompt();
  };
  void Promise.resolve().then(() => { if (opts.banner) emit(opts.banner); prompt(); });
  return {
    write(data: string) {
      for (const ch of data) {
        if (closed) return;
        if (ch === '\x03') {
          if (running) { emit('^C\n'); running.abort(); } else { emit('^C\n'); line = ''; prompt(); }
        } else if (running) {
          continue;
        } else if (ch === '\r' || ch === '\n') {
          emit('\n');
          const text = line;
          line = '';
          void runLine(text);
        } else if (ch === '\x7f' || ch === '\b') {
          if (line.length > 0) { line = line.slice(0, -1); emit('\b \b'); }
        } else if (ch === '\x04') {
          if (line === '') { emit('logout\n'); exit(0); }
        } else if (ch >= ' ') {
          line += ch;
          emit(ch);
        }
      }
    },
    resize() { /* the plain terminal does not reflow */ },
    onData(l) {
      dataL.add(l);
      if (pending !== '') { const p = pending; pending = ''; l(p); }
      return () => dataL.delete(l);
    },
    onExit(l) { exitL.add(l); return () => exitL.delete(l); },
    close() { running?.abort(); exit(0); },
  };
}
