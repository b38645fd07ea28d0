import type { DevicePreference } from '../shared/worker-protocol.js';
import type { WorkerRequest, WorkerResponse } from '../shared/worker-protocol.js';
import type { ApiEvent } from './contract.js';

/**
 * Messages between an engine host and its engine process (engine-main.ts). Both ends are our own
 * code and the messages are structured clones (Node's advanced serialization, or Electron's
 * postMessage), so the types are the contract.
 */

/** How the engine process opens the library: what `shoebox serve` or the desktop app decided. */
export interface EngineSettings {
  dataDir: string;
  /** A model folder to switch to before indexing starts (`--model`). */
  modelDir?: string;
  /** `--device`. */
  device?: DevicePreference;
  watchStableMs?: number;
  cataloguePath?: string;
}

export interface EngineOpenOptions extends EngineSettings {
  /** Desktop capabilities the parent answers (they need Electron's `shell`, which only main has). */
  trashItem: boolean;
  showInFolder: boolean;
  /** The parent starts encoder workers for the engine (only Electron main can start utility processes). */
  relayWorkers: boolean;
}

export type DispatchReply = { ok: true; result: unknown } | { ok: false; error: string };
export type MediaKind = 'thumb' | 'photo';
export interface MediaFile {
  path: string;
  contentType: string;
}
export type DesktopAction = 'trashItem' | 'showInFolder';

export type ToEngine =
  | { type: 'open'; options: EngineOpenOptions }
  | { type: 'dispatch'; id: number; method: string; request: unknown }
  | { type: 'media'; id: number; kind: MediaKind; photoId: number }
  | { type: 'desktop-done'; id: number; error: string | null }
  | { type: 'worker-message'; worker: number; response: WorkerResponse }
  | { type: 'worker-exit'; worker: number; detail: string }
  | { type: 'close' };

export type FromEngine =
  | { type: 'ready' }
  | { type: 'open-failed'; error: string; userError: boolean }
  | { type: 'reply'; id: number; reply: DispatchReply }
  | { type: 'media-reply'; id: number; file: MediaFile | null; error: string | null }
  | { type: 'event'; event: ApiEvent }
  | { type: 'desktop'; id: number; action: DesktopAction; path: string }
  | { type: 'worker-launch'; worker: number }
  | { type: 'worker-send'; worker: number; request: WorkerRequest }
  | { type: 'worker-kill'; worker: number };

/** The worker relay's share of the traffic, each way. */
export type WorkerRelayToEngine = Extract<ToEngine, { type: 'worker-message' | 'worker-exit' }>;
export type WorkerRelayFromEngine = Extract<FromEngine, { type: 'worker-launch' | 'worker-send' | 'worker-kill' }>;
