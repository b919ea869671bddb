// What runKubectl needs from its caller besides the cluster: the streams, an
// abort signal (Ctrl-C ends `get -w` and `logs -f`), and where `-f FILE` is
// read from (the node's in-memory filesystem, relative to the shell's cwd).
// A shell's CommandIO fits as is; add `fs` and `cwd` for `-f FILE`.

import type { AbortSignalLike, ApiStatus, ClusterApi } from '../cluster/api.js';
import type { FsErrorCode } from '../shell/host.js';

export interface KubectlFs {
  readFile(path: string): string | FsErrorCode;
  readDir?(path: string): string[] | FsErrorCode;
  stat?(path: string): { kind: 'file' | 'dir' } | FsErrorCode;
}

export interface KubectlIO {
  stdout(s: string): void;
  stderr(s: string): void;
  /** Standard input for `-f -` (a shell InputStream or plain text). */
  stdin?: { readAll(): Promise<string> } | string;
  signal?: AbortSignalLike;
  /** Files named by `-f`; without it `-f FILE` reports that the file does not exist. */
  fs?: KubectlFs;
  /** Directory relative `-f` paths start from (default: env.PWD, then `/root`). */
  cwd?: string;
  env?: Readonly<Record<string, string>>;
}

/** Everything a subcommand gets. */
export interface Ctx {
  api: ClusterApi;
  io: KubectlIO;
}

export const out = (ctx: Ctx, s: string): void => ctx.io.stdout(s);
export const err = (ctx: Ctx, s: string): void => ctx.io.stderr(s);

/** `error: …` on stderr, exit status 1, as kubectl's CheckErr. */
export function fail(ctx: Ctx, message: string): number {
  ctx.io.stderr(`error: ${message}\n`);
  return 1;
}

/** The line kubectl prints for an API error: Invalid statuses carry their full text, the rest get `Error from server (Reason): `. */
export function statusLine(s: ApiStatus): string {
  if (s.reason === 'Invalid') return s.message;
  return `Error from server (${s.reason}): ${s.message}`;
}

export function failStatus(ctx: Ctx, s: ApiStatus): number {
  ctx.io.stderr(`${statusLine(s)}\n`);
  return 1;
}

/** Resolves when the signal aborts (never, without a signal). */
export function untilAborted(signal: AbortSignalLike | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal === undefined) return;
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** Exit status of a process ended by Ctrl-C (SIGINT), as bash reports it. */
export const EXIT_INTERRUPTED = 130;
