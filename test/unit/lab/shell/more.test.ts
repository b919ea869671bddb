import { describe, expect, it } from 'vitest';
import { createShell, createShellTerminal, parseLine } from '../../../../core/lab/shell/index.js';
import { FakeHost, runLines } from './fake-host.js';

async function sh(line: string | string[], host = new FakeHost()) {
  return runLines(createShell(host), ...(Array.isArray(line) ? line : [line]));
}

describe('parser', () => {
  it('tells incomplete input from wrong input', () => {
    for (const l of ["echo 'a", 'echo "a', 'echo a |', 'true &&', 'cat <<EOF\nx', 'for i in 1 2; do echo', 'echo $(date', 'if true; then echo a']) {
      const r = parseLine(l);
      expect(r.ok === false && r.incomplete, l).toBe(true);
    }
    for (const [l, tok] of [['| a', '|'], ['a ;; b', ';;'], ['echo a )', ')'], ['&& b', '&&']] as const) {
      const r = parseLine(l);
      expect(r.ok === false && !r.incomplete && r.message, l).toBe(`syntax error near unexpected token \`${tok}'`);
    }
  });

  it('keeps the job text of a background command', () => {
    const r = parseLine('python -m SimpleHTTPServer 30450 &  echo next');
    expect(r.ok && r.script.map((a) => [a.text, a.background])).toEqual([
      ['python -m SimpleHTTPServer 30450 &', true],
      ['echo next', false],
    ]);
  });
});

describe('shell details', () => {
  it('quotes, escapes, comments and redirection order', async () => {
    expect((await sh(`echo "a \\"b\\" \\$x" 'c\\d' e\\ f # comment`)).out).toBe('a "b" $x c\\d e f\n');
    expect((await sh('nosuch 2>&1 >/dev/null | wc -l')).out).toBe('1\n');
    expect((await sh('nosuch >/dev/null 2>&1 | wc -l')).out).toBe('0\n');
    expect((await sh('cat <<< "here string"')).out).toBe('here string\n');
    expect((await sh('{ echo a; echo b; } | tac 2>/dev/null || echo fallback')).out).toBe('fallback\n');
    expect((await sh('(cd /tmp; pwd); pwd')).out).toBe('/tmp\n/root\n');
  });

  it('test and [ as bash', async () => {
    expect((await sh('[ 3 -gt 2 ] && echo yes')).out).toBe('yes\n');
    expect((await sh('[ -z "" ] && [ -n x ] && test a = a && echo ok')).out).toBe('ok\n');
    expect((await sh('if [ -f /etc/nope ]; then echo y; else echo n; fi')).out).toBe('n\n');
    const bad = await sh('[ a -eq 1 ]');
    expect(bad.err).toBe('bash: [: a: integer expression expected\n');
    expect(bad.status).toBe(2);
  });

  it('xargs builds command lines from input', async () => {
    expect((await sh('printf "a\\nb\\n" | xargs echo got')).out).toBe('got a b\n');
    expect((await sh('printf "a\\nb\\n" | xargs -n 1 echo got')).out).toBe('got a\ngot b\n');
    expect((await sh('printf "a\\nb\\n" | xargs -I {} echo "<{}>"')).out).toBe('<a>\n<b>\n');
  });

  it('sends kubectl its arguments and the piped stdin', async () => {
    const host = new FakeHost();
    host.kubectlImpl = async (args, io) => {
      io.stdout(`args=${args.join(',')} stdin=${await io.stdin.readAll()}`);
      return 3;
    };
    const r = await sh('echo "kind: Pod" | kubectl apply -f -', host);
    expect(r.out).toBe('args=apply,-f,- stdin=kind: Pod\n');
    expect(r.status).toBe(3);
  });

  it('sudo -i makes a root shell that exit leaves', async () => {
    const shell = createShell(new FakeHost({ user: 'lab' }));
    await runLines(shell, 'sudo -i');
    expect(shell.prompt()).toBe('root@k8s1:~# ');
    expect((await runLines(shell, 'whoami; pwd')).out).toBe('root\n/root\n');
    await runLines(shell, 'exit');
    expect(shell.exited).toBe(null);
    expect(shell.prompt()).toBe('lab@k8s1:~$ ');
  });

  it('timeout stops a command that runs until interrupted (status 124)', async () => {
    const host = new FakeHost();
    host.kubectlImpl = async (_args, io) => {
      io.stdout('NAME   READY\n');
      await new Promise<void>((r) => (io.signal.aborted ? r() : io.signal.addEventListener('abort', () => r(), { once: true })));
      return 0;
    };
    const r = await sh('timeout 3 kubectl get po -w; echo status=$?', host);
    expect(r.out).toBe('NAME   READY\nstatus=124\n');
    // a clock on which 3 s take longer than running `true`
    const slow = new FakeHost();
    slow.sleep = async (_ms, signal) => {
      for (let i = 0; i < 500; i++) await Promise.resolve();
      return !signal.aborted;
    };
    expect((await sh('timeout 3 true; echo $?', slow)).out).toBe('0\n');
  });

  it('editors are absent with a message that says what to use', async () => {
    const r = await sh('vi svc.yaml');
    expect(r.err).toContain('cat <<EOF > service.yaml');
    expect(r.status).toBe(127);
  });

  it('sysctl reads /proc/sys', async () => {
    const host = new FakeHost();
    host.fs.mkdir('/proc/sys/net/ipv4/conf/all', { parents: true });
    host.fs.writeFile('/proc/sys/net/ipv4/conf/all/route_localnet', '1\n');
    expect((await sh('sysctl net.ipv4.conf.all.route_localnet', host)).out).toBe('net.ipv4.conf.all.route_localnet = 1\n');
    const miss = await sh('sysctl net.nope', host);
    expect(miss.err).toBe('sysctl: cannot stat /proc/sys/net/nope: No such file or directory\n');
  });

  it('$! and $$ name real pids', async () => {
    const host = new FakeHost();
    host.sleepsHang = true;
    const shell = createShell(host);
    const r = await runLines(shell, 'sleep 100 &', 'echo $!', 'jobs -l');
    expect(r.out).toMatch(/^(\d+)\n\[1\]\+ \1 Running                 sleep 100 &\n$/);
    const k = await runLines(shell, 'kill -9 %1');
    expect(k.status).toBe(0);
    expect(shell.takeNotices()).toBe('[1]+  Killed                  sleep 100\n');
    expect(Number((await runLines(shell, 'echo $$')).out)).toBeGreaterThan(0);
  });
});

describe('tab completion', () => {
  it('completes commands, then files, and lists choices on a second Tab', async () => {
    const host = new FakeHost();
    host.fs.writeFile('/root/service.yaml', 'x');
    host.fs.writeFile('/root/deploy.yaml', 'x');
    const shell = createShell(host);
    expect(shell.complete!('iptables-s')).toEqual(['iptables-save']);
    expect(shell.complete!('cat se')).toEqual(['service.yaml']);
    expect(shell.complete!('ls /t')).toEqual(['/tmp/']);
    const term = createShellTerminal(shell);
    let screen = '';
    term.onData((d) => (screen += d));
    await Promise.resolve();
    term.write('cat s\t');
    expect(screen).toContain('cat service.yaml ');
    screen = '';
    term.write('\x15cat \t\t');
    expect(screen).toContain('deploy.yaml  service.yaml');
  });
});
