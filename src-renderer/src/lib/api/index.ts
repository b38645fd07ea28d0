import { createHttpApi, takeToken } from './http-transport.js';
import { createIpcApi } from './ipc-transport.js';
import type { ShoeboxApi } from './types.js';

/** Electron's preload provides `window.shoebox`; a plain browser talks to `shoebox serve` over HTTP. */
export const api: ShoeboxApi = window.shoebox ? createIpcApi(window.shoebox) : createHttpApi(takeToken());

/** Dragging a photo out to other apps hands over the file itself, which only the desktop app can do. */
export const startDrag: ((photoId: number) => void) | null = window.shoebox
  ? (photoId) => window.shoebox?.startDrag(photoId)
  : null;
