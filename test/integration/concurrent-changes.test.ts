import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { Library } from '../../src-main/engine/library.js';
import { TOY_MODEL_DIR, runCli, tempDir } from '../helpers/env.js';
import { paintPhotos } from '../helpers/toy-models.js';

/** Resolves on the first progress report with at least `done` photos finished. */
function whenDone(done: number): { onIndex: (p: { done: number }) => void; reached: Promise<void> } {
  let reach!: () => void;
  const reached = new Promise<void>((resolve) => (reach = resolve));
  return { onIndex: (p) => p.done >= done && reach(), reached };
}

test('a folder removed and another added while indexing runs: no error, and the library ends exactly right', async (t) => {
  const root = tempDir(t);
  const kept = await paintPhotos(join(root, 'kept'), 60, { colour: 'blue' });
  await paintPhotos(join(root, 'removed'), 60, { colour: 'red', prefix: 'gone' });
  const late = await paintPhotos(join(root, 'late'), 20, { colour: 'green', prefix: 'late' });
  const library = Library.open({ dataDir: join(root, 'data'), indexer: { batchSize: 4 } });
  t.after(() => library.close());
  await library.useModel(TOY_MODEL_DIR);
  await library.addFolder(join(root, 'kept'));
  await library.addFolder(join(root, 'removed'));
  const progress = whenDone(8);
  const indexing = library.index({ onIndex: progress.onIndex });
  await progress.reached;
  await Promise.all([library.removeFolder(join(root, 'removed')), library.addFolder(join(root, 'late'))]);
  await indexing;
  await library.index();
  const status = library.status();
  assert.deepEqual(
    { indexed: status.indexed, pending: status.pending, failed: status.failed },
    { indexed: kept.length + late.length, pending: 0, failed: 0 },
  );
  assert.deepEqual(library.db.pragma('foreign_key_check'), []);
  const reds = await library.search('red', { limit: 200 });
  assert.ok(
    reds.every((hit) => !hit.path.includes(`${join(root, 'removed')}/`)),
    'no photo of the removed folder is found',
  );
  assert.equal(reds.length, kept.length + late.length);
});

test('close() while indexing runs waits for the batches in flight; reopened, every photo is indexed once', async (t) => {
  const root = tempDir(t);
  const photos = await paintPhotos(join(root, 'photos'), 80);
  const dataDir = join(root, 'data');
  const first = Library.open({ dataDir, indexer: { batchSize: 4 } });
  await first.useModel(TOY_MODEL_DIR);
  await first.addFolder(join(root, 'photos'));
  const progress = whenDone(8);
  const indexing = first.index({ onIndex: progress.onIndex });
  const settled = indexing.then(
    () => 'resolved',
    (error: unknown) => (error as Error).name,
  );
  await progress.reached;
  await first.close();
  assert.ok(['resolved', 'CancelledError'].includes(await settled));

  const second = Library.open({ dataDir });
  t.after(() => second.close());
  const before = second.status().indexed;
  assert.ok(before >= 8 && before < photos.length, `closed mid-run (${before} of ${photos.length})`);
  const { index } = await second.index();
  assert.equal(index.encoded, photos.length - before, 'what was done before the close is not done again');
  assert.equal(second.status().indexed, photos.length);
  assert.equal(second.db.pragma('integrity_check', { simple: true }), 'ok');
});

test('a library whose model being prepared has gone missing still opens, says so, and closes', async (t) => {
  const root = tempDir(t);
  const dataDir = join(root, 'data');
  const setup = Library.open({ dataDir });
  await setup.useModel(TOY_MODEL_DIR);
  setup.store.setSetting('model.next.dir', join(root, 'deleted-model'));
  await setup.close();
  const notices: string[] = [];
  const library = Library.open({ dataDir, onNotice: (message) => notices.push(message) });
  assert.equal(library.activeModel()?.dir, TOY_MODEL_DIR);
  assert.equal(library.pendingModel(), null);
  assert.equal(notices.length, 1);
  assert.match(notices[0]!, /being prepared .*deleted-model.* cannot be loaded/);
  await library.close();
  assert.equal(library.db.open, false, 'the database handle is closed');
});

test('index --retry-failed gives failed photos another chance', async (t) => {
  const root = tempDir(t);
  await paintPhotos(join(root, 'photos'), 6);
  await paintPhotos(join(root, 'photos'), 1, { prefix: 'killer', seed: 99 });
  const data = join(root, 'data');
  const base = ['--data-dir', data, '--model', TOY_MODEL_DIR];
  assert.equal((await runCli([...base, 'add', join(root, 'photos')])).code, 0);
  // The worker crashes on the file whose name holds the marker: twice, and the photo is failed.
  const crashing = await runCli([...base, 'index'], {
    env: { ...process.env, SHOEBOX_FAULT_INJECTION: 'crash:killer' },
  });
  assert.equal(crashing.code, 0, crashing.stderr);
  const failed = JSON.parse((await runCli([...base, 'status', '--json'])).stdout) as { failed: number };
  assert.equal(failed.failed, 1);
  const plain = await runCli([...base, 'index']);
  assert.match(plain.stderr, /0 encoded/, 'an unchanged failed photo is not retried by itself');
  const retried = await runCli([...base, 'index', '--retry-failed']);
  assert.equal(retried.code, 0, retried.stderr);
  assert.match(retried.stderr, /Trying 1 photo that could not be indexed again/);
  const status = JSON.parse((await runCli([...base, 'status', '--json'])).stdout) as {
    failed: number;
    indexed: number;
  };
  assert.deepEqual({ failed: status.failed, indexed: status.indexed }, { failed: 0, indexed: 7 });
});
