import { api } from '$lib/api/index.js';
import type { Status } from '$lib/api/types.js';
import { formatCount, plural } from '$lib/utils/format.js';
import { notices } from './notices.svelte.js';
import { status } from './status.svelte.js';
import { ui } from './ui.svelte.js';

/** Changes to what the library covers: its folders and the patterns it ignores. */
class LibraryManager {
  busy = $state(false);

  addFolder(path: string): Promise<boolean> {
    return this.#change(() => api.call('addFolder', { path }));
  }

  removeFolder(path: string): Promise<boolean> {
    return this.#change(() => api.call('removeFolder', { path }));
  }

  /**
   * A slip such as a lone "*" would take the whole library out of it, so patterns that hide more
   * than half of the photos are saved only once the person has confirmed the count. The engine
   * applies the same rule and refuses such a change unless it is marked confirmed.
   */
  setIgnorePatterns(patterns: string[]): Promise<boolean> {
    return this.#change(async () => {
      const { hidden, total } = await api.call('previewIgnorePatterns', { patterns });
      const hidesMost = hidden > total / 2;
      const declined =
        hidesMost &&
        !(await ui.confirm({
          title: 'Hide most of your photos?',
          message: `These patterns would hide ${formatCount(hidden)} of ${plural(total, 'photo', 'photos')} from the library. Your files are not changed.`,
          confirmLabel: `Hide ${plural(hidden, 'photo', 'photos')}`,
          danger: true,
        }));
      if (declined) return null;
      return api.call('setIgnorePatterns', { patterns, confirmed: hidesMost });
    });
  }

  /** Whether the change went through (not refused, not cancelled), so a form can clear itself. */
  async #change(call: () => Promise<Status | null>): Promise<boolean> {
    this.busy = true;
    try {
      const result = await call();
      if (result === null) return false;
      status.apply(result);
      return true;
    } catch (error) {
      notices.error(error);
      return false;
    } finally {
      this.busy = false;
    }
  }
}

export const library = new LibraryManager();
