import { api } from '$lib/api/index.js';
import { errorMessage, isAbortError } from '$lib/api/reply.js';
import type { DuplicateGroupView } from '$lib/api/types.js';
import { plural } from '$lib/utils/format.js';
import { followLibrary } from './follow-library.js';
import { notices } from './notices.svelte.js';

/**
 * Groups of copies (the one to keep first), looked for while the duplicates view is open: the
 * engine compares every pair, which is quick but not free. Nothing is ever removed without a
 * person's confirmation, and only in the desktop app, where photos can go to the system trash.
 */
class DuplicatesManager {
  groups = $state.raw<DuplicateGroupView[] | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);

  /** Photos that could go: all but the one to keep in each group. */
  spare = $derived(this.groups?.reduce((sum, group) => sum + group.photos.length - 1, 0) ?? 0);
  spareBytes = $derived(
    this.groups?.reduce(
      (sum, group) =>
        sum +
        group.photos
          .filter((photo) => photo.photoId !== group.keep)
          .reduce((bytes, photo) => bytes + photo.sizeBytes, 0),
      0,
    ) ?? 0,
  );

  readonly canTrash = api.platform === 'desktop';

  #controller: AbortController | null = null;

  /** Looks now and again as the library changes, until the returned function is called. */
  watch(): () => void {
    const stop = followLibrary(() => void this.refresh(), 800, 5000);
    return () => {
      stop();
      this.#controller?.abort();
    };
  }

  async refresh(): Promise<void> {
    this.#controller?.abort();
    const controller = new AbortController();
    this.#controller = controller;
    this.loading = true;
    try {
      const { groups } = await api.call('duplicates', {}, controller.signal);
      if (controller.signal.aborted) return;
      this.groups = groups;
      this.error = null;
    } catch (error) {
      if (isAbortError(error)) return;
      this.error = errorMessage(error);
    } finally {
      if (this.#controller === controller) {
        this.#controller = null;
        this.loading = false;
      }
    }
  }

  /** Moves the photos to the system trash: call only with a person's confirmation. */
  async trash(photoIds: number[]): Promise<boolean> {
    if (!this.canTrash || photoIds.length === 0) return false;
    try {
      const { trashed } = await api.call('trashPhotos', { photoIds });
      notices.info(`Moved ${plural(trashed, 'photo', 'photos')} to the trash.`);
      this.groups =
        this.groups?.filter((group) => !group.photos.some((photo) => photoIds.includes(photo.photoId))) ?? null;
      void this.refresh();
      return true;
    } catch (error) {
      notices.error(error);
      return false;
    }
  }
}

export const duplicates = new DuplicatesManager();
