// The workspace and the lessons on the host, through an app session as the
// renderer uses it: real sim labs (manual clock), the real runner, the labs/ folder.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createSession, type AppSession } from '../../../core/host/app/session.js';
import { createWorkspace, type Workspace } from '../../../core/host/app/workspace.js';
import { DEFAULT_SPEC, SEED_000_MANIFEST } from '../../../core/host/app/default-lab.js';
import { createSimLab, manualClock } from '../../../core/lab/index.js';
import type { AppEvent, LabInfo, LessonCard, LessonState, WorkspaceState } from '../../../core/api/contract.js';
import type { Lab, LabSpec } from '../../../core/lab/backend.js';
import { progressPath } from '../../../core/host/lab/progress.js';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { labDir, writeLab } from '../../../core/host/lab/store.js';

const simOnManualClock = (spec: LabSpec): Promise<Lab> => createSimLab(spec, { clock: manualClock() });

let home: string;
const open: Workspace[] = [];

beforeEach(() => { home = mkdtempSync(join(tmpdir(), 'chainlab-lessons-')); });
afterEach(async () => {
  for (const w of open.splice(0)) await w.close();
  rmSync(home, { recursive: true, force: true });
});

async function app(): Promise<{ ws: Workspace; s: AppSession; events: AppEvent[]; call: <T>(method: string, params?: object) => Promise<T>; fail: (method: string, params?: object) => Promise<string> }> {
  const initial = await simOnManualClock(DEFAULT_SPEC);
  await initial.apply(SEED_000_MANIFEST);
  const ws = createWorkspace({
    initial, env: { CHAINLAB_HOME: home }, factories: { sim: simOnManualClock }, pollMs: 100,
    engine: async () => { throw new Error('no Docker in this test'); },
  });
  open.push(ws);
  const s = createSession(ws, { shell: 'web' });
  const events: AppEvent[] = [];
  s.on((e) => events.push(e));
  let id = 1;
  const call = async <T>(method: string, params: object = {}): Promise<T> => {
    const r = await s.handle({ id: id++, method, params });
    if (!r.ok) throw new Error(`${method}: ${r.errors.map((e) => e.message).join('; ')}`);
    return r.value as T;
  };
  const fail = async (method: string, params: object = {}): Promise<string> => {
    const r = await s.handle({ id: id++, method, params });
    if (r.ok) throw new Error(`${method} succeeded`);
    return r.errors.map((e) => e.message).join('; ');
  };
  return { ws, s, events, call, fail };
}

async function until<T>(what: string, fn: () => T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const lastLesson = (events: AppEvent[]): LessonState | null | undefined => {
  for (let i = events.length - 1; i >= 0; i--) { const e = events[i]!; if (e.type === 'lesson') return e.state; }
  return undefined;
};

describe('lessons on the host', () => {
  it('lists the seven labs of labs/, none started yet', async () => {
    const { call } = await app();
    const cards = await call<LessonCard[]>('lesson.list');
    expect(cards).toHaveLength(7);
    const kill = cards.find((c) => c.id === 'kill-kube-proxy');
    expect(kill).toMatchObject({ title: 'Kill kube-proxy', level: 'beginner', nodes: 3, steps: 5, progress: null });
    expect(kill?.backends).toContain('sim');
  });

  it('opens a lesson on its own cluster; a command typed in a terminal passes the step, and progress resumes in a new app', async () => {
    const { call, events } = await app();
    const state = await call<LessonState>('lesson.open', { id: 'kill-kube-proxy' });
    expect(state).toMatchObject({ id: 'kill-kube-proxy', current: 0, finished: false });
    expect(state.steps[0]!.markdown).toMatch(/\S/);
    expect(state.steps[0]!.solution).toEqual([{ run: 'ps -aef | grep kube-proxy', in: 'k8s2' }]);
    // Each check named before its first evaluation, in the manifest's order.
    expect(state.steps[0]!.checks).toEqual(['you ran /ps .*kube-proxy|pgrep/ in k8s2 and saw /kube-proxy --config/', 'kube-proxy is running on k8s2']);
    const packets = state.steps[2]!.packets;
    expect(packets).toHaveLength(1);
    expect(packets[0]).toMatchObject({ node: 'k8s2', packet: { ingress: 'external', proto: 'tcp', dport: 30450 } });

    const info = await call<LabInfo>('lab.info');
    expect(info.spec).toMatchObject({ nodes: 3, kubeProxyVersion: 'v1.33.1', backend: 'sim', restartKubeProxy: false });
    const ws = await call<WorkspaceState>('workspace.state');
    expect(ws.lesson).toBe('kill-kube-proxy');
    expect(ws.current.spec.nodes).toBe(3);
    expect(ws.backends.find((b) => b.kind === 'docker')).toMatchObject({ available: false });
    expect(ws.backends.find((b) => b.kind === 'docker')?.detail).toContain('no Docker in this test');

    // A typed command in the wrong terminal does not count.
    const { id: t1 } = await call<{ id: string }>('terminal.open', { target: { node: 'k8s1' }, cols: 80, rows: 24 });
    await call('terminal.write', { id: t1, data: 'ps -aef | grep kube-proxy\r' });
    await until('the command on k8s1 recorded', () => lastLesson(events)?.commands.find((c) => c.terminal === 'k8s1'));
    expect(lastLesson(events)?.current).toBe(0);

    const { id } = await call<{ id: string }>('terminal.open', { target: { node: 'k8s2' }, cols: 80, rows: 24 });
    await call('terminal.write', { id, data: 'ps -aef | grep kube-proxy\r' });
    const after = await until('step 1 passed', () => { const l = lastLesson(events); return l && l.current === 1 ? l : undefined; });
    expect(after.steps[0]!.done).toBe(true);
    expect(after.progress.current).toBe(1);

    // Saved under CHAINLAB_HOME, and a second app (a new workspace and session) resumes there.
    await until('progress saved', () => (existsSync(progressPath({ CHAINLAB_HOME: home }, 'kill-kube-proxy'))
      && (JSON.parse(readFileSync(progressPath({ CHAINLAB_HOME: home }, 'kill-kube-proxy'), 'utf8')) as { current: number }).current === 1 ? true : undefined));
    const second = await app();
    const cards = await second.call<LessonCard[]>('lesson.list');
    expect(cards.find((c) => c.id === 'kill-kube-proxy')?.progress?.current).toBe(1);
    const resumed = await second.call<LessonState>('lesson.open', { id: 'kill-kube-proxy' });
    expect(resumed.current).toBe(1);
    expect(resumed.steps[0]!.done).toBe(true);
    // …and `fresh` starts over.
    const fresh = await second.call<LessonState>('lesson.open', { id: 'kill-kube-proxy', fresh: true });
    expect(fresh.current).toBe(0);
  });

  it('a wrong answer keeps the step; the right one finishes the lesson; hints come one at a time', async () => {
    const { call, fail } = await app();
    await call<LessonState>('lesson.open', { id: 'kill-kube-proxy' });
    const at4 = await call<LessonState>('lesson.goTo', { index: 4 });
    expect(at4.current).toBe(4);
    expect(at4.steps.slice(0, 4).every((s) => s.done)).toBe(true);
    const q = at4.steps[4]!.question!;
    const wrong = await call<LessonState>('lesson.answer', { choice: q.choices[0]! });
    expect(wrong.current).toBe(4);
    expect(wrong.steps[4]!.question?.answered).toBe(q.choices[0]);
    expect(wrong.results.find((r) => r.label === 'the question is answered correctly')?.passed).toBe(false);
    expect(await fail('lesson.answer', { choice: 'Somewhere else' })).toContain('is not one of the choices');

    const h1 = await call<LessonState>('lesson.hint');
    expect(h1.steps[4]!.hints).toHaveLength(1);
    expect(h1.steps[4]!.hintsLeft).toBe(1);

    const solved = await call<LessonState>('lesson.solveStep');
    expect(solved.finished).toBe(true);
    expect(solved.current).toBe(5);
  });

  it('a step that waits for the cluster passes by itself: the host polls its checks', async () => {
    const { call, events } = await app();
    await call<LessonState>('lesson.open', { id: 'kill-kube-proxy' });
    await call<LessonState>('lesson.goTo', { index: 3 });
    // Made from the app (not typed in a terminal), then time passes for kube-proxy on k8s3 to sync.
    const r = await call<{ exitCode: number }>('kubectl', { args: ['expose', 'deployment', 'nginx', '--name=nginx-2', '--port=8080', '--target-port=80'] });
    expect(r.exitCode).toBe(0);
    await call('lab.advance', { ms: 2000 });
    const after = await until('step 4 passed by polling', () => { const l = lastLesson(events); return l && l.current === 4 ? l : undefined; });
    expect(after.steps[3]!.done).toBe(true);
    expect(after.commands).toEqual([]);
  });

  it('reset step rebuilds the cluster at the step start; close ends the lesson and keeps its cluster', async () => {
    const { call, events } = await app();
    await call<LessonState>('lesson.open', { id: 'kill-kube-proxy' });
    await call<LessonState>('lesson.solveStep');
    const { id } = await call<{ id: string }>('terminal.open', { target: { node: 'k8s2' }, cols: 80, rows: 24 });
    await call('terminal.write', { id, data: 'kill -9 $(pgrep kube-proxy)\r' });
    await until('step 2 passed', () => { const l = lastLesson(events); return l && l.current === 2 ? l : undefined; });
    await call<LessonState>('lesson.goTo', { index: 1 });
    // Back at "kill -9": kube-proxy runs again on k8s2, and the old shell ended with the old cluster state.
    const ps = await call<{ output: string }>('node.exec', { node: 'k8s2', command: 'pgrep kube-proxy | wc -l' });
    expect(ps.output.trim()).toBe('1');
    expect(events.some((e) => e.type === 'terminal.exit' && e.id === id)).toBe(true);
    const reset = await call<LessonState>('lesson.resetStep');
    expect(reset.current).toBe(1);
    expect(reset.commands).toEqual([]);

    expect(await call<null>('lesson.close')).toBeNull();
    expect(lastLesson(events)).toBeNull();
    expect(await call<LessonState | null>('lesson.state')).toBeNull();
    expect((await call<WorkspaceState>('workspace.state')).lesson).toBeNull();
    expect((await call<LabInfo>('lab.info')).spec.name).toBe('lab-kill-kube-proxy');
  });

  it('a progress file that cannot be used is kept aside, not written over, and the lesson says so', async () => {
    const file = progressPath({ CHAINLAB_HOME: home }, 'fifty-fifty');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, '{"lab": "fifty-fifty", "current": 2, "steps": {');
    const { call } = await app();
    const state = await call<LessonState>('lesson.open', { id: 'fifty-fifty' });
    expect(state.current).toBe(0);
    expect(state.warning).toMatch(new RegExp(`^Your saved progress in ${file.replace(/[.]/g, '\\.')} cannot be used: it is not JSON \\(.*\\)\\. It was kept as ${file.replace(/[.]/g, '\\.')}\\.unusable-\\S+; the lesson starts at step 1\\.$`));
    const aside = readdirSync(dirname(file)).filter((f) => f.startsWith('progress.json.unusable-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(dirname(file), aside[0]!), 'utf8')).toBe('{"lab": "fifty-fifty", "current": 2, "steps": {');
  });

  it('refuses a backend the lab does not list, and an unknown lab', async () => {
    const { call, fail } = await app();
    const cards = await call<LessonCard[]>('lesson.list');
    const simOnly = cards.find((c) => !c.backends.includes('docker'));
    if (simOnly !== undefined) expect(await fail('lesson.open', { id: simOnly.id, backend: 'docker' })).toMatch(/runs on the sim backend, not on docker/);
    expect(await fail('lesson.open', { id: 'no-such-lab' })).toBe("no lab 'no-such-lab' in the labs folder");
    expect(await fail('lesson.hint')).toMatch(/no lesson is open/);
  });

  it('workspace.start switches the lab: old terminals end, lab.info says the new spec; the lesson closes', async () => {
    const { call, events } = await app();
    await call<LessonState>('lesson.open', { id: 'kill-kube-proxy' });
    const { id } = await call<{ id: string }>('terminal.open', { target: { console: true }, cols: 80, rows: 24 });
    const st = await call<WorkspaceState>('workspace.start', { spec: { nodes: 2, kubeProxyVersion: '1.22', backend: 'sim' } });
    expect(st.current.spec).toMatchObject({ nodes: 2, kubeProxyVersion: 'v1.22.8', backend: 'sim' });
    expect(st.lesson).toBeNull();
    expect(events).toContainEqual({ type: 'terminal.exit', id, code: 0 });
    expect(events.some((e) => e.type === 'workspace' && e.state.current.spec.kubeProxyVersion === 'v1.22.8')).toBe(true);
    expect(lastLesson(events)).toBeNull();
    expect((await call<LabInfo>('lab.info')).spec.nodes).toBe(2);
    expect((await call<{ nodes: unknown[] }>('lab.snapshot')).nodes).toHaveLength(2);
    expect(await call<LessonState | null>('lesson.state')).toBeNull();
    // The old terminal is gone; a new one opens on the new lab.
    const r = await call<{ id: string }>('terminal.open', { target: { node: 'k8s2' }, cols: 80, rows: 24 });
    expect(r.id).not.toBe(id);
  });

  it('a start that fails keeps the old lab', async () => {
    const { call, fail } = await app();
    const before = await call<LabInfo>('lab.info');
    const msg = await fail('workspace.start', { spec: { nodes: 1, kubeProxyVersion: '1.33', backend: 'sim' }, manifest: 'apiVersion: v1\nkind: Service\nmetadata:\n  name: bad\nspec:\n  type: NodePort\n  ports:\n  - port: 80\n    nodePort: 80\n' });
    expect(msg).toMatch(/could not apply the manifests/);
    expect(await call<LabInfo>('lab.info')).toEqual(before);
    const snap = await call<{ services: { name: string }[] }>('lab.snapshot');
    expect(snap.services.map((s) => s.name)).toContain('nginx');
  });
});

describe('the workspace with a docker lab', () => {
  it('shows Docker and the labs it holds that this app does not own; removes one', async () => {
    const env = { CHAINLAB_HOME: home };
    const brain = await createSimLab({ name: 'old-one', nodes: 2, kubeProxyVersion: 'v1.33.0', backend: 'docker' }, { clock: manualClock() });
    await writeLab(labDir(env, 'old-one'), { format: 'chainlab-lab/1', name: 'old-one', savedAt: Date.now(), clockOffsetMs: 0, state: brain.toJSON() });
    await brain.close();
    const containers = [
      { Id: 'c1', State: 'running', Labels: { 'chainlab.lab': 'old-one', 'chainlab.node': 'k8s1' } },
      { Id: 'c2', State: 'running', Labels: { 'chainlab.lab': 'old-one', 'chainlab.node': 'k8s2' } },
      { Id: 'c3', State: 'exited', Labels: { 'chainlab.lab': 'crashed', 'chainlab.node': 'k8s1' } },
    ];
    const removed: string[] = [];
    const labelled = (filters: string | undefined): typeof containers => {
      const want = (JSON.parse(filters ?? '{}') as { label?: string[] }).label ?? [];
      return containers.filter((c) => want.every((w) => { const [k, v] = w.split('='); return v === undefined ? k! in c.Labels : (c.Labels as Record<string, string>)[k!] === v; }));
    };
    // A Docker engine as dockerode shows it, with just what the workspace asks.
    const docker = {
      listContainers: async (o: { filters?: string }) => labelled(o.filters).filter((c) => !removed.includes(c.Id)),
      listNetworks: async () => [],
      getImage: () => ({ inspect: async () => ({ Id: 'sha256:1', Size: 1, Created: '2026-01-01' }) }),
      getContainer: (id: string) => ({ remove: async () => { removed.push(id); } }),
      getNetwork: () => ({ remove: async () => undefined }),
    };
    const initial = await simOnManualClock(DEFAULT_SPEC);
    const ws = createWorkspace({ initial, env, labsDir: null, engine: async () => ({ docker: docker as never, source: '/run/fake-docker.sock', host: 'unix:///run/fake-docker.sock', version: '28.2.2', product: 'Docker Engine 28.2.2', apiVersion: '1.44', podman: false }) });
    open.push(ws);
    const s = createSession(ws, { shell: 'web' });
    const r = await s.handle({ id: 1, method: 'workspace.state', params: {} });
    const st = (r as { value: WorkspaceState }).value;
    expect(st.backends).toContainEqual({ kind: 'docker', available: true, detail: 'Docker Engine 28.2.2 at unix:///run/fake-docker.sock' });
    expect(st.backends.find((b) => b.kind === 'sim')?.available).toBe(true);
    expect(st.leftovers).toEqual([
      { name: 'crashed', backend: 'docker', nodes: expect.any(Array) as string[], attachable: false },
      { name: 'old-one', backend: 'docker', nodes: ['k8s1', 'k8s2'], attachable: true },
    ]);
    const events: AppEvent[] = [];
    s.on((e) => events.push(e));
    const rm = await s.handle({ id: 2, method: 'workspace.remove', params: { name: 'old-one' } });
    expect(rm.ok).toBe(true);
    expect(removed.sort()).toEqual(['c1', 'c2']);
    expect((rm as { value: WorkspaceState }).value.leftovers.map((l) => l.name)).toEqual(['crashed']);
    expect(existsSync(labDir(env, 'old-one'))).toBe(false);
    await until('a workspace event', () => events.find((e) => e.type === 'workspace'));
  });

  it('maps a lost backend to backend.lost, and falls back to the same cluster on sim', async () => {
    const brain = await createSimLab({ name: 'ws-fallback', nodes: 2, kubeProxyVersion: 'v1.33.0', backend: 'docker' }, { clock: manualClock() });
    await brain.apply(SEED_000_MANIFEST);
    const listeners = new Set<(e: import('../../../core/lab/backend.js').LabEvent) => void>();
    let detached = false;
    let closed = false;
    // A docker lab as the workspace sees it: its cluster state (`cluster`), detach, and events.
    const stub: Lab & { cluster: typeof brain; detach(): Promise<void> } = {
      spec: { name: 'ws-fallback', nodes: 2, kubeProxyVersion: 'v1.33.0', backend: 'docker' },
      cluster: brain,
      detach: async () => { detached = true; },
      snapshot: () => brain.snapshot(), exec: (n, c) => brain.exec(n, c), kubectl: (a) => brain.kubectl(a), apply: (m) => brain.apply(m),
      installedRules: (n) => brain.installedRules(n), trace: (n, p, o) => brain.trace(n, p, o),
      openTerminal: (t, s) => brain.openTerminal(t, s),
      on: (l) => { listeners.add(l); return () => void listeners.delete(l); },
      advance: (ms) => brain.advance(ms), reset: () => brain.reset(),
      close: async () => { closed = true; },
    };
    const ws = createWorkspace({ initial: stub, env: { CHAINLAB_HOME: home }, labsDir: null, engine: async () => { throw new Error('Docker stopped'); } });
    open.push(ws);
    const s = createSession(ws, { shell: 'web' });
    const events: AppEvent[] = [];
    s.on((e) => events.push(e));
    for (const l of listeners) l({ type: 'backend', state: 'lost', reason: 'the Docker engine stopped answering' });
    expect(events).toContainEqual({ type: 'backend.lost', backend: 'docker', reason: 'the Docker engine stopped answering' });

    const r = await s.handle({ id: 1, method: 'workspace.fallback', params: {} });
    expect(r.ok).toBe(true);
    const st = (r as { value: WorkspaceState }).value;
    expect(st.current.spec).toMatchObject({ name: 'ws-fallback', backend: 'sim', nodes: 2 });
    expect(detached).toBe(true);
    expect(closed).toBe(false);
    const info = await s.handle({ id: 2, method: 'lab.info', params: {} });
    expect((info as { value: LabInfo }).value.spec.backend).toBe('sim');
    // Nothing the user made is lost: the Service is still there, and kubectl works on the sim nodes.
    const snap = await s.handle({ id: 3, method: 'lab.snapshot', params: {} });
    expect((snap as { value: { services: { name: string }[] } }).value.services.map((x) => x.name)).toContain('nginx');
    const k = await s.handle({ id: 4, method: 'kubectl', params: { args: ['get', 'svc', 'nginx'] } });
    expect((k as { value: { exitCode: number } }).value.exitCode).toBe(0);
    // Falling back again has nothing to fall back from.
    const again = await s.handle({ id: 5, method: 'workspace.fallback', params: {} });
    expect(again.ok).toBe(false);
  });

  it('a lesson on docker goes on after the fallback: same cluster on sim, a warning, typed commands still count', async () => {
    const listeners = new Set<(e: import('../../../core/lab/backend.js').LabEvent) => void>();
    // A docker lab as the workspace sees it (its cluster state, detach, a backend event), made by the docker factory.
    const dockerStub = async (spec: LabSpec): Promise<Lab> => {
      const brain = await createSimLab({ ...spec, backend: 'docker' }, { clock: manualClock() });
      const lab: Lab & { cluster: typeof brain; detach(): Promise<void> } = {
        spec, cluster: brain, detach: async () => undefined,
        snapshot: () => brain.snapshot(), exec: (n, c) => brain.exec(n, c), kubectl: (a) => brain.kubectl(a), apply: (m) => brain.apply(m),
        installedRules: (n) => brain.installedRules(n), trace: (n, p, o) => brain.trace(n, p, o),
        openTerminal: (t, sz) => brain.openTerminal(t, sz),
        on: (l) => { listeners.add(l); const off = brain.on(l); return () => { listeners.delete(l); off(); }; },
        advance: (ms) => brain.advance(ms), reset: () => brain.reset(), close: () => brain.close(),
      };
      return lab;
    };
    const initial = await simOnManualClock(DEFAULT_SPEC);
    const ws = createWorkspace({ initial, env: { CHAINLAB_HOME: home }, factories: { sim: simOnManualClock, docker: dockerStub }, pollMs: 100, engine: async () => { throw new Error('Docker stopped'); } });
    open.push(ws);
    const s = createSession(ws, { shell: 'web' });
    const events: AppEvent[] = [];
    s.on((e) => events.push(e));
    let n = 1;
    const call = async <T>(method: string, params: object = {}): Promise<T> => {
      const r = await s.handle({ id: n++, method, params });
      if (!r.ok) throw new Error(`${method}: ${r.errors.map((e) => e.message).join('; ')}`);
      return r.value as T;
    };
    const opened = await call<LessonState>('lesson.open', { id: 'kill-kube-proxy', backend: 'docker' });
    expect(opened.current).toBe(0);
    expect((await call<LabInfo>('lab.info')).spec.backend).toBe('docker');
    for (const l of [...listeners]) l({ type: 'backend', state: 'lost', reason: 'Docker stopped' });
    expect(events).toContainEqual({ type: 'backend.lost', backend: 'docker', reason: 'Docker stopped' });
    const st = await call<WorkspaceState>('workspace.fallback');
    expect(st.current.spec).toMatchObject({ name: 'lab-kill-kube-proxy', backend: 'sim', nodes: 3 });
    expect(st.lesson).toBe('kill-kube-proxy');
    const state = await until('the lesson with its warning', () => { const l = lastLesson(events); return l?.warning !== undefined ? l : undefined; });
    expect(state.warning).toMatch(/Docker stopped/);
    const { id } = await call<{ id: string }>('terminal.open', { target: { node: 'k8s2' }, cols: 80, rows: 24 });
    await call('terminal.write', { id, data: 'ps -aef | grep kube-proxy\r' });
    await until('step 1 passed on sim', () => { const l = lastLesson(events); return l && l.current === 1 ? l : undefined; });
  });
});
