// Replays an article command by command in a fresh lab, through the same
// entry points a person uses: `chainlab exec NODE -- LINE` and
// `chainlab kubectl …`, in process, with simulated time fast-forwarded
// between commands as a person's typing would let it pass.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../core/host/cli/main.js';
import type { CliIO } from '../../../core/host/cli/io.js';
import { advanceLab } from '../../../core/host/lab/session.js';

export interface Shown { out: string; err: string; code: number }

export interface Replay {
  exec(node: string, line: string, opts?: { user?: string }): Promise<Shown>;
  kubectl(...args: string[]): Promise<Shown>;
  /** Lets simulated time pass (a person reading, typing). */
  wait(ms: number): Promise<void>;
  done(): Promise<void>;
}

export async function replay(upArgs: string[]): Promise<Replay> {
  const home = await mkdtemp(join(tmpdir(), 'chainlab-seed-'));
  const env = { CHAINLAB_HOME: home };
  const cli = async (argv: string[], stdin = ''): Promise<Shown> => {
    let out = '';
    let err = '';
    const io: CliIO = { stdout: (s) => { out += s; }, stderr: (s) => { err += s; }, readStdin: async () => stdin, env, cwd: home };
    const code = await runCli(argv, io);
    return { out, err, code };
  };
  const up = await cli(['up', ...upArgs]);
  if (up.code !== 0) throw new Error(`chainlab up failed: ${up.err}`);
  return {
    exec: async (node, line, opts) => {
      const r = await cli(['exec', ...(opts?.user ? ['--user', opts.user] : []), node, '--', line]);
      await advanceLab('lab', 1500, { env });
      return r;
    },
    kubectl: async (...args) => {
      const r = await cli(['kubectl', ...args]);
      await advanceLab('lab', 1500, { env });
      return r;
    },
    wait: (ms) => advanceLab('lab', ms, { env }),
    done: () => rm(home, { recursive: true, force: true }),
  };
}

/** Non-empty lines, without trailing blanks. */
export const lines = (s: string): string[] => s.split('\n').map((l) => l.trimEnd()).filter((l) => l !== '');
