import { isApiEvent } from './reply.js';
import type { ApiEvent } from './types.js';

type Listener = (event: ApiEvent) => void;

const FIRST_RETRY_MS = 500;
const LAST_RETRY_MS = 15_000;

/** One WebSocket shared by every subscriber, reopened with growing pauses while anyone listens. */
export class EventSocket {
  readonly #url: string;
  readonly #listeners = new Set<Listener>();
  #socket: WebSocket | null = null;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #retryMs = FIRST_RETRY_MS;
  #hasOpened = false;

  constructor(url: string) {
    this.#url = url;
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    if (!this.#socket && !this.#retryTimer) this.#connect();
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.#close();
    };
  }

  #connect(): void {
    this.#retryTimer = null;
    const socket = new WebSocket(this.#url);
    this.#socket = socket;
    socket.addEventListener('open', () => {
      this.#retryMs = FIRST_RETRY_MS;
      // Whatever happened while the socket was down went unheard: have every view reload.
      if (this.#hasOpened) this.#emit({ type: 'library-changed' });
      this.#hasOpened = true;
    });
    socket.addEventListener('message', (message) => {
      if (typeof message.data !== 'string') return;
      let event: unknown;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      if (isApiEvent(event)) this.#emit(event);
    });
    socket.addEventListener('close', () => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      if (this.#listeners.size === 0) return;
      this.#retryTimer = setTimeout(() => this.#connect(), this.#retryMs);
      this.#retryMs = Math.min(this.#retryMs * 2, LAST_RETRY_MS);
    });
  }

  #close(): void {
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    const socket = this.#socket;
    this.#socket = null;
    socket?.close();
  }

  #emit(event: ApiEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}
