import assert from 'node:assert/strict';
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { MIGRATIONS, applyMigrations } from '../../src-main/engine/store/migrations.js';
import { openDatabase } from '../../src-main/engine/store/database.js';
import { tempDir } from '../helpers/env.js';

const LATEST = MIGRATIONS.at(-1)!.version;

/**
 * What each status of the first schema became. Migration 3 folded 'pending' and 'indexed' into
 * 'photo': whether a photo is indexed is now whether its content has that model's embedding.
 */
const STATUS_AFTER_MIGRATION: Record<string, string> = {
  indexed: 'photo',
  pending: 'photo',
  failed: 'failed',
  skipped: 'skipped',
};

const vector = (...values: number[]): Buffer => Buffer.from(new Float32Array(values).buffer);

const FOLDERS = [
  { id: 1, path: '/photos/holidays', added_at: 1_700_000_000_000 },
  { id: 2, path: '/photos/family', added_at: 1_700_000_100_000 },
];
const CONTENTS = [
  {
    id: 1,
    fingerprint: 'fp-beach',
    width: 4000,
    height: 3000,
    taken_at: 1_690_000_000_000,
    camera_make: 'Canon',
    camera_model: 'EOS R6',
    latitude: 43.7,
    longitude: 7.26,
    has_thumbnail: 1,
  },
  {
    id: 2,
    fingerprint: 'fp-dog',
    width: null,
    height: null,
    taken_at: null,
    camera_make: null,
    camera_model: null,
    latitude: null,
    longitude: null,
    has_thumbnail: 0,
  },
];
const PHOTOS = [
  {
    id: 1,
    folder_id: 1,
    path: '/photos/holidays/beach.jpg',
    size: 1234,
    mtime_ms: 1_690_000_000_500,
    fingerprint: 'fp-beach',
    status: 'indexed',
    reason: null,
    crashes: 0,
    updated_at: 1_700_000_200_000,
  },
  {
    id: 2,
    folder_id: 2,
    path: '/photos/family/dog.png',
    size: 777,
    mtime_ms: 1_690_000_001_000,
    fingerprint: 'fp-dog',
    status: 'pending',
    reason: null,
    crashes: 0,
    updated_at: 1_700_000_200_001,
  },
  {
    id: 3,
    folder_id: 2,
    path: '/photos/family/broken.jpg',
    size: 12,
    mtime_ms: 1_690_000_002_000,
    fingerprint: null,
    status: 'failed',
    reason: 'cannot decode: truncated JPEG',
    crashes: 1,
    updated_at: 1_700_000_200_002,
  },
  {
    id: 4,
    folder_id: 1,
    path: '/photos/holidays/tiny.gif',
    size: 40,
    mtime_ms: 1_690_000_003_000,
    fingerprint: null,
    status: 'skipped',
    reason: 'too small',
    crashes: 0,
    updated_at: 1_700_000_200_003,
  },
];
const MODELS = [{ id: 'toy-clip', dimensions: 4, index_table: 'photo_vectors_1' }];
const EMBEDDINGS = [{ content_id: 1, model_id: 'toy-clip', vector: vector(0.1, 0.2, 0.3, 0.4) }];
const SETTINGS = [
  { key: 'library.ignore', value: '["*.tmp"]' },
  { key: 'model.dir', value: '/models/toy-clip' },
];
const TEXT_EMBEDDINGS = [
  { model_id: 'toy-clip', text: 'a dog on a beach', vector: vector(0.4, 0.3, 0.2, 0.1), used_at: 1_700_000_300_000 },
];

function insertAll(db: Database, table: string, rows: readonly Record<string, unknown>[]): void {
  for (const row of rows) {
    const columns = Object.keys(row);
    db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`).run(
      ...Object.values(row),
    );
  }
}

function all(db: Database, sql: string): unknown[] {
  return db.prepare(sql).all();
}

/** A library as the first release of Shoebox left it: schema version 1, WAL, data in every table. */
function createVersion1Library(file: string): void {
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.loadExtension(sqliteVec.getLoadablePath());
  applyMigrations(db, MIGRATIONS.slice(0, 1));
  insertAll(db, 'folders', FOLDERS);
  insertAll(db, 'contents', CONTENTS);
  insertAll(db, 'photos', PHOTOS);
  insertAll(db, 'models', MODELS);
  insertAll(db, 'embeddings', EMBEDDINGS);
  insertAll(db, 'settings', SETTINGS);
  insertAll(db, 'text_embeddings', TEXT_EMBEDDINGS);
  // The model's search index, as vector-index.ts makes it: a vec0 table that must come through too.
  db.exec(
    'CREATE VIRTUAL TABLE photo_vectors_1 USING vec0(embedding float[4] distance_metric=cosine, folder_id integer, taken_at integer)',
  );
  db.prepare('INSERT INTO photo_vectors_1 (rowid, embedding, folder_id, taken_at) VALUES (?, ?, ?, ?)').run(
    1n,
    EMBEDDINGS[0]!.vector,
    1n,
    BigInt(CONTENTS[0]!.taken_at!),
  );
  db.close();
}

const V1_PHOTO_COLUMNS = 'id, folder_id, path, size, mtime_ms, fingerprint, status, reason, crashes, updated_at';
const V1_CONTENT_COLUMNS =
  'id, fingerprint, width, height, taken_at, camera_make, camera_model, latitude, longitude, has_thumbnail';

test('a library made by the first schema version is migrated with every row intact, after a copy is kept', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'library.db');
  createVersion1Library(file);

  const notices: string[] = [];
  const db = openDatabase(file, { onNotice: (message) => notices.push(message) });
  t.after(() => db.close());

  assert.deepEqual(notices, [], 'a healthy library is not reported as damaged');
  assert.equal(db.pragma('user_version', { simple: true }), LATEST);
  assert.deepEqual(all(db, 'SELECT id, path, added_at FROM folders ORDER BY id'), FOLDERS);
  assert.deepEqual(all(db, `SELECT ${V1_CONTENT_COLUMNS} FROM contents ORDER BY id`), CONTENTS);
  assert.deepEqual(
    all(db, `SELECT ${V1_PHOTO_COLUMNS} FROM photos ORDER BY id`),
    PHOTOS.map((photo) => ({ ...photo, status: STATUS_AFTER_MIGRATION[photo.status] })),
  );
  assert.deepEqual(all(db, 'SELECT id, dimensions, index_table FROM models'), MODELS);
  assert.deepEqual(all(db, 'SELECT content_id, model_id, vector FROM embeddings'), EMBEDDINGS);
  assert.deepEqual(all(db, 'SELECT key, value FROM settings ORDER BY key'), SETTINGS);
  assert.deepEqual(all(db, 'SELECT model_id, text, vector, used_at FROM text_embeddings'), TEXT_EMBEDDINGS);
  assert.deepEqual(db.prepare('SELECT rowid AS id, embedding FROM photo_vectors_1').all(), [
    { id: 1, embedding: EMBEDDINGS[0]!.vector },
  ]);
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  assert.deepEqual(db.pragma('foreign_key_check'), []);

  // The copy is the library exactly as it was before the upgrade: version 1, the old statuses.
  const copy = new BetterSqlite3(join(dir, 'library.backup-v1.db'), { readonly: true, fileMustExist: true });
  t.after(() => copy.close());
  assert.equal(copy.pragma('user_version', { simple: true }), 1);
  assert.equal(copy.pragma('integrity_check', { simple: true }), 'ok');
  assert.deepEqual(all(copy, `SELECT ${V1_PHOTO_COLUMNS} FROM photos ORDER BY id`), PHOTOS);
  assert.deepEqual(all(copy, 'SELECT id, path, added_at FROM folders ORDER BY id'), FOLDERS);
  assert.deepEqual(all(copy, 'SELECT content_id, model_id, vector FROM embeddings'), EMBEDDINGS);
  assert.deepEqual(all(copy, 'SELECT key, value FROM settings ORDER BY key'), SETTINGS);
});

test('a library whose copy cannot be written is not upgraded', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'library.db');
  createVersion1Library(file);
  // A folder where the copy must go: the copy cannot take its name, as on a full or read-only disk.
  mkdirSync(join(dir, 'library.backup-v1.db', 'in-the-way'), { recursive: true });

  assert.throws(() => openDatabase(file), /was not upgraded, because a copy of it could not be written/);
  assert.deepEqual(readdirSync(dir).sort(), ['library.backup-v1.db', 'library.db'], 'no partial copy is left');
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  t.after(() => db.close());
  assert.equal(db.pragma('user_version', { simple: true }), 1);
});

test('one copy is kept per version upgraded from, and none for a new or an up-to-date library', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'library.db');
  openDatabase(join(dir, 'fresh', 'library.db')).close();
  assert.deepEqual(readdirSync(join(dir, 'fresh')), ['library.db']);

  createVersion1Library(file);
  // Left by an earlier upgrade that did not finish: replaced, not piled up beside.
  writeFileSync(join(dir, 'library.backup-v1.db'), 'an older copy');
  openDatabase(file).close();
  openDatabase(file).close();
  assert.deepEqual(readdirSync(dir).sort(), ['fresh', 'library.backup-v1.db', 'library.db']);
  const copy = new BetterSqlite3(join(dir, 'library.backup-v1.db'), { readonly: true, fileMustExist: true });
  t.after(() => copy.close());
  assert.equal(copy.pragma('user_version', { simple: true }), 1);
  assert.deepEqual(all(copy, 'SELECT id, path, added_at FROM folders ORDER BY id'), FOLDERS);
});

const ALBUMS = [
  {
    id: 1,
    name: 'Beaches',
    prompts: '["a beach"]',
    negatives: '[]',
    sensitivity: 0.5,
    starter: null,
    created_at: 1_700_000_400_000,
  },
  {
    id: 2,
    name: 'Dogs',
    prompts: '["a dog"]',
    negatives: '["a cat"]',
    sensitivity: 0,
    starter: 'dogs',
    created_at: 1_700_000_400_001,
  },
];
const ALBUM_OVERRIDES = [
  { album_id: 1, fingerprint: 'fp-beach', include: 1 },
  { album_id: 2, fingerprint: 'fp-beach', include: 0 },
];

/**
 * A current library with folders, settings and albums in their own (early) pages, and enough
 * photos that the photos table fills many pages further on: those are the ones a test damages.
 * Returns the numbers of the pages that hold photo rows.
 */
function createLibraryWithPhotos(file: string): { photoPages: number[]; pageSize: number } {
  const db = openDatabase(file);
  insertAll(db, 'folders', FOLDERS);
  insertAll(db, 'settings', SETTINGS);
  insertAll(db, 'albums', ALBUMS);
  insertAll(db, 'album_overrides', ALBUM_OVERRIDES);
  const photo = db.prepare(
    "INSERT INTO photos (folder_id, path, size, mtime_ms, status, updated_at) VALUES (1, ?, 1000, 0, 'skipped', 0)",
  );
  db.transaction(() => {
    for (let i = 0; i < 3000; i++) photo.run(`/photos/holidays/${String(i).padStart(6, '0')}-a-long-enough-name.jpg`);
  })();
  const photoPages = (
    db.prepare("SELECT pageno FROM dbstat WHERE name = 'photos' AND pagetype = 'leaf' ORDER BY pageno").all() as {
      pageno: number;
    }[]
  ).map((row) => row.pageno);
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.close();
  return { photoPages, pageSize };
}

/** Opens a damaged library and checks what every kind of damage must end in. */
function openDamaged(dir: string): { db: Database; notice: string; moved: string } {
  const file = join(dir, 'library.db');
  const damaged = readFileSync(file);
  const notices: string[] = [];
  const db = openDatabase(file, { onNotice: (message) => notices.push(message) });

  const moved = readdirSync(dir).filter((name) => /^library\.damaged-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d.*\.db$/.test(name));
  assert.equal(moved.length, 1, `one damaged file moved aside, in ${readdirSync(dir).join(', ')}`);
  const movedPath = join(dir, moved[0]!);
  assert.ok(readFileSync(movedPath).equals(damaged), 'the damaged file is kept byte for byte');
  assert.equal(notices.length, 1);
  assert.ok(notices[0]!.includes(movedPath), notices[0]);

  // A working library in its place, at the latest version, that takes writes.
  assert.equal(db.pragma('user_version', { simple: true }), LATEST);
  assert.equal(db.pragma('quick_check', { simple: true }), 'ok');
  assert.deepEqual(all(db, 'SELECT count(*) AS n FROM photos'), [{ n: 0 }], 'photos come back through the scan');
  db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run('after.recovery', 'yes');
  return { db, notice: notices[0]!, moved: movedPath };
}

test('a library with damaged pages is moved aside and its folders, settings and albums are saved', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'library.db');
  const { photoPages, pageSize } = createLibraryWithPhotos(file);
  assert.ok(photoPages.length > 20, `photos span ${photoPages.length} pages`);
  const fd = openSync(file, 'r+');
  const middle = Math.floor(photoPages.length / 2);
  for (const page of photoPages.slice(middle, middle + 4))
    writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (page - 1) * pageSize);
  closeSync(fd);

  const { db, notice } = openDamaged(dir);
  t.after(() => db.close());
  assert.match(notice, /rebuilt from its 2 folders/);
  assert.deepEqual(all(db, 'SELECT id, path, added_at FROM folders ORDER BY id'), FOLDERS);
  assert.deepEqual(all(db, "SELECT key, value FROM settings WHERE key != 'after.recovery' ORDER BY key"), SETTINGS);
  assert.deepEqual(
    all(db, 'SELECT id, name, prompts, negatives, sensitivity, starter, created_at FROM albums ORDER BY id'),
    ALBUMS,
  );
  assert.deepEqual(
    all(db, 'SELECT album_id, fingerprint, include FROM album_overrides ORDER BY album_id'),
    ALBUM_OVERRIDES,
  );
  assert.deepEqual(db.pragma('foreign_key_check'), []);
});

test('a truncated library is moved aside and its folders are saved', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'library.db');
  const { photoPages, pageSize } = createLibraryWithPhotos(file);
  truncateSync(file, photoPages[Math.floor(photoPages.length / 2)]! * pageSize);

  const { db, notice } = openDamaged(dir);
  t.after(() => db.close());
  assert.match(notice, /rebuilt from its 2 folders/);
  assert.deepEqual(all(db, 'SELECT id, path, added_at FROM folders ORDER BY id'), FOLDERS);
});

test('a file that is not a database is moved aside and a new library is started', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'library.db'), 'this is not sqlite '.repeat(1000));

  const { db, notice } = openDamaged(dir);
  t.after(() => db.close());
  assert.match(notice, /folders could not be read/);
  assert.deepEqual(all(db, 'SELECT count(*) AS n FROM folders'), [{ n: 0 }]);
});

test('a library from a newer Shoebox is refused as it is, not treated as damaged', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'library.db');
  const newer = new BetterSqlite3(file);
  newer.exec("CREATE TABLE future (x TEXT); INSERT INTO future VALUES ('kept')");
  newer.pragma(`user_version = ${LATEST + 1}`);
  newer.close();
  const notices: string[] = [];

  assert.throws(
    () => openDatabase(file, { onNotice: (message) => notices.push(message) }),
    /newer than this Shoebox understands/,
  );
  assert.deepEqual(notices, []);
  assert.deepEqual(readdirSync(dir), ['library.db']);
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  t.after(() => db.close());
  assert.equal(db.pragma('user_version', { simple: true }), LATEST + 1);
  assert.deepEqual(all(db, 'SELECT x FROM future'), [{ x: 'kept' }]);
});
