// `kubectl exec POD -- CMD` on a docker lab: the command runs for real in the
// pod's network namespace on its node (the programs are the node image's: a
// Chainlab pod is a network namespace, not an image of its own), with the pod's
// name as hostname, its resolv.conf (ip netns exec binds /etc/netns/<ns>) and its
// exit status. Ctrl-C (the caller's signal) interrupts it, as it would a
// container's process.
import type Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import type { ExecIO } from '../../lab/cluster/api.js';
import { missingExecutable, MISSING_EXECUTABLE_EXIT } from '../../lab/node/pod-exec.js';

/** The script's own status when the program is not in the node image (a program's 199 is rare, and only mapped before it runs). */
const NOT_FOUND = 199;

/**
 * The script run in the node. `$1` the namespace ('' for a hostNetwork pod),
 * `$2` the pod's name, `$3` where the pid goes, the rest the command. The pid
 * stays the same through every exec, so the host can signal the command.
 */
const SCRIPT = [
  'ns="$1"; pod="$2"; pidfile="$3"; shift 3',
  `command -v "$1" >/dev/null 2>&1 || exit ${NOT_FOUND}`,
  'echo $$ > "$pidfile"',
  // Ctrl-C before the program started (a busy engine is slow to start an exec): the host left this mark.
  '[ -e "$pidfile.abort" ] && exit 130',
  'if [ -z "$ns" ]; then exec "$@"; fi',
  // unshare --uts: the hostname is the pod's, as in a pod's container.
  `exec ip netns exec "$ns" unshare --uts sh -c 'hostname "$0"; exec "$@"' "$pod" "$@"`,
].join('\n');

let seq = 0;

/** What the host does with the command's pid file: signal the command, or remove the file once it ended. */
export type PidAction = 'INT' | 'KILL' | 'cleanup';

/**
 * The shell line (run in the node) for a PidAction. INT first leaves the abort
 * mark the script looks at before it starts the program, then signals the pid
 * if the script has written it: whichever comes first, the program stops.
 */
export function pidActionScript(pidfile: string, action: PidAction): string {
  if (action === 'cleanup') return `rm -f ${pidfile} ${pidfile}.abort`;
  return `${action === 'INT' ? `touch ${pidfile}.abort; ` : ''}[ -s ${pidfile} ] && kill -${action} "$(cat ${pidfile})" 2>/dev/null; true`;
}

/** Runs argv in the pod (netns null: a hostNetwork pod, the node's own namespace); resolves with its exit status. */
export async function execInPodNamespace(
  container: Docker.Container,
  target: { netns: string | null; pod: string },
  argv: string[],
  io: ExecIO,
  onPid: (pidfile: string, action: PidAction) => Promise<void>,
): Promise<number> {
  // Read each time: the signal may fire during any await below.
  const aborted = (): boolean => io.signal?.aborted === true;
  // Ctrl-C before anything started: nothing to start.
  if (aborted()) return 130;
  const pidfile = `/run/chainlab-pod-exec-${process.pid}-${++seq}.pid`;
  const withStdin = io.stdin !== '';
  const exec = await container.exec({
    Cmd: ['sh', '-c', SCRIPT, 'pod-exec', target.netns ?? '', target.pod, pidfile, ...argv],
    AttachStdout: true, AttachStderr: true, AttachStdin: withStdin, Tty: false,
  });
  const stream = await exec.start({ hijack: true, stdin: withStdin });
  const out = new PassThrough();
  const err = new PassThrough();
  out.on('data', (c: Buffer) => io.stdout(c.toString('utf8')));
  err.on('data', (c: Buffer) => io.stderr(c.toString('utf8')));
  container.modem.demuxStream(stream, out, err);
  if (withStdin) stream.end(io.stdin);

  let interrupted = false;
  let ended = false;
  const onAbort = (): void => {
    interrupted = true;
    // Ctrl-C, then the hard way if the program ignores it.
    void onPid(pidfile, 'INT').then(() => new Promise((r) => setTimeout(r, 2000))).then(() => (ended ? undefined : onPid(pidfile, 'KILL'))).catch((e: Error) => io.stderr(`interrupting the command failed: ${e.message}\n`));
  };
  if (aborted()) onAbort();
  else io.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', reject);
    });
  } finally {
    io.signal?.removeEventListener('abort', onAbort);
    ended = true;
    // A leftover pid file is harmless (one small file in /run), so a failure is only said on the console.
    void onPid(pidfile, 'cleanup').catch((e: Error) => console.error(`chainlab: removing ${pidfile}: ${e.message}`));
  }
  const code = (await exec.inspect()).ExitCode ?? 0;
  if (code === NOT_FOUND && !interrupted) {
    io.stderr(missingExecutable(argv[0] ?? ''));
    return MISSING_EXECUTABLE_EXIT;
  }
  // 130 as a shell reports a Ctrl-C'd command.
  return interrupted && code !== 0 ? 130 : code;
}
