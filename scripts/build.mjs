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

// The in-node kube-proxy of the docker backend: one self-contained file (the
// proxier included, no node_modules in the node), for the image's Node.js 18.
if (existsSync(join(root, 'core/host/agent/kube-proxy.ts'))) {
  await build({
    entryPoints: [join(root, 'core/host/agent/kube-proxy.ts')],
    outfile: join(root, 'dist/agent/kube-proxy.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node18',
    logLevel: 'warning',
  });
}

// The desktop shell: Electron main and the sandboxed preload, as CommonJS
// (a sandboxed preload cannot be an ES module). Electron itself stays external.
for (const [src, out] of [
  ['electron/main.ts', 'dist/electron/main.cjs'],
  ['electron/preload.ts', 'dist/electron/preload.cjs'],
]) {
  if (!existsSync(join(root, src))) continue;
  await build({
    entryPoints: [join(root, src)],
    outfile: join(root, out),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'linked',
    // dockerode's ssh2 loads its native helpers optionally (in try/catch): left out, it uses its JavaScript paths.
    external: ['electron', 'cpu-features', '*.node'],
    logLevel: 'warning',
  });
}

// The renderer (Svelte + Vite) into dist/renderer, served by web mode and loaded by the window.
if (existsSync(join(root, 'vite.config.ts')) && existsSync(join(root, 'renderer', 'index.html'))) {
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: join(root, 'vite.config.ts'), logLevel: 'warn' });
}
