// The application menu: the usual roles, plus presentation zoom for trainers.
import { Menu, shell, type BrowserWindow, type MenuItemConstructorOptions } from 'electron';

export function buildMenu(win: () => BrowserWindow | null, actions: { resetLab: () => void; zoom: (delta: number | null) => void }): Menu {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'Lab',
      submenu: [
        { label: 'Reset Lab', accelerator: 'CmdOrCtrl+Shift+R', click: () => actions.resetLab() },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { label: 'Presentation Zoom In', accelerator: 'CmdOrCtrl+=', click: () => actions.zoom(0.1) },
        { label: 'Presentation Zoom Out', accelerator: 'CmdOrCtrl+-', click: () => actions.zoom(-0.1) },
        { label: 'Actual Size', accelerator: 'CmdOrCtrl+0', click: () => actions.zoom(null) },
        { type: 'separator' },
        { role: 'togglefullscreen' },
        { type: 'separator' },
        { label: 'Toggle Developer Tools', accelerator: isMac ? 'Alt+Command+I' : 'Ctrl+Shift+I', click: () => win()?.webContents.toggleDevTools() },
      ],
    },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [{ label: 'Kubernetes Services documentation', click: () => void shell.openExternal('https://kubernetes.io/docs/concepts/services-networking/service/') }],
    },
  ];
  return Menu.buildFromTemplate(template);
}
