import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { UserError, describeError } from '../../shared/errors.js';
import { MIGRATIONS, applyMigrations } from './migrations.js';
import { checkHealth, isDatabaseDamage, recoverDamagedDatabase } from './database-recovery.js';
import { unpackedAsarPath } from '../asar-path.js';

const LATEST_VERSION = MIGRATIONS.at(-1)?.version ?? 0;

export interface OpenDatabaseOptions {
  /** A reader beside the engine: no migration, no check and no repair (the engine's connection does those). */
  readonly?: boolean;
  /** Told, in one sentence for the person, when a damaged database was moved aside and replaced. */
  onNotice?: (message: string) => void;
}

/**
 * Opens (creating if needed) the library database: WAL so readers never wait for the indexer,
 * synchronous=NORMAL (durable at checkpoints, never corrupt after a crash), foreign keys on, the
 * sqlite-vec extension loaded, its health checked and the schema migrated (after a copy is kept).
 * A damaged database is never a dead end: it is moved aside and a fresh one takes its place (see
 * database-recovery.ts), and `onNotice` says where the old file went.
 */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Database {
  if (options.readonly) {
    try {
      return connect(file, true);
    } catch (error) {
      throw cannotOpen(file, error);
    }
  }
  mkdirSync(dirname(file), { recursive: true });
  let damage: unknown;
  try {
    return openWritable(file);
  } catch (error) {
    if (!isDatabaseDamage(error)) throw cannotOpen(file, error);
    damage = error;
  }
  try {
    return recoverDamagedDatabase(file, openWritable, options.onNotice);
  } catch (error) {
    throw new UserError(
      `The database at ${file} is damaged (${describeError(damage)}) and could not be replaced (${describeError(error)}).`,
    );
  }
}

function connect(file: string, readonly: boolean): Database {
  const db = new BetterSqlite3(file, { readonly, fileMustExist: readonly });
  try {
    // First, so that switching to WAL waits for another process instead of failing at once.
    db.pragma('busy_timeout = 10000');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // Inside a packaged app the extension lives beside app.asar, not in it.
    db.loadExtension(unpackedAsarPath(sqliteVec.getLoadablePath()));
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function openWritable(file: string): Database {
  const db = connect(file, false);
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    // A library from a newer Shoebox is refused by applyMigrations as it is: not this version's
    // to judge, let alone to replace.
    if (version <= LATEST_VERSION) checkHealth(db);
    if (version > 0 && version < LATEST_VERSION) keepCopyBeforeMigration(db, file, version);
    applyMigrations(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * A consistent copy of the library as it is (VACUUM INTO reads one snapshot) beside it, named for
 * the version it holds: `library.backup-v1.db`. One per version upgraded from: a later upgrade
 * from the same version (one that failed and is tried again) replaces it, through a temporary
 * name so that a crash never leaves a half-written copy under the real one.
 */
function keepCopyBeforeMigration(db: Database, file: string, version: number): void {
  const ext = extname(file);
  const copy = join(dirname(file), `${basename(file, ext)}.backup-v${version}${ext}`);
  const partial = `${copy}.partial`;
  try {
    rmSync(partial, { force: true });
    db.prepare('VACUUM INTO ?').run(partial);
    renameSync(partial, copy);
  } catch (error) {
    rmSync(partial, { force: true });
    if (isDatabaseDamage(error)) throw error;
    throw new UserError(
      `The library at ${file} was not upgraded, because a copy of it could not be written to ${copy} first (${describeError(error)}).`,
    );
  }
}

function cannotOpen(file: string, error: unknown): UserError {
  if (error instanceof UserError) return error;
  return new UserError(`The database at ${file} cannot be opened (${describeError(error)}).`);
}
