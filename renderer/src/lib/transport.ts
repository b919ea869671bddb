// The renderer's two transports for the one client: the Electron preload bridge
// (window.chainlab, exposed with contextBridge) or a WebSocket back to the web
// mode server (same origin; the token travels in its HttpOnly cookie).
import type { HostMessage } from '../../../core/api/contract.js';
import type { Transport } from '../../../core/api/client.js';

/** What electron/preload.ts exposes: no raw ipcRenderer, only these three. */
export interface ChainlabBridge {
  send(message: { id: number; method: string; params: unknown }): void;
  onMessage(listener: (message: HostMessage) => void): () => void;
  platform: string;
}

declare global {
  interface Window { chainlab?: ChainlabBridge }
}

export function electronTransport(bridge: ChainlabBridge): Transport {
  return { send: (m) => bridge.send(m), onMessage: (l) => bridge.onMessage(l) };
}

export function webSocketTransport(url: string): Transport {
  const ws = new WebSocket(url);
  const queue: string[] = [];
  const listeners = new Set<(m: HostMessage) => void>();
  const closeListeners = new Set<(reason: string) => void>();
  ws.addEventListener('open', () => { for (const q of queue.splice(0)) ws.send(q); });
  ws.addEventListener('message', (ev) => {
    const m = JSON.parse(String(ev.data)) as HostMessage;
    for (const l of listeners) l(m);
  });
  ws.addEventListener('close', (ev) => {
    const reason = ev.reason !== '' ? ev.reason : ev.code === 1006 ? 'the server stopped' : `code ${ev.code}`;
    for (const l of closeListeners) l(reason);
  });
  return {
    send(m) {
      const text = JSON.stringify(m);
      if (ws.readyState === WebSocket.OPEN) ws.send(text);
      else queue.push(text);
    },
    onMessage(l) { listeners.add(l); return () => void listeners.delete(l); },
    onClose(l) { closeListeners.add(l); return () => void closeListeners.delete(l); },
  };
}

export function defaultTransport(): Transport {
  if (window.chainlab !== undefined) return electronTransport(window.chainlab);
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return webSocketTransport(`${proto}//${location.host}/ws`);
}
