import { api } from '$lib/api/index.js';
import { errorMessage, isAbortError } from '$lib/api/reply.js';
import type { AlbumDetail, AlbumSummary, RequestOf, StarterAlbumChoice } from '$lib/api/types.js';
import { followLibrary } from './follow-library.js';
import { notices } from './notices.svelte.js';

type AlbumChange = Omit<RequestOf<'updateAlbum'>, 'name'>;

/**
 * The albums, which fill themselves: the list with counts and covers, the one on screen with its
 * members and borderline photos, and the changes a person makes (prompts, sensitivity, overrides).
 * The engine decides membership; every change is followed by a fresh answer from it.
 */
class AlbumsManager {
  list = $state.raw<AlbumSummary[]>([]);
  loaded = $state(false);
  starters = $state.raw<StarterAlbumChoice[] | null>(null);

  /** The album on screen, once loaded. */
  detail = $state.raw<AlbumDetail | null>(null);
  detailError = $state<string | null>(null);
  /** Bumped after every change, so views that explain memberships ask again. */
  version = $state(0);

  #shown: string | null = null;
  #listSequence = 0;
  #detailController: AbortController | null = null;

  start(): () => void {
    // New photos are scored as they arrive; reload often enough to watch an album fill, not on every batch.
    const stop = followLibrary(() => void this.#refreshAll(), 400, 2500);
    return () => {
      stop();
      this.#detailController?.abort();
    };
  }

  async refresh(): Promise<void> {
    const sequence = ++this.#listSequence;
    try {
      const { albums } = await api.call('albums', {});
      if (sequence !== this.#listSequence) return;
      this.list = albums;
      this.loaded = true;
    } catch (error) {
      notices.error(error);
    }
  }

  /** Which album the view shows (null when none): its members are kept up to date while it does. */
  show(name: string | null): void {
    if (name === this.#shown) return;
    this.#shown = name;
    this.detail = null;
    this.detailError = null;
    this.#detailController?.abort();
    if (name !== null) void this.#loadDetail();
  }

  async loadStarters(): Promise<void> {
    try {
      const { starters } = await api.call('starterAlbums', {});
      this.starters = starters;
    } catch (error) {
      notices.error(error);
    }
  }

  /** The new album, or null when the engine refused it (the reason is shown). */
  async create(request: RequestOf<'createAlbum'>): Promise<AlbumSummary | null> {
    try {
      const album = await api.call('createAlbum', request);
      this.#changed();
      return album;
    } catch (error) {
      notices.error(error);
      return null;
    }
  }

  async enableStarter(id: string): Promise<AlbumSummary | null> {
    try {
      const album = await api.call('enableStarterAlbum', { id });
      this.starters =
        this.starters?.map((starter) => (starter.id === id ? { ...starter, enabled: true } : starter)) ?? null;
      this.#changed();
      return album;
    } catch (error) {
      notices.error(error);
      return null;
    }
  }

  /** The album as changed (with its new name, if renamed), or null when the engine refused. */
  async update(name: string, change: AlbumChange): Promise<AlbumSummary | null> {
    try {
      const album = await api.call('updateAlbum', { name, ...change });
      if (this.#shown === name) this.#shown = album.name;
      this.#changed();
      return album;
    } catch (error) {
      notices.error(error);
      return null;
    }
  }

  async remove(name: string): Promise<boolean> {
    try {
      await api.call('deleteAlbum', { name });
      if (this.#shown === name) this.show(null);
      this.starters = null;
      this.#changed();
      return true;
    } catch (error) {
      notices.error(error);
      return false;
    }
  }

  /** "Always" (true), "never" (false), or back to the album's rule (null). */
  async setOverride(name: string, photoId: number, include: boolean | null): Promise<void> {
    try {
      await api.call('setAlbumOverride', { name, photoId, include });
      this.#changed();
    } catch (error) {
      notices.error(error);
    }
  }

  #changed(): void {
    this.version++;
    void this.#refreshAll();
  }

  async #refreshAll(): Promise<void> {
    await Promise.all([this.refresh(), this.#loadDetail()]);
  }

  async #loadDetail(): Promise<void> {
    const name = this.#shown;
    if (name === null) return;
    this.#detailController?.abort();
    const controller = new AbortController();
    this.#detailController = controller;
    try {
      const detail = await api.call('album', { name }, controller.signal);
      if (controller.signal.aborted || this.#shown !== name) return;
      this.detail = detail;
      this.detailError = null;
    } catch (error) {
      if (isAbortError(error) || this.#shown !== name) return;
      this.detailError = errorMessage(error);
    } finally {
      if (this.#detailController === controller) this.#detailController = null;
    }
  }
}

export const albums = new AlbumsManager();
