// The docker backend on Podman's Docker-compatible API (rootful socket, as
// scripts/ci/podman-up.sh starts it): the same lab code, another engine. Runs
// when Podman answers with the node image loaded; with CHAINLAB_REQUIRE_ALL=1
// (CI) a missing Podman fails instead of skipping.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { connectEngine, compareApi, MIN_API_VERSION, type Engine } from '../../core/host/docker/connect.js';
import { createDockerLab, removeDockerLab, LAB_LABEL, NODE_LABEL, type DockerLab } from '../../core/host/docker/index.js';
import { imageStatus, NODE_IMAGE } from '../../core/host/docker/image.js';
import { until, httpGet, nginxNodePort } from './helpers.js';

const PODMAN_HOST = process.env.CHAINLAB_PODMAN_HOST ?? 'unix:///run/podman/podman.sock';
const LAB = `t-podman-${process.pid}`;
const agentPath = 'dist/agent/kube-proxy.mjs';
const requireAll = process.env.CHAINLAB_REQUIRE_ALL === '1';

async function findPodman(): Promise<{ engine: Engine } | { why: string }> {
  let engine: Engine;
  try {
    engine = await connectEngine({ ...process.env, DOCKER_HOST: PODMAN_HOST });
  } catch (e) {
    return { why: `no Podman answers at ${PODMAN_HOST} (${(e as Error).message.split('\n').slice(1, 3).join(' ').trim()}); start it with: bash scripts/ci/podman-up.sh` };
  }
  if (!engine.podman) return { why: `${PODMAN_HOST} answers as ${engine.product}, not Podman` };
  if (!(await imageStatus(engine.docker)).present) return { why: `Podman has no ${NODE_IMAGE}; load it with: bash scripts/ci/podman-up.sh` };
  return { engine };
}

const found = await findPodman();

const manifest = nginxNodePort(1, 30460);

if ('why' in found) {
  if (requireAll) {
    describe('docker backend on Podman', () => {
      it('has a Podman engine to run on (CHAINLAB_REQUIRE_ALL=1)', () => {
        throw new Error(found.why);
      });
    });
  } else {
    console.warn(`SKIPPED docker backend on Podman: ${found.why}`);
    describe.skip('docker backend on Podman', () => { it('needs Podman', () => {}); });
  }
} else {
  const { engine } = found;
  let lab: DockerLab | undefined;

  beforeAll(async () => {
    if (!existsSync(agentPath)) execFileSync('node', ['scripts/build.mjs'], { stdio: 'inherit' });
    await removeDockerLab(engine.docker, LAB);
    lab = await createDockerLab({ name: LAB, nodes: 2, kubeProxyVersion: '1.33', backend: 'docker', restartKubeProxy: false }, { engine, agentPath });
    const r = await lab.apply(manifest);
    expect(r.exitCode, r.output).toBe(0);
    await until('the nginx pod to run', async () => {
      await lab!.advance(300);
      return (await lab!.snapshot()).pods.find((p) => p.labels.app === 'nginx' && p.phase === 'Running');
    });
    await lab.settle();
  });

  afterAll(async () => {
    if (lab) await lab.close();
  });

  describe('docker backend on Podman', () => {
    it('is found through DOCKER_HOST, named as Podman, in a negotiated API version', () => {
      expect(engine.product).toMatch(/^Podman \d+\.\d+/);
      expect(engine.source).toBe('DOCKER_HOST');
      expect(compareApi(engine.apiVersion, MIN_API_VERSION)).toBeGreaterThanOrEqual(0);
    });

    it('runs each node as a labelled Podman container with the capabilities and sysctls asked for', async () => {
      const filters = JSON.stringify({ label: [`${LAB_LABEL}=${LAB}`] });
      const containers = await engine.docker.listContainers({ all: true, filters });
      expect(containers.map((c) => [c.Labels[NODE_LABEL], c.State]).sort()).toEqual([['k8s1', 'running'], ['k8s2', 'running']]);
      const r = await lab!.exec('k8s1', "awk '/CapEff/ {print $2}' /proc/self/status; sysctl -n net.ipv4.ip_forward net.ipv4.conf.all.route_localnet; hostname");
      const [capHex, forward, localnet, hostname] = r.output.trim().split('\n');
      const caps = BigInt(`0x${capHex}`);
      const cap = (bit: number): boolean => ((caps >> BigInt(bit)) & 1n) === 1n;
      // never --privileged: SYS_MODULE stays off
      expect({ NET_ADMIN: cap(12), NET_RAW: cap(13), SYS_ADMIN: cap(21), SYS_MODULE: cap(16) }, r.output).toEqual({ NET_ADMIN: true, NET_RAW: true, SYS_ADMIN: true, SYS_MODULE: false });
      expect([forward, localnet, hostname]).toEqual(['1', '1', 'k8s1']);
    });

    it('answers curl from outside the node on the NodePort with nginx in the pod, on every node', async () => {
      for (const n of (await lab!.snapshot()).nodes) {
        // Docker and Podman do not see each other's networks: a Docker lab left running holds the same
        // node subnet, and a curl could reach its node instead of this one.
        const routes = execFileSync('ip', ['-o', 'route', 'show', 'match', n.ip], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith(`${n.ip.split('.').slice(0, 3).join('.')}.0/`));
        expect(routes, `more than one network on this machine routes ${n.ip}; remove the other lab first`).toHaveLength(1);
        const res = await httpGet(n.ip, 30460);
        expect(res.status).toBe(200);
        expect(res.server).toMatch(/^nginx\//);
        expect(res.body).toContain('<title>Welcome to nginx!</title>');
      }
    });

    it('kill -9 of kube-proxy: kubelet sees it gone, and Podman\'s init reaps it (no zombie kube-proxy)', async () => {
      const kill = await lab!.exec('k8s2', 'kill -9 $(pgrep -x kube-proxy)');
      expect(kill.exitCode, kill.output).toBe(0);
      await until('kubelet to see kube-proxy gone', async () => {
        const s = await lab!.snapshot();
        return s.nodes.find((n) => n.name === 'k8s2')?.kubeProxy.state === 'killed' ? true : (await lab!.advance(500), undefined);
      });
      const ps = await lab!.exec('k8s2', 'ps -eo stat=,comm= | awk \'$1 ~ /^Z/\'; ps -o comm= -p 1');
      expect(ps.output.trim().split('\n')).toEqual([expect.stringMatching(/^(catatonit|tini|dumb-init|podman-init|docker-init)$/)]);
    });

    it('opens a node terminal with a real TTY: its size, a resize, Ctrl-C and the exit status', async () => {
      const t = await lab!.openTerminal({ node: 'k8s1' }, { cols: 91, rows: 27 });
      let out = '';
      t.onData((d) => { out += d; });
      const exited = new Promise<number>((r) => t.onExit(r));
      const waitFor = (re: RegExp): Promise<void> => until(`${re} in the terminal`, async () => (re.test(out) ? true : undefined), 10_000).then(() => {});
      t.write('stty size\r');
      await waitFor(/[\r\n]27 91\r\n/);
      t.resize(120, 40);
      await new Promise((r) => setTimeout(r, 300));
      t.write('stty size\r');
      await waitFor(/[\r\n]40 120\r\n/);
      t.write('sleep 30\r');
      await new Promise((r) => setTimeout(r, 500));
      t.write('\x03');
      t.write('echo interrupted=$?\r');
      await waitFor(/[\r\n]interrupted=130\r\n/);
      t.write('exit 7\r');
      expect(await exited).toBe(7);
    });

    it('down leaves nothing with the lab label in Podman', async () => {
      await lab!.close();
      lab = undefined;
      const filters = JSON.stringify({ label: [`${LAB_LABEL}=${LAB}`] });
      expect(await engine.docker.listContainers({ all: true, filters })).toEqual([]);
      expect(await engine.docker.listNetworks({ filters })).toEqual([]);
    });
  });
}
