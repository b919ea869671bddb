// "Verify with a real packet" against a real Docker engine: the packet is sent
// in the lab (from this computer, a pod, a node), the kernel's counters,
// conntrack entry and answer are compared with the engine's prediction.
// One lab for the whole file (docker labs are slow to make); the CLI case at
// the end reaches the same lab as a later process would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachDockerLab, connectEngine, createDockerLab, removeDockerLab, type DockerLab } from '../../core/host/docker/index.js';
import { createSimLab, realtimeClock, type SimLab } from '../../core/lab/index.js';
import { labDir, writeLab } from '../../core/host/lab/store.js';
import type { Packet } from '../../core/engine/packet/types.js';
import type { ClusterSnapshot, VerifyResult } from '../../core/lab/backend.js';
import { cliWithHome, until, nginxNodePort } from './helpers.js';

const LAB = `t-verify-${process.pid}`;
const agentPath = 'dist/agent/kube-proxy.mjs';
const home = mkdtempSync(join(tmpdir(), 'chainlab-verify-'));
let lab: DockerLab;
let brain: SimLab;
let clock: ReturnType<typeof realtimeClock>;
let snap: ClusterSnapshot;

const manifest = `${nginxNodePort(2, 30450)}---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: default, labels: {app: client}}
spec:
  nodeName: k8s1
  containers:
  - {name: client, image: busybox}
---
apiVersion: v1
kind: Pod
metadata: {name: far, namespace: default, labels: {app: far}}
spec:
  nodeName: k8s2
  containers:
  - {name: web, image: nginx}
`;

const nodeIP = (name: string): string => snap.nodes.find((n) => n.name === name)!.ip;
/** This computer's address on the lab network (its gateway). */
const hostIP = (): string => nodeIP('k8s1').replace(/\.\d+$/, '.1');
const nginxPods = (): { name: string; ip: string; node: string }[] => snap.pods.filter((p) => p.labels.app === 'nginx');
const svc = (ns: string, name: string) => snap.services.find((s) => s.namespace === ns && s.name === name)!;

beforeAll(async () => {
  if (!existsSync(agentPath)) execFileSync('node', ['scripts/build.mjs'], { stdio: 'inherit' });
  const engine = await connectEngine();
  await removeDockerLab(engine.docker, LAB);
  const spec = { name: LAB, nodes: 2, kubeProxyVersion: '1.33', backend: 'docker' as const };
  clock = realtimeClock();
  // The brain is made once the lab has found a free node network (spec.nodeSubnet).
  lab = await createDockerLab(spec, { engine, agentPath, brain: async (s) => (brain = await createSimLab(s, { clock })) });
  const r = await lab.apply(manifest);
  expect(r.exitCode, r.output).toBe(0);
  snap = await until('nginx, client and CoreDNS pods to run', async () => {
    await lab.advance(300);
    const s = await lab.snapshot();
    const running = (f: (p: ClusterSnapshot['pods'][number]) => boolean): number => s.pods.filter((p) => f(p) && p.phase === 'Running' && p.ip !== '').length;
    return running((p) => p.labels.app === 'nginx') === 2 && running((p) => p.name === 'client') === 1 && running((p) => p.name === 'far') === 1 && running((p) => p.labels['k8s-app'] === 'kube-dns') > 0 ? s : undefined;
  });
  await lab.settle();
});

afterAll(async () => {
  if (lab) await lab.close().catch(() => undefined);
  await removeDockerLab((await connectEngine()).docker, LAB);
  rmSync(home, { recursive: true, force: true });
});

describe('verify with a real packet (docker backend)', () => {
  it('NodePort from outside: the kernel agrees, DNATs to an nginx pod, through KUBE-NODEPORTS, KUBE-EXT, KUBE-SVC and KUBE-SEP', async () => {
    const packet: Packet = { ingress: 'external', proto: 'tcp', src: '203.0.113.7', sport: 40000, dst: nodeIP('k8s1'), dport: 30450 };
    const v = await lab.verify('k8s1', packet);
    expect(v.disagreements).toEqual([]);
    expect(v.from).toMatch(/^the host \(192\.168\.\d+\.1\), not 203\.0\.113\.7 as asked/);
    expect(v.sent).toMatch(new RegExp(`^curl -s -m 2 --local-port \\d+ http://${nodeIP('k8s1').replace(/\./g, '\\.')}:30450/$`));
    const targets = nginxPods().map((p) => `${p.ip}:80`);
    expect(targets).toContain(v.observed.dnatTo);
    expect(v.predicted.dnatTo).toBe(v.observed.dnatTo);
    const pod = nginxPods().find((p) => `${p.ip}:80` === v.observed.dnatTo)!;
    expect(v.observed.answer).toMatch(new RegExp(`^HTTP 200 \\(nginx/[^)]*\\) from pod default/${pod.name} \\(${pod.ip.replace(/\./g, '\\.')}\\)$`));
    const hit = v.observed.rulesHit.join('\n');
    expect(hit).toMatch(/^nat -A KUBE-NODEPORTS .*--dport 30450 -j KUBE-EXT-/m);
    expect(hit).toMatch(/^nat -A KUBE-EXT-\S+ .*-j KUBE-SVC-/m);
    expect(hit).toMatch(/^nat -A KUBE-SVC-\S+ .*-j KUBE-SEP-/m);
    expect(hit).toMatch(new RegExp(`^nat -A KUBE-SEP-\\S+ .*-j DNAT --to-destination ${v.observed.dnatTo!.replace(/\./g, '\\.')}$`, 'm'));
    // NodePort traffic from outside is masqueraded (KUBE-EXT marks it), predicted and seen.
    expect(v.predicted.masquerade).toBe(true);
    expect(v.observed.snatTo).not.toBeNull();
    expect(v.observed.conntrack).toMatch(/^tcp\s+6 .* src=192\.168\.\d+\.1 dst=/);
  });

  it('ClusterIP from a pod: the kernel agrees and the answer comes from an nginx pod', async () => {
    const client = snap.pods.find((p) => p.name === 'client')!;
    const ip = svc('default', 'nginx').clusterIP;
    const v = await lab.verify(client.node, { ingress: 'pod', proto: 'tcp', src: client.ip, dst: ip, dport: 80 });
    expect(v.disagreements).toEqual([]);
    expect(v.from).toBe(`pod default/client (${client.ip}) on ${client.node}`);
    expect(v.sent).toMatch(/^ip netns exec pod-[0-9a-f]{8} curl -s -m 2 --local-port \d+ http:\/\/10\.\d+\.\d+\.\d+:80\/$/);
    expect(nginxPods().map((p) => `${p.ip}:80`)).toContain(v.observed.dnatTo);
    expect(v.observed.answer).toMatch(/^HTTP 200 \(nginx\/[^)]*\) from pod default\/nginx-/);
    expect(v.observed.rulesHit.join('\n')).toMatch(new RegExp(`^nat -A KUBE-SERVICES -d ${ip.replace(/\./g, '\\.')}/32 .*-j KUBE-SVC-`, 'm'));
  });

  it('UDP to kube-dns from a node: the kernel agrees and CoreDNS answers', async () => {
    const dns = svc('kube-system', 'kube-dns').clusterIP;
    const v = await lab.verify('k8s2', { ingress: 'node', proto: 'udp', src: nodeIP('k8s2'), dst: dns, dport: 53 });
    expect(v.disagreements).toEqual([]);
    expect(v.sent).toMatch(/^one UDP datagram from 192\.168\.\d+\.\d+:\d+ to 10\.\d+\.\d+\.\d+:53 \(a DNS query/);
    expect(v.observed.answer).toMatch(new RegExp(`^a DNS answer: kubernetes\\.default\\.svc\\.cluster\\.local A ${svc('default', 'kubernetes').clusterIP.replace(/\./g, '\\.')} from pod kube-system/coredns-`));
    expect(v.observed.conntrack).toMatch(/^udp\s+17 /);
    const coredns = snap.pods.filter((p) => p.labels['k8s-app'] === 'kube-dns').map((p) => `${p.ip}:53`);
    expect(coredns).toContain(v.observed.dnatTo);
  });

  it('a stale prediction (rules changed by hand after it was made) is reported, never hidden; a fresh one agrees', async () => {
    const stale = (await lab.exec('k8s1', 'iptables-save -c')).output;
    const add = await lab.exec('k8s1', 'iptables -t nat -I PREROUTING 1 -p tcp --dport 30450 -j RETURN');
    expect(add.exitCode, add.output).toBe(0);
    try {
      const packet: Packet = { ingress: 'external', proto: 'tcp', src: hostIP(), dst: nodeIP('k8s1'), dport: 30450 };
      const v = await lab.verify('k8s1', packet, { predictFrom: { k8s1: stale } });
      expect(v.observed.dnatTo, JSON.stringify(v, null, 1)).toBeNull();
      expect(v.observed.answer).toBe('connection refused');
      expect(v.observed.rulesHit).toContain('nat -A PREROUTING -p tcp -m tcp --dport 30450 -j RETURN');
      expect(v.disagreements).toContain('The kernel matched nat rule `-A PREROUTING -p tcp -m tcp --dport 30450 -j RETURN`, which the prediction does not match.');
      expect(v.disagreements.some((d) => /^The prediction DNATs the packet \(.*\), but the kernel did not rewrite its destination\.$/.test(d)), v.disagreements.join("\n")).toBe(true);
      expect(v.disagreements.some((d) => /^The prediction matches nat rule `-A KUBE-NODEPORTS .*`.*, but its packet counter did not rise\.$/.test(d)), v.disagreements.join("\n")).toBe(true);
      // Predicted from the rules as they are now, the same packet agrees.
      const fresh = await lab.verify('k8s1', packet);
      expect(fresh.disagreements).toEqual([]);
      expect(fresh.predicted.dnatTo).toBeNull();
      expect(fresh.observed.answer).toBe('connection refused');
    } finally {
      await lab.exec('k8s1', 'iptables -t nat -D PREROUTING -p tcp --dport 30450 -j RETURN');
    }
  });

  it('a pod on the other node: both nodes are compared; a drop there is predicted there, and a stale prediction there is reported', async () => {
    const client = snap.pods.find((p) => p.name === 'client')!;
    const far = snap.pods.find((p) => p.name === 'far')!;
    expect([client.node, far.node]).toEqual(['k8s1', 'k8s2']);
    const packet: Packet = { ingress: 'pod', proto: 'tcp', src: client.ip, dst: far.ip, dport: 80 };
    const ok = await lab.verify('k8s1', packet);
    expect(ok.disagreements).toEqual([]);
    expect(ok.observed.answer).toMatch(new RegExp(`^HTTP 200 \\(nginx/[^)]*\\) from pod default/far \\(${far.ip.replace(/\./g, '\\.')}\\)$`));
    const stale = (await lab.exec('k8s2', 'iptables-save -c')).output;
    const add = await lab.exec('k8s2', `iptables -I FORWARD 1 -d ${far.ip}/32 -p tcp --dport 80 -j DROP`);
    expect(add.exitCode, add.output).toBe(0);
    try {
      const dropped = await lab.verify('k8s1', packet);
      expect(dropped.observed.answer).toBe('timed out after 2 s');
      expect(dropped.disagreements).toEqual([]);
      const v = await lab.verify('k8s1', packet, { predictFrom: { k8s2: stale } });
      const on = `On k8s2, where pod default/far runs (the packet arrives as ${client.ip}:${/--local-port (\d+)/.exec(v.sent)![1]} → ${far.ip}:80): `;
      expect(v.disagreements).toContain(`${on}The prediction lets the packet through (to pod default/far ${far.ip}:80), but the sender saw: timed out after 2 s.`);
      // The stale path goes on through FORWARD and POSTROUTING; the kernel's stopped at the new rule.
      expect(v.disagreements).toContain(`${on}The prediction matches nat rule \`-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING\` (POSTROUTING), but its packet counter did not rise.`);
      expect(v.disagreements.every((d) => d.startsWith(on)), v.disagreements.join('\n')).toBe(true);
    } finally {
      await lab.exec('k8s2', `iptables -D FORWARD -d ${far.ip}/32 -p tcp --dport 80 -j DROP`);
    }
  });

  it('ICMP and destinations outside the lab are refused with a clear reason', async () => {
    await expect(lab.verify('k8s1', { ingress: 'node', proto: 'icmp', src: nodeIP('k8s1'), dst: nodeIP('k8s2') })).rejects.toThrow(/cannot verify ICMP packets yet/);
    await expect(lab.verify('k8s1', { ingress: 'node', proto: 'tcp', src: nodeIP('k8s1'), dst: '192.0.2.10', dport: 80 })).rejects.toThrow(/192\.0\.2\.10 is not in the lab/);
    await expect(lab.verify('k8s1', { ingress: 'external', proto: 'tcp', src: '203.0.113.7', dst: svc('default', 'nginx').clusterIP, dport: 80 })).rejects.toThrow(/send it from a node or a pod/);
  });

  it('chainlab trace --lab --verify prints the prediction, the observation and that the kernel agrees; -o json the VerifyResult; --lab alone the trace', async () => {
    // The lab as `chainlab up --backend docker` leaves it: stored, nodes running, no process attached.
    await writeLab(labDir({ CHAINLAB_HOME: home }, LAB), { format: 'chainlab-lab/1', name: LAB, savedAt: Date.now(), clockOffsetMs: clock.offsetMs, state: brain.toJSON() });
    await lab.detach();
    const cli = cliWithHome(home);
    const packet = ['--from', 'external', '--src', hostIP(), '--dst', nodeIP('k8s2'), '--dport', '30450'];
    const text = await cli('trace', '--lab', LAB, '--verify', ...packet);
    expect(text.err).toBe('');
    expect(text.out).toMatch(/^Sent curl -s -m 2 --local-port \d+ http:\/\/192\.168\.\d+\.\d+:30450\/\nfrom the host \(192\.168\.\d+\.1\), into node k8s2\n/);
    expect(text.out).toMatch(/^ {4}nat -A KUBE-NODEPORTS .*--dport 30450/m);
    expect(text.out).toMatch(/^ {2}Answer: HTTP 200 \(nginx\/[^)]*\) from pod default\/nginx-/m);
    expect(text.out).toMatch(/The kernel agrees with the prediction\.\n$/);
    expect(text.code).toBe(0);
    const json = await cli('trace', '--lab', LAB, '--verify', '-o', 'json', ...packet);
    expect(json.code, json.err).toBe(0);
    const v = JSON.parse(json.out) as VerifyResult;
    expect(v.node).toBe('k8s2');
    expect(v.disagreements).toEqual([]);
    expect(nginxPods().map((p) => `${p.ip}:80`)).toContain(v.observed.dnatTo);
    const trace = await cli('trace', '--lab', LAB, '--matched-only', ...packet);
    expect(trace.code, trace.err).toBe(0);
    expect(trace.out).toMatch(/✔ nat\/KUBE-NODEPORTS #\d+ +-A KUBE-NODEPORTS .*--dport 30450 -j KUBE-EXT-/);
    lab = await attachDockerLab(lab.spec, { agentPath, brain });
  });

});
