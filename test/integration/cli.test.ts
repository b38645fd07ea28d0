import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import sharp from 'sharp';
import { TOY_MODEL_DIR, runCli, sharedPath, startCli, tempDir, waitFor } from '../helpers/env.js';
import { paintPhoto } from '../helpers/photos.js';

const model = ['--model', TOY_MODEL_DIR];

function assertOneSentenceError(result: { code: number | null; stderr: string }, pattern: RegExp): void {
  assert.notEqual(result.code, 0);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${result.stderr}`);
  assert.match(lines[0]!, /^shoebox: /);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
}

test('add, index and search from the command line return the red photos first', async (t) => {
  const root = tempDir(t);
  const data = join(root, 'data');
  const library = join(root, 'L');
  const reds = [];
  for (let i = 0; i < 3; i++) reds.push(await paintPhoto(join(library, `scarlet-${i}.jpg`), 'red', { seed: i + 1 }));
  for (const [i, colour] of (['blue', 'green', 'yellow', 'white', 'orange'] as const).entries()) {
    await paintPhoto(join(library, `${colour}.jpg`), colour, { seed: 10 + i });
  }
  const realPhoto = sharedPath('corpus', 'exif-samples', 'jpg', 'gps', 'DSCN0010.jpg');
  if (realPhoto) writeFileSync(join(library, 'real.jpg'), readFileSync(realPhoto));

  const base = ['--data-dir', data, ...model];
  assert.equal((await runCli([...base, 'add', library])).code, 0);
  const indexed = await runCli([...base, 'index']);
  assert.equal(indexed.code, 0, indexed.stderr);
  assert.match(indexed.stderr, /Indexed \d+ photos/);

  const search = await runCli([...base, 'search', 'red', '--json']);
  assert.equal(search.code, 0, search.stderr);
  const hits = JSON.parse(search.stdout) as { path: string; score: number }[];
  assert.deepEqual(new Set(hits.slice(0, 3).map((h) => h.path)), new Set(reds));
  assert.ok(hits[0]!.score > hits[3]!.score);

  const similar = await runCli([...base, 'similar', reds[0]!, '--json', '--limit', '2']);
  assert.deepEqual(
    new Set((JSON.parse(similar.stdout) as { path: string }[]).map((h) => h.path)),
    new Set(reds.slice(1)),
  );

  const status = JSON.parse((await runCli(['--data-dir', data, 'status', '--json'])).stdout) as Record<string, unknown>;
  assert.equal(status.model, 'toy-clip', 'the model chosen once is remembered');
  assert.equal(status.pending, 0);
  assert.equal(status.indexed, realPhoto ? 9 : 8);
  for (const key of ['photos', 'indexed', 'pending', 'failed', 'skipped', 'failures']) assert.ok(key in status, key);
});

test('a folder of broken files indexes with exit 0 and lists each failure with its reason', async (t) => {
  const root = tempDir(t);
  const broken = join(root, 'broken');
  mkdirSync(broken);
  writeFileSync(join(broken, 'empty.jpg'), '');
  writeFileSync(join(broken, 'letter.jpg'), 'Dear Sir,\nthis is text.\n');
  const corrupted = sharedPath('corpus', 'exif-samples', 'jpg', 'corrupted.jpg');
  if (corrupted) writeFileSync(join(broken, 'corrupted.jpg'), readFileSync(corrupted));
  const base = ['--data-dir', join(root, 'data'), ...model];
  await runCli([...base, 'add', broken]);
  const index = await runCli([...base, 'index']);
  assert.equal(index.code, 0, index.stderr);
  const status = JSON.parse((await runCli([...base, 'status', '--json'])).stdout) as {
    failed: number;
    failures: { path: string; reason: string }[];
  };
  const expected = corrupted ? ['corrupted.jpg', 'empty.jpg', 'letter.jpg'] : ['empty.jpg', 'letter.jpg'];
  assert.deepEqual(status.failures.map((f) => basename(f.path)).sort(), expected);
  assert.equal(status.failed, expected.length);
  for (const failure of status.failures) assert.ok(failure.reason.length > 5);
});

test('mistakes get one clear sentence and a non-zero exit, never a stack trace', async (t) => {
  const root = tempDir(t);
  const data = join(root, 'data');
  assertOneSentenceError(await runCli(['--data-dir', data, 'add', join(root, 'nowhere')]), /No folder at/);
  assertOneSentenceError(await runCli(['--data-dir', data, 'search', 'red']), /No model is selected/);
  assertOneSentenceError(await runCli(['--data-dir', data, '--model', join(root, 'no-model'), 'status']), /No model/);
  assertOneSentenceError(await runCli(['--data-dir', data, 'remove', root]), /not a library folder/);
  const badData = join(root, 'bad');
  mkdirSync(badData);
  writeFileSync(join(badData, 'library.db'), 'garbage '.repeat(1000));
  // A damaged database is not a dead end: it is moved aside (kept) and a new library is started.
  const damaged = await runCli(['--data-dir', badData, 'status']);
  assert.equal(damaged.code, 0, damaged.stderr);
  assert.match(damaged.stderr, /^shoebox: The library database was damaged.* moved to .*library\.damaged-/);
  assert.doesNotMatch(damaged.stderr, /\n\s+at /, 'no stack trace');
  const badLimit = await runCli(['--data-dir', data, 'search', 'red', '--limit', 'lots']);
  assert.notEqual(badLimit.code, 0);
  assert.doesNotMatch(badLimit.stderr, /\n\s+at /);
});

/** Distinct large JPEGs, cheap to make: one noisy photo plus a unique tail after its end marker. */
async function largePhotos(dir: string, count: number): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const image = await sharp({
    create: {
      width: 2400,
      height: 1800,
      channels: 3,
      background: '#000000',
      noise: { type: 'gaussian', mean: 120, sigma: 50 },
    },
  })
    .jpeg({ quality: 90 })
    .toBuffer();
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const path = join(dir, `IMG_${String(i).padStart(4, '0')}.jpg`);
    writeFileSync(path, Buffer.concat([image, Buffer.from(`shoebox-test-${i}`)]));
    paths.push(path);
  }
  return paths;
}

test('killing the indexer mid-run loses and duplicates nothing: the rerun indexes each photo once', async (t) => {
  const root = tempDir(t);
  const data = join(root, 'data');
  const photos = await largePhotos(join(root, 'photos'), 120);
  const base = ['--data-dir', data, ...model];
  await runCli([...base, 'add', join(root, 'photos')]);
  const database = join(data, 'library.db');

  const child = startCli([...base, 'index']);
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const indexedSoFar = () => {
    const db = new BetterSqlite3(database, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM embeddings').get() as { n: number }).n;
    } finally {
      db.close();
    }
  };
  const atKill = await waitFor(
    'indexing to be under way',
    () => {
      const n = indexedSoFar();
      return n > 0 ? n : undefined;
    },
    60_000,
  );
  child.kill('SIGKILL');
  await exited;
  assert.ok(atKill < photos.length, `killed mid-run (${atKill} of ${photos.length} indexed)`);

  const rerun = await runCli([...base, 'index']);
  assert.equal(rerun.code, 0, rerun.stderr);
  const db = new BetterSqlite3(database, { readonly: true });
  t.after(() => db.close());
  db.loadExtension((await import('sqlite-vec')).getLoadablePath());
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  const counts = db.prepare('SELECT status, count(*) AS n FROM photos GROUP BY status').all();
  assert.deepEqual(counts, [{ status: 'photo', n: photos.length }]);
  const { table } = db.prepare('SELECT index_table AS "table" FROM models').get() as { table: string };
  assert.deepEqual(db.prepare(`SELECT count(*) AS n, count(DISTINCT rowid) AS distinctRows FROM ${table}`).get(), {
    n: photos.length,
    distinctRows: photos.length,
  });
  assert.deepEqual(db.prepare('SELECT count(*) AS n FROM embeddings').get(), { n: photos.length });
  assert.deepEqual(
    db
      .prepare(
        'SELECT count(*) AS n FROM photos p WHERE NOT EXISTS (SELECT 1 FROM contents c WHERE c.fingerprint = p.fingerprint)',
      )
      .get(),
    { n: 0 },
  );
});

test('photos added to a folder while "index --watch" runs become searchable', async (t) => {
  const root = tempDir(t);
  const data = join(root, 'data');
  const folder = join(root, 'photos');
  await paintPhoto(join(folder, 'blue.jpg'), 'blue', { seed: 1 });
  const base = ['--data-dir', data, ...model];
  await runCli([...base, 'add', folder]);
  const watcher = startCli([...base, 'index', '--watch']);
  let stderr = '';
  watcher.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => watcher.on('exit', resolve));
  t.after(() => watcher.kill('SIGKILL'));
  await waitFor('the watcher to start', () => (stderr.includes('Watching') ? true : undefined), 60_000);

  const arrived = await paintPhoto(join(folder, 'holiday', 'red-sunset.jpg'), 'red', { seed: 2 });
  let lastSearch = '';
  await waitFor(
    'the new photo to be found',
    async () => {
      const result = await runCli(['--data-dir', data, 'search', 'red', '--json', '--limit', '1']);
      lastSearch = result.stdout + result.stderr;
      const [best] = JSON.parse(result.stdout || '[]') as { path: string }[];
      return best?.path === arrived ? true : undefined;
    },
    60_000,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}\nwatcher said:\n${stderr}\nlast search said:\n${lastSearch}`);
  });

  watcher.kill('SIGINT');
  assert.equal(await exited, 0, 'Ctrl+C stops watching cleanly');
});
