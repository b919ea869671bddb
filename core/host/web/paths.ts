// Where the built renderer is, whether we run from the bundle (dist/cli.mjs),
// from sources (tsx, tests) or from a packaged app.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function rendererDir(env: Record<string, string | undefined> = process.env): string {
  if (env.CHAINLAB_RENDERER_DIR !== undefined) return env.CHAINLAB_RENDERER_DIR;
  let dir = dirname(fileURLToPath(import.meta.url));
  // Walk up to the directory that holds package.json: the renderer is built to dist/renderer there.
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'renderer');
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return join(process.cwd(), 'dist', 'renderer');
}
