// The desktop shell's security decisions, as plain functions the Electron main
// process calls (and unit tests check): what may load, what may navigate, who
// may talk to the contract.

/** The renderer's Content-Security-Policy in the desktop app: nothing remote, no inline script, no eval. */
export const DESKTOP_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/** Only the app's own page (file:// under the renderer directory) is ever shown or trusted. */
export function isAppUrl(url: string, rendererIndexUrl: string): boolean {
  try {
    const u = new URL(url);
    const base = new URL(rendererIndexUrl);
    return u.protocol === 'file:' && u.pathname === base.pathname;
  } catch {
    return false;
  }
}

/** Links a person clicks (terminal output, docs) open in the system browser, only for http(s). */
export function isExternalLink(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

/** IPC channel names, in one place for main and preload. */
export const IPC_REQUEST = 'chainlab:request';
export const IPC_MESSAGE = 'chainlab:message';
