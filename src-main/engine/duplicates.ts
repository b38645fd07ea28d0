import { dot } from '../shared/vector-math.js';

/**
 * Near-duplicate groups: resized, re-encoded and lightly edited copies, and bursts. Two photos
 * are copies when their perceptual hashes differ in at most `maxHashDistance` of 64 bits AND their
 * embeddings agree (cosine at least `minSimilarity`); either signal alone confuses look-alikes.
 * The default of 12 bits was measured (`scripts/measure-duplicates.ts`): edited copies of the
 * test photos and the real corpus differ by at most 10 bits (a 3 % crop; most by 0–4), different
 * photos, even of the same dominant colour, by at least 16.
 */
export const DEFAULT_MAX_HASH_DISTANCE = 12;
export const DEFAULT_MIN_SIMILARITY = 0.9;

export interface DuplicateCandidate {
  id: number;
  path: string;
  phash: string;
  width: number;
  height: number;
  mtimeMs: number;
}

export interface DuplicateGroup {
  /** The copy to keep: the largest, then the oldest. */
  keep: number;
  /** Every photo of the group, the one to keep first. */
  photoIds: number[];
}

export function findDuplicateGroups(
  photos: readonly DuplicateCandidate[],
  embeddingOf: (photoId: number) => Float32Array | null,
  options: { maxHashDistance?: number; minSimilarity?: number } = {},
): DuplicateGroup[] {
  const maxDistance = options.maxHashDistance ?? DEFAULT_MAX_HASH_DISTANCE;
  const minSimilarity = options.minSimilarity ?? DEFAULT_MIN_SIMILARITY;
  // Hashes as two 32-bit halves: all pairs compared with popcounts, about 2 s for 20 000 photos.
  const high = new Uint32Array(photos.length);
  const low = new Uint32Array(photos.length);
  photos.forEach((photo, i) => {
    high[i] = Number.parseInt(photo.phash.slice(0, 8), 16);
    low[i] = Number.parseInt(photo.phash.slice(8, 16), 16);
  });
  const parent = photos.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const embeddings = new Map<number, Float32Array | null>();
  const embedding = (i: number) => {
    if (!embeddings.has(i)) embeddings.set(i, embeddingOf(photos[i]!.id));
    return embeddings.get(i)!;
  };
  for (let i = 0; i < photos.length; i++) {
    for (let j = i + 1; j < photos.length; j++) {
      if (popcount(high[i]! ^ high[j]!) + popcount(low[i]! ^ low[j]!) > maxDistance) continue;
      const a = embedding(i);
      const b = embedding(j);
      if (!a || !b || dot(a, b) < minSimilarity) continue;
      parent[find(i)] = find(j);
    }
  }
  const groups = new Map<number, DuplicateCandidate[]>();
  photos.forEach((photo, i) => {
    const root = find(i);
    groups.set(root, [...(groups.get(root) ?? []), photo]);
  });
  return [...groups.values()]
    .filter((members) => members.length > 1)
    .map((members) => {
      const ordered = [...members].sort(
        (a, b) => b.width * b.height - a.width * a.height || a.mtimeMs - b.mtimeMs || a.path.localeCompare(b.path),
      );
      return { keep: ordered[0]!.id, photoIds: ordered.map((photo) => photo.id) };
    })
    .sort((a, b) => b.photoIds.length - a.photoIds.length || a.keep - b.keep);
}

function popcount(value: number): number {
  let v = value - ((value >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
