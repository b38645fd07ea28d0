import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { createIgnoreMatcher } from '../../src-main/engine/ignore.js';

const root = join('/', 'photos');
const at = (...parts: string[]) => join(root, ...parts);

test('hidden entries and system folders are ignored by default', () => {
  const ignored = createIgnoreMatcher([]);
  for (const path of [
    at('.thumbnails', 'a.jpg'),
    at('2020', '.DS_Store'),
    at('node_modules', 'x.png'),
    at('.git', 'objects'),
    at('@eaDir', 'a.jpg', 'SYNOPHOTO_THUMB_M.jpg'),
    at('System Volume Information', 'x.jpg'),
    at('$RECYCLE.BIN', 'x.jpg'),
  ]) {
    assert.equal(ignored(path, root), true, path);
  }
  assert.equal(ignored(at('2020', 'summer', 'IMG_1.jpg'), root), false);
  assert.equal(ignored(root, root), false);
});

test('user patterns match names anywhere, or paths from the library folder', () => {
  const ignored = createIgnoreMatcher(['*.png', 'Screenshots', '2019/raw/**']);
  assert.equal(ignored(at('a', 'b.png'), root), true);
  assert.equal(ignored(at('Screenshots', 'today.jpg'), root), true);
  assert.equal(ignored(at('2019', 'raw', 'x.jpg'), root), true);
  assert.equal(ignored(at('2020', 'raw', 'x.jpg'), root), false);
  assert.equal(ignored(at('a', 'b.jpg'), root), false);
});

test('folders named in alsoIgnore are never scanned', () => {
  const dataDir = at('Shoebox data');
  const ignored = createIgnoreMatcher([], [dataDir]);
  assert.equal(ignored(join(dataDir, 'thumbnails', 'ab.webp'), root), true);
  assert.equal(ignored(at('Shoebox database.jpg'), root), false);
});
