import assert from 'node:assert/strict';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { Library } from '../../src-main/engine/library.js';
import { TOY_MODEL_DIR, tempDir } from '../helpers/env.js';
import { paintPhoto } from '../helpers/photos.js';

/**
 * The worker reads SHOEBOX_FAULT_INJECTION when it decodes: a file whose name holds the marker
 * kills it (abort) or hangs it. The supervision under test is the real one.
 */
async function libraryWithFault(t: Parameters<typeof tempDir>[0], fault: string, culprit: string) {
  const root = tempDir(t);
  const photos = join(root, 'photos');
  const good: string[] = [];
  for (let i = 0; i < 9; i++)
    good.push(await paintPhoto(join(photos, `good-${i}.jpg`), i % 2 ? 'red' : 'blue', { seed: i + 1 }));
  const bad = await paintPhoto(join(photos, `${culprit}.jpg`), 'red', { seed: 42 });
  const previous = process.env.SHOEBOX_FAULT_INJECTION;
  process.env.SHOEBOX_FAULT_INJECTION = `${fault}:${culprit}`;
  t.after(() => {
    if (previous === undefined) delete process.env.SHOEBOX_FAULT_INJECTION;
    else process.env.SHOEBOX_FAULT_INJECTION = previous;
  });
  const library = Library.open({
    dataDir: join(root, 'data'),
    indexer: { batchSize: 4 },
    workerTimeouts: { baseTimeoutMs: 2500, perPhotoTimeoutMs: 400 },
  });
  t.after(() => library.close());
  await library.useModel(TOY_MODEL_DIR);
  await library.addFolder(photos);
  return { library, good, bad };
}

test('a photo that crashes the worker twice is recorded as failed and every other photo indexes', async (t) => {
  const { library, good, bad } = await libraryWithFault(t, 'crash', 'killer');
  const { index } = await library.index();
  const status = library.status();
  const { failures } = library.fileReasons();
  assert.equal(status.indexed, good.length);
  assert.equal(status.pending, 0);
  assert.deepEqual(
    failures.map((f) => basename(f.path)),
    [basename(bad)],
  );
  assert.match(failures[0]!.reason, /crashed the worker 2 times/);
  assert.equal(index.failed, 1);
  assert.ok(library.encoderStats().workerStarts >= 3, 'the worker was restarted after each crash');
  const reds = await library.search('red', { limit: 4 });
  assert.equal(reds.length, 4);
});

test('a photo that hangs the worker is given up after its time-out, and indexing goes on', async (t) => {
  const { library, good, bad } = await libraryWithFault(t, 'hang', 'sleeper');
  await library.index();
  const status = library.status();
  const { failures } = library.fileReasons();
  assert.equal(status.indexed, good.length);
  assert.deepEqual(
    failures.map((f) => basename(f.path)),
    [basename(bad)],
  );
  assert.match(failures[0]!.reason, /did not answer within/);
});
