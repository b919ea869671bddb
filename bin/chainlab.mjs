#!/usr/bin/env node
// The `chainlab` command: runs the bundled CLI (built by `npm install` / `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const bundle = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.mjs');
if (!existsSync(bundle)) {
  process.stderr.write('chainlab: the CLI is not built; run `npm run build` (or `npm install`) in the repository first\n');
  process.exit(1);
}
const { main } = await import(bundle);
await main();
