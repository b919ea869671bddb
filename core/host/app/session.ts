// An app session: the workspace's current lab bound to the contract. Every
// transport (WebSocket, Electron IPC, tests) hands raw requests to `handle`,
// which validates them and answers with a Response value; lab events, workspace
// and lesson changes and terminal output (batched per frame) go to the
// session's listeners. When the workspace switches labs, the session follows:
// its terminals end (their shells were the old lab's) and it listens to the new lab.
import type { Lab, LabEvent, TerminalSession } from '../../lab/backend.js';
import type { AppEvent, ApplyResult, LabInfo, Response, Results, WorkspaceState } from '../../api/contract.js';
import { validateRequest } from '../../api/validate.js';
import { apiServerErrors } from '../../api/apiserver-errors.js';
import { createBatcher, type Batcher, type Timer } from '../../api/batcher.js';
import type { Method, Params } from '../../api/schemas.js';
import { rulesView } from './rules-view.js';
import { saveRuleset } from '../../engine/iptables/index.js';
import { RequestError } from './errors.js';
import { createWorkspace, Workspace, type WorkspaceCore } from './workspace.js';

export interface SessionOptions {
  shell: 'electron' | 'web';
  version?: string;
  timer?: Timer;
  /** At most this many open terminals per session (each holds a shell). */
  maxTerminals?: number;
}

export interface AppSession {
  handle(raw: unknown): Promise<Response>;
  on(listener: (e: AppEvent) => void): () => void;
  /** Closes the terminals this session opened (the lab stays; it is the host's). */
  close(): void;
}

const nodeTimer: Timer = { set: (fn, ms) => setTimeout(fn, ms), clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) };

/**
 * A session on a workspace (the app), or on one fixed lab (a workspace made for it,
 * without lessons: tests and tools that bring their own lab).
 */
export function createSession(target: Workspace | Lab, opts: SessionOptions): AppSession {
  const ws = target instanceof Workspace ? target : createWorkspace({ initial: target, labsDir: null });
  const timer = opts.timer ?? nodeTimer;
  const maxTerminals = opts.maxTerminals ?? 32;
  const listeners = new Set<(e: AppEvent) => void>();
  const emit = (e: AppEvent): void => { for (const l of [...listeners]) l(e); };
  const lastChange = new Map<string, { added: string[]; removed: string[] }>();
  const terminals = new Map<string, { session: TerminalSession; batcher: Batcher; off: Array<() => void> }>();
  let nextTerminal = 1;
  let lab = ws.current;
  const info = (): LabInfo => ({ spec: ws.current.spec, app: { version: opts.version ?? '0.1.0', shell: opts.shell } });
  const stateOf = (core: WorkspaceCore): WorkspaceState => ({ current: { ...info(), spec: core.spec }, backends: core.backends, leftovers: core.leftovers, lesson: core.lesson });
  const sendState = (): void => {
    void ws.state().then((core) => emit({ type: 'workspace', state: stateOf(core) }))
      .catch((e: Error) => emit({ type: 'log', line: `chainlab: the workspace state could not be read: ${e.message}` }));
  };

  const onLabEvent = (e: LabEvent): void => {
    switch (e.type) {
      case 'cluster': emit({ type: 'cluster', snapshot: e.snapshot }); break;
      case 'rules':
        lastChange.set(e.change.node, { added: e.change.added, removed: e.change.removed });
        emit({ type: 'rules', node: e.change.node, added: e.change.added, removed: e.change.removed });
        break;
      case 'kubeProxy': emit({ type: 'kubeProxy', node: e.node, state: e.state }); break;
      case 'log': emit({ type: 'log', line: e.line }); break;
      case 'backend': emit({ type: 'backend.lost', backend: lab.spec.backend, reason: e.reason }); break;
    }
  };
  let offLab = lab.on(onLabEvent);
  const offWs = ws.on((e) => {
    if (e.type === 'switch') {
      // The old lab's shells end with it: say so for each terminal, then follow the new lab.
      for (const id of [...terminals.keys()]) endTerminal(id);
      offLab();
      lab = e.lab;
      lastChange.clear();
      offLab = lab.on(onLabEvent);
    }
    sendState();
  });
  const lessons = ws.lessons;
  const offLessons = lessons?.on((state) => emit({ type: 'lesson', state })) ?? (() => undefined);
  const needLessons = (): NonNullable<typeof lessons> => {
    if (lessons === null) throw new RequestError([{ message: 'guided labs are not available in this session (no labs folder)' }]);
    return lessons;
  };
  const wsCall = async (fn: () => Promise<WorkspaceCore>): Promise<WorkspaceState> => {
    try { return stateOf(await fn()); } catch (e) {
      if (e instanceof RequestError) throw e;
      throw new RequestError([{ message: (e as Error).message }]);
    }
  };

  const knownNode = async (node: string): Promise<void> => {
    const snap = await lab.snapshot();
    if (!snap.nodes.some((n) => n.name === node)) {
      throw new RequestError([{ field: 'node', message: `no node named '${node}' in this lab (nodes: ${snap.nodes.map((n) => n.name).join(', ')})` }]);
    }
  };

  const handlers: { [M in Method]: (p: Params<M>) => Promise<Results[M]> } = {
    'lab.info': async () => info(),
    'lab.snapshot': () => lab.snapshot(),
    'lab.reset': async () => { await lab.reset(); lastChange.clear(); return lab.snapshot(); },
    'lab.advance': async (p) => { await lab.advance(p.ms); return lab.snapshot(); },
    'lab.setRestartKubeProxy': async (p) => {
      // A trainer's switch the sim backend offers (SimLab.setRestartKubeProxy); not part of every backend.
      const sw = (lab as Partial<{ setRestartKubeProxy(on: boolean): void }>).setRestartKubeProxy;
      if (typeof sw !== 'function') throw new RequestError([{ field: 'on', message: `the ${lab.spec.backend} backend cannot change whether kubelet restarts kube-proxy` }]);
      sw.call(lab, p.on);
      return info();
    },
    'node.rules': async (p) => {
      await knownNode(p.node);
      const rs = await lab.installedRules(p.node);
      return rulesView(p.node, rs, lastChange.get(p.node) ?? { added: [], removed: [] }, (rs) => saveRuleset(rs));
    },
    'node.exec': async (p) => { await knownNode(p.node); return lab.exec(p.node, p.command); },
    'node.killKubeProxy': async (p) => {
      const snap = await lab.snapshot();
      const n = snap.nodes.find((x) => x.name === p.node);
      if (n === undefined) throw new RequestError([{ field: 'node', message: `no node named '${p.node}' in this lab` }]);
      if (n.kubeProxy.pid === undefined || n.kubeProxy.state !== 'running') {
        throw new RequestError([{ field: 'node', message: `kube-proxy is not running on ${p.node} (it is ${n.kubeProxy.state})` }]);
      }
      return lab.exec(p.node, `kill -9 ${n.kubeProxy.pid}`);
    },
    'node.restartKubeProxy': async (p) => {
      const snap = await lab.snapshot();
      const n = snap.nodes.find((x) => x.name === p.node);
      if (n === undefined) throw new RequestError([{ field: 'node', message: `no node named '${p.node}' in this lab` }]);
      // kube-proxy runs as a DaemonSet pod: deleting it makes the kubelet start a fresh one, as on a real cluster.
      const pod = snap.pods.find((x) => x.namespace === 'kube-system' && x.node === p.node && x.name.startsWith('kube-proxy-'));
      if (pod === undefined) throw new RequestError([{ field: 'node', message: `no kube-proxy pod on ${p.node}` }]);
      const r = await lab.kubectl(['delete', 'pod', pod.name, '-n', 'kube-system']);
      await lab.advance(1000);
      return r;
    },
    'kubectl': (p) => lab.kubectl(p.args),
    'object.apply': async (p): Promise<ApplyResult> => {
      const r = await lab.apply(p.manifest);
      return { ...r, errors: r.exitCode === 0 ? [] : apiServerErrors(r.output) };
    },
    'object.get': async (p) => {
      const r = await lab.kubectl(['get', p.kind, p.name, '-n', p.namespace, '-o', 'yaml']);
      if (r.exitCode !== 0) throw new RequestError(apiServerErrors(r.output).length > 0 ? apiServerErrors(r.output) : [{ message: r.output.trim() }]);
      return { yaml: r.output };
    },
    'object.delete': (p) => lab.kubectl(['delete', p.kind, p.name, '-n', p.namespace]),
    'deployment.scale': (p) => lab.kubectl(['scale', `deployment/${p.name}`, '-n', p.namespace, `--replicas=${p.replicas}`]),
    'trace': async (p) => {
      await knownNode(p.node);
      return lab.trace(p.node, p.packet, p.seed !== undefined ? { seed: p.seed } : undefined);
    },
    'trace.verify': async (p) => {
      await knownNode(p.node);
      if (lab.verify === undefined) {
        throw new RequestError([{ field: 'node', message: `the ${lab.spec.backend} backend has no real kernel to send the packet through; start the lab on the docker backend to verify a trace with a real packet` }]);
      }
      return lab.verify(p.node, p.packet);
    },
    'workspace.state': () => wsCall(() => ws.state()),
    'workspace.start': (p) => wsCall(() => ws.start(p.spec, p.manifest)),
    'workspace.attach': (p) => wsCall(() => ws.attach(p.name)),
    'workspace.remove': (p) => wsCall(() => ws.remove(p.name)),
    'workspace.fallback': () => wsCall(() => ws.fallback()),
    'lesson.list': () => needLessons().list(),
    'lesson.open': (p) => needLessons().open(p.id, p.backend, p.fresh),
    'lesson.state': async () => (lessons === null ? null : lessons.state()),
    'lesson.answer': (p) => needLessons().answer(p.choice),
    'lesson.hint': () => needLessons().hint(),
    'lesson.solveStep': () => needLessons().solveStep(),
    'lesson.resetStep': () => needLessons().resetStep(),
    'lesson.resetLab': () => needLessons().resetLab(),
    'lesson.goTo': (p) => needLessons().goTo(p.index),
    'lesson.close': () => needLessons().close(),
    'terminal.open': async (p) => {
      if (terminals.size >= maxTerminals) throw new RequestError([{ message: `too many open terminals (${maxTerminals}); close one first` }]);
      if ('node' in p.target) await knownNode(p.target.node);
      const session = await lab.openTerminal(p.target, { cols: p.cols, rows: p.rows });
      const id = `t${nextTerminal++}`;
      const batcher = createBatcher((data) => emit({ type: 'terminal.data', id, data }), timer);
      const name = 'node' in p.target ? p.target.node : 'console';
      const off = [
        // Each finished command line counts for the open lesson's `command` checks.
        ...(session.onCommand !== undefined && lessons !== null ? [session.onCommand((rec) => lessons.record(name, rec))] : []),
        session.onData((d) => batcher.push(d)),
        session.onExit((code) => {
          batcher.flush();
          emit({ type: 'terminal.exit', id, code });
          const t = terminals.get(id);
          if (t !== undefined) { t.batcher.dispose(); terminals.delete(id); }
        }),
      ];
      terminals.set(id, { session, batcher, off });
      return { id };
    },
    'terminal.write': async (p) => { terminal(p.id).session.write(p.data); return null; },
    'terminal.resize': async (p) => { terminal(p.id).session.resize(p.cols, p.rows); return null; },
    'terminal.close': async (p) => { closeTerminal(p.id); return null; },
  };

  function terminal(id: string): { session: TerminalSession; batcher: Batcher } {
    const t = terminals.get(id);
    if (t === undefined) throw new RequestError([{ field: 'id', message: `no open terminal '${id}' (it exited or was closed)` }]);
    return t;
  }
  /** A terminal whose lab went away: it ends as if its shell logged out. */
  function endTerminal(id: string): void {
    const t = terminals.get(id);
    if (t === undefined) return;
    closeTerminal(id);
    emit({ type: 'terminal.exit', id, code: 0 });
  }
  function closeTerminal(id: string): void {
    const t = terminals.get(id);
    if (t === undefined) return;
    terminals.delete(id);
    t.batcher.flush();
    t.batcher.dispose();
    for (const f of t.off) f();
    t.session.close();
  }

  return {
    async handle(raw) {
      const v = validateRequest(raw);
      if (!v.ok) return { id: v.id, ok: false, errors: v.errors };
      const { id, method, params } = v.request;
      try {
        const handler = handlers[method] as (p: unknown) => Promise<unknown>;
        const value = await handler(params);
        return { id, ok: true, value };
      } catch (err) {
        if (err instanceof RequestError) return { id, ok: false, errors: err.errors };
        const message = err instanceof Error ? err.message : String(err);
        return { id, ok: false, errors: [{ message: `${method} failed: ${message}` }] };
      }
    },
    on(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    close() {
      for (const id of [...terminals.keys()]) closeTerminal(id);
      offLab();
      offWs();
      offLessons();
      listeners.clear();
    },
  };
}
