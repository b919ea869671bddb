// `chainlab up --backend docker` … `down`, driven as a person types it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectEngine, removeDockerLab, LAB_LABEL } from '../../core/host/docker/index.js';
import { cliWithHome } from './helpers.js';

const LAB = `t-cli-${process.pid}`;
const home = mkdtempSync(join(tmpdir(), 'chainlab-cli-docker-'));
const cli = cliWithHome(home);

beforeAll(async () => {
  if (!existsSync('dist/agent/kube-proxy.mjs')) execFileSync('node', ['scripts/build.mjs'], { stdio: 'inherit' });
  await removeDockerLab((await connectEngine()).docker, LAB);
});

afterAll(async () => {
  await removeDockerLab((await connectEngine()).docker, LAB);
  rmSync(home, { recursive: true, force: true });
});

describe('chainlab CLI on the docker backend', () => {
  it('up shows each step and the nodes', async () => {
    const r = await cli('up', '--backend', 'docker', '--nodes', '2', '--name', LAB);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`network chainlab-${LAB}`);
    expect(r.out).toMatch(/Lab "t-cli-\d+": 2 nodes \(docker\)/);
  });

  it('kubectl changes reach the real nodes before the command returns', async () => {
    expect((await cli('kubectl', 'create', 'service', 'nodeport', 'web', '--tcp=80:80', '--node-port=31080')).code).toBe(0);
    const r = await cli('exec', 'k8s2', '--', 'iptables-save | grep -c "dport 31080"');
    expect(r.code, r.out + r.err).toBe(0);
    expect(Number(r.out.trim())).toBeGreaterThan(0);
  });

  it('exec passes the exit status of the real shell through', async () => {
    const r = await cli('exec', 'k8s1', '--', 'hostname; exit 3');
    expect(r.out.trim()).toBe('k8s1');
    expect(r.code).toBe(3);
  });

  it('down removes every container and network of the lab', async () => {
    const r = await cli('down', '--lab', LAB);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('Removed 2 node container(s) and 1 network(s)');
    const { docker } = await connectEngine();
    const filters = JSON.stringify({ label: [`${LAB_LABEL}=${LAB}`] });
    expect(await docker.listContainers({ all: true, filters })).toEqual([]);
    expect(await docker.listNetworks({ filters })).toEqual([]);
  });
});

describe('chainlab lab run --solve --backend docker', () => {
  it("solves a shipped lab on real containers and leaves nothing with the lab's label", async () => {
    const r = await cli('lab', 'run', 'labs/your-own-node', '--solve', '--backend', 'docker');
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/^PASS {2}dns: /m);
    expect(r.out).toContain('your-own-node: solved (3 steps)');
    const { docker } = await connectEngine();
    const filters = JSON.stringify({ label: [`${LAB_LABEL}=solve-your-own-node`] });
    expect(await docker.listContainers({ all: true, filters })).toEqual([]);
    expect(await docker.listNetworks({ filters })).toEqual([]);
  });

  it('refuses a backend name it does not know, with the usage', async () => {
    const r = await cli('lab', 'run', 'labs/your-own-node', '--solve', '--backend', 'kind');
    expect(r.code).toBe(2);
    expect(r.err).toContain("--backend must be sim or docker (got 'kind')");
  });
});
