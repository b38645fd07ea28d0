import type { ApiEvent } from './types.js';

/** How both transports carry an answer: the result, or one sentence the user can act on. */
export type Reply = { ok: true; result: unknown } | { ok: false; error: string };

export function isReply(value: unknown): value is Reply {
  if (typeof value !== 'object' || value === null || !('ok' in value)) return false;
  return value.ok === true
    ? 'result' in value
    : value.ok === false && 'error' in value && typeof value.error === 'string';
}

export function unwrap<T>(reply: Reply): T {
  if (reply.ok) return reply.result as T;
  throw new Error(reply.error);
}

export function isApiEvent(value: unknown): value is ApiEvent {
  return typeof value === 'object' && value !== null && 'type' in value && typeof value.type === 'string';
}

export function abortError(): DOMException {
  return new DOMException('The request was cancelled.', 'AbortError');
}

export function isAbortError(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong.';
}
