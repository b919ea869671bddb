// The sim backend's interactive terminal reports each finished command line
// (what a lesson's `command` checks look at): the line, what it printed, $?.
import { describe, expect, it } from 'vitest';
import { createSimLab } from '../../../core/lab/index.js';

describe('sim terminal command records', () => {
  it('reports the line, its output and exit status; a Ctrl-C ends it with 130', async () => {
    const lab = await createSimLab({ name: 'rec', nodes: 2, kubeProxyVersion: 'v1.33.0', backend: 'sim' });  // real time: `sleep 100` really waits, until Ctrl-C
    try {
      const term = await lab.openTerminal({ node: 'k8s2' }, { cols: 80, rows: 24 });
      const records: { line: string; output: string; exitCode: number }[] = [];
      expect(term.onCommand).toBeDefined();
      term.onCommand!((r) => records.push(r));
      const wait = async (n: number): Promise<void> => {
        for (let i = 0; i < 200 && records.length < n; i++) await new Promise((r) => setTimeout(r, 10));
      };
      term.write('ps -aef | grep kube-proxy\r');
      await wait(1);
      expect(records[0]!.line).toBe('ps -aef | grep kube-proxy');
      expect(records[0]!.output).toContain('kube-proxy --config');
      expect(records[0]!.exitCode).toBe(0);

      term.write('ls /nonexistent\r');
      await wait(2);
      expect(records[1]).toMatchObject({ line: 'ls /nonexistent', exitCode: 2 });
      expect(records[1]!.output).toMatch(/No such file or directory/);

      term.write('sleep 100\r');
      await new Promise((r) => setTimeout(r, 50));
      expect(records).toHaveLength(2);
      term.write('\x03');
      await wait(3);
      expect(records[2]).toMatchObject({ line: 'sleep 100', exitCode: 130 });

      // A line abandoned with Ctrl-C before Enter never ran: nothing is reported.
      term.write('kill -9 1\x03');
      await new Promise((r) => setTimeout(r, 50));
      expect(records).toHaveLength(3);
    } finally {
      await lab.close();
    }
  });
});
