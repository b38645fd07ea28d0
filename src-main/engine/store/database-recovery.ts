import { existsSync, renameSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';

/**
 * What happens to a damaged library database: it is kept (moved aside, never deleted), a fresh one
 * takes its place, and what the person set up by hand is carried over. Everything else (photos,
 * contents, embeddings, album scores) is derived from the files and comes back with the next scan
 * of the salvaged folders.
 */

/** The tables worth saving, parents before children so that every reference finds its row. */
const SALVAGED_TABLES = ['folders', 'settings', 'albums', 'album_overrides'] as const;

type Row = Record<string, unknown>;

/** `PRAGMA quick_check` found a problem; its message is the first problem found. */
export class DatabaseDamageError extends Error {
  override readonly name: string = 'DatabaseDamageError';
}

/** Whether an error says the file's bytes are damaged, as opposed to a busy, full or unreadable disk. */
export function isDatabaseDamage(error: unknown): boolean {
  if (error instanceof DatabaseDamageError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  // SQLITE_CORRUPT has extended forms (_VTAB, _SEQUENCE, _INDEX): all of them are damage.
  return typeof code === 'string' && /^SQLITE_(CORRUPT|NOTADB)/.test(code);
}

/** Throws a DatabaseDamageError when the b-trees are not sound (quick_check: integrity_check without the index-content pass). */
export function checkHealth(db: Database): void {
  const result = db.pragma('quick_check', { simple: true });
  if (result !== 'ok') throw new DatabaseDamageError(`quick_check: ${String(result)}`);
}

/**
 * Replaces the damaged database at `file` with a fresh one from `openFresh`, carrying over what
 * can still be read, and tells the person in one sentence. The damaged file is read before it is
 * moved, so the rows are in memory by the time anything else touches the folder.
 */
export function recoverDamagedDatabase(
  file: string,
  openFresh: (file: string) => Database,
  onNotice?: (message: string) => void,
): Database {
  const salvaged = readWhatRemains(file);
  const moved = moveAside(file);
  const db = openFresh(file);
  try {
    let folders: number | null = null;
    for (const [table, rows] of salvaged) {
      const restored = restore(db, table, rows);
      if (table === 'folders') folders = restored;
    }
    onNotice?.(noticeFor(moved, folders));
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Each table on its own, through a read-only connection: a table that breaks part-way keeps the
 * rows read before the damage; one that cannot be read at all (or does not exist in an older
 * schema) is left out of the map.
 */
function readWhatRemains(file: string): Map<string, Row[]> {
  const salvaged = new Map<string, Row[]>();
  let db: Database;
  try {
    db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  } catch {
    return salvaged;
  }
  try {
    // writable_schema (effective only outside better-sqlite3's default defensive mode) makes SQLite
    // read what is there instead of refusing the whole file, e.g. one shorter than its header
    // says. Harmless here: the connection is read-only, so nothing can be written either way.
    db.unsafeMode(true);
    db.pragma('writable_schema = ON');
    for (const table of SALVAGED_TABLES) {
      const rows: Row[] = [];
      try {
        for (const row of db.prepare(`SELECT * FROM ${table}`).iterate()) rows.push(row as Row);
      } catch {
        // Whatever stopped the read (damage, a missing table, an unreadable page), this table's
        // salvage ends here: best effort is the whole point.
        if (rows.length === 0) continue;
      }
      salvaged.set(table, rows);
    }
  } finally {
    db.close();
  }
  return salvaged;
}

/**
 * Renames the database and its -wal/-shm files to `<name>.damaged-<UTC time><ext>` in the same
 * folder. The journal files go first: a stale -wal left beside a new, empty database would be
 * replayed into it, whereas the damaged file without its -wal is at worst a little older.
 */
function moveAside(file: string): string {
  const ext = extname(file);
  const stem = join(dirname(file), basename(file, ext));
  const stamp = new Date().toISOString().slice(0, 19).replaceAll(':', '-');
  let target = `${stem}.damaged-${stamp}${ext}`;
  for (let n = 2; existsSync(target); n++) target = `${stem}.damaged-${stamp}-${n}${ext}`;
  for (const suffix of ['-shm', '-wal']) {
    if (existsSync(file + suffix)) renameSync(file + suffix, target + suffix);
  }
  renameSync(file, target);
  return target;
}

/**
 * Inserts the salvaged rows into the fresh table, keeping their ids (album_overrides refer to
 * albums by id), with the columns both schemas have. Returns how many rows were restored.
 */
function restore(db: Database, table: string, rows: readonly Row[]): number {
  const first = rows[0];
  if (!first) return 0;
  const columns = (db.pragma(`table_info(${table})`) as { name: string }[])
    .map((column) => column.name)
    .filter((name) => name in first);
  const insert = db.prepare(
    `INSERT OR IGNORE INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
  );
  let restored = 0;
  db.transaction(() => {
    for (const row of rows) {
      try {
        restored += insert.run(...columns.map((name) => row[name])).changes;
      } catch (error) {
        // A row the fresh schema refuses (an override whose album was lost) stays behind alone.
        if (!String((error as { code?: unknown }).code).startsWith('SQLITE_CONSTRAINT')) throw error;
      }
    }
  })();
  return restored;
}

function noticeFor(moved: string, folders: number | null): string {
  if (folders === null) {
    return (
      `The library database was damaged and its folders could not be read: it was moved to ${moved} ` +
      'and a new, empty library was started, so please add your photo folders again.'
    );
  }
  if (folders === 0) return `The library database was damaged: it was moved to ${moved} and a new library was started.`;
  return (
    `The library database was damaged: it was moved to ${moved} and the library is being rebuilt ` +
    `from its ${folders} ${folders === 1 ? 'folder' : 'folders'}.`
  );
}
