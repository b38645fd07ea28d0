import { randomUUID } from 'node:crypto';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { perceptualHash } from './perceptual-hash.js';
import { toModelInput, type ModelInputSpec } from './preprocess.js';

/** libvips' own default (16383²): a decompression bomb fails fast instead of exhausting memory. */
export const MAX_INPUT_PIXELS = 0x3fff * 0x3fff;
/** Thumbnails are at least this many pixels on their shorter side, and at most 4× that on the longer. */
export const THUMBNAIL_SIZE = 256;

export interface DecodedPhoto {
  /** CHW float32 model input, normalised. */
  tensor: Float32Array;
  /** Dimensions as displayed, after EXIF orientation. */
  width: number;
  height: number;
  /** Perceptual hash, for telling copies of a photo from look-alikes. */
  phash: string;
}

export class DecodeError extends Error {
  override readonly name = 'DecodeError';
}

/** The thumbnail could not be written to the data folder: its fault, not the photo's. */
export class ThumbnailWriteError extends Error {
  override readonly name = 'ThumbnailWriteError';
  constructor(override readonly cause: unknown) {
    super(`the thumbnail could not be written (${cause instanceof Error ? cause.message : String(cause)})`);
  }
}

/**
 * Decodes a photo once: EXIF orientation applied, first frame or page only, alpha composited on
 * white, any colour space or bit depth converted to 8-bit RGB, shrunk on load to twice the model's
 * input size. From that one buffer come the model input and (when asked) the WebP thumbnail.
 *
 * The embedded ICC profile is not applied: CLIP was trained on pixels read that way (PIL ignores
 * profiles), and matching its preprocessing matters more to search than colour accuracy in a
 * 256 px thumbnail. Twice the model size keeps the result within 0.013 of the reference
 * preprocessing (mean absolute difference) at half the cost of decoding at full size.
 */
export async function decodePhoto(
  path: string,
  spec: ModelInputSpec,
  thumbnailPath: string | null,
): Promise<DecodedPhoto> {
  const workingSize = Math.max(2 * spec.size, thumbnailPath ? THUMBNAIL_SIZE : 0);
  const source = sharp(path, { limitInputPixels: MAX_INPUT_PIXELS, sequentialRead: true, pages: 1, ignoreIcc: true });
  let header: Metadata;
  let working: { data: Buffer; info: OutputInfo };
  try {
    header = await source.metadata();
    working = await source
      .rotate()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .resize({ width: workingSize, height: workingSize, fit: 'outside', kernel: 'cubic', withoutEnlargement: true })
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new DecodeError(explainSharpError(error));
  }
  const { data, info } = working;
  const raw = { width: info.width, height: info.height, channels: 3 as const };
  const [tensor, phash] = await Promise.all([
    toModelInput(data, raw, spec),
    perceptualHash(data, raw),
    thumbnailPath ? writeThumbnail(data, raw, thumbnailPath) : Promise.resolve(),
  ]);
  const turned = (header.orientation ?? 1) >= 5;
  const width = header.width ?? info.width;
  const height = header.height ?? info.height;
  return { tensor, phash, width: turned ? height : width, height: turned ? width : height };
}

async function writeThumbnail(
  data: Buffer,
  raw: { width: number; height: number; channels: 3 },
  target: string,
): Promise<void> {
  const webp = await sharp(data, { raw })
    .resize(thumbnailDimensions(raw.width, raw.height))
    .webp({ quality: 78, effort: 2 })
    .toBuffer();
  // Copies of one photo share a thumbnail name and may be decoded at the same moment: each writes
  // its own temporary file, and the atomic rename lets the last one win with whole bytes. Written
  // by fs, not libvips, so a full disk is reported as ENOSPC (a store fault, not a bad photo).
  const temporary = `${target}.${process.pid}.${randomUUID()}.tmp`;
  try {
    await mkdir(dirname(target), { recursive: true });
    await writeFile(temporary, webp);
    await rename(temporary, target);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw new ThumbnailWriteError(error);
  }
}

/** Shorter side THUMBNAIL_SIZE (never enlarged), longer side at most four times that. */
export function thumbnailDimensions(width: number, height: number): { width: number; height: number } {
  const scale = Math.min(1, THUMBNAIL_SIZE / Math.min(width, height), (4 * THUMBNAIL_SIZE) / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** Turns libvips' messages into a reason a person can read, keeping the detail. */
export function explainSharpError(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();
  if (/unsupported image format/i.test(message)) return 'not a readable image (unknown or unsupported format)';
  if (/Input file is missing/i.test(message)) return 'the file does not exist';
  if (/missing or empty|empty input/i.test(message)) return 'the file is empty';
  if (/pixel limit/i.test(message)) return 'the image is too large to decode safely (over 268 megapixels)';
  if (/failOn|premature end|truncated|corrupt|bad huffman|not a jpeg/i.test(message)) {
    return /failOn/.test(message)
      ? 'the image data is damaged or incomplete'
      : `the image data is damaged (${message})`;
  }
  return `the image could not be decoded (${message})`;
}
