// `kubectl exec POD -- CMD`: the few programs a container image has that the
// articles and labs use. Anything else gets the runtime's own error (exit 126
// for a missing executable, as containerd reports it).

import type { ExecIO, KubeObject } from '../cluster/api.js';
import type { SimRuntime } from '../sim/runtime.js';
import { imageName } from '../sim/runtime.js';
import { connect } from './traffic.js';

export async function execInPod(rt: SimRuntime, pod: KubeObject, argv: string[], io: ExecIO): Promise<number> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) { io.stderr('error: you must specify at least one command for the container\n'); return 1; }
  const ns = pod.metadata.namespace ?? 'default';
  const img = imageName((pod.spec as { containers: { image: string }[] }).containers[0]?.image ?? '');
  switch (cmd) {
    case 'hostname': io.stdout(`${pod.metadata.name}\n`); return 0;
    case 'echo': io.stdout(`${args.join(' ')}\n`); return 0;
    case 'true': return 0;
    case 'false': return 1;
    case 'cat': {
      const files: Record<string, string> = {
        '/etc/hostname': `${pod.metadata.name}\n`,
        '/etc/resolv.conf': `search ${ns}.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n`,
        '/etc/hosts': `# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n${(pod.status as { podIP?: string }).podIP ?? ''}\t${pod.metadata.name}\n`,
      };
      let code = 0;
      for (const f of args) {
        if (files[f] !== undefined) io.stdout(files[f]);
        else if (img === 'nginx' && f === '/usr/share/nginx/html/index.html') io.stdout((await import('./http.js')).NGINX_INDEX);
        else { io.stderr(`cat: ${f}: No such file or directory\n`); code = 1; }
      }
      return code;
    }
    case 'env': {
      io.stdout(`PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nHOSTNAME=${pod.metadata.name}\nKUBERNETES_SERVICE_HOST=10.96.0.1\nKUBERNETES_SERVICE_PORT=443\nHOME=/root\n`);
      return 0;
    }
    case 'curl':
      return podCurl(rt, pod, args, io);
    case 'nginx':
      if (img === 'nginx' && args[0] === '-v') { io.stderr('nginx version: nginx/1.27.4\n'); return 0; }
      break;
    case 'sh': case 'bash': case '/bin/sh': case '/bin/bash':
      if (args[0] === '-c' && args[1] !== undefined) {
        let code = 0;
        for (const part of args[1].split(/\s*(?:;|&&)\s*/)) {
          if (part.trim() === '') continue;
          code = await execInPod(rt, pod, part.trim().split(/\s+/), io);
        }
        return code;
      }
      io.stderr('Unable to use a TTY - input is not a terminal or the right kind of file\n');
      return 0;
  }
  io.stderr(missingExecutable(cmd));
  return MISSING_EXECUTABLE_EXIT;
}

/** What kubectl prints when the container has no such program (containerd's words), and its exit status. */
export function missingExecutable(cmd: string): string {
  return `error: Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "${'0'.repeat(8)}": OCI runtime exec failed: exec failed: unable to start container process: exec: "${cmd}": executable file not found in $PATH: unknown\n`;
}
export const MISSING_EXECUTABLE_EXIT = 126;

/** `curl [-s] [-S] [-I] [-m SECS] [-X METHOD] URL` from inside a pod: through its node's rules (ingress pod), as curl 7.88 words its errors. */
async function podCurl(rt: SimRuntime, pod: KubeObject, args: string[], io: ExecIO): Promise<number> {
  let head = false;
  let silent = false;
  let showErr = false;
  let method: string | undefined;
  let timeoutMs: number | undefined;
  let url: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-I' || a === '--head') head = true;
    else if (a === '-s' || a === '--silent') silent = true;
    else if (a === '-S' || a === '--show-error') showErr = true;
    else if (a === '-sS' || a === '-Ss') { silent = true; showErr = true; }
    else if (a === '-m' || a === '--max-time') timeoutMs = Number(args[++i]) * 1000;
    else if (a === '-X' || a === '--request') method = args[++i];
    else if (a.startsWith('-X')) method = a.slice(2);
    else if (!a.startsWith('-')) url = a;
  }
  if (url === undefined) { io.stderr("curl: try 'curl --help' or 'curl --manual' for more information\n"); return 2; }
  const m = /^(?:(https?):\/\/)?([^/:]+)(?::(\d+))?(\/.*)?$/.exec(url);
  if (!m) { io.stderr(`curl: (3) URL using bad/illegal format or missing URL\n`); return 3; }
  const scheme = (m[1] ?? 'http') as 'http' | 'https';
  const host = m[2]!;
  const port = m[3] ? Number(m[3]) : scheme === 'https' ? 443 : 80;
  const nodeName = (pod.spec as { nodeName?: string }).nodeName ?? '';
  const node = rt.node(nodeName);
  if (!node) return 7;
  const { result } = await connect(rt, { kind: 'pod', node, pod }, {
    host, port, scheme, method: method ?? (head ? 'HEAD' : 'GET'), path: m[4] ?? '/', headers: [['Host', host], ['User-Agent', 'curl/7.88.1'], ['Accept', '*/*']],
    ...(timeoutMs !== undefined ? { timeoutMs } : {}), user: 'root',
  }, io.signal);
  const fail = (code: number, text: string): number => { if (!silent || showErr) io.stderr(`curl: (${code}) ${text}\n`); return code; };
  switch (result.kind) {
    case 'response':
      if (head) io.stdout(`HTTP/${result.httpVersion} ${result.status} ${result.reason}\r\n${result.headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
      else io.stdout(result.body);
      return 0;
    case 'unresolved': return fail(6, `Could not resolve host: ${host}`);
    case 'refused': return fail(7, `Failed to connect to ${host} port ${port} after ${result.elapsedMs} ms: Couldn't connect to server`);
    case 'unreachable': return fail(7, `Failed to connect to ${host} port ${port} after ${result.elapsedMs} ms: ${result.reason === 'no-route' ? 'No route to host' : 'Network is unreachable'}`);
    case 'timeout': return fail(28, `Connection timed out after ${result.elapsedMs} milliseconds`);
    case 'empty-reply': return fail(52, 'Empty reply from server');
    case 'reset': return fail(56, 'Recv failure: Connection reset by peer');
  }
}
