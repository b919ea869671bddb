// A node-shell line and the read-back of the rules it may have changed, in one
// docker exec, split by a marker line (lineWithReadBack, splitLineOutput).
// Cluster syncs no longer use nodeSyncScript: they go through the node's host
// channel (exec.ts, NodeChannel.sync), which waits for kube-proxy without a
// process per step; the script and its splitter stay for their unit test.

export const SAVE_MARKER = '=== chainlab: iptables-save -c ===';
const APPLIED_MARKER = '=== chainlab: applied ';

/** Base64 of the state in argv-sized pieces (one exec argument holds at most 128 KiB). */
export function stateChunks(stateJson: string, chunk = 100_000): string[] {
  const b64 = Buffer.from(stateJson).toString('base64');
  const out: string[] = [];
  for (let i = 0; i < b64.length; i += chunk) out.push(b64.slice(i, i + chunk));
  return out;
}

export interface NodeSyncPlan {
  /** Pod namespaces to create and delete (shell), or '' when none changed. */
  pods: string;
  /** The state to write (its chunks are passed as the script's arguments), when it changed. */
  generation?: number;
  /** Whether a live kube-proxy is expected to apply it. */
  waitForKubeProxy: boolean;
}

/**
 * The script `sh -c SCRIPT sh CHUNK…`: pods, then the state (atomically, by
 * rename), a SIGUSR1 so kube-proxy syncs at once, a bounded wait (3 s) for it
 * to report the generation, and `iptables-save -c` after the marker.
 */
export function nodeSyncScript(plan: NodeSyncPlan): string {
  const lines: string[] = [];
  if (plan.pods !== '') lines.push(`{ ${plan.pods}\n} || { echo "chainlab: pods failed" >&2; exit 5; }`);
  if (plan.generation !== undefined) {
    const dir = '/var/lib/kube-proxy';
    lines.push(`printf %s "$@" | base64 -d > ${dir}/state.json.tmp && mv ${dir}/state.json.tmp ${dir}/state.json || exit 6`);
    if (plan.waitForKubeProxy) {
      lines.push(
        'pkill -USR1 -x kube-proxy',
        `a=; for i in $(seq 1 150); do pgrep -x kube-proxy >/dev/null || { a=dead; break; }; set -- $(cat ${dir}/applied 2>/dev/null || echo 0 0); [ "$1" -ge ${plan.generation} ] && { a="$1 $2"; break; }; sleep 0.02; done`,
        `echo "${APPLIED_MARKER}\${a:-timeout} ==="`,
      );
    }
  }
  lines.push(`echo '${SAVE_MARKER}'`, 'iptables-save -c');
  return lines.join('\n');
}

export interface NodeSyncOutput {
  /** `iptables-save -c` as printed after the marker ('' when the marker is missing). */
  save: string;
  /** What the wait saw: `GEN ELAPSED_MS` (applied), `dead`, `timeout`, or undefined (no wait). */
  applied?: string;
  /** Output before the read-back (pod and state steps). */
  before: string;
}

export function splitNodeSyncOutput(stdout: string): NodeSyncOutput {
  const at = stdout.indexOf(`${SAVE_MARKER}\n`);
  const head = at < 0 ? stdout : stdout.slice(0, at);
  const save = at < 0 ? '' : stdout.slice(at + SAVE_MARKER.length + 1);
  const m = new RegExp(`${APPLIED_MARKER}(.*) ===\\n`).exec(head);
  const out: NodeSyncOutput = { save, before: m ? head.replace(m[0], '') : head };
  if (m) out.applied = m[1]!;
  return out;
}

/**
 * A node-shell line followed by the read-back, in one exec: the line runs as
 * `bash -c` would run it (its own shell, so `exit` only ends it), then the
 * marker and `iptables-save -c` follow on stdout. The line's exit code is kept.
 */
export function lineWithReadBack(commandLine: string): string[] {
  return ['bash', '-c', `bash -c "$1"; rc=$?; echo '${SAVE_MARKER}'; iptables-save -c; exit $rc`, 'bash', commandLine];
}

/** Splits a line's output (stdout and interleaved output) from the read-back that follows the marker. */
export function splitLineOutput(r: { stdout: string; output: string }): { stdout: string; output: string; save: string | undefined } {
  const cut = (s: string): [string, string | undefined] => {
    const at = s.lastIndexOf(`${SAVE_MARKER}\n`);
    return at < 0 ? [s, undefined] : [s.slice(0, at), s.slice(at + SAVE_MARKER.length + 1)];
  };
  const [stdout, save] = cut(r.stdout);
  const [output] = cut(r.output);
  return { stdout, output, save };
}
