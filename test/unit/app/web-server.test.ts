import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import WebSocket from 'ws';
import { startWebServer, type WebServer } from '../../../core/host/web/server.js';
import type { HostMessage } from '../../../core/api/contract.js';
import { createFakeLab } from './fake-lab.js';

let server: WebServer;

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers: { host: `127.0.0.1:${server.port}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

function connect(headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'chainlab-web-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Chainlab</title>');
  server = await startWebServer({ lab: createFakeLab(), staticDir: dir, port: 0 });
});
afterAll(async () => { await server.close(); });

describe('web mode server', () => {
  it('prints a loopback URL with a random token', () => {
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?token=[A-Za-z0-9_-]{32}$`));
  });

  it('refuses the page without the token, and says how to get in', async () => {
    const r = await get('/');
    expect(r.status).toBe(401);
    expect(r.body).toMatch(/needs the token from the URL it printed/);
  });

  it('serves the page with the token, with a strict CSP and an HttpOnly cookie', async () => {
    const r = await get(`/?token=${server.token}`);
    expect(r.status).toBe(200);
    expect(r.body).toContain('<title>Chainlab</title>');
    expect(String(r.headers['content-security-policy'])).toContain("script-src 'self'");
    expect(String(r.headers['content-security-policy'])).toContain("default-src 'none'");
    expect(String(r.headers['set-cookie'])).toMatch(/chainlab_token=.*HttpOnly; SameSite=Strict/);
  });

  it('refuses another Host (DNS rebinding)', async () => {
    const r = await get(`/?token=${server.token}`, { host: `evil.example:${server.port}` });
    expect(r.status).toBe(403);
  });

  it('does not serve files outside the renderer directory', async () => {
    const r = await get(`/..%2f..%2fetc%2fpasswd?token=${server.token}`);
    expect(r.status).toBe(404);
  });

  it('refuses a WebSocket from another origin even with the token', async () => {
    await expect(connect({ origin: 'http://evil.example', cookie: `chainlab_token=${server.token}` })).rejects.toThrow('HTTP 403');
  });

  it('refuses a WebSocket without the token', async () => {
    await expect(connect({ origin: `http://127.0.0.1:${server.port}` })).rejects.toThrow('HTTP 403');
  });

  it('answers contract calls over the WebSocket of its own page', async () => {
    const ws = await connect({ origin: `http://127.0.0.1:${server.port}`, cookie: `chainlab_token=${server.token}` });
    const reply = new Promise<HostMessage>((resolve) => ws.on('message', (d: Buffer) => {
      const m = JSON.parse(d.toString()) as HostMessage;
      if (m.kind === 'response') resolve(m);
    }));
    ws.send(JSON.stringify({ id: 1, method: 'lab.snapshot', params: {} }));
    const m = await reply;
    expect(m.kind).toBe('response');
    if (m.kind === 'response' && m.response.ok) {
      expect((m.response.value as { nodes: { name: string }[] }).nodes.map((n) => n.name)).toEqual(['k8s1', 'k8s2']);
    } else throw new Error('expected ok');
    ws.close();
  });
});
