/**
 * The preload of the Shoebox window. It runs sandboxed, as a single CommonJS script that may
 * require only 'electron' (hence a .cts file that imports nothing else: tsc emits it as
 * dist/src-main/shell/preload.cjs). It gives the page exactly `window.shoebox` (see
 * ShoeboxBridge in bridge.ts) and never ipcRenderer itself; arguments are checked here, and
 * again in the main process, which trusts nothing the renderer sends.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

// Must match bridge.ts (checked by test/unit/shell-preload.test.ts).
const IPC_INVOKE = 'shoebox:invoke';
const IPC_EVENT = 'shoebox:event';
const IPC_DRAG = 'shoebox:drag';

function invoke(method: unknown, request?: unknown): Promise<unknown> {
  if (typeof method !== 'string' || !/^[A-Za-z]{1,64}$/.test(method)) {
    return Promise.reject(new TypeError('shoebox.invoke: the method must be an API method name.'));
  }
  if (request !== undefined && (typeof request !== 'object' || request === null || Array.isArray(request))) {
    return Promise.reject(new TypeError('shoebox.invoke: the request must be an object.'));
  }
  return ipcRenderer.invoke(IPC_INVOKE, method, request ?? {});
}

function onEvent(listener: unknown): () => void {
  if (typeof listener !== 'function') throw new TypeError('shoebox.onEvent: the listener must be a function.');
  // The page gets the event's data only, never the IpcRendererEvent (it holds `sender`).
  const forward = (_event: IpcRendererEvent, data: unknown) => (listener as (data: unknown) => void)(data);
  ipcRenderer.on(IPC_EVENT, forward);
  return () => {
    ipcRenderer.removeListener(IPC_EVENT, forward);
  };
}

function startDrag(photoId: unknown): void {
  if (typeof photoId !== 'number' || !Number.isSafeInteger(photoId) || photoId <= 0) {
    throw new TypeError('shoebox.startDrag: the photo id must be a positive integer.');
  }
  ipcRenderer.send(IPC_DRAG, photoId);
}

contextBridge.exposeInMainWorld('shoebox', { invoke, onEvent, startDrag });
