import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ChildProcess } from 'node:child_process';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, serve } from '../helpers/browser.js';
import { TOY_MODEL_DIR, runCli, waitFor } from '../helpers/env.js';
import { paintPhoto } from '../helpers/photos.js';

describe(
  'ignore patterns and failed photos in a real browser',
  { skip: !existsSync(CHROMIUM) && !process.env.CI ? `no Chromium at ${CHROMIUM}` : false },
  () => {
    let browser: Browser;
    let page: Page;
    let server: ChildProcess;
    let root: string;
    /** A photo that fails at first: the same number of bytes of text, until the test puts the photo in. */
    let mended: { path: string; bytes: Buffer };
    /** Whole seconds, so that the restored time compares equal to the one the index holds. */
    const mtime = new Date(2024, 5, 1, 12, 0, 0);
    const tiles = () => page.locator('img[data-photo-id]').count();

    before(async () => {
      root = mkdtempSync(join(tmpdir(), 'shoebox-ignore-e2e-'));
      const photos = join(root, 'photos');
      await paintPhoto(join(photos, 'keep.png'), 'red', { format: 'png' });
      for (const [i, colour] of (['blue', 'green', 'yellow'] as const).entries()) {
        await paintPhoto(join(photos, 'tmp', `${colour}.jpg`), colour, { seed: i + 2 });
      }
      const bytes = readFileSync(await paintPhoto(join(root, 'mended.jpg'), 'white', { seed: 9 }));
      mended = { path: join(photos, 'mended.jpg'), bytes };
      writeFileSync(mended.path, Buffer.alloc(bytes.length, 'not a photo. '));
      utimesSync(mended.path, mtime, mtime);
      const base = ['--data-dir', join(root, 'data'), '--model', TOY_MODEL_DIR];
      assert.equal((await runCli([...base, 'add', photos])).code, 0);
      const started = await serve(base);
      server = started.child;
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      page.on('pageerror', (error) => process.stderr.write(`page error: ${error.message}\n`));
      await page.goto(started.url);
      await page
        .getByTestId('indexing-progress')
        .getByText(/Up to date/)
        .waitFor({ timeout: 60_000 });
      await waitFor('the four photos', async () => ((await tiles()) === 4 ? true : undefined));
    });

    after(async () => {
      await browser?.close();
      server?.kill('SIGINT');
      rmSync(root, { recursive: true, force: true });
    });

    test('patterns that hide most of the library are saved only after a confirmation naming the count', async () => {
      await page.getByRole('button', { name: 'Settings' }).click();
      const settings = page.getByRole('dialog', { name: 'Settings' });
      const patterns = settings.getByLabel('Ignore patterns');
      await patterns.fill('tmp/');
      await settings.getByRole('button', { name: 'Save patterns' }).click();
      const question = page.getByRole('dialog', { name: 'Hide most of your photos?' });
      await question.getByText(/would hide 3 of \d+ photos/).waitFor();
      await question.getByRole('button', { name: 'Cancel' }).click();
      await question.waitFor({ state: 'hidden' });
      assert.equal(await patterns.inputValue(), 'tmp/', 'the draft is kept after Cancel');

      await settings.getByRole('button', { name: 'Close' }).click();
      await page.getByRole('button', { name: 'Settings' }).click();
      assert.equal(await patterns.inputValue(), '', 'nothing was saved');
      assert.equal(await tiles(), 4);

      await patterns.fill('tmp/');
      await settings.getByRole('button', { name: 'Save patterns' }).click();
      await question.getByRole('button', { name: 'Hide 3 photos' }).click();
      await question.waitFor({ state: 'hidden' });
      await settings.getByRole('button', { name: 'Close' }).click();
      await settings.waitFor({ state: 'hidden' });
      await waitFor('the tmp photos to leave the library', async () => ((await tiles()) === 1 ? true : undefined));
      assert.equal(await page.locator('img[data-photo-id]').getAttribute('alt'), 'keep.png');
    });

    test('"Try again" in the failures dialog reads a failed photo again', async () => {
      const failedLink = page.getByTestId('failed-link');
      await failedLink.click();
      const dialog = page.getByRole('dialog', { name: 'Failed photos' });
      await dialog.getByText('mended.jpg', { exact: true }).waitFor();
      // Mended behind the index's back: same size, same time, so only a retry can notice.
      writeFileSync(mended.path, mended.bytes);
      utimesSync(mended.path, mtime, mtime);
      await new Promise((settle) => setTimeout(settle, 2500));
      assert.equal(await failedLink.textContent(), '1 failed', 'the watcher alone does not try it again');

      await dialog.getByRole('button', { name: 'Try again' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await failedLink.waitFor({ state: 'hidden', timeout: 30_000 });
      await page.locator('img[alt="mended.jpg"]').waitFor({ timeout: 30_000 });
    });
  },
);
