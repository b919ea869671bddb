import { describe, expect, it } from 'vitest';
import { validateRequest } from '../../../core/api/validate.js';
import { apiServerErrors } from '../../../core/api/apiserver-errors.js';
import { createBatcher, FRAME_BYTES, type Timer } from '../../../core/api/batcher.js';
import { createClient, type Transport } from '../../../core/api/client.js';
import type { HostMessage } from '../../../core/api/contract.js';

describe('validateRequest', () => {
  it('accepts a well-formed request and returns its parsed params', () => {
    const r = validateRequest({ id: 7, method: 'node.rules', params: { node: 'k8s1' } });
    expect(r).toEqual({ ok: true, request: { id: 7, method: 'node.rules', params: { node: 'k8s1' } } });
  });
  it('names an unknown method', () => {
    const r = validateRequest({ id: 1, method: 'fs.readFile', params: {} });
    expect(r).toEqual({ ok: false, id: 1, errors: [{ field: 'method', message: "unknown method 'fs.readFile'" }] });
  });
  it('names the field of a bad parameter', () => {
    const r = validateRequest({ id: 2, method: 'terminal.resize', params: { id: 't1', cols: 0, rows: 24 } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]?.field).toBe('cols');
  });
  it('rejects parameters the contract does not know (no smuggled fields)', () => {
    const r = validateRequest({ id: 3, method: 'node.exec', params: { node: 'k8s1', command: 'ls', shell: '/bin/bash' } });
    expect(r.ok).toBe(false);
  });
  it('rejects a packet with a non-IP source', () => {
    const r = validateRequest({ id: 4, method: 'trace', params: { node: 'k8s1', packet: { ingress: 'external', proto: 'tcp', src: 'evil.com', dst: '10.0.0.1', dport: 80 } } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]?.field).toBe('packet.src');
  });
  it('reports a malformed envelope with the id when there is one', () => {
    const r = validateRequest({ id: 9, params: {} });
    expect(r.ok).toBe(false);
    if (!r.ok) { expect(r.id).toBe(9); expect(r.errors[0]?.message).toMatch(/^malformed request: method/); }
  });
});

describe('apiServerErrors', () => {
  it('maps an invalid nodePort to its field with the API server words', () => {
    const out = 'The Service "web" is invalid: spec.ports[0].nodePort: Invalid value: 40000: provided port is not in the valid range. The range of valid ports is 30000-32767\n';
    expect(apiServerErrors(out)).toEqual([{ object: 'Service web', field: 'spec.ports[0].nodePort', message: 'Invalid value: 40000: provided port is not in the valid range. The range of valid ports is 30000-32767' }]);
  });
  it('maps kubectl apply wording and several causes', () => {
    const out = 'Error from server (Invalid): error when creating "STDIN": The Service "web" is invalid: \n* spec.ports[0].nodePort: Invalid value: 30450: provided port is already allocated\n* metadata.name: Invalid value: "Web": a DNS-1035 label must consist of lower case alphanumeric characters\n';
    const errs = apiServerErrors(out);
    expect(errs.map((e) => e.field)).toEqual(['spec.ports[0].nodePort', 'metadata.name']);
    expect(errs[0]?.message).toBe('Invalid value: 30450: provided port is already allocated');
  });
  it('keeps the line of a YAML error', () => {
    const errs = apiServerErrors("error: error parsing STDIN: error converting YAML to JSON: yaml: line 3: could not find expected ':'\n");
    expect(errs).toEqual([{ line: 3, message: "could not find expected ':'" }]);
  });
});

function manualTimer(): Timer & { fire(): void; pending: number } {
  let fn: (() => void) | null = null;
  return {
    set(f) { fn = f; return 1; },
    clear() { fn = null; },
    fire() { const f = fn; fn = null; f?.(); },
    get pending() { return fn === null ? 0 : 1; },
  };
}

describe('createBatcher', () => {
  it('joins small chunks into one frame per tick', () => {
    const frames: string[] = [];
    const t = manualTimer();
    const b = createBatcher((f) => frames.push(f), t);
    for (let i = 0; i < 1000; i++) b.push('x');
    expect(frames).toEqual([]);
    t.fire();
    expect(frames).toEqual(['x'.repeat(1000)]);
  });
  it('never sends a frame larger than the byte budget, and loses nothing', () => {
    const frames: string[] = [];
    const t = manualTimer();
    const b = createBatcher((f) => frames.push(f), t);
    const big = 'y'.repeat(FRAME_BYTES * 2 + 123);
    b.push(big);
    b.push('tail');
    t.fire();
    expect(frames.every((f) => f.length <= FRAME_BYTES)).toBe(true);
    expect(frames.join('')).toBe(`${big}tail`);
    expect(frames.length).toBe(3);
  });
  it('flush sends what is pending at once', () => {
    const frames: string[] = [];
    const t = manualTimer();
    const b = createBatcher((f) => frames.push(f), t);
    b.push('bye');
    b.flush();
    expect(frames).toEqual(['bye']);
    expect(t.pending).toBe(0);
  });
});

describe('createClient', () => {
  it('matches responses to calls and delivers events', async () => {
    const listeners = new Set<(m: HostMessage) => void>();
    const sent: { id: number; method: string }[] = [];
    const transport: Transport = {
      send: (m) => { sent.push(m); queueMicrotask(() => { for (const l of listeners) l({ kind: 'response', response: { id: m.id, ok: true, value: { yaml: `for ${m.id}` } } }); }); },
      onMessage: (l) => { listeners.add(l); return () => listeners.delete(l); },
    };
    const client = createClient(transport);
    const events: string[] = [];
    client.on((e) => events.push(e.type));
    const [a, b] = await Promise.all([
      client.call('object.get', { kind: 'service', namespace: 'default', name: 'a' }),
      client.call('object.get', { kind: 'service', namespace: 'default', name: 'b' }),
    ]);
    expect(a).toEqual({ ok: true, value: { yaml: 'for 1' } });
    expect(b).toEqual({ ok: true, value: { yaml: 'for 2' } });
    for (const l of listeners) l({ kind: 'event', event: { type: 'log', line: 'hi' } });
    expect(events).toEqual(['log']);
  });
  it('fails pending calls with a readable error when the transport closes', async () => {
    let close: (r: string) => void = () => undefined;
    const client = createClient({ send: () => undefined, onMessage: () => () => undefined, onClose: (l) => { close = l; return () => undefined; } });
    const p = client.call('lab.snapshot', {});
    close('the server stopped');
    const r = await p;
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]?.message).toMatch(/connection to Chainlab closed \(the server stopped\)/);
  });
});
