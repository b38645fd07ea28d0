import sharp from 'sharp';
import type { ModelManifest } from '../shared/model-manifest.js';
import { resampleRgb } from './resample.js';

export interface ModelInputSpec {
  size: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  resize: 'shortest-edge-crop' | 'squash';
  interpolation: 'bicubic' | 'bilinear';
}

export function modelInputSpec(manifest: ModelManifest): ModelInputSpec {
  const { imageSize: size, mean, std, resize, interpolation } = manifest;
  return { size, mean, std, resize, interpolation };
}

/**
 * The model's preprocessing on an oriented 8-bit RGB buffer, as the reference (Pillow) does it.
 * CLIP: shorter side to `size` (longer side truncated to an integer), centre crop with rounded
 * offsets. SigLIP: both sides to `size`. Then scale to [0, 1], normalise per channel, HWC → CHW.
 * Shrinking goes through libvips, which matches Pillow within 0.003 (mean absolute difference);
 * enlarging a small photo goes through a port of Pillow's resampler, since libvips differs there.
 */
export async function toModelInput(
  rgb: Uint8Array,
  raw: { width: number; height: number; channels: 3 },
  spec: ModelInputSpec,
): Promise<Float32Array> {
  const { size, mean, std } = spec;
  const target = resizedDimensions(raw, spec);
  const enlarging = target.width > raw.width || target.height > raw.height;
  const resized = enlarging
    ? resampleRgb(rgb, raw, target, spec.interpolation)
    : await sharp(rgb, { raw })
        .resize({ ...target, fit: 'fill', kernel: spec.interpolation === 'bilinear' ? 'linear' : 'cubic' })
        .raw()
        .toBuffer();
  const left = roundHalfEven((target.width - size) / 2);
  const top = roundHalfEven((target.height - size) / 2);
  const plane = size * size;
  const tensor = new Float32Array(3 * plane);
  for (let channel = 0; channel < 3; channel++) {
    const scale = 1 / (255 * std[channel]!);
    const offset = mean[channel]! / std[channel]!;
    const base = channel * plane;
    for (let y = 0; y < size; y++) {
      const row = ((top + y) * target.width + left) * 3 + channel;
      for (let x = 0; x < size; x++) tensor[base + y * size + x] = resized[row + x * 3]! * scale - offset;
    }
  }
  return tensor;
}

/** Python's round(): the reference crops 105 spare pixels as 52 + 53, not 53 + 52. */
function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction !== 0.5) return Math.round(value);
  return floor % 2 === 0 ? floor : floor + 1;
}

function resizedDimensions(
  raw: { width: number; height: number },
  spec: ModelInputSpec,
): { width: number; height: number } {
  const { size } = spec;
  if (spec.resize === 'squash') return { width: size, height: size };
  if (raw.width < raw.height)
    return { width: size, height: Math.max(size, Math.floor((raw.height * size) / raw.width)) };
  return { width: Math.max(size, Math.floor((raw.width * size) / raw.height)), height: size };
}
