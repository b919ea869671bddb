// Running commands in a mini-node container, through the Docker API.
import type Docker from 'dockerode';
import { PassThrough } from 'node:stream';

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they came, as a terminal shows them. */
  output: string;
  exitCode: number;
}

/** Runs argv in the container and waits for it (bounded by timeoutMs). */
export async function execIn(container: Docker.Container, cmd: string[], opts: { timeoutMs?: number; env?: string[] } = {}): Promise<ExecResult> {
  const exec = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, Tty: false, ...(opts.env ? { Env: opts.env } : {}) });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  let output = '';
  out.on('data', (c: Buffer) => { const s = c.toString('utf8'); stdout += s; output += s; });
  err.on('data', (c: Buffer) => { const s = c.toString('utf8'); stderr += s; output += s; });
  container.modem.demuxStream(stream, out, err);
  const timeoutMs = opts.timeoutMs ?? 60_000;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.destroy();
      reject(new Error(`command timed out after ${timeoutMs} ms in ${container.id.slice(0, 12)}: ${cmd.join(' ')}`));
    }, timeoutMs);
    stream.on('end', () => { clearTimeout(timer); resolve(); });
    stream.on('close', () => { clearTimeout(timer); resolve(); });
    stream.on('error', (e: Error) => { clearTimeout(timer); reject(e); });
  });
  const info = await exec.inspect();
  return { stdout, stderr, output, exitCode: info.ExitCode ?? 0 };
}

/** `sh -c SCRIPT`, failing with the script's output when it exits non-zero. */
export async function shIn(container: Docker.Container, script: string, what: string): Promise<string> {
  const r = await execIn(container, ['sh', '-c', script]);
  if (r.exitCode !== 0) throw new Error(`${what} failed (exit ${r.exitCode}): ${r.output.trim().slice(-600)}`);
  return r.stdout;
}
