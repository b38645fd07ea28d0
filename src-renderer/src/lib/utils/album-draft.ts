import { splitQuery as splitQueryTerms } from '../../../../src-main/shared/query-terms.js';

/** What the album forms edit: prompts and negatives as typed, one per line. */
export interface AlbumDraft {
  name: string;
  prompts: string;
  negatives: string;
  sensitivity: number;
  /** The search it was started from, when it was. */
  fromQuery: string | null;
}

const NAME_LIMIT = 200;
const IMAGE_PATH = /[\\/].*\.(jpe?g|png|webp|gif|tiff?|avif|heic|heif)$/i;

export function emptyDraft(): AlbumDraft {
  return { name: '', prompts: '', negatives: '', sensitivity: 0, fromQuery: null };
}

/** The non-empty lines of a textarea, each trimmed, without repeats. */
export function lines(text: string): string[] {
  return [...new Set(text.split('\n').map((line) => line.trim()))].filter((line) => line.length > 0);
}

/** The `+` terms of a search become prompts, the `-` terms negatives; a photo file cannot be a prompt. */
export function splitQuery(query: string): { prompts: string[]; negatives: string[] } {
  const prompts: string[] = [];
  const negatives: string[] = [];
  for (const term of splitQueryTerms(query).terms) {
    if (IMAGE_PATH.test(term.text)) continue;
    const into = term.sign > 0 ? prompts : negatives;
    if (!into.includes(term.text)) into.push(term.text);
  }
  return { prompts, negatives };
}

/** "beach + sunset - people" becomes "Beach and sunset", looking for beach and sunset, not people. */
export function draftFromQuery(query: string): AlbumDraft {
  const { prompts, negatives } = splitQuery(query);
  const joined = prompts.join(' and ');
  const name = (joined.charAt(0).toUpperCase() + joined.slice(1)).slice(0, NAME_LIMIT);
  return { name, prompts: prompts.join('\n'), negatives: negatives.join('\n'), sensitivity: 0, fromQuery: query };
}
