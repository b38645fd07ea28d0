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

/**
 * The terms of a search as the engine reads them (src-main/engine/query.ts): `+` and `-` are
 * operators only when they stand alone, quotes group words, and an `N:` weight prefix is dropped.
 * A term that names a photo file cannot be a prompt, so it is left out.
 */
export function splitQuery(query: string): { prompts: string[]; negatives: string[] } {
  const prompts: string[] = [];
  const negatives: string[] = [];
  let sign = 1;
  let words: string[] = [];
  const flush = (): void => {
    const raw = words.join(' ').replace(/["“”]/g, '').trim();
    words = [];
    const text = raw.replace(/^(\d+(?:\.\d+)?|\.\d+):/, '').trim();
    if (text.length === 0 || IMAGE_PATH.test(text)) return;
    const into = sign > 0 ? prompts : negatives;
    if (!into.includes(text)) into.push(text);
  };
  for (const token of tokenize(query)) {
    if (token === '+' || token === '-') {
      flush();
      sign = token === '+' ? 1 : -1;
    } else {
      words.push(token);
    }
  }
  flush();
  return { prompts, negatives };
}

/** "beach + sunset - people" becomes "Beach and sunset", looking for beach and sunset, not people. */
export function draftFromQuery(query: string): AlbumDraft {
  const { prompts, negatives } = splitQuery(query);
  const joined = prompts.join(' and ');
  const name = (joined.charAt(0).toUpperCase() + joined.slice(1)).slice(0, NAME_LIMIT);
  return { name, prompts: prompts.join('\n'), negatives: negatives.join('\n'), sensitivity: 0, fromQuery: query };
}

function tokenize(query: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (const char of query) {
    if (quote) {
      current += char;
      if (char === quote) quote = null;
    } else if (char === '"' || char === '“') {
      quote = char === '“' ? '”' : '"';
      current += char;
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
