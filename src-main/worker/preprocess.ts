import sharp from 'sharp';

export interface ModelInputSpec {
  size: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

/**
 * CLIP's preprocessing on an oriented 8-bit RGB buffer: shorter side to `size` with bicubic
 * filtering, centre crop, scale to [0, 1], per-channel normalisation, HWC → CHW.
 */
export async function toModelInput(
  rgb: Buffer,
  raw: { width: number; height: number; channels: 3 },
  spec: ModelInputSpec,
): Promise<Float32Array> {
  const { size, mean, std } = spec;
  const pixels = await sharp(rgb, { raw })
    .resize({ width: size, height: size, fit: 'cover', position: 'centre', kernel: 'cubic' })
    .raw()
    .toBuffer();
  const plane = size * size;
  const tensor = new Float32Array(3 * plane);
  for (let channel = 0; channel < 3; channel++) {
    const scale = 1 / (255 * std[channel]!);
    const offset = mean[channel]! / std[channel]!;
    const base = channel * plane;
    for (let i = 0; i < plane; i++) tensor[base + i] = pixels[i * 3 + channel]! * scale - offset;
  }
  return tensor;
}
