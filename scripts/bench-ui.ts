import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Page } from 'playwright-core';
import sharp from 'sharp';
import { startBrowserServer } from '../src-main/api/http-server.js';
import { ShoeboxService } from '../src-main/api/service.js';
import { Library } from '../src-main/engine/library.js';
import { seededRandom } from './seeded-random.js';
import { TOY_COLOURS, TOY_COLOUR_NAMES } from './toy-palette.js';

/**
 * The window's speed in browser mode, on a library of 10 000 photos (toy model), in Chromium:
 *
 * - keystroke to results on screen: from typing a query to its first row of thumbnails drawn,
 *   median and p95 of 20 different queries; baseline: the same queries through the HTTP API
 *   alone, measured in the same run;
 * - scrolling the whole library grid at a steady speed: frames longer than 1.5 refresh intervals
 *   (dropped), against the same scroll over a plain page of the same height (the baseline: what
 *   this browser on this machine drops anyway).
 *
 *   npm run bench:ui [-- --photos 10000]
 */
const { values: options } = parseArgs({
  options: {
    photos: { type: 'string', default: '10000' },
    cache: { type: 'string', default: '.bench-cache' },
    chromium: { type: 'string', default: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' },
  },
});
const PHOTOS = Number(options.photos);
const CACHE = resolve(options.cache);
const TOY_MODEL = resolve('test/fixtures/models/toy-clip');
const QUERIES = [
  ...TOY_COLOUR_NAMES.map((name) => `a ${name} photo`),
  'red + blue',
  'green - yellow',
  '2:purple + pink',
  'orange + brown',
  'black - white',
  'gray + blue - red',
  'pink + 3:white',
  'yellow + green + blue',
  'brown - 0.5:black',
];

function log(message: string): void {
  process.stderr.write(`bench:ui: ${message}\n`);
}

/** Small photos of random dominant colours with spread-out dates; made and indexed once, cached. */
async function indexedLibrary(): Promise<string> {
  const photos = join(CACHE, `ui-photos-${PHOTOS}`);
  const data = join(CACHE, `ui-data-${PHOTOS}`);
  if (!existsSync(photos) || readdirSync(photos).length !== PHOTOS) {
    log(`generating ${PHOTOS} photos`);
    rmSync(photos, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
    mkdirSync(photos, { recursive: true });
    const random = seededRandom(11);
    for (let i = 0; i < PHOTOS; i++) {
      const [r, g, b] = TOY_COLOURS[TOY_COLOUR_NAMES[Math.floor(random() * TOY_COLOUR_NAMES.length)]!];
      const day = new Date(2015, 0, 1 + Math.floor(random() * 3650));
      const stamp = `${day.getFullYear()}:${String(day.getMonth() + 1).padStart(2, '0')}:${String(day.getDate()).padStart(2, '0')} 12:00:00`;
      await sharp({ create: { width: 96, height: 72, channels: 3, background: { r, g, b } } })
        .withExif({ IFD0: { DateTime: stamp }, IFD2: { DateTimeOriginal: stamp } } as never)
        .jpeg({ quality: 80 })
        .toFile(join(photos, `IMG_${String(i).padStart(5, '0')}.jpg`));
    }
  }
  const library = Library.open({ dataDir: data });
  try {
    await library.useModel(TOY_MODEL);
    if (library.folders().length === 0) library.addFolder(photos);
    log('indexing (once; cached)');
    await library.index();
    if (library.status().indexed !== PHOTOS) throw new Error(`only ${library.status().indexed} photos indexed`);
  } finally {
    await library.close();
  }
  return data;
}

async function apiLatency(url: string, query: string): Promise<number> {
  const token = new URL(url).searchParams.get('token')!;
  const started = performance.now();
  const response = await fetch(new URL('/api/search', url), {
    method: 'POST',
    headers: { 'x-shoebox-token': token, 'content-type': 'application/json' },
    body: JSON.stringify({ query, limit: 100 }),
  });
  await response.json();
  return performance.now() - started;
}

const PAGE_HELPERS = readFileSync(fileURLToPath(new URL('../../scripts/bench-ui-page.js', import.meta.url)), 'utf8');

async function keystrokeToResults(page: Page, query: string): Promise<number> {
  return page.evaluate(`window.__shoeboxBench.keystrokeToResults(${JSON.stringify(query)})`);
}

interface ScrollResult {
  frames: number;
  dropped: number;
  pixels: number;
  refreshMs: number;
}

async function scrollFrames(page: Page, selector: string | null): Promise<ScrollResult> {
  return page.evaluate(`window.__shoeboxBench.scrollFrames(${JSON.stringify(selector)})`);
}

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 10) / 10;
}

async function main(): Promise<void> {
  const data = await indexedLibrary();
  const service = ShoeboxService.open({ dataDir: data });
  const server = await startBrowserServer(service);
  service.start();
  const browser = await chromium.launch({
    executablePath: options.chromium,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(server.url);
    await page.evaluate(PAGE_HELPERS);
    await page.locator('img[data-photo-id]').first().waitFor({ timeout: 120_000 });
    await page
      .getByTestId('indexing-progress')
      .getByText(/Up to date/)
      .waitFor({ timeout: 120_000 });

    log('keystroke to results');
    const api: number[] = [];
    const ui: number[] = [];
    for (const query of QUERIES) {
      ui.push(await keystrokeToResults(page, query));
      api.push(await apiLatency(server.url, query));
    }

    log('scrolling');
    await page.getByRole('searchbox', { name: 'Search photos' }).fill('');
    const scroller = '[data-testid="timeline"] [data-testid="grid-scroller"]';
    await page.locator(scroller).waitFor();
    const grid = await scrollFrames(page, scroller);
    const baselinePage = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await baselinePage.setContent(
      `<div style="height:${grid.pixels + 900}px;background:linear-gradient(#fff,#000)"></div>`,
    );
    await baselinePage.evaluate(PAGE_HELPERS);
    const baseline = await scrollFrames(baselinePage, null);

    const median = percentile(ui, 0.5);
    const apiMedian = percentile(api, 0.5);
    process.stdout.write(
      JSON.stringify(
        {
          benchmark: 'ui',
          photos: PHOTOS,
          browser: `Chromium ${browser.version()} (headless)`,
          keystrokeToResultsMs: { median, p95: percentile(ui, 0.95), queries: QUERIES.length },
          baseline: { apiSearchMs: { median: apiMedian, p95: percentile(api, 0.95) } },
          uiOverApiMs: Math.round((median - apiMedian) * 10) / 10,
          scroll: {
            grid: { ...grid, droppedRatio: Math.round((grid.dropped / grid.frames) * 1000) / 1000 },
            baselinePlainPage: {
              ...baseline,
              droppedRatio: Math.round((baseline.dropped / baseline.frames) * 1000) / 1000,
            },
          },
        },
        null,
        2,
      ) + '\n',
    );
  } finally {
    await browser.close();
    await server.close();
    await service.close();
  }
}

await main();
