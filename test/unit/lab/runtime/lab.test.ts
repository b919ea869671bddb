import { describe, expect, it } from 'vitest';
import { createSimLab, restoreSimLab, manualClock } from '../../../../core/lab/index.js';

const spec = (nodes = 3, kubeProxyVersion = '1.33') => ({ name: 't', nodes, kubeProxyVersion, backend: 'sim' as const, seed: 11 });

describe('sim lab', () => {
  it('runs kubectl and node shell commands like a terminal shows them', async () => {
    const clock = manualClock();
    const lab = await createSimLab(spec(), { clock });
    const run = await lab.kubectl(['run', 'nginx', '--image=nginx']);
    expect(run).toEqual({ output: 'pod/nginx created\n', exitCode: 0 });
    await lab.advance(5000);
    const exp = await lab.kubectl(['expose', 'pod', 'nginx', '--name=my-nginx-svc', '--port=3000', '--target-port=80']);
    expect(exp.output).toBe('service/my-nginx-svc exposed\n');
    await lab.advance(2000);
    for (const n of ['k8s1', 'k8s2', 'k8s3']) {
      const r = await lab.exec(n, 'iptables-save | grep nginx');
      expect(r.exitCode).toBe(0);
      const lines = r.output.split('\n').filter((l) => l !== '');
      // 1.33 layout: the Service's jump, its KUBE-SVC chain (masquerade + one endpoint), the KUBE-SEP chain (masquerade + DNAT).
      expect(lines.filter((l) => l.startsWith('-A KUBE-SERVICES '))).toHaveLength(1);
      expect(lines.filter((l) => l.startsWith('-A KUBE-SVC-'))).toHaveLength(2);
      expect(lines.filter((l) => l.startsWith('-A KUBE-SEP-'))).toHaveLength(2);
      expect(lines).toHaveLength(5);
      expect(r.output).toMatch(/^-A KUBE-SERVICES -d 10\.\d+\.\d+\.\d+\/32 -p tcp -m comment --comment "default\/my-nginx-svc cluster IP" -m tcp --dport 3000 -j KUBE-SVC-[A-Z2-7]{16}$/m);
    }
    const svc = lab.runtime.api.find('Service', 'default', 'my-nginx-svc')!;
    const ip = (svc.spec as { clusterIP: string }).clusterIP;
    const curl = await lab.exec('k8s1', `curl ${ip}:3000`);
    expect(curl.exitCode).toBe(0);
    expect(curl.output).toContain('<title>Welcome to nginx!</title>');
    const del = await lab.kubectl(['delete', 'service', 'my-nginx-svc']);
    expect(del.output).toBe('service "my-nginx-svc" deleted\n');
    await lab.advance(2000);
    const gone = await lab.exec('k8s1', 'iptables-save | grep nginx');
    expect(gone).toEqual({ output: '', exitCode: 1 });
    await lab.close();
  });

  it('survives a snapshot: the restored lab has the same objects, rules and processes', async () => {
    const clock = manualClock();
    const lab = await createSimLab(spec(2), { clock });
    await lab.kubectl(['create', 'deployment', 'web', '--image=nginx']);
    await lab.advance(3000);
    const json = JSON.parse(JSON.stringify(lab.toJSON()));
    const again = await restoreSimLab(json, { clock });
    expect((await again.kubectl(['get', 'deploy'])).output).toBe((await lab.kubectl(['get', 'deploy'])).output);
    expect((await again.exec('k8s2', 'iptables-save')).output).toBe((await lab.exec('k8s2', 'iptables-save')).output);
    expect((await again.exec('k8s1', 'ps -ef')).output).toBe((await lab.exec('k8s1', 'ps -ef')).output);
  });
});
