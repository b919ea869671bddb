// Where the project's own files are, whether we run from the bundle
// (dist/cli.mjs), from sources (tsx, tests) or from a packaged app: the
// directory above us that holds package.json.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function projectRoot(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

/** A file or folder of the project, or an error that says how to get it. */
export function projectPath(relative: string, missing: string): string {
  const root = projectRoot();
  const path = root === null ? null : join(root, relative);
  if (path === null || !existsSync(path)) throw new Error(missing);
  return path;
}
