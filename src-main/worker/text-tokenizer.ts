import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import type { ModelManifest } from '../shared/model-manifest.js';
import { loadClipTokenizer } from './tokenizer.js';

/** Token ids for the text tower, padded to the context length, with the matching attention mask. */
export interface TextTokenizer {
  readonly contextLength: number;
  tokenize(text: string): { ids: number[]; attentionMask: number[] };
}

type TokenizerSpec = ModelManifest['tokenizer'];

/**
 * The tokenizer a model declares. CLIP's BPE is ours (exact to the reference ids); anything else
 * (SentencePiece, WordPiece, Gemma's BPE) is read from its `tokenizer.json` by the Hugging Face
 * tokenizers library.
 */
export function loadTextTokenizer(modelDir: string, spec: TokenizerSpec): TextTokenizer {
  const file = join(modelDir, spec.file);
  const { contextLength, padId } = spec;
  const prepare = (text: string) => (spec.lowercase ? text.toLowerCase() : text);
  if (spec.kind === 'clip-bpe') {
    const clip = loadClipTokenizer(file, {
      contextLength,
      padId,
      ...(spec.merges ? { merges: join(modelDir, spec.merges) } : {}),
    });
    return {
      contextLength,
      tokenize(text) {
        const { ids, length } = clip.encodeWithLength(prepare(text));
        return { ids, attentionMask: ids.map((_, i) => (i < length ? 1 : 0)) };
      },
    };
  }
  const tokenizer = loadHuggingFaceTokenizer(file);
  const specialIds = new Set(tokenizer.get_added_tokens_decoder().keys());
  return {
    contextLength,
    tokenize(text) {
      const encoded = tokenizer.encode(prepare(text)).ids;
      // A long text is cut, but a closing special token (SigLIP's <eos>) stays at the end.
      const last = encoded.at(-1);
      const ids =
        encoded.length > contextLength && last !== undefined && specialIds.has(last)
          ? [...encoded.slice(0, contextLength - 1), last]
          : encoded.slice(0, contextLength);
      const attentionMask = ids.map(() => 1);
      while (ids.length < contextLength) {
        ids.push(padId);
        attentionMask.push(0);
      }
      return { ids, attentionMask };
    },
  };
}

function loadHuggingFaceTokenizer(file: string): Tokenizer {
  const config = join(dirname(file), 'tokenizer_config.json');
  return new Tokenizer(
    JSON.parse(readFileSync(file, 'utf8')) as object,
    existsSync(config) ? (JSON.parse(readFileSync(config, 'utf8')) as object) : {},
  );
}
