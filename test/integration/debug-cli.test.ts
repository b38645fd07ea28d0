import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { needShared, runCli, tempDir } from '../helpers/env.js';

test('debug tokenize prints the reference CLIP ids, padded with zeros to 77', async (t) => {
  const merges = needShared(t, 'clip', 'bpe_simple_vocab_16e6.txt.gz');
  const vectors = needShared(t, 'clip', 'tokenizer-vectors.json');
  if (!merges || !vectors) return;
  const cases = (JSON.parse(readFileSync(vectors, 'utf8')) as { text: string; ids: number[] }[]).slice(0, 4);
  for (const { text, ids } of cases) {
    const result = await runCli(['debug', 'tokenize', '--tokenizer', merges, text, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const printed = (JSON.parse(result.stdout) as { ids: number[] }).ids;
    assert.equal(printed.length, 77);
    assert.deepEqual(printed, [...ids, ...new Array<number>(77 - ids.length).fill(0)]);
  }
});

test('debug preprocess writes the model input that matches the reference tensors', async (t) => {
  const refs = needShared(t, 'clip', 'preprocess-refs');
  if (!refs) return;
  const out = tempDir(t);
  const index = JSON.parse(readFileSync(join(refs, 'index.json'), 'utf8')) as { image: string; tensor: string }[];
  for (const [i, entry] of index.entries()) {
    const file = join(out, `${i}.f32`);
    const result = await runCli(['debug', 'preprocess', join(refs, '..', '..', entry.image), '--out', file]);
    assert.equal(result.code, 0, result.stderr);
    const written = readFileSync(file);
    assert.equal(written.length, 3 * 224 * 224 * 4);
    const reference = readFileSync(join(refs, entry.tensor));
    let sum = 0;
    for (let offset = 0; offset < written.length; offset += 4) {
      sum += Math.abs(written.readFloatLE(offset) - reference.readFloatLE(offset));
    }
    const difference = sum / (written.length / 4);
    assert.ok(difference <= 0.03, `${entry.image}: ${difference.toFixed(4)}`);
  }
});

test('debug commands explain a bad input in one sentence', async (t) => {
  const dir = tempDir(t);
  const missing = await runCli(['debug', 'preprocess', join(dir, 'nope.jpg'), '--out', join(dir, 'x.f32')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^shoebox: .*the file does not exist\.\n$/);
  const badTokenizer = await runCli(['debug', 'tokenize', '--tokenizer', join(dir, 'none.json'), 'hello']);
  assert.equal(badTokenizer.code, 1);
  assert.match(badTokenizer.stderr, /^shoebox: .*cannot be/);
});
