// Finding the Docker engine as the docker CLI does, against a temporary HOME
// and fake engines (a tiny HTTP server on a unix socket: /_ping and /version).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectEngine, discoverEngines, explainEngineError, negotiateApiVersion, CLIENT_API_VERSION } from '../../../core/host/docker/connect.js';

let home: string;
let closers: (() => Promise<void>)[] = [];
beforeEach(() => { home = mkdtempSync(join(tmpdir(), 'cl-conn-')); });
afterEach(async () => {
  await Promise.all(closers.map((c) => c()));
  closers = [];
  rmSync(home, { recursive: true, force: true });
});

/** Only files under the temporary HOME exist: the machine's own /var/run/docker.sock must not count. */
const onlyHome = (p: string): boolean => p.startsWith(home) && existsSync(p);

const PODMAN_VERSION = {
  Platform: { Name: 'linux/amd64/debian-12' }, Version: '4.3.1', ApiVersion: '1.41', MinAPIVersion: '1.24',
  Components: [{ Name: 'Podman Engine' }, { Name: 'Conmon' }],
};

/** A fake engine on a unix socket, its ping headers as the engine's (Podman adds Libpod-Api-Version); it records the paths asked for. */
async function fakeEngine(path: string, version: { ApiVersion: string; Version: string; Components: { Name: string }[]; MinAPIVersion?: string; Platform?: { Name: string } } = PODMAN_VERSION): Promise<string[]> {
  const seen: string[] = [];
  const podman = version.Components.some((c) => c.Name === 'Podman Engine');
  const server = createServer((req, res) => {
    seen.push(req.url ?? '');
    const url = (req.url ?? '').replace(/^\/v\d+\.\d+/, '');
    if (url === '/_ping') {
      res.setHeader('Api-Version', version.ApiVersion);
      if (podman) res.setHeader('Libpod-Api-Version', version.Version);
      res.end('OK');
      return;
    }
    if (url === '/version') { res.setHeader('Content-Type', 'application/json'); res.end(JSON.stringify(version)); return; }
    if (url.startsWith('/containers/json')) { res.setHeader('Content-Type', 'application/json'); res.end('[]'); return; }
    res.statusCode = 404;
    res.end('{"message":"page not found"}');
  });
  await new Promise<void>((r) => server.listen(path, r));
  closers.push(() => { server.closeAllConnections(); return new Promise((r) => server.close(() => r())); });
  return seen;
}

function context(name: string, host: string, extra: object = {}): void {
  const id = createHash('sha256').update(name).digest('hex');
  mkdirSync(join(home, '.docker', 'contexts', 'meta', id), { recursive: true });
  writeFileSync(join(home, '.docker', 'contexts', 'meta', id, 'meta.json'), JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: false, ...extra } } }));
}

function currentContext(name: string): void {
  mkdirSync(join(home, '.docker'), { recursive: true });
  writeFileSync(join(home, '.docker', 'config.json'), JSON.stringify({ auths: {}, currentContext: name }));
}

function touch(...parts: string[]): string {
  const p = join(home, ...parts);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, '');
  return p;
}

describe('discovery order', () => {
  it('Linux: the current context first, then Docker Desktop, rootless Podman, rootful Podman, Colima, Rancher Desktop sockets', () => {
    const xdg = join(home, 'run');
    const podman = touch('run', 'podman', 'podman.sock');
    const desktop = touch('.docker', 'desktop', 'docker.sock');
    const colima = touch('.colima', 'default', 'docker.sock');
    const rd = touch('.rd', 'docker.sock');
    touch('.docker', 'run', 'docker.sock'); // Docker Desktop's macOS path: not looked at on Linux
    context('desktop-linux', `unix://${desktop}`);
    currentContext('desktop-linux');
    const d = discoverEngines({ env: { HOME: home, XDG_RUNTIME_DIR: xdg }, platform: 'linux', exists: onlyHome });
    expect(d.candidates.map((c) => c.host)).toEqual([`unix://${desktop}`, `unix://${desktop}`, `unix://${podman}`, `unix://${colima}`, `unix://${rd}`]);
    expect(d.candidates[0]!.source).toBe('context desktop-linux');
    expect(d.candidates[2]!.source).toBe(`${podman} (Podman (rootless))`);
    expect(d.absent).toEqual(['/var/run/docker.sock', join(xdg, 'docker.sock'), '/run/podman/podman.sock', join(home, '.orbstack', 'run', 'docker.sock')]);
    expect(d.problems).toEqual([]);
  });

  it('macOS: Docker Desktop\'s ~/.docker/run/docker.sock is looked for right after /var/run/docker.sock', () => {
    const desktop = touch('.docker', 'run', 'docker.sock');
    const d = discoverEngines({ env: { HOME: home }, platform: 'darwin', exists: onlyHome });
    expect(d.candidates.map((c) => c.source)).toEqual([`${desktop} (Docker Desktop (macOS))`]);
    expect(d.absent.slice(0, 2)).toEqual(['/var/run/docker.sock', join(home, '.docker', 'desktop', 'docker.sock')]);
  });

  it('Windows: the named pipes of Docker Desktop and the Podman machine, as npipe:// endpoints', () => {
    const d = discoverEngines({ env: { USERPROFILE: home }, platform: 'win32', exists: () => false });
    expect(d.candidates.map((c) => [c.host, c.options.socketPath])).toEqual([
      ['npipe:////./pipe/docker_engine', '//./pipe/docker_engine'],
      ['npipe:////./pipe/dockerDesktopLinuxEngine', '//./pipe/dockerDesktopLinuxEngine'],
      ['npipe:////./pipe/podman-machine-default', '//./pipe/podman-machine-default'],
    ]);
  });

  it('DOCKER_HOST alone is tried when set (unix, npipe, tcp with the docker CLI\'s default port, ssh)', () => {
    touch('.rd', 'docker.sock');
    const only = (host: string) => discoverEngines({ env: { HOME: home, DOCKER_HOST: host }, platform: 'linux', exists: onlyHome }).candidates;
    expect(only('unix:///run/podman/podman.sock').map((c) => [c.source, c.options])).toEqual([['DOCKER_HOST', { socketPath: '/run/podman/podman.sock' }]]);
    expect(only('npipe:////./pipe/docker_engine')[0]!.options).toEqual({ socketPath: '//./pipe/docker_engine' });
    expect(only('tcp://10.0.0.5')[0]!.options).toEqual({ protocol: 'http', host: '10.0.0.5', port: 2375 });
    expect(only('tcp://engine.example:2380')[0]!.options).toEqual({ protocol: 'http', host: 'engine.example', port: 2380 });
    expect(only('ssh://me@engine.example:2222')[0]!.options).toMatchObject({ protocol: 'ssh', host: 'engine.example', port: 2222, username: 'me' });
  });

  it('DOCKER_HOST over TLS: DOCKER_TLS_VERIFY takes ca/cert/key from DOCKER_CERT_PATH, and says which file is missing', () => {
    const certs = join(home, 'certs');
    mkdirSync(certs);
    for (const f of ['ca.pem', 'cert.pem']) writeFileSync(join(certs, f), `-- ${f} --`);
    const env = { HOME: home, DOCKER_HOST: 'tcp://engine.example', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs };
    const missing = discoverEngines({ env, platform: 'linux', exists: onlyHome });
    expect(missing.candidates).toEqual([]);
    expect(missing.problems).toEqual([`DOCKER_HOST=tcp://engine.example: tcp://engine.example: TLS is on but ${join(certs, 'key.pem')} is missing (set DOCKER_CERT_PATH to the directory that holds them)`]);
    writeFileSync(join(certs, 'key.pem'), '-- key.pem --');
    const ok = discoverEngines({ env, platform: 'linux', exists: onlyHome }).candidates[0]!.options;
    expect(ok.protocol).toBe('https');
    expect(ok.port).toBe(2376);
    expect(String(ok.ca)).toBe('-- ca.pem --');
    expect(String(ok.key)).toBe('-- key.pem --');
  });

  it('an unusable DOCKER_HOST is said, not replaced by another engine', () => {
    touch('.rd', 'docker.sock');
    const d = discoverEngines({ env: { HOME: home, DOCKER_HOST: 'fd://' }, platform: 'linux', exists: onlyHome });
    expect(d.candidates).toEqual([]);
    expect(d.problems).toEqual(['DOCKER_HOST=fd://: fd://: the fd:// scheme is not supported (use unix://, tcp://, npipe:// or ssh://)']);
  });

  it('DOCKER_CONTEXT names the context (meta.json under sha256 of its name) and alone is tried; "default" means the usual sockets', () => {
    const rd = touch('.rd', 'docker.sock');
    context('colima', 'unix:///Users/me/.colima/default/docker.sock');
    currentContext('desktop-linux');
    const byEnv = discoverEngines({ env: { HOME: home, DOCKER_CONTEXT: 'colima' }, platform: 'linux', exists: onlyHome });
    expect(byEnv.candidates.map((c) => [c.source, c.host])).toEqual([['context colima', 'unix:///Users/me/.colima/default/docker.sock']]);
    const dflt = discoverEngines({ env: { HOME: home, DOCKER_CONTEXT: 'default' }, platform: 'linux', exists: onlyHome });
    expect(dflt.candidates.map((c) => c.host)).toEqual([`unix://${rd}`]);
  });

  it('a selected context without its meta.json is reported, and the default sockets are still looked at', () => {
    const rd = touch('.rd', 'docker.sock');
    currentContext('gone');
    const d = discoverEngines({ env: { HOME: home }, platform: 'linux', exists: onlyHome });
    const id = createHash('sha256').update('gone').digest('hex');
    expect(d.problems).toEqual([`docker context "gone" is selected but ${join(home, '.docker', 'contexts', 'meta', id, 'meta.json')} is missing (docker context ls; docker context use default)`]);
    expect(d.candidates.map((c) => c.host)).toEqual([`unix://${rd}`]);
  });

  it('DOCKER_CONFIG moves config.json and the contexts', () => {
    const cfg = join(home, 'elsewhere');
    mkdirSync(cfg);
    const id = createHash('sha256').update('remote').digest('hex');
    mkdirSync(join(cfg, 'contexts', 'meta', id), { recursive: true });
    writeFileSync(join(cfg, 'contexts', 'meta', id, 'meta.json'), JSON.stringify({ Name: 'remote', Endpoints: { docker: { Host: 'tcp://10.1.2.3:2375' } } }));
    writeFileSync(join(cfg, 'config.json'), JSON.stringify({ currentContext: 'remote' }));
    const d = discoverEngines({ env: { HOME: home, DOCKER_CONFIG: cfg }, platform: 'linux', exists: onlyHome });
    expect(d.candidates[0]).toEqual({ source: 'context remote', host: 'tcp://10.1.2.3:2375', options: { protocol: 'http', host: '10.1.2.3', port: 2375 } });
  });
});

describe('API version negotiation', () => {
  it('speaks the engine\'s version when it is older than ours, ours when it is newer', () => {
    expect(negotiateApiVersion({ ApiVersion: '1.41', MinAPIVersion: '1.12' })).toBe('1.41');
    expect(negotiateApiVersion({ ApiVersion: '1.51', MinAPIVersion: '1.24' })).toBe(CLIENT_API_VERSION);
    // Podman's ping does not say its oldest version: no floor is assumed
    expect(negotiateApiVersion({ ApiVersion: '1.41' })).toBe('1.41');
    expect(negotiateApiVersion({ ApiVersion: '1.51' })).toBe(CLIENT_API_VERSION);
  });

  it('refuses engines too old for Chainlab, or that dropped the version it speaks', () => {
    expect(negotiateApiVersion({ ApiVersion: '1.24', MinAPIVersion: '1.12' })).toEqual({ error: 'the engine speaks API 1.24; Chainlab needs 1.25 or newer (Docker 1.13+, Podman 3+): upgrade the engine' });
    expect(negotiateApiVersion({ ApiVersion: '1.60', MinAPIVersion: '1.50' })).toEqual({ error: `the engine no longer speaks API ${CLIENT_API_VERSION} (its oldest is 1.50); Chainlab needs an update for this engine` });
  });

  it('DOCKER_API_VERSION pins it, within what the engine speaks', () => {
    expect(negotiateApiVersion({ ApiVersion: '1.41', MinAPIVersion: '1.12' }, '1.40')).toBe('1.40');
    expect(negotiateApiVersion({ ApiVersion: '1.41', MinAPIVersion: '1.12' }, '1.44')).toEqual({ error: 'DOCKER_API_VERSION=1.44 is outside what the engine speaks (1.12 to 1.41); unset it' });
    expect(negotiateApiVersion({ ApiVersion: '1.41' }, 'latest')).toEqual({ error: 'DOCKER_API_VERSION=latest is not an API version (like 1.41)' });
  });
});

describe('connectEngine against fake engines', () => {
  it('Podman\'s socket: named as Podman from its ping (no slow GET /version), every later request in the negotiated version', async () => {
    const sock = join(home, 'podman.sock');
    const seen = await fakeEngine(sock);
    const engine = await connectEngine({ HOME: home, DOCKER_HOST: `unix://${sock}` });
    expect([engine.product, engine.apiVersion, engine.podman, engine.source, engine.host]).toEqual(['Podman 4.3.1', '1.41', true, 'DOCKER_HOST', `unix://${sock}`]);
    await engine.docker.listContainers();
    expect(seen).toEqual(['/_ping', '/v1.41/containers/json']);
  });

  it('a newer Docker Engine is spoken to in our version; Docker Desktop is named by its platform', async () => {
    const sock = join(home, 'docker.sock');
    const seen = await fakeEngine(sock, { Platform: { Name: 'Docker Desktop 4.30.0 (149282)' }, Version: '26.1.1', ApiVersion: '1.45', MinAPIVersion: '1.24', Components: [{ Name: 'Engine' }] });
    const engine = await connectEngine({ HOME: home, DOCKER_HOST: `unix://${sock}` });
    expect([engine.product, engine.apiVersion, engine.podman]).toEqual(['Docker Desktop 4.30.0 (149282)', CLIENT_API_VERSION, false]);
    await engine.docker.listContainers();
    expect(seen).toEqual(['/_ping', '/version', `/v${CLIENT_API_VERSION}/containers/json`]);
  });

  it('a context whose engine is stopped is passed over for a running default socket', async () => {
    const stale = touch('.docker', 'desktop', 'docker.sock'); // a file, not a listening socket: Docker Desktop is stopped
    context('desktop-linux', `unix://${stale}`);
    currentContext('desktop-linux');
    const xdg = join(home, 'xdg');
    mkdirSync(join(xdg, 'podman'), { recursive: true });
    await fakeEngine(join(xdg, 'podman', 'podman.sock'));
    const engine = await connectEngine({ HOME: home, XDG_RUNTIME_DIR: xdg }, { platform: 'linux', exists: onlyHome });
    expect(engine.source).toBe(`${join(xdg, 'podman', 'podman.sock')} (Podman (rootless))`);
    expect(engine.product).toBe('Podman 4.3.1');
  });

  it('when nothing answers, the error says what was tried, what is missing, and how to start an engine', async () => {
    const stale = touch('.rd', 'docker.sock');
    currentContext('gone');
    const err = await connectEngine({ HOME: home }, { platform: 'linux', exists: onlyHome }).then(() => undefined, (e: Error) => e.message);
    expect(err).toBeDefined();
    const lines = err!.split('\n');
    expect(lines[0]).toBe('no Docker engine answers.');
    expect(lines[1]).toBe('Tried:');
    expect(lines[2]).toMatch(new RegExp(`^  ${stale.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(Rancher Desktop\\): connect ECONNREFUSED .* — the socket is there but nothing listens \\(is the engine stopped\\?\\)$`));
    expect(lines[3]).toBe('Cannot use:');
    expect(lines[4]).toMatch(/^ {2}docker context "gone" is selected but .* is missing/);
    expect(lines[5]).toBe(`No socket at: /var/run/docker.sock, ${join(home, '.docker', 'desktop', 'docker.sock')}, /run/podman/podman.sock, ${join(home, '.colima', 'default', 'docker.sock')}, ${join(home, '.orbstack', 'run', 'docker.sock')}`);
    expect(err).toContain('  Podman:         systemctl --user start podman.socket (rootless), or sudo podman system service --time=0 unix:///run/podman/podman.sock &');
    expect(err).toContain('  Elsewhere:      DOCKER_HOST=unix:///path/to/docker.sock, or tcp://host:2376 with DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=DIR');
  });

  it('a DOCKER_HOST socket that is not there: said so, and that DOCKER_HOST hides the usual sockets', async () => {
    const err = await connectEngine({ HOME: home, DOCKER_HOST: `unix://${home}/none.sock` }, { platform: 'linux', exists: onlyHome }).then(() => undefined, (e: Error) => e.message);
    expect(err).toContain(`  DOCKER_HOST: connect ENOENT ${home}/none.sock — there is no such socket (is the engine installed and started?)`);
    expect(err).toContain('DOCKER_HOST is set, so only it is tried: start the engine it names, or unset DOCKER_HOST to look for the usual sockets.');
    expect(err).not.toContain('No socket at:');
  });

  it('an endpoint that accepts but never answers is given up after the ping timeout, and said so', async () => {
    const sock = join(home, 'mute.sock');
    const held: Socket[] = [];
    const mute = createNetServer((c) => { held.push(c); }); // holds every connection, answers nothing
    await new Promise<void>((r) => mute.listen(sock, r));
    closers.push(() => { for (const c of held) c.destroy(); return new Promise((r) => mute.close(() => r())); });
    const t0 = Date.now();
    const err = await connectEngine({ HOME: home, DOCKER_HOST: `unix://${sock}` }, { pingTimeoutMs: 300 }).then(() => undefined, (e: Error) => e.message);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(err).toContain('  DOCKER_HOST: no answer to GET /_ping within 0.3 s');
  });

  it('an engine too old is passed over with the reason', async () => {
    const sock = join(home, 'old.sock');
    await fakeEngine(sock, { Version: '1.12.6', ApiVersion: '1.24', MinAPIVersion: '1.12', Components: [{ Name: 'Engine' }] });
    const err = await connectEngine({ HOME: home, DOCKER_HOST: `unix://${sock}` }).then(() => undefined, (e: Error) => e.message);
    expect(err).toContain('  DOCKER_HOST: the engine speaks API 1.24; Chainlab needs 1.25 or newer (Docker 1.13+, Podman 3+): upgrade the engine');
  });
});

describe('engine failures said with their fix', () => {
  const podman = { product: 'Podman 4.3.1', podman: true };
  it('Podman without its init binary (Debian\'s podman with tini but no catatonit)', () => {
    const e = new Error('(HTTP code 500) server error - container create: container-init binary not found on the host: stat /usr/libexec/podman/catatonit: no such file or directory ');
    expect(explainEngineError(e, podman)).toBe('Podman 4.3.1 cannot start a node: it has no init binary (/usr/libexec/podman/catatonit). Install catatonit (Debian/Ubuntu: sudo apt-get install catatonit), or set init_path in /etc/containers/containers.conf to tini or dumb-init; nodes need an init so a killed kube-proxy does not linger as a zombie.');
  });

  it('a runtime that may not raise ulimits (Podman without CAP_SYS_RESOURCE)', () => {
    const e = new Error('(HTTP code 500) server error - runc: runc create failed: unable to start container process: error during container init: error setting rlimits for ready process: error setting rlimit type 7: operation not permitted: OCI permission denied ');
    expect(explainEngineError(e, podman)).toMatch(/^Podman 4\.3\.1 cannot start a node: its runtime may not raise ulimits \(error setting rlimit type 7; type 7 is nofile, 6 nproc\)\. .*default_ulimits = \["nofile=N:N", "nproc=N:N"\] in \/etc\/containers\/containers\.conf/);
  });

  it('anything else is passed on as it is', () => {
    expect(explainEngineError(new Error('(HTTP code 409) conflict - name in use'), podman)).toBe('(HTTP code 409) conflict - name in use');
  });
});
