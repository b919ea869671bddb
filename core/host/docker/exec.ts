// Running commands in a mini-node container, through the Docker API.
import type Docker from 'dockerode';
import { PassThrough } from 'node:stream';

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they came, as a terminal shows them. */
  output: string;
  exitCode: number;
}

/** Runs argv in the container and waits for it (bounded by timeoutMs). */
export async function execIn(container: Docker.Container, cmd: string[], opts: { timeoutMs?: number; env?: string[] } = {}): Promise<ExecResult> {
  const exec = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, Tty: false, ...(opts.env ? { Env: opts.env } : {}) });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  let output = '';
  out.on('data', (c: Buffer) => { const s = c.toString('utf8'); stdout += s; output += s; });
  err.on('data', (c: Buffer) => { const s = c.toString('utf8'); stderr += s; output += s; });
  container.modem.demuxStream(stream, out, err);
  const timeoutMs = opts.timeoutMs ?? 60_000;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.destroy();
      reject(new Error(`command timed out after ${timeoutMs} ms in ${container.id.slice(0, 12)}: ${cmd.join(' ')}`));
    }, timeoutMs);
    stream.on('end', () => { clearTimeout(timer); resolve(); });
    stream.on('close', () => { clearTimeout(timer); resolve(); });
    stream.on('error', (e: Error) => { clearTimeout(timer); reject(e); });
  });
  const info = await exec.inspect();
  return { stdout, stderr, output, exitCode: info.ExitCode ?? 0 };
}

/** `sh -c SCRIPT`, failing with the script's output when it exits non-zero. */
export async function shIn(container: Docker.Container, script: string, what: string): Promise<string> {
  const r = await execIn(container, ['sh', '-c', script]);
  if (r.exitCode !== 0) throw new Error(`${what} failed (exit ${r.exitCode}): ${r.output.trim().slice(-600)}`);
  return r.stdout;
}

// A docker exec costs a round of Engine API calls and a runc exec: ~0.3 s on
// an idle machine, seconds on a loaded one. The host's own work in a node
// (syncs, read-backs, kubelet's pgrep) goes through one long-lived exec per
// node instead: a small Python loop that runs each request as a child process
// and answers with one JSON line. A user's command line keeps its own docker
// exec (a shell of its own, as a terminal has).
export const CHANNEL_PATH = '/usr/local/lib/chainlab/channel.py';

const CHANNEL_PY = `# Chainlab's host channel: runs the host's requests (one JSON line each) and
# answers each with one JSON line; output goes to files, so a server a request
# starts in the background cannot hold the answer back.
import base64, json, os, signal, subprocess, sys, tempfile, threading, time
out, lock = sys.stdout.buffer, threading.Lock()
KP = "/var/lib/kube-proxy"
def answer(res):
    with lock:
        out.write((json.dumps(res) + "\\n").encode()); out.flush()
def pids(name):
    found = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/comm" % d) as f:
                    if f.read().strip() == name: found.append(int(d))
            except OSError:
                pass
    return found
# A sync without a process per step: the state written by rename, kube-proxy
# signalled, its "applied GENERATION MS" awaited (bounded), then iptables-save -c.
def sync(req, res):
    if req.get("state") is not None:
        with open(KP + "/state.json.tmp", "wb") as f: f.write(base64.b64decode(req["state"]))
        os.replace(KP + "/state.json.tmp", KP + "/state.json")
        if req.get("wait"):
            for p in pids("kube-proxy"):
                try: os.kill(p, signal.SIGUSR1)
                except OSError: pass
            res["applied"], end, n = "timeout", time.monotonic() + req.get("waitTimeout", 3), 0
            while time.monotonic() < end:
                try:
                    with open(KP + "/applied") as f: a = f.read().split()
                    if int(a[0]) >= req["generation"]: res["applied"] = " ".join(a[:2]); break
                except (OSError, ValueError, IndexError):
                    pass
                n += 1
                if n % 20 == 0 and not pids("kube-proxy"): res["applied"] = "dead"; break
                time.sleep(0.005)
    p = subprocess.run(["iptables-save", "-c"], stdin=subprocess.DEVNULL, capture_output=True)
    res["code"], res["stdout"], res["stderr"] = p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
def run(req):
    res = {"id": req["id"], "code": 127, "stdout": "", "stderr": ""}
    try:
        if req.get("op") == "sync":
            sync(req, res); answer(res); return
        with tempfile.TemporaryFile() as o, tempfile.TemporaryFile() as e, open(os.devnull, "rb") as i:
            p = subprocess.Popen(req["argv"], stdin=i, stdout=o, stderr=e, cwd="/")
            try:
                res["code"] = p.wait(timeout=req.get("timeout", 60))
            except subprocess.TimeoutExpired:
                p.kill(); p.wait(); res["code"] = 124; res["timedOut"] = True
            o.seek(0); e.seek(0)
            res["stdout"] = o.read().decode("utf-8", "replace"); res["stderr"] = e.read().decode("utf-8", "replace")
    except Exception as x:
        res["stderr"] = "chainlab channel: %s" % x
    answer(res)
for line in sys.stdin.buffer:
    threading.Thread(target=run, args=(json.loads(line),), daemon=True).start()
`;

interface ChannelAnswer { id: number; code: number; stdout: string; stderr: string; timedOut?: boolean; applied?: string }

/** What a node sync gives back: `iptables-save -c` and what the wait for kube-proxy saw. */
export interface NodeSyncAnswer {
  save: string;
  exitCode: number;
  stderr: string;
  /** `GEN ELAPSED_MS` (applied), `dead`, `timeout`, or undefined (no state written or no wait). */
  applied?: string;
}

/** The long-lived exec of one node; requests run concurrently, each answered by id. */
export class NodeChannel {
  private nextId = 1;
  private pending = new Map<number, { resolve: (r: ChannelAnswer) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }>();
  private ended: Error | undefined;
  private endListeners = new Set<(e: Error) => void>();

  private constructor(private readonly container: Docker.Container, private readonly stream: NodeJS.ReadWriteStream & { destroy(): void }) {}

  /** Installs the channel script (idempotent) and starts it: one docker exec. */
  static async open(container: Docker.Container): Promise<NodeChannel> {
    const b64 = Buffer.from(CHANNEL_PY).toString('base64');
    const exec = await container.exec({
      Cmd: ['sh', '-c', `mkdir -p /usr/local/lib/chainlab && printf %s "$1" | base64 -d > ${CHANNEL_PATH} && exec python3 -u ${CHANNEL_PATH}`, 'sh', b64],
      AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false,
    });
    const stream = (await exec.start({ hijack: true, stdin: true })) as NodeJS.ReadWriteStream & { destroy(): void };
    const ch = new NodeChannel(container, stream);
    const out = new PassThrough();
    const err = new PassThrough();
    let buf = '';
    let errText = '';
    out.on('data', (c: Buffer) => {
      buf += c.toString('utf8');
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let a: ChannelAnswer;
        try {
          a = JSON.parse(line) as ChannelAnswer;
        } catch {
          // Not the channel speaking: the engine or runtime (`OCI runtime exec failed: …`).
          ch.end(new Error(`the host channel into ${container.id.slice(0, 12)} failed: ${line.slice(0, 300)}`));
          continue;
        }
        ch.answer(a);
      }
    });
    err.on('data', (c: Buffer) => { errText = (errText + c.toString('utf8')).slice(-2000); });
    container.modem.demuxStream(stream, out, err);
    const end = (why: string): void => ch.end(new Error(`the host channel into ${container.id.slice(0, 12)} ended (${why})${errText.trim() ? `: ${errText.trim()}` : ''}`));
    stream.on('end', () => end('stream end'));
    stream.on('close', () => end('stream closed'));
    stream.on('error', (e: Error) => end(e.message));
    return ch;
  }

  get alive(): boolean {
    return this.ended === undefined;
  }

  /** Called once when the channel ends (node stopped, engine gone, channel killed). */
  onEnd(listener: (e: Error) => void): () => void {
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  /** Runs argv in the node (no stdin), like execIn; output and stderr are not interleaved (output = stdout + stderr). */
  async run(cmd: string[], opts: { timeoutMs?: number } = {}): Promise<ExecResult> {
    const timeoutMs = opts.timeoutMs ?? 60_000;
    const a = await this.request({ argv: cmd, timeout: timeoutMs / 1000 }, timeoutMs, cmd.join(' '));
    return { stdout: a.stdout, stderr: a.stderr, output: a.stdout + a.stderr, exitCode: a.code };
  }

  /**
   * Writes kube-proxy's state (base64 of its JSON) into the node, signals it and
   * waits (at most 3 s) until it reports the generation applied, then reads the
   * rules back: all in the channel, no process but iptables-save.
   */
  async sync(opts: { stateB64?: string; generation: number; waitForKubeProxy: boolean }): Promise<NodeSyncAnswer> {
    const a = await this.request({ op: 'sync', generation: opts.generation, wait: opts.waitForKubeProxy, waitTimeout: 3, ...(opts.stateB64 !== undefined ? { state: opts.stateB64 } : {}) }, 30_000, 'sync');
    return { save: a.stdout, exitCode: a.code, stderr: a.stderr, ...(a.applied !== undefined && a.applied !== null ? { applied: a.applied } : {}) };
  }

  private request(body: Record<string, unknown>, timeoutMs: number, what: string): Promise<ChannelAnswer> {
    if (this.ended) return Promise.reject(this.ended);
    const id = this.nextId++;
    return new Promise<ChannelAnswer>((resolve, reject) => {
      // The node kills a child at the deadline; this timer is for a channel that stopped answering.
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`command timed out after ${timeoutMs} ms in ${this.container.id.slice(0, 12)}: ${what.slice(0, 200)}`));
      }, timeoutMs + 5000);
      this.pending.set(id, { resolve, reject, timer });
      this.stream.write(`${JSON.stringify({ id, ...body })}\n`);
    });
  }

  private answer(a: ChannelAnswer): void {
    const p = this.pending.get(a.id);
    if (!p) return;
    this.pending.delete(a.id);
    clearTimeout(p.timer);
    if (a.timedOut) p.reject(new Error(`command timed out in ${this.container.id.slice(0, 12)} (killed by the node)`));
    else p.resolve(a);
  }

  private end(e: Error): void {
    if (this.ended) return;
    this.ended = e;
    for (const [, p] of this.pending) { clearTimeout(p.timer); p.reject(e); }
    this.pending.clear();
    for (const l of [...this.endListeners]) l(e);
  }

  close(): void {
    this.end(new Error('the host channel was closed'));
    this.stream.destroy();
  }
}
