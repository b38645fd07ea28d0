import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { decodeHTML } from 'entities';

/**
 * CLIP's byte-level BPE tokenizer, as in OpenAI's `simple_tokenizer.py`.
 * Written out (about a hundred lines) rather than taken from a library because the JS tokenizer
 * libraries do not reproduce CLIP's pre-tokenisation and `</w>` handling id for id, and search
 * quality depends on every id being exact; parity is tested against the reference vectors.
 */
export interface ClipTokenizer {
  readonly contextLength: number;
  encode(text: string): number[];
  /** Start token, ids, end token, truncated so the end token survives, padded to `contextLength`. */
  encodePadded(text: string): number[];
  /** As `encodePadded`, also saying how many ids are real tokens (the rest is padding). */
  encodeWithLength(text: string): { ids: number[]; length: number };
}

export interface ClipTokenizerOptions {
  contextLength?: number;
  padId?: number;
}

const START = '<|startoftext|>';
const END = '<|endoftext|>';
const WORD_END = '</w>';
const PRETOKENIZE = /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/giu;

/** GPT-2's reversible map from bytes to printable unicode characters. */
export function bytesToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const table = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = printable.includes(b) ? String.fromCodePoint(b) : String.fromCodePoint(256 + extra++);
  }
  return table;
}

/** The vocabulary order of the original CLIP: bytes, bytes + `</w>`, one entry per merge, specials. */
export function vocabFromMerges(merges: readonly (readonly [string, string])[]): string[] {
  const bytes = orderedByteSymbols();
  return [...bytes, ...bytes.map((s) => s + WORD_END), ...merges.map(([a, b]) => a + b), START, END];
}

/** `bytes_to_unicode().values()` in the order Python's dict yields them: printable bytes first. */
function orderedByteSymbols(): string[] {
  const table = bytesToUnicode();
  const printable = table.filter((s) => s.codePointAt(0)! < 256);
  const remapped = table.filter((s) => s.codePointAt(0)! >= 256);
  return [...printable, ...remapped];
}

export function createClipTokenizer(
  vocab: ReadonlyMap<string, number>,
  merges: readonly (readonly [string, string])[],
  options: ClipTokenizerOptions = {},
): ClipTokenizer {
  const contextLength = options.contextLength ?? 77;
  const padId = options.padId ?? 0;
  const startId = requireId(vocab, START);
  const endId = requireId(vocab, END);
  const byteEncoder = bytesToUnicode();
  const ranks = new Map<string, number>();
  merges.forEach(([a, b], rank) => ranks.set(a + ' ' + b, rank));
  const cache = new Map<string, string[]>([
    [START, [START]],
    [END, [END]],
  ]);

  function bpe(token: string): string[] {
    const cached = cache.get(token);
    if (cached) return cached;
    const chars = Array.from(token);
    let word = [...chars.slice(0, -1), chars[chars.length - 1] + WORD_END];
    while (word.length > 1) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i < word.length - 1; i++) {
        const rank = ranks.get(word[i] + ' ' + word[i + 1]);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          best = i;
        }
      }
      if (best < 0) break;
      const first = word[best]!;
      const second = word[best + 1]!;
      const merged: string[] = [];
      for (let i = 0; i < word.length; i++) {
        if (i < word.length - 1 && word[i] === first && word[i + 1] === second) {
          merged.push(first + second);
          i++;
        } else {
          merged.push(word[i]!);
        }
      }
      word = merged;
    }
    cache.set(token, word);
    return word;
  }

  function encode(text: string): number[] {
    const ids: number[] = [];
    for (const match of clean(text).matchAll(PRETOKENIZE)) {
      const symbols = Array.from(Buffer.from(match[0], 'utf8'), (byte) => byteEncoder[byte]!).join('');
      for (const piece of bpe(symbols)) ids.push(requireId(vocab, piece));
    }
    return ids;
  }

  function encodeWithLength(text: string): { ids: number[]; length: number } {
    const body = encode(text).slice(0, contextLength - 2);
    const ids = [startId, ...body, endId];
    const length = ids.length;
    while (ids.length < contextLength) ids.push(padId);
    return { ids, length };
  }

  return { contextLength, encode, encodeWithLength, encodePadded: (text) => encodeWithLength(text).ids };
}

function clean(text: string): string {
  const unescaped = decodeHTML(decodeHTML(text.normalize('NFC')));
  return unescaped.replace(/\s+/gu, ' ').trim().toLowerCase();
}

function requireId(vocab: ReadonlyMap<string, number>, symbol: string): number {
  const id = vocab.get(symbol);
  if (id === undefined) throw new Error(`The tokenizer vocabulary has no entry for "${symbol}".`);
  return id;
}

/** Loads CLIP's original `bpe_simple_vocab_16e6.txt.gz` (or the plain text merges file). */
export function loadClipTokenizerFromMerges(file: string, options?: ClipTokenizerOptions): ClipTokenizer {
  const raw = readFileSync(file);
  const text = (file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  // The original file has a version line, then 48 894 merges are used (49 152 - 256 - 2).
  const lines = text.split('\n').slice(1, 49152 - 256 - 2 + 1);
  const merges = lines.filter((line) => line.length > 0).map(parseMergeLine);
  const vocab = new Map(vocabFromMerges(merges).map((symbol, id) => [symbol, id]));
  return createClipTokenizer(vocab, merges, options);
}

interface HuggingFaceTokenizerJson {
  model?: { type?: string; vocab?: Record<string, number>; merges?: (string | [string, string])[] };
  added_tokens?: { id: number; content: string }[];
}

/** Loads a Hugging Face `tokenizer.json` whose model is CLIP-style BPE. */
export function loadClipTokenizerFromJson(file: string, options?: ClipTokenizerOptions): ClipTokenizer {
  const json = JSON.parse(readFileSync(file, 'utf8')) as HuggingFaceTokenizerJson;
  const model = json.model;
  if (model?.type !== 'BPE' || !model.vocab || !model.merges) {
    throw new Error(`${file} is not a BPE tokenizer.json with a vocabulary and merges.`);
  }
  const vocab = new Map(Object.entries(model.vocab));
  for (const token of json.added_tokens ?? []) vocab.set(token.content, token.id);
  const merges = model.merges.map((merge) => (typeof merge === 'string' ? parseMergeLine(merge) : merge));
  return createClipTokenizer(vocab, merges, options);
}

/** Loads a GPT-2 style pair: `vocab.json` (symbol → id) and `merges.txt` (a version line, then merges). */
export function loadClipTokenizerFromVocab(
  vocabFile: string,
  mergesFile: string,
  options?: ClipTokenizerOptions,
): ClipTokenizer {
  const vocab = new Map(Object.entries(JSON.parse(readFileSync(vocabFile, 'utf8')) as Record<string, number>));
  const merges = readFileSync(mergesFile, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0 && !line.startsWith('#version'))
    .map(parseMergeLine);
  return createClipTokenizer(vocab, merges, options);
}

/** The CLIP tokenizer from whichever files a model ships: merges (.txt/.gz), tokenizer.json, or vocab.json + merges. */
export function loadClipTokenizer(file: string, options?: ClipTokenizerOptions & { merges?: string }): ClipTokenizer {
  if (options?.merges) return loadClipTokenizerFromVocab(file, options.merges, options);
  return file.endsWith('.json') ? loadClipTokenizerFromJson(file, options) : loadClipTokenizerFromMerges(file, options);
}

function parseMergeLine(line: string): [string, string] {
  const [first, second] = line.split(' ');
  if (first === undefined || second === undefined) throw new Error(`Malformed BPE merge line "${line}".`);
  return [first, second];
}
