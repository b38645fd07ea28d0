import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { Library } from '../src-main/engine/library.js';
import { loadModelFolder } from '../src-main/engine/models/manifest.js';
import { decodePhoto } from '../src-main/worker/decode.js';
import { modelInputSpec } from '../src-main/worker/preprocess.js';
import { TOY_COLOURS, TOY_COLOUR_NAMES } from './toy-palette.js';

/**
 * Indexing throughput on 12-megapixel JPEGs with the toy model, against a baseline measured in
 * the same run: decoding alone (the same decode, thumbnail included, at the same concurrency).
 * The toy model costs next to nothing, so the ratio shows what the pipeline around decoding
 * (worker hop, batching, SQLite, vec0) costs. Prints one JSON object.
 *
 *   npm run bench -- [--photos 200] [--cache .bench-cache]
 */
const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const PHOTOS = Number(args.get('photos') ?? 200);
const CACHE = resolve(args.get('cache') ?? '.bench-cache');
const WIDTH = 4000;
const HEIGHT = 3000;
const DISTINCT_IMAGES = 10;
const MODEL_DIR = resolve('test/fixtures/models/toy-clip');

/** Photo-like 12 MP JPEGs (a dominant colour over textured noise), made once and cached. */
async function generateLibrary(): Promise<string> {
  const dir = join(CACHE, `jpeg-12mp-${PHOTOS}`);
  if (existsSync(dir) && readdirSync(dir).length === PHOTOS) return dir;
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
    bases.push(
      await sharp(texture, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
        .composite([
          { input: { create: { width: WIDTH, height: HEIGHT, channels: 4, background: { r, g, b, alpha: 0.7 } } } },
        ])
        .jpeg({ quality: 90 })
        .toBuffer(),
    );
  }
  // Distinct files (distinct fingerprints), each a full decode: the same pixels, a different tail.
  for (let i = 0; i < PHOTOS; i++) {
    writeFileSync(
      join(dir, `IMG_${String(i).padStart(4, '0')}.jpg`),
      Buffer.concat([bases[i % DISTINCT_IMAGES]!, Buffer.from(`bench-${i}`)]),
    );
  }
  return dir;
}

/** Resident memory of this process and its children (the worker), sampled; Linux reads /proc. */
class MemorySampler {
  peakMain = 0;
  peakChildren = 0;
  peakTotal = 0;
  private readonly timer = setInterval(() => this.sample(), 50);

  sample(): void {
    const main = process.memoryUsage.rss();
    const children = childPids(process.pid).reduce((sum, pid) => sum + rssOf(pid), 0);
    this.peakMain = Math.max(this.peakMain, main);
    this.peakChildren = Math.max(this.peakChildren, children);
    this.peakTotal = Math.max(this.peakTotal, main + children);
  }

  stop(): { mainMiB: number; workerMiB: number; totalMiB: number } {
    clearInterval(this.timer);
    this.sample();
    const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
    return { mainMiB: mib(this.peakMain), workerMiB: mib(this.peakChildren), totalMiB: mib(this.peakTotal) };
  }
}

function childPids(parent: number): number[] {
  if (process.platform !== 'linux') return [];
  try {
    return readFileSync(`/proc/${parent}/task/${parent}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
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

async function decodeOnly(files: string[], concurrency: number, thumbnails: string): Promise<number> {
  const { manifest } = loadModelFolder(MODEL_DIR);
  const spec = modelInputSpec(manifest);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < files.length) {
        const index = next++;
        await decodePhoto(files[index]!, spec, join(thumbnails, `${index}.webp`));
      }
    }),
  );
  return files.length / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const libraryDir = await generateLibrary();
  const files = readdirSync(libraryDir).map((name) => join(libraryDir, name));
  const work = mkdtempSync(join(tmpdir(), 'shoebox-bench-'));
  const concurrency = Math.max(2, availableParallelism());
  try {
    sharp.cache(false);
    const decodePerSecond = await decodeOnly(files, concurrency, join(work, 'decode-thumbs'));

    const memory = new MemorySampler();
    const library = Library.open({ dataDir: join(work, 'data'), decodeConcurrency: concurrency });
    library.useModel(MODEL_DIR);
    library.addFolder(libraryDir);
    const started = performance.now();
    const first = await library.index();
    const indexSeconds = (performance.now() - started) / 1000;
    const peak = memory.stop();

    const rescanStarted = performance.now();
    const second = await library.index();
    const rescanSeconds = (performance.now() - rescanStarted) / 1000;
    library.close();

    const pipelinePerSecond = first.index.encoded / indexSeconds;
    console.log(
      JSON.stringify(
        {
          benchmark: 'index',
          photos: files.length,
          megapixels: (WIDTH * HEIGHT) / 1e6,
          model: 'toy-clip',
          cores: availableParallelism(),
          decodeConcurrency: concurrency,
          baseline: { decodeOnlyPhotosPerSecond: round(decodePerSecond) },
          pipeline: {
            photosPerSecond: round(pipelinePerSecond),
            seconds: round(indexSeconds),
            encoded: first.index.encoded,
          },
          ratioToDecodeOnly: round(pipelinePerSecond / decodePerSecond),
          unchangedRescan: { seconds: round(rescanSeconds), encoded: second.index.encoded },
          peakRss: peak,
        },
        null,
        2,
      ),
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

await main();
