import type { ApiEvent, MethodName } from '../api/contract.js';
import type { DispatchReply } from './ipc-guard.js';

/**
 * The IPC channels between the preload and the main process. The preload (a sandboxed script
 * that cannot import this module) spells them out itself; a test checks that they agree.
 */
export const IPC_INVOKE = 'shoebox:invoke';
export const IPC_EVENT = 'shoebox:event';
export const IPC_DRAG = 'shoebox:drag';

/**
 * What the preload puts on `window.shoebox` in the desktop app; the renderer's desktop transport
 * is built on it (`import type { ShoeboxBridge } from '…/src-main/shell/bridge.js'`).
 */
export interface ShoeboxBridge {
  /**
   * Calls the engine. Resolves with the service's reply, as the HTTP transport's body:
   * `{ ok: true, result }` or `{ ok: false, error }` (one sentence for the UI). Rejects only
   * when the arguments are not a method name and an object.
   */
  invoke(method: MethodName, request?: object): Promise<DispatchReply>;
  /** Hears every engine event; returns the function that stops listening. */
  onEvent(listener: (event: ApiEvent) => void): () => void;
  /**
   * Starts dragging a photo out to other apps (call it from `dragstart`, after
   * `event.preventDefault()`). The main process finds the file from the id.
   */
  startDrag(photoId: number): void;
}

export type { DispatchReply };
