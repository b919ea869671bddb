// Guided labs on the host: the lab library (labs/), a lesson's own cluster made
// current through the workspace, the runner evaluating its checks (after every
// command typed in a terminal, every answer, and on a short timer while a step
// waits for the cluster), and progress saved under CHAINLAB_HOME after every
// change, so closing the app and opening the lesson again resumes.

import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { LessonCard, LessonState, LessonStepView } from '../../api/contract.js';
import type { BackendKind, ClusterSnapshot } from '../../lab/backend.js';
import { LabRunner, checkLabel, emptyProgress, loadLab, resolvePacket, type CommandRecord, type LabCheck, type LabProgress, type LabSource, type LoadedLab } from '../../lab/runner/index.js';
import { loadProgress, readProgress, writeProgress } from '../lab/progress.js';
import { requestError } from './errors.js';
import type { OpenedLab, Workspace } from './workspace.js';

export interface LessonsOptions {
  /** The labs folder (resolved when first needed, so a missing one is an answer, not a crash at start). */
  labsDir: () => string;
  env: Record<string, string | undefined>;
  /** How often the checks of a step that waits for the cluster run again (default 1000 ms). */
  pollMs?: number;
}

/** Checks whose answer can change without the student doing anything (kube-proxy restarts, syncs, controllers). */
const TIMED: ReadonlySet<string> = new Set(['process', 'socket', 'rule', 'counter', 'endpoints', 'object', 'field', 'packet']);
/** Lesson events are coalesced: a burst of runner events (a solution's commands) sends one state. */
const COALESCE_MS = 15;
/** Commands sent with the state (the newest). */
const SHOWN_COMMANDS = 50;

function dirSource(dir: string, shownAs: string): LabSource {
  return {
    dir: shownAs,
    read: async (rel) => {
      try { return await readFile(path.join(dir, rel), 'utf8'); } catch { return null; }
    },
  };
}

function isTimed(c: LabCheck): boolean {
  return Object.keys(c).some((k) => TIMED.has(k));
}

/** Saved progress fitted to the lab as it is now (a step added or renamed since is not done). */
function fitted(loaded: LoadedLab, saved: LabProgress | null): LabProgress {
  const p = emptyProgress(loaded);
  if (saved === null) return p;
  for (const s of loaded.manifest.steps) {
    const old = saved.steps[s.id];
    if (old !== undefined && typeof old === 'object') p.steps[s.id] = { done: old.done === true, hintsShown: Math.max(0, Math.min(Number(old.hintsShown) || 0, s.hints.length)), ...(typeof old.answer === 'string' ? { answer: old.answer } : {}) };
  }
  p.current = Math.max(0, Math.min(Math.trunc(saved.current), loaded.manifest.steps.length));
  return p;
}

export class Lessons {
  private runner: LabRunner | null = null;
  private offRunner: () => void = () => undefined;
  private warning: string | undefined;
  private readonly listeners = new Set<(s: LessonState | null) => void>();
  /** Runner operations one at a time (a typed command, a poll and an answer never interleave). */
  private queue: Promise<unknown> = Promise.resolve();
  private busy = 0;
  private pollTimer: ReturnType<typeof setInterval> | undefined;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private saving: Promise<void> = Promise.resolve();
  private closed = false;
  private lastSent = '';
  private lastSaved = '';

  constructor(private readonly ws: Workspace, private readonly opts: LessonsOptions) {
    ws.on((e) => {
      if (e.type !== 'switch' || e.reason === 'lesson' || this.runner === null) return;
      if (e.reason === 'fallback') {
        // Same cluster, other nodes: the lesson goes on; its checks now look at the sim nodes.
        this.runner.lab = e.lab;
        this.warning = 'Docker stopped: this lesson goes on with the same cluster on simulated nodes (sim backend).';
        this.schedule();
        return;
      }
      // Another lab replaced the lesson's cluster: the lesson ends (its progress is saved).
      this.drop();
    });
  }

  on(listener: (s: LessonState | null) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private emit(s: LessonState | null): void {
    for (const l of [...this.listeners]) l(s);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    this.busy++;
    const run = this.queue.then(fn, fn).finally(() => { this.busy--; });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private labsDir(): string {
    try { return this.opts.labsDir(); } catch (e) { throw requestError(`no guided labs here: ${(e as Error).message}`); }
  }

  private async load(id: string): Promise<LoadedLab> {
    const dir = path.join(this.labsDir(), id);
    const r = await loadLab(dirSource(dir, `labs/${id}`), id);
    if (!r.ok) {
      const exists = await stat(path.join(dir, 'lab.yaml')).then((s) => s.isFile(), () => false);
      if (!exists) throw requestError(`no lab '${id}' in the labs folder`, 'id');
      throw requestError(`lab '${id}' is not valid: ${r.errors.map((e) => e.message).join('; ')} (run: chainlab lab validate labs/${id})`, 'id');
    }
    return r.value;
  }

  /** The library: every valid lab with its saved progress, sorted by folder name. */
  async list(): Promise<LessonCard[]> {
    const root = this.labsDir();
    let entries: string[];
    try { entries = (await readdir(root)).sort(); } catch (e) { throw requestError(`cannot read the labs folder ${root}: ${(e as Error).message}`); }
    const cards: LessonCard[] = [];
    for (const id of entries) {
      if (!/^[a-z0-9][a-z0-9-]*$/.test(id)) continue;
      if (!(await stat(path.join(root, id, 'lab.yaml')).then((s) => s.isFile(), () => false))) continue;
      const r = await loadLab(dirSource(path.join(root, id), `labs/${id}`), id);
      if (!r.ok) {
        // A broken lab is left out of the library; its author sees why with `chainlab lab validate`.
        console.error(`chainlab: labs/${id} is not valid and is not listed: ${r.errors[0]?.message ?? ''}`);
        continue;
      }
      const m = r.value.manifest;
      cards.push({
        id, title: m.title, summary: m.summary, level: m.level, duration: m.duration, steps: m.steps.length,
        nodes: m.cluster.nodes, kubeProxyVersion: m.cluster.kubeProxyVersion, backends: [...m.cluster.backends],
        progress: await readProgress(this.opts.env, id),
      });
    }
    return cards;
  }

  /** Opens a lesson on its own cluster (made current), resuming saved progress unless `fresh`. */
  open(id: string, backend: BackendKind = 'sim', fresh = false): Promise<LessonState> {
    return this.serial(async () => {
      if (this.closed) throw requestError('the app is closing');
      const loaded = await this.load(id);
      const backends = loaded.manifest.cluster.backends;
      if (!backends.includes(backend)) {
        throw requestError(`lab '${id}' runs on the ${backends.join(' and ')} backend${backends.length > 1 ? 's' : ''}, not on ${backend}; open it with backend ${backends[0]!}`, 'backend');
      }
      const saved = fresh ? { progress: null } : await loadProgress(this.opts.env, id);
      const progress = fitted(loaded, saved.progress);
      let runner: LabRunner | undefined;
      await this.ws.replace(async () => {
        let made: OpenedLab | undefined;
        try {
          runner = await LabRunner.start(loaded, {
            backend, progress,
            createLab: async (spec) => { made = await this.ws.openLab(spec); return made.lab; },
          });
        } catch (e) {
          // The setup failed after the cluster was made: let go of it; the old lab stays current.
          if (made !== undefined) await made.release();
          throw e;
        }
        if (made === undefined) throw new Error('the lab runner made no cluster');
        return made;
      }, 'lesson');
      const r = runner!;
      // One lesson per workspace: the one open before ends here (its progress saved); it stays open if this one failed.
      this.drop(false);
      this.runner = r;
      this.warning = saved.problem;
      this.offRunner = r.on(() => this.schedule());
      this.ws.setLesson(id);
      this.startPolling();
      this.lastSent = '';
      this.lastSaved = '';
      return this.flushNow(r);
    });
  }

  /** The open lesson's state, or null. */
  async state(): Promise<LessonState | null> {
    const r = this.runner;
    return r === null ? null : this.build(r);
  }

  private need(): LabRunner {
    if (this.runner === null) throw requestError('no lesson is open; open one from the lab library');
    return this.runner;
  }

  /** Runs `fn` on the open runner, then answers with the new state (and sends it, saved). */
  private act(fn: (r: LabRunner) => Promise<unknown>): Promise<LessonState> {
    return this.serial(async () => {
      const r = this.need();
      await fn(r);
      if (this.runner !== r) throw requestError('the lesson was closed meanwhile');
      return this.flushNow(r);
    });
  }

  answer(choice: string): Promise<LessonState> {
    return this.act(async (r) => {
      const step = r.currentStep;
      if (step === undefined) throw requestError('the lesson is finished; there is no question to answer');
      if (step.question === undefined) throw requestError(`step "${step.title}" asks no question`, 'choice');
      if (!step.question.choices.includes(choice)) throw requestError(`"${choice}" is not one of the choices: ${step.question.choices.map((c) => `"${c}"`).join(', ')}`, 'choice');
      await r.answer(choice);
    });
  }

  hint(): Promise<LessonState> {
    return this.act(async (r) => {
      const step = r.currentStep;
      if (step === undefined) throw requestError('the lesson is finished; no hints left');
      if (r.revealHint() === null) throw requestError(`no more hints for step "${step.title}"`);
    });
  }

  solveStep(): Promise<LessonState> {
    return this.act(async (r) => {
      const step = r.currentStep;
      if (step === undefined) throw requestError('the lesson is finished; nothing to solve');
      if (step.solution === undefined) throw requestError(`step "${step.title}" has no solution to show`);
      await r.solveStep();
    });
  }

  // Resets and jumps rebuild the cluster in place (Lab.reset, then setup and the solutions before).
  resetStep(): Promise<LessonState> { return this.act((r) => r.resetStep()); }
  resetLab(): Promise<LessonState> { return this.act((r) => r.resetLab()); }
  goTo(index: number): Promise<LessonState> {
    return this.act(async (r) => {
      if (index > r.steps.length) throw requestError(`there are ${r.steps.length} steps (0 to ${r.steps.length - 1}; ${r.steps.length} is the end)`, 'index');
      await r.goTo(index);
    });
  }

  /** Closes the lesson; the cluster stays (it is the workspace's current lab). */
  close(): Promise<null> {
    return this.serial(async () => { this.drop(); return null; });
  }

  /** A command line finished in one of the session's terminals (`console` or a node name). */
  record(terminal: string, rec: { line: string; output: string; exitCode: number }): void {
    const r = this.runner;
    if (r === null) return;
    const record: CommandRecord = { terminal, line: rec.line, output: rec.output, exitCode: rec.exitCode };
    void this.serial(async () => {
      if (this.runner === r) await r.record(record);
    }).catch((e: Error) => console.error(`chainlab: recording a command for the lesson failed: ${e.message}`));
  }

  private startPolling(): void {
    this.stopPolling();
    const ms = this.opts.pollMs ?? 1000;
    this.pollTimer = setInterval(() => {
      const r = this.runner;
      // Never overlap: a poll waits for nothing, it is skipped while anything runs.
      if (r === null || this.busy > 0) return;
      const step = r.currentStep;
      if (step === undefined || !step.checks.some(isTimed)) return;
      void this.serial(async () => {
        if (this.runner === r) await r.poll(0);
      }).catch((e: Error) => console.error(`chainlab: evaluating the lesson's checks failed: ${e.message}`));
    }, ms);
    this.pollTimer.unref?.();
  }

  private stopPolling(): void {
    if (this.pollTimer !== undefined) clearInterval(this.pollTimer);
    this.pollTimer = undefined;
  }

  /** Ends the open lesson (without closing its cluster). */
  private drop(announce = true): void {
    if (this.runner === null) return;
    this.stopPolling();
    this.offRunner();
    this.offRunner = () => undefined;
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.save(this.runner);
    this.runner = null;
    this.warning = undefined;
    this.lastSent = '';
    if (announce) {
      this.ws.setLesson(null);
      this.emit(null);
    }
  }

  /** A burst of runner events becomes one lesson event. */
  private schedule(): void {
    if (this.flushTimer !== undefined) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      const r = this.runner;
      if (r === null) return;
      void this.flushNow(r).catch((e: Error) => console.error(`chainlab: sending the lesson state failed: ${e.message}`));
    }, COALESCE_MS);
  }

  private async flushNow(r: LabRunner): Promise<LessonState> {
    const state = await this.build(r);
    this.save(r);
    // A poll that found nothing new sends nothing (the checks run every second).
    const text = JSON.stringify(state);
    if (this.runner === r && text !== this.lastSent) {
      this.lastSent = text;
      this.emit(state);
    }
    return state;
  }

  private save(r: LabRunner): void {
    const text = JSON.stringify(r.progress);
    if (text === this.lastSaved) return;
    this.lastSaved = text;
    const snapshot = JSON.parse(text) as LabProgress;
    this.saving = this.saving.then(() => writeProgress(this.opts.env, snapshot))
      .catch((e: Error) => console.error(`chainlab: saving the progress of ${snapshot.lab} failed: ${e.message}`));
  }

  /** Waits until the progress written so far is on disk (tests, app exit). */
  async flushed(): Promise<void> {
    await this.queue;
    await this.saving;
  }

  private async build(r: LabRunner): Promise<LessonState> {
    const m = r.loaded.manifest;
    let snap: ClusterSnapshot | null = null;
    try { snap = await r.lab.snapshot(); } catch { snap = null; /* a lost backend: the packets are left out */ }
    const steps: LessonStepView[] = [];
    for (const s of m.steps) {
      const p = r.progress.steps[s.id] ?? { done: false, hintsShown: 0 };
      const packets: LessonStepView['packets'] = [];
      if (snap !== null) {
        for (const c of s.checks) {
          if (!('packet' in c)) continue;
          const res = await resolvePacket(c.packet, snap);
          if ('packet' in res) packets.push({ node: c.packet.node, packet: res.packet, label: checkLabel(c) });
        }
      }
      steps.push({
        id: s.id, title: s.title, markdown: r.loaded.instructions[s.id] ?? '', done: p.done,
        hints: s.hints.slice(0, p.hintsShown), hintsLeft: Math.max(0, s.hints.length - p.hintsShown),
        ...(s.question ? { question: { text: s.question.text, choices: [...s.question.choices], ...(p.answer !== undefined ? { answered: p.answer } : {}) } } : {}),
        hasSolution: s.solution !== undefined && s.solution.length > 0,
        checks: s.checks.map(checkLabel),
        packets,
        solution: (s.solution ?? []).map((a) => ('run' in a ? { run: a.run, in: a.in } : 'wait' in a ? { wait: a.wait } : { answer: a.answer })),
      });
    }
    return {
      id: r.loaded.id, title: m.title, current: r.progress.current, finished: r.finished, steps,
      results: [...r.lastResults], commands: r.recorded.slice(-SHOWN_COMMANDS),
      progress: JSON.parse(JSON.stringify(r.progress)) as LabProgress,
      ...(this.warning !== undefined ? { warning: this.warning } : {}),
    };
  }

  /** App exit: the lesson ends, its progress on disk. */
  async shutdown(): Promise<void> {
    this.closed = true;
    await this.queue;
    this.drop(false);
    await this.saving;
  }
}
