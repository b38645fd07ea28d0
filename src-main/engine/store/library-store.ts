import type { Database, Statement } from 'better-sqlite3';
import { StatementCache } from './statements.js';
import type { PhotoMetadata } from '../../worker/metadata.js';
import { blobVector, moveInAllIndexes, removeFromAllIndexes, vectorBlob } from '../vector-index.js';

export type PhotoStatus = 'pending' | 'indexed' | 'failed' | 'skipped';

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

  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
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
    return Number(result.lastInsertRowid);
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

  /** Pending photos to decode, oldest first, leaving out those already on their way. */
  pendingPhotos(limit: number, excludeIds: readonly number[]): PhotoRow[] {
    return this.sql(
      `SELECT ${PHOTO_COLUMNS} FROM photos p
          WHERE p.status = 'pending' AND p.id NOT IN (SELECT value FROM json_each(?))
          ORDER BY p.id LIMIT ?`,
    ).all(JSON.stringify(excludeIds), limit) as PhotoRow[];
  }

  /** Pending photos whose bytes already have an embedding for the model: copies and moves. */
  pendingWithKnownContent(modelId: string, limit: number): (PhotoRow & { vector: Buffer; takenAt: number })[] {
    return this.sql(
      `SELECT ${PHOTO_COLUMNS}, e.vector, COALESCE(c.taken_at, p.mtime_ms) AS takenAt
           FROM photos p JOIN contents c ON c.fingerprint = p.fingerprint
           JOIN embeddings e ON e.content_id = c.id AND e.model_id = ?
          WHERE p.status = 'pending' LIMIT ?`,
    ).all(modelId, limit) as (PhotoRow & { vector: Buffer; takenAt: number })[];
  }

  countPending(): number {
    return (this.sql("SELECT count(*) AS n FROM photos WHERE status = 'pending'").get() as { n: number }).n;
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

  saveEmbedding(contentId: number, modelId: string, vector: Float32Array): void {
    this.sql(
      `INSERT INTO embeddings (content_id, model_id, vector) VALUES (?, ?, ?)
         ON CONFLICT(content_id, model_id) DO UPDATE SET vector = excluded.vector`,
    ).run(contentId, modelId, vectorBlob(vector));
  }

  photoEmbedding(photoId: number, modelId: string): Float32Array | null {
    const row = this.sql(
      `SELECT e.vector FROM photos p JOIN contents c ON c.fingerprint = p.fingerprint
           JOIN embeddings e ON e.content_id = c.id AND e.model_id = ? WHERE p.id = ?`,
    ).get(modelId, photoId) as { vector: Buffer } | undefined;
    return row ? blobVector(row.vector) : null;
  }

  setStatus(id: number, status: PhotoStatus, reason: string | null): void {
    this.sql('UPDATE photos SET status = ?, reason = ?, crashes = 0, updated_at = ? WHERE id = ?').run(
      status,
      reason,
      Date.now(),
      id,
    );
  }

  /** Counts a worker crash against a photo; returns how many it has now caused. */
  addCrash(id: number): number {
    const row = this.sql('UPDATE photos SET crashes = crashes + 1 WHERE id = ? RETURNING crashes').get(id) as
      { crashes: number } | undefined;
    return row?.crashes ?? 0;
  }

  /** After a model change: photos without an embedding for the new model must be encoded again. */
  markUnencodedPending(modelId: string): number {
    return this.sql(
      `UPDATE photos SET status = 'pending', reason = NULL, crashes = 0
          WHERE status = 'indexed' AND NOT EXISTS (
            SELECT 1 FROM contents c JOIN embeddings e ON e.content_id = c.id AND e.model_id = ?
             WHERE c.fingerprint = photos.fingerprint)`,
    ).run(modelId).changes;
  }

  statusCounts(): Record<PhotoStatus, number> {
    const counts: Record<PhotoStatus, number> = { pending: 0, indexed: 0, failed: 0, skipped: 0 };
    for (const row of this.sql('SELECT status, count(*) AS n FROM photos GROUP BY status').all() as {
      status: PhotoStatus;
      n: number;
    }[]) {
      counts[row.status] = row.n;
    }
    return counts;
  }

  /** Every photo that has been decoded (so has metadata and a thumbnail), newest first. */
  timeline(): { id: number; path: string; takenAt: number; width: number | null; height: number | null }[] {
    return this.sql(
      `SELECT p.id, p.path, COALESCE(c.taken_at, p.mtime_ms) AS takenAt, c.width, c.height
         FROM photos p JOIN contents c ON c.fingerprint = p.fingerprint
        WHERE c.has_thumbnail = 1 AND p.status IN ('indexed', 'pending')
        ORDER BY takenAt DESC, p.id DESC`,
    ).all() as { id: number; path: string; takenAt: number; width: number | null; height: number | null }[];
  }

  /** Indexed photos with what duplicate detection needs: perceptual hash, size, age. */
  duplicateCandidates(): { id: number; path: string; phash: string; width: number; height: number; mtimeMs: number }[] {
    return this.sql(
      `SELECT p.id, p.path, c.phash, c.width, c.height, p.mtime_ms AS mtimeMs
         FROM photos p JOIN contents c ON c.fingerprint = p.fingerprint
        WHERE p.status = 'indexed' AND c.phash IS NOT NULL`,
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

  /** Forgets bytes no file holds any more; returns their fingerprints so thumbnails can go too. */
  deleteOrphanContents(): string[] {
    const rows = this.sql(
      `DELETE FROM contents WHERE NOT EXISTS (SELECT 1 FROM photos p WHERE p.fingerprint = contents.fingerprint)
         RETURNING fingerprint, has_thumbnail AS hasThumbnail`,
    ).all() as { fingerprint: string; hasThumbnail: number }[];
    return rows.filter((row) => row.hasThumbnail).map((row) => row.fingerprint);
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
