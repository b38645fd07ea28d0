import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp, { type Metadata, type Sharp } from 'sharp';
import { perceptualHash, hammingDistance } from '../src-main/worker/perceptual-hash.js';
import { TOY_COLOURS, TOY_COLOUR_NAMES } from './toy-palette.js';
import { seededRandom } from './seeded-random.js';

/**
 * Chooses the near-duplicate threshold by measurement: perceptual-hash distances between photos
 * and their edited copies (resized, re-encoded, brightened, cropped), against distances between
 * different photos (including look-alikes of one dominant colour). Prints JSON.
 *
 *   node dist/scripts/measure-duplicates.js [corpus folder]
 */
async function hashOf(image: Sharp): Promise<string> {
  const { data, info } = await image
    .clone()
    .rotate()
    .resize({ width: 448, height: 448, fit: 'outside', withoutEnlargement: true })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return perceptualHash(data, { width: info.width, height: info.height, channels: 3 });
}

const EDITS: Record<string, (image: Sharp, meta: Metadata) => Sharp> = {
  'resized to half': (image, meta) => image.clone().resize(Math.round((meta.width ?? 400) / 2)),
  'JPEG quality 40': (image) => image.clone().jpeg({ quality: 40 }),
  WebP: (image) => image.clone().webp({ quality: 70 }),
  'brighter by 10%': (image) => image.clone().modulate({ brightness: 1.1 }),
  'cropped by 3%': (image, meta) => {
    const w = meta.width ?? 400;
    const h = meta.height ?? 300;
    const dx = Math.round(w * 0.03);
    const dy = Math.round(h * 0.03);
    return image.clone().extract({ left: dx, top: dy, width: w - 2 * dx, height: h - 2 * dy });
  },
  'slightly sharpened': (image) => image.clone().sharpen(),
  // The next frame of a burst: the camera moved a little, so the frame shifts by a few per cent.
  'burst neighbour (4 % shift)': (image, meta) => {
    const w = meta.width ?? 400;
    const h = meta.height ?? 300;
    const dx = Math.round(w * 0.04);
    const dy = Math.round(h * 0.02);
    return image.clone().extract({ left: dx, top: dy, width: w - dx, height: h - dy });
  },
};

async function generated(count: number): Promise<Buffer[]> {
  const random = seededRandom(5);
  const photos: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const [r, g, b] = TOY_COLOURS[TOY_COLOUR_NAMES[i % 4]!];
    const pixels = Buffer.alloc(320 * 240 * 3);
    for (let p = 0; p < 320 * 240; p++)
      pixels.set(
        [r, g, b].map((c) => Math.max(0, Math.min(255, c + (random() - 0.5) * 30))),
        p * 3,
      );
    for (let k = 0; k < 4; k++) {
      const [ar, ag, ab] = TOY_COLOURS[TOY_COLOUR_NAMES[Math.floor(random() * 11)]!];
      const x0 = Math.floor(random() * 260);
      const y0 = Math.floor(random() * 180);
      for (let y = y0; y < y0 + 60; y++) for (let x = x0; x < x0 + 60; x++) pixels.set([ar, ag, ab], (y * 320 + x) * 3);
    }
    photos.push(
      await sharp(pixels, { raw: { width: 320, height: 240, channels: 3 } })
        .jpeg({ quality: 90 })
        .toBuffer(),
    );
  }
  return photos;
}

function summary(values: number[]): { min: number; p50: number; p95: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { min: sorted[0]!, p50: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1]! };
}

async function main(): Promise<void> {
  const corpus = resolve(process.argv[2] ?? '../shared/corpus/exif-samples/jpg');
  const real = readdirSync(corpus)
    .filter((name) => name.endsWith('.jpg'))
    .map((name) => join(corpus, name));
  const sources: Buffer[] = [...(await generated(40))];
  for (const path of real) {
    try {
      await sharp(path).metadata();
      sources.push(await sharp(path).toBuffer());
    } catch {
      // broken samples are not sources
    }
  }
  const originals = await Promise.all(sources.map((buffer) => hashOf(sharp(buffer))));
  const copies: Record<string, number[]> = {};
  for (const [name, edit] of Object.entries(EDITS)) {
    copies[name] = [];
    for (const [i, buffer] of sources.entries()) {
      const image = sharp(buffer);
      const edited = await edit(image, await image.metadata()).toBuffer();
      copies[name]!.push(hammingDistance(originals[i]!, await hashOf(sharp(edited))));
    }
  }
  const different: number[] = [];
  const lookAlikes: number[] = [];
  for (let i = 0; i < originals.length; i++) {
    for (let j = i + 1; j < originals.length; j++) {
      const distance = hammingDistance(originals[i]!, originals[j]!);
      different.push(distance);
      if (i < 40 && j < 40 && i % 4 === j % 4) lookAlikes.push(distance);
    }
  }
  const allCopies = Object.values(copies).flat();
  console.log(
    JSON.stringify(
      {
        photos: sources.length,
        copies: Object.fromEntries(Object.entries(copies).map(([name, values]) => [name, summary(values)])),
        allCopies: summary(allCopies),
        differentPhotos: summary(different),
        sameDominantColourLookAlikes: summary(lookAlikes),
        copiesWithin: Object.fromEntries(
          [4, 6, 8, 10, 12].map((h) => [h, allCopies.filter((d) => d <= h).length / allCopies.length]),
        ),
        differentWithin: Object.fromEntries([4, 6, 8, 10, 12].map((h) => [h, different.filter((d) => d <= h).length])),
      },
      null,
      2,
    ),
  );
}

await main();
