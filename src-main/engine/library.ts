import { existsSync, realpathSync, statSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { resolve, sep } from 'node:path';
import type { Database, Statement } from 'better-sqlite3';
import { EncoderClient, type EncoderClientOptions } from '../worker/encoder-client.js';
import { DEVICE_PREFERENCES, providerName, type DevicePreference, type ProviderReport } from '../worker/providers.js';
import { launchNodeWorker, type WorkerLauncher } from '../worker/host.js';
import { thumbnailPathFor } from '../worker/protocol.js';
import { dataDirLayout, type DataDirLayout } from './data-dir.js';
import { UserError, describeError } from './errors.js';
import { createIgnoreMatcher, type IgnoreMatcher } from './ignore.js';
import { DEFAULT_INDEXER_OPTIONS, Indexer, type IndexerOptions, type IndexProgress } from './indexer.js';
import { loadModelFolder, type ModelFolder } from './models/manifest.js';
import { combineTerms, parseQuery } from './query.js';
import { Scanner, owningFolder, type ScanProgress, type ScanSummary } from './scanner.js';
import { openDatabase } from './store/database.js';
import { LibraryStore, type FolderRow, type PhotoDetails, type PhotoStatus } from './store/library-store.js';
import { FolderWatcher, type FolderWatcherOptions } from './watcher.js';
import { MAX_NEIGHBOURS, VectorIndex, type NeighbourFilter } from './vector-index.js';
import { isDecodablePhoto } from './formats.js';
import { findDuplicateGroups, type DuplicateGroup } from './duplicates.js';
import type { Thresholds } from './album-rule.js';
import {
  classify,
  clampSensitivity,
  createAlbum,
  isMember,
  judgeAlbum,
  requireAlbum,
  viewAlbum,
  type AlbumContext,
  type AlbumDefinition,
  type AlbumView,
  type MemberScore,
} from './albums.js';
import { AlbumStore, type AlbumRow } from './store/album-store.js';

export interface LibraryOptions {
  dataDir: string;
  /** How the worker process is started: a Node child process unless the host supplies another. */
  launchWorker?: WorkerLauncher;
  /** Model inference threads; 0 lets onnxruntime use every core. */
  threads?: number;
  decodeConcurrency?: number;
  indexer?: Partial<IndexerOptions>;
  /** How long the worker may take before it is presumed hung and restarted. */
  workerTimeouts?: EncoderClientOptions;
  /** Hears things worth telling the user once, such as a GPU that could not be used. */
  onNotice?: (message: string) => void;
}

export interface SearchOptions {
  limit?: number;
  offset?: number;
  /** Library folders or folders inside them. */
  folders?: readonly string[];
  takenFrom?: number;
  takenTo?: number;
}

export interface SearchHit {
  photoId: number;
  path: string;
  score: number;
  takenAt: number;
  width: number | null;
  height: number | null;
}

export interface LibraryStatus {
  /** Every file under the library folders, whatever its state. */
  files: number;
  /** Files that are photos: indexed, pending or failed. */
  photos: number;
  indexed: number;
  pending: number;
  failed: number;
  skipped: number;
  /** The model search uses. */
  model: { id: string; name: string; dir: string } | null;
  /** A model being prepared in the background: it takes over when the pending photos are encoded. */
  nextModel: { id: string; name: string; dir: string } | null;
  /** The device setting, and the execution provider the model last ran on (null before it first ran). */
  device: { preference: DevicePreference; provider: string | null; fallbacks: ProviderReport['fallbacks'] };
  folders: string[];
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

const SETTING_MODEL_DIR = 'model.dir';
const SETTING_NEXT_MODEL_DIR = 'model.next.dir';

interface AttachedModel {
  folder: ModelFolder;
  index: VectorIndex;
}
const SETTING_IGNORE = 'library.ignore';
const SETTING_DEVICE = 'device.preference';
const SETTING_PROVIDER = 'device.provider';
const TEXT_CACHE_IN_MEMORY = 1024;
const TEXT_CACHE_ON_DISK = 10_000;

/**
 * The engine's front door: one library (a data folder holding the database and thumbnails) and
 * everything done to it. Plain Node; the CLI, `shoebox serve` and the desktop app all drive this.
 */
export class Library {
  readonly layout: DataDirLayout;
  readonly store: LibraryStore;
  private model: AttachedModel | null = null;
  /** Why the remembered model could not be loaded, if it could not. */
  private modelProblem: string | null = null;
  /** The model being prepared: photos are encoded for it while search goes on with `model`. */
  private nextModel: AttachedModel | null = null;
  /** One worker per model in use: during a switch, indexing and search run different models. */
  private readonly encoders = new Map<string, EncoderClient>();
  private readonly textCache = new Map<string, Float32Array>();
  private exclusive: Promise<unknown> = Promise.resolve();
  private indexer: Indexer | null = null;
  private albumStore: AlbumStore | null = null;
  private totalChanges: Statement | null = null;
  private readonly albumJudgements = new Map<number, { key: string; value: Awaited<ReturnType<typeof judgeAlbum>> }>();

  private constructor(
    readonly db: Database,
    private readonly options: LibraryOptions,
  ) {
    // Canonical, so that a data folder kept inside a library folder is recognised and never scanned.
    this.layout = dataDirLayout(realpathSync(resolve(options.dataDir)));
    this.store = new LibraryStore(db);
  }

  static open(options: LibraryOptions): Library {
    const layout = dataDirLayout(resolve(options.dataDir));
    if (existsSync(layout.root) && !statSync(layout.root).isDirectory()) {
      throw new UserError(`The data folder ${layout.root} is a file, not a folder.`);
    }
    const library = new Library(openDatabase(layout.database), options);
    const modelDir = library.store.getSetting(SETTING_MODEL_DIR);
    if (modelDir) {
      try {
        library.model = library.attach(loadModelFolder(modelDir));
      } catch (error) {
        library.modelProblem = `The model at ${modelDir} cannot be loaded (${describeError(error).replace(/\.$/, '')})`;
      }
    }
    const nextDir = library.store.getSetting(SETTING_NEXT_MODEL_DIR);
    if (nextDir && existsSync(nextDir)) library.nextModel = library.attach(loadModelFolder(nextDir));
    return library;
  }

  close(): void {
    this.closeEncoders();
    this.db.close();
  }

  // Folders -------------------------------------------------------------------------------------

  folders(): FolderRow[] {
    return this.store.folders();
  }

  /** Adds a folder; a folder already inside the library is refused, one that contains library folders absorbs them. */
  addFolder(path: string): { folder: FolderRow; absorbed: string[] } {
    const absolute = canonicalFolder(path);
    const folders = this.store.folders();
    const container = owningFolder(folders, absolute);
    if (container) {
      throw new UserError(
        container.path === absolute
          ? `${absolute} is already in the library.`
          : `${absolute} is already in the library, inside ${container.path}.`,
      );
    }
    return this.store.transaction(() => {
      const id = this.store.addFolder(absolute);
      const absorbed = folders.filter((folder) => folder.path.startsWith(absolute + sep));
      for (const folder of absorbed) this.store.mergeFolderInto(folder.id, id);
      return { folder: { id, path: absolute }, absorbed: absorbed.map((folder) => folder.path) };
    });
  }

  async removeFolder(path: string): Promise<void> {
    const absolute = resolve(path);
    const canonical = existsSync(absolute) ? realpathSync(absolute) : absolute;
    const folder = this.store.folders().find((f) => f.path === canonical || f.path === absolute);
    if (!folder) throw new UserError(`${absolute} is not a library folder.`);
    this.store.transaction(() => this.store.removeFolder(folder.id));
    await this.collectGarbage();
  }

  ignorePatterns(): string[] {
    return JSON.parse(this.store.getSetting(SETTING_IGNORE) ?? '[]') as string[];
  }

  setIgnorePatterns(patterns: readonly string[]): void {
    this.store.setSetting(SETTING_IGNORE, JSON.stringify(patterns.filter((p) => p.trim().length > 0)));
  }

  // Models --------------------------------------------------------------------------------------

  activeModel(): ModelFolder | null {
    return this.model?.folder ?? null;
  }

  /** The model photos are being encoded for, while search still uses the active one. */
  pendingModel(): ModelFolder | null {
    return this.nextModel?.folder ?? null;
  }

  /**
   * Chooses the library's model. The first model becomes active at once. Another model is
   * prepared in the background: indexing encodes the photos for it while search keeps using the
   * active model's index, and it takes over when every photo is encoded. Choosing the active
   * model again cancels a switch in progress.
   */
  useModel(dir: string): { changed: boolean; pending: number } {
    const chosen = loadModelFolder(dir);
    const same = (model: AttachedModel | null) =>
      model !== null && model.folder.manifest.id === chosen.manifest.id && model.folder.dir === chosen.dir;
    if ((same(this.model) && !this.nextModel) || same(this.nextModel)) return { changed: false, pending: 0 };
    const attached = this.attach(chosen);
    const switching = this.model !== null && !same(this.model);
    const pending = this.store.transaction(() => {
      this.store.setSetting(switching ? SETTING_NEXT_MODEL_DIR : SETTING_MODEL_DIR, chosen.dir);
      if (!switching) this.store.setSetting(SETTING_NEXT_MODEL_DIR, null);
      return this.store.markUnencodedPending(chosen.manifest.id);
    });
    if (switching) {
      this.nextModel = attached;
    } else {
      this.model = attached;
      this.nextModel = null;
      this.modelProblem = null;
    }
    this.textCache.clear();
    if (pending === 0) this.promoteNextModel();
    return { changed: true, pending };
  }

  /** The prepared model takes over once no photo waits to be encoded for it. */
  private promoteNextModel(): void {
    if (!this.nextModel || this.store.countPending() > 0) return;
    this.store.transaction(() => {
      this.store.setSetting(SETTING_MODEL_DIR, this.nextModel!.folder.dir);
      this.store.setSetting(SETTING_NEXT_MODEL_DIR, null);
    });
    this.model = this.nextModel;
    this.nextModel = null;
    this.modelProblem = null;
    this.textCache.clear();
  }

  private attach(folder: ModelFolder): { folder: ModelFolder; index: VectorIndex } {
    return { folder, index: VectorIndex.forModel(this.db, folder.manifest.id, folder.manifest.embeddingSize) };
  }

  devicePreference(): DevicePreference {
    const stored = this.store.getSetting(SETTING_DEVICE);
    return DEVICE_PREFERENCES.find((preference) => preference === stored) ?? 'auto';
  }

  /** Chooses where the model runs; the worker restarts with it on its next task. */
  setDevicePreference(preference: DevicePreference): void {
    if (preference === this.devicePreference()) return;
    this.store.setSetting(SETTING_DEVICE, preference);
    this.closeEncoders();
  }

  // Scanning and indexing -----------------------------------------------------------------------

  /** Compares every file with the index (cheap for unchanged files) and records what changed. */
  scan(onProgress?: (progress: ScanProgress) => void): Promise<ScanSummary> {
    return this.serialised(async () => {
      const summary = await this.scanner().reconcile(this.store.folders(), onProgress);
      await this.collectGarbage();
      return summary;
    });
  }

  /** Scans, then decodes and encodes every pending photo. */
  async index(
    handlers: { onScan?: (p: ScanProgress) => void; onIndex?: (p: IndexProgress) => void } = {},
  ): Promise<IndexRunSummary> {
    const scan = await this.scan(handlers.onScan);
    const index = await this.drain(handlers.onIndex);
    return { scan, index };
  }

  /** Encodes every pending photo. */
  drain(onProgress?: (progress: IndexProgress) => void): Promise<IndexProgress> {
    return this.serialised(async () => {
      const target = this.nextModel ?? this.requireAttached();
      const encoder = this.encoderFor(target.folder);
      this.indexer = new Indexer(this.store, encoder, target.index, {
        ...DEFAULT_INDEXER_OPTIONS,
        ...this.options.indexer,
      });
      try {
        return await this.indexer.drain(onProgress);
      } finally {
        this.indexer = null;
        this.noteProvider(encoder);
        this.promoteNextModel();
      }
    });
  }

  /**
   * Recreates the model's search index from the stored embeddings: the repair for a damaged
   * index, and the way to reclaim the space sqlite-vec keeps after deletions.
   */
  rebuildSearchIndex(): Promise<number> {
    return this.serialised(async () => this.requireAttached().index.rebuild());
  }

  /** Asks a running index to finish the photos in flight and stop; what is done stays done. */
  stopIndexing(): void {
    this.indexer?.stop();
  }

  /**
   * Scans and indexes, then follows the folders: settled changes are applied and indexed as they
   * come. `onUpdate` hears about each batch handled. Resolves to a handle that stops watching.
   */
  async watch(
    handlers: {
      onScan?: (p: ScanProgress) => void;
      onIndex?: (p: IndexProgress) => void;
      onUpdate?: (update: { scan: ScanSummary; index: IndexProgress }) => void;
      onError?: (error: unknown) => void;
    } = {},
    options: FolderWatcherOptions = {},
  ): Promise<{ initial: IndexRunSummary; close(): Promise<void> }> {
    this.requireModel();
    const initial = await this.index(handlers);
    const folders = this.store.folders();
    const watcher = new FolderWatcher(
      folders,
      this.ignoreMatcher(),
      (changes) => {
        this.serialised(() => this.scanner().update(this.store.folders(), changes.changed, changes.removed))
          .then(async (scan) => {
            const index = await this.drain();
            handlers.onUpdate?.({ scan, index });
          })
          .catch((error: unknown) => handlers.onError?.(error));
      },
      options,
    );
    await watcher.whenReady();
    return { initial, close: () => watcher.close() };
  }

  // Search --------------------------------------------------------------------------------------

  /** Photos best matching a query (text, photo paths, and their arithmetic), best first. */
  async search(query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    const model = this.requireModel();
    const terms = parseQuery(query);
    const excluded: number[] = [];
    const vectors = [];
    for (const term of terms) {
      const photo = this.photoTerm(term.text);
      if (photo) {
        excluded.push(photo.id);
        vectors.push({ ...term, vector: await this.photoVector(photo.path, photo.id) });
      } else if (looksLikeImagePath(term.text)) {
        vectors.push({ ...term, vector: await this.photoVector(resolve(term.text), null) });
      } else {
        vectors.push({ ...term, vector: await this.textVector(term.text, model) });
      }
    }
    return this.nearest(combineTerms(vectors), excluded, options);
  }

  /** Photos that look like the given one (a library photo or any image file), itself excluded. */
  async similar(path: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    this.requireModel();
    const absolute = resolve(path);
    if (!existsSync(absolute)) throw new UserError(`No photo at ${absolute}.`);
    const photo = this.store.photoByPath(absolute) ?? this.store.photoByPath(realpathSync(absolute));
    const vector = await this.photoVector(absolute, photo?.id ?? null);
    return this.nearest(vector, photo ? [photo.id] : [], options);
  }

  // Albums -------------------------------------------------------------------------------------

  /** Every album with how many photos it holds now, and its best match (for a cover). */
  async albums(): Promise<{ album: AlbumRow; count: number; coverPhotoId: number | null }[]> {
    const context = this.albumContext();
    const result = [];
    for (const album of context.store.list()) {
      const { members } = await viewAlbum(context, album);
      result.push({ album, count: members.length, coverPhotoId: members[0]?.photoId ?? null });
    }
    return result;
  }

  createAlbum(definition: AlbumDefinition): AlbumRow {
    return createAlbum(this.albumContext(), definition);
  }

  updateAlbum(
    name: string,
    change: { prompts?: string[]; negatives?: string[]; sensitivity?: number; name?: string },
  ): AlbumRow {
    const context = this.albumContext();
    const album = requireAlbum(context, name);
    if (change.name && change.name.trim() !== album.name && context.store.byName(change.name.trim())) {
      throw new UserError(`There is already an album called "${change.name.trim()}".`);
    }
    context.store.update(album.id, {
      ...change,
      ...(change.name ? { name: change.name.trim() } : {}),
      ...(change.sensitivity !== undefined ? { sensitivity: clampSensitivity(change.sensitivity) } : {}),
    });
    return requireAlbum(context, change.name?.trim() || album.name);
  }

  deleteAlbum(name: string): void {
    const context = this.albumContext();
    context.store.delete(requireAlbum(context, name).id);
  }

  /** The album's members, best first, with its thresholds and the photos near them. */
  album(name: string): Promise<AlbumView> {
    const context = this.albumContext();
    return viewAlbum(context, requireAlbum(context, name));
  }

  /** "Always" (true), "never" (false) or back to the rule (null), for one photo in one album. */
  setAlbumOverride(name: string, photoId: number, include: boolean | null): void {
    const context = this.albumContext();
    const album = requireAlbum(context, name);
    const photo = this.store.photoDetails([photoId]).get(photoId);
    if (!photo?.fingerprint) throw new UserError('That photo is not in the library.');
    context.store.setOverride(album.id, photo.fingerprint, include);
  }

  /** Which albums a photo is in, and why: its score against each album's prompts and background. */
  async albumsOfPhoto(
    photoId: number,
  ): Promise<{ name: string; member: boolean; score: MemberScore; thresholds: Thresholds }[]> {
    const context = this.albumContext();
    const result = [];
    for (const album of context.store.list()) {
      const { thresholds, judged } = await judgeAlbum(context, album);
      const score = judged.find((photo) => photo.photoId === photoId);
      if (score) result.push({ name: album.name, member: isMember(score), score, thresholds });
    }
    return result;
  }

  /** Groups of near-duplicate photos (copies, edits, bursts), the one to keep first. */
  duplicates(options: { maxHashDistance?: number; minSimilarity?: number } = {}): DuplicateGroup[] {
    const { id } = this.requireModel().manifest;
    return findDuplicateGroups(
      this.store.duplicateCandidates(),
      (photoId) => this.store.photoEmbedding(photoId, id),
      options,
    );
  }

  /** CLIP zero-shot classification of any photo among the labels (prompt-ensembled). */
  async classify(
    path: string,
    labels: readonly string[],
  ): Promise<{ label: string; probability: number; similarity: number }[]> {
    const model = this.requireModel();
    const absolute = resolve(path);
    if (!existsSync(absolute)) throw new UserError(`No photo at ${absolute}.`);
    const photo = this.store.photoByPath(absolute) ?? this.store.photoByPath(realpathSync(absolute));
    const vector = await this.photoVector(absolute, photo?.id ?? null);
    return classify(this.albumContext(), vector, labels, model.manifest.logitScale);
  }

  /** Changes with every write to the database: this connection's, and (data_version) every other's. */
  private databaseVersion(): string {
    this.totalChanges ??= this.db.prepare('SELECT total_changes() AS n');
    return `${(this.totalChanges.get() as { n: number }).n}:${this.db.pragma('data_version', { simple: true })}`;
  }

  private albumContext(): AlbumContext {
    const model = this.requireModel();
    return {
      store: (this.albumStore ??= new AlbumStore(this.db)),
      modelId: model.manifest.id,
      embed: (texts) => this.textVectors(texts, model),
      cache: {
        version: () => this.databaseVersion(),
        judged: this.albumJudgements,
      },
    };
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
    const counts: Record<PhotoStatus, number> = this.store.statusCounts();
    return {
      files: counts.indexed + counts.pending + counts.failed + counts.skipped,
      photos: counts.indexed + counts.pending + counts.failed,
      ...counts,
      model: describeModel(this.model),
      nextModel: describeModel(this.nextModel),
      device: { preference: this.devicePreference(), ...this.lastProvider() },
      folders: this.store.folders().map((folder) => folder.path),
    };
  }

  fileReasons(): FileReasons {
    const withReason = (status: PhotoStatus) =>
      this.store.withStatus(status).map((row) => ({ path: row.path, reason: row.reason ?? 'unknown' }));
    return { failures: withReason('failed'), skippedFiles: withReason('skipped') };
  }

  /** Encoder statistics, for tests and benchmarks. */
  encoderStats(): { imagesRequested: number; workerStarts: number } {
    return {
      imagesRequested: [...this.encoders.values()].reduce((sum, client) => sum + client.imagesRequested, 0),
      workerStarts: [...this.encoders.values()].reduce((sum, client) => sum + client.workerStarts, 0),
    };
  }

  // Internals -----------------------------------------------------------------------------------

  private async nearest(
    query: Float32Array,
    excluded: readonly number[],
    options: SearchOptions,
  ): Promise<SearchHit[]> {
    const { index } = this.requireAttached();
    const limit = Math.max(1, options.limit ?? 20);
    const offset = Math.max(0, options.offset ?? 0);
    const { filter, pathPrefixes } = this.filterFor(options);
    const wanted = pathPrefixes.length > 0 ? MAX_NEIGHBOURS : offset + limit + excluded.length;
    const skip = new Set(excluded);
    const neighbours = index.nearest(query, wanted, filter).filter((n) => !skip.has(n.photoId));
    const details = this.store.photoDetails(neighbours.map((n) => n.photoId));
    const hits: SearchHit[] = [];
    for (const neighbour of neighbours) {
      const photo = details.get(neighbour.photoId);
      if (!photo) continue;
      if (pathPrefixes.length > 0 && !pathPrefixes.some((prefix) => photo.path.startsWith(prefix))) continue;
      hits.push({
        photoId: photo.id,
        path: photo.path,
        score: neighbour.score,
        takenAt: photo.takenAt,
        width: photo.width,
        height: photo.height,
      });
    }
    return hits.slice(offset, offset + limit);
  }

  private filterFor(options: SearchOptions): { filter: NeighbourFilter; pathPrefixes: string[] } {
    const filter: NeighbourFilter = {};
    if (options.takenFrom !== undefined) filter.takenFrom = options.takenFrom;
    if (options.takenTo !== undefined) filter.takenTo = options.takenTo;
    const pathPrefixes: string[] = [];
    if (options.folders && options.folders.length > 0) {
      const libraryFolders = this.store.folders();
      const folderIds = new Set<number>();
      for (const requested of options.folders) {
        const absolute = existsSync(requested) ? realpathSync(resolve(requested)) : resolve(requested);
        const folder = owningFolder(libraryFolders, absolute);
        if (!folder) throw new UserError(`${absolute} is not in the library.`);
        folderIds.add(folder.id);
        if (folder.path !== absolute) pathPrefixes.push(absolute + sep);
      }
      filter.folderIds = [...folderIds];
    }
    return { filter, pathPrefixes };
  }

  private photoTerm(text: string): { id: number; path: string } | null {
    if (!looksLikeImagePath(text)) return null;
    const absolute = resolve(text);
    if (!existsSync(absolute)) throw new UserError(`No photo at ${absolute}.`);
    const row = this.store.photoByPath(absolute) ?? this.store.photoByPath(realpathSync(absolute));
    return row ? { id: row.id, path: row.path } : null;
  }

  /** A library photo's stored embedding, or a fresh encoding of any image file. */
  private async photoVector(path: string, photoId: number | null): Promise<Float32Array> {
    const model = this.requireModel();
    if (photoId !== null) {
      const stored = this.store.photoEmbedding(photoId, model.manifest.id);
      if (stored) return stored;
    }
    const [result] = await this.encoderFor(model).encodeImages([{ key: 0, path, fingerprint: null }]);
    if (!result?.ok) throw new UserError(`${path} cannot be used as a query photo: ${result?.reason ?? 'no result'}.`);
    return result.vector;
  }

  private async textVector(text: string, model: ModelFolder): Promise<Float32Array> {
    const [vector] = await this.textVectors([text], model);
    return vector!;
  }

  /** Text embeddings from memory, then the database, then the model in one batch; all kept for next time. */
  private async textVectors(texts: readonly string[], model: ModelFolder): Promise<Float32Array[]> {
    const id = model.manifest.id;
    const found = texts.map((text) => this.textCache.get(`${id}\u0000${text}`) ?? this.store.textEmbedding(id, text));
    const missing = [...new Set(texts.filter((_, i) => !found[i]))];
    if (missing.length > 0) {
      const encoder = this.encoderFor(model);
      const vectors = await encoder.encodeTexts(missing);
      this.noteProvider(encoder);
      if (vectors.length !== missing.length) throw new Error('the text encoder returned too few embeddings');
      const fresh = new Map(missing.map((text, i) => [text, vectors[i]!]));
      this.store.transaction(() => {
        for (const [text, vector] of fresh) this.store.saveTextEmbedding(id, text, vector, TEXT_CACHE_ON_DISK);
      });
      texts.forEach((text, i) => (found[i] ??= fresh.get(text)!));
    }
    texts.forEach((text, i) => this.remember(`${id}\u0000${text}`, found[i]!));
    return found as Float32Array[];
  }

  private remember(key: string, vector: Float32Array): void {
    this.textCache.delete(key);
    this.textCache.set(key, vector);
    if (this.textCache.size > TEXT_CACHE_IN_MEMORY) this.textCache.delete(this.textCache.keys().next().value!);
  }

  private requireModel(): ModelFolder {
    return this.requireAttached().folder;
  }

  private requireAttached(): { folder: ModelFolder; index: VectorIndex } {
    if (this.model) return this.model;
    if (this.modelProblem) throw new UserError(`${this.modelProblem}: choose a model with --model <folder>.`);
    throw new UserError('No model is selected: choose one with --model <folder>.');
  }

  private encoderFor(model: ModelFolder): EncoderClient {
    const existing = this.encoders.get(model.dir);
    if (existing) return existing;
    const client = new EncoderClient(
      this.options.launchWorker ?? launchNodeWorker,
      {
        modelDir: model.dir,
        thumbnailsDir: this.layout.thumbnails,
        threads: this.options.threads ?? 0,
        device: this.devicePreference(),
        decodeConcurrency: this.options.decodeConcurrency ?? Math.max(2, availableParallelism()),
      },
      this.options.workerTimeouts ?? {},
    );
    this.encoders.set(model.dir, client);
    return client;
  }

  private closeEncoders(): void {
    for (const client of this.encoders.values()) client.close();
    this.encoders.clear();
  }

  private lastProvider(): { provider: string | null; fallbacks: ProviderReport['fallbacks'] } {
    const stored = this.store.getSetting(SETTING_PROVIDER);
    return stored ? (JSON.parse(stored) as ProviderReport) : { provider: null, fallbacks: [] };
  }

  /** Remembers where the model ran; a change in fallbacks is told once, not on every run. */
  private noteProvider(encoder: EncoderClient): void {
    const report = encoder.provider;
    if (!report) return;
    const previous = this.lastProvider();
    const serialised = JSON.stringify(report);
    if (serialised === JSON.stringify(previous)) return;
    this.store.setSetting(SETTING_PROVIDER, serialised);
    const newFallbacks = report.fallbacks.filter((f) => !previous.fallbacks.some((p) => p.provider === f.provider));
    if (newFallbacks.length > 0 && this.devicePreference() !== 'cpu') {
      const passedOver = newFallbacks.map((f) => `${providerName(f.provider)} (${f.reason})`).join(', ');
      this.options.onNotice?.(`Could not use ${passedOver}, so the model runs on ${providerName(report.provider)}.`);
    }
  }

  private scanner(): Scanner {
    return new Scanner(this.store, this.ignoreMatcher());
  }

  private ignoreMatcher(): IgnoreMatcher {
    return createIgnoreMatcher(this.ignorePatterns(), [this.layout.root]);
  }

  /** Scans and drains never overlap: each sees the other's finished work. */
  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const run = this.exclusive.then(work, work);
    this.exclusive = run.catch(() => undefined);
    return run;
  }

  private async collectGarbage(): Promise<void> {
    const fingerprints = this.store.transaction(() => this.store.deleteOrphanContents());
    await Promise.all(
      fingerprints.map((fingerprint) =>
        unlink(thumbnailPathFor(this.layout.thumbnails, fingerprint)).catch(() => undefined),
      ),
    );
  }
}

function describeModel(model: AttachedModel | null): { id: string; name: string; dir: string } | null {
  return model ? { id: model.folder.manifest.id, name: model.folder.manifest.name, dir: model.folder.dir } : null;
}

function canonicalFolder(path: string): string {
  const absolute = resolve(path);
  if (!existsSync(absolute)) throw new UserError(`No folder at ${absolute}.`);
  if (!statSync(absolute).isDirectory()) throw new UserError(`${absolute} is a file, not a folder.`);
  return realpathSync(absolute);
}

function looksLikeImagePath(text: string): boolean {
  return isDecodablePhoto(text) && (text.includes('/') || text.includes(sep) || existsSync(resolve(text)));
}
