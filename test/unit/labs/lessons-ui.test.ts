// The lessons UI's pure parts (the host runs the lessons): card progress, lesson
// terminals as tabs, placeholders, "did the host record what the replay typed",
// and the trainer's replay against a fake host that records commands and
// unlocks steps like the real one.
import { describe, expect, it } from 'vitest';
import type { LessonState, LessonStepView } from '../../../core/api/contract.js';
import type { CheckResult } from '../../../core/lab/runner/index.js';
import { backendBlocked, cardProgress, commandRecorded, durationMs, hasPlaceholder, replayPlan, stepChange, terminalKey } from '../../../renderer/src/labs/lesson.js';
import { replay, type ReplayDeps } from '../../../renderer/src/labs/replay.js';

const pkt = { ingress: 'external' as const, proto: 'tcp' as const, src: '203.0.113.7', dst: '192.168.49.3', dport: 30450 };

function stepView(id: string, over: Partial<LessonStepView> = {}): LessonStepView {
  return { id, title: id, markdown: `# ${id}`, done: false, hints: [], hintsLeft: 0, hasSolution: true, checks: [], packets: [], solution: [], ...over };
}

function lessonOf(steps: LessonStepView[], current = 0): LessonState {
  return { id: 'kill-kube-proxy', title: 'Kill kube-proxy', current, finished: current >= steps.length, steps, results: [], commands: [], progress: { lab: 'kill-kube-proxy', current, steps: {} } };
}

describe('lesson cards and terminals', () => {
  it('progress bar and button word from the saved progress', () => {
    expect(cardProgress(null, 5)).toEqual({ fraction: 0, label: 'Start' });
    expect(cardProgress({ lab: 'x', current: 0, steps: {} }, 5)).toEqual({ fraction: 0, label: 'Start' });
    expect(cardProgress({ lab: 'x', current: 0, steps: { find: { done: false, hintsShown: 1 } } }, 5)).toEqual({ fraction: 0, label: 'Resume' });
    expect(cardProgress({ lab: 'x', current: 2, steps: {} }, 4)).toEqual({ fraction: 0.5, label: 'Resume' });
    expect(cardProgress({ lab: 'x', current: 4, steps: {} }, 4)).toEqual({ fraction: 1, label: 'Done' });
  });

  it('maps lesson terminals to the terminals pane tabs', () => {
    expect(terminalKey('console')).toBe('console');
    expect(terminalKey('k8s2')).toBe('node:k8s2');
  });

  it('tells a line to edit first from one to run as is', () => {
    expect(hasPlaceholder('kill -9 <PID>')).toBe(true);
    expect(hasPlaceholder('kubectl delete pod -n kube-system <the kube-proxy pod on k8s2>')).toBe(true);
    expect(hasPlaceholder('ps -aef | grep kube-proxy')).toBe(false);
    expect(hasPlaceholder('cat <<EOF > x.yaml')).toBe(false);
    expect(hasPlaceholder('diff <(iptables-save) saved.txt')).toBe(false);
  });

  it('says which backend cannot start a lab, with the host\'s reason', () => {
    const backends = [{ kind: 'sim' as const, available: true, detail: 'in-process' }, { kind: 'docker' as const, available: false, detail: 'no Docker socket at /var/run/docker.sock' }];
    expect(backendBlocked(backends, 'sim')).toBeNull();
    expect(backendBlocked(backends, 'docker')).toBe('no Docker socket at /var/run/docker.sock');
    expect(backendBlocked([{ kind: 'docker', available: true, detail: 'Docker Engine 28' }], 'docker')).toBeNull();
    expect(backendBlocked(undefined, 'docker')).toMatch(/does not say/);
  });

  it('sees a typed command recorded, in its terminal only, also at the 50-record cap', () => {
    const rec = (line: string, terminal = 'k8s2'): { terminal: string; line: string; output: string; exitCode: number } => ({ terminal, line, output: '', exitCode: 0 });
    expect(commandRecorded([], [rec('ps -aef')], 'k8s2', 'ps -aef')).toBe(true);
    expect(commandRecorded([], [rec('ps -aef', 'k8s3')], 'k8s2', 'ps -aef')).toBe(false);
    expect(commandRecorded([rec('ps -aef')], [rec('ps -aef')], 'k8s2', 'ps -aef')).toBe(false);
    expect(commandRecorded([rec('ls')], [rec('ls'), rec('ps -aef')], 'k8s2', 'ps -aef')).toBe(true);
    const full = Array.from({ length: 50 }, (_, i) => rec(i % 2 === 0 ? 'ps -aef' : 'ls'));
    const next = [...full.slice(1), rec('ps -aef')];
    expect(commandRecorded(full, next, 'k8s2', 'ps -aef')).toBe(true);
    expect(commandRecorded(full, full, 'k8s2', 'ps -aef')).toBe(false);
  });

  it('plans a replay: solution actions in order, then the step\'s packets', () => {
    const s = stepView('still-works', {
      solution: [{ run: 'curl -I localhost:30450', in: 'k8s2' }, { wait: '2s' }, { answer: 'B' }],
      packets: [{ node: 'k8s2', packet: pkt, label: 'from outside to k8s2:30450' }],
    });
    expect(replayPlan(s)).toEqual([
      { kind: 'type', terminal: 'k8s2', text: 'curl -I localhost:30450' },
      { kind: 'wait', ms: 2000 },
      { kind: 'answer', choice: 'B' },
      { kind: 'packet', node: 'k8s2', packet: pkt, label: 'from outside to k8s2:30450' },
    ]);
    expect(durationMs('500ms')).toBe(500);
    expect(durationMs('1m')).toBe(60_000);
    expect(durationMs('soon')).toBe(0);
  });

  it('announces a step unlocked and the lesson finished, and nothing else', () => {
    const steps = [stepView('a'), stepView('b')];
    expect(stepChange(lessonOf(steps, 0), lessonOf(steps, 1))).toBe('Step 1 done. Step 2: b');
    expect(stepChange(lessonOf(steps, 1), lessonOf(steps, 2))).toBe('Kill kube-proxy: all 2 steps done');
    expect(stepChange(lessonOf(steps, 1), lessonOf(steps, 1))).toBeNull();
    expect(stepChange(null, lessonOf(steps, 1))).toBeNull();
  });
});

/**
 * A host that records what is typed and unlocks a step once every command of
 * its solution was run and its answer (if any) given, like the real runner's checks.
 */
function fakeHost(steps: LessonStepView[], opts: { record?: boolean; failing?: string } = {}) {
  let state = lessonOf(steps);
  const typed: string[] = [];
  const shown: string[] = [];
  const events: string[] = [];
  const answers: string[] = [];
  const advanced: number[] = [];
  const check = (): void => {
    const s = state.steps[state.current];
    if (s === undefined) return;
    const runs = s.solution.filter((a): a is { run: string; in: string } => 'run' in a);
    const ran = runs.every((a) => state.commands.some((c) => c.line === a.run && c.terminal === a.in));
    const answer = s.solution.find((a): a is { answer: string } => 'answer' in a);
    const answered = answer === undefined || s.question?.answered === answer.answer;
    const results: CheckResult[] = [{ passed: ran && opts.failing === undefined, label: 'the solution ran', ...(opts.failing !== undefined ? { detail: opts.failing } : {}) }];
    if (ran && answered && opts.failing === undefined) {
      const next = state.current + 1;
      state = { ...state, steps: state.steps.map((x, i) => (i === state.current ? { ...x, done: true } : x)), current: next, finished: next >= state.steps.length, commands: [], results: [] };
    } else state = { ...state, results };
  };
  const deps: ReplayDeps = {
    lesson: () => state,
    async type(terminal, text, signal) {
      if (signal.aborted) return false;
      typed.push(`${terminal}$ ${text}`);
      events.push(`type ${text}`);
      if (opts.record !== false) { state = { ...state, commands: [...state.commands, { terminal, line: text, output: '', exitCode: 0 }] }; check(); }
      return true;
    },
    async answer(choice) {
      answers.push(choice);
      events.push(`answer ${choice}`);
      const s = state.steps[state.current]!;
      state = { ...state, steps: state.steps.map((x) => (x.id === s.id && x.question ? { ...x, question: { ...x.question, answered: choice } } : x)) };
      check();
      return null;
    },
    async advance(ms) { advanced.push(ms); events.push(`advance ${ms}`); return null; },
    async showPacket(p) { shown.push(`${p.node}: ${p.label}`); events.push(`packet ${p.label}`); },
    showSteps() { events.push('steps'); },
    status() {},
    sleep: async () => {},
  };
  return { deps, typed, shown, answers, advanced, events, get state() { return state; } };
}

const kill: LessonStepView[] = [
  stepView('find', { solution: [{ run: 'ps -aef | grep kube-proxy', in: 'k8s2' }] }),
  stepView('still-works', {
    solution: [{ run: 'curl -I localhost:30450', in: 'k8s2' }],
    packets: [{ node: 'k8s2', packet: pkt, label: 'outside to k8s2:30450' }],
  }),
  stepView('comes-back', {
    question: { text: 'Where does it go?', choices: ['Nowhere', 'To a pod'] },
    solution: [{ run: 'kubectl delete pod -n kube-system kube-proxy-x', in: 'console' }, { wait: '3s' }, { answer: 'To a pod' }],
  }),
];

describe('trainer replay', () => {
  it('replays one step: types its command, the host records it and unlocks the next step', async () => {
    const h = fakeHost(kill);
    const end = await replay(h.deps, { continue: false }, new AbortController().signal);
    expect(end).toEqual({ kind: 'done' });
    expect(h.typed).toEqual(['k8s2$ ps -aef | grep kube-proxy']);
    expect(h.state.current).toBe(1);
  });

  it('a step with packets: the packet is loaded after the command, even though the command already unlocked the step', async () => {
    const h = fakeHost(kill);
    await replay(h.deps, { continue: false }, new AbortController().signal);
    const end = await replay(h.deps, { continue: false }, new AbortController().signal);
    expect(end).toEqual({ kind: 'done' });
    expect(h.events.slice(-3)).toEqual(['type curl -I localhost:30450', 'packet outside to k8s2:30450', 'steps']);
    expect(h.shown).toEqual(['k8s2: outside to k8s2:30450']);
  });

  it('replays to the end: commands in their terminals, the wait passes lab time, the answer is given', async () => {
    const h = fakeHost(kill);
    const end = await replay(h.deps, { continue: true }, new AbortController().signal);
    expect(end).toEqual({ kind: 'finished' });
    expect(h.typed).toEqual(['k8s2$ ps -aef | grep kube-proxy', 'k8s2$ curl -I localhost:30450', 'console$ kubectl delete pod -n kube-system kube-proxy-x']);
    expect(h.advanced).toEqual([3000]);
    expect(h.answers).toEqual(['To a pod']);
    expect(h.state.finished).toBe(true);
  });

  it('stops when asked, before typing anything more', async () => {
    const h = fakeHost(kill);
    const ctl = new AbortController();
    ctl.abort();
    const end = await replay(h.deps, { continue: true }, ctl.signal);
    expect(end).toEqual({ kind: 'stopped' });
    expect(h.typed).toEqual([]);
  });

  it('says which check failed when the solution did not unlock the step', async () => {
    const h = fakeHost(kill, { failing: 'kube-proxy is still running on k8s2' });
    const end = await replay(h.deps, { continue: true, timeoutMs: 500 }, new AbortController().signal);
    expect(end.kind).toBe('failed');
    expect(end.kind === 'failed' ? end.message : '').toBe("step 1's checks did not pass after its solution (the solution ran: kube-proxy is still running on k8s2)");
    expect(h.state.current).toBe(0);
  });

  it('says so when the host never records the typed command', async () => {
    const h = fakeHost(kill, { record: false });
    const end = await replay(h.deps, { continue: false, timeoutMs: 1000 }, new AbortController().signal);
    expect(end).toEqual({ kind: 'failed', message: 'the host did not record "ps -aef | grep kube-proxy" in k8s2 within 1 s' });
  });

  it('refuses a step with nothing to replay', async () => {
    const h = fakeHost([stepView('read', { hasSolution: false })]);
    await expect(replay(h.deps, { continue: false }, new AbortController().signal)).resolves.toEqual({ kind: 'failed', message: 'step 1 has no solution to replay' });
  });
});
