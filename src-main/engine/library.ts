import { existsSync, realpathSync, statSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import type { Database } from 'better-sqlite3';
import { DECODER_VERSION, thumbnailPathFor } from '../shared/worker-protocol.js';
import type { DevicePreference, ProviderReport } from '../shared/worker-protocol.js';
import type { Thresholds } from './album-rule.js';
import type { AlbumDefinition, AlbumView, MemberScore } from './albums.js';
import { CancelledError, Coordinator } from './coordinator.js';
import { dataDirLayout, type DataDirLayout } from './data-dir.js';
import type { DuplicateGroup } from './duplicates.js';
import { IndexingPausedError, UserError } from '../shared/errors.js';
import { asPaused, pausedError } from './faults.js';
import { countHidden, createIgnoreMatcher, type IgnoreMatcher } from './ignore.js';
import {
  DEFAULT_INDEXER_OPTIONS,
  Indexer,
  StoreFault,
  emptyProgress,
  type IndexerOptions,
  type IndexProgress,
} from './indexer.js';
import { LibraryAlbums } from './library-albums.js';
import { ModelRegistry, type AttachedModel, type EncoderSettings } from './model-registry.js';
import { loadModelFolder, type ModelFolder } from '../shared/model-manifest.js';
import { Scanner, owningFolder, type ScanProgress, type ScanSummary } from './scanner.js';
import { LibrarySearch, type SearchHit, type SearchOptions } from './search.js';
import type { AlbumRow } from './store/album-store.js';
import { openDatabase } from './store/database.js';
import { LibraryStore, type FolderRow, type PhotoDetails } from './store/library-store.js';
import { FolderWatcher, type FolderWatcherOptions } from './watcher.js';

export type { SearchHit, SearchOptions } from './search.js';

export interface LibraryOptions extends EncoderSettings {
  dataDir: string;
  indexer?: Partial<IndexerOptions>;
}

export interface ModelSummary {
  id: string;
  name: string;
  dir: string;
  /** Photos this model has an embedding for: what a search with it can find. */
  indexed: number;
}

export interface LibraryStatus {
  /** Every file under the library folders, whatever its state. */
  files: number;
  /** Files that are photos: indexed, pending or failed. */
  photos: number;
  /** Photos the active model (the one search uses) has an embedding for. */
  indexed: number;
  /** Photos still to encode for the model indexing works for (the one being prepared, if any). */
  pending: number;
  failed: number;
  skipped: number;
  /** The model search uses. */
  model: ModelSummary | null;
  /** A model being prepared in the background: it takes over when every photo has its embedding. */
  nextModel: ModelSummary | null;
  /** The device setting, and the execution provider the model last ran on (null before it first ran). */
  device: { preference: DevicePreference; provider: string | null; fallbacks: ProviderReport['fallbacks'] };
  folders: string[];
  /** The change being made now (scan, index, model…), or null when idle. */
  activity: string | null;
}

/** Why files are failed or skipped: the long lists, asked for apart from the counts. */
export interface FileReasons {
  failures: { path: string; reason: string }[];
  skippedFiles: { path: string; reason: string }[];
}

export interface IndexRunSummary {
  scan: ScanSummary;
  index: IndexProgress;
}

/** What a follower (the CLI's --watch, the app) hears while the library follows its folders. */
export interface FollowHandlers {
  onScan?: (progress: ScanProgress) => void;
  onIndex?: (progress: IndexProgress) => void;
  /** A batch of watched changes was applied and indexed. */
  onUpdate?: (update: { scan: ScanSummary; index: IndexProgress }) => void;
  /** Indexing caught up: nothing is pending (or it was stopped). */
  onSettled?: (index: IndexProgress) => void;
  /** Indexing paused for a store fault; it is tried again by itself. */
  onPaused?: (error: IndexingPausedError) => void;
  onError?: (error: unknown) => void;
}

const SETTING_IGNORE = 'library.ignore';
const SETTING_DECODER = 'decoder.version';
/** Bytes no file holds any more keep their embeddings this long (an ignore pattern undone costs no decoding). */
const ORPHAN_KEEP_MS = 14 * 24 * 60 * 60 * 1000;
/** After a pause for a full or busy disk, the follower tries again this often. */
const PAUSED_RETRY_MS = 30_000;
const DRAIN = 'drain';

/**
 * The engine's front door: one library (a data folder holding the database and thumbnails) and
 * everything done to it. Every change goes through one Coordinator, in order; reads (search,
 * timeline, details, albums) go straight to the database and never wait for it. Plain Node; the
 * CLI and the engine process of `shoebox serve` and the desktop app drive this.
 */
export class Library {
  readonly layout: DataDirLayout;
  readonly store: LibraryStore;
  private readonly models: ModelRegistry;
  private readonly searcher: LibrarySearch;
  private readonly albumBook: LibraryAlbums;
  private readonly coordinator = new Coordinator();
  private readonly drainListeners = new Set<(progress: IndexProgress) => void>();
  private watcher: FolderWatcher | null = null;
  private following: FollowHandlers | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Bumped by stopIndexing, so that an index() whose scan was running does not go on to drain. */
  private stops = 0;
  private closing: Promise<void> | null = null;

  private constructor(
    readonly db: Database,
    private readonly options: LibraryOptions,
  ) {
    // Canonical, so that a data folder kept inside a library folder is recognised and never scanned.
    this.layout = dataDirLayout(realpathSync(resolve(options.dataDir)));
    this.store = new LibraryStore(db);
    this.models = new ModelRegistry(db, this.store, this.layout, options);
    this.searcher = new LibrarySearch(this.store, this.models);
    this.albumBook = new LibraryAlbums(db, this.store, this.models, this.searcher);
    // A decoder that learnt new formats or fixes gives every failed photo another chance.
    if (this.store.getSetting(SETTING_DECODER) !== String(DECODER_VERSION)) {
      this.store.transaction(() => {
        this.store.retryFailed();
        this.store.setSetting(SETTING_DECODER, String(DECODER_VERSION));
      });
    }
  }

  static open(options: LibraryOptions): Library {
    const layout = dataDirLayout(resolve(options.dataDir));
    if (existsSync(layout.root) && !statSync(layout.root).isDirectory()) {
      throw new UserError(`The data folder ${layout.root} is a file, not a folder.`);
    }
    const db = openDatabase(layout.database, options.onNotice ? { onNotice: options.onNotice } : {});
    try {
      return new Library(db, options);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** Stops following, cancels queued work, waits for the job in flight, then closes. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.unfollow();
      await this.coordinator.close();
      this.models.closeEncoders();
      this.db.close();
    })();
    return this.closing;
  }

  // Folders -------------------------------------------------------------------------------------

  folders(): FolderRow[] {
    return this.store.folders();
  }

  /** Adds a folder; a folder already inside the library is refused, one that contains library folders absorbs them. */
  addFolder(path: string): Promise<{ folder: FolderRow; absorbed: string[] }> {
    const absolute = canonicalFolder(path);
    return this.job('add folder', async () => {
      const folders = this.store.folders();
      const container = owningFolder(folders, absolute);
      if (container) {
        throw new UserError(
          container.path === absolute
            ? `${absolute} is already in the library.`
            : `${absolute} is already in the library, inside ${container.path}.`,
        );
      }
      const added = this.store.transaction(() => {
        const id = this.store.addFolder(absolute);
        const absorbed = folders.filter((folder) => folder.path.startsWith(absolute + sep));
        for (const folder of absorbed) this.store.mergeFolderInto(folder.id, id);
        return { folder: { id, path: absolute }, absorbed: absorbed.map((folder) => folder.path) };
      });
      for (const inner of added.absorbed) this.watcher?.unwatchFolder(inner);
      this.watcher?.watchFolder(absolute);
      if (this.following) this.followUp('scan');
      return added;
    });
  }

  /** Forgets a folder and its photos (never touching the files); what they cost is kept a while. */
  removeFolder(path: string): Promise<void> {
    const absolute = resolve(path);
    const canonical = existsSync(absolute) ? realpathSync(absolute) : absolute;
    return this.job('remove folder', async () => {
      const folder = this.store.folders().find((f) => f.path === canonical || f.path === absolute);
      if (!folder) throw new UserError(`${absolute} is not a library folder.`);
      this.watcher?.unwatchFolder(folder.path);
      this.store.transaction(() => this.store.removeFolder(folder.id));
      await this.collectGarbage();
      if (this.following) this.followUp('drain');
    });
  }

  ignorePatterns(): string[] {
    return JSON.parse(this.store.getSetting(SETTING_IGNORE) ?? '[]') as string[];
  }

  /** How many photos these patterns would hide, of how many in the library. */
  ignoreImpact(patterns: readonly string[]): { hidden: number; total: number } {
    const photos = this.store.photoPaths();
    return {
      hidden: countHidden(cleanPatterns(patterns), this.store.folders(), photos, [this.layout.root]),
      total: photos.length,
    };
  }

  /**
   * Replaces the ignore patterns. Photos they hide leave search at once (their embeddings are kept
   * until the usual clean-up, so undoing it costs no decoding); files they stop hiding are found
   * by the next scan. A change that would hide more than half of the library needs `confirmed`.
   */
  setIgnorePatterns(
    patterns: readonly string[],
    options: { confirmed?: boolean } = {},
  ): Promise<{ hidden: number; total: number }> {
    const cleaned = cleanPatterns(patterns);
    return this.job('ignore patterns', async () => {
      const impact = this.ignoreImpact(cleaned);
      if (!options.confirmed && impact.hidden * 2 > impact.total) {
        throw new UserError(
          `These patterns would hide ${impact.hidden} of the ${impact.total} photos in the library; confirm to go ahead.`,
        );
      }
      const matcher = createIgnoreMatcher(cleaned, [this.layout.root]);
      const roots = new Map(this.store.folders().map((folder) => [folder.id, folder.path]));
      const hidden = this.store
        .photoPaths()
        .filter((photo) => {
          const root = roots.get(photo.folderId);
          return root !== undefined && matcher(photo.path, root, false);
        })
        .map((photo) => photo.id);
      this.store.transaction(() => {
        this.store.setSetting(SETTING_IGNORE, JSON.stringify(cleaned));
        this.store.deletePhotos(hidden);
      });
      if (this.following) this.followUp('scan');
      return impact;
    });
  }

  // Models --------------------------------------------------------------------------------------

  activeModel(): ModelFolder | null {
    return this.models.active?.folder ?? null;
  }

  /** The model photos are being encoded for, while search still uses the active one. */
  pendingModel(): ModelFolder | null {
    return this.models.next?.folder ?? null;
  }

  /**
   * Chooses the library's model, in order with every other change: a drain running now gives
   * way at its next batch. The first model becomes active at once; another is prepared in the
   * background (search keeps the active one until every photo has the new embedding); choosing
   * the active model again cancels a switch in progress. Failed photos get another chance.
   */
  useModel(dir: string): Promise<{ changed: boolean; pending: number }> {
    const chosen = loadModelFolder(dir);
    return this.job('model', async () => {
      const { changed } = this.models.choose(chosen);
      if (!changed) return { changed: false, pending: 0 };
      this.store.retryFailed();
      this.searcher.forgetTexts();
      const pending = this.store.countPending(chosen.manifest.id);
      if (this.models.promoteIfReady()) this.searcher.forgetTexts();
      if (this.following) this.followUp('drain');
      return { changed: true, pending };
    });
  }

  devicePreference(): DevicePreference {
    return this.models.devicePreference();
  }

  /** Chooses where the model runs; the worker restarts with it before the next batch. */
  setDevicePreference(preference: DevicePreference): Promise<void> {
    return this.job('device', async () => {
      if (this.models.setDevicePreference(preference) && this.following) this.followUp('drain');
    });
  }

  // Scanning and indexing -----------------------------------------------------------------------

  /** Compares every file with the index (cheap for unchanged files) and records what changed. */
  scan(onProgress?: (progress: ScanProgress) => void): Promise<ScanSummary> {
    return this.job('scan', async () => {
      const summary = await this.scanner().reconcile(this.store.folders(), onProgress);
      await this.collectGarbage();
      return summary;
    });
  }

  /**
   * Removes library files with `remove` (the desktop's move to the trash), in order with every
   * other change, and forgets them at once rather than waiting for the watcher; returns how many.
   */
  removeFiles(paths: readonly string[], remove: (path: string) => Promise<void>): Promise<number> {
    return this.job('move to trash', async () => {
      const removed: string[] = [];
      try {
        for (const path of paths) {
          await remove(path);
          removed.push(path);
        }
      } finally {
        await this.scanner().update(this.store.folders(), [], removed);
      }
      return removed.length;
    });
  }

  /** Scans, then encodes every pending photo. */
  async index(
    handlers: { onScan?: (p: ScanProgress) => void; onIndex?: (p: IndexProgress) => void } = {},
  ): Promise<IndexRunSummary> {
    this.models.requireActive();
    const stops = this.stops;
    const scan = await this.scan(handlers.onScan);
    const index = this.stops === stops ? await this.drain(handlers.onIndex) : emptyProgress();
    return { scan, index };
  }

  /**
   * Encodes every photo the target model has no embedding for. Drains give way to any other
   * change and then go on, so the promise settles when the library is caught up (or stopped).
   * Rejects with IndexingPausedError, marking no photo failed, when the store cannot take more.
   */
  drain(onProgress?: (progress: IndexProgress) => void): Promise<IndexProgress> {
    this.models.requireActive();
    if (onProgress) this.drainListeners.add(onProgress);
    const progress = emptyProgress();
    const run = this.job('index', (signal) => this.runDrain(signal, progress), {
      yields: true,
      key: DRAIN,
    });
    if (onProgress) {
      const forget = () => this.drainListeners.delete(onProgress);
      run.then(forget, forget);
    }
    return run;
  }

  /** Recreates the model's search index from the stored embeddings (repairs it, reclaims space). */
  rebuildSearchIndex(): Promise<number> {
    return this.job('rebuild index', async () => this.models.requireActive().index.rebuild());
  }

  /** Asks indexing to finish the photos in flight and stop; what is done stays done. */
  stopIndexing(): void {
    this.stops++;
    this.coordinator.stop(DRAIN);
  }

  /** Failed photos are tried again; returns how many. */
  retryFailed(): Promise<number> {
    return this.job('retry failed', async () => {
      const count = this.store.retryFailed();
      if (count > 0 && this.following) this.followUp('drain');
      return count;
    });
  }

  /**
   * Follows the folders: the watcher starts first, so that nothing happening during the first
   * scan is missed; then the library is scanned and indexed; from then on settled changes are
   * applied and indexed as they come. A pause for a full disk is reported and retried. Resolves
   * (after the first pass) to what it did and a handle that stops following.
   */
  async watch(
    handlers: FollowHandlers = {},
    options: FolderWatcherOptions = {},
  ): Promise<{ initial: IndexRunSummary; close(): Promise<void> }> {
    this.models.requireActive();
    if (this.watcher) throw new Error('the library is already being watched');
    this.following = handlers;
    this.watcher = new FolderWatcher(
      () => this.store.folders(),
      () => this.ignoreMatcher(),
      (changes) => {
        this.coordinator
          .run('watched changes', () => this.scanner().update(this.store.folders(), changes.changed, changes.removed))
          .then(async (scan) => {
            const index = await this.drain();
            this.following?.onUpdate?.({ scan, index });
          })
          .catch((error: unknown) => this.reportFollowError(error));
      },
      { ...options, onError: (error) => this.reportFollowError(error) },
    );
    await this.watcher.whenReady();
    let initial: IndexRunSummary;
    try {
      const scan = await this.scan(handlers.onScan);
      // Progress reaches handlers.onIndex as the follower's; no need to listen twice.
      initial = { scan, index: await this.drain() };
      handlers.onSettled?.(initial.index);
    } catch (error) {
      if (!(error instanceof IndexingPausedError)) {
        await this.unfollow();
        throw error;
      }
      this.reportFollowError(error);
      initial = { scan: emptyScan(), index: emptyProgress() };
    }
    return { initial, close: () => this.unfollow() };
  }

  // Reads ---------------------------------------------------------------------------------------

  /** Photos best matching a query (text, photo paths, and their arithmetic), best first. */
  search(query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    return this.searcher.search(query, options);
  }

  /** Photos that look like the given one (a library photo or any image file), itself excluded. */
  similar(path: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    return this.searcher.similar(path, options);
  }

  /** CLIP zero-shot classification of any photo among the labels (prompt-ensembled). */
  async classify(
    path: string,
    labels: readonly string[],
  ): Promise<{ label: string; probability: number; similarity: number }[]> {
    this.models.requireActive();
    const absolute = resolve(path);
    if (!existsSync(absolute)) throw new UserError(`No photo at ${absolute}.`);
    const photo = this.store.photoByPath(absolute) ?? this.store.photoByPath(realpathSync(absolute));
    return this.albumBook.classify(await this.searcher.photoVector(absolute, photo?.id ?? null), labels);
  }

  albums(): Promise<{ album: AlbumRow; count: number; coverPhotoId: number | null }[]> {
    return this.albumBook.list();
  }

  createAlbum(definition: AlbumDefinition): AlbumRow {
    return this.albumBook.create(definition);
  }

  updateAlbum(
    name: string,
    change: { prompts?: string[]; negatives?: string[]; sensitivity?: number; name?: string },
  ): AlbumRow {
    return this.albumBook.update(name, change);
  }

  deleteAlbum(name: string): void {
    this.albumBook.delete(name);
  }

  /** The album's members, best first, with its thresholds and the photos near them. */
  album(name: string): Promise<AlbumView> {
    return this.albumBook.view(name);
  }

  setAlbumOverride(name: string, photoId: number, include: boolean | null): void {
    this.albumBook.setOverride(name, photoId, include);
  }

  albumsOfPhoto(
    photoId: number,
  ): Promise<{ name: string; member: boolean; score: MemberScore; thresholds: Thresholds }[]> {
    return this.albumBook.ofPhoto(photoId);
  }

  duplicates(options: { maxHashDistance?: number; minSimilarity?: number } = {}): DuplicateGroup[] {
    return this.albumBook.duplicates(options);
  }

  photoDetails(ids: readonly number[]): Map<number, PhotoDetails> {
    return this.store.photoDetails(ids);
  }

  thumbnailPath(details: PhotoDetails): string | null {
    return details.hasThumbnail && details.fingerprint
      ? thumbnailPathFor(this.layout.thumbnails, details.fingerprint)
      : null;
  }

  /** Counts and settings: cheap enough for a window to ask for every few seconds. */
  status(): LibraryStatus {
    const active = this.models.active;
    const next = this.models.next;
    const counts = this.store.statusCounts(active?.folder.manifest.id ?? null);
    const photos = counts.indexed + counts.pending;
    const nextIndexed = next ? photos - this.store.countPending(next.folder.manifest.id) : 0;
    return {
      files: photos + counts.failed + counts.skipped,
      photos: photos + counts.failed,
      indexed: counts.indexed,
      pending: next ? photos - nextIndexed : counts.pending,
      failed: counts.failed,
      skipped: counts.skipped,
      model: describeModel(active, counts.indexed),
      nextModel: describeModel(next, nextIndexed),
      device: { preference: this.devicePreference(), ...this.models.lastProvider() },
      folders: this.store.folders().map((folder) => folder.path),
      activity: this.coordinator.running(),
    };
  }

  fileReasons(): FileReasons {
    const withReason = (status: 'failed' | 'skipped') =>
      this.store.withStatus(status).map((row) => ({ path: row.path, reason: row.reason ?? 'unknown' }));
    return { failures: withReason('failed'), skippedFiles: withReason('skipped') };
  }

  /** Encoder statistics, for tests and benchmarks. */
  encoderStats(): { imagesRequested: number; workerStarts: number } {
    return this.models.encoderStats();
  }

  // Internals -----------------------------------------------------------------------------------

  private async runDrain(signal: AbortSignal, progress: IndexProgress): Promise<IndexProgress> {
    const report = (update: IndexProgress) => {
      for (const listener of this.drainListeners) listener(update);
      this.following?.onIndex?.(update);
    };
    for (;;) {
      const target = this.models.target();
      if (!target) return progress;
      const encoder = this.models.encoderFor(target.folder);
      const indexer = new Indexer(this.store, encoder, target.folder.manifest.id, {
        ...DEFAULT_INDEXER_OPTIONS,
        ...this.options.indexer,
      });
      try {
        await indexer.drain(signal, progress, report);
      } catch (error) {
        throw error instanceof StoreFault ? pausedError(error.reason, this.layout.root) : error;
      } finally {
        this.noteProvider(encoder);
      }
      if (signal.aborted || !this.models.promoteIfReady()) return progress;
      // The prepared model took over: search uses it from now on.
      this.searcher.forgetTexts();
    }
  }

  private noteProvider(encoder: Parameters<ModelRegistry['noteProvider']>[0]): void {
    try {
      this.models.noteProvider(encoder);
    } catch (error) {
      // Remembering the provider is not worth failing for on a full disk.
      if (!(asPaused(error, this.layout.root) instanceof IndexingPausedError)) throw error;
    }
  }

  /** After a change made while following, the library is brought up to date in the background. */
  private followUp(what: 'scan' | 'drain'): void {
    const following = this.following;
    if (!following) return;
    const scanned = what === 'scan' ? this.scan(following.onScan) : Promise.resolve(null);
    scanned
      .then(() => this.drain())
      .then((index) => this.following?.onSettled?.(index))
      .catch((error: unknown) => this.reportFollowError(error));
  }

  private reportFollowError(error: unknown): void {
    if (error instanceof CancelledError || this.closing) return;
    const paused = asPaused(error, this.layout.root);
    if (paused instanceof IndexingPausedError) {
      this.following?.onPaused?.(paused);
      // A rescan, not only a drain: the change that paused may have been a watched batch, and
      // its paths are found again only by looking (unchanged files cost one stat each).
      this.retryTimer ??= setTimeout(() => {
        this.retryTimer = null;
        this.followUp('scan');
      }, PAUSED_RETRY_MS);
      this.retryTimer.unref();
      return;
    }
    this.following?.onError?.(error);
  }

  private async unfollow(): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.following = null;
    const watcher = this.watcher;
    this.watcher = null;
    await watcher?.close();
  }

  /** Queues a change; a store fault it meets (disk full, database busy) becomes IndexingPausedError. */
  private job<T>(
    name: string,
    work: (signal: AbortSignal) => Promise<T>,
    options: Parameters<Coordinator['run']>[2] = {},
  ): Promise<T> {
    return this.coordinator.run(
      name,
      async (signal) => {
        try {
          return await work(signal);
        } catch (error) {
          throw asPaused(error, this.layout.root);
        }
      },
      options,
    );
  }

  private scanner(): Scanner {
    return new Scanner(this.store, this.ignoreMatcher());
  }

  private ignoreMatcher(): IgnoreMatcher {
    return createIgnoreMatcher(this.ignorePatterns(), [this.layout.root]);
  }

  private async collectGarbage(): Promise<void> {
    const fingerprints = this.store.transaction(() => this.store.deleteOrphanContents(Date.now(), ORPHAN_KEEP_MS));
    await Promise.all(
      fingerprints.map((fingerprint) =>
        unlink(thumbnailPathFor(this.layout.thumbnails, fingerprint)).catch(() => undefined),
      ),
    );
  }
}

function describeModel(model: AttachedModel | null, indexed: number): ModelSummary | null {
  return model
    ? { id: model.folder.manifest.id, name: model.folder.manifest.name, dir: model.folder.dir, indexed }
    : null;
}

function cleanPatterns(patterns: readonly string[]): string[] {
  return patterns.filter((pattern) => pattern.trim().length > 0);
}

function emptyScan(): ScanSummary {
  return { added: 0, changed: 0, moved: 0, removed: 0, unchanged: 0, unreachable: [] };
}

function canonicalFolder(path: string): string {
  const absolute = resolve(path);
  if (!existsSync(absolute)) throw new UserError(`No folder at ${absolute}.`);
  if (!statSync(absolute).isDirectory()) throw new UserError(`${absolute} is a file, not a folder.`);
  return realpathSync(absolute);
}
