// The runner as a student meets it: steps unlock one by one, a wrong answer
// keeps the step locked, hints come one at a time, progress resumes, reset.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadLabDir } from '../../../core/host/cli/commands/lab.js';
import { LabRunner, type LoadedLab, type RunnerEvent } from '../../../core/lab/runner/index.js';
import { createSimLab, manualClock } from '../../../core/lab/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

async function killKubeProxy(): Promise<LoadedLab> {
  const r = await loadLabDir('labs/kill-kube-proxy', root);
  if (!r.ok) throw new Error('lab does not load');
  return r.value;
}
const createLab = (spec: Parameters<typeof createSimLab>[0]) => createSimLab(spec, { clock: manualClock() });

describe('LabRunner', () => {
  it('unlocks the next step only when every check passes', async () => {
    const r = await LabRunner.start(await killKubeProxy(), { createLab });
    const events: RunnerEvent[] = [];
    r.on((e) => events.push(e));
    expect(r.currentStep?.id).toBe('find');
    await r.run('k8s3', 'ps -aef | grep kube-proxy'); // right command, wrong node
    expect(r.currentStep?.id).toBe('find');
    expect(r.lastResults.map((x) => x.passed)).toEqual([false, true]);
    await r.run('k8s2', 'ps -aef | grep kube-proxy');
    expect(r.currentStep?.id).toBe('kill');
    expect(events.some((e) => e.type === 'step' && e.index === 1)).toBe(true);
    await r.close();
  }, 30_000);

  it('a wrong answer keeps the last step locked; the right one finishes the lab', async () => {
    const lab = await killKubeProxy();
    const r = await LabRunner.start(lab, { createLab, progress: { lab: lab.id, current: 4, steps: Object.fromEntries(lab.manifest.steps.map((s, i) => [s.id, { done: i < 4, hintsShown: 0 }])) } });
    expect(r.currentStep?.id).toBe('comes-back');
    await r.run('console', "kubectl delete pod -n kube-system $(kubectl get pods -n kube-system -o wide | grep kube-proxy | grep k8s2 | awk '{print $1}')");
    await r.poll(3000);
    const wrong = await r.answer('Nowhere, it is dropped, because the rules were missing when it was created');
    expect(wrong.map((x) => x.passed)).toEqual([true, true, true, false]);
    expect(r.finished).toBe(false);
    await r.answer("To one of the two nginx pods, DNATed by k8s2's new KUBE-SVC rules");
    expect(r.finished).toBe(true);
    expect(r.progress.steps['comes-back']).toMatchObject({ done: true });
    await r.close();
  }, 30_000);

  it('resumes from saved progress with the cluster in that step\'s state', async () => {
    const lab = await killKubeProxy();
    const r = await LabRunner.start(lab, { createLab, progress: { lab: lab.id, current: 2, steps: Object.fromEntries(lab.manifest.steps.map((s, i) => [s.id, { done: i < 2, hintsShown: 0 }])) } });
    expect(r.currentStep?.id).toBe('still-works');
    const ps = await r.lab.exec('k8s2', 'ps -aef');
    expect(ps.output).not.toMatch(/kube-proxy --config/);
    await r.close();
  }, 30_000);

  it('reveals hints one at a time, then none', async () => {
    const r = await LabRunner.start(await killKubeProxy(), { createLab });
    await r.goTo(1);
    expect(r.revealHint()).toBe('The PID is the second column of ps -aef.');
    expect(r.revealHint()).toBe('kill -9 <PID>');
    expect(r.revealHint()).toBeNull();
    expect(r.progress.steps.kill!.hintsShown).toBe(2);
    await r.close();
  }, 30_000);

  it('resetStep brings back the step\'s starting state', async () => {
    const r = await LabRunner.start(await killKubeProxy(), { createLab });
    await r.goTo(2); // kube-proxy already killed by the replayed solutions
    await r.run('console', 'kubectl delete service nginx');
    expect((await r.lab.kubectl(['get', 'svc', 'nginx'])).exitCode).toBe(1);
    await r.resetStep();
    expect(r.currentStep?.id).toBe('still-works');
    expect((await r.lab.kubectl(['get', 'svc', 'nginx'])).exitCode).toBe(0);
    expect((await r.lab.exec('k8s2', 'ps -aef')).output).not.toMatch(/kube-proxy --config/);
    await r.close();
  }, 30_000);
});
