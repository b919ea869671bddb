// `chainlab trace --lab`: the rules of a lab's node; --verify needs a kernel (docker labs).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../core/host/cli/main.js';

let home: string;
beforeEach(async () => { home = await mkdtemp(join(tmpdir(), 'chainlab-verify-cli-')); });
afterEach(async () => { await rm(home, { recursive: true, force: true }); });

async function cli(...argv: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, {
    stdout: (s) => { out += s; }, stderr: (s) => { err += s; }, readStdin: async () => '',
    env: { CHAINLAB_HOME: home, CHAINLAB_LOCK_WAIT_MS: '200' }, cwd: home,
  });
  return { out, err, code };
}

describe('chainlab trace --lab / --verify', () => {
  it('traces a packet through the rules installed on a lab node, and refuses --verify on a sim lab with exit 2', async () => {
    expect((await cli('up', '--nodes', '1', '--seed', '3')).code).toBe(0);
    const dns = (await cli('kubectl', 'get', 'svc', 'kube-dns', '-n', 'kube-system', '-o', 'jsonpath={.spec.clusterIP}')).out.trim();
    expect(dns).toMatch(/^10\.\d+\.\d+\.\d+$/);
    const t = await cli('trace', '--lab', 'lab', '--node', 'k8s1', '--from', 'node', '--src', '192.168.49.2', '--proto', 'udp', '--dst', dns, '--dport', '53', '--matched-only');
    expect(t.err).toBe('');
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/^Packet udp 192\.168\.49\.2:40000 → 10\.\d+\.\d+\.\d+:53 from a process on the node/);
    expect(t.out).toMatch(/✔ nat\/KUBE-SERVICES #\d+ +-A KUBE-SERVICES -d 10\.\d+\.\d+\.\d+\/32 -p udp .*kube-system\/kube-dns:dns cluster IP.* -j KUBE-SVC-/);
    const v = await cli('trace', '--lab', 'lab', '--verify', '--from', 'external', '--src', '203.0.113.7', '--dst', '192.168.49.2', '--dport', '30450');
    expect(v.code).toBe(2);
    expect(v.out).toBe('');
    expect(v.err).toBe('chainlab trace: --verify sends a real packet, and lab "lab" runs on the sim backend, which has no kernel to send it through; make a docker lab to verify (chainlab up --backend docker)\n');
  }, 60_000); // three CLI commands, each restoring the lab: slow on a loaded machine

  it('says --verify needs a lab, and --node needs --lab', async () => {
    const v = await cli('trace', '--rules', 'x.txt', '--verify', '--from', 'node', '--src', '10.0.0.1', '--dst', '10.0.0.2', '--dport', '80');
    expect(v.code).toBe(2);
    expect(v.err).toMatch(/^chainlab trace: --verify needs --lab NAME \(a docker lab\)/);
    const n = await cli('trace', '--node', 'k8s1', '--from', 'node', '--src', '10.0.0.1', '--dst', '10.0.0.2', '--dport', '80');
    expect(n.code).toBe(2);
    expect(n.err).toMatch(/^chainlab trace: --node names a node of a lab: give --lab NAME too/);
  });
});
