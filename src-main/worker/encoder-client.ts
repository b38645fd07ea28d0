import type { ImageJob, ImageResult, WorkerConfig, WorkerRequest, WorkerResponse } from '../shared/worker-protocol.js';
import type { WorkerChannel, WorkerLauncher } from './host.js';
import type { ProviderReport } from '../shared/worker-protocol.js';

/** The worker died (crash, kill, time-out) while the call was in flight. */
export class WorkerCrashedError extends Error {
  override readonly name = 'WorkerCrashedError';
}

export interface EncoderClientOptions {
  /** Time allowed per photo in an image request before the worker is presumed hung. */
  perPhotoTimeoutMs?: number;
  /** Time allowed for a request besides its photos: starting the worker, loading the model. */
  baseTimeoutMs?: number;
}

type Distribute<T> = T extends { kind: infer K } ? Omit<Extract<WorkerRequest, { kind: K }>, 'id'> : never;
type RequestBody = Distribute<WorkerRequest>;

interface Pending {
  resolve(response: WorkerResponse): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

const RESTART_DELAYS_MS = [0, 250, 1000, 4000];

/**
 * Talks to the worker process and supervises it. Calls are request/response; when the worker
 * exits, every call in flight fails with WorkerCrashedError and the next call starts a fresh
 * worker (after a growing pause if it keeps dying). A call that outlives its time-out kills the
 * worker, since a hung decoder never comes back by itself.
 */
export class EncoderClient {
  private channel: { worker: WorkerChannel; ready: Promise<void> } | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private recentCrashes = 0;
  private closed = false;
  /** Photos sent for decoding and encoding since this client was made: what tests and benchmarks count. */
  imagesRequested = 0;
  workerStarts = 0;
  /** The execution provider the worker reported last. */
  provider: ProviderReport | null = null;

  constructor(
    private readonly launch: WorkerLauncher,
    private readonly config: WorkerConfig,
    private readonly options: EncoderClientOptions = {},
  ) {}

  async encodeImages(jobs: ImageJob[]): Promise<ImageResult[]> {
    this.imagesRequested += jobs.length;
    const timeout = (this.options.baseTimeoutMs ?? 60_000) + jobs.length * (this.options.perPhotoTimeoutMs ?? 30_000);
    const response = await this.call({ kind: 'images', jobs }, timeout);
    if (response.kind !== 'images') throw new Error(`unexpected worker reply ${response.kind}`);
    this.recentCrashes = 0;
    this.provider = response.provider ?? this.provider;
    return response.results;
  }

  async encodeTexts(texts: string[]): Promise<Float32Array[]> {
    const response = await this.call({ kind: 'texts', texts }, this.options.baseTimeoutMs ?? 60_000);
    if (response.kind !== 'texts') throw new Error(`unexpected worker reply ${response.kind}`);
    this.provider = response.provider ?? this.provider;
    return response.vectors;
  }

  close(): void {
    this.closed = true;
    this.channel?.worker.kill();
    this.channel = null;
  }

  private async call(body: RequestBody, timeoutMs: number): Promise<WorkerResponse> {
    const channel = await this.ensureWorker();
    await channel.ready;
    return this.send(channel.worker, body, timeoutMs);
  }

  private send(worker: WorkerChannel, body: RequestBody, timeoutMs: number): Promise<WorkerResponse> {
    const id = this.nextId++;
    return new Promise<WorkerResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.failAll(worker, `the worker did not answer within ${Math.round(timeoutMs / 1000)} s`, id);
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (response) => {
          if (response.kind === 'error') reject(new Error(response.message));
          else resolve(response);
        },
        reject,
        timer,
      });
      worker.send({ ...body, id } as WorkerRequest);
    });
  }

  private async ensureWorker(): Promise<{ worker: WorkerChannel; ready: Promise<void> }> {
    if (this.closed) throw new Error('the encoder was closed');
    if (this.channel) return this.channel;
    const delay = RESTART_DELAYS_MS[Math.min(this.recentCrashes, RESTART_DELAYS_MS.length - 1)]!;
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    if (this.channel) return this.channel;
    const worker = this.launch();
    this.workerStarts++;
    worker.onMessage((response) => {
      const pending = this.pending.get(response.id);
      if (!pending) return;
      clearTimeout(pending.timer);
      this.pending.delete(response.id);
      pending.resolve(response);
    });
    worker.onExit((detail) => this.failAll(worker, `the worker stopped (${detail})`));
    const ready = this.send(
      worker,
      { kind: 'configure', config: this.config },
      this.options.baseTimeoutMs ?? 60_000,
    ).then(() => undefined);
    this.channel = { worker, ready };
    return this.channel;
  }

  /** Ends a worker and fails its calls; `timedOutId` names the call that waited too long. */
  private failAll(worker: WorkerChannel, detail: string, timedOutId?: number): void {
    if (this.channel?.worker !== worker) return;
    this.channel = null;
    this.recentCrashes++;
    worker.kill();
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(new WorkerCrashedError(id === timedOutId ? detail : `${detail} while this was in flight`));
    }
    this.pending.clear();
  }
}
