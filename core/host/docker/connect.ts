// Finding a Docker engine the usual way: DOCKER_HOST, the current context of
// ~/.docker/config.json, then the default sockets of Docker Engine, Docker
// Desktop and Podman. dockerode negotiates the API version with the engine.
import Docker from 'dockerode';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface EngineLocation {
  /** How it was found, for messages: `DOCKER_HOST`, `context desktop-linux`, `/var/run/docker.sock`. */
  source: string;
  options: Docker.DockerOptions;
}

function fromHost(host: string, source: string): EngineLocation | null {
  if (host.startsWith('unix://')) return { source, options: { socketPath: host.slice('unix://'.length) } };
  if (host.startsWith('npipe://')) return { source, options: { socketPath: host.slice('npipe://'.length) } };
  const m = /^tcp:\/\/([^:/]+)(?::(\d+))?/.exec(host);
  if (m) return { source, options: { host: m[1]!, port: Number(m[2] ?? 2375), protocol: 'http' } };
  return null;
}

function fromContext(env: NodeJS.ProcessEnv): EngineLocation | null {
  const dir = env.DOCKER_CONFIG ?? join(homedir(), '.docker');
  const configFile = join(dir, 'config.json');
  if (!existsSync(configFile)) return null;
  let current: string | undefined;
  try {
    current = (JSON.parse(readFileSync(configFile, 'utf8')) as { currentContext?: string }).currentContext;
  } catch (e) {
    throw new Error(`cannot read ${configFile}: ${(e as Error).message}`);
  }
  const name = env.DOCKER_CONTEXT ?? current;
  if (name === undefined || name === 'default') return null;
  const metaDir = join(dir, 'contexts', 'meta');
  if (!existsSync(metaDir)) return null;
  for (const entry of readdirSync(metaDir)) {
    const metaFile = join(metaDir, entry, 'meta.json');
    if (!existsSync(metaFile)) continue;
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as { Name?: string; Endpoints?: { docker?: { Host?: string } } };
    if (meta.Name === name && meta.Endpoints?.docker?.Host) return fromHost(meta.Endpoints.docker.Host, `context ${name}`);
  }
  return null;
}

/** Candidate engines in the order the docker CLI would try them. */
export function engineCandidates(env: NodeJS.ProcessEnv = process.env): EngineLocation[] {
  const out: EngineLocation[] = [];
  if (env.DOCKER_HOST) {
    const loc = fromHost(env.DOCKER_HOST, 'DOCKER_HOST');
    if (loc) out.push(loc);
    return out;
  }
  const ctx = fromContext(env);
  if (ctx) out.push(ctx);
  const sockets = [
    '/var/run/docker.sock',
    join(homedir(), '.docker', 'run', 'docker.sock'),
    join(homedir(), '.docker', 'desktop', 'docker.sock'),
    env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'podman', 'podman.sock') : '',
    '/run/podman/podman.sock',
  ].filter((s) => s !== '');
  for (const s of sockets) if (existsSync(s)) out.push({ source: s, options: { socketPath: s } });
  if (process.platform === 'win32') out.push({ source: 'npipe docker_engine', options: { socketPath: '//./pipe/docker_engine' } });
  return out;
}

export interface Engine {
  docker: Docker;
  source: string;
  version: string;
}

/** The first engine that answers a ping, or an error that says what was tried. */
export async function connectEngine(env: NodeJS.ProcessEnv = process.env): Promise<Engine> {
  const tried: string[] = [];
  for (const loc of engineCandidates(env)) {
    const docker = new Docker(loc.options);
    try {
      const v = await docker.version();
      return { docker, source: loc.source, version: v.Version };
    } catch (e) {
      tried.push(`${loc.source} (${(e as Error).message.split('\n')[0]})`);
    }
  }
  throw new Error(
    tried.length === 0
      ? 'no Docker engine found: set DOCKER_HOST, or start Docker Engine, Docker Desktop or Podman (podman system service)'
      : `no Docker engine answers; tried ${tried.join(', ')}`,
  );
}
