// The e2e tier's harness: web mode with the real sim lab, driven by Debian's
// Chromium through playwright-core. Without Chromium it fails loudly, never skips.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startWebApp, type WebApp } from '../../core/host/web/start.js';
import type { LabSpec } from '../../core/lab/backend.js';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const screenshots = join(root, 'test-results', 'screenshots');

export function chromiumPath(): string {
  return process.env.CHAINLAB_CHROMIUM ?? '/usr/bin/chromium';
}

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface E2E {
  app: WebApp;
  context: BrowserContext;
  page: Page;
  errors: string[];
  shot(name: string): Promise<void>;
  close(): Promise<void>;
}

async function ensureRenderer(rebuild = false): Promise<string> {
  const dir = join(root, 'dist', 'renderer');
  if (rebuild || !existsSync(join(dir, 'index.html'))) {
    const { build } = await import('vite');
    await build({ configFile: join(root, 'vite.config.ts'), logLevel: 'warn' });
  }
  return dir;
}

export interface E2EOptions {
  viewport?: { width: number; height: number };
  /** The lab the app opens on (default: the app's default lab). */
  spec?: LabSpec;
  /** Build the renderer even when dist/renderer exists (a stale build would miss UI changes). */
  rebuild?: boolean;
  /** A CHAINLAB_HOME of this run only (saved lesson progress, workspace state), removed at close; default true (a test never writes the user's ~/.chainlab). */
  ownHome?: boolean;
}

export async function startE2E(opts: E2EOptions = {}): Promise<E2E> {
  const viewport = opts.viewport ?? { width: 1280, height: 720 };
  const exe = chromiumPath();
  if (!existsSync(exe)) {
    throw new Error(`e2e tier: no Chromium at ${exe}; install it with: apt-get install -y chromium (or set CHAINLAB_CHROMIUM)`);
  }
  const staticDir = await ensureRenderer(opts.rebuild === true);
  // The host runs in this process: its CHAINLAB_HOME is this process's.
  const home = opts.ownHome !== false ? mkdtempSync(join(tmpdir(), 'chainlab-e2e-home-')) : null;
  const homeBefore = process.env.CHAINLAB_HOME;
  if (home !== null) process.env.CHAINLAB_HOME = home;
  const restoreHome = (): void => {
    if (home === null) return;
    if (homeBefore === undefined) delete process.env.CHAINLAB_HOME; else process.env.CHAINLAB_HOME = homeBefore;
    rmSync(home, { recursive: true, force: true });
  };
  let app: WebApp;
  try {
    app = await startWebApp({ staticDir, ...(opts.spec !== undefined ? { spec: opts.spec } : {}) });
  } catch (err) {
    restoreHome();
    throw err;
  }
  const profile = mkdtempSync(join(tmpdir(), 'chainlab-e2e-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, { executablePath: exe, headless: true, args: CHROMIUM_ARGS, viewport, acceptDownloads: true });
  } catch (err) {
    await app.close();
    rmSync(profile, { recursive: true, force: true });
    restoreHome();
    throw err;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  mkdirSync(screenshots, { recursive: true });
  await page.goto(app.url);
  return {
    app, context, page, errors,
    async shot(name) { await page.screenshot({ path: join(screenshots, `${name}.png`) }); },
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
      await app.close();
      restoreHome();
    },
  };
}

/** Types into a terminal of the terminals pane with the keyboard, as a person would. */
export async function typeInTerminal(page: Page, label: string, text: string, delay = 8): Promise<void> {
  await page.click(`[data-terminal-tab="${label}"]`);
  await page.locator(`[data-terminal="${label}"] .xterm-helper-textarea`).focus();
  await page.keyboard.type(text, { delay });
}

/** The visible text of the active xterm (its rendered rows). */
export async function terminalText(page: Page, label: string): Promise<string> {
  return page.locator(`[data-terminal="${label}"] .xterm-rows`).innerText();
}
