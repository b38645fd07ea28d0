import { join } from 'node:path';

/**
 * Messages between the engine and its worker process. Both ends are our own code, so the types
 * are the contract; the worker still checks the message kind because a half-started host may
 * deliver anything.
 */

/** What the user asked for: the best available, a GPU if there is one, or the CPU only. */
export type DevicePreference = 'auto' | 'gpu' | 'cpu';

export const DEVICE_PREFERENCES: readonly DevicePreference[] = ['auto', 'gpu', 'cpu'];

/** Which provider runs the model, and the ones that were tried first and why they were passed over. */
export interface ProviderReport {
  provider: string;
  fallbacks: { provider: string; reason: string }[];
}

/** What a photo says about itself (EXIF), when it says it. */
export interface PhotoMetadata {
  takenAt: number | null;
  cameraMake: string | null;
  cameraModel: string | null;
  latitude: number | null;
  longitude: number | null;
}

/**
 * Which decoder this worker is: raised when it learns a format or a fix, so that photos that
 * failed with an older one are tried again.
 */
export const DECODER_VERSION = 2;

export interface WorkerConfig {
  modelDir: string;
  thumbnailsDir: string;
  threads: number;
  device: DevicePreference;
  /** Concurrent decodes inside the worker. */
  decodeConcurrency: number;
}

export interface ImageJob {
  key: number;
  path: string;
  /** Names the thumbnail; null for images that are only encoded (a query photo outside the library). */
  fingerprint: string | null;
}

export type ImageResult =
  | {
      key: number;
      ok: true;
      vector: Float32Array;
      width: number;
      height: number;
      /** Perceptual hash (16 hex digits), for near-duplicate detection. */
      phash: string;
      metadata: PhotoMetadata;
      thumbnail: boolean;
    }
  | {
      key: number;
      ok: false;
      reason: string;
      /** Set when the data folder, not the photo, is at fault (a full disk): the photo is not failed. */
      storeFault?: string;
    };

export type WorkerRequest =
  | { id: number; kind: 'configure'; config: WorkerConfig }
  | { id: number; kind: 'images'; jobs: ImageJob[] }
  | { id: number; kind: 'texts'; texts: string[] };

export type WorkerResponse =
  | { id: number; kind: 'configured' }
  | { id: number; kind: 'images'; results: ImageResult[]; provider: ProviderReport | null }
  | { id: number; kind: 'texts'; vectors: Float32Array[]; provider: ProviderReport | null }
  | { id: number; kind: 'error'; message: string };

export function thumbnailPathFor(thumbnailsDir: string, fingerprint: string): string {
  return join(thumbnailsDir, fingerprint.slice(0, 2), `${fingerprint}.webp`);
}
