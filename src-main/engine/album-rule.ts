/**
 * Album membership without a magic number. CLIP scores are not comparable across prompts (0.25
 * is a great match for one prompt and noise for another), so each album is judged against the
 * library's own distribution of its scores, and each photo against its own background:
 *
 * 1. the natural break: Otsu's threshold splits the album's scores into a high and a low group
 *    (the point that maximises the variance between them);
 * 2. the upper tail: the score must also stand out from the typical photo, at least k robust
 *    standard deviations (1.4826 × median absolute deviation) above the median;
 * 3. the margin: the score must beat the photo's best background or negative prompt score by δ.
 *
 * A photo is a member when it passes all three, unless a person said "always" or "never".
 * Sensitivity, from -1 (strict) to 1 (loose), moves k and δ together.
 */
export interface RuleParameters {
  /** Robust standard deviations above the median. */
  tailDeviations: number;
  /** Required lead of the album score over the best background/negative score. */
  margin: number;
}

export function ruleParameters(sensitivity: number): RuleParameters {
  const s = Math.max(-1, Math.min(1, sensitivity));
  return { tailDeviations: 3 - 1.5 * s, margin: 0.01 * (1 - s) };
}

export interface ScoredPhoto {
  photoId: number;
  score: number;
  background: number;
}

export interface Thresholds {
  /** The score a photo needs: the higher of the natural break and the tail. */
  score: number;
  naturalBreak: number;
  tail: number;
  median: number;
  spread: number;
  margin: number;
}

export type Verdict = 'member' | 'below-threshold' | 'background-wins';

export function thresholds(scores: readonly number[], sensitivity: number): Thresholds {
  const { tailDeviations, margin } = ruleParameters(sensitivity);
  const sorted = [...scores].sort((a, b) => a - b);
  const median = quantile(sorted, 0.5);
  const deviations = sorted.map((score) => Math.abs(score - median)).sort((a, b) => a - b);
  // A floor on the spread keeps a library of near-identical scores from making every tiny lead a match.
  const spread = Math.max(1.4826 * quantile(deviations, 0.5), 0.005);
  const tail = median + tailDeviations * spread;
  const naturalBreak = otsu(sorted);
  return { score: Math.max(tail, naturalBreak), naturalBreak, tail, median, spread, margin };
}

export function verdict(photo: ScoredPhoto, limits: Thresholds): Verdict {
  if (photo.score < limits.score) return 'below-threshold';
  if (photo.score - photo.background < limits.margin) return 'background-wins';
  return 'member';
}

/** Otsu's threshold on sorted values: the cut that maximises the between-group variance. */
export function otsu(sorted: readonly number[]): number {
  const n = sorted.length;
  if (n < 2) return sorted[0] ?? 0;
  const total = sorted.reduce((sum, value) => sum + value, 0);
  let below = 0;
  let best = -1;
  let cut = sorted[n - 1]!;
  for (let i = 0; i < n - 1; i++) {
    below += sorted[i]!;
    if (sorted[i] === sorted[i + 1]) continue;
    const lowCount = i + 1;
    const highCount = n - lowCount;
    const lowMean = below / lowCount;
    const highMean = (total - below) / highCount;
    const between = lowCount * highCount * (highMean - lowMean) ** 2;
    if (between > best) {
      best = between;
      cut = (sorted[i]! + sorted[i + 1]!) / 2;
    }
  }
  return cut;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}
