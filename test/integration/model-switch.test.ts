import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { Library } from '../../src-main/engine/library.js';
import type { IndexProgress } from '../../src-main/engine/indexer.js';
import { seededRandom } from '../../scripts/seeded-random.js';
import { TOY_MODEL_DIR, tempDir } from '../helpers/env.js';
import { copyToyModel, paintPhotos } from '../helpers/toy-models.js';

/**
 * Issue 8, defect 1: a model chosen while indexing runs must end with every photo searchable
 * with the model finally chosen, however many times the choice changes and whenever it does.
 */

const PHOTOS = 320;
const MODEL_B = { id: 'toy-clip-b', name: 'Toy CLIP B (test model)' };

type Tester = Parameters<typeof tempDir>[0];

async function setUp(t: Tester) {
  const root = tempDir(t, 'shoebox-model-switch-');
  const photos = join(root, 'photos');
  const paths = await paintPhotos(photos, PHOTOS);
  const modelB = copyToyModel(join(root, 'model-b'), MODEL_B.id, MODEL_B.name);
  const library = Library.open({ dataDir: join(root, 'data'), indexer: { batchSize: 16 } });
  t.after(async () => {
    await library.close();
  });
  await library.useModel(TOY_MODEL_DIR);
  library.addFolder(photos);
  return { library, paths, models: { A: TOY_MODEL_DIR, B: modelB } };
}

/**
 * Keeps the library indexing (one `index()` after another) while `switches` choose models at the
 * given moments, then until nothing is pending and no model is being prepared. A moment is a
 * number of photos finished by the indexing so far, counted over every run, so it means the same
 * whether a switch lets the running drain go on or cancels and restarts it.
 */
async function indexWhileSwitching(
  library: Library,
  switches: { afterDone: number; to: string }[],
): Promise<{ switchedAt: number[]; runs: number }> {
  let finished = 0;
  let switching = true;
  let runs = 0;
  let waiting: { count: number; resolve: () => void } | null = null;
  const progressOfRun = () => {
    let last = 0;
    return (progress: IndexProgress) => {
      if (progress.done > last) finished += progress.done - last;
      last = Math.max(last, progress.done);
      if (waiting && finished >= waiting.count) waiting.resolve();
    };
  };
  const settled = () => {
    const status = library.status();
    return status.pending === 0 && status.nextModel === null;
  };
  const runner = (async () => {
    for (;;) {
      runs++;
      try {
        await library.index({ onIndex: progressOfRun() });
      } catch (error) {
        // A run the engine cancels on purpose for the switch may say so; anything else is a bug.
        if (!(error instanceof Error && /cancel|abort/i.test(error.name))) throw error;
      }
      if (!switching && settled()) return;
      if (runs > 50) throw new Error('indexing never settled after the model switches');
      if (switching && settled()) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  const switchedAt: number[] = [];
  try {
    for (const { afterDone, to } of switches) {
      if (finished < afterDone) {
        await Promise.race([
          runner.then(() => {
            throw new Error(`indexing ended after ${finished} photos, before the switch to ${to}`);
          }),
          new Promise<void>((resolve, reject) => {
            waiting = { count: afterDone, resolve };
            timer = setTimeout(
              () => reject(new Error(`only ${finished} photos finished in 30 s, waiting for ${afterDone}`)),
              30_000,
            );
          }),
        ]);
        clearTimeout(timer);
        waiting = null;
      }
      switchedAt.push(finished);
      await library.useModel(to);
    }
  } finally {
    switching = false;
    clearTimeout(timer);
  }
  await runner;
  return { switchedAt, runs };
}

async function assertEverythingSearchableWith(library: Library, model: { id: string }, paths: string[]) {
  const status = library.status();
  assert.equal(status.model?.id, model.id, 'the model finally chosen is the one search uses');
  assert.equal(status.nextModel, null, 'no model is still being prepared');
  assert.equal(status.pending, 0);
  assert.equal(status.failed, 0);
  assert.equal(status.indexed, PHOTOS);
  for (const query of ['red', 'blue']) {
    const hits = await library.search(query, { limit: 1000 });
    const found = new Set(hits.map((hit) => hit.path));
    const missing = paths.filter((path) => !found.has(path));
    assert.equal(
      found.size,
      PHOTOS,
      `search "${query}" with ${model.id} finds ${found.size} of ${PHOTOS} photos ` +
        `(missing e.g. ${missing.slice(0, 3).join(', ')})`,
    );
    assert.equal(new Set(hits.map((hit) => hit.photoId)).size, PHOTOS, 'each photo once');
  }
}

test('switching the model a third of the way through indexing ends with every photo searchable with the new model', async (t) => {
  const { library, paths, models } = await setUp(t);
  const { switchedAt } = await indexWhileSwitching(library, [{ afterDone: Math.round(PHOTOS / 3), to: models.B }]);
  assert.ok(switchedAt[0]! < PHOTOS, `the switch came while indexing (at ${switchedAt[0]} of ${PHOTOS})`);
  await assertEverythingSearchableWith(library, MODEL_B, paths);
});

test('switching A→B→A→B at random moments during indexing ends searchable with the last choice', async (t) => {
  const { library, paths, models } = await setUp(t);
  const random = seededRandom(8);
  const between = (low: number, high: number) => low + Math.floor(random() * (high - low));
  // Moments while the first model still has most of its photos to do, so every switch lands
  // while photos are being encoded, whichever model the running drain encodes for.
  const first = between(30, 100);
  const second = first + between(20, 60);
  const third = second + between(20, 60);
  const { switchedAt } = await indexWhileSwitching(library, [
    { afterDone: first, to: models.B },
    { afterDone: second, to: models.A },
    { afterDone: third, to: models.B },
  ]);
  assert.equal(switchedAt.length, 3);
  await assertEverythingSearchableWith(library, MODEL_B, paths);
});
