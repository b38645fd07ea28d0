import type { EncoderClient } from '../worker/encoder-client.js';
import { WorkerCrashedError } from '../worker/encoder-client.js';
import type { ImageResult } from '../worker/protocol.js';
import type { LibraryStore, PhotoRow } from './store/library-store.js';
import { blobVector, type VectorIndex } from './vector-index.js';
import { describeError } from './errors.js';

export interface IndexProgress {
  /** Photos finished in this run (indexed or failed). */
  done: number;
  /** Photos this run has to finish: done + still pending. */
  total: number;
  encoded: number;
  /** Photos that needed no decoding: moved, renamed or copied bytes already encoded. */
  reused: number;
  failed: number;
  photosPerSecond: number;
  etaSeconds: number | null;
  currentPath: string | null;
}

export interface IndexerOptions {
  batchSize: number;
  /** Batches handed to the worker at once, so decoding the next overlaps encoding this one. */
  batchesInFlight: number;
  /** A photo in flight during this many worker crashes is recorded as failed. */
  maxCrashes: number;
}

export const DEFAULT_INDEXER_OPTIONS: IndexerOptions = { batchSize: 16, batchesInFlight: 2, maxCrashes: 2 };

/**
 * Drains the pending photos through the worker and records each result in one transaction per
 * batch: content metadata, embedding, photo state and search-index row together, so a kill at any
 * moment leaves every photo either fully indexed or still pending.
 *
 * When the worker dies, the photos it was holding are retried one at a time; one that is in
 * flight for `maxCrashes` crashes is recorded as failed with the reason, and indexing goes on.
 */
export class Indexer {
  private readonly suspects = new Set<number>();
  private readonly inFlight = new Set<number>();
  private stopping = false;

  constructor(
    private readonly store: LibraryStore,
    private readonly encoder: EncoderClient,
    private readonly index: VectorIndex,
    private readonly options: IndexerOptions = DEFAULT_INDEXER_OPTIONS,
  ) {}

  stop(): void {
    this.stopping = true;
  }

  async drain(onProgress?: (progress: IndexProgress) => void): Promise<IndexProgress> {
    this.stopping = false;
    const started = performance.now();
    const progress: IndexProgress = {
      done: 0,
      total: this.store.countPending(),
      encoded: 0,
      reused: 0,
      failed: 0,
      photosPerSecond: 0,
      etaSeconds: null,
      currentPath: null,
    };
    const report = (path: string | null) => {
      const seconds = (performance.now() - started) / 1000;
      progress.total = progress.done + this.store.countPending();
      progress.photosPerSecond = seconds > 0 ? progress.done / seconds : 0;
      progress.etaSeconds =
        progress.photosPerSecond > 0 ? (progress.total - progress.done) / progress.photosPerSecond : null;
      progress.currentPath = path;
      onProgress?.({ ...progress });
    };

    const running = new Set<Promise<void>>();
    for (;;) {
      const reused = this.reuseKnownContents();
      if (reused > 0) {
        progress.reused += reused;
        progress.done += reused;
        report(null);
      }
      const batch = this.stopping ? [] : this.nextBatch();
      if (batch.length === 0) {
        if (running.size === 0) break;
        await Promise.race(running);
        continue;
      }
      const task = this.process(batch, progress).then(() => report(batch.at(-1)?.path ?? null));
      running.add(task);
      void task.finally(() => running.delete(task));
      // Photos under suspicion go alone, so a crash names its culprit.
      if (running.size >= this.options.batchesInFlight || this.suspects.size > 0) await Promise.race(running);
    }
    report(null);
    return progress;
  }

  /** Pending photos whose bytes were already encoded (a move, a rename, a copy) need no worker. */
  private reuseKnownContents(): number {
    let total = 0;
    for (;;) {
      const rows = this.store.pendingWithKnownContent(this.index.modelId, 500);
      if (rows.length === 0) return total;
      this.store.transaction(() => {
        for (const row of rows) {
          this.index.put(row.id, blobVector(row.vector), row.folderId, row.takenAt);
          this.store.setStatus(row.id, 'indexed', null);
        }
      });
      total += rows.length;
    }
  }

  private nextBatch(): PhotoRow[] {
    const size = this.suspects.size > 0 ? 1 : this.options.batchSize;
    if (this.suspects.size > 0 && this.inFlight.size > 0) return [];
    const exclude = [...this.inFlight];
    const candidates = this.store.pendingPhotos(size + exclude.length, exclude);
    const suspects = candidates.filter((row) => this.suspects.has(row.id));
    const batch = (suspects.length > 0 ? suspects : candidates).slice(0, size);
    for (const row of batch) this.inFlight.add(row.id);
    return batch;
  }

  private async process(batch: PhotoRow[], progress: IndexProgress): Promise<void> {
    try {
      const results = await this.encoder.encodeImages(
        batch.map((row) => ({ key: row.id, path: row.path, fingerprint: row.fingerprint })),
      );
      this.record(batch, results, progress);
    } catch (error) {
      this.recordBatchFailure(batch, error, progress);
    } finally {
      for (const row of batch) this.inFlight.delete(row.id);
    }
  }

  private record(batch: PhotoRow[], results: ImageResult[], progress: IndexProgress): void {
    const sent = new Map(batch.map((row) => [row.id, row]));
    this.store.transaction(() => {
      for (const result of results) {
        const row = sent.get(result.key);
        this.suspects.delete(result.key);
        if (!row || !this.stillCurrent(row)) continue;
        if (!result.ok) {
          this.store.setStatus(row.id, 'failed', result.reason);
          progress.failed++;
          progress.done++;
          continue;
        }
        const contentId = this.store.saveContent(
          row.fingerprint!,
          result.width,
          result.height,
          result.phash,
          result.metadata,
          result.thumbnail,
        );
        this.store.saveEmbedding(contentId, this.index.modelId, result.vector);
        this.index.put(row.id, result.vector, row.folderId, result.metadata.takenAt ?? row.mtimeMs);
        this.store.setStatus(row.id, 'indexed', null);
        progress.encoded++;
        progress.done++;
      }
    });
  }

  private recordBatchFailure(batch: PhotoRow[], error: unknown, progress: IndexProgress): void {
    const crashed = error instanceof WorkerCrashedError;
    this.store.transaction(() => {
      for (const row of batch) {
        if (!this.stillCurrent(row)) continue;
        const crashes = crashed ? this.store.addCrash(row.id) : 0;
        // A lone photo that fails is the cause; a batch that fails may hold one bad photo.
        const culprit = crashed ? crashes >= this.options.maxCrashes : batch.length === 1;
        if (culprit) {
          const reason = crashed
            ? `decoding this photo crashed the worker ${crashes} times (${describeError(error)})`
            : `the photo could not be encoded (${describeError(error)})`;
          this.store.setStatus(row.id, 'failed', reason);
          this.suspects.delete(row.id);
          progress.failed++;
          progress.done++;
        } else {
          this.suspects.add(row.id);
        }
      }
    });
  }

  /** The file may have changed or vanished while the worker had it. */
  private stillCurrent(row: PhotoRow): boolean {
    const now = this.store.photoByPath(row.path);
    return now !== undefined && now.id === row.id && now.fingerprint === row.fingerprint && now.status === 'pending';
  }
}
