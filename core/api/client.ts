// The one client the renderer uses, whatever carries its messages (Electron
// preload bridge or WebSocket). Calls resolve to Result values: a failed call
// is a list of UserErrors to show, never an exception to catch.
import type { Result as Outcome, UserError } from '../engine/errors.js';
import type { AppEvent, HostMessage, Results } from './contract.js';
import type { Method, Params } from './schemas.js';

export interface Transport {
  send(message: { id: number; method: string; params: unknown }): void;
  onMessage(listener: (message: HostMessage) => void): () => void;
  /** Called when the transport is gone for good (server stopped, window closing). */
  onClose?(listener: (reason: string) => void): () => void;
}

export interface Client {
  call<M extends Method>(method: M, params: Params<M>): Promise<Outcome<Results[M]>>;
  on(listener: (event: AppEvent) => void): () => void;
  onClose(listener: (reason: string) => void): () => void;
}

export function createClient(transport: Transport): Client {
  let nextId = 1;
  const pending = new Map<number, (r: Outcome<unknown>) => void>();
  const listeners = new Set<(e: AppEvent) => void>();
  const closeListeners = new Set<(reason: string) => void>();

  transport.onMessage((m) => {
    if (m.kind === 'event') {
      for (const l of [...listeners]) l(m.event);
      return;
    }
    const done = pending.get(m.response.id);
    if (done === undefined) return;
    pending.delete(m.response.id);
    done(m.response.ok ? { ok: true, value: m.response.value } : { ok: false, errors: m.response.errors });
  });
  transport.onClose?.((reason) => {
    const errors: UserError[] = [{ message: `the connection to Chainlab closed (${reason}); reload the window to reconnect` }];
    for (const done of pending.values()) done({ ok: false, errors });
    pending.clear();
    for (const l of [...closeListeners]) l(reason);
  });

  return {
    call(method, params) {
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve as (r: Outcome<unknown>) => void);
        transport.send({ id, method, params });
      });
    },
    on(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    onClose(listener) {
      closeListeners.add(listener);
      return () => void closeListeners.delete(listener);
    },
  };
}
