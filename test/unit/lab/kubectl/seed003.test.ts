// Seed 003's kubectl output, reproduced from the same cluster state: the
// tables and describe text must be the article's, character for character,
// where the cluster is the same.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kubectl, seed003 } from './fixtures.js';

const seed = readFileSync(new URL('../../../fixtures/seeds/003_90a3171e736d5ab9.txt', import.meta.url), 'utf8');

/** The lines the article shows after `lab@k8s1:~$ <cmd>` up to the next prompt. */
function articleOutput(cmd: string): string {
  const start = seed.indexOf(`lab@k8s1:~$ ${cmd}\n`);
  if (start < 0) throw new Error(`not in seed: ${cmd}`);
  const from = start + `lab@k8s1:~$ ${cmd}\n`.length;
  const end = seed.indexOf('lab@k8s1:~$', from);
  return seed.slice(from, end);
}

describe('kubectl output of seed 003', () => {
  it('get nodes -o wide', async () => {
    const r = await kubectl(seed003(), 'get nodes -o wide');
    expect(r.err).toBe('');
    expect(r.out).toBe(articleOutput('kubectl get nodes -o wide'));
  });

  it('get pods -n kube-system, with restart counts and when', async () => {
    const r = await kubectl(seed003(), 'get pods -n kube-system');
    expect(r.out).toBe(articleOutput('kubectl get pods -n kube-system'));
  });

  it('get ep kube-dns caps the list at three and counts the rest', async () => {
    const r = await kubectl(seed003(), 'get ep kube-dns -n kube-system');
    expect(r.out).toBe(articleOutput('kubectl get ep kube-dns -n kube-system'));
  });

  it('describe ep kube-dns', async () => {
    const r = await kubectl(seed003(), 'describe ep kube-dns -n kube-system');
    expect(r.out).toBe(articleOutput('kubectl describe ep kube-dns -n kube-system'));
  });

  it('describe svc -n kube-system', async () => {
    const r = await kubectl(seed003(), 'describe svc -n kube-system');
    expect(r.out).toBe(articleOutput('kubectl describe svc -n kube-system'));
  });

  it('get svc -n kube-system', async () => {
    const r = await kubectl(seed003(), 'get svc -n kube-system');
    expect(r.out).toBe(articleOutput('kubectl get svc -n kube-system'));
  });

  it('run, get -o wide, expose, get svc, delete as the article goes', async () => {
    const api = seed003();
    expect(await kubectl(api, 'run nginx --image=nginx')).toEqual({ out: 'pod/nginx created\n', err: '', code: 0 });
    api.clock += 68_000;
    expect((await kubectl(api, 'get pods nginx -o wide')).out).toBe(articleOutput('kubectl get pods nginx -o wide'));
    expect(await kubectl(api, 'expose pod nginx --name=my-nginx-svc --port=3000 --target-port=80')).toEqual({ out: 'service/my-nginx-svc exposed\n', err: '', code: 0 });
    api.clock += 4_000;
    expect((await kubectl(api, 'get svc')).out).toBe(articleOutput('kubectl get svc'));
    const svc = JSON.parse((await kubectl(api, 'get svc my-nginx-svc -o json')).out) as { spec: { selector: unknown; ports: unknown } };
    expect(svc.spec.selector).toEqual({ run: 'nginx' });
    expect(svc.spec.ports).toEqual([{ port: 3000, protocol: 'TCP', targetPort: 80 }]);
    expect(await kubectl(api, 'delete service my-nginx-svc')).toEqual({ out: 'service "my-nginx-svc" deleted\n', err: '', code: 0 });
    expect(await kubectl(api, 'get svc my-nginx-svc')).toEqual({ out: '', err: 'Error from server (NotFound): services "my-nginx-svc" not found\n', code: 1 });
  });
});
