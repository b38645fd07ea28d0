import { UserError } from './errors.js';
import { normaliseVector } from './vector-math.js';

/** One term of a search: text to embed, or a photo to look like. */
export interface QueryTerm {
  sign: 1 | -1;
  weight: number;
  text: string;
}

/**
 * Parses rclip-style query arithmetic: `beach + 2:sunset - people`, `"red car" - "blue"`.
 * `+` and `-` are operators only when they stand alone between spaces (or start the query), so
 * "t-shirt" and "x+y" stay one term. A term may carry a weight prefix `N:` (a number, so a
 * Windows path like `C:\photo.jpg` is not mistaken for one). Quotes group words and are removed.
 */
export function parseQuery(query: string): QueryTerm[] {
  const terms: QueryTerm[] = [];
  let sign: 1 | -1 = 1;
  let words: string[] = [];
  const flush = () => {
    const raw = unquote(words.join(' '));
    words = [];
    if (raw.length === 0) return;
    const weighted = /^(\d+(?:\.\d+)?|\.\d+):(.+)$/s.exec(raw);
    const weight = weighted ? Number(weighted[1]) : 1;
    const text = (weighted ? weighted[2]! : raw).trim();
    if (text.length === 0) return;
    terms.push({ sign, weight, text });
  };
  for (const token of tokenize(query)) {
    if (token === '+' || token === '-') {
      if (words.length === 0 && terms.length > 0)
        throw new UserError(`The query "${query}" has two operators in a row.`);
      flush();
      sign = token === '+' ? 1 : -1;
    } else {
      words.push(token);
    }
  }
  flush();
  if (terms.length === 0) throw new UserError('The search query is empty.');
  if (!terms.some((term) => term.sign === 1 && term.weight > 0)) {
    throw new UserError(`The query "${query}" needs at least one term to look for, not only terms to avoid.`);
  }
  return terms;
}

/** Splits on spaces outside quotes; a quoted run stays one token, quotes kept for `unquote`. */
function tokenize(query: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (const char of query) {
    if (quote) {
      current += char;
      if (char === quote) quote = null;
    } else if (char === '"' || char === '“' || char === '”') {
      quote = char === '“' ? '”' : '"';
      current += '"';
    } else if (/\s/.test(char)) {
      if (current) tokens.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  if (current) tokens.push(current);
  return tokens;
}

function unquote(text: string): string {
  return text.replace(/["“”]/g, '').trim();
}

/** Σ sign·weight·v over unit vectors, renormalised; the result is a unit vector. */
export function combineTerms(vectors: readonly { sign: 1 | -1; weight: number; vector: Float32Array }[]): Float32Array {
  const first = vectors[0];
  if (!first) throw new Error('no query vectors to combine');
  const sum = new Float32Array(first.vector.length);
  for (const { sign, weight, vector } of vectors) {
    for (let i = 0; i < sum.length; i++) sum[i]! += sign * weight * vector[i]!;
  }
  // Terms that cancel exactly leave nothing to search for (tiny rounding is not a direction either).
  if (sum.every((x) => Math.abs(x) < 1e-7)) throw new UserError('The query terms cancel each other out.');
  return normaliseVector(sum);
}
