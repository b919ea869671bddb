// kubectl inside a docker node. The API server lives in the host process (the
// lab's brain), so the node's /usr/local/bin/kubectl is a small client that
// forwards argv, the stdin of `-f -` and of `exec/run -i`, and the files `-f` names (read in the
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
export const RELAY_PROGRAM = '/usr/local/lib/chainlab/kubectl-relay.py';
export const RELAY_DIR = '/run/chainlab';

/**
 * The node's `kubectl` (Node.js 18, no dependencies). Every relay has its own
 * socket (kubectl-PID.sock); the client tries the newest first, so a second
 * host process attached meanwhile (a `chainlab exec` while the app runs)
 * answers, and the app's relay again once that process is gone.
 */
export const NODE_PROGRAM = String.raw`// Chainlab: kubectl in a docker node (written by the host; see kubectl-forward.ts).
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';

const DIR = '/run/chainlab';
const NOT_ATTACHED = 'kubectl: no Chainlab process is attached to this lab, so this node cannot reach its API server;\n' +
  'run "chainlab kubectl ..." on your machine, or open the lab in the Chainlab app (its node terminals have kubectl).\n';

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

function passesStdin(argv) {
  const dd = argv.indexOf('--');
  const opts = dd < 0 ? argv : argv.slice(0, dd);
  return (opts.includes('exec') || opts.includes('run')) && opts.some((a) => a === '--stdin' || a === '--stdin=true' || /^-[a-zA-Z]*i[a-zA-Z]*$/.test(a));
}

function client() {
  const argv = process.argv.slice(2);
  const cwd = process.cwd();
  const files = {};
  const dirs = {};
  let stdin;
  // exec/run -i: the program in the pod reads this stdin (a terminal's is left alone: no interactive shells here).
  if (passesStdin(argv) && !process.stdin.isTTY) stdin = readStdin();
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

client();
`;

/**
 * The relay (Python 3: a third of Node's memory, and it idles in every node):
 * each client's request goes to the host with an id, the host's answers go
 * back to that client; a client that leaves early (Ctrl-C) is an abort.
 */
export const RELAY_PY = String.raw`# Chainlab: the kubectl relay of a docker node (written by the host; see kubectl-forward.ts).
import json, os, socket, sys, threading
DIR = "/run/chainlab"
os.makedirs(DIR, exist_ok=True)
path = os.path.join(DIR, "kubectl-%d.sock" % os.getpid())
try:
    os.unlink(path)
except FileNotFoundError:
    pass
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(64)
lock = threading.Lock()
conns, nxt = {}, [1]
out = sys.stdout.buffer
NL = b"\n"
def send(m):
    with lock:
        out.write(json.dumps(m).encode() + NL); out.flush()
def serve(c):
    buf = b""
    while NL not in buf:
        d = c.recv(65536)
        if not d:
            c.close(); return
        buf += d
    try:
        req = json.loads(buf.split(NL, 1)[0])
    except ValueError:
        c.sendall(json.dumps({"t": "exit", "code": 1, "err": "kubectl: bad request\n"}).encode() + NL); c.close(); return
    with lock:
        i = nxt[0]; nxt[0] += 1; conns[i] = c
    req.update(t="req", id=i)
    send(req)
    try:
        while c.recv(65536):
            pass
    except OSError:
        pass
    with lock:
        left = conns.pop(i, None)
    if left is not None:
        send({"t": "abort", "id": i})
    c.close()
def accept():
    while True:
        c, _ = srv.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()
threading.Thread(target=accept, daemon=True).start()
send({"t": "ready"})
for line in sys.stdin.buffer:
    try:
        m = json.loads(line)
    except ValueError:
        continue
    with lock:
        c = conns.get(m.get("id"))
        if c is not None and m.get("t") == "exit":
            del conns[m["id"]]
    if c is None:
        continue
    try:
        c.sendall(json.dumps(m).encode() + NL)
        if m.get("t") == "exit":
            c.shutdown(socket.SHUT_WR)
    except OSError:
        pass
os.unlink(path)
`;

const b64 = (text: string): string => Buffer.from(text).toString('base64');

/** The shell that installs the node's `kubectl` (at node start, so it is there before any relay). */
export function installKubectlScript(): string {
  return [
    `mkdir -p ${RELAY_DIR} /usr/local/lib/chainlab`,
    `echo '${b64(NODE_PROGRAM)}' | base64 -d > ${KUBECTL_PROGRAM}.tmp && mv ${KUBECTL_PROGRAM}.tmp ${KUBECTL_PROGRAM}`,
    `printf '#!/bin/sh\\n# kubectl of a Chainlab node: forwards to the lab on the host\\nexec node ${KUBECTL_PROGRAM} "$@"\\n' > /usr/local/bin/kubectl.tmp && chmod +x /usr/local/bin/kubectl.tmp && mv /usr/local/bin/kubectl.tmp /usr/local/bin/kubectl`,
  ].join(' && ');
}

/** The shell that installs kubectl again (a node made by an older Chainlab) and the relay, then becomes the relay. */
export function relayScript(): string {
  return [
    installKubectlScript(),
    `echo '${b64(RELAY_PY)}' | base64 -d > ${RELAY_PROGRAM}.tmp && mv ${RELAY_PROGRAM}.tmp ${RELAY_PROGRAM}`,
    // A name of its own in ps, so nobody takes it for a pod's python.
    'ln -sf "$(command -v python3)" /usr/local/bin/chainlab-relay',
    `exec chainlab-relay -u ${RELAY_PROGRAM}`,
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
