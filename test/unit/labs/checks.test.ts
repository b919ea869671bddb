// Each check kind, on a sim lab: passes for the right state, fails (with what it
// saw) for the wrong one.
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { createSimLab, manualClock, type SimLab } from '../../../core/lab/index.js';
import { Check, evaluateCheck, type CheckContext, type CommandRecord } from '../../../core/lab/runner/index.js';
import { countersOf } from '../../../core/lab/runner/checks.js';

let lab: SimLab;
let nodePort = 0;

beforeAll(async () => {
  lab = await createSimLab({ name: 'checks', nodes: 3, kubeProxyVersion: '1.33', backend: 'sim' }, { clock: manualClock() });
  await lab.kubectl(['create', 'deployment', 'nginx', '--image=nginx', '--replicas=2']);
  await lab.advance(5000);
  await lab.kubectl(['expose', 'deployment', 'nginx', '--port=80', '--type=NodePort']);
  await lab.advance(2000);
  nodePort = (await lab.snapshot()).services.find((s) => s.name === 'nginx')!.ports[0]!.nodePort!;
}, 30_000);
afterAll(async () => { await lab.close(); });

function ctx(over: Partial<CheckContext> = {}): CheckContext {
  return { lab, commands: [], answer: undefined, baseline: new Map(), ...over };
}
async function check(input: unknown, over: Partial<CheckContext> = {}): Promise<{ passed: boolean; detail?: string }> {
  const r = await evaluateCheck(Check.parse(input), ctx(over));
  return { passed: r.passed, ...(r.detail !== undefined ? { detail: r.detail } : {}) };
}

describe('cluster checks', () => {
  it('object: exists, absent', async () => {
    expect(await check({ object: { resource: 'service', name: 'nginx' } })).toEqual({ passed: true });
    expect(await check({ object: { resource: 'service', name: 'nginx', absent: true } })).toEqual({ passed: false, detail: 'it still exists' });
    expect(await check({ object: { resource: 'service', name: 'apache' } })).toEqual({ passed: false, detail: 'Error from server (NotFound): services "apache" not found' });
  });
  it('field: equals and matches', async () => {
    expect(await check({ field: { resource: 'service', name: 'nginx', path: 'spec.type', equals: 'NodePort' } })).toEqual({ passed: true });
    expect(await check({ field: { resource: 'service', name: 'nginx', path: 'spec.ports[0].nodePort', matches: '^3\\d{4}$' } })).toEqual({ passed: true });
    expect(await check({ field: { resource: 'service', name: 'nginx', path: 'spec.type', equals: 'ClusterIP' } })).toEqual({ passed: false, detail: 'spec.type is "NodePort"' });
  });
  it('endpoints: ready count', async () => {
    expect(await check({ endpoints: { service: 'nginx', ready: 2 } })).toEqual({ passed: true });
    expect(await check({ endpoints: { service: 'nginx', ready: 3 } })).toEqual({ passed: false, detail: '2 ready endpoint(s)' });
  });
});

describe('node checks', () => {
  it('process: kube-proxy runs; python does not', async () => {
    expect(await check({ process: { node: 'k8s2', name: 'kube-proxy' } })).toEqual({ passed: true });
    expect(await check({ process: { node: 'k8s2', name: 'python' } })).toEqual({ passed: false, detail: 'no python in ps -aef' });
    expect(await check({ process: { node: 'k8s2', name: 'kube-proxy', running: false } })).toMatchObject({ passed: false, detail: expect.stringMatching(/^still running: root .*kube-proxy --config/) });
  });
  it('socket: nothing on the NodePort on 1.33; python once started', async () => {
    expect(await check({ socket: { node: 'k8s3', port: nodePort, listening: false } })).toEqual({ passed: true });
    expect(await check({ socket: { node: 'k8s3', port: nodePort } })).toEqual({ passed: false, detail: `nothing listens on tcp/${nodePort}` });
    await lab.exec('k8s3', `python3 -m http.server ${nodePort} &`);
    expect(await check({ socket: { node: 'k8s3', port: nodePort, process: 'python3' } })).toMatchObject({ passed: true });
    expect(await check({ socket: { node: 'k8s3', port: nodePort, process: 'nginx' } })).toMatchObject({ passed: false, detail: expect.stringMatching(/^listening, but by python/) });
  });
  it('rule: present, absent, count, chain prefix', async () => {
    expect(await check({ rule: { node: 'k8s2', chain: 'KUBE-NODEPORTS', matches: `--dport ${nodePort} -j KUBE-EXT-` } })).toEqual({ passed: true });
    expect(await check({ rule: { node: 'k8s2', chain: 'KUBE-SEP-*', matches: 'default/nginx.*DNAT --to-destination', count: 2 } })).toEqual({ passed: true });
    expect(await check({ rule: { node: 'k8s2', chain: 'KUBE-SEP-*', matches: 'default/nginx.*DNAT --to-destination', count: 3 } })).toEqual({ passed: false, detail: '2 matching rule(s)' });
    expect(await check({ rule: { node: 'k8s2', chain: 'KUBE-NODEPORTS', matches: 'default/apache' } })).toEqual({ passed: false, detail: '1 rule(s) there, none matching' });
    expect(await check({ rule: { node: 'k8s2', chain: 'PREROUTING', matches: 'KUBE-SERVICES', present: false } })).toMatchObject({ passed: false, detail: '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES' .replace(/^/, 'still there: ') });
  });
  it('counter: rose since the baseline', async () => {
    const baseline = await countersOf(lab, ['k8s2']);
    const c = { counter: { node: 'k8s2', chain: 'KUBE-NODEPORTS', matches: 'default/nginx' } };
    expect(await check(c, { baseline })).toEqual({ passed: false, detail: 'rose by 0 packet(s)' });
    await lab.exec('k8s2', `curl -s -o /dev/null localhost:${nodePort}`);
    await lab.exec('k8s2', `curl -s -o /dev/null localhost:${nodePort}`);
    expect(await check(c, { baseline })).toEqual({ passed: true });
    expect(await check({ counter: { ...c.counter, rose: 3 } }, { baseline })).toEqual({ passed: false, detail: 'rose by 2 packet(s)' });
  });
});

describe('terminal checks', () => {
  const ran: CommandRecord[] = [{ terminal: 'k8s2', line: 'iptables -t nat -L PREROUTING | column -t', output: 'Chain PREROUTING (policy ACCEPT)\nKUBE-SERVICES  all\n', exitCode: 0 }];
  it('command: ran, in which terminal, with which output', async () => {
    expect(await check({ command: { matches: 'iptables -t nat -L PREROUTING', terminal: 'k8s2', output: 'KUBE-SERVICES' } }, { commands: ran })).toEqual({ passed: true });
    expect(await check({ command: { matches: 'iptables -t nat -L PREROUTING', terminal: 'k8s3' } }, { commands: ran })).toEqual({ passed: false, detail: 'not run yet' });
    expect(await check({ command: { matches: 'iptables', output: 'KUBE-NODEPORTS' } }, { commands: ran })).toEqual({ passed: false, detail: 'ran it, but the output did not match (exit 0)' });
  });
});

describe('packet checks', () => {
  const toNodePort = { node: 'k8s2', from: 'external', to: { service: 'nginx', via: 'nodePort' } };
  it('DNATed to a pod of app=nginx, masqueraded, 50 % ± 0 each', async () => {
    expect(await check({ packet: { ...toNodePort, expect: { verdict: 'ACCEPT', dnatToPodOf: 'app=nginx', masquerade: true, outcomes: 2, chain: 'KUBE-NODEPORTS', eachEndpoint: { share: 0.5 } } } })).toEqual({ passed: true });
  });
  it('fails for a wrong prediction, saying what the path did', async () => {
    expect(await check({ packet: { ...toNodePort, expect: { masquerade: false } } })).toMatchObject({ passed: false, detail: expect.stringMatching(/^TCP external 203\.0\.113\.7 → 192\.168\.49\.3:\d+: masqueraded in /) });
    expect(await check({ packet: { ...toNodePort, expect: { dnatToPodOf: 'app=apache' } } })).toMatchObject({ passed: false, detail: expect.stringMatching(/which is not a pod of app=apache$/) });
    expect(await check({ packet: { ...toNodePort, expect: { eachEndpoint: { share: 0.25 } } } })).toMatchObject({ passed: false, detail: expect.stringMatching(/gets 50\.000 %, not 25\.000 % ± 0\.000$/) });
    expect(await check({ packet: { ...toNodePort, expect: { verdict: 'REJECT' } } })).toMatchObject({ passed: false, detail: expect.stringMatching(/verdict ACCEPT in .*, not REJECT$/) });
  });
  it('a port no Service uses is not DNATed', async () => {
    expect(await check({ packet: { node: 'k8s2', from: 'external', to: { ip: 'node', port: 31999 }, expect: { dnatToPodOf: 'app=nginx' } } })).toMatchObject({ passed: false, detail: expect.stringMatching(/DNAT to nothing/) });
  });
  it('a Service that does not exist is named', async () => {
    expect(await check({ packet: { node: 'k8s2', to: { service: 'apache' }, expect: {} } })).toEqual({ passed: false, detail: 'no Service default/apache' });
  });
});

describe('answer check', () => {
  it('passes for the right choice only', async () => {
    expect(await check({ answer: { equals: 'B' } }, { answer: 'B' })).toEqual({ passed: true });
    expect(await check({ answer: { equals: 'B' } }, { answer: 'A' })).toEqual({ passed: false, detail: '"A" is not the answer' });
    expect(await check({ answer: { equals: 'B' } })).toEqual({ passed: false, detail: 'not answered yet' });
  });
});
