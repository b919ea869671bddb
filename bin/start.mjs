#!/usr/bin/env node
// `npm start`: the Electron app when its binary is installed; otherwise (or with
// --web) the same UI in web mode on 127.0.0.1, with a one-line reason.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const web = args.includes('--web');
const rest = args.filter((a) => a !== '--web');

function electronBinary() {
  try {
    const path = createRequire(import.meta.url)('electron');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

const electron = web ? null : electronBinary();
if (electron !== null && existsSync(join(root, 'dist', 'electron', 'main.cjs'))) {
  const child = spawn(electron, [root, ...rest], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  if (!web) process.stderr.write('chainlab: the Electron binary is not installed here; starting web mode instead (use `npm start -- --web` to choose it)\n');
  const bundle = join(root, 'dist', 'cli.mjs');
  if (!existsSync(bundle)) {
    process.stderr.write('chainlab: the app is not built; run `npm run build` first\n');
    process.exit(1);
  }
  const { runCli } = await import(bundle);
  const io = {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    readStdin: async () => '',
    env: process.env,
    cwd: process.cwd(),
  };
  process.exitCode = await runCli(['serve', ...rest], io);
}
