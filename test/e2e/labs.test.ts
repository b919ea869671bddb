// "Kill kube-proxy" completed through the UI like a student: open the card,
// run the step commands with their buttons, watch checks turn green, answer the
// last question (wrong first), on a three-node sim lab in web mode.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumPath, root, screenshots } from './harness.js';
import { startWebApp, type WebApp } from '../../core/host/web/start.js';

let app: WebApp;
let context: BrowserContext;
let page: Page;
let profile = '';
const errors: string[] = [];
const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(screenshots, `labs-${name}.png`) });

beforeAll(async () => {
  const dir = join(root, 'dist', 'renderer');
  // Build the renderer: a stale dist/renderer would miss the labs pane or lab changes.
  const { build } = await import('vite');
  await build({ configFile: join(root, 'vite.config.ts'), logLevel: 'warn' });
  app = await startWebApp({ staticDir: dir, spec: { name: 'e2e-labs', nodes: 3, kubeProxyVersion: '1.33', backend: 'sim' } });
  profile = mkdtempSync(join(tmpdir(), 'chainlab-e2e-labs-'));
  context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 800 } });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => errors.push(e.message));
  mkdirSync(screenshots, { recursive: true });
  await page.goto(app.url);
}, 180_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  if (profile !== '') rmSync(profile, { recursive: true, force: true });
  await app?.close();
});

const checks = (): ReturnType<Page['locator']> => page.locator('.checks li');
async function stepIs(n: number): Promise<void> {
  await page.locator(`.progress:has-text("Step ${n} of 5")`).waitFor({ timeout: 20_000 });
}

describe('guided lab in the app', () => {
  it('shows the library with seven labs and opens Kill kube-proxy', async () => {
    await page.click('[data-pane=labs]');
    await page.locator('.card').first().waitFor();
    await expect(page.locator('.card').count()).resolves.toBeGreaterThanOrEqual(7);
    await shot('01-library');
    await page.click('.card[data-lab="kill-kube-proxy"]');
    await stepIs(1);
    await expect(page.locator('.steps h2').innerText()).resolves.toBe('Kill kube-proxy');
    await expect(checks().count()).resolves.toBe(2);
  }, 60_000);

  it('step 1: runs ps in k8s2 with the button; the step unlocks the next', async () => {
    await page.click('button[data-run="k8s2"]');
    await stepIs(2);
    await expect(page.locator('.log').innerText()).resolves.toMatch(/kube-proxy --config/);
    await shot('02-step2-kill');
  }, 60_000);

  it('step 2: a hint, then "show me" kills kube-proxy', async () => {
    await page.click('.actions button:has-text("Hint")');
    await expect(page.locator('.hint').innerText()).resolves.toContain('second column of ps -aef');
    await page.click('.actions button:has-text("Show me")');
    await stepIs(3);
  }, 60_000);

  it('step 3: curl still reaches nginx with kube-proxy dead', async () => {
    await page.click('button[data-run="k8s2"]');
    await stepIs(4);
    await expect(page.locator('.log').innerText()).resolves.toMatch(/200 OK/);
  }, 60_000);

  it('step 4: a new Service has rules on k8s3 and none on k8s2', async () => {
    await page.click('button[data-run="console"]');
    await page.locator('button[data-run="k8s3"]').click();
    await page.locator('button[data-run="k8s2"]').click();
    await stepIs(5);
    await shot('03-step5-question');
  }, 60_000);

  it('step 5: a wrong answer stays red; kube-proxy comes back and the right answer finishes the lab', async () => {
    await page.click('label:has-text("Nowhere, it is dropped")');
    await page.click('.question button:has-text("Answer")');
    // The check re-evaluates after the click: wait for its verdict on the answer, then see it is red.
    await expect.poll(() => page.locator('.checks li').last().innerText(), { timeout: 10_000 }).toContain('is not the answer');
    expect(await page.locator('.checks li').last().getAttribute('class')).not.toContain('passed');
    await shot('04-wrong-answer');
    await page.click('.actions button:has-text("Show me")');
    await page.locator('.finished').waitFor({ timeout: 30_000 });
    await expect(page.locator('.finished').innerText()).resolves.toContain('All 5 steps done');
    await shot('05-done');
    expect(errors).toEqual([]);
  }, 90_000);
  it('trainer mode: bigger text, a step list to jump in, reset a step, replay its solution at a readable pace', async () => {
    await page.click('.steps .link:has-text("Labs")');
    await page.click('.card[data-lab="fifty-fifty"]');
    await page.locator('.progress:has-text("Step 1 of 4")').waitFor({ timeout: 20_000 });
    await page.click('.trainer-switch input');
    await expect(page.locator('.step-list li').count()).resolves.toBe(4);
    await page.click('.step-list li:nth-child(4) button');
    await page.locator('.progress:has-text("Step 4 of 4")').waitFor({ timeout: 30_000 });
    await page.click('.trainer-actions button:has-text("Reset step")');
    await page.locator('.progress:has-text("Step 4 of 4")').waitFor({ timeout: 30_000 });
    await page.click('.trainer-actions button:has-text("Replay")');
    await page.locator('.replay').waitFor({ timeout: 10_000 });
    await expect.poll(() => page.locator('.replay').innerText(), { timeout: 10_000 }).toMatch(/^console\$ kubectl scale deployment hello-livefire --replicas=3/);
    await shot('06-trainer-replay');
    // Replay ends on the packet path pane (the step has packet checks), then the lab is done.
    await page.locator('.finished').waitFor({ state: 'attached', timeout: 60_000 });
    await expect.poll(() => page.locator('[data-pane=packet]').getAttribute('class')).toContain('active');
    await page.click('[data-pane=labs]');
    await shot('07-trainer-done');
    expect(errors).toEqual([]);
  }, 120_000);
});
