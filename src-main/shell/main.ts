import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { app, dialog, Menu, protocol, session, shell, type BrowserWindow, type OpenDialogOptions } from 'electron';
import { ShoeboxService } from '../api/service.js';
import { describeError } from '../engine/errors.js';
import { rendererResponse } from './app-protocol.js';
import { connectIpc } from './ipc.js';
import { RENDERER_DIR } from './layout.js';
import { mediaResponse } from './media-protocol.js';
import { buildMenuTemplate } from './menu.js';
import { APP_SCHEME, MEDIA_SCHEME, PRIVILEGED_SCHEMES } from './security.js';
import { launchUtilityWorker } from './utility-worker.js';
import { createMainWindow, hardenSession, hardenWebContents } from './window.js';
import { windowStatePath } from './window-state.js';

// Electron main (ESM): only static imports and synchronous set-up before `ready`; no top-level await.

// The data folder is Electron's userData, which is the CLI's default too; SHOEBOX_DATA_DIR moves both.
if (process.env.SHOEBOX_DATA_DIR) app.setPath('userData', resolve(process.env.SHOEBOX_DATA_DIR));
protocol.registerSchemesAsPrivileged(PRIVILEGED_SCHEMES);
app.enableSandbox();

const development = !app.isPackaged;
let window: BrowserWindow | null = null;
let service: ShoeboxService | null = null;

function fail(message: string): void {
  dialog.showErrorBox('Shoebox cannot start', message);
  app.exit(1);
}

function openWindow(): void {
  if (window && !window.isDestroyed()) return;
  window = createMainWindow({ stateFile: windowStatePath(app.getPath('userData')), development });
  window.on('closed', () => (window = null));
}

async function addFolders(): Promise<void> {
  const target = window && !window.isDestroyed() ? window : undefined;
  const options: OpenDialogOptions = { title: 'Add a photo folder', properties: ['openDirectory', 'multiSelections'] };
  const choice = await (target ? dialog.showOpenDialog(target, options) : dialog.showOpenDialog(options));
  for (const path of choice.canceled ? [] : choice.filePaths) {
    if (!service) return;
    const reply = await service.dispatch('addFolder', { path });
    if (!reply.ok) await dialog.showMessageBox({ type: 'warning', message: reply.error });
  }
}

function ready(): void {
  const dataDir = app.getPath('userData');
  if (!existsSync(join(RENDERER_DIR, 'index.html'))) {
    return fail(`The window's files are missing from ${RENDERER_DIR}: run "npm run build".`);
  }
  try {
    service = ShoeboxService.open({
      dataDir,
      launchWorker: launchUtilityWorker,
      showInFolder: (path) => shell.showItemInFolder(path),
      trashItem: (path) => shell.trashItem(path),
    });
  } catch (error) {
    return fail(describeError(error));
  }
  const media = service;
  protocol.handle(APP_SCHEME, (request) => rendererResponse(request, RENDERER_DIR));
  protocol.handle(MEDIA_SCHEME, (request) => mediaResponse(request, (kind, id) => media.mediaFile(kind, id)));
  hardenSession(session.defaultSession);
  connectIpc(media, () => window);
  app.setAboutPanelOptions({ applicationName: 'Shoebox', applicationVersion: app.getVersion() });
  const onAddFolder = () =>
    void addFolders().catch((error: unknown) => dialog.showErrorBox('Shoebox', describeError(error)));
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(buildMenuTemplate({ platform: process.platform, development, onAddFolder })),
  );
  openWindow();
  media.start();
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!window || window.isDestroyed()) return openWindow();
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
  app.on('activate', () => {
    if (app.isReady() && service) openWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  // Indexing stops and the database closes before the process ends (at most 10 s).
  app.on('will-quit', (event) => {
    if (!service) return;
    event.preventDefault();
    const closing = service;
    service = null;
    const timeout = new Promise<void>((resolveTimeout) => setTimeout(resolveTimeout, 10_000).unref());
    void Promise.race([closing.close(), timeout])
      .catch((error: unknown) => process.stderr.write(`shoebox: closing failed: ${describeError(error)}\n`))
      .finally(() => app.quit());
  });
  app
    .whenReady()
    .then(ready)
    .catch((error: unknown) => fail(describeError(error)));
}
