import type { AlbumDraft } from '$lib/utils/album-draft.js';
import { viewer } from './viewer.svelte.js';

/** A question that needs a person's yes before anything happens, such as moving files to the trash. */
export interface Confirmation {
  title: string;
  message: string;
  /** What the action touches, listed by name (the files to move, for instance). */
  items?: string[];
  confirmLabel: string;
  danger?: boolean;
}

/** Which dialog is open; while one is, the rest of the app is inert. */
class UiManager {
  settingsOpen = $state(false);
  failuresOpen = $state(false);
  /** The new album dialog, with what it starts from (a search, or nothing). */
  albumDraft = $state<AlbumDraft | null>(null);
  confirmation = $state.raw<Confirmation | null>(null);
  searchInput = $state<HTMLInputElement | null>(null);

  modalOpen = $derived(
    this.settingsOpen ||
      this.failuresOpen ||
      this.albumDraft !== null ||
      this.confirmation !== null ||
      viewer.list !== null,
  );

  #answer: ((confirmed: boolean) => void) | null = null;

  focusSearch(): void {
    this.searchInput?.focus();
    this.searchInput?.select();
  }

  /** Asks first; answers whether the person confirmed. A second question cancels the first. */
  confirm(confirmation: Confirmation): Promise<boolean> {
    this.#answer?.(false);
    this.confirmation = confirmation;
    return new Promise((resolve) => (this.#answer = resolve));
  }

  answer(confirmed: boolean): void {
    const answer = this.#answer;
    this.#answer = null;
    this.confirmation = null;
    answer?.(confirmed);
  }
}

export const ui = new UiManager();
