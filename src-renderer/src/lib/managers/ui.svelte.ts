import { viewer } from './viewer.svelte.js';

/** Which dialog is open; while one is, the rest of the app is inert. */
class UiManager {
  settingsOpen = $state(false);
  failuresOpen = $state(false);
  searchInput = $state<HTMLInputElement | null>(null);

  modalOpen = $derived(this.settingsOpen || this.failuresOpen || viewer.list !== null);

  focusSearch(): void {
    this.searchInput?.focus();
    this.searchInput?.select();
  }
}

export const ui = new UiManager();
