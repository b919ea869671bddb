// `chainlab serve [--port N] [--no-open]`: web mode. Starts the default lab and
// serves the app on 127.0.0.1 with a per-run token, until interrupted.
import { spawn } from 'node:child_process';
import type { Command } from '../io.js';
import { EXIT_USAGE } from '../io.js';
import { startWebApp } from '../../web/start.js';
import { rendererDir } from '../../web/paths.js';

const HELP = `Usage: chainlab serve [--port N] [--no-open]

Serve the Chainlab app in a browser (web mode), on 127.0.0.1 only.

Options:
  --port N    listen on port N (default: a free port)
  --no-open   do not open a browser; just print the URL
`;

export function parseServeArgs(argv: string[]): { port: number; open: boolean } | { error: string } | 'help' {
  let port = 0;
  let open = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--help' || a === '-h') return 'help';
    if (a === '--no-open') { open = false; continue; }
    const m = /^--port(?:=(.*))?$/.exec(a);
    if (m !== null) {
      const v = m[1] ?? argv[++i];
      const n = Number(v);
      if (v === undefined || !Number.isInteger(n) || n < 0 || n > 65535) return { error: `--port needs a port number 0-65535, got '${v ?? ''}'` };
      port = n;
      continue;
    }
    return { error: `unknown option '${a}'` };
  }
  return { port, open };
}

function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No browser launcher: the printed URL is enough.
  }
}

export const run: Command = async (argv, io) => {
  const args = parseServeArgs(argv);
  if (args === 'help') { io.stdout(HELP); return 0; }
  if ('error' in args) { io.stderr(`chainlab serve: ${args.error}\n\n${HELP}`); return EXIT_USAGE; }
  let web;
  try {
    web = await startWebApp({ port: args.port, staticDir: rendererDir(io.env), env: io.env });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'EADDRINUSE') io.stderr(`chainlab serve: cannot listen on 127.0.0.1:${args.port}: the port is already in use; choose another with --port\n`);
    else io.stderr(`chainlab serve: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  io.stdout(`Chainlab is running at ${web.url}\n(loopback only; press Ctrl+C to stop)\n`);
  if (args.open && io.env.CHAINLAB_NO_OPEN !== '1') openBrowser(web.url);
  await new Promise<void>((resolve) => {
    const stop = (): void => { process.off('SIGINT', stop); process.off('SIGTERM', stop); resolve(); };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await web.close();
  return 0;
};
