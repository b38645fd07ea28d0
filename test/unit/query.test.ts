import assert from 'node:assert/strict';
import { test } from 'node:test';
import { combineTerms, parseQuery } from '../../src-main/engine/query.js';

test('a plain query is one positive term', () => {
  assert.deepEqual(parseQuery('kids on a beach at sunset'), [
    { sign: 1, weight: 1, text: 'kids on a beach at sunset' },
  ]);
});

test('terms are joined by standalone plus and minus, with optional weights', () => {
  assert.deepEqual(parseQuery('"beach" + "2:sunset" - "people"'), [
    { sign: 1, weight: 1, text: 'beach' },
    { sign: 1, weight: 2, text: 'sunset' },
    { sign: -1, weight: 1, text: 'people' },
  ]);
  assert.deepEqual(parseQuery('red car - 0.5:blue sky'), [
    { sign: 1, weight: 1, text: 'red car' },
    { sign: -1, weight: 0.5, text: 'blue sky' },
  ]);
});

test('hyphens and pluses inside words are not operators', () => {
  assert.deepEqual(parseQuery('t-shirt c++ snow-covered'), [{ sign: 1, weight: 1, text: 't-shirt c++ snow-covered' }]);
});

test('quoted operators are words', () => {
  assert.deepEqual(parseQuery('"salt + pepper" - blue'), [
    { sign: 1, weight: 1, text: 'salt + pepper' },
    { sign: -1, weight: 1, text: 'blue' },
  ]);
});

test('a drive letter is not taken for a weight', () => {
  assert.deepEqual(parseQuery('C:\\photos\\cat.jpg'), [{ sign: 1, weight: 1, text: 'C:\\photos\\cat.jpg' }]);
});

test('queries with nothing to look for are refused with a sentence', () => {
  assert.throws(() => parseQuery('   '), /empty/);
  assert.throws(() => parseQuery('- people'), /at least one term/);
  assert.throws(() => parseQuery('red + - blue'), /two operators/);
});

test('combined query vectors are unit length and lean towards added terms', () => {
  const a = new Float32Array([1, 0, 0]);
  const b = new Float32Array([0, 1, 0]);
  const sum = combineTerms([
    { sign: 1, weight: 1, vector: a },
    { sign: 1, weight: 2, vector: b },
  ]);
  assert.ok(Math.abs(Math.hypot(...sum) - 1) < 1e-6);
  assert.ok(sum[1]! > sum[0]!);
  const difference = combineTerms([
    { sign: 1, weight: 1, vector: a },
    { sign: -1, weight: 1, vector: b },
  ]);
  assert.ok(difference[1]! < 0);
  assert.throws(
    () =>
      combineTerms([
        { sign: 1, weight: 1, vector: a },
        { sign: -1, weight: 1, vector: a },
      ]),
    /cancel/,
  );
});
