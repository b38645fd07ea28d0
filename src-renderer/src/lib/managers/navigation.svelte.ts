import { search } from './search.svelte.js';
import { status } from './status.svelte.js';

export type Section = { kind: 'library' } | { kind: 'album'; name: string } | { kind: 'duplicates' };

/** Which part of the library the main view shows: everything, one album, or the duplicates. */
class NavigationManager {
  section = $state.raw<Section>({ kind: 'library' });
  /** On narrow windows the sidebar is a drawer, shown on request. */
  sidebarOpen = $state(false);

  /** Before setup there is nothing to navigate. */
  available = $derived(status.status !== null && !status.needsSetup);

  /** What the sidebar marks as current: nothing while search results are showing. */
  current = $derived<Section | null>(search.active ? null : this.section);

  go(section: Section): void {
    this.section = section;
    this.sidebarOpen = false;
    // A search covers every view; choosing a place means leaving it.
    if (search.active) search.setQuery('');
  }

  isCurrent(section: Section): boolean {
    const current = this.current;
    if (!current || current.kind !== section.kind) return false;
    return current.kind !== 'album' || (section.kind === 'album' && current.name === section.name);
  }
}

export const navigation = new NavigationManager();
