import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { countHidden, createIgnoreMatcher } from '../../src-main/engine/ignore.js';

const root = join('/', 'photos');
const at = (...parts: string[]) => join(root, ...parts);
const FILE = false;
const FOLDER = true;

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
    assert.equal(ignored(path, root, FILE), true, path);
  }
  assert.equal(ignored(at('2020', 'summer', 'IMG_1.jpg'), root, FILE), false);
  assert.equal(ignored(at('2020', 'summer'), root, FOLDER), false);
  assert.equal(ignored(root, root, FOLDER), false);
});

test('a negated pattern on its own hides nothing', () => {
  const ignored = createIgnoreMatcher(['!keep.png']);
  assert.equal(ignored(at('keep.png'), root, FILE), false);
  assert.equal(ignored(at('a.jpg'), root, FILE), false);
  assert.equal(ignored(at('2020', 'b.png'), root, FILE), false);
  assert.equal(ignored(at('2020'), root, FOLDER), false);
});

test('a pattern ending in a slash hides folders of that name, not files', () => {
  const ignored = createIgnoreMatcher(['tmp/']);
  assert.equal(ignored(at('tmp'), root, FOLDER), true);
  assert.equal(ignored(at('a', 'tmp'), root, FOLDER), true);
  assert.equal(ignored(at('tmp', 'x.jpg'), root, FILE), true, 'everything below an ignored folder');
  assert.equal(ignored(at('a', 'tmp', 'b', 'x.jpg'), root, FILE), true);
  assert.equal(ignored(at('tmp'), root, FILE), false, 'a file called tmp');
  assert.equal(ignored(at('a', 'tmp'), root, FILE), false);
  assert.equal(ignored(at('tmpfiles', 'x.jpg'), root, FILE), false);
});

test('a leading slash anchors a pattern to the library folder', () => {
  const ignored = createIgnoreMatcher(['/raw']);
  assert.equal(ignored(at('raw'), root, FOLDER), true);
  assert.equal(ignored(at('raw', 'x.jpg'), root, FILE), true);
  assert.equal(ignored(at('2019', 'raw'), root, FOLDER), false);
  assert.equal(ignored(at('2019', 'raw', 'x.jpg'), root, FILE), false);
});

test('** spans any number of folders', () => {
  const ignored = createIgnoreMatcher(['**/cache/**']);
  assert.equal(ignored(at('cache', 'a.jpg'), root, FILE), true);
  assert.equal(ignored(at('x', 'y', 'cache', 'a.jpg'), root, FILE), true);
  assert.equal(ignored(at('x', 'cache', 'deep', 'a.jpg'), root, FILE), true);
  assert.equal(ignored(at('x', 'cachet', 'a.jpg'), root, FILE), false);
});

test('a later negation takes back what an earlier pattern hid', () => {
  const ignored = createIgnoreMatcher(['*.png', '!keep.png']);
  assert.equal(ignored(at('a.png'), root, FILE), true);
  assert.equal(ignored(at('2020', 'a.png'), root, FILE), true);
  assert.equal(ignored(at('keep.png'), root, FILE), false);
  assert.equal(ignored(at('2020', 'keep.png'), root, FILE), false);
  assert.equal(ignored(at('2020', 'a.jpg'), root, FILE), false);
});

test('names without a slash match at any depth; paths with one from the library folder', () => {
  const ignored = createIgnoreMatcher(['Screenshots', '2019/raw/**']);
  assert.equal(ignored(at('Screenshots'), root, FOLDER), true);
  assert.equal(ignored(at('phone', 'Screenshots', 'today.jpg'), root, FILE), true);
  assert.equal(ignored(at('2019', 'raw', 'x.jpg'), root, FILE), true);
  assert.equal(ignored(at('2020', 'raw', 'x.jpg'), root, FILE), false);
  assert.equal(ignored(at('old', '2019', 'raw', 'x.jpg'), root, FILE), false);
});

test('letter case matters exactly where the file system says it does', () => {
  const ignored = createIgnoreMatcher(['*.PNG']);
  assert.equal(ignored(at('a.png'), root, FILE), process.platform !== 'linux');
  assert.equal(ignored(at('a.PNG'), root, FILE), true);
});

test('user patterns cannot take back the built-in rules', () => {
  const ignored = createIgnoreMatcher(['!keep.png', '!node_modules', '!.thumbnails']);
  assert.equal(ignored(at('node_modules', 'keep.png'), root, FILE), true);
  assert.equal(ignored(at('.thumbnails', 'a.jpg'), root, FILE), true);
});

test('folders named in alsoIgnore are never scanned', () => {
  const dataDir = at('Shoebox data');
  const ignored = createIgnoreMatcher([], [dataDir]);
  assert.equal(ignored(join(dataDir, 'thumbnails', 'ab.webp'), root, FILE), true);
  assert.equal(ignored(dataDir, root, FOLDER), true);
  assert.equal(ignored(at('Shoebox database.jpg'), root, FILE), false);
});

test('countHidden judges each photo from its own library folder', () => {
  const other = join('/', 'more');
  const folders = [
    { id: 1, path: root },
    { id: 2, path: other },
  ];
  const photos = [
    { folderId: 1, path: at('raw', 'a.jpg') },
    { folderId: 1, path: at('2020', 'raw', 'b.jpg') },
    { folderId: 1, path: at('keep.png') },
    { folderId: 2, path: join(other, 'raw', 'c.jpg') },
    { folderId: 2, path: join(other, 'tmp', 'd.jpg') },
  ];
  assert.equal(countHidden(['/raw'], folders, photos), 2);
  assert.equal(countHidden(['!keep.png'], folders, photos), 0);
  assert.equal(countHidden(['tmp/'], folders, photos), 1);
  assert.equal(countHidden([], folders, photos, [join(other, 'tmp')]), 1);
  assert.equal(countHidden(['*.jpg'], [{ id: 1, path: root }], photos), 2, 'photos of unknown folders are not counted');
});
