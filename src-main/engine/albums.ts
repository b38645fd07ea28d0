import { thresholds, verdict, type ScoredPhoto, type Thresholds, type Verdict } from './album-rule.js';
import { UserError } from '../shared/errors.js';
import { dot, normaliseVector } from '../shared/vector-math.js';
import type { AlbumRow, AlbumStore } from './store/album-store.js';

/**
 * Prompt ensembling, as in the CLIP paper: each label is embedded in several phrasings and the
 * embeddings averaged, which is steadier than any one phrasing. A subset of the paper's ImageNet
 * templates that reads well for everyday photos.
 */
export const PROMPT_TEMPLATES = [
  'a photo of a {}.',
  'a close-up photo of the {}.',
  'a photo of the {}.',
  'a good photo of a {}.',
  'a bright photo of a {}.',
  'a dark photo of the {}.',
  'a cropped photo of the {}.',
  'a photo of a large {}.',
  'a photo of a small {}.',
  'a blurry photo of a {}.',
  'itap of a {}.',
  'a photo of my {}.',
];

/** What every photo resembles a little: an album's prompt must beat these by a margin. */
export const BACKGROUND_PROMPTS = [
  'a photo.',
  'a picture.',
  'an image.',
  'a snapshot.',
  'a photo of something.',
  'a photo of an object.',
  'a photo of a scene.',
  'a random photo.',
];

export interface AlbumContext {
  store: AlbumStore;
  modelId: string;
  /** Text embeddings from the model in use (unit vectors), cached by the caller. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  /**
   * Judgements kept between calls, valid while `version()` (which changes with every write to the
   * database, by this process or another) stays the same: the album list is asked for often.
   */
  cache?: { version(): string; judged: Map<number, { key: string; value: Judged }> };
}

interface Judged {
  thresholds: Thresholds;
  judged: MemberScore[];
}

export interface AlbumDefinition {
  name: string;
  prompts: string[];
  negatives?: string[];
  sensitivity?: number;
  starter?: string | null;
}

export interface MemberScore extends ScoredPhoto {
  verdict: Verdict;
  /** Set when a person said "always" (true) or "never" (false). */
  override: boolean | null;
}

export interface AlbumView {
  album: AlbumRow;
  thresholds: Thresholds;
  /** Best first. */
  members: MemberScore[];
  /** Photos just outside (best first) and members just inside (weakest first): what sensitivity would change. */
  borderline: { nearMisses: MemberScore[]; weakestMembers: MemberScore[] };
}

const SCORE_CHUNK = 2000;
const BORDERLINE = 12;

export async function ensembleEmbedding(context: AlbumContext, label: string): Promise<Float32Array> {
  const vectors = await context.embed(PROMPT_TEMPLATES.map((template) => template.replace('{}', label)));
  const sum = new Float32Array(vectors[0]!.length);
  for (const vector of vectors) for (let i = 0; i < sum.length; i++) sum[i]! += vector[i]!;
  return normaliseVector(sum);
}

export function createAlbum(context: AlbumContext, definition: AlbumDefinition): AlbumRow {
  const name = definition.name.trim();
  const prompts = cleanPrompts(definition.prompts);
  if (name.length === 0) throw new UserError('An album needs a name.');
  if (prompts.length === 0) throw new UserError('An album needs at least one prompt.');
  if (context.store.byName(name)) throw new UserError(`There is already an album called "${name}".`);
  context.store.create({
    name,
    prompts,
    negatives: cleanPrompts(definition.negatives ?? []),
    sensitivity: clampSensitivity(definition.sensitivity ?? 0),
    starter: definition.starter ?? null,
  });
  return context.store.byName(name)!;
}

export function requireAlbum(context: AlbumContext, name: string): AlbumRow {
  const album = context.store.byName(name);
  if (!album) throw new UserError(`There is no album called "${name}".`);
  return album;
}

/** Scores the photos that have no score yet for this album and model: new photos, a new model, new prompts. */
export async function scoreMissing(context: AlbumContext, album: AlbumRow): Promise<number> {
  let first = context.store.unscored(album.id, context.modelId, SCORE_CHUNK);
  if (first.length === 0) return 0;
  const positives = await Promise.all(album.prompts.map((prompt) => ensembleEmbedding(context, prompt)));
  const negatives = await Promise.all(album.negatives.map((prompt) => ensembleEmbedding(context, prompt)));
  const background = [...negatives, ...(await context.embed(BACKGROUND_PROMPTS))];
  let total = 0;
  while (first.length > 0) {
    context.store.saveScores(
      album.id,
      context.modelId,
      first.map(({ photoId, vector }) => ({
        photoId,
        score: bestSimilarity(vector, positives),
        background: bestSimilarity(vector, background),
      })),
    );
    total += first.length;
    first = context.store.unscored(album.id, context.modelId, SCORE_CHUNK);
  }
  return total;
}

/** Every scored photo judged against the album's own thresholds, then its overrides; best first. */
export async function judgeAlbum(context: AlbumContext, album: AlbumRow): Promise<Judged> {
  // Nothing written since the last judgement (scores included) means nothing to score or re-judge.
  const keyNow = () =>
    context.cache ? `${context.cache.version()}|${context.modelId}|${JSON.stringify(album)}` : null;
  const cached = context.cache?.judged.get(album.id);
  if (cached && cached.key === keyNow()) return cached.value;
  await scoreMissing(context, album);
  const scored = context.store.scores(album.id, context.modelId);
  const limits = thresholds(
    scored.map((row) => row.score),
    album.sensitivity,
  );
  const overrides = context.store.overrides(album.id);
  const judged = scored
    .map((row): MemberScore => ({
      ...row,
      verdict: verdict(row, limits),
      override: overrides.get(row.photoId) ?? null,
    }))
    .sort((a, b) => b.score - a.score);
  const value = { thresholds: limits, judged };
  const key = keyNow();
  if (key !== null) context.cache!.judged.set(album.id, { key, value });
  return value;
}

export function isMember(photo: MemberScore): boolean {
  return photo.override ?? photo.verdict === 'member';
}

/** Who is in the album now, and why, with the photos nearest to the line. */
export async function viewAlbum(context: AlbumContext, album: AlbumRow): Promise<AlbumView> {
  const { thresholds: limits, judged } = await judgeAlbum(context, album);
  return {
    album,
    thresholds: limits,
    members: judged.filter(isMember),
    borderline: {
      nearMisses: judged.filter((photo) => !isMember(photo) && photo.override === null).slice(0, BORDERLINE),
      weakestMembers: judged
        .filter((photo) => isMember(photo) && photo.override === null)
        .slice(-BORDERLINE)
        .reverse(),
    },
  };
}

/** Zero-shot classification: a probability per label, softmax over the model's scaled similarities. */
export async function classify(
  context: AlbumContext,
  image: Float32Array,
  labels: readonly string[],
  logitScale: number,
): Promise<{ label: string; probability: number; similarity: number }[]> {
  const unique = [...new Set(labels.map((label) => label.trim()).filter(Boolean))];
  if (unique.length < 2) throw new UserError('Give at least two different labels to choose between.');
  const similarities = await Promise.all(
    unique.map(async (label) => dot(image, await ensembleEmbedding(context, label))),
  );
  const logits = similarities.map((similarity) => similarity * logitScale);
  const top = Math.max(...logits);
  const exps = logits.map((logit) => Math.exp(logit - top));
  const sum = exps.reduce((a, b) => a + b, 0);
  return unique
    .map((label, i) => ({ label, probability: exps[i]! / sum, similarity: similarities[i]! }))
    .sort((a, b) => b.probability - a.probability);
}

function bestSimilarity(vector: Float32Array, others: readonly Float32Array[]): number {
  let best = -1;
  for (const other of others) best = Math.max(best, dot(vector, other));
  return best;
}

function cleanPrompts(prompts: readonly string[]): string[] {
  return [...new Set(prompts.map((prompt) => prompt.trim()).filter((prompt) => prompt.length > 0))];
}

function clampSensitivity(value: number): number {
  if (!Number.isFinite(value)) throw new UserError('Sensitivity is a number from -1 (strict) to 1 (loose).');
  return Math.max(-1, Math.min(1, value));
}

export { clampSensitivity };
