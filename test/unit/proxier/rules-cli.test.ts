// `chainlab rules`: what a person sees on stdout/stderr and the exit status.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../core/host/cli/main.js';

const dir = join(import.meta.dirname, '../../fixtures/k8s/seed003');

async function cli(argv: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(['rules', ...argv], { stdout: (s) => (out += s), stderr: (s) => (err += s), readStdin: async () => stdin, env: {}, cwd: dir });
  return { code, out, err };
}

const ALL = ['-f', 'nodes.yaml', '-f', 'services.yaml', '-f', 'endpoints.yaml', '-f', 'kube-proxy-config.yaml'];

describe('chainlab rules', () => {
  it('prints the restore input for the chosen node, filter then nat, in a stable order', async () => {
    const r = await cli([...ALL, '--node', 'k8s1']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out.startsWith('*filter\n:KUBE-NODEPORTS - [0:0]\n:KUBE-SERVICES - [0:0]\n')).toBe(true);
    expect(r.out.indexOf('*nat')).toBeGreaterThan(r.out.indexOf('COMMIT'));
    expect(r.out).toContain('-A KUBE-SERVICES -m comment --comment "default/kubernetes:https cluster IP" -m tcp -p tcp -d 10.96.0.1 --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y');
    const again = await cli([...ALL, '--node', 'k8s1']);
    expect(again.out).toBe(r.out);
  });

  it('reads objects from stdin with -f -', async () => {
    const text = ['nodes.yaml', 'services.yaml', 'endpoints.yaml'].map((f) => readFileSync(join(dir, f), 'utf8')).join('\n---\n');
    const r = await cli(['-f', '-', '--node', 'k8s2', '--kube-proxy-version', '1.22'], text);
    expect(r.code).toBe(0);
    // No KubeProxyConfiguration: no cluster CIDR, so no off-cluster masquerade rule.
    expect(r.out).not.toContain('! -s 10.244.0.0/16');
    expect(r.out).toContain('-A KUBE-SEP-DSBJGVCOU4RGUKVK -p tcp -m comment --comment "default/my-nginx-svc" -m tcp -j DNAT --to-destination 10.244.3.38:80');
  });

  it('--output save prints the node as iptables-save shows it', async () => {
    const r = await cli([...ALL, '--node', 'k8s1', '--kube-proxy-version', '1.22', '-o', 'save']);
    expect(r.code).toBe(0);
    expect(r.out.split('\n').filter((l) => l.startsWith('*'))).toEqual(['*mangle', '*filter', '*nat']);
    expect(r.out).toContain('-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully\n');
    const plain = await cli([...ALL, '--node', 'k8s1', '--kube-proxy-version', '1.22', '-o', 'save', '--random-fully=false']);
    expect(plain.out).toContain('-j MASQUERADE\n');
  });

  it('--tcp-be-liberal leaves out the INVALID drop', async () => {
    const r = await cli([...ALL, '--node', 'k8s1', '--tcp-be-liberal']);
    expect(r.out).not.toContain('INVALID');
  });

  it('asks for --node when there are several nodes', async () => {
    const r = await cli(ALL);
    expect(r).toEqual({ code: 2, out: '', err: 'chainlab rules: the input has 3 nodes (k8s1, k8s2, k8s3): choose one with --node NAME\n' });
    const unknown = await cli([...ALL, '--node', 'k8s9']);
    expect(unknown.err).toBe('chainlab rules: node "k8s9" not found (the input has: k8s1, k8s2, k8s3)\n');
  });

  it('names file, line, object and field of bad input; prints nothing on stdout', async () => {
    const bad = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: nginx\nspec:\n  ports:\n  - port: http\n';
    const r = await cli(['-f', '-'], bad);
    expect(r).toEqual({ code: 2, out: '', err: 'chainlab rules: <stdin>:7:11: Service default/nginx: spec.ports[0].port: Invalid value: "http": must be an integer\n' });
    const missing = await cli(['-f', 'nope.yaml']);
    expect(missing).toEqual({ code: 2, out: '', err: 'chainlab rules: nope.yaml: no such file\n' });
  });

  it('rejects bad flags with exit status 2', async () => {
    expect((await cli([])).code).toBe(2);
    const v = await cli([...ALL, '--kube-proxy-version', '1.25']);
    expect(v).toEqual({ code: 2, out: '', err: "chainlab rules: invalid value \"1.25\" for --kube-proxy-version: supported versions are 1.33 and 1.22\nRun 'chainlab rules --help' for usage.\n" });
    expect((await cli([...ALL, '--nfacct=maybe'])).err).toContain('invalid value "maybe" for --nfacct: must be true or false');
    expect((await cli(['--help'])).out).toContain('Usage:\n  chainlab rules -f FILE');
  });
});
