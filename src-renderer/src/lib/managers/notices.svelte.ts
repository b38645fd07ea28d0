import { api } from '$lib/api/index.js';
import { errorMessage, isAbortError } from '$lib/api/reply.js';

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  message: string;
}

const INFO_VISIBLE_MS = 8000;
const ERROR_VISIBLE_MS = 15000;
const MOST_SHOWN = 4;

/** Messages for the user: errors from calls (one sentence from the engine) and the engine's notices. */
class NoticeManager {
  items = $state<Notice[]>([]);
  #nextId = 1;

  error(error: unknown): void {
    if (isAbortError(error)) return;
    this.#show('error', errorMessage(error), ERROR_VISIBLE_MS);
  }

  info(message: string): void {
    this.#show('info', message, INFO_VISIBLE_MS);
  }

  /** The engine's own notices (a GPU it could not use, a folder that went missing) arrive as events. */
  start(): () => void {
    return api.subscribe((event) => {
      if (event.type === 'notice') this.info(event.message);
    });
  }

  dismiss(id: number): void {
    this.items = this.items.filter((notice) => notice.id !== id);
  }

  #show(kind: Notice['kind'], message: string, visibleMs: number): void {
    if (this.items.some((notice) => notice.kind === kind && notice.message === message)) return;
    const id = this.#nextId++;
    this.items = [...this.items, { id, kind, message }].slice(-MOST_SHOWN);
    setTimeout(() => this.dismiss(id), visibleMs);
  }
}

export const notices = new NoticeManager();
