// kubectl in a docker node's shell. The API server lives on the host (the
// lab's brain), and the node image has no kubectl, so a line that starts with
// kubectl is split:
//   supported:  `kubectl …` alone (runs in the brain, as in the sim backend);
//               `kubectl … | CMD …` (kubectl runs in the brain, its stdout is
//               piped into the rest of the line run by the node's real bash,
//               so the node's real jq, grep, awk, column… see it);
//               a leading `sudo` (root needs none in the node);
//               `kubectl apply|create -f FILE` of a file in the node (read
//               from the node, applied in the API server).
//   not supported (the whole line goes to the brain's shell instead):
//               kubectl after the first word (`x=$(kubectl …)`, `cmd | kubectl`),
//               `kubectl … && …`, `;`, redirections of kubectl itself, and
//               kubectl inside a multi-line script or an interactive terminal:
//               there the node's `kubectl` is a stub that says so.

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

/** `kubectl apply -f FILE` / `kubectl create -f FILE` with one local file: the FILE, else undefined. */
export function manifestFileOf(kubectl: string): { verb: 'apply' | 'create'; file: string } | undefined {
  const m = /^kubectl\s+(apply|create)\s+(?:-f|--filename)[=\s]\s*(\S+)\s*$/.exec(kubectl);
  if (!m || m[2] === '-' || /^https?:/.test(m[2]!)) return undefined;
  return { verb: m[1] as 'apply' | 'create', file: m[2]! };
}

/** The node's `kubectl`: the API server is not reachable from inside a node, so it says where kubectl works. */
export const KUBECTL_STUB = `#!/bin/sh
echo "kubectl: in a Chainlab docker node, kubectl runs against the lab's API server on the host:" >&2
echo "  start the line with kubectl (kubectl get po, kubectl get po -o json | jq ...), or use the cluster console." >&2
exit 127
`;
