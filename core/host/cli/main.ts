// `npx chainlab <command> …`: one small module per command under ./commands.
import type { CliIO, Command } from './io.js';
import { EXIT_USAGE } from './io.js';

const commands: Record<string, { summary: string; load: () => Promise<{ run: Command }> }> = {
  rules: { summary: "print kube-proxy's iptables rules for Kubernetes objects", load: () => import('./commands/rules.js') },
  iptables: { summary: 'show a saved ruleset with the real iptables arguments (-L, -S, -v …)', load: () => import('./commands/iptables.js') },
  trace: { summary: 'follow one packet through a ruleset, rule by rule', load: () => import('./commands/trace.js') },
  up: { summary: 'create a lab (a small cluster) and keep it', load: () => import('./commands/lab-cmds.js').then((m) => ({ run: m.up })) },
  exec: { summary: 'run one command line in a node shell of a lab', load: () => import('./commands/lab-cmds.js').then((m) => ({ run: m.exec })) },
  kubectl: { summary: "run kubectl against a lab's cluster", load: () => import('./commands/lab-cmds.js').then((m) => ({ run: m.kubectl })) },
  status: { summary: 'show a lab', load: () => import('./commands/lab-cmds.js').then((m) => ({ run: m.status })) },
  reset: { summary: 'put a lab back to its starting state', load: () => import('./commands/lab-cmds.js').then((m) => ({ run: m.reset })) },
  down: { summary: 'remove a lab', load: () => import('./commands/lab-cmds.js').then((m) => ({ run: m.down })) },
  lab: { summary: 'guided labs: validate, run, solve', load: () => import('./commands/lab.js') },
  image: { summary: 'build or inspect the mini-node Docker image', load: () => import('./commands/image.js') },
  serve: { summary: 'serve the app in a browser (web mode)', load: () => import('./commands/serve.js') },
};

export function usage(): string {
  const width = Math.max(...Object.keys(commands).map((k) => k.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `Usage: chainlab <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun 'chainlab <command> --help' for a command's options.\n`;
}

export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage());
    return name === undefined ? EXIT_USAGE : 0;
  }
  if (name === '--version') {
    io.stdout('chainlab 0.1.0\n');
    return 0;
  }
  const entry = commands[name];
  if (entry === undefined) {
    io.stderr(`chainlab: unknown command '${name}'\n\n${usage()}`);
    return EXIT_USAGE;
  }
  const mod = await entry.load();
  return mod.run(rest, io);
}

/** The process entry (bin/chainlab.mjs imports the bundle of this file). */
export async function main(): Promise<void> {
  // `chainlab … | head`: a reader that stops early is not an error (as for any Unix tool).
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  const io: CliIO = {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    env: process.env,
    cwd: process.cwd(),
  };
  const code = await runCli(process.argv.slice(2), io);
  process.exitCode = code;
}
