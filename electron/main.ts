// The Electron main process, kept thin: one window, one workspace, the contract bound
// to IPC. Behaviour lives in core/host; this file wires it to Electron with the
// security checklist's settings.
import { app, BrowserWindow, ipcMain, screen, session as electronSession, shell, type IpcMainEvent } from 'electron';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createSession, type AppSession } from '../core/host/app/session.js';
import { createDefaultLab } from '../core/host/app/default-lab.js';
import { loadSimLab } from '../core/host/app/sim-lab.js';
import { createWorkspace, type Workspace } from '../core/host/app/workspace.js';
import { restoreWindowState, type WindowState } from '../core/host/app/window-state.js';
import { DESKTOP_CSP, IPC_MESSAGE, IPC_REQUEST, isAppUrl, isExternalLink } from '../core/host/app/electron-policy.js';
import { buildMenu } from './menu.js';

const rendererIndex = join(__dirname, '..', 'renderer', 'index.html');
const rendererUrl = pathToFileURL(rendererIndex).toString();
const stateFile = (): string => join(app.getPath('userData'), 'window-state.json');

let win: BrowserWindow | null = null;
let workspace: Workspace | null = null;
let appSession: AppSession | null = null;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (win === null) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  app.enableSandbox();
  app.whenReady().then(start).catch((err: unknown) => {
    console.error(`Chainlab could not start: ${String(err)}`);
    app.exit(1);
  });
}

function readState(): WindowState {
  let json: string | null = null;
  try { json = readFileSync(stateFile(), 'utf8'); } catch { json = null; }
  return restoreWindowState(json, screen.getAllDisplays().map((d) => d.workArea));
}

function saveState(w: BrowserWindow): void {
  const b = w.getNormalBounds();
  const s: WindowState = { x: b.x, y: b.y, width: b.width, height: b.height, maximized: w.isMaximized(), zoomFactor: w.webContents.getZoomFactor() };
  try {
    mkdirSync(app.getPath('userData'), { recursive: true });
    writeFileSync(stateFile(), JSON.stringify(s));
  } catch { /* a read-only profile only loses the window position */ }
}

async function start(): Promise<void> {
  const ses = electronSession.defaultSession;
  // Permission requests (camera, notifications, …) are never granted.
  ses.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  ses.setPermissionCheckHandler(() => false);
  ses.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [DESKTOP_CSP] } });
  });
  // Nothing remote is ever loaded.
  ses.webRequest.onBeforeRequest((details, cb) => {
    const u = details.url;
    cb({ cancel: !(u.startsWith('file:') || u.startsWith('devtools:') || u.startsWith('data:') || u.startsWith('blob:')) });
  });

  // labs/ and the docker backend's agent: next to the app's resources when packaged, else the repository (dist/electron/..).
  const projectDir = app.isPackaged ? process.resourcesPath : join(__dirname, '..', '..');
  workspace = createWorkspace({ initial: await createDefaultLab(await loadSimLab()), projectDir });
  appSession = createSession(workspace, { shell: 'electron', version: app.getVersion() });

  const state = readState();
  win = new BrowserWindow({
    ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
    width: state.width,
    height: state.height,
    minWidth: 1024,
    minHeight: 640,
    show: false,
    title: 'Chainlab',
    backgroundColor: '#16181d',
    webPreferences: {
      preload: join(__dirname, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      spellcheck: false,
      webviewTag: false,
    },
  });
  const w = win;
  if (state.maximized) w.maximize();
  w.webContents.setZoomFactor(state.zoomFactor);
  w.once('ready-to-show', () => w.show());
  w.on('close', () => saveState(w));

  w.webContents.on('will-navigate', (e) => e.preventDefault());
  w.webContents.on('will-redirect', (e) => e.preventDefault());
  w.webContents.on('will-attach-webview', (e) => e.preventDefault());
  w.webContents.setWindowOpenHandler(({ url }) => {
    if (isExternalLink(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });

  const off = appSession.on((event) => {
    if (!w.isDestroyed()) w.webContents.send(IPC_MESSAGE, { kind: 'event', event });
  });
  ipcMain.on(IPC_REQUEST, (e: IpcMainEvent, raw: unknown) => {
    // Only our own window's main frame, showing our own page, may use the contract.
    if (e.sender !== w.webContents || e.senderFrame === null || e.senderFrame !== w.webContents.mainFrame || !isAppUrl(e.senderFrame.url, rendererUrl)) return;
    void appSession?.handle(raw).then((response) => {
      if (!w.isDestroyed()) w.webContents.send(IPC_MESSAGE, { kind: 'response', response });
    });
  });

  const zoom = (delta: number | null): void => {
    const z = delta === null ? 1 : Math.min(3, Math.max(0.5, w.webContents.getZoomFactor() + delta));
    w.webContents.setZoomFactor(z);
  };
  const { Menu } = await import('electron');
  Menu.setApplicationMenu(buildMenu(() => win, {
    resetLab: () => void appSession?.handle({ id: 0, method: 'lab.reset', params: {} }).then(() => w.webContents.reload()),
    zoom,
  }));

  await w.loadFile(rendererIndex);

  app.on('window-all-closed', () => {
    off();
    appSession?.close();
    void (workspace?.close() ?? Promise.resolve()).finally(() => app.quit());
  });
}
