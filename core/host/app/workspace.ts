// The workspace: which lab the app shows right now, on which backend, and the
// docker labs a crash (or `chainlab up`) left behind. It swaps the current lab
// (a new cluster, a lesson's own cluster, a leftover taken over, the same
// cluster on sim when Docker stops) and tells every session, which follow it.
// Lessons (lessons.ts) run on the workspace's current lab.

import type { BackendStatus, LeftoverLab } from '../../api/contract.js';
import type { z } from 'zod';
import type { clusterSpecSchema } from '../../api/schemas.js';
import type { BackendKind, Lab, LabSpec } from '../../lab/backend.js';
import { createSimLab, realtimeClock, restoreSimLab, type SimLab } from '../../lab/index.js';
import { releaseInfo } from '../../lab/cluster/versions.js';
import type { Engine } from '../docker/connect.js';
import { attachDockerLab, connectEngine, createDockerLab, findDockerLabs, imageStatus, removeDockerLab, NODE_IMAGE } from '../docker/index.js';
import { labDir, readLab, removeLab, writeLab, type StoredLab } from '../lab/store.js';
import { APP_HOLDER, lockLab } from '../lab/lock.js';
import { projectPath } from '../paths.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Lessons } from './lessons.js';

export type ClusterSpec = z.infer<typeof clusterSpecSchema>;
export type LabFactory = (spec: LabSpec) => Promise<Lab>;

/** What the workspace says about itself; a session adds the app's version and shell (LabInfo). */
export interface WorkspaceCore {
  spec: LabSpec;
  backends: BackendStatus[];
  leftovers: LeftoverLab[];
  lesson: string | null;
}

export type WorkspaceEvent =
  /** Another lab is current: sessions end their terminals (their shells were the old lab's) and listen to the new one. */
  | { type: 'switch'; lab: Lab; previous: Lab; reason: 'start' | 'attach' | 'fallback' | 'lesson' }
  /** Something shown in the workspace state changed (lesson opened or closed, a leftover removed). */
  | { type: 'changed' };

export interface WorkspaceOptions {
  /** The lab the app opens with (the default lab). */
  initial: Lab;
  /** CHAINLAB_HOME and the Docker client's variables (DOCKER_HOST …). */
  env?: Record<string, string | undefined>;
  /** How a lab is made per backend; default: the in-process sim on real time, and Docker nodes with the state kept under CHAINLAB_HOME. */
  factories?: Partial<Record<BackendKind, LabFactory>>;
  /** The Docker engine (default: connectEngine, as the docker CLI finds it). */
  engine?: () => Promise<Engine>;
  /** The guided labs' folder (default: labs/ of the project); null: no lessons. */
  labsDir?: string | null;
  /**
   * Where labs/ and dist/agent/ are when the code cannot find its project by itself
   * (the Electron main bundle is CommonJS, without import.meta; a packaged app has them in its resources).
   */
  projectDir?: string;
  /** Lessons poll their checks on this timer (tests pass a fake). */
  pollMs?: number;
}

/** A lab the workspace made, and how to let go of it when another replaces it. */
export interface OpenedLab {
  lab: Lab;
  release(): Promise<void>;
}

/** How long a look at Docker (ping, list) may take before the workspace answers without it. */
const ENGINE_TIMEOUT_MS = 4000;
/** A look at the backends is reused this long (every session asks on every change). */
const PROBE_TTL_MS = 2000;
/** A docker lab's cluster state is saved at most this often while it changes (a crash leaves it attachable). */
const PERSIST_EVERY_MS = 2000;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => { t = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms); });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}

const AGENT_MISSING = 'the in-node kube-proxy is not built; run `npm run build` in the repository';

/** A file of the project: under projectDir when given, else where the code finds its package.json. */
function fromProject(projectDir: string | undefined, relative: string, missing: string): string {
  if (projectDir === undefined) return projectPath(relative, missing);
  const p = join(projectDir, relative);
  if (!existsSync(p)) throw new Error(`${missing} (looked for ${p})`);
  return p;
}

/** The version string the sim reports for a release (`1.22` → `v1.22.8`), so the app shows what the nodes run. */
export function fullVersion(v: string): string {
  return releaseInfo(v).gitVersion;
}

/** A lab spec from the contract's cluster spec. */
export function labSpecOf(c: ClusterSpec, name: string): LabSpec {
  return {
    name, nodes: c.nodes, kubeProxyVersion: fullVersion(c.kubeProxyVersion), backend: c.backend,
    ...(c.restartKubeProxy !== undefined ? { restartKubeProxy: c.restartKubeProxy } : {}),
    ...(c.seed !== undefined ? { seed: c.seed } : {}),
  };
}

/** A lab with the spec a session shows (the cluster of a docker lab, now on sim). */
function onSim(brain: SimLab): Lab {
  return new Proxy(brain, {
    get(target, prop) {
      if (prop === 'spec') return { ...target.spec, backend: 'sim' };
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** The lab's cluster state (API server, controllers): a docker lab has one (DockerLab.cluster). */
function clusterOf(lab: Lab): SimLab | null {
  const c = (lab as Partial<{ cluster: SimLab }>).cluster;
  return c !== undefined && c !== null && typeof c === 'object' ? c : null;
}

export class Workspace {
  private cur: OpenedLab;
  private readonly listeners = new Set<(e: WorkspaceEvent) => void>();
  private readonly env: Record<string, string | undefined>;
  private queue: Promise<unknown> = Promise.resolve();
  private probed: { at: number; value: Promise<{ backends: BackendStatus[]; leftovers: LeftoverLab[] }> } | null = null;
  private lessonId: string | null = null;
  private closed = false;
  /** Lessons on this workspace (null when there is no labs folder). */
  readonly lessons: Lessons | null;

  constructor(private readonly opts: WorkspaceOptions) {
    this.env = opts.env ?? process.env;
    this.cur = { lab: opts.initial, release: () => opts.initial.close() };
    this.watchBackend();
    const dir = opts.labsDir;
    this.lessons = dir === null ? null : new Lessons(this, {
      labsDir: () => dir ?? fromProject(opts.projectDir, 'labs', 'the labs folder is missing from this installation'),
      env: this.env,
      ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {}),
    });
  }

  get current(): Lab { return this.cur.lab; }

  /** The in-node kube-proxy the docker backend copies into every node. */
  private agentPath(): string { return fromProject(this.opts.projectDir, 'dist/agent/kube-proxy.mjs', AGENT_MISSING); }
  get lesson(): string | null { return this.lessonId; }

  /** Set by the lessons when one opens or closes on the current lab. */
  setLesson(id: string | null): void {
    if (this.lessonId === id) return;
    this.lessonId = id;
    this.emit({ type: 'changed' });
  }

  on(listener: (e: WorkspaceEvent) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private emit(e: WorkspaceEvent): void {
    for (const l of [...this.listeners]) l(e);
  }

  /** One change of the workspace at a time (two clicks on "Start" never make two labs). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  async state(): Promise<WorkspaceCore> {
    const now = Date.now();
    if (this.probed === null || now - this.probed.at > PROBE_TTL_MS) this.probed = { at: now, value: this.probe() };
    const { backends, leftovers } = await this.probed.value;
    return { spec: this.current.spec, backends, leftovers, lesson: this.lessonId };
  }

  private invalidate(): void { this.probed = null; }

  private offBackend: () => void = () => undefined;
  /** When the current lab's backend is lost, the backends' state is looked at again (Docker is no longer available). */
  private watchBackend(): void {
    this.offBackend();
    this.offBackend = this.cur.lab.on((e) => {
      if (e.type !== 'backend') return;
      this.invalidate();
      this.emit({ type: 'changed' });
    });
  }

  private engine(): Promise<Engine> {
    return withTimeout(this.opts.engine ? this.opts.engine() : connectEngine(this.env as NodeJS.ProcessEnv), ENGINE_TIMEOUT_MS, 'the Docker engine');
  }

  private async probe(): Promise<{ backends: BackendStatus[]; leftovers: LeftoverLab[] }> {
    const sim: BackendStatus = { kind: 'sim', available: true, detail: 'simulated nodes in this app: always available, nothing to install' };
    let engine: Engine;
    try {
      engine = await this.engine();
    } catch (e) {
      return { backends: [sim, { kind: 'docker', available: false, detail: `${(e as Error).message}. Start Docker (Docker Engine, Docker Desktop or Podman), then look again.` }], leftovers: [] };
    }
    const where = `${engine.product} at ${engine.host}`;
    let docker: BackendStatus;
    try {
      const img = await withTimeout(imageStatus(engine.docker), ENGINE_TIMEOUT_MS, 'the Docker engine');
      docker = img.present
        ? { kind: 'docker', available: true, detail: where }
        : { kind: 'docker', available: false, detail: `${where}, but the node image ${NODE_IMAGE} is missing; build it with: chainlab image build` };
    } catch (e) {
      docker = { kind: 'docker', available: false, detail: `${where}, but it could not be asked for the node image: ${(e as Error).message}` };
    }
    let leftovers: LeftoverLab[] = [];
    try {
      const mine = this.current.spec.backend === 'docker' ? this.current.spec.name : null;
      leftovers = (await withTimeout(findDockerLabs(engine.docker, this.env), ENGINE_TIMEOUT_MS, 'the Docker engine')).filter((l) => l.name !== mine);
    } catch (e) {
      docker = { ...docker, detail: `${docker.detail} (listing its Chainlab labs failed: ${(e as Error).message})` };
    }
    return { backends: [sim, docker], leftovers };
  }

  /** The saved state of a docker lab, or null (none, or not a docker lab's). */
  private async stored(name: string): Promise<StoredLab | null> {
    let s: StoredLab;
    try { s = await readLab(labDir(this.env, name)); } catch { return null; }
    return s.state.spec.backend === 'docker' ? s : null;
  }

  /** Makes a lab for a spec with the backend's factory. */
  private async open(spec: LabSpec): Promise<OpenedLab> {
    const f = this.opts.factories?.[spec.backend];
    if (f !== undefined) {
      const lab = await f(spec);
      return { lab, release: () => lab.close() };
    }
    if (spec.backend === 'sim') {
      const lab = await createSimLab(spec);
      return { lab, release: () => lab.close() };
    }
    return this.openDocker(spec);
  }

  /** A docker lab whose cluster state is kept under CHAINLAB_HOME while it runs, so a crash leaves it attachable. */
  private async openDocker(spec: LabSpec): Promise<OpenedLab> {
    const engine = await this.engine();
    return this.underAppLock(spec.name, 2000, async (dir) => {
      let lab;
      try {
        // The docker backend makes the cluster state itself (on real time, on a node network it finds free).
        lab = await createDockerLab(spec, { engine, agentPath: this.agentPath() });
      } catch (e) {
        await removeLab(dir);
        throw e;
      }
      const made = lab;
      const brain = made.cluster;
      const stopSaving = this.keepSaved(dir, spec.name, brain, () => brain.runtime.clock.now() - Date.now());
      return {
        lab: made,
        release: async () => {
          await stopSaving();
          try { await made.close(); } finally { await removeLab(dir); }
        },
      };
    });
  }

  /**
   * Opens a docker lab with its lock held for as long as the app runs it: its
   * cluster state lives here, so `chainlab kubectl --lab` meanwhile is told the
   * app has it (APP_HOLDER) instead of saving a change the app would write over.
   */
  private async underAppLock(name: string, waitMs: number, open: (dir: string) => Promise<OpenedLab>): Promise<OpenedLab> {
    const dir = labDir(this.env, name);
    const unlock = await lockLab(dir, name, APP_HOLDER, waitMs);
    let opened: OpenedLab;
    try {
      opened = await open(dir);
    } catch (e) {
      await unlock();
      throw e;
    }
    return { lab: opened.lab, release: async () => { try { await opened.release(); } finally { await unlock(); } } };
  }

  /** Saves a docker lab's cluster state now and after changes (at most every 2 s); returns a stop that waits for the last save. */
  private keepSaved(dir: string, name: string, brain: SimLab, offset: () => number, user?: string): () => Promise<void> {
    let pending: ReturnType<typeof setTimeout> | undefined;
    let saving: Promise<void> = Promise.resolve();
    let stopped = false;
    const save = (): void => {
      pending = undefined;
      saving = saving.then(() => writeLab(dir, { format: 'chainlab-lab/1', name, savedAt: Date.now(), clockOffsetMs: offset(), state: brain.toJSON(), ...(user ? { user } : {}) }))
        .catch((e: Error) => console.error(`chainlab: saving lab ${name} failed: ${e.message}`));
    };
    save();
    const off = brain.on((e) => {
      if (stopped || e.type !== 'cluster' || pending !== undefined) return;
      pending = setTimeout(save, PERSIST_EVERY_MS);
    });
    return async () => {
      stopped = true;
      off();
      if (pending !== undefined) clearTimeout(pending);
      await saving;
    };
  }

  /** Makes `next` current and lets go of the old lab; sessions hear of it before the old lab closes. */
  private async swap(next: OpenedLab, reason: Extract<WorkspaceEvent, { type: 'switch' }>['reason'], releaseOld = true): Promise<void> {
    const previous = this.cur;
    this.cur = next;
    this.invalidate();
    this.watchBackend();
    this.emit({ type: 'switch', lab: next.lab, previous: previous.lab, reason });
    if (releaseOld) {
      await previous.release();
      // What Docker holds changed with the release (the old lab's containers are gone): look again.
      if (previous.lab.spec.backend === 'docker') {
        this.invalidate();
        this.emit({ type: 'changed' });
      }
    }
  }

  /**
   * A new lab from a cluster spec (and manifests applied at once). The new lab is made
   * first and the old one closed after, so a failure leaves the old lab as it was.
   */
  start(c: ClusterSpec, manifest?: string): Promise<WorkspaceCore> {
    return this.serial(async () => {
      const spec = labSpecOf(c, c.backend === 'docker' ? `app-${Date.now().toString(36)}` : 'chainlab');
      await this.replaceNow(async () => {
        const next = await this.open(spec);
        if (manifest !== undefined && manifest.trim() !== '') {
          const r = await next.lab.apply(manifest);
          if (r.exitCode !== 0) {
            await next.release();
            throw new Error(`the new lab could not apply the manifests: ${r.output.trim()}`);
          }
          await next.lab.advance(5000);
        }
        return next;
      }, 'start');
      return this.state();
    });
  }

  /** Makes the lab `make` opens current (a lesson: its runner starts the cluster and runs the setup), in turn with other changes. */
  replace(make: () => Promise<OpenedLab>, reason: Extract<WorkspaceEvent, { type: 'switch' }>['reason']): Promise<void> {
    return this.serial(() => this.replaceNow(make, reason));
  }

  private async replaceNow(make: () => Promise<OpenedLab>, reason: Extract<WorkspaceEvent, { type: 'switch' }>['reason']): Promise<void> {
    if (this.closed) throw new Error('the app is closing');
    // Docker labs side by side each take their own node network, so the new lab is always made first.
    const next = await make();
    await this.swap(next, reason);
  }

  /** Opens a lab through the workspace's factories, for a lesson's runner; the caller makes it current with replace(). */
  async openLab(spec: LabSpec): Promise<OpenedLab> {
    return this.open({ ...spec, kubeProxyVersion: fullVersion(spec.kubeProxyVersion) });
  }

  /** Takes over a docker lab left running (its saved state under CHAINLAB_HOME); switching away later keeps it running. */
  attach(name: string): Promise<WorkspaceCore> {
    return this.serial(async () => {
      if (this.current.spec.backend === 'docker' && this.current.spec.name === name) throw new Error(`docker lab ${name} is already the current lab`);
      const stored = await this.stored(name);
      if (stored === null) throw new Error(`docker lab ${name} has no saved state under ${labDir(this.env, name)}; it cannot be attached, only removed`);
      await this.replaceNow(async () => {
        const engine = await this.engine();
        // A CLI command under way on it finishes first (its change is in the state read here).
        return this.underAppLock(name, 10_000, async (dir) => {
          const fresh = (await this.stored(name)) ?? stored;
          const clock = realtimeClock({ offsetMs: fresh.clockOffsetMs });
          const brain = await restoreSimLab(fresh.state, { clock, ...(fresh.user ? { user: fresh.user } : {}) });
          let lab;
          try {
            lab = await attachDockerLab(fresh.state.spec, { engine, agentPath: this.agentPath(), brain });
          } catch (e) {
            await brain.close();
            throw e;
          }
          const attached = lab;
          const stopSaving = this.keepSaved(dir, name, brain, () => clock.offsetMs, fresh.user);
          return {
            lab: attached,
            release: async () => {
              // It was running before the app took it: it stays running (and attachable) after.
              await stopSaving();
              await attached.detach();
              await brain.close();
            },
          };
        });
      }, 'attach');
      return this.state();
    });
  }

  /** Removes a docker lab that is not the current one: its containers, network and saved state. */
  remove(name: string): Promise<WorkspaceCore> {
    return this.serial(async () => {
      if (this.current.spec.backend === 'docker' && this.current.spec.name === name) {
        throw new Error(`docker lab ${name} is the current lab; start another lab first, then remove it`);
      }
      const engine = await this.engine();
      const dir = labDir(this.env, name);
      // Not from under another app window or a CLI command that has it.
      const unlock = await lockLab(dir, name, 'remove', 2000);
      try {
        await removeDockerLab(engine.docker, name);
      } finally {
        await unlock();
      }
      await removeLab(dir);
      this.invalidate();
      this.emit({ type: 'changed' });
      return this.state();
    });
  }

  /**
   * Docker stopped under the current lab: the same cluster (every object the user
   * made) goes on with simulated nodes. The containers, if Docker comes back, are a leftover.
   */
  fallback(): Promise<WorkspaceCore> {
    return this.serial(async () => {
      const lab = this.current;
      if (lab.spec.backend !== 'docker') throw new Error(`the current lab runs on the ${lab.spec.backend} backend; there is nothing to fall back from`);
      const brain = clusterOf(lab);
      if (brain === null) throw new Error('this docker lab does not expose its cluster state; start a new lab instead');
      const name = lab.spec.name;
      const old = this.cur;
      const detach = (lab as Partial<{ detach(): Promise<void> }>).detach;
      const next: OpenedLab = { lab: onSim(brain), release: () => brain.close() };
      await this.swap(next, 'fallback', false);
      // The engine is gone: stop following it (no removal, which would need the engine); its saved state is stale now.
      if (typeof detach === 'function') await detach.call(lab);
      else await old.release();
      await removeLab(labDir(this.env, name));
      return this.state();
    });
  }

  /** Closes the current lab (app exit). */
  async close(): Promise<void> {
    this.closed = true;
    this.offBackend();
    await this.lessons?.shutdown();
    await this.serial(() => this.cur.release());
  }
}

export function createWorkspace(opts: WorkspaceOptions): Workspace {
  return new Workspace(opts);
}
