// kubectl in a docker node's shell. The API server lives on the host (the
// lab's brain), and the node image has no kubectl, so a line that starts with
// kubectl is split:
//   supported:  `kubectl …` alone (runs in the brain, as in the sim backend);
//               `kubectl … | CMD …` (kubectl runs in the brain, its stdout is
//               piped into the rest of the line run by the node's real bash,
//               so the node's real jq, grep, awk, column… see it);
//               a leading `sudo` (root needs none in the node).
//   not supported (the whole line goes to the brain's shell instead):
//               kubectl after the first word (`x=$(kubectl …)`, `cmd | kubectl`),
//               `kubectl … && …`, `;`, redirections of kubectl itself, and
//               `kubectl apply -f FILE` of a file written in the node.

export interface KubectlPipeline {
  /** The kubectl command (from `kubectl`, without a leading sudo). */
  kubectl: string;
  /** The rest of the pipeline after the first `|`, for the node's shell ('' when none). */
  rest: string;
}

const KUBECTL = /^\s*(?:sudo\s+)?(kubectl(?:\s|$))/;

/** Whether a node-shell line is a kubectl line at all. */
export function isKubectlLine(line: string): boolean {
  return KUBECTL.test(line);
}

/**
 * Splits `kubectl ARGS | REST` at the first pipe outside quotes. Undefined
 * when the kubectl part holds anything the split cannot keep the meaning of
 * (`;`, `&`, `>`, `<`, `$(`, backquote, a newline), so the caller falls back.
 */
export function splitKubectlPipeline(line: string): KubectlPipeline | undefined {
  const m = KUBECTL.exec(line);
  if (!m) return undefined;
  const s = line.slice(m.index + m[0].length - m[1]!.length);
  let quote: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '\\') i++;
    else if (c === '|') {
      if (s[i + 1] === '|') return undefined;
      const rest = s.slice(i + 1).trim();
      return rest === '' ? undefined : { kubectl: s.slice(0, i).trim(), rest };
    } else if (';&<>`\n'.includes(c) || (c === '$' && s[i + 1] === '(')) return undefined;
  }
  return quote ? undefined : { kubectl: s.trim(), rest: '' };
}

/** `bash -c` argv that feeds `input` (as base64 arguments of at most 100 kB each) to REST's stdin. */
export function pipeIntoNode(input: string, rest: string): string[] {
  const b64 = Buffer.from(input).toString('base64');
  const chunks: string[] = [];
  for (let i = 0; i < b64.length; i += 100_000) chunks.push(b64.slice(i, i + 100_000));
  return ['bash', '-c', 'rest=$1; shift; printf %s "$@" | base64 -d | bash -c "$rest"', 'bash', rest, ...chunks];
}
