import { ipcMain, nativeImage, type BrowserWindow, type IpcMainEvent, type IpcMainInvokeEvent } from 'electron';
import type { EngineHost } from '../api/engine-host.js';
import { IPC_DRAG, IPC_EVENT, IPC_INVOKE } from './bridge.js';
import { dragIconPng } from './drag-icon.js';
import { guardInvoke, resolveDrag, type IpcSender } from './ipc-guard.js';
import { isAppUrl } from './security.js';

/** Who sent a message: trusted only as the main frame of our window (see ipc-guard.ts for the rest). */
function senderOf(event: IpcMainEvent | IpcMainInvokeEvent, window: BrowserWindow | null): IpcSender {
  const frame = event.senderFrame;
  const ours = window !== null && !window.isDestroyed() && event.sender.id === window.webContents.id;
  return { frameUrl: frame?.url ?? null, isMainFrame: ours && frame !== null && frame.parent === null };
}

/** The renderer's three ways in (invoke, drag) and one way out (events). */
export function connectIpc(engine: EngineHost, currentWindow: () => BrowserWindow | null): void {
  ipcMain.handle(IPC_INVOKE, (event, method: unknown, request: unknown) =>
    guardInvoke(senderOf(event, currentWindow()), method, request, (name, payload) => engine.dispatch(name, payload)),
  );
  ipcMain.on(IPC_DRAG, (event, photoId: unknown) => {
    void (async () => {
      const drag = await resolveDrag(senderOf(event, currentWindow()), photoId, (kind, id) =>
        engine.mediaFile(kind, id),
      );
      if (!drag || event.sender.isDestroyed()) return;
      const icon = nativeImage.createFromBuffer(await dragIconPng(drag.thumbnail));
      event.sender.startDrag({ file: drag.file, icon });
    })().catch((error: unknown) => process.stderr.write(`shoebox: drag failed: ${String(error)}\n`));
  });
  engine.subscribe((apiEvent) => {
    const window = currentWindow();
    if (!window || window.isDestroyed() || !isAppUrl(window.webContents.getURL())) return;
    window.webContents.send(IPC_EVENT, apiEvent);
  });
}
