import { availableParallelism } from 'node:os';
import type { Database } from 'better-sqlite3';
import { EncoderClient, type EncoderClientOptions } from '../worker/encoder-client.js';
import { launchNodeWorker, type WorkerLauncher } from '../worker/host.js';
import { providerName } from '../worker/providers.js';
import { DEVICE_PREFERENCES, type DevicePreference, type ProviderReport } from '../shared/worker-protocol.js';
import type { DataDirLayout } from './data-dir.js';
import { UserError, describeError } from '../shared/errors.js';
import { loadModelFolder, type ModelFolder } from '../shared/model-manifest.js';
import type { LibraryStore } from './store/library-store.js';
import { VectorIndex } from './vector-index.js';

export interface AttachedModel {
  folder: ModelFolder;
  index: VectorIndex;
}

export interface EncoderSettings {
  /** How the worker process is started: a Node child process unless the host supplies another. */
  launchWorker?: WorkerLauncher;
  /** Model inference threads; 0 lets onnxruntime use every core. */
  threads?: number;
  decodeConcurrency?: number;
  /** How long the worker may take before it is presumed hung and restarted. */
  workerTimeouts?: EncoderClientOptions;
  /** Hears things worth telling the user once, such as a GPU that could not be used. */
  onNotice?: (message: string) => void;
}

const SETTING_MODEL_DIR = 'model.dir';
const SETTING_NEXT_MODEL_DIR = 'model.next.dir';
const SETTING_DEVICE = 'device.preference';
const SETTING_PROVIDER = 'device.provider';

/**
 * Which models the library uses: the active one (search), the one being prepared during a switch
 * (indexing encodes for it; it takes over once every photo has its embedding), and one worker
 * per model in use. Changes are made by the coordinator's jobs only; reads may come any time.
 */
export class ModelRegistry {
  private activeModel: AttachedModel | null = null;
  private nextModel: AttachedModel | null = null;
  /** Why a remembered model could not be loaded, if it could not. */
  private problem: string | null = null;
  private readonly encoders = new Map<string, EncoderClient>();

  constructor(
    private readonly db: Database,
    private readonly store: LibraryStore,
    private readonly layout: DataDirLayout,
    private readonly settings: EncoderSettings,
  ) {
    this.activeModel = this.restore(SETTING_MODEL_DIR);
    this.nextModel = this.restore(SETTING_NEXT_MODEL_DIR);
  }

  get active(): AttachedModel | null {
    return this.activeModel;
  }

  /** The model photos are being encoded for, while search still uses the active one. */
  get next(): AttachedModel | null {
    return this.nextModel;
  }

  /** What indexing encodes for: the model being prepared, or else the active one. */
  target(): AttachedModel | null {
    return this.nextModel ?? this.activeModel;
  }

  requireActive(): AttachedModel {
    if (this.activeModel) return this.activeModel;
    if (this.problem) throw new UserError(`${this.problem}: choose a model with --model <folder>.`);
    throw new UserError('No model is selected: choose one with --model <folder>.');
  }

  /**
   * Makes `chosen` the library's model. The first model becomes active at once; another is
   * prepared (search keeps the active one until every photo has the new embedding); choosing
   * the active model again cancels a switch in progress.
   */
  choose(chosen: ModelFolder): { changed: boolean } {
    const same = (model: AttachedModel | null) =>
      model !== null && model.folder.manifest.id === chosen.manifest.id && model.folder.dir === chosen.dir;
    if ((same(this.activeModel) && !this.nextModel) || same(this.nextModel)) return { changed: false };
    const attached = this.attach(chosen);
    if (this.activeModel !== null && !same(this.activeModel)) {
      this.store.setSetting(SETTING_NEXT_MODEL_DIR, chosen.dir);
      this.nextModel = attached;
    } else {
      this.store.transaction(() => {
        this.store.setSetting(SETTING_MODEL_DIR, chosen.dir);
        this.store.setSetting(SETTING_NEXT_MODEL_DIR, null);
      });
      this.activeModel = attached;
      this.nextModel = null;
      this.problem = null;
    }
    return { changed: true };
  }

  /** The prepared model takes over once every photo has its embedding; true when it did. */
  promoteIfReady(): boolean {
    const next = this.nextModel;
    if (!next || this.store.countPending(next.folder.manifest.id) > 0) return false;
    this.store.transaction(() => {
      this.store.setSetting(SETTING_MODEL_DIR, next.folder.dir);
      this.store.setSetting(SETTING_NEXT_MODEL_DIR, null);
    });
    this.activeModel = next;
    this.nextModel = null;
    this.problem = null;
    return true;
  }

  devicePreference(): DevicePreference {
    const stored = this.store.getSetting(SETTING_DEVICE);
    return DEVICE_PREFERENCES.find((preference) => preference === stored) ?? 'auto';
  }

  /** Chooses where the model runs; workers restart with it on their next task. */
  setDevicePreference(preference: DevicePreference): boolean {
    if (preference === this.devicePreference()) return false;
    this.store.setSetting(SETTING_DEVICE, preference);
    this.closeEncoders();
    return true;
  }

  encoderFor(model: ModelFolder): EncoderClient {
    const existing = this.encoders.get(model.dir);
    if (existing) return existing;
    const client = new EncoderClient(
      this.settings.launchWorker ?? launchNodeWorker,
      {
        modelDir: model.dir,
        thumbnailsDir: this.layout.thumbnails,
        threads: this.settings.threads ?? 0,
        device: this.devicePreference(),
        decodeConcurrency: this.settings.decodeConcurrency ?? Math.max(2, availableParallelism()),
      },
      this.settings.workerTimeouts ?? {},
    );
    this.encoders.set(model.dir, client);
    return client;
  }

  closeEncoders(): void {
    for (const client of this.encoders.values()) client.close();
    this.encoders.clear();
  }

  /** Encoder statistics, for tests and benchmarks. */
  encoderStats(): { imagesRequested: number; workerStarts: number } {
    const clients = [...this.encoders.values()];
    return {
      imagesRequested: clients.reduce((sum, client) => sum + client.imagesRequested, 0),
      workerStarts: clients.reduce((sum, client) => sum + client.workerStarts, 0),
    };
  }

  lastProvider(): { provider: string | null; fallbacks: ProviderReport['fallbacks'] } {
    const stored = this.store.getSetting(SETTING_PROVIDER);
    return stored ? (JSON.parse(stored) as ProviderReport) : { provider: null, fallbacks: [] };
  }

  /** Remembers where the model ran; a change in fallbacks is told once, not on every run. */
  noteProvider(encoder: EncoderClient): void {
    const report = encoder.provider;
    if (!report) return;
    const previous = this.lastProvider();
    const serialised = JSON.stringify(report);
    if (serialised === JSON.stringify(previous)) return;
    this.store.setSetting(SETTING_PROVIDER, serialised);
    const newFallbacks = report.fallbacks.filter((f) => !previous.fallbacks.some((p) => p.provider === f.provider));
    if (newFallbacks.length > 0 && this.devicePreference() !== 'cpu') {
      const passedOver = newFallbacks.map((f) => `${providerName(f.provider)} (${f.reason})`).join(', ');
      this.settings.onNotice?.(`Could not use ${passedOver}, so the model runs on ${providerName(report.provider)}.`);
    }
  }

  /**
   * A remembered model that cannot be loaded (moved, deleted, damaged) is a problem to report,
   * not a reason to refuse opening the library.
   */
  private restore(setting: string): AttachedModel | null {
    const dir = this.store.getSetting(setting);
    if (!dir) return null;
    try {
      return this.attach(loadModelFolder(dir));
    } catch (error) {
      if (setting === SETTING_MODEL_DIR) {
        this.problem = `The model at ${dir} cannot be loaded (${describeError(error).replace(/\.$/, '')})`;
      } else {
        this.settings.onNotice?.(
          `The model being prepared at ${dir} cannot be loaded (${describeError(error).replace(/\.$/, '')}); ` +
            'search goes on with the current model.',
        );
        this.store.setSetting(setting, null);
      }
      return null;
    }
  }

  private attach(folder: ModelFolder): AttachedModel {
    return { folder, index: VectorIndex.forModel(this.db, folder.manifest.id, folder.manifest.embeddingSize) };
  }
}
