import assert from 'node:assert/strict';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, serve } from '../helpers/browser.js';
import { TOY_MODEL_DIR, runCli, tempDir } from '../helpers/env.js';
import { freeBytes, mountTmpfs } from '../helpers/tmpfs.js';
import { paintPhotos } from '../helpers/toy-models.js';

test(
  'a full data disk shows a notice that stays until there is room again',
  {
    skip: !existsSync(CHROMIUM) && !process.env.CI ? `no Chromium at ${CHROMIUM}` : false,
    timeout: 180_000,
  },
  async (t) => {
    const disk = mountTmpfs(t, 24 * 1024 * 1024);
    if (!disk) return;
    const photos = join(tempDir(t, 'shoebox-paused-e2e-'), 'photos');
    await paintPhotos(photos, 100, { width: 320, height: 240 });
    const base = ['--data-dir', disk, '--model', TOY_MODEL_DIR];
    assert.equal((await runCli([...base, 'add', photos])).code, 0);
    // Room to open the library, not for a hundred thumbnails and embeddings.
    const filler = join(disk, 'filler.bin');
    writeFileSync(filler, Buffer.alloc(Math.max(0, freeBytes(disk) - 384 * 1024)));

    const { url, child } = await serve(base);
    t.after(() => child.kill('SIGINT'));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    t.after(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(url);

    const notice = page.getByTestId('indexing-paused');
    await notice.getByText(/^Indexing paused: the disk holding the library is full/).waitFor({ timeout: 60_000 });
    assert.equal(await notice.getAttribute('role'), 'alert');
    // Longer than any toast stays up.
    await page.waitForTimeout(16_000);
    assert.ok(await notice.isVisible(), 'the notice is still there');

    rmSync(filler, { force: true });
    await notice.waitFor({ state: 'hidden', timeout: 90_000 });
    await page
      .getByTestId('indexing-progress')
      .getByText(/Up to date/)
      .waitFor({ timeout: 60_000 });
  },
);
