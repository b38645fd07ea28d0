import { basename } from 'node:path';
import sharp from 'sharp';
import { loadModelFolder } from '../shared/model-manifest.js';
import { DecodeError, ThumbnailWriteError, decodePhoto, type DecodedPhoto } from './decode.js';
import { storeFaultReason } from '../shared/store-faults.js';
import { ClipEncoder } from './encoder.js';
import { readPhotoMetadata } from './metadata.js';
import { type PhotoMetadata } from '../shared/worker-protocol.js';
import { modelInputSpec } from './preprocess.js';
import type { ProviderReport } from '../shared/worker-protocol.js';
import {
  thumbnailPathFor,
  type ImageJob,
  type ImageResult,
  type WorkerConfig,
  type WorkerRequest,
  type WorkerResponse,
} from '../shared/worker-protocol.js';
import { connectToParent } from '../shared/parent-port.js';

/**
 * The worker process: decodes untrusted files and runs the model, so that a crash or hang in
 * either takes down only this process, which the engine restarts. It runs as a Node child process
 * (CLI, `shoebox serve`) or as an Electron utility process (desktop); only the port differs.
 */
/** Test seam: `crash:<marker>` / `hang:<marker>` make decoding a file whose name holds the marker fail hard. */
function injectFault(path: string): void {
  const spec = process.env.SHOEBOX_FAULT_INJECTION;
  if (!spec) return;
  for (const rule of spec.split(',')) {
    const [action, marker] = rule.split(':');
    if (!marker || !basename(path).includes(marker)) continue;
    if (action === 'crash') process.abort();
    if (action === 'hang') for (;;);
  }
}

async function mapLimited<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!);
    }
  });
  await Promise.all(lanes);
  return results;
}

class Worker {
  private encoder: ClipEncoder | null = null;
  private config: WorkerConfig | null = null;
  /** Model runs go one at a time; decoding of the next batch overlaps them. */
  private modelQueue: Promise<unknown> = Promise.resolve();

  configure(config: WorkerConfig): void {
    this.config = config;
    this.encoder = new ClipEncoder(loadModelFolder(config.modelDir), {
      threads: config.threads,
      device: config.device,
    });
    sharp.cache(false);
  }

  async images(jobs: ImageJob[]): Promise<ImageResult[]> {
    const { encoder, config } = this.ready();
    const { manifest } = encoder.model;
    const spec = modelInputSpec(manifest);
    type Decoded =
      | { job: ImageJob; photo: DecodedPhoto; metadata: PhotoMetadata; thumbnail: boolean }
      | { job: ImageJob; reason: string; storeFault?: string };
    const decoded = await mapLimited(jobs, config.decodeConcurrency, async (job): Promise<Decoded> => {
      try {
        injectFault(job.path);
        const thumbnail = job.fingerprint ? thumbnailPathFor(config.thumbnailsDir, job.fingerprint) : null;
        const [photo, metadata] = await Promise.all([
          decodePhoto(job.path, spec, thumbnail),
          readPhotoMetadata(job.path),
        ]);
        return { job, photo, metadata, thumbnail: thumbnail !== null };
      } catch (error) {
        const storeFault = error instanceof ThumbnailWriteError ? storeFaultReason(error.cause) : null;
        if (storeFault) return { job, reason: storeFault, storeFault };
        const reason = error instanceof DecodeError ? error.message : `the photo could not be read (${String(error)})`;
        return { job, reason };
      }
    });
    const good = decoded.filter((d) => 'photo' in d);
    const vectors = await this.runModel(() => encoder.encodeImages(good.map((d) => d.photo.tensor)));
    const vectorByKey = new Map(good.map((d, i) => [d.job.key, vectors[i]!]));
    return decoded.map((d): ImageResult => {
      if (!('photo' in d)) {
        return d.storeFault
          ? { key: d.job.key, ok: false, reason: d.reason, storeFault: d.storeFault }
          : { key: d.job.key, ok: false, reason: d.reason };
      }
      return {
        key: d.job.key,
        ok: true,
        vector: vectorByKey.get(d.job.key)!,
        width: d.photo.width,
        height: d.photo.height,
        phash: d.photo.phash,
        metadata: d.metadata,
        thumbnail: d.thumbnail,
      };
    });
  }

  texts(texts: string[]): Promise<Float32Array[]> {
    const { encoder } = this.ready();
    return this.runModel(() => encoder.encodeTexts(texts));
  }

  provider(): ProviderReport | null {
    return this.encoder?.report() ?? null;
  }

  private runModel<T>(task: () => Promise<T>): Promise<T> {
    const run = this.modelQueue.then(task, task);
    this.modelQueue = run.catch(() => undefined);
    return run;
  }

  private ready(): { encoder: ClipEncoder; config: WorkerConfig } {
    if (!this.encoder || !this.config) throw new Error('the worker was not configured');
    return { encoder: this.encoder, config: this.config };
  }
}

const port = connectToParent<WorkerResponse, WorkerRequest>('worker');
// Without its parent the worker has no purpose: exit rather than linger as an orphan.
process.on('disconnect', () => process.exit(0));
const worker = new Worker();
port.listen((request) => {
  void (async () => {
    try {
      switch (request.kind) {
        case 'configure':
          worker.configure(request.config);
          port.post({ id: request.id, kind: 'configured' });
          break;
        case 'images':
          port.post({
            id: request.id,
            kind: 'images',
            results: await worker.images(request.jobs),
            provider: worker.provider(),
          });
          break;
        case 'texts':
          port.post({
            id: request.id,
            kind: 'texts',
            vectors: await worker.texts(request.texts),
            provider: worker.provider(),
          });
          break;
        default:
          throw new Error(`unknown request ${JSON.stringify(request)}`);
      }
    } catch (error) {
      port.post({ id: request.id, kind: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  })();
});
