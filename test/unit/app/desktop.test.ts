import { describe, expect, it } from 'vitest';
import { DEFAULT_WINDOW, restoreWindowState } from '../../../core/host/app/window-state.js';
import { DESKTOP_CSP, isAppUrl, isExternalLink } from '../../../core/host/app/electron-policy.js';
import { parseServeArgs } from '../../../core/host/cli/commands/serve.js';

const screen = [{ x: 0, y: 0, width: 1920, height: 1080 }];

describe('window state', () => {
  it('restores a saved window that is on screen', () => {
    const s = restoreWindowState(JSON.stringify({ x: 100, y: 80, width: 1300, height: 800, maximized: true, zoomFactor: 1.5 }), screen);
    expect(s).toEqual({ x: 100, y: 80, width: 1300, height: 800, maximized: true, zoomFactor: 1.5 });
  });
  it('drops the position of a window left on a monitor that is gone', () => {
    const s = restoreWindowState(JSON.stringify({ x: 3000, y: 80, width: 1300, height: 800 }), screen);
    expect(s).toEqual({ width: 1300, height: 800, maximized: false, zoomFactor: 1 });
  });
  it('falls back to the default for a broken or missing file', () => {
    expect(restoreWindowState('{not json', screen)).toEqual(DEFAULT_WINDOW);
    expect(restoreWindowState(JSON.stringify({ width: 10, height: 10 }), screen)).toEqual(DEFAULT_WINDOW);
    expect(restoreWindowState(null, screen)).toEqual(DEFAULT_WINDOW);
  });
});

describe('desktop policy', () => {
  const index = 'file:///opt/Chainlab/resources/app.asar/dist/renderer/index.html';
  it('trusts only the app page', () => {
    expect(isAppUrl(index, index)).toBe(true);
    expect(isAppUrl(`${index}#chains`, index)).toBe(true);
    expect(isAppUrl('file:///etc/passwd', index)).toBe(false);
    expect(isAppUrl('https://example.com/', index)).toBe(false);
  });
  it('opens only http(s) links outside', () => {
    expect(isExternalLink('https://kubernetes.io/')).toBe(true);
    expect(isExternalLink('file:///etc/passwd')).toBe(false);
    expect(isExternalLink('javascript:alert(1)')).toBe(false);
  });
  it('has a CSP without inline script or remote sources', () => {
    expect(DESKTOP_CSP).toContain("script-src 'self'");
    expect(DESKTOP_CSP).not.toContain('unsafe-eval');
    expect(DESKTOP_CSP).toContain("default-src 'none'");
  });
});

describe('chainlab serve arguments', () => {
  it('reads --port and --no-open', () => {
    expect(parseServeArgs(['--port', '8080', '--no-open'])).toEqual({ port: 8080, open: false });
    expect(parseServeArgs(['--port=0'])).toEqual({ port: 0, open: true });
  });
  it('says what is wrong with a bad port or option', () => {
    expect(parseServeArgs(['--port', 'abc'])).toEqual({ error: "--port needs a port number 0-65535, got 'abc'" });
    expect(parseServeArgs(['--bogus'])).toEqual({ error: "unknown option '--bogus'" });
  });
});
