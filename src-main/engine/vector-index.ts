import type { Database, Statement } from 'better-sqlite3';

export interface Neighbour {
  photoId: number;
  /** Cosine similarity to the query, in [-1, 1]. */
  score: number;
}

export interface NeighbourFilter {
  folderIds?: readonly number[];
  takenFrom?: number;
  takenTo?: number;
}

/** sqlite-vec's ceiling on k for one KNN query. */
export const MAX_NEIGHBOURS = 4096;

/**
 * One model's sqlite-vec search index: a vec0 table keyed by photo id, carrying the columns that
 * searches filter on. It is derived data: `rebuild` recreates it from the embeddings table.
 * vec0 (pre-1.0) mishandles INSERT OR REPLACE, so an update is a delete then an insert.
 */
export class VectorIndex {
  private readonly insertRow: Statement;
  private readonly deleteRow: Statement;

  private constructor(
    private readonly db: Database,
    readonly modelId: string,
    readonly dimensions: number,
    readonly table: string,
  ) {
    this.insertRow = db.prepare(`INSERT INTO ${table} (rowid, embedding, folder_id, taken_at) VALUES (?, ?, ?, ?)`);
    this.deleteRow = db.prepare(`DELETE FROM ${table} WHERE rowid = ?`);
  }

  static forModel(db: Database, modelId: string, dimensions: number): VectorIndex {
    const known = db.prepare('SELECT dimensions, index_table AS tableName FROM models WHERE id = ?').get(modelId) as
      { dimensions: number; tableName: string } | undefined;
    if (known && known.dimensions !== dimensions) {
      throw new Error(`model ${modelId} was indexed with ${known.dimensions} dimensions, now has ${dimensions}`);
    }
    const table = known?.tableName ?? `photo_vectors_${nextTableNumber(db)}`;
    db.transaction(() => {
      if (!known)
        db.prepare('INSERT INTO models (id, dimensions, index_table) VALUES (?, ?, ?)').run(modelId, dimensions, table);
      db.exec(
        `CREATE VIRTUAL TABLE IF NOT EXISTS ${table} USING vec0(` +
          `embedding float[${dimensions}] distance_metric=cosine, folder_id integer, taken_at integer)`,
      );
    }).immediate();
    return new VectorIndex(db, modelId, dimensions, table);
  }

  put(photoId: number, vector: Float32Array, folderId: number, takenAt: number): void {
    this.remove(photoId);
    this.insertRow.run(BigInt(photoId), vectorBlob(vector), BigInt(folderId), BigInt(Math.round(takenAt)));
  }

  remove(photoId: number): void {
    this.deleteRow.run(BigInt(photoId));
  }

  count(): number {
    return (this.db.prepare(`SELECT count(*) AS n FROM ${this.table}`).get() as { n: number }).n;
  }

  nearest(query: Float32Array, k: number, filter: NeighbourFilter = {}): Neighbour[] {
    const clauses = ['embedding MATCH ?', 'k = ?'];
    const params: unknown[] = [vectorBlob(query), Math.min(Math.max(1, k), MAX_NEIGHBOURS)];
    if (filter.folderIds && filter.folderIds.length > 0) {
      clauses.push(`folder_id IN (${filter.folderIds.map(() => '?').join(', ')})`);
      params.push(...filter.folderIds.map((id) => BigInt(id)));
    }
    if (filter.takenFrom !== undefined) {
      clauses.push('taken_at >= ?');
      params.push(BigInt(Math.round(filter.takenFrom)));
    }
    if (filter.takenTo !== undefined) {
      clauses.push('taken_at <= ?');
      params.push(BigInt(Math.round(filter.takenTo)));
    }
    const rows = this.db
      .prepare(`SELECT rowid AS photoId, distance FROM ${this.table} WHERE ${clauses.join(' AND ')} ORDER BY distance`)
      .all(...params) as { photoId: number; distance: number }[];
    return rows.map((row) => ({ photoId: row.photoId, score: 1 - row.distance }));
  }

  /** Recreates the index from the source of truth (also reclaims space vec0 keeps after deletes). */
  rebuild(): number {
    return this.db
      .transaction(() => {
        this.db.exec(`DELETE FROM ${this.table}`);
        const rows = this.db
          .prepare(
            `SELECT p.id, p.folder_id AS folderId, COALESCE(c.taken_at, p.mtime_ms) AS takenAt, e.vector
             FROM photos p JOIN contents c ON c.fingerprint = p.fingerprint
             JOIN embeddings e ON e.content_id = c.id AND e.model_id = ?
            WHERE p.status = 'photo'`,
          )
          .all(this.modelId) as { id: number; folderId: number; takenAt: number; vector: Buffer }[];
        for (const row of rows)
          this.insertRow.run(BigInt(row.id), row.vector, BigInt(row.folderId), BigInt(row.takenAt));
        return rows.length;
      })
      .immediate();
  }
}

/** Every model's search index table. */
export function indexTables(db: Database): { modelId: string; table: string }[] {
  return db.prepare('SELECT id AS modelId, index_table AS "table" FROM models').all() as {
    modelId: string;
    table: string;
  }[];
}

/** Removes photos from every model's index: a deleted file leaves all searches. */
export function removeFromAllIndexes(db: Database, photoIds: readonly number[]): void {
  if (photoIds.length === 0) return;
  for (const { table: name } of indexTables(db)) {
    const remove = db.prepare(`DELETE FROM ${name} WHERE rowid = ?`);
    for (const id of photoIds) remove.run(BigInt(id));
  }
}

/** A photo now belongs to another library folder: every model's index must filter it by the new one. */
export function moveInAllIndexes(db: Database, photoIds: readonly number[], folderId: number): void {
  if (photoIds.length === 0) return;
  for (const { table: name } of indexTables(db)) {
    const move = db.prepare(`UPDATE ${name} SET folder_id = ? WHERE rowid = ?`);
    for (const id of photoIds) move.run(BigInt(folderId), BigInt(id));
  }
}

export function vectorBlob(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

export function blobVector(blob: Buffer): Float32Array {
  const copy = new Uint8Array(blob);
  return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
}

function nextTableNumber(db: Database): number {
  const row = db
    .prepare(
      "SELECT COALESCE(MAX(CAST(substr(index_table, length('photo_vectors_') + 1) AS INTEGER)), 0) AS n FROM models",
    )
    .get() as { n: number };
  return row.n + 1;
}
