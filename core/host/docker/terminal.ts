// A node terminal of the docker backend: `docker exec -it NODE bash` through
// the Docker API, with a TTY (resize, Ctrl-C and colours are the real ones).
import type Docker from 'dockerode';
import type { TerminalSession } from '../../lab/backend.js';

export async function dockerTerminal(container: Docker.Container, size: { cols: number; rows: number }): Promise<TerminalSession> {
  const exec = await container.exec({
    Cmd: ['bash', '-l'], AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: true,
    Env: ['TERM=xterm-256color', 'PS1=\\u@\\h:\\w\\$ '],
  });
  const stream = await exec.start({ hijack: true, stdin: true, Tty: true });
  await exec.resize({ h: size.rows, w: size.cols }).catch(() => {});
  const dataListeners = new Set<(d: string) => void>();
  const exitListeners = new Set<(code: number) => void>();
  stream.on('data', (chunk: Buffer) => {
    const s = chunk.toString('utf8');
    for (const l of dataListeners) l(s);
  });
  stream.on('end', () => {
    void exec.inspect().then((i) => { for (const l of exitListeners) l(i.ExitCode ?? 0); }, () => { for (const l of exitListeners) l(1); });
  });
  return {
    write: (data) => void stream.write(data),
    resize: (cols, rows) => void exec.resize({ h: rows, w: cols }).catch(() => {}),
    onData: (l) => { dataListeners.add(l); return () => dataListeners.delete(l); },
    onExit: (l) => { exitListeners.add(l); return () => exitListeners.delete(l); },
    close: () => stream.end(),
  };
}
