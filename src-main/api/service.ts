import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError, describeError } from '../shared/errors.js';
import { Library } from '../engine/library.js';
import { CATALOGUE_PATH, loadCatalogue } from '../engine/models/catalogue.js';
import { installCatalogueModel } from '../engine/models/download.js';
import { modelChoices } from '../engine/models/choices.js';
import { importModelFolder } from '../engine/models/installed.js';
import type { WorkerLauncher } from '../worker/host.js';
import {
  METHOD_NAMES,
  requestSchemas,
  type ApiEvent,
  type IndexingState,
  type MethodName,
  type ModelDownload,
  type ParsedRequestOf,
  type Responses,
  type Settings,
  type Status,
  type AlbumSummary,
} from './contract.js';
import type { MemberScore } from '../engine/albums.js';
import type { AlbumRow } from '../engine/store/album-store.js';
import { loadStarterAlbums } from '../engine/starter-albums.js';
import { mediaFile } from './media.js';

function summaryOf(album: AlbumRow, count: number, coverPhotoId: number | null): AlbumSummary {
  const { name, prompts, negatives, sensitivity, starter } = album;
  return { name, prompts, negatives, sensitivity, starter, count, coverPhotoId };
}

export interface ServiceOptions {
  dataDir: string;
  /** The desktop app supplies an Electron utility process; elsewhere a Node child process. */
  launchWorker?: WorkerLauncher;
  /** Reveals a file in the system's file manager (desktop only). */
  showInFolder?: (path: string) => void;
  /** Moves a file to the system trash (desktop only). */
  trashItem?: (path: string) => Promise<void>;
  /** Catalogue to offer (a mirror); the one shipped with Shoebox by default. */
  cataloguePath?: string;
  /** How long watched changes must settle before they are read. */
  watchStableMs?: number;
}

type Handlers = { [M in MethodName]: (request: ParsedRequestOf<M>) => Promise<Responses[M]> | Responses[M] };

const SETTING_THEME = 'ui.theme';
/** While photos stream in, the renderer hears about them this often, not once per batch. */
const LIBRARY_CHANGED_INTERVAL_MS = 1000;

const IDLE: IndexingState = {
  phase: 'idle',
  done: 0,
  total: 0,
  photosPerSecond: 0,
  etaSeconds: null,
  currentFolder: null,
  blocked: null,
};

/**
 * The engine as the renderer sees it, whichever transport carries the calls (Electron IPC or
 * HTTP): every request is validated against the contract before it reaches the library, indexing
 * and watching run in the background from `start()`, and progress goes out as events.
 */
export class ShoeboxService {
  private readonly listeners = new Set<(event: ApiEvent) => void>();
  private indexing: IndexingState = IDLE;
  /** Settles when the first pass of following is over; null until the service follows. */
  private following: Promise<void> | null = null;
  private download: ModelDownload | null = null;
  private lastLibraryChanged = 0;
  private closed = false;
  private readonly handlers: Handlers;

  private constructor(
    readonly library: Library,
    private readonly options: ServiceOptions,
  ) {
    this.handlers = this.createHandlers();
  }

  static open(options: ServiceOptions): ShoeboxService {
    let service: ShoeboxService | null = null;
    const library = Library.open({
      dataDir: options.dataDir,
      ...(options.launchWorker ? { launchWorker: options.launchWorker } : {}),
      onNotice: (message) => service?.emit({ type: 'notice', message }),
    });
    service = new ShoeboxService(library, options);
    return service;
  }

  /** Begins indexing and watching the library folders, and follows them until closed. */
  start(): void {
    this.follow();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.library.close();
    await this.following;
  }

  subscribe(listener: (event: ApiEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Validates and runs one call; a problem the user can act on comes back as one sentence. */
  async dispatch(
    method: string,
    request: unknown,
  ): Promise<{ ok: true; result: unknown } | { ok: false; error: string }> {
    if (!METHOD_NAMES.includes(method as MethodName))
      return { ok: false, error: `There is no API method "${method}".` };
    const name = method as MethodName;
    const parsed = requestSchemas[name].safeParse(request ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return {
        ok: false,
        error: `Invalid request for ${name}: ${issue?.path.join('.') || 'request'} ${issue?.message ?? ''}.`,
      };
    }
    try {
      const handler = this.handlers[name] as (request: unknown) => Promise<unknown> | unknown;
      return { ok: true, result: await handler(parsed.data) };
    } catch (error) {
      if (error instanceof UserError) return { ok: false, error: error.message };
      process.stderr.write(
        `shoebox: ${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : error}\n`,
      );
      return { ok: false, error: `Something went wrong (${describeError(error)}).` };
    }
  }

  mediaFile(kind: 'thumb' | 'photo', photoId: number): Promise<{ path: string; contentType: string } | null> {
    return mediaFile(this.library, kind, photoId);
  }

  private createHandlers(): Handlers {
    const library = this.library;
    return {
      status: () => this.status(),
      failures: () =>
        library.store.failures().map((row) => ({
          photoId: row.id,
          path: row.path,
          name: basename(row.path),
          reason: row.reason ?? 'unknown',
        })),
      retryFailed: async () => {
        await library.retryFailed();
        this.follow();
        return this.status();
      },
      timeline: () => {
        const rows = library.store.timeline();
        return {
          ids: rows.map((row) => row.id),
          names: rows.map((row) => basename(row.path)),
          takenAt: rows.map((row) => row.takenAt),
          aspect: rows.map((row) => (row.width && row.height ? Math.round((row.width / row.height) * 1000) / 1000 : 1)),
        };
      },
      search: async (request) => {
        const hits = await library.search(request.query, {
          limit: request.limit,
          offset: request.offset,
          ...(request.folders ? { folders: request.folders } : {}),
          ...(request.takenFrom !== undefined ? { takenFrom: request.takenFrom } : {}),
          ...(request.takenTo !== undefined ? { takenTo: request.takenTo } : {}),
        });
        return { hits: hits.map(({ path, ...hit }) => ({ ...hit, name: basename(path) })) };
      },
      similar: async (request) => {
        const photo = library.photoDetails([request.photoId]).get(request.photoId);
        if (!photo) throw new UserError('That photo is no longer in the library.');
        const hits = await library.similar(photo.path, { limit: request.limit });
        return { hits: hits.map(({ path, ...hit }) => ({ ...hit, name: basename(path) })) };
      },
      photo: (request) => {
        const photo = library.photoDetails([request.photoId]).get(request.photoId);
        if (!photo) throw new UserError('That photo is no longer in the library.');
        return {
          photoId: photo.id,
          name: basename(photo.path),
          path: photo.path,
          folder: dirname(photo.path),
          width: photo.width,
          height: photo.height,
          takenAt: photo.takenAt,
          cameraMake: photo.cameraMake,
          cameraModel: photo.cameraModel,
          latitude: photo.latitude,
          longitude: photo.longitude,
          sizeBytes: photo.size,
        };
      },
      addFolder: async (request) => {
        await library.addFolder(request.path);
        this.follow();
        this.emit({ type: 'library-changed' });
        return this.status();
      },
      removeFolder: async (request) => {
        await library.removeFolder(request.path);
        this.follow();
        this.emit({ type: 'library-changed' });
        return this.status();
      },
      previewIgnorePatterns: (request) => library.ignoreImpact(request.patterns),
      setIgnorePatterns: async (request) => {
        await library.setIgnorePatterns(request.patterns, { confirmed: request.confirmed });
        this.emit({ type: 'library-changed' });
        return this.status();
      },
      models: async () => ({ models: await this.modelChoices(), downloading: this.download }),
      downloadModel: (request) => this.startDownload(request.id),
      useModel: async (request) => {
        const installed = join(library.layout.models, request.id);
        if (!existsSync(join(installed, 'manifest.json'))) {
          throw new UserError(`The model "${request.id}" is not installed: download or import it first.`);
        }
        await library.useModel(installed);
        this.follow();
        return this.status();
      },
      importModel: async (request) => {
        await importModelFolder(request.path, library.layout.models);
        return this.status();
      },
      settings: () => this.settings(),
      updateSettings: async (request) => {
        if (request.theme) library.store.setSetting(SETTING_THEME, request.theme);
        if (request.device) await library.setDevicePreference(request.device);
        return this.settings();
      },
      albums: async () => ({
        albums: (await library.albums()).map(({ album, count, coverPhotoId }) => summaryOf(album, count, coverPhotoId)),
      }),
      album: async (request) => {
        const view = await library.album(request.name);
        const names = this.namesOf([...view.members, ...view.borderline.nearMisses, ...view.borderline.weakestMembers]);
        const member = (m: MemberScore) => ({
          photoId: m.photoId,
          name: names.get(m.photoId) ?? '',
          score: m.score,
          background: m.background,
          override: m.override,
        });
        const { score, margin, median, naturalBreak, tail } = view.thresholds;
        return {
          ...summaryOf(view.album, view.members.length, view.members[0]?.photoId ?? null),
          members: view.members.map(member),
          nearMisses: view.borderline.nearMisses.map(member),
          weakestMembers: view.borderline.weakestMembers.map(member),
          thresholds: { score, margin, median, naturalBreak, tail },
        };
      },
      createAlbum: async (request) => {
        library.createAlbum(request);
        this.emit({ type: 'library-changed' });
        return this.albumSummary(request.name);
      },
      updateAlbum: async (request) => {
        const album = library.updateAlbum(request.name, {
          ...(request.rename ? { name: request.rename } : {}),
          ...(request.prompts ? { prompts: request.prompts } : {}),
          ...(request.negatives ? { negatives: request.negatives } : {}),
          ...(request.sensitivity !== undefined ? { sensitivity: request.sensitivity } : {}),
        });
        this.emit({ type: 'library-changed' });
        return this.albumSummary(album.name);
      },
      deleteAlbum: (request) => {
        library.deleteAlbum(request.name);
        this.emit({ type: 'library-changed' });
        return { deleted: true };
      },
      setAlbumOverride: async (request) => {
        library.setAlbumOverride(request.name, request.photoId, request.include);
        this.emit({ type: 'library-changed' });
        return this.albumSummary(request.name);
      },
      photoAlbums: async (request) => ({
        albums: (await library.albumsOfPhoto(request.photoId)).map(({ name, member, score, thresholds: limits }) => ({
          name,
          member,
          score: score.score,
          background: score.background,
          threshold: limits.score,
          margin: limits.margin,
          override: score.override,
        })),
      }),
      starterAlbums: async () => {
        const existing = new Set((await library.albums()).map(({ album }) => album.starter));
        return {
          starters: loadStarterAlbums().map((starter) => ({
            id: starter.id,
            name: starter.name,
            prompts: starter.prompts,
            enabled: existing.has(starter.id),
          })),
        };
      },
      enableStarterAlbum: async (request) => {
        const starter = loadStarterAlbums().find((candidate) => candidate.id === request.id);
        if (!starter) throw new UserError(`There is no starter album "${request.id}".`);
        library.createAlbum({ ...starter, starter: starter.id });
        this.emit({ type: 'library-changed' });
        return this.albumSummary(starter.name);
      },
      duplicates: (request) => {
        const groups = library.duplicates(
          request.maxHashDistance !== undefined ? { maxHashDistance: request.maxHashDistance } : {},
        );
        const details = library.photoDetails(groups.flatMap((group) => group.photoIds));
        return {
          groups: groups.map((group) => ({
            keep: group.keep,
            photos: group.photoIds.map((id) => {
              const photo = details.get(id)!;
              return {
                photoId: id,
                name: basename(photo.path),
                width: photo.width,
                height: photo.height,
                sizeBytes: photo.size,
                takenAt: photo.takenAt,
              };
            }),
          })),
        };
      },
      trashPhotos: async (request) => {
        const trash = this.options.trashItem;
        if (!trash) throw new UserError('Moving photos to the trash is available in the desktop app.');
        const paths = [...library.photoDetails(request.photoIds).values()].map((photo) => photo.path);
        const trashed = await library.removeFiles(paths, trash);
        this.emit({ type: 'library-changed' });
        return { trashed };
      },
      showInFolder: (request) => {
        const photo = library.photoDetails([request.photoId]).get(request.photoId);
        if (!photo || !this.options.showInFolder) return { shown: false };
        this.options.showInFolder(photo.path);
        return { shown: true };
      },
    };
  }

  private async albumSummary(name: string): Promise<AlbumSummary> {
    const view = await this.library.album(name);
    return summaryOf(view.album, view.members.length, view.members[0]?.photoId ?? null);
  }

  private namesOf(photos: readonly { photoId: number }[]): Map<number, string> {
    const details = this.library.photoDetails(photos.map((photo) => photo.photoId));
    return new Map([...details].map(([id, photo]) => [id, basename(photo.path)]));
  }

  private status(): Status {
    const status = this.library.status();
    return {
      photos: status.photos,
      indexed: status.indexed,
      pending: status.pending,
      failed: status.failed,
      skipped: status.skipped,
      folders: status.folders,
      ignorePatterns: this.library.ignorePatterns(),
      model: status.model ? { id: status.model.id, name: status.model.name } : null,
      nextModel: status.nextModel ? { id: status.nextModel.id, name: status.nextModel.name } : null,
      device: { preference: status.device.preference, provider: status.device.provider },
      indexing: this.indexing,
    };
  }

  private settings(): Settings {
    const theme = this.library.store.getSetting(SETTING_THEME);
    return {
      theme: theme === 'light' || theme === 'dark' ? theme : 'system',
      device: this.library.devicePreference(),
    };
  }

  private modelChoices(): Promise<Responses['models']['models']> {
    return modelChoices(loadCatalogue(this.options.cataloguePath ?? CATALOGUE_PATH), this.library.layout.models, {
      active: this.library.activeModel()?.manifest.id ?? null,
      next: this.library.pendingModel()?.manifest.id ?? null,
    });
  }

  /** One download at a time, in the background; progress and the outcome go out as events. */
  private startDownload(id: string): { started: boolean } {
    if (this.download?.state === 'downloading') {
      throw new UserError(`${this.download.id} is still downloading; wait for it to finish.`);
    }
    const entry = loadCatalogue(this.options.cataloguePath ?? CATALOGUE_PATH).models.find((model) => model.id === id);
    if (!entry) throw new UserError(`There is no model "${id}" in the catalogue.`);
    const totalBytes = entry.files.reduce((sum, file) => sum + file.size, 0);
    const update = (change: Partial<ModelDownload>) => {
      this.download = { ...this.download!, ...change };
      this.emit({ type: 'model-download', download: this.download });
    };
    this.download = {
      id,
      receivedBytes: 0,
      totalBytes,
      bytesPerSecond: 0,
      etaSeconds: null,
      state: 'downloading',
      error: null,
    };
    installCatalogueModel(entry, this.library.layout.models, {
      onProgress: (progress) =>
        update({
          receivedBytes: progress.receivedBytes,
          bytesPerSecond: progress.bytesPerSecond,
          etaSeconds: progress.etaSeconds,
        }),
    })
      .then(() => update({ receivedBytes: totalBytes, state: 'done', etaSeconds: 0 }))
      .catch((error: unknown) => update({ state: 'failed', error: describeError(error) }));
    return { started: true };
  }

  /**
   * Follows the library's folders once a model is chosen: the library's coordinator then applies
   * every later change (folders, model, ignore patterns, device) in order and indexes after it,
   * so the service only has to start following once and translate what it hears into state.
   */
  private follow(): void {
    if (this.closed) return;
    const status = this.library.status();
    if (!status.model) {
      this.setIndexing({ ...IDLE, blocked: 'Choose a model to start indexing.' });
      return;
    }
    if (status.folders.length === 0) this.setIndexing({ ...IDLE, blocked: 'Add a photo folder to start indexing.' });
    else if (this.indexing.blocked?.startsWith('Add a photo folder'))
      this.setIndexing({ ...this.indexing, blocked: null });
    if (this.following) return;
    this.setIndexing({ ...this.indexing, phase: 'scanning', currentFolder: status.folders[0] ?? null });
    const watching = () => {
      this.setIndexing({ ...this.indexing, phase: 'watching', etaSeconds: null, currentFolder: null, blocked: null });
      this.libraryChanged(true);
    };
    this.following = this.library
      .watch(
        {
          onScan: (progress) =>
            this.setIndexing({ ...this.indexing, phase: 'scanning', currentFolder: progress.folder }),
          onIndex: (progress) => {
            this.setIndexing({
              phase: 'indexing',
              done: progress.done,
              total: progress.total,
              photosPerSecond: progress.photosPerSecond,
              etaSeconds: progress.etaSeconds,
              currentFolder: progress.currentPath ? dirname(progress.currentPath) : this.indexing.currentFolder,
              blocked: null,
            });
            this.libraryChanged(false);
          },
          onUpdate: watching,
          onSettled: watching,
          // Stays on screen until indexing goes on again: the library retries by itself.
          onPaused: (error) => this.setIndexing({ ...IDLE, phase: 'watching', blocked: error.message }),
          onError: (error) =>
            this.emit({ type: 'notice', message: `Could not follow a change: ${describeError(error)}` }),
        },
        this.options.watchStableMs !== undefined ? { stableMs: this.options.watchStableMs } : {},
      )
      .then(() => undefined)
      .catch((error: unknown) => {
        if (this.closed) return;
        this.following = null;
        this.setIndexing({ ...IDLE, blocked: `Indexing stopped: ${describeError(error)}` });
      });
  }

  private setIndexing(state: IndexingState): void {
    this.indexing = state;
    this.emit({ type: 'indexing', state });
  }

  private libraryChanged(now: boolean): void {
    const time = Date.now();
    if (!now && time - this.lastLibraryChanged < LIBRARY_CHANGED_INTERVAL_MS) return;
    this.lastLibraryChanged = time;
    this.emit({ type: 'library-changed' });
  }

  private emit(event: ApiEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        process.stderr.write(`shoebox: an event listener failed: ${describeError(error)}\n`);
      }
    }
  }
}
