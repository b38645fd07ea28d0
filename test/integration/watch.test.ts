import assert from 'node:assert/strict';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Library } from '../../src-main/engine/library.js';
import { TOY_MODEL_DIR, tempDir, waitFor } from '../helpers/env.js';
import { paintPhoto } from '../helpers/photos.js';

test('a watched library follows photos added, renamed and deleted while it runs', async (t) => {
  const root = tempDir(t);
  const photos = join(root, 'photos');
  await paintPhoto(join(photos, 'blue-0.jpg'), 'blue', { seed: 1 });
  await paintPhoto(join(photos, 'green-0.jpg'), 'green', { seed: 2 });
  const library = Library.open({ dataDir: join(root, 'data') });
  t.after(() => library.close());
  await library.useModel(TOY_MODEL_DIR);
  await library.addFolder(photos);
  const updates: { added: number; moved: number; removed: number; encoded: number }[] = [];
  const watcher = await library.watch(
    { onUpdate: ({ scan, index }) => updates.push({ ...scan, encoded: index.encoded }) },
    { stableMs: 200, batchMs: 100 },
  );
  t.after(() => watcher.close());
  const topRed = async () => (await library.search('red', { limit: 1 }))[0]?.path;

  const dropped = join(photos, 'new', 'red-arrived.jpg');
  mkdirSync(join(photos, 'new'));
  await paintPhoto(dropped, 'red', { seed: 3 });
  assert.equal(
    await waitFor('the new photo to be searchable', async () => ((await topRed()) === dropped ? true : undefined)),
    true,
  );

  const requested = library.encoderStats().imagesRequested;
  const renamed = join(photos, 'crimson.jpg');
  renameSync(dropped, renamed);
  const indexedPaths = () => library.status().indexed;
  await waitFor('the rename to be seen', () =>
    library.store.photoByPath(renamed)?.status === 'photo' &&
    library.status().indexed === 3 &&
    !library.store.photoByPath(dropped)
      ? true
      : undefined,
  );
  assert.equal(await topRed(), renamed);
  assert.equal(indexedPaths(), 3);
  assert.equal(library.encoderStats().imagesRequested, requested, 'a rename is not encoded again');

  rmSync(renamed);
  await waitFor('the deleted photo to leave the library', () => (indexedPaths() === 2 ? true : undefined));
  assert.notEqual(await topRed(), renamed);
  assert.ok(updates.length >= 3);
});
