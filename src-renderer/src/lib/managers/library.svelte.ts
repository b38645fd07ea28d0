import { api } from '$lib/api/index.js';
import type { Status } from '$lib/api/types.js';
import { notices } from './notices.svelte.js';
import { status } from './status.svelte.js';

/** Changes to what the library covers: its folders and the patterns it ignores. */
class LibraryManager {
  busy = $state(false);

  addFolder(path: string): Promise<boolean> {
    return this.#change(() => api.call('addFolder', { path }));
  }

  removeFolder(path: string): Promise<boolean> {
    return this.#change(() => api.call('removeFolder', { path }));
  }

  setIgnorePatterns(patterns: string[]): Promise<boolean> {
    return this.#change(() => api.call('setIgnorePatterns', { patterns }));
  }

  /** Whether the change went through, so a form can clear itself. */
  async #change(call: () => Promise<Status>): Promise<boolean> {
    this.busy = true;
    try {
      status.apply(await call());
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
