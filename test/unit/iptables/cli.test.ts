import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CliIO } from '../../../core/host/cli/io.js';
import { runCli } from '../../../core/host/cli/main.js';

const FIX = new URL('../../fixtures/iptables/', import.meta.url);
const golden = (rel: string): string => readFileSync(new URL(`golden/${rel}`, FIX), 'utf8');

async function cli(argv: string[], stdin = ''): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  const io: CliIO = {
    stdout: (s) => void (out += s),
    stderr: (s) => void (err += s),
    readStdin: async () => stdin,
    env: {},
    cwd: new URL('.', FIX).pathname,
  };
  const code = await runCli(argv, io);
  return { out, err, code };
}

describe('chainlab iptables --rules FILE …', () => {
  it('lists a chain of a saved dump like the real iptables', async () => {
    const r = await cli(['iptables', '--rules', 'corpus/kube-proxy-1.33.rules', '-t', 'nat', '-L', '-n']);
    expect(r).toEqual({ out: golden('kube-proxy-1.33/nat-L-n.txt'), err: '', code: 0 });
  });

  it('reads the dump from standard input with --rules -', async () => {
    const dump = readFileSync(new URL('seed003.save', FIX), 'utf8');
    const r = await cli(['iptables', '--rules', '-', '-t', 'nat', '-L', '-v', '-n'], dump);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Chain OUTPUT (policy ACCEPT 1940 packets, 117K bytes)\n');
    expect(r.out).toContain('    0     0 DOCKER     0    --  *      *       0.0.0.0/0           !127.0.0.0/8          ADDRTYPE match dst-type LOCAL\n');
  });

  it('a bad rules file: exit 2, FILE:LINE:COL: message on stderr, nothing on stdout', async () => {
    const r = await cli(['iptables', '--rules', '-', '-L'], '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport\nCOMMIT\n');
    expect(r).toEqual({ out: '', err: '-:3:25: expected an argument after --dport\n', code: 2 });
    const missing = await cli(['iptables', '--rules', 'nope.txt', '-L']);
    expect(missing).toEqual({ out: '', err: 'chainlab iptables: cannot read nope.txt: no such file\n', code: 2 });
  });

  it("passes the real tool's errors and exit statuses through", async () => {
    const nochain = await cli(['iptables', '--rules', 'seed003.save', '-t', 'nat', '-L', 'KUBE-NOPE']);
    expect(nochain).toEqual({ out: '', err: "iptables v1.8.9 (nf_tables): chain `KUBE-NOPE' in table `nat' is incompatible, use 'nft' tool.\n", code: 1 });
    const bad = await cli(['iptables', '--rules', 'seed003.save', '-L', 'INPUT', 'extra']);
    expect(bad).toEqual({ out: '', err: "Bad argument `extra'\nTry `iptables -h' or 'iptables --help' for more information.\n", code: 2 });
    const check = await cli(['iptables', '--rules', 'seed003.save', '-C', 'INPUT', '-j', 'KUBE-FIREWALL']);
    expect(check).toEqual({ out: '', err: '', code: 0 });
  });

  it('without --rules: says it is required, exit 2', async () => {
    const r = await cli(['iptables', '-L']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^chainlab iptables: --rules FILE is required/);
  });
});
