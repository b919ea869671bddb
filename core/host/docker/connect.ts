// Finding a Docker engine the way the docker CLI does: DOCKER_HOST, then the
// docker context (DOCKER_CONTEXT or config.json's currentContext), then the
// default sockets of Docker Engine, Docker Desktop, Podman, Colima and Rancher
// Desktop. The API version is negotiated with the engine (GET /version) and
// pinned, so requests mean the same thing on every engine.
import Docker from 'dockerode';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The newest Engine API this code is written against; newer engines are spoken
 * to in this version (Docker 25; Docker 29 no longer speaks anything older).
 */
export const CLIENT_API_VERSION = '1.44';
/** The oldest one it can use: HostConfig.Init (1.25, Docker 1.13). */
export const MIN_API_VERSION = '1.25';

export interface EngineLocation {
  /** How it was found, for messages: `DOCKER_HOST`, `context desktop-linux`, `/var/run/docker.sock`. */
  source: string;
  /** The endpoint as the docker CLI writes it: unix:///var/run/docker.sock, tcp://host:2376, npipe:////./pipe/docker_engine. */
  host: string;
  options: Docker.DockerOptions;
}

export interface DiscoveryOptions {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** The user's home (default: HOME, or USERPROFILE on Windows). */
  home?: string;
  /** Whether a socket file is there (tests give their own; real named pipes are always tried). */
  exists?: (path: string) => boolean;
}

export interface Discovery {
  /** Engines to try, in order. */
  candidates: EngineLocation[];
  /** Default sockets that are not there, for the message when nothing answers. */
  absent: string[];
  /** Settings that name an engine Chainlab cannot use (an unknown DOCKER_HOST scheme, a broken context). */
  problems: string[];
}

type Tls = { verify: boolean; dir: string } | undefined;

/** An endpoint as DOCKER_HOST or a context writes it; a string says why it cannot be used. */
export function endpointOptions(host: string, tls: Tls): Docker.DockerOptions | string {
  if (host.startsWith('unix://')) {
    const path = host.slice('unix://'.length);
    return path === '' ? `${host} names no socket` : { socketPath: path };
  }
  if (host.startsWith('npipe://')) {
    // npipe:////./pipe/docker_engine → //./pipe/docker_engine
    const path = host.slice('npipe://'.length).replace(/^\/\/\/\//, '//');
    return path === '' ? `${host} names no pipe` : { socketPath: path };
  }
  let url: URL;
  try {
    url = new URL(host);
  } catch {
    return `${host} is not an endpoint (expected unix:///path, tcp://host:port, npipe:////./pipe/name or ssh://user@host)`;
  }
  if (url.protocol === 'ssh:') {
    return {
      protocol: 'ssh', host: url.hostname, port: Number(url.port || 22),
      ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
      sshOptions: { ...(process.env.SSH_AUTH_SOCK ? { agent: process.env.SSH_AUTH_SOCK } : {}) },
    };
  }
  if (url.protocol !== 'tcp:' && url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `${host}: the ${url.protocol.replace(/:$/, '')}:// scheme is not supported (use unix://, tcp://, npipe:// or ssh://)`;
  }
  if (tls && !tls.verify) {
    return `${host}: TLS without verification (DOCKER_TLS without DOCKER_TLS_VERIFY, or a context with SkipTLSVerify) is not supported; set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to the directory with ca.pem, cert.pem and key.pem`;
  }
  if (tls) {
    const files = ['ca.pem', 'cert.pem', 'key.pem'].map((f) => join(tls.dir, f));
    const missing = files.filter((f) => !existsSync(f));
    if (missing.length > 0) return `${host}: TLS is on but ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing (set DOCKER_CERT_PATH to the directory that holds them)`;
    const [ca, cert, key] = files.map((f) => readFileSync(f));
    return { protocol: 'https', host: url.hostname, port: Number(url.port || 2376), ca: ca!, cert: cert!, key: key! };
  }
  return { protocol: url.protocol === 'https:' ? 'https' : 'http', host: url.hostname, port: Number(url.port || 2375) };
}

interface ContextMeta {
  Name?: string;
  Endpoints?: { docker?: { Host?: string; SkipTLSVerify?: boolean } };
}

/** A context's endpoint: contexts/meta/<sha256(name)>/meta.json, its TLS files under contexts/tls/<sha256(name)>/docker. */
function contextLocation(configDir: string, name: string): EngineLocation | string {
  const id = createHash('sha256').update(name).digest('hex');
  const metaFile = join(configDir, 'contexts', 'meta', id, 'meta.json');
  if (!existsSync(metaFile)) return `docker context "${name}" is selected but ${metaFile} is missing (docker context ls; docker context use default)`;
  let meta: ContextMeta;
  try {
    meta = JSON.parse(readFileSync(metaFile, 'utf8')) as ContextMeta;
  } catch (e) {
    return `cannot read docker context "${name}" (${metaFile}): ${(e as Error).message}`;
  }
  const ep = meta.Endpoints?.docker;
  if (!ep?.Host) return `docker context "${name}" has no docker endpoint (${metaFile})`;
  const tlsDir = join(configDir, 'contexts', 'tls', id, 'docker');
  const tls: Tls = ep.SkipTLSVerify ? { verify: false, dir: tlsDir } : existsSync(join(tlsDir, 'ca.pem')) ? { verify: true, dir: tlsDir } : undefined;
  const opts = endpointOptions(ep.Host, ep.Host.startsWith('unix://') || ep.Host.startsWith('npipe://') ? undefined : tls);
  return typeof opts === 'string' ? `docker context "${name}": ${opts}` : { source: `context ${name}`, host: ep.Host, options: opts };
}

/** The default sockets, most usual first, for this platform. */
export function defaultSockets(platform: NodeJS.Platform, home: string, env: NodeJS.ProcessEnv): { path: string; what: string }[] {
  if (platform === 'win32') {
    return [
      { path: '//./pipe/docker_engine', what: 'Docker Desktop / Docker Engine' },
      { path: '//./pipe/dockerDesktopLinuxEngine', what: 'Docker Desktop' },
      { path: '//./pipe/podman-machine-default', what: 'Podman machine' },
    ];
  }
  const xdg = env.XDG_RUNTIME_DIR;
  const list = [
    { path: '/var/run/docker.sock', what: 'Docker Engine / Docker Desktop' },
    { path: join(home, '.docker', 'run', 'docker.sock'), what: 'Docker Desktop (macOS)' },
    { path: join(home, '.docker', 'desktop', 'docker.sock'), what: 'Docker Desktop (Linux)' },
    ...(xdg ? [{ path: join(xdg, 'docker.sock'), what: 'rootless Docker' }, { path: join(xdg, 'podman', 'podman.sock'), what: 'Podman (rootless)' }] : []),
    { path: '/run/podman/podman.sock', what: 'Podman (rootful)' },
    { path: join(home, '.colima', 'default', 'docker.sock'), what: 'Colima' },
    { path: join(home, '.rd', 'docker.sock'), what: 'Rancher Desktop' },
    { path: join(home, '.orbstack', 'run', 'docker.sock'), what: 'OrbStack' },
  ];
  return platform === 'linux' ? list.filter((s) => !s.what.endsWith('(macOS)')) : list;
}

/**
 * Engines to try, in the docker CLI's order. DOCKER_HOST, or DOCKER_CONTEXT,
 * is the user's explicit choice: it alone is tried. A currentContext from
 * config.json comes first, then the default sockets, so a stopped Docker
 * Desktop does not hide a running Podman (the message names both).
 */
export function discoverEngines(o: DiscoveryOptions = {}): Discovery {
  const env = o.env ?? process.env;
  const platform = o.platform ?? process.platform;
  const home = o.home ?? (platform === 'win32' ? env.USERPROFILE : env.HOME) ?? homedir();
  const exists = o.exists ?? existsSync;
  const out: Discovery = { candidates: [], absent: [], problems: [] };
  const configDir = env.DOCKER_CONFIG ?? join(home, '.docker');

  if (env.DOCKER_HOST) {
    const tls: Tls = env.DOCKER_TLS_VERIFY ? { verify: true, dir: env.DOCKER_CERT_PATH ?? configDir } : env.DOCKER_TLS ? { verify: false, dir: env.DOCKER_CERT_PATH ?? configDir } : undefined;
    const opts = endpointOptions(env.DOCKER_HOST, tls);
    if (typeof opts === 'string') out.problems.push(`DOCKER_HOST=${env.DOCKER_HOST}: ${opts}`);
    else out.candidates.push({ source: 'DOCKER_HOST', host: env.DOCKER_HOST, options: opts });
    return out;
  }

  let current: string | undefined;
  const configFile = join(configDir, 'config.json');
  if (existsSync(configFile)) {
    try {
      current = (JSON.parse(readFileSync(configFile, 'utf8')) as { currentContext?: string }).currentContext;
    } catch (e) {
      out.problems.push(`cannot read ${configFile}: ${(e as Error).message}`);
    }
  }
  const explicit = env.DOCKER_CONTEXT;
  const name = explicit ?? current;
  if (name !== undefined && name !== '' && name !== 'default') {
    const loc = contextLocation(configDir, name);
    if (typeof loc === 'string') out.problems.push(loc);
    else out.candidates.push(loc);
    if (explicit !== undefined) return out;
  }

  for (const s of defaultSockets(platform, home, env)) {
    const host = platform === 'win32' ? `npipe://${s.path}` : `unix://${s.path}`;
    if (platform === 'win32' || exists(s.path)) out.candidates.push({ source: `${s.path} (${s.what})`, host, options: { socketPath: s.path } });
    else out.absent.push(s.path);
  }
  return out;
}

/** Candidate engines in the order they are tried (see discoverEngines). */
export function engineCandidates(env: NodeJS.ProcessEnv = process.env): EngineLocation[] {
  return discoverEngines({ env }).candidates;
}

export interface Engine {
  docker: Docker;
  source: string;
  /** The endpoint, as DOCKER_HOST would name it (for the docker/podman CLI run as a child). */
  host: string;
  /** The engine's own version (20.10.24, 4.3.1 for Podman). */
  version: string;
  /** What it is, for messages: `Docker Engine 20.10.24`, `Docker Desktop 4.30.0 (149282)`, `Podman 4.3.1`. */
  product: string;
  /** The Engine API version every request uses (negotiated). */
  apiVersion: string;
  podman: boolean;
}

interface VersionReply {
  Version?: string;
  ApiVersion?: string;
  MinAPIVersion?: string;
  Platform?: { Name?: string };
  Components?: { Name?: string }[];
}

/** Compares Engine API versions ("1.41" < "1.43"); NaN parts count as 0. */
export function compareApi(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number(x) || 0);
  const pb = b.split('.').map((x) => Number(x) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The API version to speak, as the docker CLI negotiates: the engine's own if
 * it is older than ours, ours otherwise; DOCKER_API_VERSION pins it. A string
 * says why this engine cannot be used.
 */
export function negotiateApiVersion(reply: VersionReply, pinned?: string): string | { error: string } {
  const server = reply.ApiVersion;
  if (!server) return { error: 'the engine did not say its API version (GET /version has no ApiVersion)' };
  // Unknown for Podman (its ping does not say) and engines before API 1.25.
  const serverMin = reply.MinAPIVersion;
  if (pinned) {
    if (!/^\d+\.\d+$/.test(pinned)) return { error: `DOCKER_API_VERSION=${pinned} is not an API version (like 1.41)` };
    if (compareApi(pinned, server) > 0 || (serverMin !== undefined && compareApi(pinned, serverMin) < 0)) return { error: `DOCKER_API_VERSION=${pinned} is outside what the engine speaks (${serverMin ?? '?'} to ${server}); unset it` };
    if (compareApi(pinned, MIN_API_VERSION) < 0) return { error: `DOCKER_API_VERSION=${pinned} is older than Chainlab needs (${MIN_API_VERSION}); unset it` };
    return pinned;
  }
  if (compareApi(server, MIN_API_VERSION) < 0) return { error: `the engine speaks API ${server}; Chainlab needs ${MIN_API_VERSION} or newer (Docker 1.13+, Podman 3+): upgrade the engine` };
  const v = compareApi(server, CLIENT_API_VERSION) < 0 ? server : CLIENT_API_VERSION;
  if (serverMin !== undefined && compareApi(v, serverMin) < 0) return { error: `the engine no longer speaks API ${v} (its oldest is ${serverMin}); Chainlab needs an update for this engine` };
  return v;
}

function productOf(reply: VersionReply): { product: string; podman: boolean } {
  const version = reply.Version ?? '?';
  const podman = (reply.Components ?? []).some((c) => /podman/i.test(c.Name ?? ''));
  if (podman) return { product: `Podman ${version}`, podman };
  const platform = reply.Platform?.Name ?? '';
  if (/docker desktop/i.test(platform)) return { product: platform.replace(/^Docker Desktop\s*/i, 'Docker Desktop ').trim(), podman };
  return { product: `Docker Engine ${version}`, podman };
}

/** Why a connection failed, with the fix where it is a usual one. */
function reasonOf(e: unknown, loc: EngineLocation): string {
  const err = e as { code?: string; message?: string };
  const first = (err.message ?? String(e)).split('\n')[0]!;
  if (err.code === 'EACCES') {
    return `${first} — your user may not use this socket: add it to the docker group (sudo usermod -aG docker $USER, then log in again), or run rootless Podman`;
  }
  if (err.code === 'ENOENT' && loc.options.socketPath) return `${first} — there is no such socket (is the engine installed and started?)`;
  if (err.code === 'ECONNREFUSED' && loc.options.socketPath) return `${first} — the socket is there but nothing listens (is the engine stopped?)`;
  return first;
}

const HOW_TO_FIX = [
  'Start an engine, then try again:',
  '  Docker Engine:  sudo systemctl start docker',
  '  Docker Desktop: open Docker Desktop and wait until it says "Engine running"',
  '  Podman:         systemctl --user start podman.socket (rootless), or sudo podman system service --time=0 unix:///run/podman/podman.sock &',
  '  Elsewhere:      DOCKER_HOST=unix:///path/to/docker.sock, or tcp://host:2376 with DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=DIR',
].join('\n');

/** Probes bounded in time: a TCP endpoint that drops packets must not hang `chainlab up`. */
const PING_TIMEOUT_MS = 5000;
const VERSION_TIMEOUT_MS = 15_000;

type Headers = Record<string, string | string[] | undefined>;

/** GET /_ping, for its headers: Api-Version (every engine), Libpod-Api-Version (Podman). */
function pingHeaders(docker: Docker): Promise<Headers> {
  return new Promise((resolve, reject) => {
    docker.modem.dial({ path: '/_ping', method: 'GET', isStream: true, statusCodes: { 200: true, 500: 'server error', 503: 'engine not ready' } }, (err, res: unknown) => {
      if (err) { reject(err as Error); return; }
      const msg = res as IncomingMessage;
      msg.resume();
      resolve(msg.headers);
    });
  });
}

const header = (h: Headers, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * What the engine is and speaks. Podman's ping says both (its GET /version
 * runs the runtime's binaries: seconds on a busy machine); Docker's /version
 * adds its oldest API and the Docker Desktop name.
 */
async function describeEngine(loc: EngineLocation, pingTimeoutMs: number, step: (path: string, limit: number) => void): Promise<VersionReply> {
  step('/_ping', pingTimeoutMs);
  const h = await pingHeaders(new Docker({ ...loc.options, timeout: pingTimeoutMs }));
  const libpod = header(h, 'libpod-api-version');
  const api = header(h, 'api-version');
  if (libpod && api) return { Version: libpod, ApiVersion: api, Components: [{ Name: 'Podman Engine' }] };
  step('/version', VERSION_TIMEOUT_MS);
  return (await new Docker({ ...loc.options, timeout: VERSION_TIMEOUT_MS }).version()) as VersionReply;
}

/**
 * The first engine that answers GET /version, spoken to in the negotiated API
 * version; otherwise an error that says what was tried and how to fix it.
 */
export async function connectEngine(env: NodeJS.ProcessEnv = process.env, o: Omit<DiscoveryOptions, 'env'> & { pingTimeoutMs?: number } = {}): Promise<Engine> {
  const found = discoverEngines({ ...o, env });
  const tried: string[] = [];
  for (const loc of found.candidates) {
    let reply: VersionReply;
    let step = { path: '/_ping', limit: 0, t0: Date.now() };
    try {
      reply = await describeEngine(loc, o.pingTimeoutMs ?? PING_TIMEOUT_MS, (path, limit) => { step = { path, limit, t0: Date.now() }; });
    } catch (e) {
      // docker-modem ends a timed-out request as a "socket hang up": say what it was.
      const timedOut = Date.now() - step.t0 >= step.limit;
      tried.push(`${loc.source}: ${timedOut ? `no answer to GET ${step.path} within ${step.limit / 1000} s` : reasonOf(e, loc)}`);
      continue;
    }
    const api = negotiateApiVersion(reply, env.DOCKER_API_VERSION);
    if (typeof api !== 'string') {
      tried.push(`${loc.source}: ${api.error}`);
      continue;
    }
    const { product, podman } = productOf(reply);
    return { docker: new Docker({ ...loc.options, version: `v${api}` }), source: loc.source, host: loc.host, version: reply.Version ?? '?', product, apiVersion: api, podman };
  }
  const lines = ['no Docker engine answers.'];
  if (tried.length > 0) lines.push('Tried:', ...tried.map((t) => `  ${t}`));
  if (found.problems.length > 0) lines.push('Cannot use:', ...found.problems.map((p) => `  ${p}`));
  if (found.absent.length > 0) lines.push(`No socket at: ${found.absent.join(', ')}`);
  if (env.DOCKER_HOST) lines.push(`DOCKER_HOST is set, so only it is tried: start the engine it names, or unset DOCKER_HOST to look for the usual sockets.`);
  else if (env.DOCKER_CONTEXT) lines.push(`DOCKER_CONTEXT=${env.DOCKER_CONTEXT} is set, so only that context is tried: start its engine, or unset DOCKER_CONTEXT.`);
  lines.push(HOW_TO_FIX);
  throw new Error(lines.join('\n'));
}

/**
 * Known engine failures, said with their fix (Podman's missing init binary,
 * a runtime that may not raise ulimits). Anything else is passed on as is.
 */
export function explainEngineError(e: unknown, engine: Pick<Engine, 'product' | 'podman'>): string {
  const msg = (e as Error).message ?? String(e);
  if (/container-init binary not found|catatonit/i.test(msg)) {
    const path = /stat ([^:\s]+)/.exec(msg)?.[1];
    return `${engine.product} cannot start a node: it has no init binary${path ? ` (${path})` : ''}. Install catatonit (Debian/Ubuntu: sudo apt-get install catatonit), or set init_path in /etc/containers/containers.conf to tini or dumb-init; nodes need an init so a killed kube-proxy does not linger as a zombie.`;
  }
  if (/error setting rlimit/i.test(msg)) {
    return `${engine.product} cannot start a node: its runtime may not raise ulimits (${msg.replace(/^.*(error setting rlimit[^:]*).*$/s, '$1')}; type 7 is nofile, 6 nproc). ${engine.podman ? 'Podman raises nofile/nproc by default; where it runs without CAP_SYS_RESOURCE (inside a container) set default_ulimits = ["nofile=N:N", "nproc=N:N"] in /etc/containers/containers.conf to the limits of `ulimit -Hn` / `ulimit -Hu`.' : 'Check the engine\'s default ulimits (daemon.json default-ulimits).'}`;
  }
  return msg;
}
