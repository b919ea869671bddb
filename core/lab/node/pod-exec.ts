// `kubectl exec POD -- CMD`: the few programs a container image has that the
// articles and labs use. Anything else gets the runtime's own error (exit 126
// for a missing executable, as containerd reports it).

import type { ExecIO, KubeObject } from '../cluster/api.js';
import type { SimRuntime } from '../sim/runtime.js';
import { imageName } from '../sim/runtime.js';

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
  io.stderr(`error: Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "${'0'.repeat(8)}": OCI runtime exec failed: exec failed: unable to start container process: exec: "${cmd}": executable file not found in $PATH: unknown\n`);
  return 126;
}
