import sharp from 'sharp';

export interface ModelInputSpec {
  size: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

/**
 * CLIP's preprocessing on an oriented 8-bit RGB buffer, as the reference does it: shorter side to
 * `size` with bicubic filtering (longer side truncated to an integer), centre crop with rounded
 * offsets, scale to [0, 1], per-channel normalisation, HWC → CHW. sharp's own `fit: 'cover'`
 * rounds differently and lands a pixel off, which costs more fidelity than any filter choice.
 */
export async function toModelInput(
  rgb: Buffer,
  raw: { width: number; height: number; channels: 3 },
  spec: ModelInputSpec,
): Promise<Float32Array> {
  const { size, mean, std } = spec;
  const portrait = raw.width < raw.height;
  const width = portrait ? size : Math.max(size, Math.floor((raw.width * size) / raw.height));
  const height = portrait ? Math.max(size, Math.floor((raw.height * size) / raw.width)) : size;
  const resized = await sharp(rgb, { raw }).resize({ width, height, fit: 'fill', kernel: 'cubic' }).raw().toBuffer();
  const pixels = await sharp(resized, { raw: { width, height, channels: 3 } })
    .extract({ left: Math.round((width - size) / 2), top: Math.round((height - size) / 2), width: size, height: size })
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
