// Web mode: the same UI and contract as the Electron shell, served on loopback
// with a per-run token. HTTP serves the built renderer; /ws carries the
// contract (one app session per connection).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Lab } from '../../lab/backend.js';
import type { HostMessage } from '../../api/contract.js';
import { createSession } from '../app/session.js';
import type { Workspace } from '../app/workspace.js';
import { COOKIE, allowedHost, allowedOrigin, contentSecurityPolicy, cookieToken, newToken, sameToken } from './security.js';

export interface WebServerOptions {
  /** The app's workspace (every connection follows its current lab), or one fixed lab. */
  lab: Workspace | Lab;
  /** The built renderer (renderer/dist). */
  staticDir: string;
  /** 0 picks a free port. */
  port?: number;
  token?: string;
  version?: string;
}

export interface WebServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.woff2': 'font/woff2', '.ico': 'image/x-icon',
};

/** Largest request the contract accepts (a manifest is at most 1 MB). */
const MAX_MESSAGE = 2 * 1024 * 1024;
/** A client that stops reading is dropped rather than buffering output for ever. */
const MAX_BUFFERED = 64 * 1024 * 1024;

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? newToken();
  let port = 0;

  const deny = (res: ServerResponse, code: number, text: string): void => {
    res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`${text}\n`);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      if (!allowedHost(req.headers.host, port)) return deny(res, 403, 'Chainlab answers only on 127.0.0.1');
      if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 405, 'method not allowed');
      const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
      const fromQuery = url.searchParams.get('token');
      const authorised = sameToken(fromQuery, token) || sameToken(cookieToken(req.headers.cookie), token);
      if (!authorised) return deny(res, 401, 'Chainlab needs the token from the URL it printed at start (http://127.0.0.1:PORT/?token=…)');
      const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
      const file = normalize(join(opts.staticDir, rel));
      if (!file.startsWith(normalize(opts.staticDir) + sep)) return deny(res, 404, 'not found');
      try {
        const s = await stat(file);
        if (!s.isFile()) return deny(res, 404, 'not found');
        const body = await readFile(file);
        const headers: Record<string, string> = {
          'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
          'x-content-type-options': 'nosniff',
          'referrer-policy': 'no-referrer',
          'cache-control': 'no-store',
          'cross-origin-opener-policy': 'same-origin',
          'cross-origin-resource-policy': 'same-origin',
        };
        if (extname(file) === '.html') {
          headers['content-security-policy'] = contentSecurityPolicy(port);
          headers['x-frame-options'] = 'DENY';
          if (fromQuery !== null) headers['set-cookie'] = `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
        }
        res.writeHead(200, headers);
        res.end(req.method === 'HEAD' ? undefined : body);
      } catch {
        deny(res, 404, url.pathname === '/' ? 'the renderer is not built; run `npm run build`' : 'not found');
      }
    })();
  });

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE,
  });

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const authorised = sameToken(url.searchParams.get('token'), token) || sameToken(cookieToken(req.headers.cookie), token);
    if (url.pathname !== '/ws' || !allowedHost(req.headers.host, port) || !allowedOrigin(req.headers.origin, port) || !authorised) {
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => bind(ws));
  });

  function bind(ws: WebSocket): void {
    const session = createSession(opts.lab, { shell: 'web', ...(opts.version !== undefined ? { version: opts.version } : {}) });
    const send = (m: HostMessage): void => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > MAX_BUFFERED) { ws.close(1009, 'client too slow'); return; }
      ws.send(JSON.stringify(m));
    };
    const off = session.on((event) => send({ kind: 'event', event }));
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let raw: unknown;
      try {
        raw = JSON.parse(data.toString());
      } catch {
        send({ kind: 'response', response: { id: 0, ok: false, errors: [{ message: 'malformed request: not JSON' }] } });
        return;
      }
      void session.handle(raw).then((response) => send({ kind: 'response', response }));
    });
    ws.on('close', () => { off(); session.close(); });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  port = typeof addr === 'object' && addr !== null ? addr.port : 0;

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
