import type { EncoderClient } from '../worker/encoder-client.js';
import { WorkerCrashedError } from '../worker/encoder-client.js';
import type { ImageResult } from '../shared/worker-protocol.js';
import type { LibraryStore, PhotoRow } from './store/library-store.js';
import { describeError } from '../shared/errors.js';
import { storeFaultReason } from '../shared/store-faults.js';

export interface IndexProgress {
  /** Photos finished in this run (indexed or failed). */
  done: number;
  /** Photos this run has to finish: done + still pending. */
  total: number;
  encoded: number;
  /** Photos that needed no decoding: copies of bytes encoded in this run. */
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

/** A store fault that stopped the drain; the photos involved stay pending. */
export class StoreFault extends Error {
  override readonly name = 'StoreFault';
  constructor(
    readonly reason: string,
    override readonly cause: unknown,
  ) {
    super(reason);
  }
}

/** Pending counts cost a pass over the library: progress refreshes the total this often at most. */
const TOTAL_REFRESH_MS = 1000;

export function emptyProgress(): IndexProgress {
  return {
    done: 0,
    total: 0,
    encoded: 0,
    reused: 0,
    failed: 0,
    photosPerSecond: 0,
    etaSeconds: null,
    currentPath: null,
  };
}

/**
 * Encodes, for one model, every photo whose content has no embedding for it yet, and records each
 * batch in one transaction: content metadata, embedding and search-index rows together, so a kill
 * at any moment leaves every photo either indexed for that model or still pending.
 *
 * Copies of one photo are sent once: saving the embedding of their bytes makes all of them
 * searchable. When the worker dies, the photos it was holding are retried one at a time; one that
 * is in flight for `maxCrashes` crashes is recorded as failed with the reason. A store fault (disk
 * full, database busy) is nobody's photo: the drain stops taking work, lets what is in flight
 * finish, and throws StoreFault with every unfinished photo still pending.
 */
export class Indexer {
  private readonly suspects = new Set<number>();
  private readonly inFlight = new Set<number>();
  private readonly fingerprintsInFlight = new Set<string>();
  private afterId = 0;
  private fault: StoreFault | null = null;
  private unexpected: unknown = null;

  constructor(
    private readonly store: LibraryStore,
    private readonly encoder: EncoderClient,
    private readonly modelId: string,
    private readonly options: IndexerOptions = DEFAULT_INDEXER_OPTIONS,
  ) {}

  /**
   * Runs until nothing is pending for the model or `signal` aborts (then the batches in flight
   * finish and are recorded). `progress` is updated in place, so a drain resumed after a pause
   * keeps counting.
   */
  async drain(
    signal: AbortSignal,
    progress: IndexProgress,
    onProgress?: (progress: IndexProgress) => void,
  ): Promise<IndexProgress> {
    const started = performance.now();
    const doneBefore = progress.done;
    let totalAt = -Infinity;
    const report = (path: string | null) => {
      const now = performance.now();
      if (now - totalAt >= TOTAL_REFRESH_MS || progress.done >= progress.total) {
        totalAt = now;
        progress.total = progress.done + this.store.countPending(this.modelId);
      }
      const seconds = (now - started) / 1000;
      progress.photosPerSecond = seconds > 0 ? (progress.done - doneBefore) / seconds : 0;
      progress.etaSeconds =
        progress.photosPerSecond > 0 ? Math.max(0, progress.total - progress.done) / progress.photosPerSecond : null;
      progress.currentPath = path;
      onProgress?.({ ...progress });
    };
    report(null);

    const running = new Set<Promise<void>>();
    for (;;) {
      const batch = signal.aborted || this.fault || this.unexpected ? [] : this.nextBatch();
      if (batch.length === 0) {
        if (running.size === 0) break;
        await Promise.race(running);
        continue;
      }
      // process() records every outcome itself and never rejects, so nothing here goes unhandled.
      const task: Promise<void> = this.process(batch, progress).then(() => {
        running.delete(task);
        report(batch.at(-1)?.path ?? null);
      });
      running.add(task);
      // Photos under suspicion go alone, so a crash names its culprit.
      if (running.size >= this.options.batchesInFlight || this.suspects.size > 0) await Promise.race(running);
    }
    report(null);
    if (this.unexpected) throw this.unexpected;
    if (this.fault) throw this.fault;
    return progress;
  }

  private nextBatch(): PhotoRow[] {
    if (this.suspects.size > 0) {
      if (this.inFlight.size > 0) return [];
      for (const id of this.suspects) {
        const row = this.store.photoById(id);
        if (row && this.store.stillPending(row.id, row.fingerprint, this.modelId)) return this.take([row]);
        this.suspects.delete(id);
      }
    }
    const size = this.options.batchSize;
    const batch: PhotoRow[] = [];
    let wrapped = false;
    while (batch.length < size) {
      const rows = this.store.pendingPhotos(this.modelId, size * 2, this.afterId, [...this.inFlight]);
      if (rows.length === 0) {
        // Photos below the cursor can be pending again (changed in place, or copies of a photo
        // that failed): one more pass from the start finds them.
        if (wrapped || this.afterId === 0) break;
        wrapped = true;
        this.afterId = 0;
        continue;
      }
      for (const row of rows) {
        this.afterId = Math.max(this.afterId, row.id);
        if (row.fingerprint && this.fingerprintsInFlight.has(row.fingerprint)) continue;
        batch.push(row);
        if (row.fingerprint) this.fingerprintsInFlight.add(row.fingerprint);
        if (batch.length === size) break;
      }
    }
    return this.take(batch);
  }

  private take(batch: PhotoRow[]): PhotoRow[] {
    for (const row of batch) {
      this.inFlight.add(row.id);
      if (row.fingerprint) this.fingerprintsInFlight.add(row.fingerprint);
    }
    return batch;
  }

  private async process(batch: PhotoRow[], progress: IndexProgress): Promise<void> {
    try {
      let results: ImageResult[];
      try {
        results = await this.encoder.encodeImages(
          batch.map((row) => ({ key: row.id, path: row.path, fingerprint: row.fingerprint })),
        );
      } catch (error) {
        this.recordBatchFailure(batch, error, progress);
        return;
      }
      this.record(batch, results, progress);
    } catch (error) {
      // Recording failed: the store is at fault (full, busy), or this is a bug; either way no
      // photo is to blame and the drain stops with the batch still pending.
      const reason = storeFaultReason(error);
      if (reason) this.fault ??= new StoreFault(reason, error);
      else this.unexpected ??= error;
    } finally {
      for (const row of batch) {
        this.inFlight.delete(row.id);
        if (row.fingerprint) this.fingerprintsInFlight.delete(row.fingerprint);
      }
    }
  }

  private record(batch: PhotoRow[], results: ImageResult[], progress: IndexProgress): void {
    const sent = new Map(batch.map((row) => [row.id, row]));
    const counted = { encoded: 0, reused: 0, failed: 0 };
    this.store.transaction(() => {
      for (const result of results) {
        const row = sent.get(result.key);
        this.suspects.delete(result.key);
        if (!row || !this.store.stillPending(row.id, row.fingerprint, this.modelId)) continue;
        if (!result.ok) {
          if (result.storeFault) {
            this.fault ??= new StoreFault(result.storeFault, result.reason);
            continue;
          }
          this.store.markFailed(row.id, result.reason);
          counted.failed++;
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
        const copiesBefore = this.store.countPendingWithFingerprint(row.fingerprint!, this.modelId);
        this.store.saveEmbedding(contentId, this.modelId, result.vector);
        counted.encoded++;
        counted.reused += copiesBefore - 1;
      }
    });
    // Counted only once the transaction holds: a store fault rolls the whole batch back.
    progress.encoded += counted.encoded;
    progress.reused += counted.reused;
    progress.failed += counted.failed;
    progress.done += counted.encoded + counted.reused + counted.failed;
  }

  private recordBatchFailure(batch: PhotoRow[], error: unknown, progress: IndexProgress): void {
    const crashed = error instanceof WorkerCrashedError;
    let failed = 0;
    this.store.transaction(() => {
      for (const row of batch) {
        if (!this.store.stillPending(row.id, row.fingerprint, this.modelId)) continue;
        const crashes = crashed ? this.store.addCrash(row.id) : 0;
        // A lone photo that fails is the cause; a batch that fails may hold one bad photo.
        const culprit = crashed ? crashes >= this.options.maxCrashes : batch.length === 1;
        if (culprit) {
          const reason = crashed
            ? `decoding this photo crashed the worker ${crashes} times (${describeError(error)})`
            : `the photo could not be encoded (${describeError(error)})`;
          this.store.markFailed(row.id, reason);
          this.suspects.delete(row.id);
          failed++;
        } else {
          this.suspects.add(row.id);
        }
      }
    });
    progress.failed += failed;
    progress.done += failed;
  }
}
