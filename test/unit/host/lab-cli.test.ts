import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { runCli } from '../../../core/host/cli/main.js';
import type { CliIO } from '../../../core/host/cli/io.js';
import { APP_HOLDER, lockLab } from '../../../core/host/lab/lock.js';
import { advanceLab } from '../../../core/host/lab/session.js';
import { labDir, writeAtomic } from '../../../core/host/lab/store.js';

let home: string;
beforeEach(async () => { home = await mkdtemp(join(tmpdir(), 'chainlab-home-')); });
afterEach(async () => { await rm(home, { recursive: true, force: true }); });

async function cli(...argv: string[]): Promise<{ out: string; err: string; code: number }> {
  return cliWaiting(200, ...argv);
}

/** The CLI with its lock wait (CHAINLAB_LOCK_WAIT_MS) set. */
async function cliWaiting(lockWaitMs: number, ...argv: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  const io: CliIO = {
    stdout: (s) => { out += s; }, stderr: (s) => { err += s; }, readStdin: async () => '',
    env: { CHAINLAB_HOME: home, CHAINLAB_LOCK_WAIT_MS: String(lockWaitMs) }, cwd: home,
  };
  const code = await runCli(argv, io);
  return { out, err, code };
}

describe('chainlab up / exec / kubectl / status / reset / down', () => {
  it('creates a lab that keeps what commands did between them', async () => {
    const up = await cli('up', '--nodes', '2', '--seed', '5');
    expect(up.code).toBe(0);
    expect(up.out).toMatch(/^Lab "lab": 2 nodes \(sim\), Kubernetes v1\.33\.1/);
    expect(up.out).toMatch(/k8s1 {2}control-plane {2}192\.168\.49\.2 .*kube-proxy running \(pid \d+\)/);
    expect((await cli('kubectl', 'run', 'nginx', '--image=nginx')).out).toBe('pod/nginx created\n');
    await advanceLab('lab', 5000, { env: { CHAINLAB_HOME: home } });
    const get = await cli('kubectl', 'get', 'pod', 'nginx');
    expect(get.out).toMatch(/^NAME {4}READY {3}STATUS {4}RESTARTS {3}AGE\nnginx {3}1\/1 {5}Running {3}0 {10}\d+s\n$/);
    const ex = await cli('exec', 'k8s1', '--', 'kubectl', 'expose', 'pod', 'nginx', '--port=80', '--name=web');
    expect(ex).toEqual({ out: 'service/web exposed\n', err: '', code: 0 });
    await advanceLab('lab', 2000, { env: { CHAINLAB_HOME: home } });
    const rules = await cli('exec', 'k8s2', '--', 'iptables-save | grep -c "default/web cluster IP"');
    expect(rules.out).toBe('2\n');
    expect(rules.code).toBe(0);
    const reset = await cli('reset');
    expect(reset.out).toBe('Lab "lab" is back to its starting state.\n');
    const after = await cli('kubectl', 'get', 'pod', 'nginx');
    expect(after.err).toBe('Error from server (NotFound): pods "nginx" not found\n');
    expect(after.code).toBe(1);
    expect((await cli('down')).out).toBe('Lab "lab" removed.\n');
    expect((await cli('status')).out).toBe('No labs yet. Create one with: chainlab up\n');
  });

  it('passes exit statuses through and says what is wrong', async () => {
    expect((await cli('exec', 'k8s1', '--', 'true')).err).toBe("chainlab exec: there is no lab yet; create one with: chainlab up\n");
    await cli('up', '--name', 'a', '--nodes', '1');
    expect((await cli('exec', 'k8s1', '--', 'exit 3')).code).toBe(3);
    expect((await cli('exec', 'k8s1', '--', 'nosuchcommand')).code).toBe(127);
    expect((await cli('exec', 'k9', '--', 'ls'))).toEqual({ out: '', err: 'chainlab exec: lab "a" has no node "k9" (nodes: k8s1)\n', code: 1 });
    const again = await cli('up', '--name', 'a');
    expect(again).toEqual({ out: '', err: 'chainlab up: a lab named "a" already exists (chainlab down --lab a removes it)\n', code: 1 });
    await cli('up', '--name', 'b', '--nodes', '1');
    const which = await cli('status', '--lab', 'nope');
    expect(which.err).toBe('chainlab status: no lab named "nope" (labs: a, b); create it with: chainlab up --name nope\n');
    const amb = await cli('exec', 'k8s1', '--', 'true');
    expect(amb.code).toBe(2);
    expect(amb.err).toContain('2 labs exist (a, b); choose one with --lab NAME');
    expect((await cli('up', '--nodes', 'x')).code).toBe(2);
  });

  it('a second process gets "lab is in use" while the lock is held', async () => {
    await cli('up', '--nodes', '1');
    const release = await lockLab(labDir({ CHAINLAB_HOME: home }, 'lab'), 'lab', 'exec k8s1 -- watch date', 0);
    const r = await cli('kubectl', 'get', 'nodes');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`^chainlab kubectl: lab "lab" is in use by another chainlab process \\(pid ${process.pid}, running 'exec k8s1 -- watch date' since .*\\); try again when it has finished\\n$`));
    await release();
    expect((await cli('kubectl', 'get', 'nodes')).code).toBe(0);
  });

  it('a lab the app holds is refused at once, not after the wait, in words that say to switch the app', async () => {
    await cli('up', '--nodes', '1');
    const release = await lockLab(labDir({ CHAINLAB_HOME: home }, 'lab'), 'lab', APP_HOLDER, 0);
    // A wait of 60 s would outlast the test's timeout: the answer must come without it.
    const r = await cliWaiting(60_000, 'kubectl', 'get', 'nodes');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`^chainlab kubectl: lab "lab" is open in the Chainlab app \\(pid ${process.pid}, since .*\\); switch the app to another lab or close it first\n$`));
    await release();
    expect((await cli('kubectl', 'get', 'nodes')).code).toBe(0);
  });

  it('takes over the lock of a process that died', async () => {
    await cli('up', '--nodes', '1');
    const dead = spawn(process.execPath, ['-e', '0']);
    const pid = dead.pid!;
    await new Promise((r) => dead.on('exit', r));
    await writeFile(join(labDir({ CHAINLAB_HOME: home }, 'lab'), 'lock'), JSON.stringify({ pid, command: 'exec', since: Date.now() }));
    expect((await cli('kubectl', 'get', 'nodes')).code).toBe(0);
  });

  it('waits for the lock instead of failing when the holder finishes in time', async () => {
    await cli('up', '--nodes', '1');
    const release = await lockLab(labDir({ CHAINLAB_HOME: home }, 'lab'), 'lab', 'status', 0);
    setTimeout(() => void release(), 50);
    expect((await cli('kubectl', 'get', 'nodes')).code).toBe(0);
    await expect(lockLab(labDir({ CHAINLAB_HOME: home }, 'lab'), 'lab', 'x', 0).then((r) => r())).resolves.toBeUndefined();
  });
});

describe('atomic state writes', () => {
  it('replaces the file whole and leaves no temporary file behind', async () => {
    const path = join(home, 'state.json');
    await writeAtomic(path, 'one');
    await writeAtomic(path, 'two');
    expect(await readFile(path, 'utf8')).toBe('two');
    expect(await readdir(home)).toEqual(['state.json']);
  });

  it('a process killed with -9 in the middle of saving leaves a readable lab', async () => {
    await cli('up', '--nodes', '1');
    const dir = labDir({ CHAINLAB_HOME: home }, 'lab');
    const before = await readFile(join(dir, 'state.json'), 'utf8');
    // A child writes huge states in a loop; we kill it at a random moment.
    const child = spawn(process.execPath, ['--input-type=module', '-e', `
      import { open, rename } from 'node:fs/promises';
      const path = ${JSON.stringify(join(dir, 'state.json'))};
      const data = ${JSON.stringify(before)};
      for (let i = 0; i < 1000; i++) {
        const tmp = path + '.tmp-' + process.pid + '-' + i;
        const fh = await open(tmp, 'w'); await fh.writeFile(data + ' '.repeat(1 << 20)); await fh.sync(); await fh.close();
        await rename(tmp, path);
      }`]);
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const text = await readFile(join(dir, 'state.json'), 'utf8');
    expect(() => JSON.parse(text)).not.toThrow();
    expect((await cli('status')).code).toBe(0);
  });
});
