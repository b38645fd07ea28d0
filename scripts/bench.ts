import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { Library } from '../src-main/engine/library.js';
import { loadModelFolder, type ModelFolder } from '../src-main/shared/model-manifest.js';
import { decodePhoto } from '../src-main/worker/decode.js';
import { ClipEncoder } from '../src-main/worker/encoder.js';
import { modelInputSpec } from '../src-main/worker/preprocess.js';
import { DEVICE_PREFERENCES, type DevicePreference } from '../src-main/shared/worker-protocol.js';
import { generateBenchClip } from './generate-bench-clip.js';
import { seededRandom } from './seeded-random.js';
import { TOY_COLOURS, TOY_COLOUR_NAMES } from './toy-palette.js';

/**
 * Shoebox's speed, measured against baselines taken in the same run (ratios, not absolute times):
 *
 * - `clip`: a random-weight CLIP with ViT-B/32's exact architecture (real weights cannot be
 *   downloaded here; the FLOPs are what matter). Decoding alone, the model alone (pre-made
 *   tensors, same batch and threads), and the full pipeline; the pipeline's ratio to its bound,
 *   which on a CPU is 1 / (1/decode + 1/model) (both share the cores) and on a GPU
 *   min(decode, model). Text-query latency (tokenize + text tower), p50 and p95.
 * - `toy`: indexing with the toy model, whose cost is next to nothing, so its ratio to decoding
 *   alone shows what the engine around decoding costs; peak memory of engine and worker.
 *
 *   npm run bench -- --json [--photos 200] [--batch 16] [--threads 0] [--device cpu] [--only clip|toy]
 */
const { values: options } = parseArgs({
  options: {
    json: { type: 'boolean', default: true },
    photos: { type: 'string', default: '200' },
    batch: { type: 'string', default: '16' },
    threads: { type: 'string', default: '0' },
    'decode-concurrency': { type: 'string', default: String(Math.max(2, availableParallelism())) },
    device: { type: 'string', default: 'cpu' },
    only: { type: 'string' },
    cache: { type: 'string', default: '.bench-cache' },
  },
});
const PHOTOS = Number(options.photos);
const BATCH = Number(options.batch);
const THREADS = Number(options.threads);
const DECODE_CONCURRENCY = Number(options['decode-concurrency']);
const DEVICE = DEVICE_PREFERENCES.find((d) => d === options.device) ?? 'cpu';
const CACHE = resolve(options.cache);
const TOY_MODEL = resolve('test/fixtures/models/toy-clip');
const CLIP_MERGES = resolve('..', 'shared', 'clip', 'bpe_simple_vocab_16e6.txt.gz');
const WIDTH = 4000;
const HEIGHT = 3000;
const DISTINCT_IMAGES = 10;

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

/** Photo-like 12 MP JPEGs (a dominant colour over textured noise), made once and cached. */
async function photoLibrary(): Promise<string[]> {
  const dir = join(CACHE, `jpeg-12mp-${PHOTOS}`);
  if (!existsSync(dir) || readdirSync(dir).length !== PHOTOS) {
    log(`generating ${PHOTOS} 12 MP JPEGs in ${dir}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const bases: Buffer[] = [];
    for (let i = 0; i < DISTINCT_IMAGES; i++) {
      const [r, g, b] = TOY_COLOURS[TOY_COLOUR_NAMES[i % TOY_COLOUR_NAMES.length]!];
      const texture = await sharp({
        create: {
          width: WIDTH,
          height: HEIGHT,
          channels: 3,
          background: '#000000',
          noise: { type: 'gaussian', mean: 128, sigma: 45 },
        },
      })
        .blur(0.8)
        .raw()
        .toBuffer();
      const colour = {
        create: { width: WIDTH, height: HEIGHT, channels: 4 as const, background: { r, g, b, alpha: 0.7 } },
      };
      bases.push(
        await sharp(texture, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
          .composite([{ input: colour }])
          .jpeg({ quality: 90 })
          .toBuffer(),
      );
    }
    // Distinct files (distinct fingerprints), each a full decode: the same pixels, a different tail.
    for (let i = 0; i < PHOTOS; i++) {
      const tail = Buffer.from(`bench-${i}`);
      writeFileSync(
        join(dir, `IMG_${String(i).padStart(4, '0')}.jpg`),
        Buffer.concat([bases[i % DISTINCT_IMAGES]!, tail]),
      );
    }
  }
  return readdirSync(dir)
    .sort()
    .map((name) => join(dir, name));
}

function benchModel(): ModelFolder | null {
  const dir = join(CACHE, 'bench-clip-vit-b32');
  if (!existsSync(join(dir, 'manifest.json'))) {
    if (!existsSync(CLIP_MERGES)) return null;
    log(`generating the random-weight ViT-B/32 in ${dir}`);
    generateBenchClip(dir, CLIP_MERGES);
  }
  return loadModelFolder(dir);
}

/** Resident memory of this process and its children (the workers), sampled; Linux reads /proc. */
class MemorySampler {
  private peakMain = 0;
  private peakChildren = 0;
  private readonly timer = setInterval(() => this.sample(), 50);

  sample(): void {
    this.peakMain = Math.max(this.peakMain, process.memoryUsage.rss());
    this.peakChildren = Math.max(
      this.peakChildren,
      childPids(process.pid).reduce((sum, pid) => sum + rssOf(pid), 0),
    );
  }

  stop(): { engineMiB: number; workerMiB: number } {
    clearInterval(this.timer);
    this.sample();
    return { engineMiB: Math.round(this.peakMain / 2 ** 20), workerMiB: Math.round(this.peakChildren / 2 ** 20) };
  }
}

function childPids(parent: number): number[] {
  if (process.platform !== 'linux') return [];
  try {
    const children = readFileSync(`/proc/${parent}/task/${parent}/children`, 'utf8').trim();
    return children ? children.split(/\s+/).map(Number) : [];
  } catch {
    return [];
  }
}

function rssOf(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The decode the worker does (thumbnail included), at the worker's concurrency. */
async function decodeOnly(files: string[], model: ModelFolder, thumbnails: string): Promise<number> {
  const spec = modelInputSpec(model.manifest);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: DECODE_CONCURRENCY }, async () => {
      while (next < files.length) {
        const index = next++;
        await decodePhoto(files[index]!, spec, join(thumbnails, `${index}.webp`));
      }
    }),
  );
  return files.length / ((performance.now() - started) / 1000);
}

/** The image tower alone on pre-made tensors, batch by batch, after one warm-up batch. */
async function modelOnly(encoder: ClipEncoder, count: number): Promise<number> {
  const size = encoder.model.manifest.imageSize;
  const random = seededRandom(7);
  const tensors = Array.from({ length: BATCH }, () =>
    Float32Array.from({ length: 3 * size * size }, () => random() * 4 - 2),
  );
  await encoder.encodeImages(tensors);
  const started = performance.now();
  for (let done = 0; done < count; done += BATCH)
    await encoder.encodeImages(tensors.slice(0, Math.min(BATCH, count - done)));
  return count / ((performance.now() - started) / 1000);
}

async function indexThroughput(
  files: string[],
  model: ModelFolder,
  work: string,
): Promise<{ photosPerSecond: number; encoded: number; seconds: number; rescanSeconds: number; peakRss: object }> {
  const memory = new MemorySampler();
  const library = Library.open({
    dataDir: join(work, `data-${model.manifest.id}`),
    threads: THREADS,
    decodeConcurrency: DECODE_CONCURRENCY,
    indexer: { batchSize: BATCH },
  });
  try {
    await library.setDevicePreference(DEVICE as DevicePreference);
    await library.useModel(model.dir);
    await library.addFolder(join(files[0]!, '..'));
    // Starting the worker and loading the model are not indexing: one photo warms them up.
    await library.similar(files[0]!);
    const started = performance.now();
    const first = await library.index();
    const seconds = (performance.now() - started) / 1000;
    const peakRss = memory.stop();
    const rescanStarted = performance.now();
    await library.index();
    const rescanSeconds = (performance.now() - rescanStarted) / 1000;
    return {
      photosPerSecond: first.index.encoded / seconds,
      encoded: first.index.encoded,
      seconds,
      rescanSeconds,
      peakRss,
    };
  } finally {
    await library.close();
  }
}

async function textLatency(encoder: ClipEncoder): Promise<{ p50Ms: number; p95Ms: number }> {
  const queries = Array.from(
    { length: 60 },
    (_, i) => `a photo of ${i} dogs playing on a beach at sunset, number ${i * 7}`,
  );
  await encoder.encodeTexts(['warm up']);
  const times: number[] = [];
  for (const query of queries) {
    const started = performance.now();
    await encoder.encodeTexts([query]);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => round(times[Math.min(times.length - 1, Math.floor(q * times.length))]!);
  return { p50Ms: at(0.5), p95Ms: at(0.95) };
}

async function clipSection(files: string[], work: string): Promise<object> {
  const model = benchModel();
  if (!model) return { skipped: `${CLIP_MERGES} is not here (the CLIP tokenizer the benchmark model needs)` };
  log('clip: decoding alone');
  const decode = await decodeOnly(files, model, join(work, 'thumbs-clip'));
  log('clip: model alone');
  const encoder = new ClipEncoder(model, { threads: THREADS, device: DEVICE as DevicePreference });
  const modelRate = await modelOnly(encoder, files.length);
  const latency = await textLatency(encoder);
  const provider = encoder.report()?.provider ?? 'unknown';
  await encoder.release();
  log('clip: full pipeline');
  const pipeline = await indexThroughput(files, model, work);
  const onGpu = provider !== 'cpu';
  const bound = onGpu ? Math.min(decode, modelRate) : 1 / (1 / decode + 1 / modelRate);
  return {
    model: 'random-weight CLIP ViT-B/32 (exact architecture)',
    provider,
    decodeOnlyPhotosPerSecond: round(decode),
    modelOnlyPhotosPerSecond: round(modelRate),
    pipelinePhotosPerSecond: round(pipeline.photosPerSecond),
    bound: { photosPerSecond: round(bound), formula: onGpu ? 'min(decode, model)' : '1 / (1/decode + 1/model)' },
    ratioToBound: round(pipeline.photosPerSecond / bound),
    textQueryLatency: latency,
    peakRss: pipeline.peakRss,
  };
}

async function toySection(files: string[], work: string): Promise<object> {
  const model = loadModelFolder(TOY_MODEL);
  log('toy: decoding alone');
  const decode = await decodeOnly(files, model, join(work, 'thumbs-toy'));
  log('toy: full pipeline');
  const pipeline = await indexThroughput(files, model, work);
  return {
    model: 'toy-clip (costs next to nothing: the engine around decoding is measured)',
    decodeOnlyPhotosPerSecond: round(decode),
    pipelinePhotosPerSecond: round(pipeline.photosPerSecond),
    ratioToDecodeOnly: round(pipeline.photosPerSecond / decode),
    unchangedRescanSeconds: round(pipeline.rescanSeconds),
    peakRss: pipeline.peakRss,
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

async function main(): Promise<void> {
  sharp.cache(false);
  const files = await photoLibrary();
  const work = mkdtempSync(join(tmpdir(), 'shoebox-bench-'));
  try {
    const result: Record<string, unknown> = {
      benchmark: 'shoebox',
      photos: files.length,
      photoMegapixels: (WIDTH * HEIGHT) / 1e6,
      cores: availableParallelism(),
      settings: { batch: BATCH, threads: THREADS, decodeConcurrency: DECODE_CONCURRENCY, device: DEVICE },
    };
    // The toy section first: its engine memory is then measured before any model is loaded here.
    if (options.only !== 'clip') result.toy = await toySection(files, work);
    if (options.only !== 'toy') result.clip = await clipSection(files, work);
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
