import { UserError } from '../shared/errors.js';
import { splitQuery, type QueryTerm } from '../shared/query-terms.js';
import { normaliseVector } from '../shared/vector-math.js';

export type { QueryTerm } from '../shared/query-terms.js';

/** The query's terms (grammar in query-terms.ts), or one sentence saying what is wrong with it. */
export function parseQuery(query: string): QueryTerm[] {
  const { terms, doubledOperator } = splitQuery(query);
  if (doubledOperator) throw new UserError(`The query "${query}" has two operators in a row.`);
  if (terms.length === 0) throw new UserError('The search query is empty.');
  if (!terms.some((term) => term.sign === 1 && term.weight > 0)) {
    throw new UserError(`The query "${query}" needs at least one term to look for, not only terms to avoid.`);
  }
  return terms;
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
