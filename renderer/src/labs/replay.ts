// A trainer's replay: the step's solution typed into its terminal at a readable
// pace (so the host records it as a student's command), waits, answers, then the
// step's packets loaded into the packet pane and stepped through. Goes on with
// the next step when asked to, until the end or Stop. The app's pieces come in
// as ReplayDeps so the sequence is tested without a browser.
import type { LessonState, LessonStepView } from '../../../core/api/contract.js';
import type { UserError } from '../../../core/engine/errors.js';
import { commandRecorded, replayPlan, type ReplayItem } from './lesson.js';

export interface ReplayDeps {
  lesson(): LessonState | null;
  /** Types `text` into the lesson terminal character by character, then Enter. False when it could not. */
  type(terminal: string, text: string, signal: AbortSignal): Promise<boolean>;
  answer(choice: string): Promise<UserError[] | null>;
  /** Lets lab time pass (sim: simulated time; docker: a real wait). */
  advance(ms: number): Promise<UserError[] | null>;
  /** Loads the packet into the packet pane and animates its path; resolves when the last step is shown. */
  showPacket(item: Extract<ReplayItem, { kind: 'packet' }>, signal: AbortSignal): Promise<void>;
  /** Back to the step panel between steps. */
  showSteps(): void;
  status(text: string): void;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export interface ReplayOptions {
  /** Go on with the next steps once this one is done. */
  continue: boolean;
  /** How long to wait for the host to record a typed command, or to unlock the next step. */
  timeoutMs?: number;
  /** Pause after each command, so a room can read the output. */
  pauseMs?: number;
}

/** How a replay ended, in words the trainer reads. */
export type ReplayEnd = { kind: 'done' | 'stopped' | 'finished' } | { kind: 'failed'; message: string };

async function until(cond: () => boolean, timeoutMs: number, deps: ReplayDeps, signal: AbortSignal): Promise<boolean> {
  for (let waited = 0; waited <= timeoutMs; waited += 100) {
    if (cond()) return true;
    if (signal.aborted) return false;
    await deps.sleep(100, signal);
  }
  return cond();
}

async function replayStep(step: LessonStepView, index: number, deps: ReplayDeps, signal: AbortSignal, timeoutMs: number, pauseMs: number): Promise<ReplayEnd | null> {
  const items = replayPlan(step);
  for (const item of items) {
    if (signal.aborted) return { kind: 'stopped' };
    const now = deps.lesson();
    if (now === null) return { kind: 'failed', message: 'the lesson was closed' };
    // The step unlocked before its last actions (or the trainer jumped on): only its packets are left to show.
    if (now.current > index && item.kind !== 'packet') continue;
    if (now.current < index) return { kind: 'failed', message: `the lesson moved back to step ${now.current + 1}` };
    switch (item.kind) {
      case 'type': {
        deps.status(`Step ${index + 1}: typing in ${item.terminal === 'console' ? 'the kubectl console' : item.terminal}`);
        const before = now.commands;
        if (!(await deps.type(item.terminal, item.text, signal))) return signal.aborted ? { kind: 'stopped' } : { kind: 'failed', message: `could not type into the ${item.terminal} terminal` };
        const recorded = await until(() => {
          const s = deps.lesson();
          // A command that completes the step moves the lesson on, with a fresh command list.
          return s !== null && (s.current !== index || commandRecorded(before, s.commands, item.terminal, item.text));
        }, timeoutMs, deps, signal);
        if (signal.aborted) return { kind: 'stopped' };
        if (!recorded) return { kind: 'failed', message: `the host did not record "${item.text}" in ${item.terminal} within ${Math.round(timeoutMs / 1000)} s` };
        await deps.sleep(pauseMs, signal);
        break;
      }
      case 'wait': {
        deps.status(`Step ${index + 1}: waiting ${Math.round(item.ms / 100) / 10} s`);
        const errs = await deps.advance(item.ms);
        if (errs !== null) return { kind: 'failed', message: errs.map((e) => e.message).join('; ') };
        await deps.sleep(Math.min(item.ms, 1500), signal);
        break;
      }
      case 'answer': {
        deps.status(`Step ${index + 1}: answering`);
        await deps.sleep(pauseMs / 2, signal);
        const errs = await deps.answer(item.choice);
        if (errs !== null) return { kind: 'failed', message: errs.map((e) => e.message).join('; ') };
        break;
      }
      case 'packet':
        deps.status(`Step ${index + 1}: ${item.label}`);
        await deps.showPacket(item, signal);
        await deps.sleep(pauseMs, signal);
        break;
    }
  }
  return null;
}

export async function replay(deps: ReplayDeps, opts: ReplayOptions, signal: AbortSignal): Promise<ReplayEnd> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const pauseMs = opts.pauseMs ?? 1200;
  for (let guard = 0; guard < 100; guard++) {
    const s = deps.lesson();
    if (s === null) return { kind: 'failed', message: 'no lesson is open' };
    if (s.finished) return { kind: 'finished' };
    const index = s.current;
    const step = s.steps[index];
    if (step === undefined) return { kind: 'finished' };
    if (step.solution.length === 0 && step.packets.length === 0) return { kind: 'failed', message: `step ${index + 1} has no solution to replay` };
    const end = await replayStep(step, index, deps, signal, timeoutMs, pauseMs);
    if (end !== null) return end;
    deps.showSteps();
    deps.status(`Step ${index + 1}: checking`);
    const moved = await until(() => (deps.lesson()?.current ?? index) !== index || deps.lesson()?.finished === true, timeoutMs, deps, signal);
    if (signal.aborted) return { kind: 'stopped' };
    if (!moved) {
      const failing = (deps.lesson()?.results ?? []).filter((r) => !r.passed).map((r) => r.detail !== undefined ? `${r.label}: ${r.detail}` : r.label);
      return { kind: 'failed', message: `step ${index + 1}'s checks did not pass after its solution${failing.length > 0 ? ` (${failing.join('; ')})` : ''}` };
    }
    if (!opts.continue) return deps.lesson()?.finished === true ? { kind: 'finished' } : { kind: 'done' };
  }
  return { kind: 'failed', message: 'replay stopped after 100 steps' };
}
