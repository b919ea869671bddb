import { describe, expect, it } from 'vitest';
import { createShell, runShellLine } from '../../../../core/lab/shell/index.js';
import { FakeHost, runLines } from './fake-host.js';

async function sh(line: string | string[], host = new FakeHost()) {
  return runLines(createShell(host), ...(Array.isArray(line) ? line : [line]));
}

describe('text tools', () => {
  it('grep -v -i -E -c -w as GNU grep', async () => {
    const text = 'printf "Alpha one\\nbeta two\\ngamma\\nalphabet\\n"';
    expect((await sh(`${text} | grep -i alpha`)).out).toBe('Alpha one\nalphabet\n');
    expect((await sh(`${text} | grep -v a`)).out).toBe('');
    expect((await sh(`${text} | grep -c -E "one|two"`)).out).toBe('2\n');
    expect((await sh(`${text} | grep -w -i alpha`)).out).toBe('Alpha one\n');
    expect((await sh(`${text} | grep 'a\\(l\\|m\\)'`)).out).toBe('gamma\nalphabet\n');
    const miss = await sh('grep x /nope');
    expect(miss.err).toBe('grep: /nope: No such file or directory\n');
    expect(miss.status).toBe(2);
  });

  it('awk prints fields, NR/NF, patterns and sums', async () => {
    const t = 'printf "a 1 x\\nb 2 y\\nc 3 z\\n"';
    expect((await sh(`${t} | awk '{print $2}'`)).out).toBe('1\n2\n3\n');
    expect((await sh(`${t} | awk '{print $1":"$NF}'`)).out).toBe('a:x\nb:y\nc:z\n');
    expect((await sh(`${t} | awk 'NR>1 {print $1, $3}'`)).out).toBe('b y\nc z\n');
    expect((await sh(`${t} | awk '{s+=$2} END {print s}'`)).out).toBe('6\n');
    expect((await sh(`${t} | awk '$3 == "y"'`)).out).toBe('b 2 y\n');
    expect((await sh(`echo a:b:c | awk -F: '{print $2}'`)).out).toBe('b\n');
  });

  it('head, tail, wc, sort, uniq, cut, tr', async () => {
    const t = 'printf "3\\n1\\n2\\n2\\n10\\n"';
    expect((await sh(`${t} | head -n 2`)).out).toBe('3\n1\n');
    expect((await sh(`${t} | tail -2`)).out).toBe('2\n10\n');
    expect((await sh(`${t} | wc -l`)).out).toBe('5\n');
    expect((await sh(`${t} | wc`)).out).toBe('      5       5      11\n');
    expect((await sh(`${t} | sort -n | uniq -c`)).out).toBe('      1 1\n      2 2\n      1 3\n      1 10\n');
    expect((await sh(`${t} | sort`)).out).toBe('1\n10\n2\n2\n3\n');
    expect((await sh('echo a,b,c | cut -d, -f2-')).out).toBe('b,c\n');
    expect((await sh('echo hello | tr a-z A-Z')).out).toBe('HELLO\n');
  });

  it('column -t pads like util-linux', async () => {
    const r = await sh('printf "Chain PREROUTING (policy ACCEPT)\\ntarget prot opt source destination\\nKUBE-SERVICES all -- anywhere anywhere\\n" | column -t');
    expect(r.out).toBe(
      'Chain          PREROUTING  (policy  ACCEPT)   \n' +
        'target         prot        opt      source    destination\n' +
        'KUBE-SERVICES  all         --       anywhere  anywhere\n',
    );
  });
});

describe('column options', () => {
  it('-s and -o as util-linux', async () => {
    expect((await sh("printf 'a,b,c\\ncc,d\\n' | column -t -s,")).out).toBe('a   b  c\ncc  d  \n');
    expect((await sh("printf 'a b\\ncc d\\n' | column -t -o '|'")).out).toBe('a |b\ncc|d\n');
  });
});

describe('jq', () => {
  const pod = JSON.stringify({ status: { podIP: '10.244.0.11' }, spec: { containers: [{ ports: [{ containerPort: 80 }] }] }, items: [{ n: 'a', t: 'x' }, { n: 'b', t: 'y' }] });
  it("runs seed 000's filter", async () => {
    const host = new FakeHost();
    host.fs.writeFile('/root/pod.json', pod);
    const r = await sh(`cat pod.json | jq -r '[.status.podIP, .spec.containers[0].ports[0].containerPort | tostring] | join(":")'`, host);
    expect(r.out).toBe('10.244.0.11:80\n');
  });

  it('iterates, selects, counts and pretty-prints', async () => {
    const host = new FakeHost();
    host.fs.writeFile('/root/p.json', pod);
    expect((await sh(`jq -r '.items[].n' p.json`, host)).out).toBe('a\nb\n');
    expect((await sh(`jq -r '.items[] | select(.t == "y") | .n' p.json`, host)).out).toBe('b\n');
    expect((await sh(`jq '.items | length' p.json`, host)).out).toBe('2\n');
    expect((await sh(`jq -c '.items[0]' p.json`, host)).out).toBe('{"n":"a","t":"x"}\n');
    expect((await sh(`jq '.status' p.json`, host)).out).toBe('{\n  "podIP": "10.244.0.11"\n}\n');
    expect((await sh(`jq 'keys' p.json`, host)).out).toBe('[\n  "items",\n  "spec",\n  "status"\n]\n');
    const bad = await sh(`jq '.items.n' p.json`, host);
    expect(bad.err).toBe('jq: error (at <stdin>:1): Cannot index array with "n"\n');
    expect(bad.status).toBe(5);
    const syn = await sh(`jq '.[' p.json`, host);
    expect(syn.status).toBe(3);
    expect(syn.err).toContain('jq: 1 compile error');
  });
});

describe('processes, sockets and jobs', () => {
  it('ps -aef | grep shows kube-proxy like procps', async () => {
    const r = await sh('ps -aef | grep -v grep | grep 11558');
    expect(r.out).toBe('root      11558  11539  0 Mar23 ?        00:06:37 /usr/local/bin/kube-proxy --config=/var/lib/kube-proxy/config.conf --hostname-override=k8s1\n');
  });

  it('plain ps lists the shell and itself', async () => {
    const r = await sh('ps');
    expect(r.out).toMatch(/^    PID TTY          TIME CMD\n *\d+ pts\/0    00:00:00 bash\n *\d+ pts\/0    00:00:00 ps\n$/);
  });

  it('ps -ef | grep lists the grep itself, as on a real node', async () => {
    const r = await sh('ps -ef | grep kube-proxy');
    expect(r.out.split('\n').filter(Boolean)).toHaveLength(2);
    expect(r.out).toMatch(/ grep kube-proxy\n$/);
  });

  it('lsof -i:PORT prints the listener in lsof columns, only for root', async () => {
    const r = await sh('lsof -i:30450');
    expect(r.out).toBe('COMMAND     PID USER   FD   TYPE   DEVICE SIZE/OFF NODE NAME\nkube-prox 11558 root    9u  IPv6 95841832      0t0  TCP *:30450 (LISTEN)\n');
    const lab = await sh(['lsof -i :30450; echo $?', 'sudo lsof -i :30450 | wc -l'], new FakeHost({ user: 'lab' }));
    expect(lab.out).toBe('1\n2\n');
  });

  it('kill -9, python -m SimpleHTTPServer &, jobs, kill %1 (seed 000)', async () => {
    const host = new FakeHost();
    const shell = createShell(host);
    let screen = '';
    const term = { stdout: (s: string) => (screen += s), stderr: (s: string) => (screen += s) };
    await shell.run('kill -9 11558', term);
    await shell.run('python -m SimpleHTTPServer 30450 &', term);
    await shell.run('true', term);
    expect(screen).toBe('[1] 123573\nServing HTTP on 0.0.0.0 port 30450 ...\n');
    const b = await runLines(shell, 'lsof -i:30450', 'jobs');
    expect(b.out).toBe(
      'COMMAND    PID USER   FD   TYPE   DEVICE SIZE/OFF NODE NAME\npython  123573 root    3u  IPv4 95854834      0t0  TCP *:30450 (LISTEN)\n' +
        '[1]+  Running                 python -m SimpleHTTPServer 30450 &\n',
    );
    const c = await runLines(shell, 'kill %1');
    expect(c.status).toBe(0);
    expect(shell.takeNotices()).toBe('[1]+  Terminated              python -m SimpleHTTPServer 30450\n');
    expect(host.processes().some((p) => p.pid === 123573)).toBe(false);
    expect((await runLines(shell, 'kill %1')).err).toBe('bash: kill: %1: no such job\n');
    expect((await runLines(shell, 'kill 4242')).err).toBe('bash: kill: (4242) - No such process\n');
  });

  it('a second listener on a taken port fails as Python does', async () => {
    const r = await sh('python3 -m http.server 30450');
    expect(r.err).toMatch(/^Traceback \(most recent call last\):\n/);
    expect(r.err).toMatch(/OSError: \[Errno 98\] Address already in use\n$/);
    expect(r.status).toBe(1);
    expect((await sh('nc -l -p 30450')).err).toBe('nc: Address already in use\n');
  });

  it('fg is refused politely', async () => {
    const shell = createShell(new FakeHost());
    await runLines(shell, 'sleep 100 &');
    const r = await runLines(shell, 'fg');
    expect(r.err).toContain('cannot bring a job to the foreground');
    expect(r.status).toBe(1);
  });

  it('ss -ltnp and netstat -tlnp', async () => {
    const r = await sh('ss -ltnp');
    expect(r.out).toBe(
      'State  Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess\n' +
        'LISTEN 0      4096               *:30450            *:*    users:(("kube-proxy",pid=11558,fd=9))\n',
    );
    const n = await sh('netstat -tlnp');
    expect(n.out).toBe(
      'Active Internet connections (only servers)\n' +
        'Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name    \n' +
        'tcp6       0      0 :::30450                :::*                    LISTEN      11558/kube-proxy    \n',
    );
  });
});

describe('network views', () => {
  it('ip addr and ip route as iproute2 prints them', async () => {
    const r = await sh('ip addr show eth0');
    expect(r.out).toBe(
      '2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default\n' +
        '    link/ether 02:42:c0:a8:31:02 brd ff:ff:ff:ff:ff:ff\n' +
        '    inet 192.168.49.2/24 brd 192.168.49.255 scope global eth0\n' +
        '       valid_lft forever preferred_lft forever\n',
    );
    expect((await sh('ip route')).out).toBe(
      'default via 192.168.49.1 dev eth0 \n10.244.0.0/24 dev cni0 proto kernel scope link src 10.244.0.1 \n10.244.1.0/24 via 192.168.49.3 dev eth0 \n192.168.49.0/24 dev eth0 proto kernel scope link src 192.168.49.2 \n',
    );
    expect((await sh('ip foo')).err).toBe('Object "foo" is unknown, try "ip help".\n');
    expect((await sh('hostname -I')).out).toBe('192.168.49.2 10.244.0.1 \n');
  });

  it('conntrack -L/-D/-F with conntrack-tools words', async () => {
    const host = new FakeHost();
    host.ct.push({ proto: 'tcp', timeout: 117, state: 'TIME_WAIT', original: { src: '127.0.0.1', dst: '127.0.0.1', sport: 50000, dport: 30450 }, reply: { src: '10.244.0.11', dst: '10.244.0.1', sport: 80, dport: 50000 }, assured: true, mark: 0, use: 1 });
    const r = await sh('conntrack -L', host);
    expect(r.out).toBe('tcp      6 117 TIME_WAIT src=127.0.0.1 dst=127.0.0.1 sport=50000 dport=30450 src=10.244.0.11 dst=10.244.0.1 sport=80 dport=50000 [ASSURED] mark=0 use=1\n');
    expect(r.err).toBe('conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.\n');
    const d = await sh('conntrack -D -p tcp --dport 9999', host);
    expect(d.err).toBe('conntrack v1.4.7 (conntrack-tools): 0 flow entries have been deleted.\n');
    expect(d.status).toBe(1);
    expect((await sh('conntrack -F', host)).err).toBe('conntrack v1.4.7 (conntrack-tools): connection tracking table has been emptied.\n');
    expect(host.ct).toHaveLength(0);
  });
});

describe('curl', () => {
  const nginx = {
    kind: 'response' as const,
    remote: { ip: '127.0.0.1', port: 30450 },
    httpVersion: '1.1' as const,
    status: 200,
    reason: 'OK',
    headers: [['Server', 'nginx/1.27.4'], ['Content-Type', 'text/html'], ['Content-Length', '27']] as [string, string][],
    body: '<title>Welcome to nginx!</title>\n'.slice(0, 27),
  };

  it('curl -I prints the headers; -sSL | grep finds the title', async () => {
    const host = new FakeHost();
    host.answers.set('127.0.0.1:30450', nginx);
    const r = await sh('curl -I -XGET localhost:30450', host);
    expect(r.out).toBe('HTTP/1.1 200 OK\r\nServer: nginx/1.27.4\r\nContent-Type: text/html\r\nContent-Length: 27\r\n\r\n');
    expect(host.requests[0]!.method).toBe('GET');
    const g = await sh('curl -sSL localhost:30450 | grep -i title', host);
    expect(g.out).toBe('<title>Welcome to nginx!</t\n');
    expect(g.err).toBe('');
  });

  it('shows the progress meter only when the output goes to a pipe (exec output is a terminal)', async () => {
    const host = new FakeHost();
    host.answers.set('127.0.0.1:30450', nginx);
    let err = '';
    await runShellLine(host, 'curl localhost:30450 >/dev/null; curl -I localhost:30450', { stdout: () => {}, stderr: (s) => (err += s) });
    expect(err).toBe('  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n                                 Dload  Upload   Total   Spent    Left  Speed\n\r100    27  100    27    0     0  27000      0 --:--:-- --:--:-- --:--:--  27000\n');
    err = '';
    const status = await runShellLine(host, 'watch hostname', { stdout: () => {}, stderr: (s) => (err += s) });
    expect(status).toBe(1);
    expect(err).toContain('needs an interactive terminal');
  });

  it('reports refused and timed-out connections as curl 7.88', async () => {
    const host = new FakeHost();
    const r = await sh('curl localhost:30451', host);
    expect(r.err).toBe("curl: (7) Failed to connect to localhost port 30451 after 0 ms: Couldn't connect to server\n");
    expect(r.status).toBe(7);
    host.answers.set('10.96.0.99:80', { kind: 'timeout', remote: { ip: '10.96.0.99', port: 80 }, elapsedMs: 5001 });
    const t = await sh('curl -m 5 10.96.0.99', host);
    expect(t.err).toBe('curl: (28) Connection timed out after 5001 milliseconds\n');
    expect(t.status).toBe(28);
    expect(host.requests[host.requests.length - 1]!.timeoutMs).toBe(5000);
    expect((await sh('curl -s localhost:30451', host)).err).toBe('');
  });

  it('-w goes to stdout even with -o /dev/null', async () => {
    const host = new FakeHost();
    host.answers.set('10.96.0.5:80', { kind: 'response', remote: { ip: '10.96.0.5', port: 80 }, httpVersion: '1.1', status: 404, reason: 'Not Found', headers: [], body: 'nope' });
    const r = await sh('for i in 1 2; do curl -s -o /dev/null -w "%{http_code}\\n" 10.96.0.5; done', host);
    expect(r.out).toBe('404\n404\n');
  });
});
