// `chainlab up|exec|kubectl|status|reset|down`: labs that live between
// commands. Each command takes the lab's lock, restores it, runs, and saves
// it atomically; what a node shell or kubectl prints goes straight through,
// and so does the exit status.

import { readFileSync, statSync } from 'node:fs';
import type { CliIO, Command } from '../io.js';
import { EXIT_USAGE } from '../io.js';
import type { LabSpec, SimLab } from '../../../lab/index.js';
import { runShellLine } from '../../../lab/shell/index.js';
import { runKubectl } from '../../../lab/kubectl/index.js';
import { LabInUseError, lockLab } from '../../lab/lock.js';
import { LAB_NAME, labDir, listLabs, readLab, removeLab, writeLab } from '../../lab/store.js';
import { LabExistsError, createLab, lockWaitMs, withLab } from '../../lab/session.js';
import { createSimLab, realtimeClock } from '../../../lab/index.js';
import { attachDockerLab, connectEngine, createDockerLab, removeDockerLab } from '../../docker/index.js';
import { projectPath } from '../../paths.js';

/** The bundled in-node kube-proxy of the docker backend (built by `npm run build`). */
export function dockerAgentPath(): string {
  return projectPath('dist/agent/kube-proxy.mjs', 'the in-node kube-proxy is not built; run `npm run build` in the repository');
}

/** Runs `fn` on the docker lab behind a stored lab's cluster state, then lets go of its nodes (they keep running). */
export async function onDockerNodes<T>(brain: SimLab, fn: (lab: Awaited<ReturnType<typeof attachDockerLab>>) => Promise<T>): Promise<T> {
  const dl = await attachDockerLab(brain.spec, { agentPath: dockerAgentPath(), brain });
  try {
    return await fn(dl);
  } finally {
    await dl.detach();
  }
}

const UP_HELP = `Create a lab (a small Kubernetes cluster) and keep it between commands.

Usage:
  chainlab up [--name NAME] [--nodes N] [--kube-proxy-version V] [--backend sim|docker] [options]

Options:
      --name NAME                 the lab's name (default: lab)
      --nodes N                   nodes, the first is the control-plane (default: 3)
      --kube-proxy-version V      1.33 (default), or 1.22 for a lab where kube-proxy holds NodePort sockets
      --backend sim|docker        where nodes run (default: sim)
      --user USER                 login user of node shells: root (default) or lab (prompt $, sudo)
      --no-restart-kube-proxy     kubelet does not restart a killed kube-proxy
      --seed N                    seed for names, hashes and random choices
  -h, --help                      show this help

Labs are kept under $CHAINLAB_HOME (default ~/.chainlab).
`;

const EXEC_HELP = `Run one command line in a node shell of a lab, as a terminal would show it.

Usage:
  chainlab exec [--lab NAME] [--user USER] NODE -- COMMAND [ARG...]

The words after -- form one shell line (quote pipes: chainlab exec k8s1 -- 'iptables-save | grep nginx').
The exit status is the command line's.
`;

const KUBECTL_HELP = `Run kubectl against a lab's cluster.

Usage:
  chainlab kubectl [--lab NAME] ARG...
`;

const simpleHelp = (what: string): string => `${what}\n\nUsage:\n  chainlab ${what.split(' ')[0]!.toLowerCase()} [--lab NAME]\n`;

interface Parsed { lab?: string; rest: string[]; help: boolean; error?: string; flags: Map<string, string | true> }

/** Our flags before the node/arguments; everything from the first other word (or after --) is passed on. */
function parse(argv: string[], valued: string[], bools: string[], stopAtPositional: boolean): Parsed {
  const flags = new Map<string, string | true>();
  const rest: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') { rest.push(...argv.slice(i)); break; }
    if (a === '-h' || a === '--help') { help = true; continue; }
    const m = /^(--[a-z-]+)(?:=(.*))?$/.exec(a);
    if (m && valued.includes(m[1]!)) {
      const v = m[2] ?? argv[++i];
      if (v === undefined) return { rest, help, flags, error: `flag needs an argument: ${m[1]}` };
      flags.set(m[1]!, v);
      continue;
    }
    if (m && bools.includes(m[1]!)) { flags.set(m[1]!, true); continue; }
    if (a.startsWith('-') && a !== '-') {
      if (stopAtPositional && rest.length > 0) { rest.push(...argv.slice(i)); break; }
      return { rest, help, flags, error: `unknown flag: ${a}` };
    }
    rest.push(a);
    if (stopAtPositional) { rest.push(...argv.slice(i + 1)); break; }
  }
  const lab = flags.get('--lab');
  return { ...(typeof lab === 'string' ? { lab } : {}), rest, help, flags };
}

function usageError(io: CliIO, cmd: string, message: string): number {
  io.stderr(`chainlab ${cmd}: ${message}\nRun 'chainlab ${cmd} --help' for usage.\n`);
  return EXIT_USAGE;
}

/** The lab a command means: --lab, or the only one there is. */
export async function pickLab(io: CliIO, cmd: string, name: string | undefined): Promise<string | number> {
  if (name !== undefined) {
    if (!LAB_NAME.test(name)) return usageError(io, cmd, `"${name}" is not a lab name (lower-case letters, digits and '-')`);
    const labs = await listLabs(io.env);
    if (!labs.includes(name)) {
      io.stderr(`chainlab ${cmd}: no lab named "${name}"${labs.length ? ` (labs: ${labs.join(', ')})` : ''}; create it with: chainlab up --name ${name}\n`);
      return 1;
    }
    return name;
  }
  const labs = await listLabs(io.env);
  if (labs.length === 1) return labs[0]!;
  if (labs.length === 0) {
    io.stderr(`chainlab ${cmd}: there is no lab yet; create one with: chainlab up\n`);
    return 1;
  }
  return usageError(io, cmd, `${labs.length} labs exist (${labs.join(', ')}); choose one with --lab NAME`);
}

export async function guarded(io: CliIO, cmd: string, fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof LabInUseError || e instanceof LabExistsError) {
      io.stderr(`chainlab ${cmd}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

/** Ctrl-C stops the running command (watch, kubectl get -w, curl); the lab is still saved. */
function interruptSignal(): { signal: AbortSignal; done: () => void } {
  const ac = new AbortController();
  const onInt = (): void => ac.abort();
  process.once('SIGINT', onInt);
  return { signal: ac.signal, done: () => { process.removeListener('SIGINT', onInt); } };
}

function describeLab(lab: SimLab, name: string): string {
  const rt = lab.runtime;
  const lines = [`Lab "${name}": ${rt.state.nodes.length} node${rt.state.nodes.length === 1 ? '' : 's'} (${lab.spec.backend}), Kubernetes ${rt.release.gitVersion}, kube-proxy restarts ${lab.spec.restartKubeProxy === false ? 'off' : 'on'}`];
  const w = Math.max(...rt.state.nodes.map((n) => n.name.length));
  for (const n of rt.state.nodes) {
    const kp = n.kubeProxy;
    lines.push(`  ${n.name.padEnd(w)}  ${n.role.padEnd(13)}  ${n.ip.padEnd(15)}  pods ${n.podCIDR.padEnd(15)}  kube-proxy ${kp.state}${kp.pid !== undefined ? ` (pid ${kp.pid})` : ''}${kp.restarts ? `, ${kp.restarts} restart${kp.restarts === 1 ? '' : 's'}` : ''}`);
  }
  const pods = rt.api.all('Pod').length;
  const svcs = rt.api.all('Service').length;
  lines.push(`  ${pods} pods, ${svcs} services`);
  return `${lines.join('\n')}\n`;
}

export const up: Command = async (argv, io) => {
  const p = parse(argv, ['--name', '--nodes', '--kube-proxy-version', '--backend', '--seed', '--user'], ['--no-restart-kube-proxy'], false);
  if (p.help) { io.stdout(UP_HELP); return 0; }
  if (p.error) return usageError(io, 'up', p.error);
  if (p.rest.length > 0) return usageError(io, 'up', `unexpected argument "${p.rest[0]}"`);
  const name = (p.flags.get('--name') as string | undefined) ?? 'lab';
  if (!LAB_NAME.test(name)) return usageError(io, 'up', `--name "${name}": use lower-case letters, digits and '-' (at most 40)`);
  const nodesText = (p.flags.get('--nodes') as string | undefined) ?? '3';
  const nodes = Number(nodesText);
  if (!/^\d+$/.test(nodesText) || nodes < 1 || nodes > 10) return usageError(io, 'up', `--nodes ${nodesText}: give a number from 1 to 10`);
  const version = (p.flags.get('--kube-proxy-version') as string | undefined) ?? '1.33';
  const vm = /^v?1\.(\d+)(\.\d+)?$/.exec(version);
  if (!vm || Number(vm[1]) < 20 || Number(vm[1]) > 34) return usageError(io, 'up', `--kube-proxy-version ${version}: give a release such as 1.33 or 1.22`);
  const backend = (p.flags.get('--backend') as string | undefined) ?? 'sim';
  if (backend !== 'sim' && backend !== 'docker') return usageError(io, 'up', `--backend ${backend}: choose sim or docker`);
  const seedText = p.flags.get('--seed') as string | undefined;
  if (seedText !== undefined && !/^\d+$/.test(seedText)) return usageError(io, 'up', `--seed ${seedText}: give a whole number`);
  const user = p.flags.get('--user') as string | undefined;
  if (user !== undefined && !/^[a-z_][a-z0-9_-]*$/.test(user)) return usageError(io, 'up', `--user ${user}: not a user name`);
  const spec: LabSpec = {
    name, nodes, kubeProxyVersion: version, backend,
    ...(p.flags.has('--no-restart-kube-proxy') ? { restartKubeProxy: false } : {}),
    ...(seedText !== undefined ? { seed: Number(seedText) } : {}),
  };
  if (backend === 'docker') return guarded(io, 'up', () => upDocker(spec, io));
  return guarded(io, 'up', async () => {
    const lab = await createLab(spec, { env: io.env, ...(user ? { user } : {}) });
    io.stdout(describeLab(lab, name));
    io.stdout(`Next: chainlab exec ${lab.runtime.state.nodes[0]!.name} -- iptables-save   |   chainlab kubectl get pods -A\n`);
    return 0;
  });
};

export const exec: Command = async (argv, io) => {
  const p = parse(argv, ['--lab', '--user'], [], true);
  if (p.help && p.rest.length === 0) { io.stdout(EXEC_HELP); return 0; }
  if (p.error) return usageError(io, 'exec', p.error);
  const [node, ...after] = p.rest;
  if (node === undefined || node === '--') return usageError(io, 'exec', 'give a node and a command: chainlab exec NODE -- COMMAND');
  const words = after[0] === '--' ? after.slice(1) : after;
  if (words.length === 0) return usageError(io, 'exec', 'give a command after --');
  const line = words.join(' ');
  const lab = await pickLab(io, 'exec', p.lab);
  if (typeof lab === 'number') return lab;
  return guarded(io, 'exec', () => withLab(lab, `exec ${node} -- ${line}`, { env: io.env }, async ({ lab: l }) => {
    if (!l.runtime.node(node)) {
      io.stderr(`chainlab exec: lab "${lab}" has no node "${node}" (nodes: ${l.runtime.state.nodes.map((n) => n.name).join(', ')})\n`);
      return 1;
    }
    const user = p.flags.get('--user') as string | undefined;
    if (l.spec.backend === 'docker') {
      return onDockerNodes(l, async (dl) => {
        const r = await dl.exec(node, line);
        io.stdout(r.output);
        return r.exitCode;
      });
    }
    const int = interruptSignal();
    try {
      return await runShellLine(l.host(node, user), line, { stdout: io.stdout, stderr: io.stderr, signal: int.signal });
    } finally {
      int.done();
    }
  }));
};

export const kubectl: Command = async (argv, io) => {
  const p = parse(argv, ['--lab'], [], true);
  if (p.help && p.rest.length === 0) { io.stdout(KUBECTL_HELP); return 0; }
  if (p.error) return usageError(io, 'kubectl', p.error);
  const args = p.help ? [...p.rest, '--help'] : p.rest;
  const lab = await pickLab(io, 'kubectl', p.lab);
  if (typeof lab === 'number') return lab;
  return guarded(io, 'kubectl', () => withLab(lab, `kubectl ${args.join(' ')}`, { env: io.env }, async ({ lab: l }) => {
    const int = interruptSignal();
    let code: number;
    try {
      code = await runKubectl(l.runtime.api, args, {
        stdout: io.stdout, stderr: io.stderr, stdin: { readAll: io.readStdin }, signal: int.signal, fs: hostFs(), cwd: io.cwd,
      });
    } finally {
      int.done();
    }
    // On docker nodes the change is installed (and read back) before the command returns.
    if (l.spec.backend === 'docker') await onDockerNodes(l, (dl) => dl.settle());
    return code;
  }));
};

/** `chainlab kubectl apply -f FILE` reads FILE from this computer (the node shells read their own files). */
function hostFs(): { readFile(path: string): string | 'ENOENT' | 'EISDIR' } {
  return {
    readFile(path: string) {
      try {
        if (statSync(path).isDirectory()) return 'EISDIR';
        return readFileSync(path, 'utf8');
      } catch {
        return 'ENOENT';
      }
    },
  };
}

export const status: Command = async (argv, io) => {
  const p = parse(argv, ['--lab'], [], false);
  if (p.help) { io.stdout(simpleHelp('Status of a lab (all labs when there are several and no --lab).')); return 0; }
  if (p.error) return usageError(io, 'status', p.error);
  const labs = p.lab !== undefined ? [p.lab] : await listLabs(io.env);
  if (labs.length === 0) { io.stdout('No labs yet. Create one with: chainlab up\n'); return 0; }
  for (const name of labs) {
    const picked = await pickLab(io, 'status', name);
    if (typeof picked === 'number') return picked;
    const r = await guarded(io, 'status', () => withLab(name, 'status', { env: io.env }, async ({ lab }) => {
      io.stdout(describeLab(lab, name));
      return 0;
    }));
    if (r !== 0) return r;
  }
  return 0;
};

export const reset: Command = async (argv, io) => {
  const p = parse(argv, ['--lab'], [], false);
  if (p.help) { io.stdout(simpleHelp('Reset a lab to its starting state (same nodes, a fresh cluster).')); return 0; }
  if (p.error) return usageError(io, 'reset', p.error);
  const name = await pickLab(io, 'reset', p.lab);
  if (typeof name === 'number') return name;
  return guarded(io, 'reset', async () => {
    const dir = labDir(io.env, name);
    const kind = await readLab(dir).then((s) => s.state.spec.backend, () => undefined);
    if (kind === 'docker') {
      // The same node containers, cleaned, and a fresh cluster (DockerLab.reset).
      return withLab(name, 'reset', { env: io.env }, async ({ lab }) => {
        await onDockerNodes(lab, (dl) => dl.reset());
        io.stdout(`Lab "${name}" is back to its starting state.\n`);
        return 0;
      });
    }
    const release = await lockLab(dir, name, 'reset', lockWaitMs(io.env));
    try {
      const stored = await readLab(dir);
      const clock = realtimeClock();
      const lab = await createSimLab(stored.state.spec, { clock, ...(stored.user ? { user: stored.user } : {}) });
      await writeLab(dir, { ...stored, savedAt: Date.now(), clockOffsetMs: clock.offsetMs, state: lab.toJSON() });
      await lab.close();
      io.stdout(`Lab "${name}" is back to its starting state.\n`);
      return 0;
    } finally {
      await release();
    }
  });
};

export const down: Command = async (argv, io) => {
  const p = parse(argv, ['--lab'], [], false);
  if (p.help) { io.stdout(simpleHelp('Remove a lab and everything it runs.')); return 0; }
  if (p.error) return usageError(io, 'down', p.error);
  const name = await pickLab(io, 'down', p.lab);
  if (typeof name === 'number') return name;
  return guarded(io, 'down', async () => {
    const dir = labDir(io.env, name);
    const release = await lockLab(dir, name, 'down', lockWaitMs(io.env));
    try {
      const stored = await readLab(dir).catch(() => undefined);
      if (stored?.state.spec.backend === 'docker') {
        const removed = await removeDockerLab((await connectEngine(io.env as NodeJS.ProcessEnv)).docker, name);
        io.stdout(`Removed ${removed.containers} node container(s) and ${removed.networks} network(s) of lab "${name}".\n`);
      }
      await removeLab(dir);
    } finally {
      await release().catch(() => undefined);
    }
    io.stdout(`Lab "${name}" removed.\n`);
    return 0;
  });
};

/** `chainlab up --backend docker`: the cluster state on this computer, its nodes as containers. */
async function upDocker(spec: LabSpec, io: CliIO): Promise<number> {
  const dir = labDir(io.env, spec.name);
  const release = await lockLab(dir, spec.name, 'up', lockWaitMs(io.env));
  try {
    if (await readLab(dir).then(() => true, () => false)) throw new LabExistsError(spec.name);
    const clock = realtimeClock();
    const started = Date.now();
    // The cluster is made once the lab's node network is known (each docker lab has its own /24).
    const dl = await createDockerLab(spec, { agentPath: dockerAgentPath(), brain: (s) => createSimLab(s, { clock }), onProgress: (step) => io.stdout(`  ${step}\n`) });
    const brain = dl.cluster;
    await writeLab(dir, { format: 'chainlab-lab/1', name: spec.name, savedAt: Date.now(), clockOffsetMs: clock.offsetMs, state: brain.toJSON() });
    await dl.detach();
    await brain.close();
    io.stdout(describeLab(brain, spec.name));
    io.stdout(`Docker lab up in ${((Date.now() - started) / 1000).toFixed(1)} s. Next: chainlab exec ${brain.runtime.state.nodes[0]!.name} -- iptables-save\n`);
    return 0;
  } finally {
    await release();
  }
}
