// The docker terminal's shell-integration parser: OSC 633 marks out of what
// xterm shows, each command (line, output, status) out of the stream, however
// the stream is cut into chunks.
import { describe, expect, it } from 'vitest';
import { plainText, ShellIntegrationParser, unescapeOscParam, type CommandRecordOut } from '../../../core/host/docker/terminal.js';

const BEL = '\x07';
const mark = (s: string): string => `\x1b]633;${s}${BEL}`;
const prompt = `${mark('D;0')}${mark('A')}root@k8s2:~# ${mark('B')}`;
/** What bash sends for one typed line: the echo, PS0's marks, the output, PROMPT_COMMAND's marks, the prompt. */
function session(line: string, escaped: string, output: string, status: number): string {
  return `${line}\r\n${mark(`E;${escaped}`)}${mark('C')}${output}${mark(`D;${status}`)}${mark('A')}root@k8s2:~# ${mark('B')}`;
}

function feedAll(chunks: string[]): { display: string; records: CommandRecordOut[] } {
  const p = new ShellIntegrationParser();
  let display = '';
  const records: CommandRecordOut[] = [];
  for (const c of chunks) {
    const r = p.feed(c);
    display += r.display;
    records.push(...r.records);
  }
  return { display, records };
}

const stream = prompt
  + session('iptables -t nat -L PREROUTING | column -t', 'iptables -t nat -L PREROUTING | column -t', 'Chain  PREROUTING\r\nKUBE-SERVICES  all\r\n', 0)
  + session('kill -9 4242; echo "a;b"', 'kill -9 4242\\x3b echo "a\\x3bb"', '\x1b[01;31mbash: kill: (4242) - No such process\x1b[0m\r\na;b\r\n', 1)
  + `\r\n${mark('D;130')}${mark('A')}root@k8s2:~# ${mark('B')}` // Ctrl-C at the prompt: no command
  + session('for i in 1 2; do\n echo $i; done', 'for i in 1 2\\x3b do\\x0a echo $i\\x3b done', '1\r\n2\r\n', 0);

const expected: CommandRecordOut[] = [
  { line: 'iptables -t nat -L PREROUTING | column -t', output: 'Chain  PREROUTING\nKUBE-SERVICES  all\n', exitCode: 0 },
  { line: 'kill -9 4242; echo "a;b"', output: 'bash: kill: (4242) - No such process\na;b\n', exitCode: 1 },
  { line: 'for i in 1 2; do\n echo $i; done', output: '1\n2\n', exitCode: 0 },
];

describe('docker terminal shell integration', () => {
  it('records each command with its output and status, and shows no mark', () => {
    const { display, records } = feedAll([stream]);
    expect(records).toEqual(expected);
    expect(display).not.toContain('\x1b]633');
    expect(display).toContain('root@k8s2:~# iptables -t nat -L PREROUTING | column -t\r\nChain  PREROUTING');
    expect(display).toContain('\x1b[01;31mbash: kill'); // colours still reach xterm
  });

  it('gives the same records and display for every cut of the stream into two or three chunks', () => {
    const whole = feedAll([stream]);
    for (let i = 0; i <= stream.length; i++) {
      const j = Math.min(stream.length, i + 7);
      const cut = feedAll([stream.slice(0, i), stream.slice(i, j), stream.slice(j)]);
      expect(cut.records, `cut at ${i}/${j}`).toEqual(whole.records);
      expect(cut.display, `cut at ${i}/${j}`).toBe(whole.display);
    }
  });

  it('one character at a time', () => {
    expect(feedAll([...stream])).toEqual(feedAll([stream]));
  });

  it('a mark ended by ST (ESC \\) counts like one ended by BEL', () => {
    const st = stream.replaceAll(BEL, '\x1b\\');
    expect(feedAll([st]).records).toEqual(expected);
  });

  it('other OSC sequences (window title) go to xterm; an unfinished ESC ] 633 is not held forever', () => {
    const title = '\x1b]0;root@k8s2: ~\x07';
    expect(feedAll([title + prompt]).display).toContain(title);
    const stray = `\x1b]633;E;${'x'.repeat(9000)}`;
    expect(feedAll([stray, 'more']).display).toBe(`${stray}more`);
  });

  it('keeps the shell pid its rc reports, for hanging it up on close', () => {
    const p = new ShellIntegrationParser();
    expect(p.feed(`${mark('P;Pid=4242')}${prompt}`).display).toBe('root@k8s2:~# ');
    expect(p.shellPid).toBe(4242);
  });

  it('a command whose E mark is missing is not recorded (nothing to match a check against)', () => {
    expect(feedAll([`${mark('C')}out\r\n${mark('D;0')}`]).records).toEqual([]);
  });

  it('unescapes \\\\ and \\xNN, and plainText drops colours and carriage returns', () => {
    expect(unescapeOscParam('a\\\\b\\x3bc\\x0ad')).toBe('a\\b;c\nd');
    expect(plainText('\x1b[1mKUBE\x1b[0m\r\nx\x1b]0;t\x07y')).toBe('KUBE\nxy');
  });
});
