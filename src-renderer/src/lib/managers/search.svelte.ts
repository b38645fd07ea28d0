import { api } from '$lib/api/index.js';
import { errorMessage, isAbortError } from '$lib/api/reply.js';
import type { Hit, RequestOf } from '$lib/api/types.js';
import { endOfDay, startOfDay } from '$lib/utils/dates.js';
import { debounce } from '$lib/utils/debounce.js';
import { notices } from './notices.svelte.js';

const PAGE_SIZE = 120;
/** The engine's highest offset; its nearest-neighbour query stops near 4 096 anyway. */
const LAST_OFFSET = 4000;
const TYPING_PAUSE_MS = 150;

/** The query, its filters and its results, best first, fetched page by page. */
class SearchManager {
  query = $state('');
  /** One folder to search in, or '' for all of them. */
  folder = $state('');
  /** `YYYY-MM-DD` from the date inputs, or ''. */
  from = $state('');
  to = $state('');

  hits = $state.raw<Hit[]>([]);
  loading = $state(false);
  error = $state<string | null>(null);
  /** Whether the shown hits answer the current query and filters. */
  settled = $state(false);
  /** The query text the shown hits answer (what a test or benchmark waits for). */
  shownQuery = $state('');
  exhausted = $state(false);
  /** Bumped for each new first page, so the results view starts again at the top. */
  generation = $state(0);

  active = $derived(this.query.trim() !== '');
  hasFilters = $derived(this.folder !== '' || this.from !== '' || this.to !== '');
  ids = $derived(this.hits.map((hit) => hit.photoId));
  names = $derived(this.hits.map((hit) => hit.name));
  scores = $derived(this.hits.map((hit) => hit.score));

  #controller: AbortController | null = null;
  /** The query and filters the shown hits answer. */
  #shownFor = '';
  readonly #searchSoon = debounce(() => void this.#fetch(0), TYPING_PAUSE_MS);

  setQuery(query: string): void {
    this.query = query;
    this.#restart();
  }

  setFilters(filters: { folder?: string; from?: string; to?: string }): void {
    if (filters.folder !== undefined) this.folder = filters.folder;
    if (filters.from !== undefined) this.from = filters.from;
    if (filters.to !== undefined) this.to = filters.to;
    this.#restart();
  }

  clearFilters(): void {
    this.setFilters({ folder: '', from: '', to: '' });
  }

  loadMore(): void {
    if (!this.active || this.loading || this.exhausted || !this.settled) return;
    if (this.hits.length > LAST_OFFSET) return;
    void this.#fetch(this.hits.length);
  }

  start(): () => void {
    // New photos may answer a search that found little so far; a long list is left alone so it does not jump.
    const unsubscribe = api.subscribe((event) => {
      if (event.type === 'library-changed' && this.active && this.hits.length < PAGE_SIZE) this.#searchSoon();
    });
    return () => {
      unsubscribe();
      this.#searchSoon.cancel();
      this.#controller?.abort();
    };
  }

  #restart(): void {
    this.settled = false;
    this.#controller?.abort();
    if (this.active) {
      this.#searchSoon();
      return;
    }
    this.#searchSoon.cancel();
    this.#shownFor = '';
    this.hits = [];
    this.error = null;
    this.loading = false;
  }

  #request(offset: number): RequestOf<'search'> {
    const request: RequestOf<'search'> = { query: this.query.trim(), limit: PAGE_SIZE, offset };
    if (this.folder) request.folders = [this.folder];
    const takenFrom = startOfDay(this.from);
    const takenTo = endOfDay(this.to);
    if (takenFrom !== undefined) request.takenFrom = takenFrom;
    if (takenTo !== undefined) request.takenTo = takenTo;
    return request;
  }

  async #fetch(offset: number): Promise<void> {
    this.#controller?.abort();
    const controller = new AbortController();
    this.#controller = controller;
    this.loading = true;
    const request = this.#request(offset);
    try {
      const { hits } = await api.call('search', request, controller.signal);
      if (offset === 0) {
        const searchedFor = JSON.stringify({ ...request, offset: undefined });
        // The same search run again as photos arrive keeps its place; a new one starts at the top.
        if (searchedFor !== this.#shownFor) this.generation++;
        this.#shownFor = searchedFor;
        this.shownQuery = request.query;
        this.hits = hits;
      } else {
        const seen = new Set(this.ids);
        this.hits = [...this.hits, ...hits.filter((hit) => !seen.has(hit.photoId))];
      }
      this.exhausted = hits.length < PAGE_SIZE;
      this.error = null;
      this.settled = true;
    } catch (error) {
      if (isAbortError(error)) return;
      if (offset === 0) {
        this.error = errorMessage(error);
        this.#shownFor = '';
        this.hits = [];
      } else {
        notices.error(error);
        this.exhausted = true;
      }
      this.settled = true;
    } finally {
      if (this.#controller === controller) {
        this.#controller = null;
        this.loading = false;
      }
    }
  }
}

export const search = new SearchManager();
