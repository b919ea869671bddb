// Seed 002 ("NodePort with two endpoints"): the KUBE-SVC chain picks one of two
// KUBE-SEP chains with `statistic mode random probability 0.50000000000`, and
// the counters of `iptables -t nat -L -n -v` grow as curl is repeated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lines, replay } from './replay.js';
import type { Replay } from './replay.js';

const MANIFEST = `apiVersion: v1
kind: Service
metadata:
  name: livefire-nodeport-svc
spec:
  type: NodePort
  selector:
    app: livefire
  ports:
  - port: 80
    targetPort: 80
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: livefire
spec:
  replicas: 2
  selector:
    matchLabels:
      app: livefire
  template:
    metadata:
      labels:
        app: livefire
    spec:
      containers:
      - name: nginx
        image: nginx
`;

/** The pkts column of the rule in `chain` whose line matches `re`. */
function pkts(listing: string, chain: string, re: RegExp): number {
  const at = listing.indexOf(`Chain ${chain} `);
  const block = listing.slice(at).split('\n\n')[0]!;
  const line = block.split('\n').slice(2).find((l) => re.test(l));
  if (line === undefined) return Number.NaN;
  const v = line.trim().split(/\s+/)[0]!;
  return /K$/.test(v) ? Number(v.slice(0, -1)) * 1000 : Number(v);
}

describe('seed 002: two endpoints at probability 0.5, counters that grow (1.33)', () => {
  let r: Replay;
  let port = 0;
  /** The Service's chain hash (the article's cluster named it MR3UEIXJ6N3EVTP6; ours hashes our Service's name). */
  let hash = '';
  beforeAll(async () => { r = await replay(['--nodes', '3', '--seed', '2']); });
  afterAll(async () => { await r.done(); });

  it('kubectl get svc: the NodePort Service', async () => {
    expect((await r.exec('k8s1', `cat > svc.yaml <<'EOF'\n${MANIFEST}EOF\nkubectl apply -f svc.yaml`)).code).toBe(0);
    await r.wait(5000);
    const s = lines((await r.exec('k8s1', 'kubectl get svc')).out);
    const m = /^livefire-nodeport-svc +NodePort +10\.\d+\.\d+\.\d+ +<none> +80:(\d+)\/TCP +\d+s$/.exec(s.find((l) => l.startsWith('livefire'))!);
    expect(m).not.toBeNull();
    port = Number(m![1]);
  });

  it('iptables -t nat -L -n -v: the KUBE-SVC chain picks one of two KUBE-SEP at 0.5', async () => {
    const s = (await r.exec('k8s2', 'iptables -t nat -L -n -v')).out;
    hash = new RegExp(`KUBE-EXT-([A-Z2-7]{16}) .*/\\* default/livefire-nodeport-svc \\*/ tcp dpt:${port}`).exec(s)![1]!;
    expect(s).toMatch(/Chain PREROUTING \(policy ACCEPT \d+ packets, \d+ bytes\)/);
    expect(s).toMatch(/Chain KUBE-SERVICES \(2 references\)/);
    const at = s.indexOf(`Chain KUBE-SVC-${hash} `);
    expect(at).toBeGreaterThan(0);
    const block = s.slice(at).split('\n\n')[0]!.split('\n');
    const seps = block.filter((l) => /KUBE-SEP-[A-Z2-7]{16}/.test(l));
    expect(seps).toHaveLength(2);
    expect(seps[0]).toMatch(/\/\* default\/livefire-nodeport-svc -> 10\.244\.\d+\.\d+:80 \*\/ statistic mode random probability 0\.50000000000$/);
    expect(seps[1]).not.toMatch(/statistic/);
  });

  it('the counters grow as curl to NODE_IP:NODEPORT is repeated, and both endpoints get traffic', async () => {
    const before = (await r.exec('k8s2', 'iptables -t nat -L -n -v')).out;
    const pre0 = pkts(before, 'PREROUTING', /KUBE-SERVICES/);
    const np0 = pkts(before, 'KUBE-NODEPORTS', new RegExp(`KUBE-EXT-${hash}`));
    const runs = 12;
    for (let i = 0; i < runs; i++) {
      const c = await r.exec('k8s1', `curl -sI 192.168.49.3:${port} | head -1`);
      expect(c.out.trimEnd()).toBe('HTTP/1.1 200 OK');
    }
    const after = (await r.exec('k8s2', 'iptables -t nat -L -n -v')).out;
    expect(pkts(after, 'PREROUTING', /KUBE-SERVICES/) - pre0).toBe(runs);
    expect(pkts(after, 'KUBE-NODEPORTS', new RegExp(`KUBE-EXT-${hash}`)) - np0).toBe(runs);
    const sepLines = after.slice(after.indexOf(`Chain KUBE-SVC-${hash} `)).split('\n\n')[0]!.split('\n').filter((l) => /KUBE-SEP-/.test(l));
    const counts = sepLines.map((l) => Number(l.trim().split(/\s+/)[0]));
    expect(counts[0]! + counts[1]!).toBe(runs);
    // 12 first packets at 0.5 each: both endpoints are chosen (the lab's seed makes this reproducible).
    expect(counts.every((n) => n > 0)).toBe(true);
  });
});
