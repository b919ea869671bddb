import { describe, expect, it } from 'vitest';
import { createSession } from '../../../core/host/app/session.js';
import type { AppEvent, RulesView, ApplyResult } from '../../../core/api/contract.js';
import type { Timer } from '../../../core/api/batcher.js';
import { createFakeLab } from './fake-lab.js';

const manual = (): Timer & { fire(): void } => {
  let fn: (() => void) | null = null;
  return { set: (f) => { fn = f; return 1; }, clear: () => { fn = null; }, fire: () => { const f = fn; fn = null; f?.(); } };
};

describe('app session', () => {
  it('answers node.rules with the installed rules, grouped by Service and with jump targets', async () => {
    const s = createSession(createFakeLab(), { shell: 'web' });
    const r = await s.handle({ id: 1, method: 'node.rules', params: { node: 'k8s1' } });
    expect(r.ok).toBe(true);
    const view = (r as { value: RulesView }).value;
    const nat = view.tables.find((t) => t.name === 'nat');
    const services = nat?.chains.find((c) => c.name === 'KUBE-SERVICES');
    expect(services?.references).toBeGreaterThan(0);
    const nginx = services?.rules.find((r2) => r2.service === 'default/my-nginx-svc');
    expect(nginx?.text).toMatch(/^-A KUBE-SERVICES /);
    expect(nginx?.jump).toMatch(/^KUBE-SVC-/);
    expect(view.save).toContain('*nat\n');
    expect(view.save).toContain('COMMIT\n');
  });

  it('refuses an unknown node with the nodes it has', async () => {
    const s = createSession(createFakeLab(), { shell: 'web' });
    const r = await s.handle({ id: 2, method: 'node.rules', params: { node: 'k8s9' } });
    expect(r).toEqual({ id: 2, ok: false, errors: [{ field: 'node', message: "no node named 'k8s9' in this lab (nodes: k8s1, k8s2)" }] });
  });

  it('kills kube-proxy with kill -9 of its pid, and says so when it is not running', async () => {
    const lab = createFakeLab();
    const s = createSession(lab, { shell: 'web' });
    const events: AppEvent[] = [];
    s.on((e) => events.push(e));
    const r = await s.handle({ id: 3, method: 'node.killKubeProxy', params: { node: 'k8s2' } });
    expect(r.ok).toBe(true);
    expect(lab.calls).toContain('exec k8s2 kill -9 2345');
    expect(events).toContainEqual({ type: 'kubeProxy', node: 'k8s2', state: 'killed' });
    const again = await s.handle({ id: 4, method: 'node.killKubeProxy', params: { node: 'k8s2' } });
    expect(again).toEqual({ id: 4, ok: false, errors: [{ field: 'node', message: 'kube-proxy is not running on k8s2 (it is killed)' }] });
  });

  it('maps an API server rejection to the field it is about', async () => {
    const s = createSession(createFakeLab(), { shell: 'web' });
    const r = await s.handle({ id: 5, method: 'object.apply', params: { manifest: 'kind: Service\nspec:\n  ports:\n  - port: 80\n    nodePort: 40000\n' } });
    const v = (r as { value: ApplyResult }).value;
    expect(v.exitCode).toBe(1);
    expect(v.errors).toEqual([{ object: 'Service web', field: 'spec.ports[0].nodePort', message: 'Invalid value: 40000: provided port is not in the valid range. The range of valid ports is 30000-32767' }]);
  });

  it('forwards rule changes and includes the last diff in the next rules view', async () => {
    const s = createSession(createFakeLab(), { shell: 'web' });
    const events: AppEvent[] = [];
    s.on((e) => events.push(e));
    await s.handle({ id: 6, method: 'object.apply', params: { manifest: 'kind: Service\n' } });
    expect(events.find((e) => e.type === 'rules')).toMatchObject({ type: 'rules', node: 'k8s1' });
    const r = await s.handle({ id: 7, method: 'node.rules', params: { node: 'k8s1' } });
    expect((r as { value: RulesView }).value.added).toHaveLength(1);
  });

  it('batches terminal output into frames and closes terminals with the session', async () => {
    const lab = createFakeLab();
    const timer = manual();
    const s = createSession(lab, { shell: 'web', timer });
    const frames: string[] = [];
    s.on((e) => { if (e.type === 'terminal.data') frames.push(e.data); });
    const r = await s.handle({ id: 8, method: 'terminal.open', params: { target: { node: 'k8s1' }, cols: 80, rows: 24 } });
    const id = (r as { value: { id: string } }).value.id;
    const t = lab.terminals[0];
    for (let i = 0; i < 500; i++) t?.output('line\n');
    expect(frames).toEqual([]);
    timer.fire();
    expect(frames).toEqual(['line\n'.repeat(500)]);
    await s.handle({ id: 9, method: 'terminal.write', params: { id, data: 'ls\r' } });
    await s.handle({ id: 10, method: 'terminal.resize', params: { id, cols: 120, rows: 40 } });
    expect(t?.written).toEqual(['ls\r']);
    expect(t?.size).toEqual({ cols: 120, rows: 40 });
    s.close();
    expect(t?.closed).toBe(true);
  });

  it('says a terminal is gone after it exits', async () => {
    const lab = createFakeLab();
    const s = createSession(lab, { shell: 'web', timer: manual() });
    const r = await s.handle({ id: 11, method: 'terminal.open', params: { target: { console: true }, cols: 80, rows: 24 } });
    const id = (r as { value: { id: string } }).value.id;
    lab.terminals[0]?.exit(0);
    const w = await s.handle({ id: 12, method: 'terminal.write', params: { id, data: 'x' } });
    expect(w).toEqual({ id: 12, ok: false, errors: [{ field: 'id', message: `no open terminal '${id}' (it exited or was closed)` }] });
  });
});

describe('serviceOfComment', () => {
  it('reads the Service port name from kube-proxy comments of every vintage', async () => {
    const { serviceOfComment } = await import('../../../core/host/app/rules-view.js');
    expect(serviceOfComment('default/nginx:http cluster IP')).toBe('default/nginx:http');
    expect(serviceOfComment('default/nginx: cluster IP')).toBe('default/nginx:');
    expect(serviceOfComment('default/my-nginx-svc cluster IP')).toBe('default/my-nginx-svc');
    expect(serviceOfComment('default/nginx:http -> 10.244.1.5:80')).toBe('default/nginx:http');
    expect(serviceOfComment('kubernetes service portals')).toBeUndefined();
    expect(serviceOfComment(undefined)).toBeUndefined();
  });
});

describe('lab.setRestartKubeProxy', () => {
  it('uses the backend switch when there is one and returns the new spec', async () => {
    const fake = createFakeLab();
    const lab = Object.assign(fake, { setRestartKubeProxy(on: boolean) { (fake.spec as { restartKubeProxy?: boolean }).restartKubeProxy = on; } });
    const s = createSession(lab, { shell: 'web' });
    const r = await s.handle({ id: 1, method: 'lab.setRestartKubeProxy', params: { on: false } });
    expect(r).toMatchObject({ ok: true, value: { spec: { restartKubeProxy: false }, app: { shell: 'web' } } });
  });
  it('says so when the backend has no such switch', async () => {
    const s = createSession(createFakeLab(), { shell: 'web' });
    const r = await s.handle({ id: 2, method: 'lab.setRestartKubeProxy', params: { on: true } });
    expect(r).toEqual({ id: 2, ok: false, errors: [{ field: 'on', message: 'the sim backend cannot change whether kubelet restarts kube-proxy' }] });
  });
});
