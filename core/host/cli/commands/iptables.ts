// `chainlab iptables --rules FILE <iptables arguments>`: the real iptables
// command line (-L, -S, -C, -A, …) on a saved ruleset (an `iptables-save [-c]`
// dump), with the real tool's output, errors and exit statuses. Mutations
// apply in memory only: the file is never written.

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from '../io.js';
import { EXIT_USAGE } from '../io.js';
import { formatError } from '../../../engine/errors.js';
import { parseIptablesSave, runIptables } from '../../../engine/iptables/index.js';

export const HELP = `Show a saved ruleset with the real iptables arguments.

Usage:
  chainlab iptables --rules FILE [iptables arguments]

FILE is an iptables-save dump (with or without -c); '-' reads standard input.
Every other argument is passed to an emulation of iptables v1.8.9 (nf_tables):
  -t TABLE  -L [CHAIN [N]]  -S [CHAIN [N]]  -n  -v  -x  --line-numbers
  -C/-A/-I/-D/-R CHAIN rule  -F/-Z/-N/-X/-P/-E
Changes are made in memory only; FILE is not modified.

Examples:
  chainlab iptables --rules node.txt -t nat -L KUBE-SERVICES -n
  iptables-save -c | chainlab iptables --rules - -t nat -L -n -v
`;

export const run: Command = async (argv, io) => {
  let rulesFile: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--rules') {
      rulesFile = argv[++i];
      if (rulesFile === undefined) {
        io.stderr('chainlab iptables: --rules needs a file name (or - for standard input)\n');
        return EXIT_USAGE;
      }
    } else if (a.startsWith('--rules=')) rulesFile = a.slice('--rules='.length);
    else rest.push(a);
  }
  if (rulesFile === undefined) {
    if (rest.includes('--help') || rest.includes('-h') || rest.length === 0) {
      io.stdout(HELP);
      return rest.length === 0 ? EXIT_USAGE : 0;
    }
    io.stderr(`chainlab iptables: --rules FILE is required (an iptables-save dump; - for standard input)\n\n${HELP}`);
    return EXIT_USAGE;
  }
  let text: string;
  try {
    text = rulesFile === '-' ? await io.readStdin() : await readFile(resolve(io.cwd, rulesFile), 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    io.stderr(`chainlab iptables: cannot read ${rulesFile}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}\n`);
    return EXIT_USAGE;
  }
  const parsed = parseIptablesSave(text, { file: rulesFile });
  if (!parsed.ok) {
    for (const err of parsed.errors) io.stderr(`${formatError(err)}\n`);
    return EXIT_USAGE;
  }
  const r = runIptables(parsed.value, rest);
  if (r.stdout !== '') io.stdout(r.stdout);
  if (r.stderr !== '') io.stderr(r.stderr);
  return r.exitCode;
};
