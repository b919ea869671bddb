// Builds what `npx chainlab` and `npm start` run: the CLI bundle (esbuild) and,
// when its sources exist, the renderer (vite). Fast enough to run on every install.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entries = [
  ['core/host/cli/main.ts', 'dist/cli.mjs'],
];
for (const [src, out] of entries) {
  if (!existsSync(join(root, src))) continue;
  await build({
    entryPoints: [join(root, src)],
    outfile: join(root, out),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    packages: 'external',
    logLevel: 'warning',
  });
}
