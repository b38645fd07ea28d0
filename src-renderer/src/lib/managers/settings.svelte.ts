import { api } from '$lib/api/index.js';
import type { RequestOf, Settings } from '$lib/api/types.js';
import { applyTheme } from '$lib/utils/theme.js';
import { notices } from './notices.svelte.js';

class SettingsManager {
  settings = $state<Settings | null>(null);

  async load(): Promise<void> {
    try {
      this.#use(await api.call('settings', {}));
    } catch (error) {
      notices.error(error);
    }
  }

  async update(change: RequestOf<'updateSettings'>): Promise<void> {
    const previous = this.settings;
    // Shown at once; put back if the engine refuses.
    if (this.settings) this.#use({ ...this.settings, ...change });
    try {
      this.#use(await api.call('updateSettings', change));
    } catch (error) {
      if (previous) this.#use(previous);
      notices.error(error);
    }
  }

  #use(settings: Settings): void {
    this.settings = settings;
    applyTheme(settings.theme);
  }
}

export const settings = new SettingsManager();
