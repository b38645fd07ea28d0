import type { Database, Statement } from 'better-sqlite3';
import { StatementCache } from './statements.js';
import type { PhotoMetadata } from '../../shared/worker-protocol.js';
import { blobVector, indexTables, moveInAllIndexes, removeFromAllIndexes, vectorBlob } from '../vector-index.js';

/**
 * What a file is: a photo (indexed for a model when that model has its content's embedding),
 * a photo that could not be decoded, or a file that is not a photo Shoebox reads.
 */
export type PhotoStatus = 'photo' | 'failed' | 'skipped';

/** Counts for one model: a photo is indexed for it when its embedding exists, pending otherwise. */
export interface StatusCounts {
  indexed: number;
  pending: number;
  failed: number;
  skipped: number;
}

export interface FolderRow {
  id: number;
  path: string;
}

export interface PhotoRow {
  id: number;
  folderId: number;
  path: string;
  size: number;
  mtimeMs: number;
  fingerprint: string | null;
  status: PhotoStatus;
  reason: string | null;
  crashes: number;
}

export interface PhotoDetails extends PhotoRow {
  width: number | null;
  height: number | null;
  /** When the photo was taken, or the file's modification time when the photo does not say. */
  takenAt: number;
  cameraMake: string | null;
  cameraModel: string | null;
  latitude: number | null;
  longitude: number | null;
  hasThumbnail: boolean;
}

export type NewPhoto = Omit<PhotoRow, 'id' | 'crashes'>;

const PHOTO_COLUMNS = `p.id, p.folder_id AS folderId, p.path, p.size, p.mtime_ms AS mtimeMs, p.fingerprint,
  p.status, p.reason, p.crashes`;
const DETAIL_COLUMNS = `${PHOTO_COLUMNS}, c.width, c.height, COALESCE(c.taken_at, p.mtime_ms) AS takenAt,
  c.camera_make AS cameraMake, c.camera_model AS cameraModel, c.latitude, c.longitude,
  COALESCE(c.has_thumbnail, 0) AS hasThumbnail`;

/** Every SQL statement about folders, files, contents and settings; nothing else writes them. */
export class LibraryStore {
  private readonly statements: StatementCache;

  constructor(readonly db: Database) {
    this.statements = new StatementCache(db);
  }

  private sql(text: string): Statement {
    return this.statements.get(text);
  }

  /**
   * Runs `work` in one write transaction, taking the write lock first (BEGIN IMMEDIATE): a
   * deferred transaction that reads, then writes after another process wrote (a second Shoebox, a
   * CLI search saving its text embedding) fails at once with SQLITE_BUSY instead of waiting.
   */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }

  getSetting(key: string): string | null {
    const row = this.sql('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value ?? null;
  }

  setSetting(key: string, value: string | null): void {
    if (value === null) this.sql('DELETE FROM settings WHERE key = ?').run(key);
    else
      this.sql(
        'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      ).run(key, value);
  }

  folders(): FolderRow[] {
    return this.sql('SELECT id, path FROM folders ORDER BY path').all() as FolderRow[];
  }

  addFolder(path: string): number {
    const result = this.sql('INSERT INTO folders (path, added_at) VALUES (?, ?)').run(path, Date.now());
    return Number(result.lastInsertRowid);
  }

  /** Moves a folder's files under another folder (the user added a folder that contains it). */
  mergeFolderInto(fromId: number, intoId: number): void {
    const ids = (this.sql('SELECT id FROM photos WHERE folder_id = ?').all(fromId) as { id: number }[]).map(
      (r) => r.id,
    );
    this.sql('UPDATE photos SET folder_id = ? WHERE folder_id = ?').run(intoId, fromId);
    moveInAllIndexes(this.db, ids, intoId);
    this.sql('DELETE FROM folders WHERE id = ?').run(fromId);
  }

  removeFolder(id: number): void {
    const ids = (this.sql('SELECT id FROM photos WHERE folder_id = ?').all(id) as { id: number }[]).map((r) => r.id);
    removeFromAllIndexes(this.db, ids);
    this.sql('DELETE FROM folders WHERE id = ?').run(id);
  }

  photosInFolders(folderIds: readonly number[]): PhotoRow[] {
    const placeholders = folderIds.map(() => '?').join(', ');
    return this.sql(`SELECT ${PHOTO_COLUMNS} FROM photos p WHERE p.folder_id IN (${placeholders})`).all(
      ...folderIds,
    ) as PhotoRow[];
  }

  photoById(id: number): PhotoRow | undefined {
    return this.sql(`SELECT ${PHOTO_COLUMNS} FROM photos p WHERE p.id = ?`).get(id) as PhotoRow | undefined;
  }

  photoByPath(path: string): PhotoRow | undefined {
    return this.sql(`SELECT ${PHOTO_COLUMNS} FROM photos p WHERE p.path = ?`).get(path) as PhotoRow | undefined;
  }

  photosUnder(directory: string, separator: string): PhotoRow[] {
    const prefix = directory.endsWith(separator) ? directory : directory + separator;
    return this.sql(`SELECT ${PHOTO_COLUMNS} FROM photos p WHERE substr(p.path, 1, ?) = ?`).all(
      prefix.length,
      prefix,
    ) as PhotoRow[];
  }

  photoDetails(ids: readonly number[]): Map<number, PhotoDetails> {
    const rows = this.sql(
      `SELECT ${DETAIL_COLUMNS} FROM photos p LEFT JOIN contents c ON c.fingerprint = p.fingerprint
          WHERE p.id IN (SELECT value FROM json_each(?))`,
    ).all(JSON.stringify(ids)) as (Omit<PhotoDetails, 'hasThumbnail'> & { hasThumbnail: number })[];
    return new Map(rows.map((row) => [row.id, { ...row, hasThumbnail: Boolean(row.hasThumbnail) }]));
  }

  /**
   * The search indexes hold exactly the photos whose content has that model's embedding: a new
   * path for known bytes (a copy, a file restored) is searchable at once, with no decoding.
   */
  private indexKnownContent(photoIds: readonly number[], onlyModel?: string): void {
    if (photoIds.length === 0) return;
    const ids = JSON.stringify(photoIds);
    for (const { modelId, table } of indexTables(this.db)) {
      if (onlyModel !== undefined && modelId !== onlyModel) continue;
      this.sql(
        `INSERT INTO ${table} (rowid, embedding, folder_id, taken_at)
           SELECT p.id, e.vector, p.folder_id, COALESCE(c.taken_at, p.mtime_ms)
             FROM photos p JOIN contents c ON c.fingerprint = p.fingerprint
             JOIN embeddings e ON e.content_id = c.id AND e.model_id = ?
            WHERE p.id IN (SELECT value FROM json_each(?)) AND p.status = 'photo'`,
      ).run(modelId, ids);
    }
  }

  insertPhoto(photo: NewPhoto): number {
    const result = this.sql(
      `INSERT INTO photos (folder_id, path, size, mtime_ms, fingerprint, status, reason, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      photo.folderId,
      photo.path,
      photo.size,
      Math.round(photo.mtimeMs),
      photo.fingerprint,
      photo.status,
      photo.reason,
      Date.now(),
    );
    const id = Number(result.lastInsertRowid);
    this.indexKnownContent([id]);
    return id;
  }

  /** The file at this path now holds other bytes (or other bytes are now known to be there). */
  replaceContent(id: number, change: Omit<NewPhoto, 'folderId' | 'path'>): void {
    removeFromAllIndexes(this.db, [id]);
    // Album scores belong to the old bytes; the photo is scored again once it is encoded.
    this.sql('DELETE FROM album_scores WHERE photo_id = ?').run(id);
    this.sql(
      `UPDATE photos SET size = ?, mtime_ms = ?, fingerprint = ?, status = ?, reason = ?, crashes = 0, updated_at = ?
          WHERE id = ?`,
    ).run(change.size, Math.round(change.mtimeMs), change.fingerprint, change.status, change.reason, Date.now(), id);
    this.indexKnownContent([id]);
  }

  touch(id: number, size: number, mtimeMs: number): void {
    this.sql('UPDATE photos SET size = ?, mtime_ms = ?, updated_at = ? WHERE id = ?').run(
      size,
      Math.round(mtimeMs),
      Date.now(),
      id,
    );
  }

  /** The same bytes now live at another path: keep the photo, its id and its state. */
  relink(id: number, folderId: number, path: string, mtimeMs: number): void {
    this.sql('UPDATE photos SET folder_id = ?, path = ?, mtime_ms = ?, updated_at = ? WHERE id = ?').run(
      folderId,
      path,
      Math.round(mtimeMs),
      Date.now(),
      id,
    );
    moveInAllIndexes(this.db, [id], folderId);
  }

  deletePhotos(ids: readonly number[]): void {
    if (ids.length === 0) return;
    removeFromAllIndexes(this.db, ids);
    const remove = this.sql('DELETE FROM photos WHERE id = ?');
    for (const id of ids) remove.run(id);
  }

  /**
   * Photos the model has no embedding for, in id order after `afterId` (a drain walks the table
   * once instead of rescanning it per batch), leaving out those already on their way.
   */
  pendingPhotos(modelId: string, limit: number, afterId: number, excludeIds: readonly number[]): PhotoRow[] {
    return this.sql(
      `SELECT ${PHOTO_COLUMNS} FROM photos p
          WHERE p.status = 'photo' AND p.id > ? AND p.id NOT IN (SELECT value FROM json_each(?))
            AND NOT EXISTS (SELECT 1 FROM contents c JOIN embeddings e ON e.content_id = c.id AND e.model_id = ?
                             WHERE c.fingerprint = p.fingerprint)
          ORDER BY p.id LIMIT ?`,
    ).all(afterId, JSON.stringify(excludeIds), modelId, limit) as PhotoRow[];
  }

  countPending(modelId: string): number {
    return (
      this.sql(
        `SELECT count(*) AS n FROM photos p WHERE p.status = 'photo' AND NOT EXISTS (
           SELECT 1 FROM contents c JOIN embeddings e ON e.content_id = c.id AND e.model_id = ?
            WHERE c.fingerprint = p.fingerprint)`,
      ).get(modelId) as { n: number }
    ).n;
  }

  /** Photos holding these bytes that still wait for the model. */
  countPendingWithFingerprint(fingerprint: string, modelId: string): number {
    return (
      this.sql(
        `SELECT count(*) AS n FROM photos p WHERE p.fingerprint = ? AND p.status = 'photo' AND NOT EXISTS (
           SELECT 1 FROM contents c JOIN embeddings e ON e.content_id = c.id AND e.model_id = ?
            WHERE c.fingerprint = p.fingerprint)`,
      ).get(fingerprint, modelId) as { n: number }
    ).n;
  }

  /** Whether this photo, as it is now, still waits for the model (it may have changed or gone). */
  stillPending(id: number, fingerprint: string | null, modelId: string): boolean {
    return (
      this.sql(
        `SELECT 1 FROM photos p WHERE p.id = ? AND p.fingerprint IS ? AND p.status = 'photo' AND NOT EXISTS (
           SELECT 1 FROM contents c JOIN embeddings e ON e.content_id = c.id AND e.model_id = ?
            WHERE c.fingerprint = p.fingerprint)`,
      ).get(id, fingerprint, modelId) !== undefined
    );
  }

  /** Records what decoding learnt about some bytes; returns the content id. */
  saveContent(
    fingerprint: string,
    width: number,
    height: number,
    phash: string | null,
    metadata: PhotoMetadata,
    hasThumbnail: boolean,
  ): number {
    const row = this.sql(
      `INSERT INTO contents (fingerprint, width, height, phash, taken_at, camera_make, camera_model, latitude, longitude,
           has_thumbnail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(fingerprint) DO UPDATE SET width = excluded.width, height = excluded.height, phash = excluded.phash,
           taken_at = excluded.taken_at, camera_make = excluded.camera_make, camera_model = excluded.camera_model,
           latitude = excluded.latitude, longitude = excluded.longitude,
           has_thumbnail = max(has_thumbnail, excluded.has_thumbnail)
         RETURNING id, taken_at AS takenAt`,
    ).get(
      fingerprint,
      width,
      height,
      phash,
      metadata.takenAt,
      metadata.cameraMake,
      metadata.cameraModel,
      metadata.latitude,
      metadata.longitude,
      hasThumbnail ? 1 : 0,
    ) as { id: number };
    return row.id;
  }

  /** Stores the model's embedding of some bytes and makes every photo holding them searchable. */
  saveEmbedding(contentId: number, modelId: string, vector: Float32Array): void {
    this.sql(
      `INSERT INTO embeddings (content_id, model_id, vector) VALUES (?, ?, ?)
         ON CONFLICT(content_id, model_id) DO UPDATE SET vector = excluded.vector`,
    ).run(contentId, modelId, vectorBlob(vector));
    const holders = (
      this.sql(
        `SELECT p.id FROM photos p JOIN contents c ON c.fingerprint = p.fingerprint
          WHERE c.id = ? AND p.status = 'photo'`,
      ).all(contentId) as { id: number }[]
    ).map((row) => row.id);
    const table = indexTables(this.db).find((entry) => entry.modelId === modelId)?.table;
    if (!table) throw new Error(`model ${modelId} has no search index`);
    const remove = this.sql(`DELETE FROM ${table} WHERE rowid = ?`);
    for (const id of holders) remove.run(BigInt(id));
    this.indexKnownContent(holders, modelId);
  }

  photoEmbedding(photoId: number, modelId: string): Float32Array | null {
    const row = this.sql(
      `SELECT e.vector FROM photos p JOIN contents c ON c.fingerprint = p.fingerprint
           JOIN embeddings e ON e.content_id = c.id AND e.model_id = ? WHERE p.id = ?`,
    ).get(modelId, photoId) as { vector: Buffer } | undefined;
    return row ? blobVector(row.vector) : null;
  }

  /** Records that a photo could not be decoded: it leaves every search until it is retried. */
  markFailed(id: number, reason: string): void {
    this.sql("UPDATE photos SET status = 'failed', reason = ?, crashes = 0, updated_at = ? WHERE id = ?").run(
      reason,
      Date.now(),
      id,
    );
    removeFromAllIndexes(this.db, [id]);
  }

  /**
   * Failed photos get another chance (a new model or decoder, or the user asked); returns how
   * many. Files that could not even be read or are empty fail again at once, so they stay.
   */
  retryFailed(): number {
    const ids = (
      this.sql(
        `UPDATE photos SET status = 'photo', reason = NULL, crashes = 0, updated_at = ?
          WHERE status = 'failed' AND fingerprint IS NOT NULL AND size > 0 RETURNING id`,
      ).all(Date.now()) as { id: number }[]
    ).map((row) => row.id);
    this.indexKnownContent(ids);
    return ids.length;
  }

  /** Counts a worker crash against a photo; returns how many it has now caused. */
  addCrash(id: number): number {
    const row = this.sql('UPDATE photos SET crashes = crashes + 1 WHERE id = ? RETURNING crashes').get(id) as
      { crashes: number } | undefined;
    return row?.crashes ?? 0;
  }

  /** Counts for a model (every photo pending when there is none yet). */
  statusCounts(modelId: string | null): StatusCounts {
    const row = this.sql(
      `SELECT count(*) FILTER (WHERE status = 'failed') AS failed,
              count(*) FILTER (WHERE status = 'skipped') AS skipped,
              count(*) FILTER (WHERE status = 'photo') AS photos,
              count(*) FILTER (WHERE status = 'photo' AND EXISTS (
                SELECT 1 FROM contents c JOIN embeddings e ON e.content_id = c.id AND e.model_id = ?
                 WHERE c.fingerprint = p.fingerprint)) AS indexed
         FROM photos p`,
    ).get(modelId) as { failed: number; skipped: number; photos: number; indexed: number };
    return { indexed: row.indexed, pending: row.photos - row.indexed, failed: row.failed, skipped: row.skipped };
  }

  /** Every photo that has been decoded (so has metadata and a thumbnail), newest first. */
  timeline(): { id: number; path: string; takenAt: number; width: number | null; height: number | null }[] {
    return this.sql(
      `SELECT p.id, p.path, COALESCE(c.taken_at, p.mtime_ms) AS takenAt, c.width, c.height
         FROM photos p JOIN contents c ON c.fingerprint = p.fingerprint
        WHERE c.has_thumbnail = 1 AND p.status = 'photo'
        ORDER BY takenAt DESC, p.id DESC`,
    ).all() as { id: number; path: string; takenAt: number; width: number | null; height: number | null }[];
  }

  /** Indexed photos with what duplicate detection needs: perceptual hash, size, age. */
  duplicateCandidates(): { id: number; path: string; phash: string; width: number; height: number; mtimeMs: number }[] {
    return this.sql(
      `SELECT p.id, p.path, c.phash, c.width, c.height, p.mtime_ms AS mtimeMs
         FROM photos p JOIN contents c ON c.fingerprint = p.fingerprint
        WHERE p.status = 'photo' AND c.phash IS NOT NULL`,
    ).all() as { id: number; path: string; phash: string; width: number; height: number; mtimeMs: number }[];
  }

  failures(): { id: number; path: string; reason: string | null }[] {
    return this.sql("SELECT id, path, reason FROM photos WHERE status = 'failed' ORDER BY path").all() as {
      id: number;
      path: string;
      reason: string | null;
    }[];
  }

  withStatus(status: PhotoStatus): { path: string; reason: string | null }[] {
    return this.sql('SELECT path, reason FROM photos WHERE status = ? ORDER BY path').all(status) as {
      path: string;
      reason: string | null;
    }[];
  }

  /**
   * Forgets bytes no file has held for `keepMs` (their embeddings and scores go with them);
   * returns their fingerprints so thumbnails can go too. Bytes orphaned more recently are only
   * dated: an ignore pattern undone or a folder added back finds them encoded.
   */
  deleteOrphanContents(now: number, keepMs: number): string[] {
    const held = 'EXISTS (SELECT 1 FROM photos p WHERE p.fingerprint = contents.fingerprint)';
    this.sql(`UPDATE contents SET orphaned_at = NULL WHERE orphaned_at IS NOT NULL AND ${held}`).run();
    this.sql(`UPDATE contents SET orphaned_at = ? WHERE orphaned_at IS NULL AND NOT ${held}`).run(now);
    const rows = this.sql(
      `DELETE FROM contents WHERE orphaned_at IS NOT NULL AND orphaned_at <= ? AND NOT ${held}
         RETURNING fingerprint, has_thumbnail AS hasThumbnail`,
    ).all(now - keepMs) as { fingerprint: string; hasThumbnail: number }[];
    return rows.filter((row) => row.hasThumbnail).map((row) => row.fingerprint);
  }

  /** Every photo's path and folder, for judging what a change of ignore patterns would hide. */
  photoPaths(): { id: number; path: string; folderId: number }[] {
    return this.sql('SELECT id, path, folder_id AS folderId FROM photos').all() as {
      id: number;
      path: string;
      folderId: number;
    }[];
  }

  textEmbedding(modelId: string, text: string): Float32Array | null {
    const row = this.sql('SELECT vector FROM text_embeddings WHERE model_id = ? AND text = ?').get(modelId, text) as
      { vector: Buffer } | undefined;
    if (!row) return null;
    this.sql('UPDATE text_embeddings SET used_at = ? WHERE model_id = ? AND text = ?').run(Date.now(), modelId, text);
    return blobVector(row.vector);
  }

  saveTextEmbedding(modelId: string, text: string, vector: Float32Array, keep: number): void {
    this.transaction(() => {
      this.sql(
        `INSERT INTO text_embeddings (model_id, text, vector, used_at) VALUES (?, ?, ?, ?)
           ON CONFLICT(model_id, text) DO UPDATE SET vector = excluded.vector, used_at = excluded.used_at`,
      ).run(modelId, text, vectorBlob(vector), Date.now());
      this.sql(
        `DELETE FROM text_embeddings WHERE (model_id, text) IN (
             SELECT model_id, text FROM text_embeddings ORDER BY used_at DESC LIMIT -1 OFFSET ?)`,
      ).run(keep);
    });
  }
}
