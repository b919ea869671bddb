// The node shell: public entry points.
export type * from './host.js';
export { isFsError } from './host.js';
export { Shell, type ShellOptions } from './session.js';
export { createMemoryFs, fsMessage, type MemoryFs, type MemoryFsSnapshot } from './fs-memory.js';
export { parseLine, type ParseResult } from './parse.js';
export { PROGRAMS } from './commands/index.js';
export { Abort } from './signal.js';
export { createShellTerminal, type ShellTerminalOptions } from './terminal.js';

import type { ShellHost, ShellLineIO, ShellSession } from './host.js';
import { Shell, type ShellOptions } from './session.js';

/** A shell session with state across lines (a terminal's). */
export function createShell(host: ShellHost, opts?: ShellOptions): ShellSession {
  return new Shell(host, opts);
}

/** One command line in a fresh session, as `chainlab exec NODE -- CMD` runs it; resolves with its exit status. */
export async function runShellLine(host: ShellHost, line: string, io: ShellLineIO): Promise<number> {
  return new Shell(host, { tty: '?' }).run(line, io);
}
