import { describe, expect, it } from 'vitest';
import { createShell, runShellLine } from '../../../../core/lab/shell/index.js';
import { FakeHost, runLines } from './fake-host.js';

async function sh(line: string | string[], host = new FakeHost()) {
  const shell = createShell(host);
  return runLines(shell, ...(Array.isArray(line) ? line : [line]));
}

describe('node shell: lists, statuses, expansion', () => {
  it('prints the prompt of root and of a plain user', () => {
    expect(createShell(new FakeHost()).prompt()).toBe('root@k8s1:~# ');
    expect(createShell(new FakeHost({ user: 'lab' })).prompt()).toBe('lab@k8s1:~$ ');
  });

  it('runs && || ; with bash exit statuses', async () => {
    expect((await sh('true && echo yes || echo no')).out).toBe('yes\n');
    expect((await sh('false && echo yes || echo no')).out).toBe('no\n');
    const r = await sh('false; echo $?; true; echo $?');
    expect(r.out).toBe('1\n0\n');
    expect((await sh('! true')).status).toBe(1);
  });

  it('reports a missing command with status 127', async () => {
    const r = await sh('nosuchtool -x');
    expect(r.err).toBe('bash: nosuchtool: command not found\n');
    expect(r.status).toBe(127);
    expect((await sh('nosuchtool; echo $?')).out).toBe('127\n');
  });

  it('expands variables, quotes and defaults like bash', async () => {
    const r = await sh(['X="a  b"', 'echo $X "$X" \'$X\' ${X} ${Y:-dflt} "${#X}"']);
    expect(r.out).toBe('a b a  b $X a b dflt 4\n');
    expect((await sh('export A=1; env | grep ^A=')).out).toBe('A=1\n');
    expect((await sh('echo ~ ~/x')).out).toBe('/root /root/x\n');
  });

  it('substitutes commands', async () => {
    expect((await sh('echo "host: $(hostname)"')).out).toBe('host: k8s1\n');
    expect((await sh('for i in $(seq 3); do echo n$i; done')).out).toBe('n1\nn2\nn3\n');
  });

  it('expands $(( )) arithmetic and {a,b} / {1..3} braces', async () => {
    expect((await sh('i=2; echo $((i*3+1)) $(( (1+2) % 2 )) "$((10/3))"')).out).toBe('7 1 3\n');
    expect((await sh('i=0; while [ $i -lt 3 ]; do echo $i; i=$((i+1)); done')).out).toBe('0\n1\n2\n');
    expect((await sh('for n in {1..3}; do echo -n "$n "; done; echo x{a,b}y')).out).toBe('1 2 3 xay xby\n');
    expect((await sh('echo "{1..3}"')).out).toBe('{1..3}\n');
  });

  it('globs file names in the working directory and under a path', async () => {
    const host = new FakeHost();
    for (const f of ['b.yaml', 'a.yaml', 'c.txt', '.hidden.yaml']) host.fs.writeFile(`/root/${f}`, f + '\n');
    expect((await sh('echo *.yaml', host)).out).toBe('a.yaml b.yaml\n');
    expect((await sh('cat /root/?.txt', host)).out).toBe('c.txt\n');
    expect((await sh('echo "*.yaml" *.none', host)).out).toBe('*.yaml *.none\n');
  });

  it('pipes, with the last command giving the status', async () => {
    expect((await sh('printf "b\\na\\nc\\n" | sort | head -2')).out).toBe('a\nb\n');
    expect((await sh('echo x | grep y')).status).toBe(1);
    expect((await sh('echo x | grep -c x')).out).toBe('1\n');
  });

  it('redirects to files, /dev/null and 2>&1', async () => {
    const host = new FakeHost();
    const r = await sh(['echo hello > f.txt', 'echo more >> f.txt', 'cat f.txt', 'cat < f.txt | wc -l', 'nosuch 2>/dev/null; echo $?', 'nosuch 2>&1 | tr a-z A-Z'], host);
    expect(r.out).toBe('hello\nmore\n2\n127\nBASH: NOSUCH: COMMAND NOT FOUND\n');
    expect(host.fs.readFile('/root/f.txt')).toBe('hello\nmore\n');
    const missing = await sh('cat < nope.yaml');
    expect(missing.err).toBe('bash: nope.yaml: No such file or directory\n');
    expect(missing.status).toBe(1);
  });

  it('writes a here-doc to a file (cat <<EOF > f.yaml)', async () => {
    const host = new FakeHost();
    await sh('cat <<EOF > svc.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: $NAME\nEOF', host);
    expect(host.fs.readFile('/root/svc.yaml')).toBe('apiVersion: v1\nkind: Service\nmetadata:\n  name: \n');
    await sh("cat <<'EOF' > q.yaml\nname: $NAME\nEOF", host);
    expect(host.fs.readFile('/root/q.yaml')).toBe('name: $NAME\n');
  });

  it('gives syntax errors status 2 with bash words', async () => {
    const r = await sh('echo a | | b');
    expect(r.err).toBe("bash: syntax error near unexpected token `|'\n");
    expect(r.status).toBe(2);
    const q = await sh('echo "abc');
    expect(q.err).toContain('unexpected EOF while looking for matching `"\'');
    expect(q.status).toBe(2);
  });

  it('keeps cwd, history and exit status', async () => {
    const host = new FakeHost();
    const shell = createShell(host);
    const r = await runLines(shell, 'mkdir -p /tmp/a', 'cd /tmp/a', 'pwd', 'history');
    expect(r.out).toBe('/tmp/a\n    1  mkdir -p /tmp/a\n    2  cd /tmp/a\n    3  pwd\n    4  history\n');
    expect(shell.prompt()).toBe('root@k8s1:/tmp/a# ');
    await runLines(shell, 'exit 3');
    expect(shell.exited).toBe(3);
    expect((await runLines(createShell(host), 'cd /nope')).err).toBe('bash: cd: /nope: No such file or directory\n');
  });

  it('runs one line in a fresh session (chainlab exec)', async () => {
    let out = '';
    const status = await runShellLine(new FakeHost(), 'hostname && false', { stdout: (s) => (out += s), stderr: () => {} });
    expect(out).toBe('k8s1\n');
    expect(status).toBe(1);
  });

  it('expands !! and !$ as bash history does (sudo !!)', async () => {
    const shell = createShell(new FakeHost({ user: 'lab' }));
    const r = await runLines(shell, 'whoami', 'sudo !!', "echo '!!'", 'echo a b', 'echo !$');
    expect(r.out).toBe('lab\nsudo whoami\nroot\n!!\na b\necho b\nb\n');
    expect(shell.history).toEqual(['whoami', 'sudo whoami', "echo '!!'", 'echo a b', 'echo b']);
    expect((await runLines(createShell(new FakeHost()), '!!')).err).toBe('bash: !!: event not found\n');
  });

  it('bounds loops that never end', async () => {
    const shell = createShell(new FakeHost(), { maxLoopIterations: 50 });
    const r = await runLines(shell, 'while true; do :; done');
    expect(r.err).toContain('loop stopped after 50 rounds');
    expect(r.status).toBe(1);
  });

  it('sudo elevates a plain user; writing outside home is denied without it', async () => {
    const host = new FakeHost({ user: 'lab' });
    const r = await sh(['whoami', 'sudo whoami', 'echo x > /etc/foo'], host);
    expect(r.out).toBe('lab\nroot\n');
    expect(r.err).toBe('bash: /etc/foo: Permission denied\n');
  });
});
