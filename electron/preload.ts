// The sandboxed preload: exposes exactly send/onMessage to the page through
// contextBridge. ipcRenderer itself never reaches the page.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { HostMessage } from '../core/api/contract.js';
import { IPC_MESSAGE, IPC_REQUEST } from '../core/host/app/electron-policy.js';

contextBridge.exposeInMainWorld('chainlab', {
  platform: process.platform,
  send(message: { id: number; method: string; params: unknown }): void {
    ipcRenderer.send(IPC_REQUEST, message);
  },
  onMessage(listener: (message: HostMessage) => void): () => void {
    const handler = (_e: IpcRendererEvent, m: HostMessage): void => listener(m);
    ipcRenderer.on(IPC_MESSAGE, handler);
    return () => void ipcRenderer.removeListener(IPC_MESSAGE, handler);
  },
});
