import { api } from '$lib/api/index.js';
import type { Timeline } from '$lib/api/types.js';
import { debounce } from '$lib/utils/debounce.js';
import { notices } from './notices.svelte.js';

/** Every indexed photo, newest first, reloaded as the library changes. */
class TimelineManager {
  // Raw: 100 000 entries need no deep reactivity, only replacement.
  timeline = $state.raw<Timeline | null>(null);
  /** The photo at the top of the view, so coming back from a search lands in the same place. */
  anchorPhotoId: number | null = null;

  #sequence = 0;
  // While indexing fills the library, reload often enough to watch it grow, not on every batch.
  readonly #refreshSoon = debounce(() => void this.refresh(), 400, 2500);

  async refresh(): Promise<void> {
    const sequence = ++this.#sequence;
    try {
      const timeline = await api.call('timeline', {});
      if (sequence === this.#sequence) this.timeline = timeline;
    } catch (error) {
      notices.error(error);
    }
  }

  start(): () => void {
    void this.refresh();
    const unsubscribe = api.subscribe((event) => {
      if (event.type === 'library-changed') this.#refreshSoon();
    });
    return () => {
      unsubscribe();
      this.#refreshSoon.cancel();
    };
  }
}

export const timeline = new TimelineManager();
