import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { Library } from '../../src-main/engine/library.js';
import { TOY_MODEL_DIR, runCli, tempDir, type CliResult } from '../helpers/env.js';
import { freeBytes, mountTmpfs } from '../helpers/tmpfs.js';
import { paintPhotos } from '../helpers/toy-models.js';

/**
 * Issue 8, defect 4: a store or disk fault while indexing is not a photo's failure. Indexing
 * pauses with one sentence, no photo is marked failed, nothing is left as an unhandled
 * rejection, and once there is room again the next run finishes the job.
 */

/** Unhandled rejections while `work` runs, and a moment after, for stray ones. */
async function unhandledRejectionsDuring<T>(work: () => Promise<T>): Promise<{ result: T; unhandled: unknown[] }> {
  const unhandled: unknown[] = [];
  const listener = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', listener);
  try {
    const result = await work();
    await new Promise((resolve) => setTimeout(resolve, 200));
    return { result, unhandled };
  } finally {
    process.removeListener('unhandledRejection', listener);
  }
}

test(
  'a full database inside a batch pauses indexing without failing a photo, and the next run finishes',
  { timeout: 60_000 },
  async (t) => {
    const root = tempDir(t, 'shoebox-store-full-');
    const photos = join(root, 'photos');
    await paintPhotos(photos, 48, { prefix: 'first' });
    const library = Library.open({ dataDir: join(root, 'data'), indexer: { batchSize: 8 } });
    t.after(async () => {
      await library.close();
    });
    await library.useModel(TOY_MODEL_DIR);
    library.addFolder(photos);
    await library.index();
    assert.equal(library.status().indexed, 48);

    // More photos; once the first batch of them is stored, the database may not grow another page.
    await paintPhotos(photos, 72, { prefix: 'second', seed: 1000 });
    let fullAt: number | null = null;
    const fillUp = () => {
      if (fullAt !== null) return;
      fullAt = library.db.pragma('page_count', { simple: true }) as number;
      library.db.pragma(`max_page_count = ${fullAt}`);
    };
    const { result: outcome, unhandled } = await unhandledRejectionsDuring(() =>
      library.index({ onIndex: (progress) => (progress.done > 0 ? fillUp() : undefined) }).then(
        (summary) => ({ summary, error: null }),
        (error: unknown) => ({ summary: null, error }),
      ),
    );
    assert.notEqual(fullAt, null, 'the database was made full while indexing');
    const status = library.status();
    const failed = library.fileReasons().failures.map((f) => `${f.path}: ${f.reason}`);
    assert.deepEqual(unhandled.map(String), [], 'no unhandled rejection');
    assert.equal(status.failed, 0, `no photo is marked failed for a full database:\n${failed.slice(0, 3).join('\n')}`);
    assert.ok(
      outcome.error !== null,
      `indexing a full database stops with an error (it resolved: ${JSON.stringify(outcome.summary?.index)})`,
    );
    const error = outcome.error as Error;
    assert.equal(error.name, 'IndexingPausedError', `${error.name}: ${error.message}`);
    assert.match(error.message, /^[^\n]+\.$/, 'one sentence');
    assert.ok(status.pending > 0, 'the photos not stored are still pending');

    library.db.pragma('max_page_count = 2147483646');
    await library.index();
    const after = library.status();
    assert.deepEqual(
      { indexed: after.indexed, pending: after.pending, failed: after.failed },
      { indexed: 120, pending: 0, failed: 0 },
    );
    assert.equal(library.db.pragma('integrity_check', { simple: true }), 'ok');
    assert.equal((await library.search('red', { limit: 1000 })).length, 120);
  },
);

/**
 * One sentence, said last, for a fault the person can act on: no stack trace, not "unexpected".
 * Progress lines and notices (such as "the model runs on the CPU") may come before it.
 */
function assertOneSentenceError(result: CliResult): void {
  assert.notEqual(result.code, 0, `a non-zero exit; stderr:\n${result.stderr}`);
  assert.doesNotMatch(result.stderr, /^\s+at /m, `no stack trace:\n${result.stderr}`);
  assert.doesNotMatch(result.stderr, /unexpected error/, `a fault the person can act on, not a bug:\n${result.stderr}`);
  const last = result.stderr.trim().split('\n').at(-1) ?? '';
  assert.match(last, /^shoebox: [^\n]+\.$/, `the run ends with one "shoebox: " sentence:\n${result.stderr}`);
}

interface StatusJson {
  indexed: number;
  pending: number;
  failed: number;
  failures: { path: string; reason: string }[];
}

test(
  'indexing into a data folder on a nearly full disk says so in one sentence, and finishes once there is room',
  { timeout: 120_000 },
  async (t) => {
    const disk = mountTmpfs(t, 24 * 1024 * 1024);
    if (!disk) return;
    const root = tempDir(t, 'shoebox-full-disk-');
    const photos = join(root, 'photos');
    const count = 100;
    await paintPhotos(photos, count, { width: 320, height: 240 });
    const base = ['--data-dir', disk, '--model', TOY_MODEL_DIR];
    const add = await runCli([...base, 'add', photos]);
    assert.equal(add.code, 0, add.stderr);

    // Room for the scan's rows, not for a hundred thumbnails and embeddings.
    const filler = join(disk, 'filler.bin');
    writeFileSync(filler, Buffer.alloc(Math.max(0, freeBytes(disk) - 384 * 1024)));
    const index = await runCli([...base, 'index']);
    assertOneSentenceError(index);

    let status = await runCli(['--data-dir', disk, 'status', '--json']);
    if (status.code !== 0) {
      // Status itself could not run on the full disk: make room, then ask what the run left.
      rmSync(filler, { force: true });
      status = await runCli(['--data-dir', disk, 'status', '--json']);
    }
    assert.equal(status.code, 0, status.stderr);
    const paused = JSON.parse(status.stdout) as StatusJson;
    assert.equal(
      paused.failed,
      0,
      `no photo is marked failed for a full disk:\n${paused.failures
        .slice(0, 3)
        .map((f) => `${f.path}: ${f.reason}`)
        .join('\n')}`,
    );
    assert.ok(paused.pending > 0, 'the photos not stored are still pending');

    rmSync(filler, { force: true });
    const rerun = await runCli([...base, 'index']);
    assert.equal(rerun.code, 0, rerun.stderr);
    const done = JSON.parse((await runCli(['--data-dir', disk, 'status', '--json'])).stdout) as StatusJson;
    assert.deepEqual(
      { indexed: done.indexed, pending: done.pending, failed: done.failed },
      { indexed: count, pending: 0, failed: 0 },
    );
    const db = new BetterSqlite3(join(disk, 'library.db'), { readonly: true, fileMustExist: true });
    try {
      db.loadExtension((await import('sqlite-vec')).getLoadablePath());
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      db.close();
    }
  },
);
