import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { UserError } from '../../src-main/shared/errors.js';
import { Library } from '../../src-main/engine/library.js';
import { TOY_MODEL_DIR, tempDir } from '../helpers/env.js';
import { paintPhoto } from '../helpers/photos.js';

/**
 * Six photos laid out so that each kind of pattern has something to get wrong: a photo and a
 * folder with the name a pattern uses, the same name deeper down, and a near miss (tmpfiles).
 */
const LAYOUT = [
  ['keep.png', 'red'],
  ['a.jpg', 'blue'],
  ['2020/keep.png', 'green'],
  ['tmp/b.jpg', 'yellow'],
  ['2020/tmp/c.jpg', 'orange'],
  ['tmpfiles/d.jpg', 'purple'],
] as const;

async function indexedLibrary(t: TestContext): Promise<{ library: Library; photos: Map<string, string> }> {
  const workspace = tempDir(t, 'shoebox-ignore-');
  const root = join(workspace, 'photos');
  const photos = new Map<string, string>();
  for (const [index, [name, colour]] of LAYOUT.entries()) {
    photos.set(
      name,
      await paintPhoto(join(root, ...name.split('/')), colour, { seed: index + 1, width: 96, height: 72 }),
    );
  }
  const library = Library.open({ dataDir: join(workspace, 'data') });
  t.after(() => library.close());
  library.useModel(TOY_MODEL_DIR);
  library.addFolder(root);
  await library.index();
  assert.equal(library.status().indexed, LAYOUT.length);
  return { library, photos };
}

/** Every photo search can reach: the toy model ranks all of them for any colour word. */
async function searchable(library: Library): Promise<Set<string>> {
  return new Set((await library.search('red', { limit: 100 })).map((hit) => hit.path));
}

test('a lone negated pattern hides nothing, and the next index keeps every photo', async (t) => {
  const { library, photos } = await indexedLibrary(t);
  assert.deepEqual(library.ignoreImpact(['!keep.png']), { hidden: 0, total: LAYOUT.length });
  await library.setIgnorePatterns(['!keep.png']);
  await library.index();
  assert.equal(library.status().indexed, LAYOUT.length);
  assert.deepEqual(await searchable(library), new Set(photos.values()));
});

test('"tmp/" takes only the photos inside tmp folders out of search, and undoing it costs no decoding', async (t) => {
  const { library, photos } = await indexedLibrary(t);
  const inTmp = new Set([photos.get('tmp/b.jpg'), photos.get('2020/tmp/c.jpg')]);
  assert.deepEqual(library.ignoreImpact(['tmp/']), { hidden: 2, total: LAYOUT.length });
  await library.setIgnorePatterns(['tmp/']);
  await library.index();
  const visible = await searchable(library);
  assert.deepEqual(visible, new Set([...photos.values()].filter((path) => !inTmp.has(path))));

  const requested = library.encoderStats().imagesRequested;
  await library.setIgnorePatterns([]);
  await library.index();
  assert.deepEqual(await searchable(library), new Set(photos.values()));
  assert.equal(library.encoderStats().imagesRequested, requested, 'the hidden photos kept their embeddings');
});

test('patterns that would hide more than half of the library are refused until confirmed', async (t) => {
  const { library, photos } = await indexedLibrary(t);
  assert.deepEqual(library.ignoreImpact(['*.jpg']), { hidden: 4, total: LAYOUT.length });
  await assert.rejects(
    async () => library.setIgnorePatterns(['*.jpg']),
    (error: unknown) => error instanceof UserError && /\b4\b.*\b6\b/.test(error.message),
  );
  assert.deepEqual(library.ignorePatterns(), []);
  await library.index();
  assert.equal((await searchable(library)).size, LAYOUT.length, 'nothing was hidden');

  await library.setIgnorePatterns(['*.jpg'], { confirmed: true });
  await library.index();
  assert.deepEqual(await searchable(library), new Set([photos.get('keep.png'), photos.get('2020/keep.png')]));
});
