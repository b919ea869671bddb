// The interactive terminal of a node shell, for xterm.js: a readline-like
// line editor (echo, cursor keys, Home/End, Backspace/Delete, Ctrl-A/E/U/K/W,
// history with Up/Down, Ctrl-L clears, Ctrl-C interrupts, Ctrl-D logs out),
// `> ` continuation lines for open quotes and here-docs, and `\r\n` output.

import type { TerminalSession } from '../backend.js';
import type { ShellSession } from './host.js';
import { parseLine } from './parse.js';
import { Abort } from './signal.js';

export interface ShellTerminalOptions {
  /** Printed once before the first prompt (`Welcome to …`). */
  banner?: string;
  cols?: number;
  rows?: number;
}

const CSI = '\x1b[';
/** At most this much of a command's output is kept for its command record. */
const MAX_RECORDED_OUTPUT = 256 * 1024;

export function createShellTerminal(shell: ShellSession, opts: ShellTerminalOptions = {}): TerminalSession {
  const dataListeners = new Set<(d: string) => void>();
  const exitListeners = new Set<(code: number) => void>();
  const commandListeners = new Set<(record: { line: string; output: string; exitCode: number }) => void>();
  /** Mutated in place on resize, so a running `watch` sees the new size. */
  const size = { cols: opts.cols ?? 80, rows: opts.rows ?? 24 };
  let line = '';
  let cursor = 0;
  /** Lines already entered of a command that needs more (`cat <<EOF`). */
  let pending: string[] = [];
  let running: Abort | null = null;
  let closed = false;
  let historyIndex: number | null = null;
  let draft = '';
  let escape = '';
  let promptText = '';
  /** Keys typed or pasted while a command runs, replayed at the next prompt. */
  let typeahead = '';

  const emit = (s: string): void => {
    if (s === '') return;
    const out = s.replace(/\r?\n/g, '\r\n');
    for (const l of [...dataListeners]) l(out);
  };

  const showPrompt = (): void => {
    const notices = shell.takeNotices();
    if (notices) emit(notices);
    promptText = pending.length > 0 ? '> ' : shell.prompt();
    emit(promptText);
  };

  const finish = (code: number): void => {
    if (closed) return;
    closed = true;
    running?.abort();
    for (const l of [...exitListeners]) l(code);
  };

  /** Redraws the edited line from the prompt and puts the cursor back. */
  const redraw = (): void => {
    emit(`\r${promptText}${line}${CSI}K`);
    const back = line.length - cursor;
    if (back > 0) emit(`${CSI}${back}D`);
  };

  const setLine = (text: string): void => {
    line = text;
    cursor = text.length;
    redraw();
  };

  const run = async (text: string): Promise<void> => {
    const abort = new Abort();
    running = abort;
    let endsWithNewline = true;
    // What the line printed, for a lesson's `command` checks (bounded: a `watch` can print for ever).
    let printed = '';
    const out = (s: string): void => {
      if (s !== '') endsWithNewline = s.endsWith('\n');
      if (commandListeners.size > 0 && printed.length < MAX_RECORDED_OUTPUT) printed += s.slice(0, MAX_RECORDED_OUTPUT - printed.length);
      emit(s);
    };
    let exitCode: number;
    try {
      exitCode = await shell.run(text, { stdout: out, stderr: out, signal: abort.signal, tty: size });
    } catch (e) {
      out(`bash: ${e instanceof Error ? e.message : String(e)}\n`);
      exitCode = 1;
    } finally {
      running = null;
    }
    // Ctrl-C ends the line as bash reports a SIGINT-killed command: 128 + 2.
    if (abort.signal.aborted && !closed) exitCode = 130;
    for (const l of [...commandListeners]) l({ line: text, output: printed, exitCode });
    if (closed) return;
    if (shell.exited !== null) {
      emit('logout\n');
      finish(shell.exited);
      return;
    }
    // bash starts the prompt on a fresh line only after clear-screen style output; keep what the program left
    void endsWithNewline;
    showPrompt();
    const queued = typeahead;
    typeahead = '';
    for (const ch of queued) {
      if (closed || running) {
        typeahead += ch;
        continue;
      }
      key(ch);
    }
  };

  const submit = (): void => {
    emit('\n');
    const text = [...pending, line].join('\n');
    line = '';
    cursor = 0;
    historyIndex = null;
    const parsed = parseLine(text);
    if (!parsed.ok && parsed.incomplete) {
      pending = [...pending, text.slice(pending.length > 0 ? pending.join('\n').length + 1 : 0)];
      showPrompt();
      return;
    }
    pending = [];
    if (text.trim() === '') {
      showPrompt();
      return;
    }
    void run(text);
  };

  const historyMove = (delta: -1 | 1): void => {
    const hist = shell.history;
    if (hist.length === 0) return;
    if (historyIndex === null) {
      if (delta === 1) return;
      draft = line;
      historyIndex = hist.length - 1;
    } else {
      const next = historyIndex + delta;
      if (next < 0) return;
      if (next >= hist.length) {
        historyIndex = null;
        setLine(draft);
        return;
      }
      historyIndex = next;
    }
    setLine(hist[historyIndex]!.split('\n')[0]!);
  };

  let lastTab = false;
  /** Tab: complete the word before the cursor; a second Tab lists the choices. */
  const complete = (): void => {
    if (!shell.complete) return;
    const before = line.slice(0, cursor);
    const choices = shell.complete(before);
    const m = /[^\s;|&()<>'"]*$/.exec(before);
    const word = m ? m[0] : '';
    if (choices.length === 0) {
      emit('\x07');
      return;
    }
    let common = choices[0]!;
    for (const c of choices) while (!c.startsWith(common)) common = common.slice(0, -1);
    let insert = common.slice(word.length);
    if (choices.length === 1 && !common.endsWith('/')) insert += ' ';
    if (insert !== '') {
      line = line.slice(0, cursor) + insert + line.slice(cursor);
      cursor += insert.length;
      redraw();
      lastTab = false;
      return;
    }
    if (lastTab) {
      emit('\n' + choices.map((c) => c.replace(/^.*\/(?=.)/, '')).join('  ') + '\n');
      redraw();
      lastTab = false;
    } else {
      emit('\x07');
      lastTab = true;
    }
  };

  const wordLeft = (): number => {
    let i = cursor;
    while (i > 0 && line[i - 1] === ' ') i--;
    while (i > 0 && line[i - 1] !== ' ') i--;
    return i;
  };

  const handleEscape = (seq: string): void => {
    switch (seq) {
      case '[A':
      case 'OA':
        historyMove(-1);
        break;
      case '[B':
      case 'OB':
        historyMove(1);
        break;
      case '[C':
      case 'OC':
        if (cursor < line.length) {
          cursor++;
          emit(`${CSI}C`);
        }
        break;
      case '[D':
      case 'OD':
        if (cursor > 0) {
          cursor--;
          emit(`${CSI}D`);
        }
        break;
      case '[H':
      case 'OH':
      case '[1~':
        cursor = 0;
        redraw();
        break;
      case '[F':
      case 'OF':
      case '[4~':
        cursor = line.length;
        redraw();
        break;
      case '[3~':
        if (cursor < line.length) {
          line = line.slice(0, cursor) + line.slice(cursor + 1);
          redraw();
        }
        break;
      default:
        break;
    }
  };

  const key = (ch: string): void => {
    if (escape !== '') {
      escape += ch;
      // ESC [ … final byte, or ESC O x
      if (/^\x1b(\[[0-9;]*[A-Za-z~]|O[A-Za-z])$/.test(escape)) {
        const seq = escape.slice(1);
        escape = '';
        if (!running) handleEscape(seq);
      } else if (escape.length > 8 || !/^\x1b[[O]?[0-9;]*$/.test(escape)) escape = '';
      return;
    }
    if (ch === '\x1b') {
      escape = ch;
      return;
    }
    if (ch !== '\t') lastTab = false;
    if (ch === '\x03') {
      // Ctrl-C
      typeahead = '';
      if (running) {
        emit('^C\n');
        running.abort();
      } else {
        emit('^C\n');
        line = '';
        cursor = 0;
        pending = [];
        historyIndex = null;
        showPrompt();
      }
      return;
    }
    if (running) {
      // the lab's programs do not read the keyboard: keep it for the next prompt
      typeahead += ch;
      return;
    }
    switch (ch) {
      case '\r':
      case '\n':
        submit();
        return;
      case '\x7f':
      case '\b':
        if (cursor > 0) {
          line = line.slice(0, cursor - 1) + line.slice(cursor);
          cursor--;
          if (cursor === line.length) emit('\b \b');
          else redraw();
        }
        return;
      case '\x04':
        // Ctrl-D: logout on an empty line, else delete under the cursor
        if (line === '' && pending.length === 0) {
          emit('logout\n');
          finish(0);
        } else if (cursor < line.length) {
          line = line.slice(0, cursor) + line.slice(cursor + 1);
          redraw();
        }
        return;
      case '\x01':
        cursor = 0;
        redraw();
        return;
      case '\x05':
        cursor = line.length;
        redraw();
        return;
      case '\x15':
        line = line.slice(cursor);
        cursor = 0;
        redraw();
        return;
      case '\x0b':
        line = line.slice(0, cursor);
        redraw();
        return;
      case '\x17': {
        const from = wordLeft();
        line = line.slice(0, from) + line.slice(cursor);
        cursor = from;
        redraw();
        return;
      }
      case '\x0c':
        emit(`${CSI}H${CSI}2J`);
        redraw();
        return;
      case '\x02':
        handleEscape('[D');
        return;
      case '\x06':
        handleEscape('[C');
        return;
      case '\x10':
        historyMove(-1);
        return;
      case '\x0e':
        historyMove(1);
        return;
      case '\t':
        complete();
        return;
    }
    if (ch < ' ') return;
    line = line.slice(0, cursor) + ch + line.slice(cursor);
    cursor++;
    if (cursor === line.length) emit(ch);
    else redraw();
  };

  void Promise.resolve().then(() => {
    if (closed) return;
    if (opts.banner) emit(opts.banner);
    showPrompt();
  });

  return {
    write(data: string) {
      // a pasted block ends lines with \r\n or \n: treat the pair as one Enter
      const text = data.replace(/\r\n/g, '\r');
      for (const ch of text) {
        if (closed) return;
        key(ch);
      }
    },
    resize(cols: number, rows: number) {
      size.cols = cols;
      size.rows = rows;
    },
    onData(listener) {
      dataListeners.add(listener);
      return () => dataListeners.delete(listener);
    },
    onExit(listener) {
      exitListeners.add(listener);
      return () => exitListeners.delete(listener);
    },
    onCommand(listener) {
      commandListeners.add(listener);
      return () => commandListeners.delete(listener);
    },
    close() {
      finish(0);
    },
  };
}
