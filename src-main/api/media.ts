import { realpath, stat } from 'node:fs/promises';
import { extname, sep } from 'node:path';
import type { Library } from '../engine/library.js';
import { requestSchemas } from './contract.js';

const photoIdSchema = requestSchemas.photo.shape.photoId;

/**
 * Photo pixels for the renderer, named by photo id only: `/thumb/<id>` (the cached WebP) or
 * `/photo/<id>` (the original file). Strict on purpose: no percent-escapes, no extra segments,
 * no dots, so no path from a renderer ever reaches the file system.
 */
export function parseMediaPath(pathname: string): { kind: 'thumb' | 'photo'; photoId: number } | null {
  const match = /^\/(thumb|photo)\/([1-9][0-9]{0,14})$/.exec(pathname);
  if (!match) return null;
  const photoId = Number(match[2]);
  // The same rule as a photo id in any API call, so no transport accepts an id another refuses.
  return Number.isSafeInteger(photoId) && photoIdSchema.safeParse(photoId).success
    ? { kind: match[1] as 'thumb' | 'photo', photoId }
    : null;
}

const CONTENT_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.jpe': 'image/jpeg',
  '.jfif': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.avif': 'image/avif',
};

/**
 * The file behind a media request, or null. A thumbnail comes from the data folder; an original
 * only from inside a library folder, judged on real paths, so a symbolic link that leads out of
 * the library is refused.
 */
export async function mediaFile(
  library: Library,
  kind: 'thumb' | 'photo',
  photoId: number,
): Promise<{ path: string; contentType: string } | null> {
  const details = library.photoDetails([photoId]).get(photoId);
  if (!details) return null;
  if (kind === 'thumb') {
    const path = library.thumbnailPath(details);
    return path && (await isFile(path)) ? { path, contentType: 'image/webp' } : null;
  }
  const real = await realpath(details.path).catch(() => null);
  if (!real || !(await isFile(real))) return null;
  const folders = await Promise.all(library.folders().map((folder) => realpath(folder.path).catch(() => null)));
  const inside = folders.some(
    (folder) => folder !== null && real.startsWith(folder.endsWith(sep) ? folder : folder + sep),
  );
  const contentType = CONTENT_TYPES[extname(real).toLowerCase()];
  return inside && contentType ? { path: real, contentType } : null;
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isFile() ?? false;
}
