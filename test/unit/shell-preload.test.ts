import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { IPC_DRAG, IPC_EVENT, IPC_INVOKE } from '../../src-main/shell/bridge.js';
import { PRELOAD_PATH } from '../../src-main/shell/layout.js';

type Listener = (...args: unknown[]) => void;

/**
 * Runs the built preload (dist/src-main/shell/preload.cjs) the way Electron runs a sandboxed
 * preload: its source wrapped in a function of (require, process, Buffer, global, setImmediate,
 * clearImmediate, exports, module), in a fresh context, with a `require` that knows only
 * 'electron'. The electron module is a recorder standing in for contextBridge and ipcRenderer.
 */
function loadPreload() {
  const exposed = new Map<string, Record<string, unknown>>();
  const traffic: unknown[][] = [];
  const listeners = new Map<string, Set<Listener>>();
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, api: Record<string, unknown>) => exposed.set(key, api) },
    ipcRenderer: {
      invoke: async (...args: unknown[]) => {
        traffic.push(['invoke', ...args]);
        return { ok: true, result: 'answer' };
      },
      send: (...args: unknown[]) => traffic.push(['send', ...args]),
      on: (channel: string, listener: Listener) => {
        if (!listeners.has(channel)) listeners.set(channel, new Set());
        listeners.get(channel)!.add(listener);
      },
      removeListener: (channel: string, listener: Listener) => listeners.get(channel)?.delete(listener),
    },
  };
  const required: string[] = [];
  const sandboxRequire = (name: string) => {
    required.push(name);
    if (name === 'electron') return electron;
    throw new Error(`module not found: ${name}`);
  };
  const source = readFileSync(PRELOAD_PATH, 'utf8');
  const context = vm.createContext({});
  const run = vm.compileFunction(
    source,
    ['require', 'process', 'Buffer', 'global', 'setImmediate', 'clearImmediate', 'exports', 'module'],
    { parsingContext: context, filename: PRELOAD_PATH },
  );
  const exports = {};
  run(sandboxRequire, {}, undefined, context, setImmediate, clearImmediate, exports, { exports });
  const emit = (channel: string, ...args: unknown[]) => {
    for (const listener of listeners.get(channel) ?? []) listener(...args);
  };
  return { exposed, traffic, listeners, required, emit };
}

test('the preload is the CommonJS file beside the compiled shell, requiring only electron', () => {
  assert.equal(PRELOAD_PATH, fileURLToPath(new URL('../../src-main/shell/preload.cjs', import.meta.url)));
  const { required } = loadPreload();
  assert.deepEqual(required, ['electron']);
});

test('the page gets exactly window.shoebox with invoke, onEvent and startDrag', () => {
  const { exposed } = loadPreload();
  assert.deepEqual([...exposed.keys()], ['shoebox']);
  const api = exposed.get('shoebox')!;
  assert.deepEqual(Object.keys(api).sort(), ['invoke', 'onEvent', 'startDrag']);
  for (const value of Object.values(api)) assert.equal(typeof value, 'function');
});

test('invoke sends the method and request on the invoke channel and returns the reply', async () => {
  const { exposed, traffic } = loadPreload();
  const api = exposed.get('shoebox') as { invoke: (method: unknown, request?: unknown) => Promise<unknown> };
  assert.deepEqual(await api.invoke('search', { query: 'cat' }), { ok: true, result: 'answer' });
  await api.invoke('status');
  // The `{}` made inside the preload's context has that context's Object prototype: compare as JSON.
  assert.deepEqual(JSON.parse(JSON.stringify(traffic)), [
    ['invoke', IPC_INVOKE, 'search', { query: 'cat' }],
    ['invoke', IPC_INVOKE, 'status', {}],
  ]);
});

test('invoke refuses arguments of the wrong type without sending anything', async () => {
  const { exposed, traffic } = loadPreload();
  const api = exposed.get('shoebox') as { invoke: (method: unknown, request?: unknown) => Promise<unknown> };
  for (const [method, request] of [
    [42, {}],
    ['', {}],
    ['../status', {}],
    ['status', 'query'],
    ['status', null],
    ['status', [1]],
  ] as const) {
    await assert.rejects(api.invoke(method, request), { name: 'TypeError' }, `${String(method)} ${String(request)}`);
  }
  assert.deepEqual(traffic, []);
});

test('event listeners get the event data only, and stop when unsubscribed', () => {
  const { exposed, emit, listeners } = loadPreload();
  const api = exposed.get('shoebox') as { onEvent: (listener: unknown) => () => void };
  const heard: unknown[][] = [];
  const unsubscribe = api.onEvent((...args: unknown[]) => heard.push(args));
  emit(IPC_EVENT, { sender: 'the IpcRendererEvent' }, { type: 'library-changed' });
  unsubscribe();
  unsubscribe();
  emit(IPC_EVENT, {}, { type: 'library-changed' });
  assert.deepEqual(heard, [[{ type: 'library-changed' }]]);
  assert.equal(listeners.get(IPC_EVENT)!.size, 0);
  assert.throws(() => api.onEvent('not a function'), { name: 'TypeError' });
});

test('startDrag sends a positive integer id on the drag channel and nothing else', () => {
  const { exposed, traffic } = loadPreload();
  const api = exposed.get('shoebox') as { startDrag: (photoId: unknown) => void };
  api.startDrag(17);
  for (const value of ['/etc/passwd', 1.5, 0, -3, Number.NaN, { photoId: 1 }]) {
    assert.throws(() => api.startDrag(value), { name: 'TypeError' }, String(value));
  }
  assert.deepEqual(traffic, [['send', IPC_DRAG, 17]]);
});
