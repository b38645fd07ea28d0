import { api } from '$lib/api/index.js';
import { debounce } from '$lib/utils/debounce.js';

/**
 * Loads now, then again whenever the library changes: after changes pause for `waitMs`, and at
 * least every `maxWaitMs` while they keep coming (photos streaming in during indexing). Returns
 * the function that stops following.
 */
export function followLibrary(load: () => void, waitMs: number, maxWaitMs: number): () => void {
  const loadSoon = debounce(load, waitMs, maxWaitMs);
  load();
  const unsubscribe = api.subscribe((event) => {
    if (event.type === 'library-changed') loadSoon();
  });
  return () => {
    unsubscribe();
    loadSoon.cancel();
  };
}
