import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import sharp from 'sharp';
import { REPO_ROOT, TOY_MODEL_DIR, waitFor } from '../helpers/env.js';
import { paintPhoto } from '../helpers/photos.js';
import { CHROMIUM_ARGS, serve } from '../helpers/browser.js';
import type { ChildProcess } from 'node:child_process';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = join(REPO_ROOT, 'test-results');

/** The file names (alt texts) of the photos a part of the page shows, in order. */
function photoNames(scope: Locator): Promise<string[]> {
  return scope
    .locator('img[data-photo-id]')
    .evaluateAll((images) => images.map((image) => image.getAttribute('alt') ?? ''));
}

describe(
  'albums, borderline photos and duplicates in a real browser',
  { skip: !existsSync(CHROMIUM) && !process.env.CI ? `no Chromium at ${CHROMIUM}` : false },
  () => {
    let browser: Browser;
    let page: Page;
    let server: ChildProcess;
    let root: string;
    let photos: string;
    /** The address `shoebox serve` printed, with its token. */
    let url: string;
    const reds: string[] = [];
    const oranges: string[] = [];
    const shot = async (name: string) => {
      // The engine's notices (no GPU on this machine) would cover the photos.
      for (const dismiss of await page.getByRole('button', { name: 'Dismiss' }).all()) await dismiss.click();
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), animations: 'disabled' });
    };
    const sidebar = () => page.getByRole('navigation', { name: 'Albums' });
    const albumView = (name: string) => page.locator(`[data-testid="album-view"][data-album="${name}"]`);

    before(async () => {
      root = mkdtempSync(join(tmpdir(), 'shoebox-albums-e2e-'));
      photos = join(root, 'photos');
      for (let i = 0; i < 4; i++) {
        await paintPhoto(join(photos, `red-${i}.jpg`), 'red', { seed: i + 1 });
        reds.push(`red-${i}.jpg`);
      }
      const others = ['orange', 'blue', 'green', 'yellow', 'purple', 'white', 'gray', 'pink', 'brown'] as const;
      for (const [i, colour] of others.entries()) {
        for (let j = 0; j < 5; j++) {
          await paintPhoto(join(photos, `${colour}-${j}.jpg`), colour, { seed: 100 + i * 10 + j });
          if (colour === 'orange') oranges.push(`${colour}-${j}.jpg`);
        }
      }
      const started = await serve(['--data-dir', join(root, 'data'), '--model', TOY_MODEL_DIR]);
      server = started.child;
      url = started.url;
      mkdirSync(SCREENSHOTS, { recursive: true });
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      page.on('pageerror', (error) => process.stderr.write(`page error: ${error.message}\n`));
      await page.goto(started.url);
      await page.getByLabel('Folder path').fill(photos);
      await page.getByRole('button', { name: 'Add folder' }).click();
      await page
        .getByTestId('indexing-progress')
        .getByText(/Up to date/)
        .waitFor({ timeout: 60_000 });
      await page.locator('img[data-photo-id]').first().waitFor();
    });

    after(async () => {
      await browser?.close();
      server?.kill('SIGINT');
      if (root) rmSync(root, { recursive: true, force: true });
    });

    test('a search saved as an album fills with the red photos and nothing else', async () => {
      await page.getByRole('searchbox', { name: 'Search photos' }).fill('red');
      await page.getByTestId('search-results').locator('img[data-photo-id]').first().waitFor();
      await page.getByRole('button', { name: 'Save this search as an album' }).click();
      const dialog = page.getByRole('dialog', { name: 'New album' });
      await dialog.waitFor();
      assert.equal(await dialog.getByLabel('Album name').inputValue(), 'Red');
      assert.equal(await dialog.getByLabel('Prompts', { exact: true }).inputValue(), 'red');
      assert.equal(await dialog.getByLabel('Negative prompts').inputValue(), '');
      await dialog.getByRole('button', { name: 'Create album' }).click();
      await dialog.waitFor({ state: 'hidden' });

      const album = albumView('Red');
      await album.waitFor();
      const members = await waitFor('the red album to fill', async () => {
        const names = await photoNames(album);
        return names.length === reds.length ? names : undefined;
      });
      assert.deepEqual([...members].sort(), reds);
      assert.equal(await page.getByRole('searchbox', { name: 'Search photos' }).inputValue(), '');
      await sidebar()
        .getByRole('button', { name: /^Red 4 photos$/ })
        .waitFor();
      await shot('albums');
    });

    test('an arithmetic search becomes prompts and negatives, without weights', async () => {
      await page.getByRole('searchbox', { name: 'Search photos' }).fill('beach + 2:sunset - "people"');
      await page.getByRole('button', { name: 'Save this search as an album' }).click();
      const dialog = page.getByRole('dialog', { name: 'New album' });
      await dialog.waitFor();
      assert.equal(await dialog.getByLabel('Album name').inputValue(), 'Beach and sunset');
      assert.equal(await dialog.getByLabel('Prompts', { exact: true }).inputValue(), 'beach\nsunset');
      assert.equal(await dialog.getByLabel('Negative prompts').inputValue(), 'people');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await page.getByRole('searchbox', { name: 'Search photos' }).fill('');
      await albumView('Red').waitFor();
    });

    test('the new album dialog creates an album from prompts, and switches on a starter album', async () => {
      await sidebar().getByRole('button', { name: 'New album' }).click();
      const dialog = page.getByRole('dialog', { name: 'New album' });
      await dialog.waitFor();
      await dialog.getByLabel('Album name').fill('Warm colours');
      await dialog.getByLabel('Prompts', { exact: true }).fill('red\norange');
      const starter = dialog.getByRole('button', { name: 'Switch on Snow' });
      await starter.click();
      await dialog.getByRole('button', { name: /^On/ }).first().waitFor();
      await dialog.getByRole('button', { name: 'Create album' }).click();
      await dialog.waitFor({ state: 'hidden' });

      const album = albumView('Warm colours');
      const members = await waitFor('the warm album to fill', async () => {
        const names = await photoNames(album);
        return names.length >= reds.length + oranges.length ? names : undefined;
      });
      assert.deepEqual([...members].sort(), [...oranges, ...reds].sort());
      await sidebar().getByRole('button', { name: /^Snow/ }).waitFor();
    });

    test('the borderline panel shows what sensitivity would change, and overrides move photos in and out', async () => {
      await sidebar().getByRole('button', { name: /^Red/ }).click();
      const album = albumView('Red');
      await album.waitFor();
      const borderline = page.getByTestId('album-borderline');
      await borderline.getByLabel('Sensitivity').waitFor();
      const outside = borderline.getByRole('region', { name: 'Just outside' });
      const nearMiss = (await photoNames(outside))[0];
      assert.ok(nearMiss && !nearMiss.startsWith('red-'), `near miss: ${nearMiss}`);
      assert.deepEqual(
        [...(await photoNames(borderline.getByRole('region', { name: 'Weakest members' })))].sort(),
        [...reds].sort(),
      );

      await outside.locator(`img[alt="${nearMiss}"]`).click({ button: 'right' });
      await page.getByRole('menuitemradio', { name: 'Always include' }).click();
      await album.locator(`img[alt="${nearMiss}"]`).waitFor();
      await shot('album-borderline');

      await album.locator(`img[alt="${nearMiss}"]`).click({ button: 'right' });
      const reset = page.getByRole('menuitemradio', { name: 'Let the album decide' });
      assert.equal(await reset.getAttribute('aria-checked'), 'false');
      await reset.click();
      await album.locator(`img[alt="${nearMiss}"]`).waitFor({ state: 'detached' });

      // The slider saves after a pause; the value comes back from the engine.
      await borderline.getByLabel('Sensitivity').evaluate((element) => {
        const input = element as unknown as { value: string; dispatchEvent(event: Event): boolean };
        input.value = '0.5';
        input.dispatchEvent(new Event('input', { bubbles: true }));
      });
      await waitFor('the sensitivity to be saved', async () => {
        const reply = await page.request.post(new URL('/api/album', url).href, {
          headers: { 'x-shoebox-token': new URL(url).searchParams.get('token') ?? '' },
          data: { name: 'Red' },
        });
        const body = (await reply.json()) as { result: { sensitivity: number } };
        return body.result.sensitivity === 0.5 ? true : undefined;
      });
      assert.deepEqual([...(await photoNames(album))].sort(), reds);
    });

    test('a new red photo joins the album by itself', async () => {
      await paintPhoto(join(photos, 'arrived-red.jpg'), 'red', { seed: 999 });
      await albumView('Red').locator('img[alt="arrived-red.jpg"]').waitFor({ timeout: 60_000 });
      await sidebar()
        .getByRole('button', { name: /^Red 5 photos$/ })
        .waitFor();
    });

    test('the viewer says which albums a photo is in, and why', async () => {
      await albumView('Red').locator('img[alt="red-0.jpg"]').click();
      const viewer = page.getByRole('dialog', { name: 'Photo viewer' });
      await viewer.waitFor();
      const section = viewer.getByTestId('photo-albums');
      await section.getByText(/^In Red · score \d\.\d+ vs background -?\d\.\d+ \(needs \d\.\d+\)$/).waitFor();
      await section.getByText(/^In Warm colours · score/).waitFor();
      await section.getByRole('button', { name: 'Never include' }).first().waitFor();
      await shot('viewer-albums');
      await page.keyboard.press('Escape');
      await viewer.waitFor({ state: 'hidden' });
    });

    test('copies of a photo are grouped in the duplicates view, the one to keep marked', async () => {
      const original = join(photos, 'blue-0.jpg');
      copyFileSync(original, join(photos, 'blue-0 copy.jpg'));
      await sharp(original).resize(160).jpeg({ quality: 85 }).toFile(join(photos, 'blue-0-small.jpg'));
      await sidebar()
        .getByRole('button', { name: /^Duplicates/ })
        .click();
      const view = page.getByTestId('duplicates');
      await view.waitFor();
      await view.getByText('Shoebox never deletes photos; remove copies in your file manager.').waitFor();
      const group = view.getByTestId('duplicate-group').filter({ has: page.locator('img[alt="blue-0-small.jpg"]') });
      const names = await waitFor(
        'the copies to be grouped',
        async () => {
          const shown = (await group.count()) === 1 ? await photoNames(group) : [];
          return shown.length === 3 ? shown : undefined;
        },
        60_000,
      );
      assert.deepEqual([...names].sort(), ['blue-0 copy.jpg', 'blue-0-small.jpg', 'blue-0.jpg']);
      assert.equal(names[2], 'blue-0-small.jpg');
      await group
        .locator('li', { has: page.locator('img[alt="blue-0.jpg"]') })
        .getByText('Keep')
        .waitFor();
      assert.equal(await view.getByRole('button', { name: 'Move the others to trash' }).count(), 0);
      await shot('duplicates');

      await group.locator('img[alt="blue-0-small.jpg"]').click();
      const viewer = page.getByRole('dialog', { name: 'Photo viewer' });
      await viewer.waitFor();
      await viewer.getByText('blue-0-small.jpg').first().waitFor();
      await page.keyboard.press('Escape');
      await viewer.waitFor({ state: 'hidden' });
    });
  },
);
