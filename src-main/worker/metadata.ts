import exifr from 'exifr';
import type { PhotoMetadata } from '../shared/worker-protocol.js';

const NONE: PhotoMetadata = { takenAt: null, cameraMake: null, cameraModel: null, latitude: null, longitude: null };

/**
 * Reads what the photo says about itself. Malformed metadata is common in real libraries and never
 * stops a photo from being indexed: anything unreadable is simply absent.
 */
export async function readPhotoMetadata(path: string): Promise<PhotoMetadata> {
  let tags: Record<string, unknown> | undefined;
  try {
    tags = (await exifr.parse(path, {
      tiff: true,
      exif: true,
      gps: true,
      ifd1: false,
      interop: false,
      xmp: false,
      icc: false,
      iptc: false,
      jfif: false,
      ihdr: false,
    })) as Record<string, unknown> | undefined;
  } catch {
    return NONE;
  }
  if (!tags) return NONE;
  const latitude = finite(tags.latitude);
  const longitude = finite(tags.longitude);
  const hasPosition = latitude !== null && longitude !== null && Math.abs(latitude) <= 90 && Math.abs(longitude) <= 180;
  return {
    takenAt: date(tags.DateTimeOriginal) ?? date(tags.CreateDate) ?? date(tags.DateTimeDigitized),
    cameraMake: text(tags.Make),
    cameraModel: text(tags.Model),
    latitude: hasPosition ? latitude : null,
    longitude: hasPosition ? longitude : null,
  };
}

function date(value: unknown): number | null {
  if (!(value instanceof Date)) return null;
  const time = value.getTime();
  // Cameras with unset clocks write 0000:00:00 or 1970; neither is a real capture date.
  return Number.isFinite(time) && value.getUTCFullYear() > 1970 ? time : null;
}

function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const cleaned = value.replace(/\0/g, '').trim();
  return cleaned.length > 0 && cleaned.length < 200 ? cleaned : null;
}

function finite(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
