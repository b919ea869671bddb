// A node terminal of the docker backend: `docker exec -it NODE bash` through
// the Docker API, with a TTY (resize, Ctrl-C and colours are the real ones).
//
// The shell marks its prompts and commands with OSC 633 sequences (the shell
// integration protocol VS Code's terminal speaks): `E;<line>` the command line,
// `C` its output starts, `D;<status>` it finished, `A`/`B` prompt start and end.
// The host strips them from what reaches xterm.js and turns each C…D into a
// command record (line, output, exit status) for lessons' `command` checks.
import type Docker from 'dockerode';
import { StringDecoder } from 'node:string_decoder';
import type { TerminalSession } from '../../lab/backend.js';

export const SHELL_INTEGRATION_RC = '/usr/local/lib/chainlab/shell-integration.bash';

/**
 * The rc file of node terminals: what a login shell reads, then the marks.
 * PS0 (printed once a line is read, before it runs) sends the line, taken
 * from history, and `C`; PROMPT_COMMAND sends `D;$?` before the next prompt.
 * History keeps every line (HISTCONTROL cleared) so `history 1` is the line.
 * (Written with ~{ for bash's ${, which a template literal would take.)
 */
export const SHELL_INTEGRATION = String.raw`# Chainlab shell integration (written by the app): marks each command so lessons see it.
[ -f /etc/profile ] && . /etc/profile
for __f in ~/.bash_profile ~/.bash_login ~/.profile; do [ -f "$__f" ] && { . "$__f"; break; }; done
unset __f
if [ -z "$__chainlab_marks" ]; then
  __chainlab_marks=1
  HISTCONTROL=
  HISTIGNORE=
  __chainlab_escape() {
    local s=$1
    s=~{s//\\/\\\\}
    s=~{s//;/\\x3b}
    s=~{s//$'\n'/\\x0a}
    s=~{s//$'\r'/\\x0d}
    s=~{s//$'\a'/\\x07}
    s=~{s//$'\e'/\\x1b}
    printf '%s' "$s"
  }
  __chainlab_preexec() {
    local h
    h=$(HISTTIMEFORMAT= builtin history 1)
    [[ $h =~ ^\ *[0-9]+\*?\ \ (.*)$ ]] && h=~{BASH_REMATCH[1]}
    printf '\e]633;E;%s\a\e]633;C\a' "$(__chainlab_escape "$h")"
  }
  __chainlab_precmd() {
    local status=$?
    printf '\e]633;D;%s\a\e]633;A\a' "$status"
    return $status
  }
  PS0='$(__chainlab_preexec)'
  PROMPT_COMMAND="__chainlab_precmd~{PROMPT_COMMAND:+; $PROMPT_COMMAND}"
  PS1="$PS1\[\e]633;B\a\]"
  # Which process to hang up when the app closes the terminal (dockerd leaves a TTY exec running).
  printf '\e]633;P;Pid=%s\a' "$$"
fi
`.replaceAll('~{', '${');

export interface CommandRecordOut {
  line: string;
  output: string;
  exitCode: number;
}

/** Output kept per command (the end of it: what a check looks at last). */
const MAX_OUTPUT = 100_000;
const OSC = '\x1b]633;';

/** `\\` and `\xNN` of an OSC 633 E parameter back to text. */
export function unescapeOscParam(s: string): string {
  return s.replace(/\\(\\|x([0-9a-fA-F]{2}))/g, (_, a: string, hex: string | undefined) => (hex !== undefined ? String.fromCharCode(parseInt(hex, 16)) : a));
}

/** What a terminal printed, as text: no colours, cursor moves or title sequences, \n line ends. */
export function plainText(s: string): string {
  return s
    .replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, '')
    .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '')
    .replace(/\x1b[@-Z\\-_]/g, '')
    .replace(/\r\n/g, '\n')
    .replace(/\r/g, '');
}

/**
 * Splits a terminal stream into what xterm shows and the finished commands.
 * Sequences may be cut anywhere between chunks: an unfinished one at the end
 * of a chunk waits for the next (bounded, so a stray ESC ] never eats output).
 */
export class ShellIntegrationParser {
  private pending = '';
  private line: string | undefined;
  private capturing = false;
  private output = '';
  /** The shell's pid in the node, as its rc reported it (`P;Pid=N`). */
  shellPid: number | undefined;

  feed(chunk: string): { display: string; records: CommandRecordOut[] } {
    let s = this.pending + chunk;
    this.pending = '';
    let display = '';
    const records: CommandRecordOut[] = [];
    for (;;) {
      const i = s.indexOf(OSC);
      if (i < 0) {
        // Hold back a tail that may be the start of a mark (ESC, ESC ], ESC ]6…).
        const keep = heldTail(s);
        display += this.take(s.slice(0, s.length - keep));
        this.pending = s.slice(s.length - keep);
        break;
      }
      display += this.take(s.slice(0, i));
      const rest = s.slice(i + OSC.length);
      const bel = rest.indexOf('\x07');
      const st = rest.indexOf('\x1b\\');
      const end = bel < 0 ? st : st < 0 ? bel : Math.min(bel, st);
      if (end < 0) {
        if (rest.length > 8192) { display += this.take(s.slice(i)); break; } // not a mark after all
        this.pending = s.slice(i);
        break;
      }
      const body = rest.slice(0, end);
      s = rest.slice(end + (end === bel ? 1 : 2));
      const r = this.mark(body);
      if (r) records.push(r);
    }
    return { display, records };
  }

  private take(text: string): string {
    if (this.capturing && text !== '') {
      this.output += text;
      if (this.output.length > 2 * MAX_OUTPUT) this.output = this.output.slice(-MAX_OUTPUT);
    }
    return text;
  }

  private mark(body: string): CommandRecordOut | undefined {
    const [kind, ...params] = body.split(';');
    if (kind === 'E') this.line = unescapeOscParam(params.join(';'));
    else if (kind === 'P') {
      const m = /^Pid=(\d+)$/.exec(params.join(';'));
      if (m) this.shellPid = Number(m[1]);
    }
    else if (kind === 'C') { this.capturing = true; this.output = ''; }
    else if (kind === 'D') {
      const was = this.capturing;
      this.capturing = false;
      const line = this.line;
      this.line = undefined;
      // A D without C: the prompt came back with nothing run (an empty line, Ctrl-C).
      if (!was || line === undefined) return undefined;
      const code = Number(params[0]);
      return { line, output: plainText(this.output).slice(-MAX_OUTPUT), exitCode: Number.isInteger(code) ? code : 0 };
    }
    return undefined;
  }
}

/** How many characters at the end of s could begin an OSC 633 mark. */
function heldTail(s: string): number {
  for (let n = Math.min(OSC.length - 1, s.length); n > 0; n--) if (OSC.startsWith(s.slice(s.length - n))) return n;
  return 0;
}

export async function dockerTerminal(container: Docker.Container, size: { cols: number; rows: number }): Promise<TerminalSession> {
  // The rc file is written by the same exec that becomes the interactive shell.
  const exec = await container.exec({
    Cmd: ['bash', '-c', `mkdir -p "\${1%/*}" && printf %s "$2" > "$1" && exec bash --rcfile "$1" -i`, 'bash', SHELL_INTEGRATION_RC, SHELL_INTEGRATION],
    AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: true,
    Env: ['TERM=xterm-256color', 'PS1=\\u@\\h:\\w\\$ '],
  });
  const stream = await exec.start({ hijack: true, stdin: true, Tty: true });
  await exec.resize({ h: size.rows, w: size.cols }).catch(() => {});
  const dataListeners = new Set<(d: string) => void>();
  const exitListeners = new Set<(code: number) => void>();
  const commandListeners = new Set<(r: CommandRecordOut) => void>();
  const decoder = new StringDecoder('utf8');
  const parser = new ShellIntegrationParser();
  stream.on('data', (chunk: Buffer) => {
    const { display, records } = parser.feed(decoder.write(chunk));
    if (display !== '') for (const l of dataListeners) l(display);
    for (const r of records) for (const l of commandListeners) l(r);
  });
  stream.on('end', () => {
    void exec.inspect().then((i) => { for (const l of exitListeners) l(i.ExitCode ?? 0); }, () => { for (const l of exitListeners) l(1); });
  });
  return {
    write: (data) => void stream.write(data),
    resize: (cols, rows) => void exec.resize({ h: rows, w: cols }).catch(() => {}),
    onData: (l) => { dataListeners.add(l); return () => dataListeners.delete(l); },
    onExit: (l) => { exitListeners.add(l); return () => exitListeners.delete(l); },
    onCommand: (l) => { commandListeners.add(l); return () => commandListeners.delete(l); },
    close: () => {
      stream.end();
      // A TTY exec outlives its connection: hang up the shell (and its jobs), as closing a real terminal does.
      const pid = parser.shellPid;
      if (pid === undefined) return;
      void container.exec({ Cmd: ['kill', '-HUP', String(pid)], AttachStdout: false, AttachStderr: false })
        .then((e) => e.start({ Detach: true }))
        .catch(() => { /* the node is gone already, and its shell with it */ });
    },
  };
}
