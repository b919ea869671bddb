// What the docker tier's files share: bounded waiting, a GET from this machine
// (outside every node), the CLI as a person types it, and seed 000's nginx
// behind a NodePort.
import { request } from 'node:http';
import { runCli } from '../../core/host/cli/main.js';

/** Polls `f` until it answers something, at most `ms`; the error names what never came. */
export async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 30_000, everyMs = 250): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await f();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** GET http://host:port/ from this machine (outside every node), bounded by 5 s. */
export function httpGet(host: string, port: number): Promise<{ status: number; server: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: '/', method: 'GET', timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, server: String(res.headers.server ?? ''), body }));
    });
    req.on('timeout', () => req.destroy(new Error(`timed out: ${host}:${port}`)));
    req.on('error', reject);
    req.end();
  });
}

/** `chainlab ARGS…` in this process, with its own CHAINLAB_HOME: what it printed and its exit status. */
export function cliWithHome(home: string): (...argv: string[]) => Promise<{ out: string; err: string; code: number }> {
  return async (...argv) => {
    let out = '';
    let err = '';
    const code = await runCli(argv, {
      stdout: (s) => { out += s; }, stderr: (s) => { err += s; },
      readStdin: async () => '', env: { ...process.env, CHAINLAB_HOME: home }, cwd: process.cwd(),
    });
    return { out, err, code };
  };
}

/** An nginx Deployment and its NodePort Service (seed 000's shape), as YAML for `apply`. */
export function nginxNodePort(replicas: number, nodePort: number): string {
  return `
apiVersion: apps/v1
kind: Deployment
metadata: {name: nginx, namespace: default}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: nginx}}
  template:
    metadata: {labels: {app: nginx}}
    spec:
      containers:
      - {name: nginx, image: nginx, ports: [{containerPort: 80, name: http}]}
---
apiVersion: v1
kind: Service
metadata: {name: nginx, namespace: default}
spec:
  type: NodePort
  selector: {app: nginx}
  ports: [{name: http, port: 80, targetPort: 80, nodePort: ${nodePort}}]
`;
}
