import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { app, dialog, Menu, protocol, session, shell, type BrowserWindow, type OpenDialogOptions } from 'electron';
import { startEngineHost, type EngineHost } from '../api/engine-host.js';
import { describeError } from '../shared/errors.js';
import { rendererResponse } from './app-protocol.js';
import { connectIpc } from './ipc.js';
import { RENDERER_DIR } from './layout.js';
import { mediaResponse } from './media-protocol.js';
import { buildMenuTemplate } from './menu.js';
import { APP_SCHEME, MEDIA_SCHEME, PRIVILEGED_SCHEMES } from './security.js';
import { launchUtilityEngine } from './utility-engine.js';
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
let engine: EngineHost | null = null;

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
    if (!engine) return;
    const reply = await engine.dispatch('addFolder', { path });
    if (!reply.ok) await dialog.showMessageBox({ type: 'warning', message: reply.error });
  }
}

async function ready(): Promise<void> {
  const dataDir = app.getPath('userData');
  if (!existsSync(join(RENDERER_DIR, 'index.html'))) {
    return fail(`The window's files are missing from ${RENDERER_DIR}: run "npm run build".`);
  }
  let host: EngineHost;
  try {
    // The engine (library, SQLite, indexing) runs in a utility process of its own, so that no
    // slow call freezes the window, the menus or the photo protocol; it asks this process for
    // what only main can do: the trash, the file manager and starting the encoder worker.
    host = await startEngineHost({
      settings: { dataDir },
      launch: launchUtilityEngine,
      launchWorker: launchUtilityWorker,
      showInFolder: (path) => shell.showItemInFolder(path),
      trashItem: (path) => shell.trashItem(path),
    });
  } catch (error) {
    return fail(describeError(error));
  }
  engine = host;
  protocol.handle(APP_SCHEME, (request) => rendererResponse(request, RENDERER_DIR));
  protocol.handle(MEDIA_SCHEME, (request) => mediaResponse(request, (kind, id) => host.mediaFile(kind, id)));
  hardenSession(session.defaultSession);
  connectIpc(host, () => window);
  app.setAboutPanelOptions({ applicationName: 'Shoebox', applicationVersion: app.getVersion() });
  const onAddFolder = () =>
    void addFolders().catch((error: unknown) => dialog.showErrorBox('Shoebox', describeError(error)));
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(buildMenuTemplate({ platform: process.platform, development, onAddFolder })),
  );
  openWindow();
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
    if (app.isReady() && engine) openWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  // Indexing stops and the database closes before the process ends; the host bounds the wait
  // (10 s, then the engine process is stopped).
  app.on('will-quit', (event) => {
    if (!engine) return;
    event.preventDefault();
    const closing = engine;
    engine = null;
    void closing
      .close()
      .catch((error: unknown) => process.stderr.write(`shoebox: closing failed: ${describeError(error)}\n`))
      .finally(() => app.quit());
  });
  app
    .whenReady()
    .then(ready)
    .catch((error: unknown) => fail(describeError(error)));
}
