import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BrowserWindowConstructorOptions, Rectangle } from 'electron';
import { PRELOAD_PATH } from '../../src-main/shell/layout.js';
import { APP_INDEX_URL, CONTENT_SECURITY_POLICY } from '../../src-main/shell/security.js';
import {
  createMainWindow,
  hardenSession,
  hardenWebContents,
  type GuardedSession,
  type NavigationEvent,
  type WindowHandle,
  type WindowRuntime,
} from '../../src-main/shell/window.js';
import { readWindowState, writeWindowState } from '../../src-main/shell/window-state.js';
import { tempDir } from '../helpers/env.js';

// Small stand-ins for Electron's objects, doing what Electron does with what window.ts hands it
// (keep the options, emit events, call the handlers back); window.ts's own logic runs as it is.

const SCREEN: Rectangle = { x: 0, y: 0, width: 1920, height: 1080 };

class FakeWindow extends EventEmitter implements WindowHandle {
  readonly loaded: string[] = [];
  shown = false;
  maximized = false;
  constructor(readonly options: BrowserWindowConstructorOptions) {
    super();
  }
  maximize(): void {
    this.maximized = true;
  }
  show(): void {
    this.shown = true;
  }
  isMaximized(): boolean {
    return this.maximized;
  }
  getNormalBounds(): Rectangle {
    const { x = 0, y = 0, width = 0, height = 0 } = this.options;
    return { x, y, width, height };
  }
  loadURL(url: string): Promise<void> {
    this.loaded.push(url);
    return Promise.resolve();
  }
}

function fakeRuntime(): WindowRuntime<FakeWindow> & { created: FakeWindow[] } {
  const created: FakeWindow[] = [];
  return {
    created,
    createWindow: (options) => {
      const window = new FakeWindow(options);
      created.push(window);
      return window;
    },
    workAreas: () => [SCREEN],
  };
}

/** An Electron-style event: the target URL and a preventDefault that can be seen afterwards. */
class FakeEvent implements NavigationEvent {
  prevented = false;
  constructor(readonly url: string) {}
  preventDefault(): void {
    this.prevented = true;
  }
}

class FakeContents extends EventEmitter {
  openHandler: ((details: { url: string }) => { action: 'deny' }) | null = null;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void {
    this.openHandler = handler;
  }
}

type Handlers = {
  [K in Exclude<keyof GuardedSession, 'webRequest'>]?: Parameters<GuardedSession[K]>[0];
} & {
  [K in keyof GuardedSession['webRequest']]?: Parameters<GuardedSession['webRequest'][K]>[0];
};

/** A session that keeps the handlers it is given, as Electron's does, to be called like Electron calls them. */
function fakeSession(): GuardedSession & { handlers: Handlers } {
  const handlers: Handlers = {};
  return {
    handlers,
    setPermissionRequestHandler: (handler) => (handlers.setPermissionRequestHandler = handler),
    setPermissionCheckHandler: (handler) => (handlers.setPermissionCheckHandler = handler),
    setDevicePermissionHandler: (handler) => (handlers.setDevicePermissionHandler = handler),
    webRequest: {
      onBeforeRequest: (listener) => (handlers.onBeforeRequest = listener),
      onHeadersReceived: (listener) => (handlers.onHeadersReceived = listener),
    },
  };
}

/** Calls a handler that answers through a callback, and insists it answers exactly once. */
function answerOf<T>(call: (callback: (answer: T) => void) => void): T {
  const answers: T[] = [];
  call((answer) => answers.push(answer));
  assert.equal(answers.length, 1, 'the handler answers exactly once');
  return answers[0]!;
}

test('the window is made sandboxed and isolated, without Node, webviews or insecure content', (t) => {
  const runtime = fakeRuntime();
  createMainWindow({ stateFile: join(tempDir(t), 'window-state.json'), development: false }, runtime);
  assert.equal(runtime.created.length, 1);
  const preferences = runtime.created[0]!.options.webPreferences ?? {};
  assert.deepEqual(
    {
      contextIsolation: preferences.contextIsolation,
      sandbox: preferences.sandbox,
      nodeIntegration: preferences.nodeIntegration,
      nodeIntegrationInWorker: preferences.nodeIntegrationInWorker,
      nodeIntegrationInSubFrames: preferences.nodeIntegrationInSubFrames,
      webSecurity: preferences.webSecurity,
      allowRunningInsecureContent: preferences.allowRunningInsecureContent,
      webviewTag: preferences.webviewTag,
      navigateOnDragDrop: preferences.navigateOnDragDrop,
      devTools: preferences.devTools,
    },
    {
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      devTools: false,
    },
  );
  // Any other preference (experimentalFeatures, enableBlinkFeatures, a second preload…) is a
  // security decision: adding one must come with a change here.
  assert.deepEqual(Object.keys(preferences).sort(), [
    'allowRunningInsecureContent',
    'contextIsolation',
    'devTools',
    'navigateOnDragDrop',
    'nodeIntegration',
    'nodeIntegrationInSubFrames',
    'nodeIntegrationInWorker',
    'preload',
    'sandbox',
    'spellcheck',
    'webSecurity',
    'webviewTag',
  ]);
  assert.equal(preferences.preload, PRELOAD_PATH);
  assert.ok(existsSync(PRELOAD_PATH), `the preload is built at ${PRELOAD_PATH}`);
});

test('developer tools are allowed only in development', (t) => {
  const runtime = fakeRuntime();
  createMainWindow({ stateFile: join(tempDir(t), 'window-state.json'), development: true }, runtime);
  assert.equal(runtime.created[0]!.options.webPreferences?.devTools, true);
});

test("the window loads only the app's own page and shows itself once that is ready", (t) => {
  const runtime = fakeRuntime();
  const window = createMainWindow({ stateFile: join(tempDir(t), 'window-state.json'), development: false }, runtime);
  assert.equal(window.options.show, false, 'hidden until painted, so no white flash');
  assert.deepEqual(window.loaded, [APP_INDEX_URL]);
  assert.equal(window.shown, false);
  window.emit('ready-to-show');
  assert.equal(window.shown, true);
});

test('the window opens where it was left and remembers its place when closed', (t) => {
  const stateFile = join(tempDir(t), 'window-state.json');
  const bounds = { x: 100, y: 80, width: 1000, height: 700 };
  writeWindowState(stateFile, { bounds, maximized: true });
  const runtime = fakeRuntime();
  const window = createMainWindow({ stateFile, development: false }, runtime);
  assert.deepEqual(window.getNormalBounds(), bounds);
  assert.equal(window.maximized, true);
  window.maximized = false;
  window.emit('close');
  assert.deepEqual(readWindowState(stateFile), { bounds, maximized: false });
});

test('navigation away from the app is stopped for the page, its frames and redirects', () => {
  const contents = new FakeContents();
  hardenWebContents(contents);
  for (const event of ['will-navigate', 'will-frame-navigate', 'will-redirect']) {
    for (const url of ['https://example.com/', 'file:///etc/passwd', 'app://evil/index.html', 'javascript:alert(1)']) {
      const attempt = new FakeEvent(url);
      contents.emit(event, attempt);
      assert.equal(attempt.prevented, true, `${event} to ${url}`);
    }
    const inside = new FakeEvent('app://shoebox/index.html#/albums');
    contents.emit(event, inside);
    assert.equal(inside.prevented, false, `${event} inside the app`);
  }
});

test('no new window opens and no webview attaches, whatever the page asks', () => {
  const contents = new FakeContents();
  hardenWebContents(contents);
  assert.ok(contents.openHandler, 'a window-open handler is installed');
  for (const url of ['https://example.com/', APP_INDEX_URL])
    assert.deepEqual(contents.openHandler({ url }), { action: 'deny' });
  const webview = new FakeEvent(APP_INDEX_URL);
  contents.emit('will-attach-webview', webview);
  assert.equal(webview.prevented, true);
});

test("permission requests and checks are refused but for full screen and the clipboard on the app's pages", () => {
  const session = fakeSession();
  hardenSession(session);
  const { setPermissionRequestHandler: request, setPermissionCheckHandler: check } = session.handlers;
  assert.ok(request && check, 'both permission handlers are installed');
  const asked = (permission: string, requestingUrl: string) =>
    answerOf<boolean>((callback) => request(null, permission, callback, { requestingUrl }));
  for (const permission of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read', 'hid']) {
    assert.equal(asked(permission, APP_INDEX_URL), false, `request ${permission}`);
    assert.equal(check(null, permission, 'app://shoebox'), false, `check ${permission}`);
  }
  assert.equal(asked('fullscreen', 'https://example.com/'), false, 'another origin gets nothing');
  assert.equal(check(null, 'fullscreen', 'https://example.com'), false);
  assert.equal(asked('fullscreen', APP_INDEX_URL), true);
  assert.equal(check(null, 'clipboard-sanitized-write', 'app://shoebox'), true);
  assert.equal(session.handlers.setDevicePermissionHandler?.(), false, 'no USB, HID or serial device');
});

test('network and file requests are cancelled and the app protocols go through', () => {
  const session = fakeSession();
  hardenSession(session);
  const listener = session.handlers.onBeforeRequest;
  assert.ok(listener);
  const cancelled = (url: string) => answerOf<{ cancel: boolean }>((callback) => listener({ url }, callback)).cancel;
  for (const url of ['https://example.com/x.js', 'ws://127.0.0.1:9/', 'file:///etc/passwd'])
    assert.equal(cancelled(url), true, url);
  for (const url of [APP_INDEX_URL, 'shoebox-media://thumb/3']) assert.equal(cancelled(url), false, url);
});

test("the app's pages get the app's CSP in place of any other; other responses keep their headers", () => {
  const session = fakeSession();
  hardenSession(session);
  const listener = session.handlers.onHeadersReceived;
  assert.ok(listener);
  const headersOf = (url: string, responseHeaders: Record<string, string[]>) =>
    answerOf<{ responseHeaders: Record<string, string[]> }>((callback) => listener({ url, responseHeaders }, callback))
      .responseHeaders;
  assert.deepEqual(
    headersOf(APP_INDEX_URL, { 'Content-Security-Policy': ['default-src *'], 'Content-Type': ['text/html'] }),
    {
      'Content-Type': ['text/html'],
      'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
    },
  );
  const photo = { 'Content-Type': ['image/jpeg'] };
  assert.deepEqual(headersOf('shoebox-media://photo/1', photo), photo);
});
