import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, serve } from '../helpers/browser.js';
import { TOY_MODEL_DIR, waitFor } from '../helpers/env.js';
import { paintPhoto } from '../helpers/photos.js';
import type { ChildProcess } from 'node:child_process';

describe(
  'the app in a real browser',
  { skip: !existsSync(CHROMIUM) && !process.env.CI ? `no Chromium at ${CHROMIUM}` : false },
  () => {
    let browser: Browser;
    let page: Page;
    let server: ChildProcess;
    let photos: string;
    let root: string;
    const reds: string[] = [];
    const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), animations: 'disabled' });

    before(async () => {
      root = mkdtempSync(join(tmpdir(), 'shoebox-e2e-'));
      photos = join(root, 'photos');
      for (let i = 0; i < 4; i++) reds.push(await paintPhoto(join(photos, `red-${i}.jpg`), 'red', { seed: i + 1 }));
      const others = ['blue', 'green', 'yellow', 'purple', 'orange', 'white', 'gray', 'pink', 'brown'] as const;
      for (const [i, colour] of others.entries()) {
        for (let j = 0; j < 6; j++)
          await paintPhoto(join(photos, `${colour}-${j}.jpg`), colour, { seed: 100 + i * 10 + j });
      }
      const started = await serve(['--data-dir', join(root, 'data'), '--model', TOY_MODEL_DIR]);
      server = started.child;
      mkdirSync(SCREENSHOTS, { recursive: true });
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      page.on('pageerror', (error) => process.stderr.write(`page error: ${error.message}\n`));
      await page.goto(started.url);
    });

    after(async () => {
      await browser?.close();
      server?.kill('SIGINT');
      rmSync(root, { recursive: true, force: true });
    });

    test('a first folder added in the window is indexed with visible progress until it is up to date', async () => {
      await page.getByLabel('Folder path').fill(photos);
      await page.getByRole('button', { name: 'Add folder' }).click();
      const progress = page.getByTestId('indexing-progress');
      await progress.waitFor();
      await shot('indexing-progress');
      await progress.getByText(/Up to date/).waitFor({ timeout: 60_000 });
      await page.locator('img[data-photo-id]').first().waitFor();
      await shot('library-grid');
      assert.ok((await page.locator('img[data-photo-id]').count()) > 10);
    });

    test('typing "red" shows the red photos first', async () => {
      await page.getByRole('searchbox', { name: 'Search photos' }).fill('red');
      const results = page.getByTestId('search-results');
      await results.locator('img[data-photo-id]').first().waitFor();
      await waitFor('the red results', async () => {
        const names = await results
          .locator('img[data-photo-id]')
          .evaluateAll((images) => images.slice(0, 4).map((image) => image.getAttribute('alt') ?? ''));
        return names.length === 4 && names.every((name) => name.startsWith('red-')) ? true : undefined;
      });
      await shot('search-results');
    });

    test('a result opens in the viewer, and "Similar photos" shows the other red photos', async () => {
      await page.getByTestId('search-results').locator('img[data-photo-id]').first().click();
      const viewer = page.getByRole('dialog', { name: 'Photo viewer' });
      await viewer.waitFor();
      await viewer.getByRole('button', { name: 'Similar photos' }).click();
      const similar = page.getByTestId('similar-results');
      await similar.locator('img[data-photo-id]').first().waitFor();
      const names = await similar
        .locator('img[data-photo-id]')
        .evaluateAll((images) => images.slice(0, 3).map((image) => image.getAttribute('alt') ?? ''));
      assert.ok(
        names.every((name) => name.startsWith('red-')),
        names.join(', '),
      );
      await shot('viewer-similar');
      await page.keyboard.press('Escape');
      await viewer.waitFor({ state: 'hidden' });
    });

    test('a photo added to the folder appears in the library by itself', async () => {
      await page.getByRole('searchbox', { name: 'Search photos' }).fill('');
      await paintPhoto(join(photos, 'arrived-red.jpg'), 'red', { seed: 999 });
      await page.locator('img[alt="arrived-red.jpg"]').waitFor({ timeout: 60_000 });
    });

    test('settings show the folders, the model and the device', async () => {
      await page.getByRole('button', { name: 'Settings' }).click();
      const settings = page.getByRole('dialog', { name: 'Settings' });
      await settings.waitFor();
      await settings.getByText(photos).first().waitFor();
      await settings.getByText(/toy/i).first().waitFor();
      await shot('settings');
      await page.keyboard.press('Escape');
    });
  },
);
