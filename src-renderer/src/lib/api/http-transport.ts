import { EventSocket } from './event-socket.js';
import { isAbortError, isReply, unwrap, type Reply } from './reply.js';
import type { MethodName, RequestOf, Responses, ShoeboxApi } from './types.js';

const TOKEN_KEY = 'shoebox.token';

/**
 * The server opens the page as `/?token=…`. The token is kept for this tab (reloads keep working)
 * and taken out of the address bar, so it is not bookmarked, shared or left in the history.
 */
export function takeToken(): string {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    history.replaceState(history.state, '', url);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

async function readReply(response: Response): Promise<Reply> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch (error) {
    if (isAbortError(error)) throw error;
  }
  if (isReply(body)) return body;
  throw new Error(`Shoebox gave an answer this page does not understand (HTTP ${response.status}).`);
}

export function createHttpApi(token: string): ShoeboxApi {
  const query = `token=${encodeURIComponent(token)}`;
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  const events = new EventSocket(`${scheme}://${window.location.host}/api/events?${query}`);

  async function call<M extends MethodName>(
    method: M,
    request: RequestOf<M>,
    signal?: AbortSignal,
  ): Promise<Responses[M]> {
    let response: Response;
    try {
      response = await fetch(`/api/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-shoebox-token': token },
        body: JSON.stringify(request),
        signal: signal ?? null,
      });
    } catch (error) {
      if (isAbortError(error)) throw error;
      throw new Error('Shoebox cannot be reached: is it still running?');
    }
    return unwrap<Responses[M]>(await readReply(response));
  }

  return {
    platform: 'browser',
    call,
    subscribe: (listener) => events.subscribe(listener),
    thumbnailUrl: (photoId) => `/media/thumb/${photoId}?${query}`,
    photoUrl: (photoId) => `/media/photo/${photoId}?${query}`,
  };
}
