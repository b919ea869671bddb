// The lab runner: starts a lab's cluster, runs its setup, evaluates the current
// step's checks after every action (and when the host's timer calls poll()),
// unlocks the next step, and keeps progress the host persists. Pure: the host
// supplies the Lab (sim or docker) and stores LabProgress under CHAINLAB_HOME.

import type { Lab, LabSpec, BackendKind } from '../backend.js';
import type { LoadedLab } from './load.js';
import type { LabAction, LabStep } from './schema.js';
import { evaluateCheck, countersOf, type CheckResult, type CommandRecord } from './checks.js';

export interface StepProgress {
  done: boolean;
  hintsShown: number;
  answer?: string;
}

/** What is saved per lab, so closing the app resumes where the student was. */
export interface LabProgress {
  lab: string;
  /** Index of the current step (steps.length when the lab is finished). */
  current: number;
  steps: Record<string, StepProgress>;
}

export type RunnerEvent =
  | { type: 'checks'; step: string; results: CheckResult[] }
  | { type: 'step'; index: number; finished: boolean }
  | { type: 'command'; record: CommandRecord }
  | { type: 'progress'; progress: LabProgress };

export interface RunnerOptions {
  backend?: BackendKind;
  /** Creates the lab's cluster (sim in tests and CI; the host picks the backend). */
  createLab: (spec: LabSpec) => Promise<Lab>;
  /** Progress saved earlier, to resume. */
  progress?: LabProgress;
}

/** Commands kept per step (each with its output). */
const MAX_COMMANDS = 200;

export function parseDuration(d: string): number {
  const m = /^(\d+)(ms|s|m)$/.exec(d);
  if (!m) return 0;
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}

export function emptyProgress(lab: LoadedLab): LabProgress {
  return { lab: lab.id, current: 0, steps: Object.fromEntries(lab.manifest.steps.map((s) => [s.id, { done: false, hintsShown: 0 }])) };
}

/** A here-document that writes a file on a node (the delimiter cannot occur in the text). */
function writeFileCommand(path: string, text: string): string {
  let delim = 'CHAINLAB_EOF';
  while (text.includes(delim)) delim += '_';
  return `cat > ${path} <<'${delim}'\n${text.endsWith('\n') ? text : `${text}\n`}${delim}`;
}

export class LabRunner {
  private commands: CommandRecord[] = [];
  private baseline = new Map<string, number>();
  private listeners = new Set<(e: RunnerEvent) => void>();
  progress: LabProgress;
  lastResults: CheckResult[] = [];

  private constructor(readonly loaded: LoadedLab, public lab: Lab, progress: LabProgress) {
    this.progress = progress;
  }

  /** Starts the lab's cluster and brings it to the current step's starting state. */
  static async start(loaded: LoadedLab, opts: RunnerOptions): Promise<LabRunner> {
    const c = loaded.manifest.cluster;
    const backend = opts.backend ?? 'sim';
    if (!c.backends.includes(backend)) throw new Error(`lab ${loaded.id} does not run on the ${backend} backend (it runs on ${c.backends.join(', ')})`);
    const lab = await opts.createLab({ name: `lab-${loaded.id}`, nodes: c.nodes, kubeProxyVersion: c.kubeProxyVersion, backend, restartKubeProxy: c.restartKubeProxy, seed: c.seed });
    const r = new LabRunner(loaded, lab, opts.progress ?? emptyProgress(loaded));
    await r.setup();
    // Resuming: replay the solutions of finished steps, so the cluster is where the student left it.
    for (let i = 0; i < Math.min(r.progress.current, loaded.manifest.steps.length); i++) await r.runActions(loaded.manifest.steps[i]!.solution ?? [], false);
    await r.beginStep();
    return r;
  }

  get steps(): readonly LabStep[] { return this.loaded.manifest.steps; }
  /** Commands recorded since the current step began, oldest first. */
  get recorded(): readonly CommandRecord[] { return this.commands; }
  get currentStep(): LabStep | undefined { return this.steps[this.progress.current]; }
  get finished(): boolean { return this.progress.current >= this.steps.length; }

  on(listener: (e: RunnerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: RunnerEvent): void {
    for (const l of [...this.listeners]) l(e);
  }

  private nodeNames(): string[] {
    return Array.from({ length: this.loaded.manifest.cluster.nodes }, (_, i) => `k8s${i + 1}`);
  }

  private async setup(): Promise<void> {
    const s = this.loaded.manifest.setup;
    for (const [i, text] of this.loaded.applyTexts.entries()) {
      const r = await this.lab.apply(text);
      if (r.exitCode !== 0) throw new Error(`setup: applying ${s.apply[i]} failed: ${r.output.trim()}`);
    }
    for (const [i, f] of s.files.entries()) {
      const r = await this.lab.exec(f.node, writeFileCommand(f.path, this.loaded.fileTexts[i] ?? ''));
      if (r.exitCode !== 0) throw new Error(`setup: writing ${f.path} on ${f.node} failed: ${r.output.trim()}`);
    }
    // Let pods start and kube-proxies sync before the first step.
    await this.lab.advance(5000);
    await this.runActions(s.run, false);
  }

  private async beginStep(): Promise<void> {
    this.commands = [];
    this.baseline = await countersOf(this.lab, this.nodeNames());
    this.lastResults = [];
    this.emit({ type: 'step', index: this.progress.current, finished: this.finished });
    this.emit({ type: 'progress', progress: this.progress });
  }

  /** Runs one command line in a terminal (`console` is the control-plane's shell, with kubectl), records it, evaluates. */
  async run(terminal: string, line: string): Promise<CommandRecord> {
    const node = terminal === 'console' ? this.nodeNames()[0]! : terminal;
    const r = await this.lab.exec(node, line);
    const record = { terminal, line, output: r.output, exitCode: r.exitCode };
    await this.record(record);
    return record;
  }

  /** A command run elsewhere (an interactive terminal the host drives): record it and evaluate. */
  async record(record: CommandRecord): Promise<void> {
    this.commands.push(record);
    // A step's checks look at recent commands; an endless session in one step must not grow without bound.
    if (this.commands.length > MAX_COMMANDS) this.commands.splice(0, this.commands.length - MAX_COMMANDS);
    this.emit({ type: 'command', record });
    await this.evaluate();
  }

  async answer(choice: string): Promise<CheckResult[]> {
    const step = this.currentStep;
    if (step) this.progress.steps[step.id]!.answer = choice;
    return this.evaluate();
  }

  /** The next hint of the current step (null when all are shown). */
  revealHint(): string | null {
    const step = this.currentStep;
    if (!step) return null;
    const p = this.progress.steps[step.id]!;
    if (p.hintsShown >= step.hints.length) return null;
    p.hintsShown++;
    this.emit({ type: 'progress', progress: this.progress });
    return step.hints[p.hintsShown - 1]!;
  }

  /** Evaluates the current step's checks; all passing completes it and unlocks the next. */
  async evaluate(): Promise<CheckResult[]> {
    const step = this.currentStep;
    if (!step) return [];
    const ctx = { lab: this.lab, commands: this.commands, answer: this.progress.steps[step.id]!.answer, baseline: this.baseline };
    const results: CheckResult[] = [];
    for (const c of step.checks) results.push(await evaluateCheck(c, ctx));
    this.lastResults = results;
    this.emit({ type: 'checks', step: step.id, results });
    if (results.every((r) => r.passed)) {
      this.progress.steps[step.id]!.done = true;
      this.progress.current++;
      await this.beginStep();
    }
    return results;
  }

  /** The host's timer: time passes (kube-proxy restarts, syncs), then the checks run again. */
  async poll(ms = 1000): Promise<CheckResult[]> {
    await this.lab.advance(ms);
    return this.evaluate();
  }

  private async runActions(actions: readonly LabAction[], evaluate: boolean): Promise<void> {
    for (const a of actions) {
      if ('run' in a) {
        if (evaluate) await this.run(a.in, a.run);
        else await this.lab.exec(a.in === 'console' ? this.nodeNames()[0]! : a.in, a.run);
      } else if ('wait' in a) await this.lab.advance(parseDuration(a.wait));
      else if (evaluate) await this.answer(a.answer);
    }
  }

  /** "Show me": runs the current step's solution; returns the check results after it (retrying while time passes). */
  async solveStep(settleMs = 30_000): Promise<{ step: string; results: CheckResult[] }> {
    const step = this.currentStep;
    if (!step) return { step: '', results: [] };
    const index = this.progress.current;
    const runs = step.solution ?? [];
    for (const a of runs) {
      if (this.progress.current !== index) break; // a check passed mid-solution: the step is done
      if ('run' in a) await this.run(a.in, a.run);
      else if ('wait' in a) await this.lab.advance(parseDuration(a.wait));
      else await this.answer(a.answer);
    }
    let results = this.progress.current === index ? await this.evaluate() : [];
    for (let waited = 0; this.progress.current === index && waited < settleMs; waited += 1000) results = await this.poll(1000);
    return { step: step.id, results: this.progress.current === index ? results : results.map((r) => ({ ...r, passed: true })) };
  }

  /** Back to the starting state of the current step: a fresh cluster, setup, and the solutions of the steps before. */
  async resetStep(): Promise<void> {
    await this.lab.reset();
    await this.setup();
    for (let i = 0; i < this.progress.current; i++) await this.runActions(this.steps[i]!.solution ?? [], false);
    await this.beginStep();
  }

  /** Jump to a step (trainer mode): the cluster is rebuilt as if the steps before were solved. */
  async goTo(index: number): Promise<void> {
    this.progress.current = Math.max(0, Math.min(index, this.steps.length));
    for (const [i, s] of this.steps.entries()) this.progress.steps[s.id]!.done = i < this.progress.current;
    await this.resetStep();
  }

  /** Back to the lab's starting state, progress cleared. */
  async resetLab(): Promise<void> {
    this.progress = emptyProgress(this.loaded);
    await this.resetStep();
  }

  async close(): Promise<void> {
    await this.lab.close();
  }
}

export interface SolveReport {
  ok: boolean;
  steps: { id: string; title: string; passed: boolean; results: CheckResult[] }[];
}

/** `chainlab lab run DIR --solve`: every step's solution, end to end; fails at the first step whose checks do not pass. */
export async function solveLab(loaded: LoadedLab, opts: RunnerOptions): Promise<SolveReport> {
  const r = await LabRunner.start(loaded, opts);
  const steps: SolveReport['steps'] = [];
  try {
    for (const s of loaded.manifest.steps) {
      if (!s.solution) {
        steps.push({ id: s.id, title: s.title, passed: false, results: [{ passed: false, label: 'solution', detail: 'this step has no solution to run' }] });
        return { ok: false, steps };
      }
      const { results } = await r.solveStep();
      const passed = results.every((x) => x.passed) && r.progress.steps[s.id]!.done;
      steps.push({ id: s.id, title: s.title, passed, results });
      if (!passed) return { ok: false, steps };
    }
    return { ok: true, steps };
  } finally {
    await r.close();
  }
}
