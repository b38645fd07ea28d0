import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalogueSchema, loadCatalogue } from '../../src-main/engine/models/catalogue.js';

test('the shipped catalogue pins every file by revision, size and SHA-256, and recommends one model', () => {
  const catalogue = loadCatalogue();
  assert.ok(catalogue.models.length >= 3);
  assert.equal(catalogue.models.filter((model) => model.recommended).length, 1);
  assert.ok(
    catalogue.models.some((model) => model.languages === 'multilingual'),
    'a multilingual model is offered',
  );
  assert.ok(
    catalogue.models.some((model) => model.id === 'clip-vit-b32-openai'),
    'the reference model is offered',
  );
  for (const model of catalogue.models) {
    assert.equal(model.manifest.test, false, `${model.id} is a real model`);
    for (const file of model.files) {
      assert.match(file.url, /^https:\/\/huggingface\.co\/[^/]+\/[^/]+\/resolve\/[0-9a-f]{40}\//);
    }
  }
});

test('a catalogue entry pinned to a branch instead of a commit is refused', () => {
  const catalogue = structuredClone(loadCatalogue());
  const file = catalogue.models[0]!.files[0]!;
  file.url = file.url.replace(/\/resolve\/[0-9a-f]{40}\//, '/resolve/main/');
  assert.equal(catalogueSchema.safeParse(catalogue).success, false);
});
