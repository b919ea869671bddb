// Every shipped lab replayed to the end by a trainer, in the window (issue #8:
// "a trainer can replay any of them"): open the lab from the library on its own
// cluster, trainer mode, Pace "Quick", "Replay to the end". The replay types
// each solution into its terminal through the host, answers the questions and
// animates the packets (it fails, in an alert, when the host did not record a
// typed command or a step's checks stay red); the lab must end on "All N steps
// done" with every step ticked and the library card at 100 %.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startE2E, root, type E2E } from './harness.js';

let e: E2E;

beforeAll(async () => {
  e = await startE2E({ viewport: { width: 1280, height: 800 }, ownHome: true });
}, 180_000);
afterAll(async () => { await e?.close(); });
afterEach(async (ctx) => {
  if (ctx.task.result?.state !== 'fail') return;
  await e?.shot(`replay-failed-${ctx.task.name.replace(/[^a-z0-9]+/gi, '-')}`).catch(() => undefined);
  // Back to the library for the next lab: stop a replay still running and close the lesson.
  await e?.page.locator('[data-action=replay-stop]').click({ timeout: 2_000 }).catch(() => undefined);
  await e?.page.locator('[data-action=close-lesson]').click({ timeout: 5_000 }).catch(() => undefined);
});

interface Shipped { dir: string; title: string; steps: unknown[] }

const labs: Shipped[] = readdirSync(join(root, 'labs'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(root, 'labs', d.name, 'lab.yaml')))
  .map((d) => ({ dir: d.name, ...(parse(readFileSync(join(root, 'labs', d.name, 'lab.yaml'), 'utf8')) as Omit<Shipped, 'dir'>) }));

describe('a trainer replays every shipped lab to the end in the window', () => {
  it('ships seven labs or more', () => {
    expect(labs.length).toBeGreaterThanOrEqual(7);
  });

  for (const lab of labs) {
    it(`${lab.title}: Replay to the end finishes the lab`, async () => {
      const p = e.page;
      await p.click('[data-pane=labs]');
      const card = p.locator(`.card[data-lab="${lab.dir}"]`);
      await card.waitFor({ timeout: 20_000 });
      await card.locator('[data-action=open]').click();
      await p.locator(`[data-testid=step-progress]:has-text("Step 1 of ${lab.steps.length}")`).waitFor({ timeout: 60_000 });
      await expect(p.locator('.steps h2').innerText()).resolves.toBe(lab.title);

      await p.click('[data-action=trainer]');
      await p.selectOption('[data-field=pace]', 'quick');
      await p.click('[data-action=replay-all]');
      await p.locator('[data-testid=lesson-finished]').waitFor({ timeout: 240_000 });
      await expect(p.locator('.problem[role=alert]').count()).resolves.toBe(0);
      // Every step of the trainer's list is ticked.
      await expect(p.locator('.step-list li.done').count()).resolves.toBe(lab.steps.length);
      await expect(p.locator('[data-testid=lesson-finished]').innerText()).resolves.toContain(`All ${lab.steps.length} steps done`);

      await e.shot(`replay-${lab.dir}-finished`);

      await p.click('[data-action=trainer]');
      await p.click('[data-action=close-lesson]');
      await expect.poll(() => card.locator('[role=progressbar]').getAttribute('aria-valuenow'), { timeout: 15_000 }).toBe('100');
      // A finished lab offers Review and Start again.
      await expect(card.locator('[data-action=open]').innerText()).resolves.toBe('Review');
      await expect(card.locator('button:has-text("Start again")').count()).resolves.toBe(1);
      expect(e.errors).toEqual([]);
    }, 300_000);
  }
});
