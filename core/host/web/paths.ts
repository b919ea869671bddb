// Where the built renderer is, whether we run from the bundle (dist/cli.mjs),
// from sources (tsx, tests) or from a packaged app.
import { join } from 'node:path';
import { projectRoot } from '../paths.js';

export function rendererDir(env: Record<string, string | undefined> = process.env): string {
  if (env.CHAINLAB_RENDERER_DIR !== undefined) return env.CHAINLAB_RENDERER_DIR;
  // The renderer is built to dist/renderer beside package.json.
  return join(projectRoot() ?? process.cwd(), 'dist', 'renderer');
}
