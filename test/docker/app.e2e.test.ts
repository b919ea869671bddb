// The app in Chromium on real engines (issue #7 items 5 and 6): docker labs the
// CLI left running are listed at start, one re-attached and one removed; a new
// 2-node docker lab from the New lab dialog, whose NodePort trace a real packet
// confirms; and a Podman engine that really stops under a lab (a private API
// service this file starts and kills), after which the lab goes on on sim.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { connectEngine, type Engine } from '../../core/host/docker/connect.js';
import { removeDockerLab, LAB_LABEL, NODE_LABEL } from '../../core/host/docker/index.js';
import { imageStatus, NODE_IMAGE } from '../../core/host/docker/image.js';
import { startWebApp, type WebApp } from '../../core/host/web/start.js';
import { startE2E, root, type E2E } from '../e2e/harness.js';
import { cliWithHome, until } from './helpers.js';

const KEEP = `t-app-keep-${process.pid}`;
const DROP = `t-app-drop-${process.pid}`;
const MAIN_PODMAN = process.env.CHAINLAB_PODMAN_HOST ?? 'unix:///run/podman/podman.sock';
const PRIVATE_SOCK = `/tmp/chainlab-e2e-podman-${process.pid}.sock`;
const requireAll = process.env.CHAINLAB_REQUIRE_ALL === '1';

// The CLI and the app share this CHAINLAB_HOME: the labs `chainlab up` saves are attachable in the app.
const home = mkdtempSync(join(tmpdir(), 'chainlab-app-e2e-'));
const homeBefore = process.env.CHAINLAB_HOME;
process.env.CHAINLAB_HOME = home;
const cli = cliWithHome(home);

let e: E2E | undefined;
let docker: Engine;
/** Docker labs the app started (named by the workspace), removed at the end. */
const appLabs = new Set<string>();
const shot = (name: string): Promise<void> => e!.shot(`app-docker-${name}`);
const filters = (lab: string): string => JSON.stringify({ label: [`${LAB_LABEL}=${lab}`] });

/** Opens the New lab dialog and starts a 2-node docker lab with nginx (the dialog's default manifests). */
async function newDockerLab(p: Page, app: WebApp): Promise<string> {
  await p.click('[data-action=new-lab]');
  const dialog = p.locator('[role=dialog][aria-labelledby=newlab-title]');
  await dialog.waitFor({ timeout: 10_000 });
  await dialog.locator('[data-field=nodes] label:has-text("2")').click();
  const dockerRadio = dialog.locator('input[name=backend][value=docker]');
  // The radio is offered only when the host found the engine and the node image.
  await expect.poll(() => dockerRadio.isEnabled(), { timeout: 15_000 }).toBe(true);
  await dockerRadio.check();
  await dialog.locator('[data-action=start-lab]').click();
  await dialog.waitFor({ state: 'detached', timeout: 180_000 });
  const name = app.lab.spec.name;
  expect(app.lab.spec.backend).toBe('docker');
  appLabs.add(name);
  await expect.poll(() => p.locator('.titlebar .chip').first().innerText(), { timeout: 20_000 }).toMatch(/docker · 2 nodes/);
  return name;
}

beforeAll(async () => {
  if (!existsSync(join(root, 'dist/agent/kube-proxy.mjs'))) execFileSync('node', ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
  docker = await connectEngine();
  for (const lab of [KEEP, DROP]) await removeDockerLab(docker.docker, lab);
  // Two labs left running, as `chainlab up` leaves them (state saved under CHAINLAB_HOME).
  for (const lab of [KEEP, DROP]) {
    const r = await cli('up', '--backend', 'docker', '--nodes', '2', '--name', lab);
    expect(r.code, r.out + r.err).toBe(0);
  }
  e = await startE2E({ viewport: { width: 1280, height: 800 }, ownHome: false });
}, 600_000);

afterAll(async () => {
  await e?.close();
  const labs = [KEEP, DROP, ...appLabs];
  for (const lab of labs) await removeDockerLab(docker.docker, lab).catch((err: Error) => console.error(`cleanup of ${lab}: ${err.message}`));
  if (homeBefore === undefined) delete process.env.CHAINLAB_HOME; else process.env.CHAINLAB_HOME = homeBefore;
  rmSync(home, { recursive: true, force: true });
}, 300_000);

describe('the app on the docker backend, in Chromium', () => {
  it('lists the labs left running at start; Re-attach shows one in the cluster pane, Remove deletes the other\'s containers', async () => {
    const p = e!.page;
    await p.locator('.node[data-node]').first().waitFor({ timeout: 20_000 });
    // Labs other runs left on this machine's Docker may be listed too: several share one line until opened.
    const summary = p.locator('[data-testid=leftovers]');
    const keep = p.locator(`[data-leftover="${KEEP}"]`);
    await p.locator(`[data-leftover="${KEEP}"], [data-testid=leftovers]:has-text("${KEEP}")`).first().waitFor({ timeout: 20_000 });
    if (await summary.count() > 0) {
      await expect(summary.innerText()).resolves.toContain(DROP);
      await p.click('[data-action=review-leftovers]');
    }
    await expect(keep.innerText()).resolves.toMatch(new RegExp(`Found docker lab ${KEEP} left running \\(2 nodes: k8s1, k8s2\\)`));
    const drop = p.locator(`[data-leftover="${DROP}"]`);
    await expect(drop.innerText()).resolves.toMatch(new RegExp(`Found docker lab ${DROP} left running \\(2 nodes: k8s1, k8s2\\)`));
    await shot('01-leftovers');

    await keep.locator('[data-action=attach]').click();
    await expect.poll(() => p.locator('.titlebar .chip').first().innerText(), { timeout: 60_000 }).toBe(`${KEEP} · docker · 2 nodes`);
    expect(e!.app.lab.spec.name).toBe(KEEP);
    await expect(p.locator('.node[data-node]').evaluateAll((ns) => ns.map((n) => n.getAttribute('data-node')))).resolves.toEqual(['k8s1', 'k8s2']);
    // The sim lab had nodes of the same names: this is the CLI's lab (no nginx applied), and the
    // Chains pane reads the container's real netfilter (Docker's embedded-DNS chain, which the sim has not).
    await p.locator('[data-service="kube-system/kube-dns"]').waitFor({ timeout: 10_000 });
    await expect(p.locator('[data-service="default/nginx"]').count()).resolves.toBe(0);
    await p.click('[data-pane=chains]');
    await p.locator('text=DOCKER_OUTPUT').first().waitFor({ timeout: 15_000 });
    for (const c of await docker.docker.listContainers({ filters: filters(KEEP) })) {
      const ip = Object.values(c.NetworkSettings.Networks)[0]?.IPAddress ?? '';
      expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      await expect(p.locator(`.node[data-node="${c.Labels[NODE_LABEL]}"]`).innerText()).resolves.toContain(ip);
    }
    await expect(keep.count()).resolves.toBe(0);

    // While the app runs it, the CLI is told so at once (its change would be written over by the app's saves)...
    const busy = await cli('kubectl', '--lab', KEEP, 'get', 'svc');
    expect(busy.code).not.toBe(0);
    expect(busy.err).toMatch(new RegExp(`lab "${KEEP}" is open in the Chainlab app \\(pid ${process.pid}, since .*\\); switch the app to another lab or close it first`));
    // ...and what is made in the app is saved for the CLI once the app lets go (next test).
    const made = await e!.app.lab.apply('apiVersion: v1\nkind: Service\nmetadata:\n  name: made-in-app\nspec:\n  selector: { app: none }\n  ports: [{ port: 8080 }]\n');
    expect(made.exitCode, made.output).toBe(0);

    await drop.locator('[data-action=remove]').click();
    await drop.waitFor({ state: 'detached', timeout: 60_000 });
    expect(await docker.docker.listContainers({ all: true, filters: filters(DROP) })).toEqual([]);
    expect(await docker.docker.listNetworks({ filters: filters(DROP) })).toEqual([]);
    // The re-attached lab's nodes still run.
    expect((await docker.docker.listContainers({ all: true, filters: filters(KEEP) })).map((c) => c.State)).toEqual(['running', 'running']);
    await shot('02-reattached');
    expect(e!.errors).toEqual([]);
  }, 180_000);

  it('a 2-node docker lab from New lab: the NodePort trace from outside, verified with a real packet, the kernel agrees', async () => {
    const p = e!.page;
    await newDockerLab(p, e!.app);
    // The re-attached lab was let go (still running): the CLI has it again, with the Service made in the app.
    const after = await cli('kubectl', '--lab', KEEP, 'get', 'svc', 'made-in-app');
    expect(after.code, after.err).toBe(0);
    expect(after.out).toMatch(/^made-in-app\s+ClusterIP\s+10\.\d+\.\d+\.\d+\s+<none>\s+8080\/TCP/m);
    await until('the nginx pod to run', async () => (await e!.app.lab.snapshot()).pods.find((x) => x.labels.app === 'nginx' && x.phase === 'Running' && x.ip !== undefined), 120_000);
    await p.click('[data-pane=packet]');
    // The default packet: an external client to the nginx NodePort on the first node.
    await expect.poll(async () => (await p.locator('select[aria-label=NodePort] option').allInnerTexts()).join('|'), { timeout: 20_000 }).toMatch(/nginx/);
    await p.click('[data-action=trace]');
    await p.locator('[data-testid=step-position]').waitFor({ timeout: 20_000 });
    await p.click('[data-action=verify]');
    const verdict = p.locator('[data-testid=verify-verdict]');
    await verdict.waitFor({ timeout: 60_000 });
    const box = p.locator('[data-testid=verify]');
    await expect(verdict.innerText(), await box.innerText()).resolves.toBe('the kernel agrees');
    const text = await box.innerText();
    const dnat = /kernel DNAT\s+(\d+\.\d+\.\d+\.\d+):80\b/.exec(text);
    expect(dnat, text).not.toBeNull();
    const podIps = (await e!.app.lab.snapshot()).pods.filter((x) => x.labels.app === 'nginx').map((x) => x.ip);
    expect(podIps).toContain(dnat![1]);
    await shot('03-verify-agrees');
    expect(e!.errors).toEqual([]);
  }, 300_000);
});

// ---- Docker stops mid-lab: a private Podman API service, killed for real ----

async function findPodman(): Promise<{ why: string } | null> {
  try {
    execFileSync('podman', ['--version'], { stdio: 'ignore' });
  } catch {
    return { why: 'podman is not installed; install it and run: bash scripts/ci/podman-up.sh' };
  }
  let engine: Engine;
  try {
    engine = await connectEngine({ ...process.env, DOCKER_HOST: MAIN_PODMAN });
  } catch (err) {
    return { why: `no Podman answers at ${MAIN_PODMAN} (${(err as Error).message.split('\n')[0]}); start it with: bash scripts/ci/podman-up.sh` };
  }
  if (!engine.podman) return { why: `${MAIN_PODMAN} answers as ${engine.product}, not Podman` };
  if (!(await imageStatus(engine.docker)).present) return { why: `Podman has no ${NODE_IMAGE}; load it with: bash scripts/ci/podman-up.sh` };
  return null;
}

const noPodman = await findPodman();

if (noPodman !== null) {
  if (requireAll) {
    describe('the app when Docker stops mid-lab (Podman)', () => {
      it('has Podman to stop (CHAINLAB_REQUIRE_ALL=1)', () => { throw new Error(noPodman.why); });
    });
  } else {
    console.warn(`SKIPPED the app when Docker stops mid-lab: ${noPodman.why}`);
    describe.skip('the app when Docker stops mid-lab (Podman)', () => { it('needs Podman', () => {}); });
  }
} else {
  describe('the app when Docker stops mid-lab (Podman)', () => {
    let service: ChildProcess | undefined;
    let app2: WebApp | undefined;
    let podLab: string | undefined;

    afterAll(async () => {
      await app2?.close().catch((err: Error) => console.error(`closing the app: ${err.message}`));
      if (service !== undefined && service.exitCode === null) service.kill('SIGKILL');
      rmSync(PRIVATE_SOCK, { force: true });
      // The private service is gone: the lab's containers and network go through the main Podman socket.
      if (podLab !== undefined) {
        const main = await connectEngine({ ...process.env, DOCKER_HOST: MAIN_PODMAN });
        await removeDockerLab(main.docker, podLab);
        expect(await main.docker.listContainers({ all: true, filters: filters(podLab) })).toEqual([]);
      }
    }, 300_000);

    it('the engine is killed under the lab: the "Docker stopped" banner, then Continue on sim keeps the Service and its pods', async () => {
      rmSync(PRIVATE_SOCK, { force: true });
      service = spawn('podman', ['system', 'service', '--time=0', `unix://${PRIVATE_SOCK}`], { stdio: ['ignore', 'ignore', 'pipe'] });
      let serviceErr = '';
      service.stderr?.on('data', (d: Buffer) => { serviceErr += d.toString(); });
      const env = { ...process.env, DOCKER_HOST: `unix://${PRIVATE_SOCK}`, CHAINLAB_HOME: home };
      const engine = await until('the private Podman service to answer', async () => {
        if (service!.exitCode !== null) throw new Error(`podman system service exited ${service!.exitCode}: ${serviceErr}`);
        try { return await connectEngine(env); } catch { return undefined; }
      }, 30_000, 300);
      expect(engine.podman).toBe(true);

      app2 = await startWebApp({ staticDir: join(root, 'dist', 'renderer'), env });
      const p = e!.page;
      await p.goto(app2.url);
      await p.locator('.node[data-node]').first().waitFor({ timeout: 20_000 });
      podLab = await newDockerLab(p, app2);
      const lab = app2.lab;
      await until('the nginx pod to be scheduled', async () => (await lab.snapshot()).pods.find((x) => x.labels.app === 'nginx' && x.node !== undefined), 60_000);
      await p.locator('[data-service="default/nginx"]').waitFor({ timeout: 20_000 });
      expect((await engine.docker.listContainers({ filters: filters(podLab) })).map((c) => c.State)).toEqual(['running', 'running']);

      // The engine stops for real: the API service dies; the containers (conmon's children) stay.
      service.kill('SIGKILL');
      await until('the private service to exit', async () => (service!.exitCode !== null || service!.signalCode !== null ? true : undefined), 10_000, 100);
      const lost = p.locator('[data-testid=backend-lost]');
      await lost.waitFor({ timeout: 30_000 });
      await expect(lost.innerText()).resolves.toContain(`Docker stopped: the Docker engine does not answer (connect ECONNREFUSED ${PRIVATE_SOCK}).`);
      await shot('04-docker-stopped');
      // Only the API service died: the nodes (conmon's children) still run, as the main socket shows.
      const main = await connectEngine({ ...process.env, DOCKER_HOST: MAIN_PODMAN });
      expect((await main.docker.listContainers({ filters: filters(podLab) })).map((c) => c.State)).toEqual(['running', 'running']);

      await lost.locator('[data-action=fallback]').click();
      await lost.waitFor({ state: 'detached', timeout: 30_000 });
      await expect.poll(() => p.locator('.titlebar .chip').first().innerText(), { timeout: 20_000 }).toMatch(/sim · 2 nodes/);
      expect(app2.lab.spec.backend).toBe('sim');
      await p.locator('[data-service="default/nginx"]').waitFor({ timeout: 10_000 });
      const pods = (await app2.lab.snapshot()).pods.filter((x) => x.labels.app === 'nginx');
      expect(pods.length).toBeGreaterThan(0);
      for (const pod of pods) await p.locator(`.podname:text-is("${pod.name}")`).waitFor({ timeout: 10_000 });
      await shot('05-on-sim');
      expect(e!.errors).toEqual([]);
    }, 300_000);
  });
}
