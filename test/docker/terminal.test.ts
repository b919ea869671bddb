// A docker node's terminal and its kubectl, against a real Docker engine: the
// node's `kubectl` forwards to the lab in this process (in a terminal, in a
// pipeline, in $(…), with -f FILE of the node and -f - from stdin), the shell
// reports each command (line, output, status) through its OSC 633 marks, and
// with no process attached the node's kubectl says what to do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { attachDockerLab, connectEngine, createDockerLab, removeDockerLab, type DockerLab } from '../../core/host/docker/index.js';
import type { Engine } from '../../core/host/docker/connect.js';
import type { TerminalSession } from '../../core/lab/backend.js';
import { until } from './helpers.js';

const LAB = `t-term-${process.pid}`;
const agentPath = 'dist/agent/kube-proxy.mjs';
let engine: Engine;
let lab: DockerLab;

const manifest = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: nginx, image: nginx, ports: [{containerPort: 80}]}
`;

interface Rec { line: string; output: string; exitCode: number }

/** A terminal with everything it showed and every command it reported. */
async function openTerm(node: string): Promise<{ term: TerminalSession; shown: () => string; records: Rec[] }> {
  const term = await lab.openTerminal({ node }, { cols: 200, rows: 50 });
  let shown = '';
  const records: Rec[] = [];
  term.onData((d) => (shown += d));
  expect(term.onCommand).toBeDefined();
  term.onCommand!((r) => records.push(r));
  await until('the prompt', async () => (/k8s1:.*# $/.test(shown) ? true : undefined));
  return { term, shown: () => shown, records };
}

/** Types a line and waits for the shell to report it finished. */
async function type(t: { term: TerminalSession; records: Rec[] }, line: string): Promise<Rec> {
  const before = t.records.length;
  t.term.write(`${line}\r`);
  return until(`"${line}" to finish`, async () => t.records[before]);
}

beforeAll(async () => {
  if (!existsSync(agentPath)) execFileSync('node', ['scripts/build.mjs'], { stdio: 'inherit' });
  engine = await connectEngine();
  await removeDockerLab(engine.docker, LAB);
  lab = await createDockerLab({ name: LAB, nodes: 1, kubeProxyVersion: '1.33', backend: 'docker' }, { engine, agentPath });
  const r = await lab.apply(manifest);
  expect(r.exitCode, r.output).toBe(0);
  await until('the web pods to run', async () => {
    await lab.advance(300);
    const s = await lab.snapshot();
    return s.pods.filter((p) => p.labels.app === 'web' && p.phase === 'Running').length === 2 ? true : undefined;
  });
});

afterAll(async () => {
  await lab?.close();
  if (engine) await removeDockerLab(engine.docker, LAB);
});

describe('kubectl inside a docker node', () => {
  it('works in a command line anywhere: alone, in a pipeline, in $(…)', async () => {
    const get = await lab.exec('k8s1', 'kubectl get pods -o wide');
    expect(get.exitCode, get.output).toBe(0);
    expect(get.output).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE/m);
    expect(get.output.match(/^web-\S+\s+1\/1\s+Running .* k8s1 /gm)).toHaveLength(2);
    // The pipe runs in the node: its real jq and wc read kubectl's stdout.
    const jq = await lab.exec('k8s1', `kubectl get pods -l app=web -o json | jq -r '.items[].status.podIP' | wc -l`);
    expect(jq.output.trim()).toBe('2');
    const sub = await lab.exec('k8s1', `ip=$(kubectl get svc kubernetes -o jsonpath='{.spec.clusterIP}'); echo "ip=$ip"`);
    expect(sub.output.trim()).toBe('ip=10.96.0.1');
    const missing = await lab.exec('k8s1', 'kubectl get svc nope');
    expect(missing).toEqual({ output: 'Error from server (NotFound): services "nope" not found\n', exitCode: 1 });
  });

  it('applies a file of the node (-f FILE, relative to the cwd) and stdin (-f -)', async () => {
    const file = await lab.exec('k8s1', `mkdir -p /root/m && cd /root/m && printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: from-file}\\ndata: {a: "1"}\\n' > cm.yaml && kubectl apply -f cm.yaml`);
    expect(file).toEqual({ output: 'configmap/from-file created\n', exitCode: 0 });
    const dir = await lab.exec('k8s1', 'cd /root && kubectl apply -f m/');
    expect(dir).toEqual({ output: 'configmap/from-file unchanged\n', exitCode: 0 });
    const stdin = await lab.exec('k8s1', `printf 'apiVersion: v1\\nkind: Service\\nmetadata: {name: web}\\nspec: {selector: {app: web}, ports: [{port: 80}]}\\n' | kubectl apply -f -`);
    expect(stdin).toEqual({ output: 'service/web created\n', exitCode: 0 });
    // The change reached the node's kube-proxy before kubectl returned.
    const rules = await lab.exec('k8s1', 'iptables-save -t nat | grep -c "default/web cluster IP"');
    expect(Number(rules.output.trim())).toBeGreaterThan(0);
    const nofile = await lab.exec('k8s1', 'kubectl apply -f /root/none.yaml');
    expect(nofile).toEqual({ output: 'error: the path "/root/none.yaml" does not exist\n', exitCode: 1 });
  });

  it('kube-proxy logs are the node\'s real kube-proxy\'s', async () => {
    const r = await lab.exec('k8s1', 'kubectl logs -n kube-system $(kubectl get pods -n kube-system -o name | grep kube-proxy) | tail -1');
    expect(r.output).toMatch(/^I\d{4} [\d:.]+ +\d+ proxier\.go:\d+\] "SyncProxyRules complete"/);
  });
});

describe('a node terminal', () => {
  it("the console is the control-plane's real shell: real processes, real iptables, kubectl forwarded", async () => {
    const term = await lab.openTerminal({ console: true }, { cols: 200, rows: 50 });
    let shown = '';
    const records: Rec[] = [];
    term.onData((d) => (shown += d));
    term.onCommand!((r) => records.push(r));
    await until('the prompt', async () => (/k8s1:.*# $/.test(shown) ? true : undefined));
    const t = { term, records };
    expect((await type(t, 'hostname')).output).toBe('k8s1\n');
    // The node's real kube-proxy (a simulated shell would show the sim's process table).
    const real = await lab.exec('k8s1', 'pgrep -x kube-proxy');
    expect((await type(t, 'pgrep -x kube-proxy')).output).toBe(real.output);
    expect((await type(t, 'kubectl get pods -o name | grep -c web-')).output).toBe('2\n');
    term.close();
  });

  it('reports each command with its output and exit status, and shows no marks', async () => {
    const t = await openTerm('k8s1');
    const ok = await type(t, 'kubectl get pods -o wide | grep -c web-');
    expect(ok).toEqual({ line: 'kubectl get pods -o wide | grep -c web-', output: '2\n', exitCode: 0 });
    const failed = await type(t, 'iptables -t nat -L NOPE; echo "a;b" >&2; false');
    expect(failed.line).toBe('iptables -t nat -L NOPE; echo "a;b" >&2; false');
    expect(failed.output).toContain('a;b\n');
    expect(failed.exitCode).toBe(1);
    const multi = await type(t, 'for i in 1 2; do echo "n$i"; done');
    expect(multi.output).toBe('n1\nn2\n');
    expect(t.shown()).toContain('n1\r\nn2\r\n');
    expect(t.shown()).not.toContain('\x1b]633');
    // Ctrl-C ends a watch (kubectl get -w): the command is reported with 130.
    const before = t.records.length;
    t.term.write('kubectl get pods -w\r');
    await until('the watch to print', async () => (/web-\S+\s+1\/1\s+Running[\s\S]*web-/.test(t.shown().split('kubectl get pods -w').pop() ?? '') ? true : undefined));
    t.term.write('\x03');
    const watch = await until('the watch to end', async () => t.records[before]);
    expect(watch.line).toBe('kubectl get pods -w');
    expect(watch.exitCode).toBe(130);
    const shells = async (): Promise<number> => Number((await lab.exec('k8s1', `ps -eo args | grep -c '^bash --rcfile' || true`)).output.trim());
    expect(await shells()).toBe(1);
    // Closing the terminal hangs up its shell: no bash is left behind in the node.
    t.term.close();
    await until('the shell to end', async () => ((await shells()) === 0 ? true : undefined), 15_000);
  });
});

describe('with no Chainlab process attached', () => {
  it('the node\'s kubectl says so, and works again once a process attaches', async () => {
    const brain = lab.cluster;
    await lab.detach();
    const container = engine.docker.getContainer(`chainlab-${LAB}-k8s1`);
    const { stdout: out } = await promisify(execFile)('docker', ['exec', container.id, 'sh', '-c', 'kubectl get pods 2>&1; echo "exit=$?"'], { encoding: 'utf8', timeout: 60_000 });
    expect(out).toContain('no Chainlab process is attached to this lab');
    expect(out).toContain('chainlab kubectl');
    expect(out).toContain('exit=1');
    lab = await attachDockerLab(lab.spec, { engine, agentPath, brain });
    const r = await lab.exec('k8s1', 'kubectl get deploy web -o jsonpath={.spec.replicas}');
    expect(r).toEqual({ output: '2', exitCode: 0 });
  });
});
