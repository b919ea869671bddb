// Bench: the app in web mode with the real sim lab, seen through Chromium.
//   npx tsx bench/app.ts
// Prints one figure per line: start to first paint, renderer heap and server
// RSS (default lab, 500-service lab), and a 10 MB terminal burst.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { startWebApp } from '../core/host/web/start.js';
import { SEED_000_MANIFEST } from '../core/host/app/default-lab.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const exe = process.env.CHAINLAB_CHROMIUM ?? '/usr/bin/chromium';
const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const staticDir = join(root, 'dist', 'renderer');
if (!existsSync(join(staticDir, 'index.html'))) {
  console.error('bench/app: the renderer is not built; run `npm run build` first');
  process.exit(1);
}

const mb = (n: number): string => (n / 1024 / 1024).toFixed(1);
const line = (name: string, value: string, unit: string, ref?: { value: number; of: number; label: string }): void => {
  const ratio = ref !== undefined ? ` (${(ref.value / ref.of).toFixed(2)} x ${ref.label})` : '';
  console.log(`${name}: ${value} ${unit}${ratio}`);
};

function manyServices(n: number, from = 0): string {
  const docs: string[] = [];
  for (let i = from; i < from + n; i++) {
    docs.push(`apiVersion: v1
kind: Service
metadata:
  name: svc-${i}
  namespace: default
spec:
  type: ${i % 2 === 0 ? 'NodePort' : 'ClusterIP'}
  selector:
    app: nginx
  ports:
  - name: http
    port: 80
    targetPort: 80
`);
  }
  return docs.join('---\n');
}

async function heap(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const h = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
  await cdp.detach();
  return h.usedSize;
}

/** How long a lab may take to start before its figures are reported as not measured. */
const BUDGET_MS = Number(process.env.CHAINLAB_BENCH_BUDGET_MS ?? 240_000);

async function run(label: string, services: number, burst: boolean): Promise<void> {
  const profile = mkdtempSync(join(tmpdir(), 'chainlab-bench-'));
  const ctx = await chromium.launchPersistentContext(profile, { executablePath: exe, headless: true, args, viewport: { width: 1280, height: 720 } });
  const t0 = performance.now();
  const app = await startWebApp({ staticDir, manifest: SEED_000_MANIFEST });
  // Services go in chunks, so a slow lab is cut at the budget instead of blocking the bench for ever.
  let made = 0;
  while (made < services && performance.now() - t0 < BUDGET_MS) {
    const n = Math.min(10, services - made);
    const r = await app.lab.apply(manyServices(n, made));
    if (r.exitCode !== 0) throw new Error(`applying services failed: ${r.output}`);
    made += n;
  }
  if (made < services) {
    line(`${label} services applied within the ${(BUDGET_MS / 1000).toFixed(0)} s budget`, String(made), `of ${services} (the sim lab's apply slows as Services grow)`);
    label = `${label} (measured with ${made} + seed)`;
  } else if (services > 0) {
    line(`${label} time to apply ${services} Services`, (performance.now() - t0).toFixed(0), 'ms');
  }
  try {
    // With many Services the lab is already up: measure the page load alone.
    const tServer = services === 0 ? performance.now() - t0 : 0;
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    const tNav = performance.now();
    await page.goto(app.url);
    await page.locator('.node').first().waitFor({ timeout: 120_000 });
    await page.locator('[data-chain="KUBE-SERVICES"]').first().waitFor({ timeout: 120_000 });
    const tReady = performance.now() - tNav;
    const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1);
    if (services === 0) line(`${label} server start (lab + seed + listen)`, tServer.toFixed(0), 'ms');
    const what = services === 0 ? 'start' : 'page load';
    line(`${label} ${what} to first paint`, (tServer + fcp).toFixed(0), 'ms', { value: tServer + fcp, of: 1500, label: 'the 1.5 s aim' });
    line(`${label} ${what} to cluster and chains shown`, (tServer + tReady).toFixed(0), 'ms');
    const h = await heap(page);
    line(`${label} renderer heap`, mb(h), 'MB', { value: h, of: 150 * 1024 * 1024, label: 'the 150 MB aim' });
    line(`${label} server process RSS (includes the bench's playwright client)`, mb(process.memoryUsage().rss), 'MB');

    if (burst) {
      const node = (await app.lab.snapshot()).nodes[0]?.name ?? '';
      await page.click(`[data-terminal-tab="${node}"]`);
      await page.locator(`[data-terminal="${node}"] .xterm-helper-textarea`).focus();
      // 10 MB: 1,048,576 lines of "123456789\n" (seq would vary in width).
      const cmd = 'yes 123456789 | head -n 1048576; echo BURST-DONE\n';
      const tb = performance.now();
      await page.keyboard.type(cmd, { delay: 0 });
      let worst = 0;
      let doneAt = -1;
      for (let i = 0; i < 2400; i++) {
        const s = performance.now();
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
        worst = Math.max(worst, performance.now() - s);
        const text = await page.locator(`[data-terminal="${node}"] .xterm-rows`).innerText();
        if (/^BURST-DONE$/m.test(text)) { doneAt = performance.now() - tb; break; }
        await new Promise((r) => setTimeout(r, 25));
      }
      const s = performance.now();
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
      const after = performance.now() - s;
      line(`${label} 10 MB terminal burst: until the output is shown`, doneAt < 0 ? 'timeout' : doneAt.toFixed(0), 'ms');
      line(`${label} 10 MB terminal burst: longest frame wait during it`, worst.toFixed(0), 'ms');
      line(`${label} 10 MB terminal burst: frame wait right after`, after.toFixed(0), 'ms');
    }
  } finally {
    await ctx.close();
    rmSync(profile, { recursive: true, force: true });
    await app.close();
  }
}

await run('default lab', 0, true);
await run('500-service lab', 500, false);
process.exit(0);
