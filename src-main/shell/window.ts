import { createRequire } from 'node:module';
import type { BrowserWindow, BrowserWindowConstructorOptions, Rectangle } from 'electron';
import { PRELOAD_PATH } from './layout.js';
import {
  APP_INDEX_URL,
  isBlockedRequest,
  isNavigationAllowed,
  isPermissionAllowed,
  withContentSecurityPolicy,
} from './security.js';
import { MIN_SIZE, placeWindow, readWindowState, writeWindowState } from './window-state.js';

/*
 * The functions here take the few parts of Electron's objects they use, as the small interfaces
 * below (Electron's BrowserWindow, WebContents and Session satisfy them as they are), so that
 * tests under plain Node can check what they set up. Outside Electron the `electron` package is
 * only the path of its binary, so it is loaded in one place, when the real window is made.
 */

/** What `createMainWindow` does with its window. */
export interface WindowHandle {
  maximize(): void;
  show(): void;
  isMaximized(): boolean;
  getNormalBounds(): Rectangle;
  loadURL(url: string): Promise<void>;
  once(event: 'ready-to-show', listener: () => void): unknown;
  on(event: 'close', listener: () => void): unknown;
}

/** Where `createMainWindow` gets its window and the screens from. */
export interface WindowRuntime<W extends WindowHandle> {
  createWindow(options: BrowserWindowConstructorOptions): W;
  /** The work areas of the displays, the primary one first. */
  workAreas(): Rectangle[];
}

function electronRuntime(): WindowRuntime<BrowserWindow> {
  // Required here rather than imported at the top: see the note at the top of this file.
  const { BrowserWindow: ElectronWindow, screen } = createRequire(import.meta.url)(
    'electron',
  ) as typeof import('electron');
  return {
    createWindow: (options) => new ElectronWindow(options),
    workAreas: () => [screen.getPrimaryDisplay(), ...screen.getAllDisplays()].map((display) => display.workArea),
  };
}

export interface MainWindowOptions {
  stateFile: string;
  development: boolean;
}

/** The one Shoebox window: sandboxed, isolated, on the app's own pages, where the user left it. */
export function createMainWindow(options: MainWindowOptions): BrowserWindow;
export function createMainWindow<W extends WindowHandle>(options: MainWindowOptions, runtime: WindowRuntime<W>): W;
export function createMainWindow(
  options: MainWindowOptions,
  runtime: WindowRuntime<WindowHandle> = electronRuntime(),
): WindowHandle {
  const place = placeWindow(readWindowState(options.stateFile), runtime.workAreas());
  const window = runtime.createWindow({
    ...place.bounds,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    title: 'Shoebox',
    show: false,
    webPreferences: {
      preload: PRELOAD_PATH,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: options.development,
    },
  });
  if (place.maximized) window.maximize();
  window.once('ready-to-show', () => window.show());
  window.on('close', () => {
    writeWindowState(options.stateFile, { bounds: window.getNormalBounds(), maximized: window.isMaximized() });
  });
  void window.loadURL(APP_INDEX_URL);
  return window;
}

/** What Electron hands to a navigation listener: where the frame would go, and a way to stop it. */
export interface NavigationEvent {
  readonly url: string;
  preventDefault(): void;
}

/** The parts of a WebContents that `hardenWebContents` sets up. */
export interface GuardedContents {
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
  on(event: 'will-navigate', listener: (event: NavigationEvent) => void): unknown;
  on(event: 'will-frame-navigate', listener: (event: NavigationEvent) => void): unknown;
  on(event: 'will-redirect', listener: (event: NavigationEvent) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: { preventDefault(): void }) => void): unknown;
}

/** For every web contents the app creates: no new windows, no navigation away, no webviews. */
export function hardenWebContents(contents: GuardedContents): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event) => {
    if (!isNavigationAllowed(event.url)) event.preventDefault();
  });
  contents.on('will-frame-navigate', (event) => {
    if (!isNavigationAllowed(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!isNavigationAllowed(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** The parts of a Session that `hardenSession` sets up. */
export interface GuardedSession {
  setPermissionRequestHandler(
    handler: (
      contents: unknown,
      permission: string,
      callback: (granted: boolean) => void,
      details: { requestingUrl: string },
    ) => void,
  ): void;
  setPermissionCheckHandler(
    handler: (contents: unknown, permission: string, requestingOrigin: string) => boolean,
  ): void;
  setDevicePermissionHandler(handler: () => boolean): void;
  webRequest: {
    onBeforeRequest(
      listener: (details: { url: string }, callback: (response: { cancel: boolean }) => void) => void,
    ): void;
    onHeadersReceived(
      listener: (
        details: { url: string; responseHeaders?: Record<string, string[]> },
        callback: (response: { responseHeaders: Record<string, string[]> }) => void,
      ) => void,
    ): void;
  };
}

/** Permissions denied but for the app's own few, no network or file requests, and our CSP on our pages. */
export function hardenSession(session: GuardedSession): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(isPermissionAllowed(permission, details.requestingUrl)),
  );
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
    isPermissionAllowed(permission, requestingOrigin),
  );
  session.setDevicePermissionHandler(() => false);
  session.webRequest.onBeforeRequest((details, callback) => callback({ cancel: isBlockedRequest(details.url) }));
  session.webRequest.onHeadersReceived((details, callback) =>
    callback({ responseHeaders: withContentSecurityPolicy(details.url, details.responseHeaders) }),
  );
}
