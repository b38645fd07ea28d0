import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { MIGRATIONS, applyMigrations } from '../../src-main/engine/store/migrations.js';
import { openDatabase } from '../../src-main/engine/store/database.js';
import { tempDir } from '../helpers/env.js';

test('a new database is created at the latest schema version', (t) => {
  const db = openDatabase(join(tempDir(t), 'library.db'));
  assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.at(-1)!.version);
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map(
    (r) => r.name,
  );
  for (const table of ['settings', 'folders', 'photos', 'contents', 'embeddings', 'models', 'text_embeddings']) {
    assert.ok(tables.includes(table), table);
  }
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  db.close();
});

test('reopening a database runs no migration twice and keeps its data', (t) => {
  const file = join(tempDir(t), 'library.db');
  const first = openDatabase(file);
  first.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run('k', 'v');
  first.close();
  const second = openDatabase(file);
  assert.deepEqual(second.prepare('SELECT value FROM settings WHERE key = ?').get('k'), { value: 'v' });
  second.close();
});

test('a migration that fails leaves the database at its previous version', (t) => {
  const db = new BetterSqlite3(join(tempDir(t), 'library.db'));
  const broken = [
    { version: 1, name: 'one', up: (d: BetterSqlite3.Database) => d.exec('CREATE TABLE a (x INTEGER)') },
    {
      version: 2,
      name: 'two',
      up: (d: BetterSqlite3.Database) => {
        d.exec('CREATE TABLE b (x INTEGER)');
        throw new Error('disk on fire');
      },
    },
  ];
  assert.throws(() => applyMigrations(db, broken), /disk on fire/);
  assert.equal(db.pragma('user_version', { simple: true }), 1);
  assert.deepEqual(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'b'").get(), { n: 0 });
  db.close();
});

test('a database from a newer Shoebox is refused, not downgraded', (t) => {
  const file = join(tempDir(t), 'library.db');
  const db = new BetterSqlite3(file);
  db.pragma('user_version = 999');
  db.close();
  assert.throws(() => openDatabase(file), /newer than this Shoebox understands/);
});

test('a reader given a file that is not a database gets one clear sentence and leaves the file alone', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'library.db');
  const { readdirSync, writeFileSync } = await import('node:fs');
  writeFileSync(file, 'this is not sqlite '.repeat(100));
  // Repairing is the engine's job (see database-health.test.ts); a read-only connection only reports.
  assert.throws(() => openDatabase(file, { readonly: true }), /cannot be opened \(file is not a database\)/);
  assert.deepEqual(readdirSync(dir), ['library.db']);
});
