import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { TOY_MODEL_DIR, runCli, tempDir } from '../helpers/env.js';
import { paintPhoto } from '../helpers/photos.js';

test('shoebox ignore asks for --yes before hiding most of the library, and a lone negation hides nothing', async (t) => {
  const root = tempDir(t);
  const photos = join(root, 'photos');
  const keep = await paintPhoto(join(photos, 'keep.png'), 'red', { format: 'png' });
  for (const [i, colour] of (['blue', 'green', 'yellow'] as const).entries()) {
    await paintPhoto(join(photos, 'raw', `${colour}.jpg`), colour, { seed: i + 2 });
  }
  const base = ['--data-dir', join(root, 'data'), '--model', TOY_MODEL_DIR];
  const cli = async (...args: string[]) => {
    const result = await runCli([...base, ...args]);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    return result;
  };
  const searchable = async () => {
    const search = await cli('search', 'red', '--json', '--limit', '100');
    assert.equal(search.code, 0, search.stderr);
    return (JSON.parse(search.stdout) as { path: string }[]).map((hit) => hit.path).sort();
  };
  assert.equal((await cli('add', photos)).code, 0);
  assert.equal((await cli('index')).code, 0);
  assert.equal((await searchable()).length, 4);

  // The reported defect: this used to hide every photo but keep.png, and the index then deleted them.
  const negation = await cli('ignore', 'add', '!keep.png');
  assert.equal(negation.code, 0, negation.stderr);
  assert.equal((await cli('index')).code, 0);
  assert.equal((await searchable()).length, 4);
  assert.equal((await cli('ignore', 'remove', '!keep.png')).code, 0);

  const refused = await cli('ignore', 'add', 'raw/');
  assert.notEqual(refused.code, 0);
  assert.equal(refused.stderr, 'shoebox: This would hide 3 of 4 photos; run again with --yes to do it.\n');
  assert.equal(
    (await cli('ignore', 'list')).stdout,
    'No ignore patterns (hidden and system folders are always skipped).\n',
  );

  const confirmed = await cli('ignore', 'add', 'raw/', '--yes');
  assert.equal(confirmed.code, 0, confirmed.stderr);
  assert.equal((await cli('ignore', 'list')).stdout, 'raw/\n');
  assert.equal((await cli('index')).code, 0);
  assert.deepEqual(await searchable(), [keep]);

  // Removing a pattern can hide more too: here, the negation that took raw/ back.
  assert.equal((await cli('ignore', 'add', '!raw/')).code, 0);
  assert.equal((await cli('index')).code, 0);
  assert.equal((await searchable()).length, 4);
  const removal = await cli('ignore', 'remove', '!raw/');
  assert.notEqual(removal.code, 0);
  assert.equal(removal.stderr, 'shoebox: This would hide 3 of 4 photos; run again with --yes to do it.\n');
  assert.equal((await cli('ignore', 'list')).stdout, 'raw/\n!raw/\n');
});
