/**
 * The grammar of search queries, with no dependencies so that the renderer (which turns a search
 * into an album's prompts) reads queries exactly as the engine does.
 *
 * rclip-style arithmetic: `beach + 2:sunset - people`, `"red car" - "blue"`. `+` and `-` are
 * operators only when they stand alone between spaces (or start the query), so "t-shirt" and
 * "x+y" stay one term. A term may carry a weight prefix `N:` (a number, so a Windows path like
 * `C:\photo.jpg` is not mistaken for one). Quotes group words and are removed.
 */
export interface QueryTerm {
  sign: 1 | -1;
  weight: number;
  text: string;
}

export interface SplitQuery {
  terms: QueryTerm[];
  /** An operator followed by another with no term between them: "red + - blue". */
  doubledOperator: boolean;
}

export function splitQuery(query: string): SplitQuery {
  const terms: QueryTerm[] = [];
  let doubledOperator = false;
  let sign: 1 | -1 = 1;
  let words: string[] = [];
  const flush = () => {
    const raw = words.join(' ').replace(/["“”]/g, '').trim();
    words = [];
    if (raw.length === 0) return;
    const weighted = /^(\d+(?:\.\d+)?|\.\d+):(.+)$/s.exec(raw);
    const weight = weighted ? Number(weighted[1]) : 1;
    const text = (weighted ? weighted[2]! : raw).trim();
    if (text.length > 0) terms.push({ sign, weight, text });
  };
  for (const token of tokenize(query)) {
    if (token === '+' || token === '-') {
      if (words.length === 0 && terms.length > 0) doubledOperator = true;
      flush();
      sign = token === '+' ? 1 : -1;
    } else {
      words.push(token);
    }
  }
  flush();
  return { terms, doubledOperator };
}

/** Splits on spaces outside quotes; a quoted run stays one token. */
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
