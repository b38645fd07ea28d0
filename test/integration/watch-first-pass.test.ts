import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { TOY_MODEL_DIR, runCli, startCli, tempDir, waitFor } from '../helpers/env.js';
import { paintPhoto } from '../helpers/photos.js';
import { paintPhotos } from '../helpers/toy-models.js';

/**
 * Issue 8, defect 6: photos copied into a folder while `index --watch` does its first pass must
 * become searchable without a restart: watching starts before the first pass.
 */

const FIRST_PASS = 200;
const ARRIVING = 8;

/**
 * Distinct blue photos that take a moment each to decode: a few painted photos, each written many
 * times with a unique tail after its end marker (a new fingerprint, the same pixels).
 */
async function slowBluePhotos(dir: string, count: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const bases: Buffer[] = [];
  for (let i = 0; i < 4; i++) {
    const painted = await paintPhoto(join(dir, `base-${i}.jpg`), 'blue', { seed: 100 + i, width: 1600, height: 1200 });
    bases.push(readFileSync(painted));
  }
  for (let i = 4; i < count; i++) {
    writeFileSync(
      join(dir, `blue-${String(i).padStart(4, '0')}.jpg`),
      Buffer.concat([bases[i % bases.length]!, Buffer.from(`shoebox-test-${i}`)]),
    );
  }
}

interface StatusJson {
  indexed: number;
  pending: number;
  failed: number;
}

test(
  'photos copied in while "index --watch" does its first pass become searchable without a restart',
  { timeout: 150_000 },
  async (t) => {
    const root = tempDir(t, 'shoebox-watch-first-pass-');
    const folder = join(root, 'photos');
    await slowBluePhotos(folder, FIRST_PASS);
    const staged = await paintPhotos(join(root, 'staged'), ARRIVING, {
      colour: 'red',
      prefix: 'red',
      width: 320,
      height: 240,
    });
    const data = join(root, 'data');
    const base = ['--data-dir', data, '--model', TOY_MODEL_DIR];
    assert.equal((await runCli([...base, 'add', folder])).code, 0);

    const watcher = startCli([...base, 'index', '--watch']);
    let stderr = '';
    watcher.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => watcher.on('exit', resolve));
    t.after(() => watcher.kill('SIGKILL'));

    // The first pass is under way once it reports progress ("Indexing 16/200 …").
    await waitFor(
      'the first pass to be under way',
      () => (/Indexing \d+\/\d+/.test(stderr) ? true : undefined),
      60_000,
    );
    const arrived = staged.map((path) => {
      const target = join(folder, 'arrived', path.slice(path.lastIndexOf('/') + 1));
      mkdirSync(join(folder, 'arrived'), { recursive: true });
      copyFileSync(path, target);
      return target;
    });
    assert.doesNotMatch(stderr, /Indexed \d+ photos/, 'the copies landed while the first pass was still running');

    const statusNow = async () =>
      JSON.parse((await runCli(['--data-dir', data, 'status', '--json'])).stdout || '{}') as Partial<StatusJson>;
    let last: Partial<StatusJson> = {};
    try {
      await waitFor(
        'the photos copied in during the first pass to be indexed',
        async () => {
          last = await statusNow();
          return last.indexed === FIRST_PASS + ARRIVING && last.pending === 0 ? true : undefined;
        },
        60_000,
      );
    } catch (error) {
      throw new Error(
        `${(error as Error).message}: status says ${last.indexed} indexed, ${last.pending} pending ` +
          `(expected ${FIRST_PASS + ARRIVING}); the watcher said:\n${stderr}`,
      );
    }
    const search = await runCli(['--data-dir', data, 'search', 'red', '--json', '--limit', String(ARRIVING)]);
    assert.equal(search.code, 0, search.stderr);
    const found = (JSON.parse(search.stdout) as { path: string }[]).map((hit) => hit.path);
    assert.deepEqual(new Set(found), new Set(arrived), 'the red photos copied in are the best red matches');

    watcher.kill('SIGINT');
    assert.equal(await exited, 0, `Ctrl+C stops watching cleanly; the watcher said:\n${stderr}`);
  },
);
