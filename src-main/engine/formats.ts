import { extname } from 'node:path';

/** What the scanner should do with a file, judged by its name alone (decoding decides the rest). */
export type FileVerdict = { kind: 'photo' } | { kind: 'skip'; reason: string };

const DECODABLE = new Set(['.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif']);

const NOT_YET_SUPPORTED: Record<string, string> = {
  '.heic': 'HEIC photos are not supported yet',
  '.heif': 'HEIF photos are not supported yet',
  '.hif': 'HEIF photos are not supported yet',
  '.jxl': 'JPEG XL photos are not supported yet',
  '.bmp': 'BMP images are not supported yet',
  '.psd': 'Photoshop documents are not supported yet',
  '.svg': 'vector images are not supported',
};

const CAMERA_RAW = new Set([
  '.3fr',
  '.ari',
  '.arw',
  '.cr2',
  '.cr3',
  '.crw',
  '.dcr',
  '.dng',
  '.erf',
  '.iiq',
  '.k25',
  '.kdc',
  '.mef',
  '.mos',
  '.mrw',
  '.nef',
  '.nrw',
  '.orf',
  '.pef',
  '.raf',
  '.raw',
  '.rw2',
  '.rwl',
  '.sr2',
  '.srf',
  '.srw',
  '.x3f',
]);

const VIDEO = new Set([
  '.mp4',
  '.mov',
  '.m4v',
  '.avi',
  '.mkv',
  '.mts',
  '.m2ts',
  '.3gp',
  '.webm',
  '.wmv',
  '.mpg',
  '.mpeg',
]);

export function judgeFile(path: string): FileVerdict {
  const extension = extname(path).toLowerCase();
  if (DECODABLE.has(extension)) return { kind: 'photo' };
  const unsupported = NOT_YET_SUPPORTED[extension];
  if (unsupported) return { kind: 'skip', reason: unsupported };
  if (CAMERA_RAW.has(extension))
    return { kind: 'skip', reason: `camera RAW files (${extension}) are not supported yet` };
  if (VIDEO.has(extension)) return { kind: 'skip', reason: 'videos are not indexed' };
  return { kind: 'skip', reason: 'not a photo' };
}

export function isDecodablePhoto(path: string): boolean {
  return DECODABLE.has(extname(path).toLowerCase());
}
