import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadClipTokenizer } from '../../src-main/worker/tokenizer.js';
import { TOY_MODEL_DIR, needShared, tempDir } from '../helpers/env.js';

test('the CLIP tokenizer reproduces every reference vector from the original merges file', (t) => {
  const merges = needShared(t, 'clip', 'bpe_simple_vocab_16e6.txt.gz');
  const vectors = needShared(t, 'clip', 'tokenizer-vectors.json');
  if (!merges || !vectors) return;
  const tokenizer = loadClipTokenizer(merges);
  const cases = JSON.parse(readFileSync(vectors, 'utf8')) as { text: string; ids: number[] }[];
  assert.ok(cases.length > 10);
  for (const { text, ids } of cases) {
    const padded = tokenizer.encodePadded(text);
    assert.equal(padded.length, 77);
    assert.deepEqual(padded.slice(0, ids.length), ids, `ids for ${JSON.stringify(text)}`);
    assert.ok(
      padded.slice(ids.length).every((id) => id === 0),
      `padding after ${JSON.stringify(text)}`,
    );
  }
});

test('a text longer than the context is cut so that the end token survives', (t) => {
  const merges = needShared(t, 'clip', 'bpe_simple_vocab_16e6.txt.gz');
  if (!merges) return;
  const tokenizer = loadClipTokenizer(merges);
  const ids = tokenizer.encodePadded('cat '.repeat(200));
  assert.equal(ids.length, 77);
  assert.equal(ids[0], 49406);
  assert.equal(ids[76], 49407);
});

test('the toy model tokenizer turns each colour word into one token', () => {
  const tokenizer = loadClipTokenizer(join(TOY_MODEL_DIR, 'tokenizer.json'));
  const words = [
    'red',
    'orange',
    'yellow',
    'green',
    'blue',
    'purple',
    'pink',
    'brown',
    'black',
    'white',
    'gray',
    'grey',
  ];
  for (const word of words) assert.equal(tokenizer.encode(word).length, 1, word);
  assert.deepEqual(tokenizer.encode('RED'), tokenizer.encode('red'));
  assert.equal(tokenizer.encode('a red photo').length, 1 + 1 + 5);
});

test('vocab.json with merges.txt gives the same ids as the tokenizer.json they came from', (t) => {
  const dir = tempDir(t);
  const json = JSON.parse(readFileSync(join(TOY_MODEL_DIR, 'tokenizer.json'), 'utf8')) as {
    model: { vocab: Record<string, number>; merges: string[] };
    added_tokens: { id: number; content: string }[];
  };
  const vocab = { ...json.model.vocab, ...Object.fromEntries(json.added_tokens.map((t) => [t.content, t.id])) };
  writeFileSync(join(dir, 'vocab.json'), JSON.stringify(vocab));
  writeFileSync(join(dir, 'merges.txt'), ['#version: 0.2', ...json.model.merges].join('\n') + '\n');
  const fromPair = loadClipTokenizer(join(dir, 'vocab.json'), { merges: join(dir, 'merges.txt') });
  const fromJson = loadClipTokenizer(join(TOY_MODEL_DIR, 'tokenizer.json'));
  for (const text of ['a red photo', 'GREY and orange!', 'purple-pink brown']) {
    assert.deepEqual(fromPair.encodePadded(text), fromJson.encodePadded(text), text);
  }
});
