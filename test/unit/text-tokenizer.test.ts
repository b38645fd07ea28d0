import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadTextTokenizer } from '../../src-main/worker/text-tokenizer.js';
import { TOY_MODEL_DIR, tempDir } from '../helpers/env.js';

/** A small BERT-style WordPiece tokenizer.json, the kind multilingual text towers ship. */
const WORDPIECE = {
  version: '1.0',
  added_tokens: [
    { id: 0, content: '[PAD]', special: true, single_word: false, lstrip: false, rstrip: false, normalized: false },
    { id: 1, content: '[UNK]', special: true, single_word: false, lstrip: false, rstrip: false, normalized: false },
    { id: 2, content: '[CLS]', special: true, single_word: false, lstrip: false, rstrip: false, normalized: false },
    { id: 3, content: '[SEP]', special: true, single_word: false, lstrip: false, rstrip: false, normalized: false },
  ],
  normalizer: {
    type: 'BertNormalizer',
    clean_text: true,
    handle_chinese_chars: true,
    strip_accents: null,
    lowercase: true,
  },
  pre_tokenizer: { type: 'BertPreTokenizer' },
  decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
  post_processor: {
    type: 'TemplateProcessing',
    single: [
      { SpecialToken: { id: '[CLS]', type_id: 0 } },
      { Sequence: { id: 'A', type_id: 0 } },
      { SpecialToken: { id: '[SEP]', type_id: 0 } },
    ],
    pair: [],
    special_tokens: {
      '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] },
      '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] },
    },
  },
  model: {
    type: 'WordPiece',
    unk_token: '[UNK]',
    continuing_subword_prefix: '##',
    max_input_chars_per_word: 100,
    vocab: { '[PAD]': 0, '[UNK]': 1, '[CLS]': 2, '[SEP]': 3, rote: 4, katze: 5, hund: 6, '##n': 7, '!': 8 },
  },
};

test('a non-CLIP tokenizer.json is read by the tokenizers library, padded, with its attention mask', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(WORDPIECE));
  const tokenizer = loadTextTokenizer(dir, {
    kind: 'huggingface',
    file: 'tokenizer.json',
    contextLength: 8,
    padId: 0,
    lowercase: false,
  });
  assert.deepEqual(tokenizer.tokenize('Rote Katzen!'), {
    ids: [2, 4, 5, 7, 8, 3, 0, 0],
    attentionMask: [1, 1, 1, 1, 1, 1, 0, 0],
  });
  const long = tokenizer.tokenize('hund hund hund hund hund hund hund hund hund');
  assert.deepEqual(long.ids, [2, 6, 6, 6, 6, 6, 6, 3], 'a long text is cut and keeps its closing token');
});

test('the CLIP tokenizer marks start, words and end as real tokens and the padding as not', () => {
  const tokenizer = loadTextTokenizer(TOY_MODEL_DIR, {
    kind: 'clip-bpe',
    file: 'tokenizer.json',
    contextLength: 77,
    padId: 0,
    lowercase: false,
  });
  const { ids, attentionMask } = tokenizer.tokenize('red');
  assert.equal(ids.length, 77);
  assert.deepEqual(attentionMask.slice(0, 4), [1, 1, 1, 0]);
  assert.equal(attentionMask.filter(Boolean).length, 3);
});
