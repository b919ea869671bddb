// A node-shell line and the read-back of the rules it may have changed, in one
// docker exec, split by a marker line (lineWithReadBack, splitLineOutput).
// Cluster syncs go through the node's host channel (exec.ts, NodeChannel.sync).

export const SAVE_MARKER = '=== chainlab: iptables-save -c ===';

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
