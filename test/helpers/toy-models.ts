import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOY_COLOUR_NAMES, type ToyColour } from '../../scripts/toy-palette.js';
import { TOY_MODEL_DIR } from './env.js';
import { paintPhoto, type PaintOptions } from './photos.js';

/**
 * A second model: a copy of the toy model folder under another id and name. Its towers are the
 * toy model's, so it ranks photos the same way, but the library treats it as a different model
 * with its own embeddings and search index.
 */
export function copyToyModel(targetDir: string, id: string, name = `Toy CLIP copy ${id} (test model)`): string {
  cpSync(TOY_MODEL_DIR, targetDir, { recursive: true });
  const manifestPath = join(targetDir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
  writeFileSync(manifestPath, JSON.stringify({ ...manifest, id, name }, null, 2) + '\n');
  return targetDir;
}

/** Runs `work` over `items`, at most `limit` at a time, keeping the order of the results. */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i]!, i);
  });
  await Promise.all(lanes);
  return results;
}

/**
 * `count` distinct generated photos in `dir` (photo-0000.jpg …), their dominant colours cycling
 * through the toy palette unless `colour` is given. Painted a few at a time, so it stays quick.
 */
export function paintPhotos(
  dir: string,
  count: number,
  options: PaintOptions & { colour?: ToyColour; prefix?: string; seed?: number } = {},
): Promise<string[]> {
  const { colour, prefix = 'photo', seed = 1, ...paint } = options;
  return mapLimited(
    Array.from({ length: count }, (_, i) => i),
    8,
    (i) =>
      paintPhoto(
        join(dir, `${prefix}-${String(i).padStart(4, '0')}.jpg`),
        colour ?? TOY_COLOUR_NAMES[i % TOY_COLOUR_NAMES.length]!,
        { width: 64, height: 48, ...paint, seed: seed + i },
      ),
  );
}
