import { api } from '$lib/api/index.js';
import type { ModelChoice, ModelDownload, Status } from '$lib/api/types.js';
import { notices } from './notices.svelte.js';
import { status } from './status.svelte.js';

/** The models on offer, downloads in progress, and choosing which one Shoebox uses. */
class ModelsManager {
  models = $state.raw<ModelChoice[]>([]);
  downloads = $state<Record<string, ModelDownload>>({});
  loaded = $state(false);
  busy = $state(false);

  /** Recommended first; otherwise the engine's order. */
  sorted = $derived([...this.models].sort((a, b) => Number(b.recommended) - Number(a.recommended)));

  /** Downloads started from the first-run screen: the model is put to use as soon as it arrives. */
  readonly #useWhenDone = new Set<string>();

  async refresh(): Promise<void> {
    try {
      const { models, downloading } = await api.call('models', {});
      this.models = models;
      if (downloading?.state === 'downloading') this.downloads[downloading.id] = downloading;
      this.loaded = true;
    } catch (error) {
      notices.error(error);
    }
  }

  async download(id: string, useWhenDone: boolean): Promise<void> {
    const model = this.models.find((choice) => choice.id === id);
    this.downloads[id] = {
      id,
      receivedBytes: 0,
      totalBytes: model?.bytes ?? 0,
      bytesPerSecond: 0,
      etaSeconds: null,
      state: 'downloading',
      error: null,
    };
    if (useWhenDone) this.#useWhenDone.add(id);
    try {
      const { started } = await api.call('downloadModel', { id });
      if (!started) await this.#finished(id);
    } catch (error) {
      delete this.downloads[id];
      this.#useWhenDone.delete(id);
      notices.error(error);
    }
  }

  async use(id: string): Promise<void> {
    await this.#changeModel(() => api.call('useModel', { id }));
  }

  /** Whether the import went through, so the form can clear itself. */
  async importFrom(path: string): Promise<boolean> {
    return this.#changeModel(() => api.call('importModel', { path }));
  }

  start(): () => void {
    void this.refresh();
    return api.subscribe((event) => {
      if (event.type !== 'model-download') return;
      const download = event.download;
      if (download.state === 'downloading') {
        this.downloads[download.id] = download;
      } else if (download.state === 'done') {
        void this.#finished(download.id);
      } else {
        delete this.downloads[download.id];
        this.#useWhenDone.delete(download.id);
        notices.error(new Error(download.error ?? 'The model could not be downloaded.'));
      }
    });
  }

  async #finished(id: string): Promise<void> {
    delete this.downloads[id];
    await this.refresh();
    const installed = this.models.some((model) => model.id === id && model.installed);
    if (installed && this.#useWhenDone.delete(id) && status.status?.model === null) await this.use(id);
  }

  async #changeModel(change: () => Promise<Status>): Promise<boolean> {
    this.busy = true;
    try {
      status.apply(await change());
      await this.refresh();
      return true;
    } catch (error) {
      notices.error(error);
      return false;
    } finally {
      this.busy = false;
    }
  }
}

export const models = new ModelsManager();
