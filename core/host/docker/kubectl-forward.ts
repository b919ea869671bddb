// kubectl inside a docker node. The API server lives in the host process (the
// lab's brain), so the node's /usr/local/bin/kubectl is a small client that
// forwards argv, the stdin of `-f -` and the files `-f` names (read in the
// node, from its cwd) to the host, and prints what comes back with kubectl's
// exit status. It works wherever a program works: an interactive terminal, a
// script, `$(kubectl …)`, `kubectl … | jq`, `watch kubectl get po`.
//
// The way back to the host is a relay the host runs in each node with a
// `docker exec` (no TTY): it listens on a unix socket under /run/chainlab and
// multiplexes every client's request over the exec's stdin/stdout, one JSON
// line per message. Nothing is bind-mounted, so it works with any engine
// (Docker Desktop and Podman run containers in a VM where a host socket cannot
// be mounted) and with nodes created before. The relay lives as long as the
// host process that owns the lab: when that process ends, dockerd closes the
// exec's stdin, the relay removes its socket and exits, and the client says
// that no Chainlab process is attached.
import type Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import { z } from 'zod';
import type { KubectlFs } from '../../lab/kubectl/io.js';

/** Where the client and the relay live in the node. */
export const KUBECTL_PROGRAM = '/usr/local/lib/chainlab/kubectl.mjs';
export const RELAY_DIR = '/run/chainlab';

/**
 * The in-node program (Node.js 18, no dependencies): `kubectl ARGS` is the
 * client, `--chainlab-relay` the relay. Every relay has its own socket
 * (kubectl-PID.sock); the client tries the newest first, so a second host
 * process attached meanwhile (a `chainlab exec` while the app runs) answers,
 * and the app's relay again once that process is gone.
 */
export const NODE_PROGRAM = String.raw`// Chainlab: kubectl in a docker node (written by the host; see kubectl-forward.ts).
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';

const DIR = '/run/chainlab';
const NOT_ATTACHED = 'kubectl: no Chainlab process is attached to this lab, so this node cannot reach its API server;\n' +
  'run "chainlab kubectl ..." on your machine, or open the lab in the Chainlab app (its node terminals have kubectl).\n';

function relay() {
  fs.mkdirSync(DIR, { recursive: true });
  const sock = path.join(DIR, 'kubectl-' + process.pid + '.sock');
  try { fs.unlinkSync(sock); } catch {}
  const conns = new Map();
  let next = 1;
  const send = (m) => process.stdout.write(JSON.stringify(m) + '\n');
  const server = net.createServer((c) => {
    let buf = '';
    let id = 0;
    c.setEncoding('utf8');
    c.on('data', (d) => {
      if (id !== 0) return;
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      id = next++;
      conns.set(id, c);
      let req;
      try { req = JSON.parse(buf.slice(0, nl)); } catch { c.end(JSON.stringify({ t: 'exit', code: 1, err: 'kubectl: bad request\n' }) + '\n'); return; }
      send({ t: 'req', id, ...req });
    });
    c.on('close', () => { if (id !== 0 && conns.delete(id)) send({ t: 'abort', id }); });
    c.on('error', () => {});
  });
  server.listen(sock, () => send({ t: 'ready' }));
  let inbuf = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (d) => {
    inbuf += d;
    for (let nl = inbuf.indexOf('\n'); nl >= 0; nl = inbuf.indexOf('\n')) {
      const line = inbuf.slice(0, nl);
      inbuf = inbuf.slice(nl + 1);
      let m;
      try { m = JSON.parse(line); } catch { continue; }
      const c = conns.get(m.id);
      if (!c) continue;
      if (m.t === 'exit') { conns.delete(m.id); c.end(JSON.stringify(m) + '\n'); } else c.write(JSON.stringify(m) + '\n');
    }
  });
  const quit = () => { try { fs.unlinkSync(sock); } catch {} process.exit(0); };
  process.stdin.on('end', quit);
  process.stdin.on('close', quit);
  process.on('SIGTERM', quit);
  process.on('SIGINT', quit);
}

function readStdin() {
  const chunks = [];
  for (;;) {
    const b = Buffer.alloc(65536);
    let n;
    try { n = fs.readSync(0, b, 0, b.length, null); } catch (e) { if (e.code === 'EAGAIN') continue; if (e.code === 'EOF') break; throw e; }
    if (n === 0) break;
    chunks.push(b.subarray(0, n));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The -f values of argv (-f X, -fX, -f=X, --filename X, --filename=X). */
function filenames(argv) {
  const out = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') break;
    if (a === '-f' || a === '--filename') { if (i + 1 < argv.length) out.push(argv[++i]); }
    else if (a.startsWith('--filename=')) out.push(a.slice(11));
    else if (a.startsWith('-f=')) out.push(a.slice(3));
    else if (/^-f[^-]/.test(a)) out.push(a.slice(2));
  }
  return out;
}

function client() {
  const argv = process.argv.slice(2);
  const cwd = process.cwd();
  const files = {};
  const dirs = {};
  let stdin;
  for (const name of filenames(argv)) {
    if (name === '-') { if (stdin === undefined) stdin = readStdin(); continue; }
    if (/^https?:\/\//.test(name)) continue;
    const p = path.resolve(cwd, name);
    let st;
    try { st = fs.statSync(p); } catch { continue; }
    if (st.isDirectory()) {
      const entries = fs.readdirSync(p).filter((e) => /\.(ya?ml|json)$/.test(e)).sort();
      dirs[p] = entries;
      for (const e of entries) { try { files[path.join(p, e)] = fs.readFileSync(path.join(p, e), 'utf8'); } catch {} }
    } else {
      try { files[p] = fs.readFileSync(p, 'utf8'); } catch {}
    }
  }
  let socks = [];
  try {
    socks = fs.readdirSync(DIR).filter((f) => /^kubectl-\d+\.sock$/.test(f)).map((f) => path.join(DIR, f));
    socks.sort((a, b) => { try { return fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs; } catch { return 0; } });
  } catch {}
  const req = JSON.stringify({ argv, cwd, files, dirs, ...(stdin !== undefined ? { stdin } : {}) }) + '\n';
  const tryNext = () => {
    const s = socks.shift();
    if (s === undefined) { process.stderr.write(NOT_ATTACHED); process.exit(1); }
    const c = net.createConnection(s);
    let connected = false;
    let buf = '';
    let code;
    c.setEncoding('utf8');
    c.on('connect', () => { connected = true; c.write(req); });
    c.on('data', (d) => {
      buf += d;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const m = JSON.parse(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if (m.t === 'out') process.stdout.write(m.s);
        else if (m.t === 'err') process.stderr.write(m.s);
        else if (m.t === 'exit') { if (m.err) process.stderr.write(m.err); code = m.code; }
      }
    });
    c.on('error', () => { if (!connected) tryNext(); });
    c.on('close', () => {
      if (!connected) return;
      if (code === undefined) { process.stderr.write('kubectl: the Chainlab process went away before kubectl finished\n'); code = 1; }
      const done = () => process.exit(code);
      if (process.stdout.writableLength > 0) process.stdout.once('drain', done); else done();
    });
  };
  // A reader that goes away (kubectl get po | head -1) is not an error.
  process.stdout.on('error', (e) => { if (e.code === 'EPIPE') process.exit(0); });
  tryNext();
}

if (process.argv[2] === '--chainlab-relay') relay(); else client();
`;

/** The shell that installs the program and the `kubectl` command, then becomes the relay. */
export function relayScript(): string {
  const b64 = Buffer.from(NODE_PROGRAM).toString('base64');
  return [
    `mkdir -p ${RELAY_DIR} /usr/local/lib/chainlab`,
    `echo '${b64}' | base64 -d > ${KUBECTL_PROGRAM}.tmp && mv ${KUBECTL_PROGRAM}.tmp ${KUBECTL_PROGRAM}`,
    `printf '#!/bin/sh\\n# kubectl of a Chainlab node: forwards to the lab on the host\\nexec node ${KUBECTL_PROGRAM} "$@"\\n' > /usr/local/bin/kubectl.tmp && chmod +x /usr/local/bin/kubectl.tmp && mv /usr/local/bin/kubectl.tmp /usr/local/bin/kubectl`,
    // A name of its own in ps, so nobody takes it for kube-proxy or a stray node.
    'ln -sf "$(command -v node)" /usr/local/bin/chainlab-relay',
    `exec chainlab-relay ${KUBECTL_PROGRAM} --chainlab-relay`,
  ].join(' && ');
}

const RequestSchema = z.object({
  t: z.literal('req'),
  id: z.number().int().positive(),
  argv: z.array(z.string()).max(1000),
  cwd: z.string(),
  files: z.record(z.string(), z.string()),
  dirs: z.record(z.string(), z.array(z.string())),
  stdin: z.string().optional(),
});
const AbortSchema = z.object({ t: z.literal('abort'), id: z.number().int() });

/** One kubectl run in a node, as the relay hands it to the host. */
export interface NodeKubectlRequest {
  argv: string[];
  /** The client's working directory in the node. */
  cwd: string;
  /** The node's files `-f` named, by absolute path (a directory's .yaml/.yml/.json files included). */
  files: Record<string, string>;
  /** The directories `-f` named, with their manifest file names. */
  dirs: Record<string, string[]>;
  /** Standard input, read only for `-f -`. */
  stdin?: string;
}

export interface NodeKubectlIO {
  stdout(s: string): void;
  stderr(s: string): void;
  /** Aborted when the client went away (Ctrl-C on `kubectl get -w`). */
  signal: AbortSignal;
}

export type NodeKubectlHandler = (req: NodeKubectlRequest, io: NodeKubectlIO) => Promise<number>;

/** `-f` reads from the files the client sent: the node's files, as kubectl in the node would see them. */
export function requestFs(req: Pick<NodeKubectlRequest, 'files' | 'dirs'>): KubectlFs {
  return {
    readFile: (p) => (p in req.dirs ? 'EISDIR' : req.files[p] ?? 'ENOENT'),
    readDir: (p) => req.dirs[p] ?? 'ENOENT',
    stat: (p) => (p in req.dirs ? { kind: 'dir' } : p in req.files ? { kind: 'file' } : 'ENOENT'),
  };
}

export interface KubectlRelay {
  /** Ends the relay and waits until it is gone (the node's kubectl then says no process is attached). */
  stop(): Promise<void>;
}

/**
 * Runs the relay in a node and serves its requests with `handler` until
 * stopped. A relay that dies while the host still wants it (someone ran
 * `pkill node` in the node) is started again after a second.
 */
export async function startKubectlRelay(container: Docker.Container, handler: NodeKubectlHandler, log: (line: string) => void): Promise<KubectlRelay> {
  let stopped = false;
  let current: { end(): Promise<void> } | undefined;
  let restarts = 0;
  const run = async (): Promise<void> => {
    const exec = await container.exec({ Cmd: ['sh', '-c', relayScript()], AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false });
    const stream = await exec.start({ hijack: true, stdin: true });
    const out = new PassThrough();
    const err = new PassThrough();
    container.modem.demuxStream(stream, out, err);
    const running = new Map<number, AbortController>();
    let readyWaiter = (): void => {};
    const send = (m: object): void => { if (!stream.destroyed) stream.write(`${JSON.stringify(m)}\n`); };
    let buf = '';
    out.setEncoding('utf8');
    out.on('data', (d: string) => {
      buf += d;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let msg: unknown;
        try { msg = JSON.parse(line); } catch { log(`kubectl relay: not a message: ${line.slice(0, 200)}`); continue; }
        if ((msg as { t?: unknown }).t === 'ready') { readyWaiter(); continue; }
        const abort = AbortSchema.safeParse(msg);
        if (abort.success) { running.get(abort.data.id)?.abort(); continue; }
        const req = RequestSchema.safeParse(msg);
        if (!req.success) {
          const id = (msg as { id?: unknown }).id;
          if (typeof id === 'number') send({ t: 'exit', id, code: 1, err: `kubectl: Chainlab could not read the request: ${req.error.issues[0]?.message ?? ''}\n` });
          continue;
        }
        const { id, t: _t, ...rest } = req.data;
        const ac = new AbortController();
        running.set(id, ac);
        const io: NodeKubectlIO = { stdout: (s) => send({ t: 'out', id, s }), stderr: (s) => send({ t: 'err', id, s }), signal: ac.signal };
        void handler(rest, io)
          .then((code) => send({ t: 'exit', id, code }), (e: unknown) => send({ t: 'exit', id, code: 1, err: `kubectl: ${(e as Error).message}\n` }))
          .finally(() => running.delete(id));
      }
    });
    err.on('data', (d: Buffer) => log(`kubectl relay in ${container.id.slice(0, 12)}: ${d.toString().trim()}`));
    // EOF on its stdin ends the relay; an engine that does not pass it on gets the connection closed after 5 s.
    current = {
      end: () => new Promise<void>((resolve) => {
        if (stream.destroyed) return resolve();
        const timer = setTimeout(() => { stream.destroy(); resolve(); }, 5000);
        stream.once('close', () => { clearTimeout(timer); resolve(); });
        stream.end();
      }),
    };
    // Served from the first message on; the caller waits for the socket to listen.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the kubectl relay did not start within 20 s')), 20_000);
      readyWaiter = () => { clearTimeout(timer); resolve(); };
      stream.once('close', () => { clearTimeout(timer); reject(new Error('the kubectl relay ended at start')); });
    });
    stream.on('close', () => {
      for (const ac of running.values()) ac.abort();
      if (stopped) return;
      if (restarts++ > 5) { log('kubectl relay: ended too often; kubectl inside the node stays unavailable'); return; }
      setTimeout(() => { if (!stopped) run().catch((e: Error) => log(`kubectl relay: could not restart: ${e.message}`)); }, 1000).unref();
    });
  };
  await run();
  return { stop: async () => { stopped = true; await current?.end(); } };
}
