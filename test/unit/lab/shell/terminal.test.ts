import { describe, expect, it } from 'vitest';
import { createShell, createShellTerminal } from '../../../../core/lab/shell/index.js';
import { FakeHost } from './fake-host.js';

/** Lets queued promise callbacks run (the fake host's sleep resolves in a microtask). */
async function settle(n = 50): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

function open(host = new FakeHost()) {
  const shell = createShell(host);
  const term = createShellTerminal(shell, { cols: 100, rows: 30 });
  let screen = '';
  term.onData((d) => (screen += d));
  let exitCode: number | null = null;
  term.onExit((c) => (exitCode = c));
  return {
    term,
    shell,
    host,
    screen: () => screen,
    clear: () => (screen = ''),
    exit: () => exitCode,
  };
}

describe('interactive terminal', () => {
  it('shows the prompt, echoes keys and runs a line', async () => {
    const t = open();
    await settle();
    expect(t.screen()).toBe('root@k8s1:~# ');
    t.term.write('hostname\r');
    await settle();
    expect(t.screen()).toBe('root@k8s1:~# hostname\r\nk8s1\r\nroot@k8s1:~# ');
  });

  it('edits the line: backspace, left/right, Ctrl-A/E/U/W', async () => {
    const t = open();
    await settle();
    t.term.write('echo helo\x7fo\r');
    await settle();
    expect(t.screen()).toContain('\r\nhelo\r\n');
    t.clear();
    t.term.write('cho hi\x01e\x05\r');
    await settle();
    expect(t.screen()).toContain('\r\nhi\r\n');
    t.clear();
    t.term.write('echo one two\x17three\r');
    await settle();
    expect(t.screen()).toContain('\r\none three\r\n');
    t.clear();
    t.term.write('garbage\x15echo ok\r');
    await settle();
    expect(t.screen()).toContain('\r\nok\r\n');
    t.clear();
    t.term.write('echo ac\x1b[Db\r');
    await settle();
    expect(t.screen()).toContain('\r\nabc\r\n');
  });

  it('walks history with Up and Down', async () => {
    const t = open();
    await settle();
    t.term.write('echo first\r');
    await settle();
    t.term.write('echo second\r');
    await settle();
    t.clear();
    t.term.write('\x1b[A\x1b[A\r');
    await settle();
    expect(t.screen()).toContain('\r\nfirst\r\n');
  });

  it('Ctrl-C interrupts a running watch and prints ^C', async () => {
    const t = open();
    await settle();
    t.term.write('watch -n 1 hostname\r');
    await settle(200);
    expect(t.screen()).toContain('Every 1.0s: hostname');
    t.clear();
    t.term.write('\x03');
    await settle(200);
    expect(t.screen()).toBe('^C\r\nroot@k8s1:~# ');
  });

  it('asks for more with > for an open here-doc', async () => {
    const t = open();
    await settle();
    t.term.write('cat <<EOF > a.txt\rline one\rEOF\r');
    await settle();
    expect(t.screen()).toContain('> ');
    expect(t.host.fs.readFile('/root/a.txt')).toBe('line one\n');
    expect(t.shell.history[t.shell.history.length - 1]).toBe('cat <<EOF > a.txt\nline one\nEOF');
  });

  it('replays keys typed while a command runs', async () => {
    const t = open();
    await settle();
    t.term.write('sleep 1\recho after\r');
    await settle(200);
    expect(t.screen()).toContain('after\r\n');
  });

  it('exit and Ctrl-D log out', async () => {
    const t = open();
    await settle();
    t.term.write('exit 4\r');
    await settle();
    expect(t.screen()).toMatch(/logout\r\n$/);
    expect(t.exit()).toBe(4);
    const u = open();
    await settle();
    u.term.write('\x04');
    expect(u.exit()).toBe(0);
  });

  it('Ctrl-L clears the screen and keeps the line', async () => {
    const t = open();
    await settle();
    t.term.write('echo x\x0c');
    expect(t.screen()).toContain('\x1b[H\x1b[2J\rroot@k8s1:~# echo x');
  });
});
