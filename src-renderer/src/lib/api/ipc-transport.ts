import { abortError, isApiEvent, unwrap, type Reply } from './reply.js';
import type { MethodName, RequestOf, Responses, ShoeboxApi } from './types.js';

/** What the Electron preload exposes as `window.shoebox` (ShoeboxBridge in src-main/shell/bridge.ts). */
export interface ShoeboxBridge {
  invoke(method: string, request: unknown): Promise<Reply>;
  onEvent(listener: (event: unknown) => void): () => void;
  /** Drags the photo's file out to other apps; call from `dragstart` after preventing the default. */
  startDrag(photoId: number): void;
}

export function createIpcApi(bridge: ShoeboxBridge): ShoeboxApi {
  // IPC cannot cancel a call in flight; an aborted caller simply never sees the late answer.
  async function call<M extends MethodName>(
    method: M,
    request: RequestOf<M>,
    signal?: AbortSignal,
  ): Promise<Responses[M]> {
    if (signal?.aborted) throw abortError();
    const reply = await bridge.invoke(method, request);
    if (signal?.aborted) throw abortError();
    return unwrap<Responses[M]>(reply);
  }

  return {
    platform: 'desktop',
    call,
    subscribe: (listener) =>
      bridge.onEvent((event) => {
        if (isApiEvent(event)) listener(event);
      }),
    thumbnailUrl: (photoId) => `shoebox-media://thumb/${photoId}`,
    photoUrl: (photoId) => `shoebox-media://photo/${photoId}`,
  };
}
