import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateToyModel } from '../../scripts/generate-toy-model.js';
import { TOY_COLOURS, TOY_COLOUR_NAMES } from '../../scripts/toy-palette.js';
import { loadModelFolder } from '../../src-main/shared/model-manifest.js';
import { ClipEncoder } from '../../src-main/worker/encoder.js';
import { TOY_MODEL_DIR, tempDir } from '../helpers/env.js';

test('the committed toy model is exactly what the generator writes', (t) => {
  const fresh = tempDir(t);
  generateToyModel(fresh);
  const files = readdirSync(TOY_MODEL_DIR).sort();
  assert.deepEqual(readdirSync(fresh).sort(), files);
  for (const file of files) {
    assert.ok(
      readFileSync(join(fresh, file)).equals(readFileSync(join(TOY_MODEL_DIR, file))),
      `${file} differs: rerun npm run generate:toy-model`,
    );
  }
});

test('the toy model is marked as a test model and stays small', () => {
  const { manifest } = loadModelFolder(TOY_MODEL_DIR);
  assert.equal(manifest.test, true);
  const bytes = readdirSync(TOY_MODEL_DIR).reduce(
    (sum, file) => sum + readFileSync(join(TOY_MODEL_DIR, file)).length,
    0,
  );
  assert.ok(bytes < 2 * 1024 * 1024, `${bytes} bytes`);
});

test('each colour word is closest to the image of its own colour, through real onnxruntime sessions', async () => {
  const model = loadModelFolder(TOY_MODEL_DIR);
  const encoder = new ClipEncoder(model, { threads: 1 });
  const { imageSize: size, mean, std } = model.manifest;
  const images = TOY_COLOUR_NAMES.map((name) => {
    const tensor = new Float32Array(3 * size * size);
    for (let c = 0; c < 3; c++)
      tensor.fill((TOY_COLOURS[name][c]! / 255 - mean[c]!) / std[c]!, c * size * size, (c + 1) * size * size);
    return tensor;
  });
  const imageVectors = await encoder.encodeImages(images);
  const textVectors = await encoder.encodeTexts(TOY_COLOUR_NAMES.map((name) => `a ${name} photo`));
  const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);
  textVectors.forEach((text, i) => {
    const scores = imageVectors.map((image) => dot(text, image));
    const best = scores.indexOf(Math.max(...scores));
    assert.equal(TOY_COLOUR_NAMES[best], TOY_COLOUR_NAMES[i], `best image for "${TOY_COLOUR_NAMES[i]}"`);
    assert.ok(Math.abs(Math.hypot(...text) - 1) < 1e-5);
  });
  const [grey] = await encoder.encodeTexts(['grey']);
  assert.ok(dot(grey!, textVectors[TOY_COLOUR_NAMES.indexOf('gray')]!) > 0.99);
  await encoder.release();
});
