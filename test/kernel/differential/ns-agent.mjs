// A tiny agent that lives in one network namespace of the kernel differential
// tier (started with `ip netns exec NS node ns-agent.mjs NAME`). It listens
// where the test asks (so delivery is observable: a pod "answers"), and sends
// real packets from inside the namespace (a TCP connect = one SYN, a UDP
// datagram). One long-lived process per namespace keeps a probe at ~1 ms
// instead of a Node start-up per packet.
//
// Protocol: JSON lines. stdin: {id, op, ...}; stdout: {id, ...} replies and
// {event: 'accept' | 'datagram', ...} notifications.
import net from 'node:net';
import dgram from 'node:dgram';
import readline from 'node:readline';

const agentName = process.argv[2] ?? 'agent';
const out = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
const servers = [];
const pending = new Map();

function listen(cmd) {
  const address = cmd.address ?? '0.0.0.0';
  if (cmd.proto === 'udp') {
    const sock = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    sock.on('message', (msg, rinfo) => {
      const local = sock.address();
      out({ event: 'datagram', agent: agentName, proto: 'udp', local: local.address, localPort: local.port, remote: rinfo.address, remotePort: rinfo.port, text: msg.toString() });
      sock.send(`${agentName}\n`, rinfo.port, rinfo.address);
    });
    sock.on('error', (e) => out({ id: cmd.id, ok: false, error: e.message }));
    sock.bind(cmd.port, address, () => out({ id: cmd.id, ok: true }));
    servers.push(sock);
    return;
  }
  const srv = net.createServer((s) => {
    out({ event: 'accept', agent: agentName, proto: 'tcp', local: s.localAddress, localPort: s.localPort, remote: s.remoteAddress, remotePort: s.remotePort });
    s.on('error', () => {});
    s.end(`${agentName}\n`);
  });
  srv.on('error', (e) => out({ id: cmd.id, ok: false, error: e.message }));
  srv.listen({ port: cmd.port, host: address, exclusive: true }, () => out({ id: cmd.id, ok: true }));
  servers.push(srv);
}

function connect(cmd) {
  const started = Date.now();
  const opts = { host: cmd.dst, port: cmd.dport };
  if (cmd.src) opts.localAddress = cmd.src;
  if (cmd.sport) opts.localPort = cmd.sport;
  const s = net.connect(opts);
  let done = false;
  const finish = (result, extra = {}) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    pending.delete(cmd.id);
    s.destroy();
    out({ id: cmd.id, ok: true, result, ms: Date.now() - started, ...extra });
  };
  // Below the 1 s initial RTO: a dropped SYN is never retransmitted.
  const timer = setTimeout(() => finish('timeout'), cmd.timeoutMs ?? 900);
  s.once('connect', () => {
    let answer = '';
    s.on('data', (d) => {
      answer += d.toString();
      if (answer.includes('\n')) finish('connected', { answer: answer.trim() });
    });
    s.once('end', () => finish('connected', { answer: answer.trim() }));
  });
  s.once('error', (e) => finish(e.code === 'ECONNREFUSED' ? 'refused' : e.code === 'EHOSTUNREACH' || e.code === 'ENETUNREACH' ? 'unreachable' : 'error', { code: e.code, message: e.message }));
  pending.set(cmd.id, () => finish('cancelled'));
}

function udp(cmd) {
  const started = Date.now();
  const sock = dgram.createSocket('udp4');
  let done = false;
  const finish = (result, extra = {}) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    pending.delete(cmd.id);
    sock.close();
    out({ id: cmd.id, ok: true, result, ms: Date.now() - started, ...extra });
  };
  const timer = setTimeout(() => finish('sent'), cmd.timeoutMs ?? 400);
  sock.on('message', (msg) => finish('replied', { answer: msg.toString().trim() }));
  sock.on('error', (e) => finish(e.code === 'ECONNREFUSED' ? 'refused' : 'error', { code: e.code, message: e.message }));
  sock.bind(cmd.sport ?? 0, cmd.src ?? '0.0.0.0', () => {
    // connect() so that an ICMP port-unreachable surfaces as ECONNREFUSED.
    sock.connect(cmd.dport, cmd.dst, (err) => {
      if (err) return finish('error', { message: err.message });
      sock.send(cmd.payload ?? 'probe', (e) => { if (e) finish('error', { message: e.message }); });
    });
  });
  pending.set(cmd.id, () => finish('cancelled'));
}

/** A fire-and-forget datagram (the trace monitor's barrier marker), from a given source port. */
function fire(cmd) {
  const sock = dgram.createSocket(cmd.family === 6 ? 'udp6' : 'udp4');
  sock.on('error', (e) => out({ id: cmd.id, ok: false, error: e.message }));
  sock.bind(cmd.sport ?? 0, () => {
    sock.send(cmd.payload ?? 'marker', cmd.dport, cmd.dst, () => {
      sock.close();
      out({ id: cmd.id, ok: true });
    });
  });
}

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  let cmd;
  try {
    cmd = JSON.parse(line);
  } catch {
    return;
  }
  try {
    switch (cmd.op) {
      case 'listen': return listen(cmd);
      case 'connect': return connect(cmd);
      case 'udp': return udp(cmd);
      case 'fire': return fire(cmd);
      case 'cancel': { const f = pending.get(cmd.target); if (f) f(); return out({ id: cmd.id, ok: true }); }
      case 'ping': return out({ id: cmd.id, ok: true, agent: agentName });
      default: return out({ id: cmd.id, ok: false, error: `unknown op ${cmd.op}` });
    }
  } catch (e) {
    out({ id: cmd.id, ok: false, error: String(e) });
  }
});
rl.on('close', () => process.exit(0));
out({ event: 'ready', agent: agentName });
