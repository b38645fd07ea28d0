import { api } from '$lib/api/index.js';
import { errorMessage } from '$lib/api/reply.js';
import type { Status } from '$lib/api/types.js';
import { debounce } from '$lib/utils/debounce.js';

/** The library's state: folders, model, counts and the live indexing progress. */
class StatusManager {
  status = $state<Status | null>(null);
  /** Why the first status could not be read (the engine is unreachable or refused the token). */
  loadError = $state<string | null>(null);

  indexing = $derived(this.status?.indexing ?? null);

  /** Photos still waiting: live while a run encodes them (the counters in `status` move only on refresh). */
  pending = $derived(
    this.indexing?.phase === 'indexing'
      ? Math.max(0, this.indexing.total - this.indexing.done)
      : (this.status?.pending ?? 0),
  );

  upToDate = $derived(
    (this.indexing?.phase === 'watching' || this.indexing?.phase === 'idle') &&
      this.indexing.blocked === null &&
      this.status?.pending === 0,
  );

  /** Nothing can be indexed until there is a folder and a model. */
  needsSetup = $derived(
    this.status !== null &&
      (this.status.folders.length === 0 || (this.status.model === null && this.status.nextModel === null)),
  );

  /**
   * Why indexing is paused by a fault (a full disk, a database it cannot write), which stays on
   * screen until a run gets going again. A library not yet set up is blocked too, but that is
   * what the first-run screen explains.
   */
  paused = $derived(this.needsSetup ? null : (this.indexing?.blocked ?? null));

  #sequence = 0;
  readonly #refreshSoon = debounce(() => void this.refresh(), 500, 3000);

  async refresh(): Promise<void> {
    const sequence = ++this.#sequence;
    try {
      const status = await api.call('status', {});
      if (sequence !== this.#sequence) return;
      this.status = status;
      this.loadError = null;
    } catch (error) {
      if (sequence === this.#sequence && this.status === null) this.loadError = errorMessage(error);
    }
  }

  /** Calls that change the library answer with the new status. */
  apply(status: Status): void {
    this.#sequence++;
    this.status = status;
  }

  start(): () => void {
    void this.refresh();
    const unsubscribe = api.subscribe((event) => {
      if (event.type === 'indexing') {
        const phaseChanged = this.status?.indexing.phase !== event.state.phase;
        if (this.status) this.status.indexing = event.state;
        if (phaseChanged) this.#refreshSoon();
      } else if (event.type === 'library-changed') {
        this.#refreshSoon();
      }
    });
    return () => {
      unsubscribe();
      this.#refreshSoon.cancel();
    };
  }
}

export const status = new StatusManager();
