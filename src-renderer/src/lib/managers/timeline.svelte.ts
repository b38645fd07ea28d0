import { api } from '$lib/api/index.js';
import type { Timeline } from '$lib/api/types.js';
import { followLibrary } from './follow-library.js';
import { notices } from './notices.svelte.js';

/** Every indexed photo, newest first, reloaded as the library changes. */
class TimelineManager {
  // Raw: 100 000 entries need no deep reactivity, only replacement.
  timeline = $state.raw<Timeline | null>(null);
  /** The photo at the top of the view, so coming back from a search lands in the same place. */
  anchorPhotoId: number | null = null;

  #sequence = 0;
  // While indexing fills the library, reload often enough to watch it grow, not on every batch.

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
    return followLibrary(() => void this.refresh(), 400, 2500);
  }
}

export const timeline = new TimelineManager();
