import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { UserError, describeError } from '../errors.js';
import { applyMigrations } from './migrations.js';
import { unpackedAsarPath } from '../asar-path.js';

/**
 * Opens (creating if needed) the library database: WAL so readers never wait for the indexer,
 * synchronous=NORMAL (durable at checkpoints, never corrupt after a crash), foreign keys on, the
 * sqlite-vec extension loaded and the schema migrated.
 */
export function openDatabase(file: string, options: { readonly?: boolean } = {}): Database {
  if (!options.readonly) mkdirSync(dirname(file), { recursive: true });
  let db: Database;
  try {
    db = new BetterSqlite3(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 10000');
  } catch (error) {
    throw new UserError(`The database at ${file} cannot be opened (${describeError(error)}).`);
  }
  try {
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // Inside a packaged app the extension lives beside app.asar, not in it.
    db.loadExtension(unpackedAsarPath(sqliteVec.getLoadablePath()));
    if (!options.readonly) applyMigrations(db);
    return db;
  } catch (error) {
    db.close();
    throw new UserError(`The database at ${file} cannot be read (${describeError(error)}).`);
  }
}
