import { METHOD_NAMES, type MethodName } from '../api/contract.js';
import { isTrustedSender } from './security.js';

/** What the service's `dispatch` answers; the renderer gets exactly this back from `invoke`. */
export type DispatchReply = { ok: true; result: unknown } | { ok: false; error: string };

/** Who sent an IPC message, as the main process sees it. */
export interface IpcSender {
  /** The sending frame's URL, or null when the frame is gone. */
  frameUrl: string | null;
  /** The main frame of the app's window (not a subframe, not another window). */
  isMainFrame: boolean;
}

const MAX_DEPTH = 32;
const MAX_NODES = 100_000;
const MAX_STRING_CHARS = 8 * 1024 * 1024;
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export class UnsafePayloadError extends Error {
  override readonly name = 'UnsafePayloadError';
}

/**
 * A copy of an IPC payload holding only what JSON can: null, booleans, finite numbers, strings,
 * arrays and plain objects (properties that are `undefined` are dropped, as JSON.stringify would).
 * Structured clone lets a renderer send Dates, Maps, typed arrays, sparse arrays, huge or deep
 * structures; none of that reaches the engine. Throws UnsafePayloadError.
 */
export function toJsonValue(value: unknown): unknown {
  let nodes = 0;
  let chars = 0;
  const visit = (item: unknown, depth: number): unknown => {
    if (++nodes > MAX_NODES) throw new UnsafePayloadError('the request is too large');
    if (depth > MAX_DEPTH) throw new UnsafePayloadError('the request is nested too deeply');
    if (item === null || typeof item === 'boolean') return item;
    if (typeof item === 'number') {
      if (!Number.isFinite(item)) throw new UnsafePayloadError('the request holds a number that is not finite');
      return item;
    }
    if (typeof item === 'string') {
      chars += item.length;
      if (chars > MAX_STRING_CHARS) throw new UnsafePayloadError('the request is too large');
      return item;
    }
    if (Array.isArray(item)) {
      if (Object.getPrototypeOf(item) !== Array.prototype)
        throw new UnsafePayloadError('the request holds an odd array');
      const copy: unknown[] = [];
      for (let i = 0; i < item.length; i++) {
        if (!(i in item)) throw new UnsafePayloadError('the request holds a sparse array');
        copy.push(visit(item[i], depth + 1));
      }
      return copy;
    }
    if (typeof item === 'object') {
      const prototype = Object.getPrototypeOf(item);
      if (prototype !== Object.prototype && prototype !== null) {
        throw new UnsafePayloadError('the request holds something other than plain data');
      }
      if (Object.getOwnPropertySymbols(item).length > 0) throw new UnsafePayloadError('the request holds symbol keys');
      const copy: Record<string, unknown> = {};
      for (const key of Object.keys(item)) {
        if (FORBIDDEN_KEYS.has(key)) throw new UnsafePayloadError(`the request holds the key "${key}"`);
        const field = (item as Record<string, unknown>)[key];
        if (field === undefined) continue;
        copy[key] = visit(field, depth + 1);
      }
      return copy;
    }
    throw new UnsafePayloadError(`the request holds a ${typeof item}`);
  };
  return visit(value, 0);
}

const UNTRUSTED: DispatchReply = { ok: false, error: 'This window may not call Shoebox.' };

/**
 * `shoebox:invoke`: checks who is calling (our window's main frame, on one of our pages), that
 * the method is one of the contract's, and that the request is plain JSON-like data, and only
 * then hands it to `dispatch` (which validates it against the contract's schema). Never throws:
 * every refusal is a reply the renderer can show.
 */
export async function guardInvoke(
  sender: IpcSender,
  method: unknown,
  request: unknown,
  dispatch: (method: MethodName, request: unknown) => Promise<DispatchReply>,
): Promise<DispatchReply> {
  if (!isTrustedSender(sender.frameUrl, sender.isMainFrame)) return UNTRUSTED;
  if (typeof method !== 'string' || !(METHOD_NAMES as readonly string[]).includes(method)) {
    return { ok: false, error: `There is no API method "${String(method).slice(0, 100)}".` };
  }
  let payload: unknown;
  try {
    payload = toJsonValue(request ?? {});
  } catch (error) {
    return { ok: false, error: `Invalid request for ${method}: ${(error as Error).message}.` };
  }
  try {
    return await dispatch(method as MethodName, payload);
  } catch (error) {
    return { ok: false, error: `Something went wrong (${error instanceof Error ? error.message : String(error)}).` };
  }
}

/** A photo id from the renderer: a positive safe integer, or null. */
export function parsePhotoId(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : null;
}

/**
 * `shoebox:drag`: the files for dragging a photo out to other apps, or null when the sender is
 * not trusted, the id is not an id, or the service knows no such photo inside the library.
 */
export async function resolveDrag(
  sender: IpcSender,
  value: unknown,
  lookup: (kind: 'thumb' | 'photo', photoId: number) => Promise<{ path: string } | null>,
): Promise<{ file: string; thumbnail: string | null } | null> {
  if (!isTrustedSender(sender.frameUrl, sender.isMainFrame)) return null;
  const photoId = parsePhotoId(value);
  if (photoId === null) return null;
  const [photo, thumb] = await Promise.all([lookup('photo', photoId), lookup('thumb', photoId)]);
  return photo ? { file: photo.path, thumbnail: thumb?.path ?? null } : null;
}
