import type { Database } from 'better-sqlite3';

/**
 * The schema's history, oldest first. A migration is never edited once released: a change is a new
 * entry. Each runs in the same transaction as the bump of `user_version`, so a crash leaves the
 * database at either the old or the new version.
 */
export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'library, photos, contents, embeddings',
    up(db) {
      db.exec(`
        CREATE TABLE settings (
          key TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) STRICT;

        CREATE TABLE folders (
          id INTEGER PRIMARY KEY,
          path TEXT NOT NULL UNIQUE,
          added_at INTEGER NOT NULL
        ) STRICT;

        -- What is known about a file's bytes, shared by every path that holds them (copies, moves).
        CREATE TABLE contents (
          id INTEGER PRIMARY KEY,
          fingerprint TEXT NOT NULL UNIQUE,
          width INTEGER,
          height INTEGER,
          taken_at INTEGER,
          camera_make TEXT,
          camera_model TEXT,
          latitude REAL,
          longitude REAL,
          has_thumbnail INTEGER NOT NULL DEFAULT 0
        ) STRICT;

        -- One row per file under a library folder: the path and the state it is in.
        CREATE TABLE photos (
          id INTEGER PRIMARY KEY,
          folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
          path TEXT NOT NULL UNIQUE,
          size INTEGER NOT NULL,
          mtime_ms INTEGER NOT NULL,
          fingerprint TEXT,
          status TEXT NOT NULL CHECK (status IN ('pending', 'indexed', 'failed', 'skipped')),
          reason TEXT,
          crashes INTEGER NOT NULL DEFAULT 0,
          updated_at INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX photos_by_folder ON photos(folder_id);
        CREATE INDEX photos_by_status ON photos(status);
        CREATE INDEX photos_by_fingerprint ON photos(fingerprint);

        -- Each model gets its own vec0 search index (fixed dimensions), named here.
        CREATE TABLE models (
          id TEXT PRIMARY KEY,
          dimensions INTEGER NOT NULL,
          index_table TEXT NOT NULL UNIQUE
        ) STRICT;

        -- The source of truth for vectors; every search index is rebuilt from it.
        CREATE TABLE embeddings (
          content_id INTEGER NOT NULL REFERENCES contents(id) ON DELETE CASCADE,
          model_id TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
          vector BLOB NOT NULL,
          PRIMARY KEY (content_id, model_id)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE text_embeddings (
          model_id TEXT NOT NULL,
          text TEXT NOT NULL,
          vector BLOB NOT NULL,
          used_at INTEGER NOT NULL,
          PRIMARY KEY (model_id, text)
        ) STRICT, WITHOUT ROWID;
      `);
    },
  },
  {
    version: 2,
    name: 'albums, perceptual hashes',
    up(db) {
      db.exec(`
        -- 64-bit perceptual hash (hex), for telling copies of a photo from look-alikes.
        ALTER TABLE contents ADD COLUMN phash TEXT;

        -- An album fills itself: photos that match its prompts, judged per album (see albums.ts).
        CREATE TABLE albums (
          id INTEGER PRIMARY KEY,
          name TEXT NOT NULL UNIQUE COLLATE NOCASE,
          prompts TEXT NOT NULL,
          negatives TEXT NOT NULL DEFAULT '[]',
          sensitivity REAL NOT NULL DEFAULT 0,
          starter TEXT,
          created_at INTEGER NOT NULL
        ) STRICT;

        -- "Always" / "never" by hand, per content: survives renames, re-scoring and model changes.
        CREATE TABLE album_overrides (
          album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
          fingerprint TEXT NOT NULL,
          include INTEGER NOT NULL CHECK (include IN (0, 1)),
          PRIMARY KEY (album_id, fingerprint)
        ) STRICT, WITHOUT ROWID;

        -- Each photo's score against each album's prompts and against the background, per model.
        CREATE TABLE album_scores (
          album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
          model_id TEXT NOT NULL,
          photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
          score REAL NOT NULL,
          background REAL NOT NULL,
          PRIMARY KEY (album_id, model_id, photo_id)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX album_scores_by_photo ON album_scores(photo_id);
      `);
    },
  },
  {
    version: 3,
    name: 'per-model truth: a photo is indexed for a model when that model has its embedding; orphaned contents',
    up(db) {
      // 'pending' and 'indexed' said "for the one model being indexed", which a model switch made
      // a lie. Whether a photo is indexed for a model is now whether its content has that model's
      // embedding; the status only says what the file is. SQLite cannot change a CHECK in place:
      // the table is rebuilt (foreign keys are off during migrations, see applyMigrations).
      db.exec(`
        CREATE TABLE photos_v3 (
          id INTEGER PRIMARY KEY,
          folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
          path TEXT NOT NULL UNIQUE,
          size INTEGER NOT NULL,
          mtime_ms INTEGER NOT NULL,
          fingerprint TEXT,
          status TEXT NOT NULL CHECK (status IN ('photo', 'failed', 'skipped')),
          reason TEXT,
          crashes INTEGER NOT NULL DEFAULT 0,
          updated_at INTEGER NOT NULL
        ) STRICT;
        INSERT INTO photos_v3 (id, folder_id, path, size, mtime_ms, fingerprint, status, reason, crashes, updated_at)
          SELECT id, folder_id, path, size, mtime_ms, fingerprint,
                 CASE WHEN status IN ('pending', 'indexed') THEN 'photo' ELSE status END,
                 CASE WHEN status IN ('pending', 'indexed') THEN NULL ELSE reason END,
                 crashes, updated_at
            FROM photos;
        DROP TABLE photos;
        ALTER TABLE photos_v3 RENAME TO photos;
        CREATE INDEX photos_by_folder ON photos(folder_id);
        CREATE INDEX photos_by_status ON photos(status);
        CREATE INDEX photos_by_fingerprint ON photos(fingerprint);

        -- When the last file holding some bytes went away: what they cost to encode is kept for a
        -- while (an ignore pattern undone, a folder added back), then collected.
        ALTER TABLE contents ADD COLUMN orphaned_at INTEGER;
      `);
    },
  },
];

export function applyMigrations(db: Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new Error(`database schema version ${current} is newer than this Shoebox understands (${latest})`);
  }
  if (current === latest) return latest;
  // A table rebuild (SQLite's documented twelve steps) must not cascade deletes into the tables
  // that reference it, so foreign keys are off while migrating and checked before each commit.
  // The pragma is a no-op inside a transaction, hence out here.
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
  db.pragma('foreign_keys = OFF');
  try {
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      db.transaction(() => {
        migration.up(db);
        const broken = db.pragma('foreign_key_check') as unknown[];
        if (broken.length > 0) throw new Error(`migration ${migration.version} broke ${broken.length} references`);
        db.pragma(`user_version = ${migration.version}`);
      })();
    }
  } finally {
    db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
  }
  return latest;
}
