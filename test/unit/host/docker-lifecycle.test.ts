// A docker lab's life without a real engine: which node network a new lab
// takes, the labs left on an engine as the workspace offers them, and what a
// lab does when its engine stops answering (a fake engine, fake nodes whose
// host channel answers like the real one).
import { afterEach, describe, expect, it } from 'vitest';
import { Duplex, type Writable } from 'node:stream';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { DockerLab } from '../../../core/host/docker/lab.js';
import { allocateNodeSubnet, cidrsOverlap, isPoolOverlap, EngineWatch, findDockerLabs, LAB_LABEL, NODE_LABEL } from '../../../core/host/docker/lifecycle.js';
import type { Engine } from '../../../core/host/docker/connect.js';
import { createSimLab, manualClock } from '../../../core/lab/index.js';
import type { LabEvent, LabSpec } from '../../../core/lab/backend.js';
import { labDir, writeLab } from '../../../core/host/lab/store.js';

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function fakeNetworks(subnets: Record<string, string>): Docker {
  return {
    listNetworks: async () => Object.entries(subnets).map(([Name, Subnet]) => ({ Name, IPAM: { Config: [{ Subnet }] }, Labels: {} })),
  } as unknown as Docker;
}

describe('node network of a new docker lab', () => {
  it('takes 192.168.49.0/24 when nothing holds it', async () => {
    expect(await allocateNodeSubnet(fakeNetworks({ bridge: '172.17.0.0/16' }), { host: ['127.0.0.1/8'] })).toBe('192.168.49.0/24');
  });

  it('takes the next free /24 past other labs, wider Docker pools and the host\'s own LAN', async () => {
    const docker = fakeNetworks({ bridge: '172.17.0.0/16', 'chainlab-a': '192.168.49.0/24', compose_default: '192.168.64.0/20' });
    expect(await allocateNodeSubnet(docker, { host: ['192.168.50.7/24'] })).toBe('192.168.51.0/24');
    expect(await allocateNodeSubnet(docker, { host: [], skip: ['192.168.50.0/24'] })).toBe('192.168.51.0/24');
    // 192.168.64.0/20 covers .64 to .79.
    const full = fakeNetworks(Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`n${i}`, `192.168.${49 + i}.0/24`]).concat([['c', '192.168.64.0/20']])));
    expect(await allocateNodeSubnet(full, { host: [] })).toBe('192.168.80.0/24');
    expect(cidrsOverlap('192.168.70.0/24', '192.168.64.0/20')).toBe(true);
    expect(cidrsOverlap('192.168.80.0/24', '192.168.64.0/20')).toBe(false);
  });

  it('says what to do when every candidate is taken', async () => {
    await expect(allocateNodeSubnet(fakeNetworks({ all: '192.168.0.0/16' }), { host: [] })).rejects.toThrow(/no free \/24 .*chainlab down --lab NAME/);
  });
});

describe('labs left on the engine', () => {
  let home: string | undefined;
  afterEach(() => { if (home) rmSync(home, { recursive: true, force: true }); home = undefined; });

  it('gives name, node names and whether the saved state can be re-attached', async () => {
    home = mkdtempSync(join(tmpdir(), 'cl-leftover-'));
    const env = { CHAINLAB_HOME: home };
    const spec: LabSpec = { name: 'kept', nodes: 2, kubeProxyVersion: '1.33', backend: 'docker' };
    const brain = await createSimLab(spec, { clock: manualClock() });
    await writeLab(labDir(env, 'kept'), { format: 'chainlab-lab/1', name: 'kept', savedAt: 0, clockOffsetMs: 0, state: brain.toJSON() });
    await brain.close();
    const c = (lab: string, node: string, State = 'running'): unknown => ({ Id: `${lab}-${node}`, State, Labels: { [LAB_LABEL]: lab, [NODE_LABEL]: node } });
    const docker = {
      listContainers: async () => [c('kept', 'k8s2'), c('kept', 'k8s1'), c('orphan', 'k8s10'), c('orphan', 'k8s2', 'exited')],
      listNetworks: async () => [{ Name: 'chainlab-netonly', Labels: { [LAB_LABEL]: 'netonly' } }],
    } as unknown as Docker;
    expect(await findDockerLabs(docker, env)).toEqual([
      { name: 'kept', backend: 'docker', nodes: ['k8s1', 'k8s2'], attachable: true },
      { name: 'netonly', backend: 'docker', nodes: [], attachable: false },
      { name: 'orphan', backend: 'docker', nodes: ['k8s2', 'k8s10'], attachable: false },
    ]);
  });
});

describe('EngineWatch', () => {
  it('calls a refused connection lost at once, a slow answer only the second time, and only once', async () => {
    const lost: string[] = [];
    let answer: () => Promise<unknown> = async () => 'OK';
    const w = new EngineWatch(() => answer(), (r) => lost.push(r), { intervalMs: 60_000, timeoutMs: 30 });
    await w.check();
    expect(lost).toEqual([]);
    answer = () => new Promise(() => {});
    await w.check();
    expect(lost).toEqual([]);
    await w.check();
    expect(lost).toEqual([expect.stringMatching(/does not answer \(no answer within 0.03 s\)/)]);
    answer = async () => { throw new Error('connect ECONNREFUSED /var/run/docker.sock'); };
    await w.check();
    expect(lost).toHaveLength(1);
  });

  it('pings again at once after a connection cut mid-answer, and reports what the second ping found', async () => {
    const lost: string[] = [];
    const replies: Array<() => Promise<unknown>> = [];
    const w = new EngineWatch(() => (replies.shift() ?? (async () => 'OK'))(), (r) => lost.push(r), { intervalMs: 60_000, timeoutMs: 1000 });
    // A hiccup: the second ping answers, nothing is lost.
    replies.push(async () => { throw new Error('read ECONNRESET'); });
    await w.check();
    expect(lost).toEqual([]);
    expect(replies).toHaveLength(0);
    // The engine dies during a ping: the cut, then nobody listening.
    replies.push(async () => { throw new Error('socket hang up'); }, async () => { throw new Error('connect ECONNREFUSED /run/podman/podman.sock'); });
    await w.check();
    expect(lost).toEqual(['the Docker engine does not answer (connect ECONNREFUSED /run/podman/podman.sock)']);
  });
});

/**
 * A fake node container: its exec is the host channel, answering each request
 * as channel.py would (the probe of attach, pgrep, a sync's read-back).
 */
function fakeNode(id: string, log: string[][]): { container: unknown; streams: Duplex[] } {
  const streams: Duplex[] = [];
  const container = {
    id,
    modem: { demuxStream: (stream: Duplex, out: Writable) => { stream.on('data', (d: Buffer) => out.write(d)); } },
    exec: async () => ({
      start: async () => {
        let buf = '';
        const s: Duplex = new Duplex({
          read() {},
          write(chunk: Buffer, _enc, cb) {
            buf += chunk.toString();
            for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
              const req = JSON.parse(buf.slice(0, nl)) as { id: number; argv?: string[]; op?: 'sync' };
              buf = buf.slice(nl + 1);
              // A sync request answers with the node's iptables-save -c.
              const argv = req.op === 'sync' ? ['sync'] : req.argv!;
              log.push(argv);
              const script = argv.join(' ');
              const stdout = script.includes('ip netns list') ? '\n==\n42\n==\n0\n'
                : script.includes('pgrep') ? '42\n'
                : req.op === 'sync' ? '*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n' : '';
              s.push(`${JSON.stringify({ id: req.id, code: 0, stdout, stderr: '' })}\n`);
            }
            cb();
          },
        });
        streams.push(s);
        return s;
      },
      inspect: async () => ({ ExitCode: 0 }),
    }),
  };
  return { container, streams };
}

describe('a docker lab whose engine stops', () => {
  const labs: DockerLab[] = [];
  afterEach(async () => { for (const l of labs.splice(0)) await l.close(); });

  async function attached(pingMs: number): Promise<{ lab: DockerLab; events: LabEvent[]; log: string[][]; streams: Duplex[]; stopEngine: (e: Error) => void }> {
    const spec: LabSpec = { name: 'gone', nodes: 1, kubeProxyVersion: '1.33', backend: 'docker' };
    const brain = await createSimLab(spec, { clock: manualClock() });
    const log: string[][] = [];
    const node = fakeNode('c0ffee000001', log);
    let pingError: Error | undefined;
    const docker = {
      ping: async () => { if (pingError) throw pingError; return 'OK'; },
      listContainers: async () => [{ Id: 'c0ffee000001', State: 'running', Labels: { [LAB_LABEL]: 'gone', [NODE_LABEL]: 'k8s1' } }],
      getContainer: () => node.container,
    } as unknown as Docker;
    const engine = { docker, source: 'fake', host: 'unix:///fake.sock', version: '0', product: 'Fake Engine', apiVersion: '1.43', podman: false } satisfies Engine;
    const lab = await DockerLab.attach(spec, { engine, agentPath: '/nonexistent', brain, enginePingMs: pingMs });
    labs.push(lab);
    const events: LabEvent[] = [];
    lab.on((e) => events.push(e));
    return { lab, events, log, streams: node.streams, stopEngine: (e) => { pingError = e; } };
  }

  it('says so once (backend lost), stops its timers, and every later call fails with "Docker stopped"', async () => {
    const { lab, events, log, stopEngine } = await attached(20);
    await tick(60);
    expect(events.filter((e) => e.type === 'backend')).toEqual([]);
    stopEngine(new Error('connect ECONNREFUSED /var/run/docker.sock'));
    await tick(150);
    const lost = events.filter((e) => e.type === 'backend');
    expect(lost).toEqual([{ type: 'backend', state: 'lost', reason: 'the Docker engine does not answer (connect ECONNREFUSED /var/run/docker.sock)' }]);
    // kubelet's watch (every second) no longer runs in the node.
    const requests = log.length;
    await tick(1300);
    expect(log.length).toBe(requests);
    await expect(lab.exec('k8s1', 'iptables-save')).rejects.toThrow(/^Docker stopped: the Docker engine does not answer \(connect ECONNREFUSED/);
    await expect(lab.kubectl(['get', 'pods'])).rejects.toThrow(/^Docker stopped: /);
    await expect(lab.installedRules('k8s1')).rejects.toThrow(/^Docker stopped: /);
    await expect(lab.reset()).rejects.toThrow(/^Docker stopped: /);
    expect(events.filter((e) => e.type === 'backend')).toHaveLength(1);
  });

  it('notices at once when a node channel ends (no waiting for the next ping)', async () => {
    const { lab, events, streams, stopEngine } = await attached(60_000);
    stopEngine(new Error('connect ENOENT /var/run/docker.sock'));
    expect(streams).toHaveLength(1);
    streams[0]!.push(null);
    streams[0]!.destroy();
    await tick(50);
    expect(events.filter((e) => e.type === 'backend')).toEqual([{ type: 'backend', state: 'lost', reason: 'the Docker engine does not answer (connect ENOENT /var/run/docker.sock)' }]);
    await expect(lab.settle()).rejects.toThrow(/^Docker stopped: /);
  });
});

describe('a subnet another lab took meanwhile', () => {
  it("is recognised in Docker's and Podman's words (the lab then takes the next /24), and nothing else is", () => {
    expect(isPoolOverlap(new Error('(HTTP code 403) unexpected - Pool overlaps with other one on this address space'))).toBe(true);
    expect(isPoolOverlap(new Error('(HTTP code 500) server error - subnet 192.168.49.0/24 is already used on the host or by another config'))).toBe(true);
    expect(isPoolOverlap(new Error('(HTTP code 409) conflict - network with name chainlab-x already exists'))).toBe(false);
  });
});
