// What answers an HTTP request in the lab: nginx in an nginx pod (its real
// headers and welcome page), Python's directory listing from
// `python -m SimpleHTTPServer` / `python3 -m http.server`, a small generic
// answer from other pods. Bodies and headers are those the programs send.

export interface HttpResponse {
  httpVersion: '1.0' | '1.1';
  status: number;
  reason: string;
  headers: [string, string][];
  body: string;
}

/** `Fri, 28 Mar 2025 06:31:55 GMT` */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

export const NGINX_VERSION = '1.27.4';

export const NGINX_INDEX = `<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
`;

const NGINX_404 = `<html>
<head><title>404 Not Found</title></head>
<body>
<center><h1>404 Not Found</h1></center>
<hr><center>nginx/${NGINX_VERSION}</center>
</body>
</html>
`;

/** nginx's answer (the stock image: index.html of 615 bytes, Last-Modified of the image build). */
export function nginxResponse(method: string, path: string, now: number): HttpResponse {
  const index = path === '/' || path === '/index.html';
  const body = index ? NGINX_INDEX : NGINX_404;
  const headers: [string, string][] = [
    ['Server', `nginx/${NGINX_VERSION}`],
    ['Date', httpDate(now)],
    ['Content-Type', 'text/html'],
    ['Content-Length', String(body.length)],
  ];
  if (index) headers.push(['Last-Modified', 'Wed, 05 Feb 2025 11:06:32 GMT']);
  headers.push(['Connection', 'keep-alive']);
  if (index) headers.push(['ETag', '"67a34638-267"'], ['Accept-Ranges', 'bytes']);
  return { httpVersion: '1.1', status: index ? 200 : 404, reason: index ? 'OK' : 'Not Found', headers, body: method === 'HEAD' ? '' : body };
}

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Python 2's SimpleHTTPServer directory listing (HTTP/1.0). */
export function python2Listing(method: string, dir: string, entries: { name: string; dir: boolean }[], now: number): HttpResponse {
  const items = entries.map((e) => { const n = e.dir ? `${e.name}/` : e.name; return `<li><a href="${encodeURI(n)}">${escapeHtml(n)}</a>\n`; }).join('');
  const body = `<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 3.2 Final//EN"><html>\n<title>Directory listing for ${escapeHtml(dir)}</title>\n<body>\n<h2>Directory listing for ${escapeHtml(dir)}</h2>\n<hr>\n<ul>\n${items}</ul>\n<hr>\n</body>\n</html>\n`;
  return {
    httpVersion: '1.0', status: 200, reason: 'OK',
    headers: [['Server', 'SimpleHTTP/0.6 Python/2.7.18'], ['Date', httpDate(now)], ['Content-type', 'text/html; charset=UTF-8'], ['Content-Length', String(body.length)]],
    body: method === 'HEAD' ? '' : body,
  };
}

/** Python 3's http.server directory listing (HTTP/1.0). */
export function python3Listing(method: string, dir: string, entries: { name: string; dir: boolean }[], now: number): HttpResponse {
  const items = entries.map((e) => { const n = e.dir ? `${e.name}/` : e.name; return `<li><a href="${encodeURI(n)}">${escapeHtml(n)}</a></li>\n`; }).join('');
  const body = `<!DOCTYPE HTML>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Directory listing for ${escapeHtml(dir)}</title>\n</head>\n<body>\n<h1>Directory listing for ${escapeHtml(dir)}</h1>\n<hr>\n<ul>\n${items}</ul>\n<hr>\n</body>\n</html>\n`;
  return {
    httpVersion: '1.0', status: 200, reason: 'OK',
    headers: [['Server', 'SimpleHTTP/0.6 Python/3.11.2'], ['Date', httpDate(now)], ['Content-type', 'text/html; charset=utf-8'], ['Content-Length', String(body.length)]],
    body: method === 'HEAD' ? '' : body,
  };
}

/** Python's request log line on stderr: `127.0.0.1 - - [25/Nov/2026 03:10:00] "GET / HTTP/1.1" 200 -`. */
export function pythonLogLine(client: string, method: string, path: string, status: number, now: number): string {
  const d = new Date(now);
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return `${client} - - [${p2(d.getUTCDate())}/${mon}/${d.getUTCFullYear()} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}] "${method} ${path} HTTP/1.1" ${status} -\n`;
}

/** nginx's access log line (the pod's `kubectl logs`). */
export function nginxAccessLine(client: string, method: string, path: string, status: number, bytes: number, now: number): string {
  const d = new Date(now);
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return `${client} - - [${p2(d.getUTCDate())}/${mon}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000] "${method} ${path} HTTP/1.1" ${status} ${bytes} "-" "curl/7.88.1" "-"\n`;
}

/** A generic container that listens (e.g. `hashicorp/http-echo`, `agnhost`): answers with its pod name. */
export function podNameResponse(method: string, pod: string, now: number): HttpResponse {
  const body = `${pod}\n`;
  return {
    httpVersion: '1.1', status: 200, reason: 'OK',
    headers: [['Date', httpDate(now)], ['Content-Length', String(body.length)], ['Content-Type', 'text/plain; charset=utf-8']],
    body: method === 'HEAD' ? '' : body,
  };
}
