// The workspace from the window: "Verify with a real packet" on the sim backend
// says clearly why it cannot (no kernel), "New lab" starts a three-node sim lab
// that every pane and the terminals then show, and the banners for a lab left
// running and for Docker stopping mid-lab.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, terminalText, typeInTerminal, type E2E } from './harness.js';

let e: E2E;
const shot = (name: string): Promise<void> => e.shot(`workspace-${name}`);

beforeAll(async () => {
  e = await startE2E({ viewport: { width: 1280, height: 800 }, rebuild: true, ownHome: true });
}, 180_000);
afterAll(async () => { await e?.close(); });

describe('workspace and verification in the window', () => {
  it('Verify with a real packet on sim shows the host\'s error, in the packet pane', async () => {
    const p = e.page;
    await p.locator('.node[data-node]').first().waitFor({ timeout: 20_000 });
    await p.click('[data-pane=packet]');
    await p.click('[data-action=trace]');
    await p.locator('[data-testid=step-position]').waitFor({ timeout: 15_000 });
    await p.click('[data-action=verify]');
    const err = p.locator('[data-testid=verify-error]');
    await err.waitFor({ timeout: 15_000 });
    await expect(err.innerText()).resolves.toMatch(/the sim backend has no real kernel to send the packet through; start the lab on the docker backend to verify a trace with a real packet/);
    await shot('01-verify-on-sim');
  }, 60_000);

  it('New lab: three nodes on sim; the sidebar, the status bar and the terminals show three nodes', async () => {
    const p = e.page;
    await expect(p.locator('.node[data-node]').count()).resolves.toBe(2);
    await p.click('[data-action=new-lab]');
    const dialog = p.locator('[role=dialog][aria-labelledby=newlab-title]');
    await dialog.waitFor();
    await dialog.locator('[data-field=nodes] label:has-text("3")').click();
    await dialog.locator('input[name=backend][value=sim]').check();
    // Docker is offered only when the host can start it; otherwise the reason is on screen.
    const docker = dialog.locator('input[name=backend][value=docker]');
    if (await docker.isDisabled()) await expect(dialog.locator('[data-testid=docker-reason]').innerText()).resolves.toMatch(/^Docker is not available: .+/);
    await shot('02-new-lab-dialog');
    await dialog.locator('[data-action=start-lab]').click();
    await dialog.waitFor({ state: 'detached', timeout: 60_000 });
    await p.locator('.node[data-node="k8s3"]').waitFor({ timeout: 20_000 });
    await expect(p.locator('.node[data-node]').count()).resolves.toBe(3);
    await expect(p.locator('.statusbar').innerText()).resolves.toMatch(/3 nodes/);
    await expect(p.locator('.titlebar .chip').first().innerText()).resolves.toMatch(/sim · 3 nodes/);
    // It started with nginx (the dialog's default): the Service is there.
    await p.locator('[data-service="default/nginx"]').waitFor({ timeout: 15_000 });
    // The terminals belong to the new lab: k8s3 has a shell.
    await typeInTerminal(p, 'k8s3', 'hostname\n');
    await expect.poll(() => terminalText(p, 'k8s3'), { timeout: 15_000 }).toMatch(/^k8s3\s*$/m);
    // The packet pane forgot the old lab's trace.
    await p.click('[data-pane=packet]');
    await expect(p.locator('[data-testid=step-position]').count()).resolves.toBe(0);
    await p.click('[data-pane=chains]');
    await shot('03-new-lab-three-nodes');
    expect(e.errors).toEqual([]);
  }, 120_000);

  it('banners: a docker lab left running at start (re-attach or remove), and Docker stopping mid-lab (continue on sim)', async () => {
    const p = e.page;
    // No real crash or Docker outage here: the window's socket is routed so the host's real answers
    // get one leftover added at start, and one backend.lost event is pushed like the host pushes it.
    const stateIds = new Set<number>();
    let push: (event: unknown) => void = () => undefined;
    await p.routeWebSocket(/\/ws$/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((m) => {
        const req = JSON.parse(String(m)) as { id: number; method: string };
        if (req.method === 'workspace.state') stateIds.add(req.id);
        server.send(m);
      });
      server.onMessage((m) => {
        const msg = JSON.parse(String(m)) as { kind: string; response?: { id: number; ok: boolean; value?: { leftovers: unknown[] } } };
        if (msg.kind === 'response' && msg.response?.ok === true && stateIds.has(msg.response.id) && msg.response.value !== undefined) {
          msg.response.value.leftovers = [...msg.response.value.leftovers, { name: 'crashed-lab', backend: 'docker', nodes: ['k8s1', 'k8s2'], attachable: false }];
          ws.send(JSON.stringify(msg));
          return;
        }
        ws.send(m);
      });
      push = (event) => ws.send(JSON.stringify({ kind: 'event', event }));
    });
    await p.reload();
    const leftover = p.locator('[data-leftover="crashed-lab"]');
    // Labs other runs left on this machine's Docker may be listed too: several share one line until opened.
    await p.locator('[data-leftover="crashed-lab"], [data-testid=leftovers]:has-text("crashed-lab")').first().waitFor({ timeout: 20_000 });
    if (await p.locator('[data-testid=leftovers]').count() > 0) await p.click('[data-action=review-leftovers]');
    await leftover.waitFor({ timeout: 5_000 });
    await expect(leftover.innerText()).resolves.toMatch(/Found docker lab crashed-lab left running \(2 nodes: k8s1, k8s2\)/);
    // Chainlab saved no state for it: it can only be removed.
    await expect(leftover.locator('[data-action=attach]').isDisabled()).resolves.toBe(true);
    await expect(leftover.locator('[data-action=remove]').isEnabled()).resolves.toBe(true);
    push({ type: 'backend.lost', backend: 'docker', reason: 'the Docker engine stopped answering (connect ECONNREFUSED /var/run/docker.sock)' });
    const lost = p.locator('[data-testid=backend-lost]');
    await lost.waitFor({ timeout: 10_000 });
    await expect(lost.innerText()).resolves.toMatch(/Docker stopped: the Docker engine stopped answering \(connect ECONNREFUSED \/var\/run\/docker\.sock\)\./);
    await shot('04-banners');
    // This lab runs on sim: the host says there is nothing to fall back from, and the window shows it.
    await lost.locator('[data-action=fallback]').click();
    await p.locator('.toast.error:has-text("there is nothing to fall back from")').waitFor({ timeout: 10_000 });
    await lost.locator('button:has-text("Dismiss")').click();
    await expect(lost.count()).resolves.toBe(0);
    await leftover.locator('button[aria-label^="Leave crashed-lab alone"]').click();
    await expect(leftover.count()).resolves.toBe(0);
    expect(e.errors).toEqual([]);
  }, 90_000);
});
