// "Kill kube-proxy" completed through the UI like a student: the host runs the
// lesson on its own three-node cluster; the student TYPES the commands into the
// xterm terminals (one pasted by a click and edited, one run by its button),
// watches the checks turn green, reloads the window mid-lesson and goes on at the
// saved step, answers the question (wrong first). Then a trainer replays a step:
// the solution is typed into its terminal and the packet pane animates its path.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, terminalText, typeInTerminal, type E2E } from './harness.js';

let e: E2E;
const shot = (name: string): Promise<void> => e.shot(`labs-${name}`);

beforeAll(async () => {
  // Rebuild: a stale dist/renderer would miss the labs pane; own CHAINLAB_HOME: no progress from an earlier run.
  e = await startE2E({ viewport: { width: 1280, height: 800 }, rebuild: true, ownHome: true });
}, 180_000);

afterAll(async () => { await e?.close(); });
// What the window showed when a test failed, to look at.
afterEach(async (ctx) => { if (ctx.task.result?.state === 'fail') await e?.shot(`labs-failed-${ctx.task.name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-')}`).catch(() => undefined); });

const page = (): E2E['page'] => e.page;
const checks = (): ReturnType<E2E['page']['locator']> => page().locator('.checks li');
async function stepIs(n: number, of = 5, timeout = 20_000): Promise<void> {
  await page().locator(`[data-testid=step-progress]:has-text("Step ${n} of ${of}")`).waitFor({ timeout });
}

describe('guided lab in the app, run by the host', () => {
  it('shows the library from the host, with level, duration and progress, and opens Kill kube-proxy on its own cluster', async () => {
    const p = page();
    await p.click('[data-pane=labs]');
    await p.locator('.card').first().waitFor({ timeout: 20_000 });
    await expect(p.locator('.card').count()).resolves.toBeGreaterThanOrEqual(7);
    const card = p.locator('.card[data-lab="kill-kube-proxy"]');
    await expect(card.innerText()).resolves.toMatch(/Kill kube-proxy[\s\S]*beginner[\s\S]*15 min[\s\S]*5 steps/);
    await expect(card.locator('[role=progressbar]').getAttribute('aria-valuenow')).resolves.toBe('0');
    await shot('01-library');
    await card.locator('[data-action=open]').click();
    await stepIs(1, 5, 60_000);
    await expect(p.locator('.steps h2').innerText()).resolves.toBe('Kill kube-proxy');
    // The lesson's cluster: three nodes in the sidebar and a shell tab for each.
    await p.locator('.node[data-node="k8s3"]').waitFor({ timeout: 20_000 });
    await expect(p.locator('.node[data-node]').count()).resolves.toBe(3);
    await p.locator('[data-terminal-tab="k8s2"]').waitFor();
    await expect.poll(() => checks().count(), { timeout: 15_000 }).toBe(2);
  }, 90_000);

  it('step 1: the student types ps in the k8s2 shell; the checks turn green and step 2 opens', async () => {
    const p = page();
    await typeInTerminal(p, 'k8s2', 'ps -aef | grep kube-proxy\n');
    await expect.poll(() => terminalText(p, 'k8s2'), { timeout: 15_000 }).toMatch(/kube-proxy --config/);
    await shot('02-step1-typed');
    await stepIs(2);
  }, 60_000);

  it('step 2: a hint; the kill command clicked into the terminal, its <PID> edited, Enter', async () => {
    const p = page();
    await p.click('[data-action=hint]');
    await expect(p.locator('.hint').first().innerText()).resolves.toContain('second column of ps -aef');
    // The PID, read from what ps printed in step 1, as a student reads it.
    const text = (await terminalText(p, 'k8s2')).replace(/\u00a0/g, ' ');
    const pid = /^\S+\s+(\d+)\s+.*kube-proxy --config/m.exec(text)?.[1];
    expect(pid, `a kube-proxy line in:\n${text}`).toMatch(/^\d+$/);
    // A line with a placeholder is pasted, never run: it waits on the prompt.
    await p.click('button.cmd[data-copy="k8s2"]:has-text("kill -9 <PID>")');
    await expect.poll(() => terminalText(p, 'k8s2'), { timeout: 10_000 }).toMatch(/kill -9 <PID>\s*$/);
    await shot('03-step2-pasted');
    await p.locator('[data-terminal="k8s2"] .xterm-helper-textarea').focus();
    for (let i = 0; i < '<PID>'.length; i++) await p.keyboard.press('Backspace');
    await p.keyboard.type(`${pid}\n`, { delay: 8 });
    await stepIs(3);
  }, 60_000);

  it('step 3: the NodePort chain listed with its Run button; curl typed in k8s2 still reaches nginx', async () => {
    const p = page();
    // A line without placeholder runs in its terminal with one click (the step needs curl: it stays open).
    await p.click('button.run[aria-label^="Run iptables -t nat -L KUBE-NODEPORTS"]');
    await expect.poll(() => terminalText(p, 'k8s2'), { timeout: 15_000 }).toMatch(/Chain\s+KUBE-NODEPORTS/);
    await stepIs(3);
    await typeInTerminal(p, 'k8s2', 'curl -I localhost:30450\n');
    // nginx's headers fill the small terminal (the status line scrolls away; the step's check reads "200 OK").
    await expect.poll(() => terminalText(p, 'k8s2'), { timeout: 15_000 }).toMatch(/Content-Type: text\/html[\s\S]*ETag: "[0-9a-f-]+"[\s\S]*Accept-Ranges: bytes/);
    await stepIs(4);
  }, 60_000);

  it('step 4: kubectl expose typed in the kubectl console; rules on k8s3, none on k8s2', async () => {
    const p = page();
    await typeInTerminal(p, 'kubectl', 'kubectl expose deployment nginx --name=nginx-2 --port=8080 --target-port=80\n');
    await expect.poll(() => terminalText(p, 'kubectl'), { timeout: 15_000 }).toMatch(/service\/nginx-2 exposed/);
    await stepIs(5);
    await shot('04-step5-question');
  }, 60_000);

  it('a reload resumes the lesson at the saved step', async () => {
    const p = page();
    await p.reload();
    await stepIs(5, 5, 30_000);
    await expect(p.locator('[data-pane=labs]').getAttribute('class')).resolves.toContain('active');
    await expect(p.locator('.node[data-node]').count()).resolves.toBe(3);
    await shot('05-after-reload');
  }, 60_000);

  it('step 5: a wrong answer stays red; kube-proxy brought back by typing, the right answer finishes the lab', async () => {
    const p = page();
    await p.click('label:has-text("Nowhere, it is dropped")');
    await p.click('[data-action=answer]');
    await expect.poll(() => checks().last().innerText(), { timeout: 10_000 }).toContain('is not the answer');
    expect(await checks().last().getAttribute('class')).not.toContain('passed');
    await checks().last().scrollIntoViewIfNeeded();
    await shot('06-wrong-answer');
    await typeInTerminal(p, 'kubectl', "kubectl delete pod -n kube-system $(kubectl get pods -n kube-system -o wide | grep kube-proxy | grep k8s2 | awk '{print $1}')\n");
    await expect.poll(() => terminalText(p, 'kubectl'), { timeout: 15_000 }).toMatch(/pod "kube-proxy-\S+" deleted/);
    await p.click('label:has-text("To one of the two nginx pods")');
    await p.click('[data-action=answer]');
    await p.locator('[data-testid=lesson-finished]').waitFor({ timeout: 30_000 });
    await expect(p.locator('[data-testid=lesson-finished]').innerText()).resolves.toContain('All 5 steps done');
    await shot('07-done');
    expect(e.errors).toEqual([]);
  }, 90_000);

  it('trainer mode: a step list to jump in; replaying a step types its command and animates its packet in the packet pane', async () => {
    const p = page();
    await p.click('[data-action=trainer]');
    await expect(p.locator('.step-list li').count()).resolves.toBe(5);
    await p.click('.step-list li:nth-child(1) button');
    await stepIs(1, 5, 60_000);
    // A jump forward is no progress: no "Step N done" toast (it said so, once per skipped step).
    await expect.poll(() => p.locator('.toast').count(), { timeout: 20_000 }).toBe(0);
    await p.click('.step-list li:nth-child(3) button');
    await stepIs(3, 5, 60_000);
    await p.waitForTimeout(1500);
    await expect(p.locator('.toast').allInnerTexts()).resolves.not.toContainEqual(expect.stringMatching(/Step \d done/));
    await p.click('[data-action=reset-step]');
    await stepIs(3, 5, 30_000);
    // A clean screen (Ctrl-L), so what appears next is the replay's typing.
    await p.click('[data-terminal-tab="k8s2"]');
    await p.locator('[data-terminal="k8s2"] .xterm-helper-textarea').focus();
    await p.keyboard.press('Control+L');
    await expect.poll(() => terminalText(p, 'k8s2'), { timeout: 5_000 }).not.toMatch(/curl/);
    await p.click('[data-action=replay-step]');
    // Typed character by character into k8s2's terminal, at a readable pace.
    await expect.poll(() => terminalText(p, 'k8s2'), { timeout: 15_000 }).toMatch(/curl -I loc/);
    await shot('08-replay-typing');
    await p.locator('[data-testid=loaded-packet]').waitFor({ timeout: 30_000 });
    await expect(p.locator('[data-pane=packet]').getAttribute('class')).resolves.toContain('active');
    const first = await p.locator('[data-testid=step-position]').innerText();
    await expect.poll(() => p.locator('[data-testid=step-position]').innerText(), { timeout: 10_000 }).not.toBe(first);
    await shot('09-replay-packet');
    await expect.poll(() => p.locator('[data-testid=outcome]').innerText(), { timeout: 30_000 }).toMatch(/DNAT to 10\.244\.\d+\.\d+:80/);
    // The replay goes back to the step panel once the packet has walked its path; step 4 is next.
    await expect.poll(() => p.locator('[data-pane=labs]').getAttribute('class'), { timeout: 30_000 }).toContain('active');
    await stepIs(4, 5, 30_000);
    await shot('10-replay-done');
    expect(e.errors).toEqual([]);
  }, 150_000);

  it('"Show me" runs the step\'s solution; back in the library the card shows the saved progress', async () => {
    const p = page();
    await p.click('[data-action=show-me]');
    await stepIs(5, 5, 30_000);
    await p.click('[data-action=close-lesson]');
    const card = p.locator('.card[data-lab="kill-kube-proxy"]');
    await card.waitFor({ timeout: 15_000 });
    // Step 5 of 5 is the current one: 4 of 5 steps behind, saved by the host under CHAINLAB_HOME.
    await expect.poll(() => card.locator('[role=progressbar]').getAttribute('aria-valuenow'), { timeout: 10_000 }).toBe('80');
    await expect(card.locator('[data-action=open]').innerText()).resolves.toBe('Resume');
    await card.scrollIntoViewIfNeeded();
    await shot('11-library-progress');
    expect(e.errors).toEqual([]);
  }, 60_000);
});
