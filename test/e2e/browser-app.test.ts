import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, serve } from '../helpers/browser.js';
import { TOY_MODEL_DIR, waitFor } from '../helpers/env.js';
import { paintPhoto } from '../helpers/photos.js';
import type { ChildProcess } from 'node:child_process';

/** The file names (alt texts) of the photos a part of the page shows, in order. */
function photoNames(scope: Locator): Promise<string[]> {
  return scope
    .locator('img[data-photo-id]')
    .evaluateAll((images) => images.map((image) => image.getAttribute('alt') ?? ''));
}

describe(
  'the app in a real browser',
  { skip: !existsSync(CHROMIUM) && !process.env.CI ? `no Chromium at ${CHROMIUM}` : false },
  () => {
    let browser: Browser;
    let page: Page;
    let server: ChildProcess;
    let photos: string;
    let root: string;
    /** The address `shoebox serve` printed, with its token. */
    let url: string;
    const reds: string[] = [];
    /** Asks the engine directly, as the page does, to check what the page shows. */
    const call = async <T>(name: string, body: object = {}): Promise<T> => {
      const reply = await page.request.post(new URL(`/api/${name}`, url).href, {
        headers: { 'x-shoebox-token': new URL(url).searchParams.get('token') ?? '' },
        data: body,
      });
      return ((await reply.json()) as { result: T }).result;
    };
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
      url = started.url;
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

    test('a result opens in the viewer, and "Similar photos" shows the other red photos first, not itself', async () => {
      const first = page.getByTestId('search-results').locator('img[data-photo-id]').first();
      const opened = (await first.getAttribute('alt')) ?? '';
      assert.ok(opened.startsWith('red-'), `the best result for "red" is ${opened}`);
      await first.click();
      const viewer = page.getByRole('dialog', { name: 'Photo viewer' });
      await viewer.waitFor();
      await viewer.getByRole('button', { name: 'Similar photos' }).click();
      const similar = page.getByTestId('similar-results');
      const others = reds.map((path) => basename(path)).filter((name) => name !== opened);
      // The panel fills in one go, but wait for it all rather than read the first tile to appear.
      // The viewer is closed whatever happens, so that a failure here does not fail the tests after.
      try {
        const names = await waitFor(
          'the similar photos',
          async () => {
            const shown = await photoNames(similar);
            return shown.length >= others.length ? shown : undefined;
          },
          15_000,
        );
        assert.deepEqual([...names.slice(0, others.length)].sort(), others, names.join(', '));
        assert.ok(!names.includes(opened), 'the photo itself is not among its similar photos');
        await shot('viewer-similar');
      } finally {
        await page.keyboard.press('Escape');
        await viewer.waitFor({ state: 'hidden' });
      }
    });

    test('a photo added to the folder appears in the library by itself', async () => {
      await page.getByRole('searchbox', { name: 'Search photos' }).fill('');
      await paintPhoto(join(photos, 'arrived-red.jpg'), 'red', { seed: 999 });
      await page.locator('img[alt="arrived-red.jpg"]').waitFor({ timeout: 60_000 });
    });

    test('settings show the folders, the model and the device, and a device chosen is kept', async () => {
      const openSettings = async () => {
        await page.getByRole('button', { name: 'Settings' }).click();
        const dialog = page.getByRole('dialog', { name: 'Settings' });
        await dialog.waitFor();
        return dialog;
      };
      let settings = await openSettings();
      await settings.getByText(photos).first().waitFor();
      await settings.getByText(/toy/i).first().waitFor();
      // The device: the setting as the engine has it, and the provider the model ran on.
      const before = await call<{ device: { preference: string; provider: string | null } }>('status');
      assert.equal(before.device.preference, 'auto');
      assert.ok(before.device.provider, 'the model has run, on some provider');
      assert.equal(await settings.getByRole('radio', { name: 'Automatic' }).isChecked(), true);
      assert.equal(await settings.getByRole('radio', { name: 'CPU' }).isChecked(), false);
      assert.equal(await settings.getByTestId('device-provider').textContent(), `Running on ${before.device.provider}`);
      await shot('settings');

      // The radio itself is hidden under its label, as a segmented control: click the label.
      await settings
        .locator('label')
        .filter({ hasText: /^\s*CPU\s*$/ })
        .click();
      await waitFor('the CPU setting to be saved', async () =>
        (await call<{ device: string }>('settings')).device === 'cpu' ? true : undefined,
      );
      assert.equal((await call<{ device: { preference: string } }>('status')).device.preference, 'cpu');

      await page.keyboard.press('Escape');
      await page.goto(url);
      settings = await openSettings();
      const cpu = settings.getByRole('radio', { name: 'CPU' });
      await waitFor('the saved setting to be shown', async () => ((await cpu.isChecked()) ? true : undefined));
      assert.equal(await settings.getByRole('radio', { name: 'Automatic' }).isChecked(), false);
      await settings.getByTestId('device-provider').getByText('Running on cpu').waitFor({ timeout: 60_000 });
      await page.keyboard.press('Escape');
    });
  },
);
