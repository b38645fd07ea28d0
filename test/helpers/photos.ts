import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import sharp from 'sharp';
import { TOY_COLOURS, TOY_COLOUR_NAMES, type ToyColour } from '../../scripts/toy-palette.js';
import { seededRandom } from '../../scripts/seeded-random.js';

export interface PaintOptions {
  width?: number;
  height?: number;
  /** Seeds the accent shapes and noise, so two photos of one colour still differ. */
  seed?: number;
  format?: 'jpeg' | 'png' | 'webp' | 'tiff';
  /** Fraction of the area covered by accents of other colours (default 0.25). */
  accents?: number;
}

/**
 * Paints a photo whose dominant colour is `colour`: a background of it with pixel noise, plus
 * rectangles of other colours covering about a quarter of the frame, like a real subject.
 */
export async function paintPhoto(path: string, colour: ToyColour, options: PaintOptions = {}): Promise<string> {
  const width = options.width ?? 320;
  const height = options.height ?? 240;
  const random = seededRandom(options.seed ?? 1);
  const base = TOY_COLOURS[colour];
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 3; c++) pixels[i * 3 + c] = clamp(base[c]! + (random() - 0.5) * 24);
  }
  const others = TOY_COLOUR_NAMES.filter((name) => name !== colour);
  const budget = (options.accents ?? 0.25) * width * height;
  let covered = 0;
  while (covered < budget) {
    const accent = TOY_COLOURS[others[Math.floor(random() * others.length)]!];
    const w = Math.max(4, Math.floor(width * (0.1 + random() * 0.2)));
    const h = Math.max(4, Math.floor(height * (0.1 + random() * 0.2)));
    const x0 = Math.floor(random() * (width - w));
    const y0 = Math.floor(random() * (height - h));
    for (let y = y0; y < y0 + h; y++) {
      for (let x = x0; x < x0 + w; x++) pixels.set(accent, (y * width + x) * 3);
    }
    covered += w * h;
  }
  mkdirSync(dirname(path), { recursive: true });
  const image = sharp(pixels, { raw: { width, height, channels: 3 } });
  const format = options.format ?? 'jpeg';
  await (format === 'jpeg' ? image.jpeg({ quality: 90 }) : image.toFormat(format)).toFile(path);
  return path;
}

function clamp(value: number): number {
  return Math.max(0, Math.min(255, Math.round(value)));
}
