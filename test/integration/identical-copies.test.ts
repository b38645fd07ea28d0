import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { Library } from '../../src-main/engine/library.js';
import { TOY_MODEL_DIR, tempDir } from '../helpers/env.js';
import { paintPhoto } from '../helpers/photos.js';

/**
 * Issue 8, defect 3: identical copies of one photo in one batch share a fingerprint, so they
 * share a thumbnail; their thumbnail writes must not race on one temporary file.
 */

const COPIES = 12;
const RUNS = 3;

test(`a photo and ${COPIES} identical copies in one batch all index, ${RUNS} runs in a row`, async (t) => {
  const root = tempDir(t, 'shoebox-copies-');
  const photos = join(root, 'photos');
  // Large enough that a thumbnail takes a moment to write, as a real photo's does; every copy is
  // decoded at once, as on a machine with many cores.
  const original = await paintPhoto(join(photos, 'original.jpg'), 'green', { seed: 3, width: 1600, height: 1200 });
  for (let i = 1; i <= COPIES; i++) copyFileSync(original, join(photos, `copy-${String(i).padStart(2, '0')}.jpg`));

  const outcomes: string[] = [];
  for (let run = 1; run <= RUNS; run++) {
    const library = Library.open({
      dataDir: join(root, `data-${run}`),
      indexer: { batchSize: 16 },
      decodeConcurrency: COPIES + 1,
    });
    try {
      await library.useModel(TOY_MODEL_DIR);
      library.addFolder(photos);
      await library.index();
      const status = library.status();
      const { failures } = library.fileReasons();
      const first = failures[0];
      outcomes.push(
        `run ${run}: ${status.indexed} indexed, ${status.failed} failed` +
          (first ? ` (${basename(first.path)}: ${first.reason})` : ''),
      );
      const hits = await library.search('green', { limit: 100 });
      assert.deepEqual(
        { indexed: status.indexed, failed: status.failed, pending: status.pending, found: hits.length },
        { indexed: COPIES + 1, failed: 0, pending: 0, found: COPIES + 1 },
        outcomes.join('\n'),
      );
    } finally {
      await library.close();
    }
  }
  t.diagnostic(outcomes.join('\n'));
});
