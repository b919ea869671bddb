// The workspace from the window: "Verify with a real packet" on the sim backend
// says clearly why it cannot (no kernel), and "New lab" starts a three-node sim
// lab that every pane and the terminals then show.
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
});
