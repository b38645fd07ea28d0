import type { Database, Statement } from 'better-sqlite3';
import { StatementCache } from './statements.js';
import { blobVector } from '../vector-index.js';

export interface AlbumRow {
  id: number;
  name: string;
  prompts: string[];
  negatives: string[];
  sensitivity: number;
  starter: string | null;
  createdAt: number;
}

export interface ScoreRow {
  photoId: number;
  score: number;
  background: number;
}

/** Every SQL statement about albums: definitions, hand overrides and stored scores. */
export class AlbumStore {
  private readonly statements: StatementCache;

  constructor(private readonly db: Database) {
    this.statements = new StatementCache(db);
  }

  private sql(text: string): Statement {
    return this.statements.get(text);
  }

  list(): AlbumRow[] {
    return (this.sql('SELECT * FROM albums ORDER BY name COLLATE NOCASE').all() as RawAlbum[]).map(toAlbum);
  }

  byName(name: string): AlbumRow | undefined {
    const row = this.sql('SELECT * FROM albums WHERE name = ? COLLATE NOCASE').get(name) as RawAlbum | undefined;
    return row ? toAlbum(row) : undefined;
  }

  create(album: Omit<AlbumRow, 'id' | 'createdAt'>): number {
    const result = this.sql(
      'INSERT INTO albums (name, prompts, negatives, sensitivity, starter, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    ).run(
      album.name,
      JSON.stringify(album.prompts),
      JSON.stringify(album.negatives),
      album.sensitivity,
      album.starter,
      Date.now(),
    );
    return Number(result.lastInsertRowid);
  }

  /** New prompts make the stored scores meaningless; a new sensitivity does not. */
  update(id: number, change: { prompts?: string[]; negatives?: string[]; sensitivity?: number; name?: string }): void {
    this.db
      .transaction(() => {
        const current = this.sql('SELECT * FROM albums WHERE id = ?').get(id) as RawAlbum;
        this.sql('UPDATE albums SET name = ?, prompts = ?, negatives = ?, sensitivity = ? WHERE id = ?').run(
          change.name ?? current.name,
          change.prompts ? JSON.stringify(change.prompts) : current.prompts,
          change.negatives ? JSON.stringify(change.negatives) : current.negatives,
          change.sensitivity ?? current.sensitivity,
          id,
        );
        if (change.prompts || change.negatives) this.sql('DELETE FROM album_scores WHERE album_id = ?').run(id);
      })
      .immediate();
  }

  delete(id: number): void {
    this.sql('DELETE FROM albums WHERE id = ?').run(id);
  }

  setOverride(albumId: number, fingerprint: string, include: boolean | null): void {
    if (include === null) {
      this.sql('DELETE FROM album_overrides WHERE album_id = ? AND fingerprint = ?').run(albumId, fingerprint);
    } else {
      this.sql(
        `INSERT INTO album_overrides (album_id, fingerprint, include) VALUES (?, ?, ?)
         ON CONFLICT(album_id, fingerprint) DO UPDATE SET include = excluded.include`,
      ).run(albumId, fingerprint, include ? 1 : 0);
    }
  }

  /** Hand overrides by photo id, for the photos present now. */
  overrides(albumId: number): Map<number, boolean> {
    const rows = this.sql(
      `SELECT p.id AS photoId, o.include FROM album_overrides o JOIN photos p ON p.fingerprint = o.fingerprint
        WHERE o.album_id = ?`,
    ).all(albumId) as { photoId: number; include: number }[];
    return new Map(rows.map((row) => [row.photoId, row.include === 1]));
  }

  scores(albumId: number, modelId: string): ScoreRow[] {
    return this.sql(
      `SELECT s.photo_id AS photoId, s.score, s.background FROM album_scores s
         JOIN photos p ON p.id = s.photo_id AND p.status = 'photo'
        WHERE s.album_id = ? AND s.model_id = ?`,
    ).all(albumId, modelId) as ScoreRow[];
  }

  /** Indexed photos with an embedding for the model but no score for the album yet. */
  unscored(albumId: number, modelId: string, limit: number): { photoId: number; vector: Float32Array }[] {
    const rows = this.sql(
      `SELECT p.id AS photoId, e.vector FROM photos p
         JOIN contents c ON c.fingerprint = p.fingerprint
         JOIN embeddings e ON e.content_id = c.id AND e.model_id = ?
        WHERE p.status = 'photo' AND NOT EXISTS (
          SELECT 1 FROM album_scores s WHERE s.album_id = ? AND s.model_id = ? AND s.photo_id = p.id)
        LIMIT ?`,
    ).all(modelId, albumId, modelId, limit) as { photoId: number; vector: Buffer }[];
    return rows.map((row) => ({ photoId: row.photoId, vector: blobVector(row.vector) }));
  }

  saveScores(albumId: number, modelId: string, rows: readonly ScoreRow[]): void {
    const insert = this.sql(
      `INSERT INTO album_scores (album_id, model_id, photo_id, score, background) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(album_id, model_id, photo_id) DO UPDATE SET score = excluded.score, background = excluded.background`,
    );
    this.db
      .transaction(() => {
        for (const row of rows) insert.run(albumId, modelId, row.photoId, row.score, row.background);
      })
      .immediate();
  }
}

interface RawAlbum {
  id: number;
  name: string;
  prompts: string;
  negatives: string;
  sensitivity: number;
  starter: string | null;
  created_at: number;
}

function toAlbum(row: RawAlbum): AlbumRow {
  return {
    id: row.id,
    name: row.name,
    prompts: JSON.parse(row.prompts) as string[],
    negatives: JSON.parse(row.negatives) as string[],
    sensitivity: row.sensitivity,
    starter: row.starter,
    createdAt: row.created_at,
  };
}
