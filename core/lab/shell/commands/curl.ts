// curl 7.88.1 as people use it against Services: -I, -i, -s, -S, -L, -X,
// -m, --connect-timeout, -v, -o, -H, -d, -w. The node's host decides what
// answers (through the node's rules); curl words the result and exits with
// its own codes (6, 7, 28, 52, 56).

import type { ConnectResult, HttpRequest } from '../host.js';
import type { ShellCommand } from '../context.js';
import { utf8Length } from './util.js';

const TRY = "curl: try 'curl --help' or 'curl --manual' for more information\n";
const AGENT = 'curl/7.88.1';

interface Url {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  path: string;
  /** As curl names it in messages (`localhost`, `10.96.0.1`). */
  display: string;
}

function parseUrl(raw: string): Url | null {
  const m = /^(?:([a-zA-Z][a-zA-Z0-9+.-]*):\/\/)?(\[[0-9a-fA-F:.]+\]|[^/:?#]+)(?::(\d*))?([/?#].*)?$/.exec(raw);
  if (!m) return null;
  const scheme = (m[1] ?? 'http').toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return null;
  const host = m[2]!.replace(/^\[|\]$/g, '');
  const port = m[3] ? Number(m[3]) : scheme === 'https' ? 443 : 80;
  if (port > 65535) return null;
  let path = m[4] ?? '/';
  if (!path.startsWith('/')) path = '/' + path;
  return { scheme, host, port, path: path.replace(/#.*$/, ''), display: host };
}

const LONG_VALUE = new Set(['--request', '--max-time', '--connect-timeout', '--header', '--data', '--data-raw', '--data-binary', '--output', '--write-out', '--user-agent', '--url', '--max-redirs', '--retry', '--resolve', '--cacert']);
const SHORT_VALUE = 'XmHdoAwuebEr';

export const curl: ShellCommand = async (args, io, ctx) => {
  let silent = false;
  let showErr = false;
  let head = false;
  let include = false;
  let follow = false;
  let verbose = false;
  let method: string | undefined;
  let maxTime: number | undefined;
  let connectTimeout: number | undefined;
  let output: string | undefined;
  let writeOut: string | undefined;
  let data: string | undefined;
  let failFlag = false;
  let agent = AGENT;
  let maxRedirs = 50;
  const headers: [string, string][] = [];
  const urls: string[] = [];

  const takeValue = (name: string, v: string): number | null => {
    switch (name) {
      case 'X': case '--request': method = v; break;
      case 'm': case '--max-time': maxTime = Number(v); break;
      case '--connect-timeout': connectTimeout = Number(v); break;
      case 'H': case '--header': {
        const i = v.indexOf(':');
        if (i > 0) headers.push([v.slice(0, i).trim(), v.slice(i + 1).trim()]);
        break;
      }
      case 'd': case '--data': case '--data-raw': case '--data-binary': data = data === undefined ? v : `${data}&${v}`; break;
      case 'o': case '--output': output = v; break;
      case 'w': case '--write-out': writeOut = v; break;
      case 'A': case '--user-agent': agent = v; break;
      case '--url': urls.push(v); break;
      case '--max-redirs': maxRedirs = Number(v); break;
    }
    if ((name === 'm' || name === '--max-time' || name === '--connect-timeout') && !Number.isFinite(Number(v))) {
      io.stderr('curl: (2) expected a proper numerical parameter\n' + TRY);
      return 2;
    }
    return null;
  };

  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(0, eq) : a;
      if (LONG_VALUE.has(name)) {
        const v = eq > 0 ? a.slice(eq + 1) : args[++i];
        if (v === undefined) {
          io.stderr(`curl: option ${name}: requires parameter\n${TRY}`);
          return 2;
        }
        const r = takeValue(name, v);
        if (r !== null) return r;
        continue;
      }
      switch (name) {
        case '--silent': silent = true; break;
        case '--show-error': showErr = true; break;
        case '--head': head = true; break;
        case '--include': include = true; break;
        case '--location': follow = true; break;
        case '--verbose': verbose = true; break;
        case '--insecure': case '--compressed': case '--no-progress-meter': case '--http1.1': case '--fail-with-body': break;
        case '--fail': failFlag = true; break;
        default:
          io.stderr(`curl: option ${a}: is unknown\n${TRY}`);
          return 2;
      }
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        if (SHORT_VALUE.includes(c)) {
          const v = j + 1 < a.length ? a.slice(j + 1) : args[++i];
          if (v === undefined) {
            io.stderr(`curl: option -${c}: requires parameter\n${TRY}`);
            return 2;
          }
          const r = takeValue(c, v);
          if (r !== null) return r;
          break;
        }
        switch (c) {
          case 's': silent = true; break;
          case 'S': showErr = true; break;
          case 'I': head = true; break;
          case 'i': include = true; break;
          case 'L': follow = true; break;
          case 'v': verbose = true; break;
          case 'k': case '4': case '6': case 'N': case '#': break;
          case 'f': failFlag = true; break;
          default:
            io.stderr(`curl: option -${a.slice(j)}: is unknown\n${TRY}`);
            return 2;
        }
      }
      continue;
    }
    urls.push(a);
  }
  if (urls.length === 0) {
    io.stderr(`curl: no URL specified!\n${TRY}`);
    return 2;
  }

  const errors = !silent || showErr;
  const meter = !silent && !io.tty && !verbose;
  let status = 0;
  for (const raw of urls) {
    const first = parseUrl(raw);
    if (!first) {
      if (errors) io.stderr('curl: (3) URL using bad/illegal format or missing URL\n');
      status = 3;
      continue;
    }
    let url: Url = first;
    let reqMethod = method ?? (head ? 'HEAD' : data !== undefined ? 'POST' : 'GET');
    let out = '';
    /** `-w` output goes to stdout even with `-o FILE`. */
    let written = '';
    let redirects = 0;
    for (;;) {
      const hostHeader = url.port === (url.scheme === 'https' ? 443 : 80) ? url.host : `${url.host.includes(':') ? `[${url.host}]` : url.host}:${url.port}`;
      const reqHeaders: [string, string][] = [['Host', hostHeader], ['User-Agent', agent], ['Accept', '*/*']];
      for (const [k, v] of headers) {
        const idx = reqHeaders.findIndex(([n]) => n.toLowerCase() === k.toLowerCase());
        if (idx >= 0) reqHeaders[idx] = [k, v];
        else reqHeaders.push([k, v]);
      }
      if (data !== undefined) reqHeaders.push(['Content-Length', String(utf8Length(data))], ['Content-Type', 'application/x-www-form-urlencoded']);
      const timeouts = [maxTime, connectTimeout].filter((x): x is number => x !== undefined);
      const req: HttpRequest = {
        host: url.host,
        port: url.port,
        scheme: url.scheme,
        method: reqMethod,
        path: url.path,
        headers: reqHeaders,
        ...(data !== undefined ? { body: data } : {}),
        ...(timeouts.length ? { timeoutMs: Math.round(Math.min(...timeouts) * 1000) } : {}),
        user: ctx.user,
      };
      let res: ConnectResult;
      try {
        res = await ctx.host.connect(req, io.signal);
      } catch (e) {
        if (io.signal.aborted) return 130;
        throw e;
      }
      if (io.signal.aborted) return 130;
      if (verbose && 'remote' in res) {
        const ip = res.remote.ip.includes(':') ? `[${res.remote.ip}]` : res.remote.ip;
        io.stderr(`*   Trying ${ip}:${res.remote.port}...\n`);
      }
      if (res.kind !== 'response') {
        const code = failure(res, url, req.timeoutMs !== undefined);
        if (errors) io.stderr(code.message + '\n');
        status = code.code;
        break;
      }
      const statusLine = `HTTP/${res.httpVersion} ${res.status} ${res.reason}`;
      if (verbose) {
        io.stderr(`* Connected to ${url.display} (${res.remote.ip}) port ${res.remote.port} (#0)\n`);
        io.stderr(`> ${reqMethod} ${url.path} HTTP/1.1\n`);
        for (const [k, v] of reqHeaders) io.stderr(`> ${k}: ${v}\n`);
        io.stderr('> \n');
        io.stderr(`< ${statusLine}\n`);
        for (const [k, v] of res.headers) io.stderr(`< ${k}: ${v}\n`);
        io.stderr('< \n');
      }
      const headText = `${statusLine}\r\n${res.headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
      const location = res.headers.find(([k]) => k.toLowerCase() === 'location')?.[1];
      const bodyWanted = !head && reqMethod !== 'HEAD';
      if (head || include) out += headText;
      if (follow && location && res.status >= 300 && res.status < 400) {
        if (redirects++ >= maxRedirs) {
          if (errors) io.stderr(`curl: (47) Maximum (${maxRedirs}) redirects followed\n`);
          status = 47;
          break;
        }
        const next: Url | null = location.startsWith('/') ? parseUrl(`${url.scheme}://${hostHeader}${location}`) : parseUrl(location);
        if (!next) break;
        url = next;
        if (res.status === 303 || ((res.status === 301 || res.status === 302) && reqMethod === 'POST')) reqMethod = method ?? 'GET';
        continue;
      }
      if (failFlag && res.status >= 400) {
        if (errors) io.stderr(`curl: (22) The requested URL returned error: ${res.status}\n`);
        status = 22;
        break;
      }
      if (bodyWanted) out += res.body;
      const bytes = utf8Length(bodyWanted ? res.body : '');
      if (meter && !output) {
        io.stderr(progressMeter(bytes));
      }
      if (verbose) {
        if (bodyWanted) io.stderr(`{ [${bytes} bytes data]\n`);
        io.stderr(`* Connection #0 to host ${url.display} left intact\n`);
      }
      if (writeOut !== undefined) {
        const w = writeOut
          .replace(/%\{http_code\}|%\{response_code\}/g, String(res.status))
          .replace(/%\{remote_ip\}/g, res.remote.ip)
          .replace(/%\{remote_port\}/g, String(res.remote.port))
          .replace(/%\{size_download\}/g, String(bytes))
          .replace(/%\{time_total\}/g, '0.001234')
          .replace(/%\{url_effective\}/g, `${url.scheme}://${hostHeader}${url.path}`)
          .replace(/\\n/g, '\n');
        written += w;
      }
      break;
    }
    if (output !== undefined && output !== '-') {
      if (output !== '/dev/null') ctx.host.fs.writeFile(ctx.resolve(output), out, { now: ctx.host.now(), owner: ctx.user });
    } else io.stdout(out);
    if (written) io.stdout(written);
  }
  return status;
};

function failure(res: Exclude<ConnectResult, { kind: 'response' }>, url: Url, hadTimeout: boolean): { code: number; message: string } {
  switch (res.kind) {
    case 'unresolved':
      return { code: 6, message: `curl: (6) Could not resolve host: ${url.host}` };
    case 'refused':
      return { code: 7, message: `curl: (7) Failed to connect to ${url.display} port ${url.port} after ${res.elapsedMs} ms: Couldn't connect to server` };
    case 'unreachable':
      return { code: 7, message: `curl: (7) Failed to connect to ${url.display} port ${url.port} after ${res.elapsedMs} ms: Couldn't connect to server` };
    case 'timeout':
      return hadTimeout
        ? { code: 28, message: `curl: (28) Connection timed out after ${res.elapsedMs} milliseconds` }
        : { code: 28, message: `curl: (28) Failed to connect to ${url.display} port ${url.port} after ${res.elapsedMs} ms: Couldn't connect to server` };
    case 'empty-reply':
      return { code: 52, message: 'curl: (52) Empty reply from server' };
    case 'reset':
      return { code: 56, message: 'curl: (56) Recv failure: Connection reset by peer' };
  }
}

/** curl's 5-character size/speed figure: `615`, `600k`, `12.0M`. */
function curlSize(n: number): string {
  if (n < 100000) return String(Math.round(n));
  if (n < 10 * 1048576) return `${Math.round(n / 1024)}k`;
  return `${(n / 1048576).toFixed(1)}M`;
}

/** The meter curl writes to stderr when its output is not a terminal (a local transfer takes about 1 ms). */
function progressMeter(bytes: number): string {
  const size = curlSize(bytes);
  const speed = curlSize(bytes * 1000);
  return (
    '  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n' +
    '                                 Dload  Upload   Total   Spent    Left  Speed\n' +
    `\r100 ${size.padStart(5)}  100 ${size.padStart(5)}    0     0 ${speed.padStart(6)}      0 --:--:-- --:--:-- --:--:-- ${speed.padStart(6)}\n`
  );
}
