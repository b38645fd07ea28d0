import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, realpathSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { ShoeboxService } from '../../src-main/api/service.js';
import { dragIconPng, DRAG_ICON_SIZE } from '../../src-main/shell/drag-icon.js';
import { resolveDrag } from '../../src-main/shell/ipc-guard.js';
import { mediaResponse } from '../../src-main/shell/media-protocol.js';
import { TOY_MODEL_DIR, tempDir } from '../helpers/env.js';
import { paintPhoto } from '../helpers/photos.js';

const OURS = { frameUrl: 'app://shoebox/index.html', isMainFrame: true };

/** A real library folder, scanned by the real service, and a folder outside it. */
async function scannedLibrary(t: Parameters<typeof tempDir>[0]) {
  const root = realpathSync(tempDir(t));
  const photos = join(root, 'photos');
  const outside = join(root, 'outside');
  const paths = {
    good: await paintPhoto(join(photos, 'good.jpg'), 'red', { seed: 1 }),
    swapped: await paintPhoto(join(photos, 'swapped.jpg'), 'blue', { seed: 2 }),
    inner: await paintPhoto(join(photos, 'inner.jpg'), 'green', { seed: 3 }),
    nested: await paintPhoto(join(photos, 'album', 'nested.jpg'), 'yellow', { seed: 4 }),
    secret: await paintPhoto(join(outside, 'secret.jpg'), 'purple', { seed: 5 }),
    secretNested: await paintPhoto(join(outside, 'album', 'nested.jpg'), 'pink', { seed: 6 }),
  };
  const service = ShoeboxService.open({ dataDir: join(root, 'data') });
  t.after(() => service.close());
  await service.library.addFolder(photos);
  await service.library.scan();
  const idOf = (path: string) => service.library.store.photoByPath(path)!.id;
  const lookup = (kind: 'thumb' | 'photo', id: number) => service.mediaFile(kind, id);
  const get = (url: string) => mediaResponse({ url, method: 'GET' }, lookup);
  return { root, photos, outside, paths, service, idOf, lookup, get };
}

test('a photo inside the library is served through the media protocol', async (t) => {
  const { paths, idOf, get } = await scannedLibrary(t);
  const response = await get(`shoebox-media://photo/${idOf(paths.good)}`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'image/jpeg');
  assert.deepEqual(Buffer.from(await response.arrayBuffer()), readFileSync(paths.good));
});

test('a photo replaced by a symbolic link to a file outside the library is refused', async (t) => {
  const { paths, idOf, get, lookup } = await scannedLibrary(t);
  const id = idOf(paths.swapped);
  rmSync(paths.swapped);
  symlinkSync(paths.secret, paths.swapped);
  assert.equal((await get(`shoebox-media://photo/${id}`)).status, 404);
  assert.equal(await resolveDrag(OURS, id, lookup), null, 'nor can it be dragged out');
});

test('a folder replaced by a symbolic link to a folder outside the library is refused', async (t) => {
  const { photos, outside, paths, idOf, get } = await scannedLibrary(t);
  const id = idOf(paths.nested);
  renameSync(join(photos, 'album'), join(photos, 'album-moved'));
  symlinkSync(join(outside, 'album'), join(photos, 'album'));
  assert.equal((await get(`shoebox-media://photo/${id}`)).status, 404);
});

test('a symbolic link that stays inside the library is followed', async (t) => {
  const { paths, idOf, get } = await scannedLibrary(t);
  const id = idOf(paths.inner);
  rmSync(paths.inner);
  symlinkSync(paths.good, paths.inner);
  const response = await get(`shoebox-media://photo/${id}`);
  assert.equal(response.status, 200);
  assert.deepEqual(Buffer.from(await response.arrayBuffer()), readFileSync(paths.good));
});

test('an id the library does not hold, and a photo not indexed yet, have no thumbnail', async (t) => {
  const { paths, idOf, get } = await scannedLibrary(t);
  assert.equal((await get('shoebox-media://photo/999999')).status, 404);
  assert.equal((await get(`shoebox-media://thumb/${idOf(paths.good)}`)).status, 404);
});

test('an indexed photo has a WebP thumbnail, which makes a PNG drag icon', async (t) => {
  const root = realpathSync(tempDir(t));
  const photos = join(root, 'photos');
  mkdirSync(photos);
  const path = await paintPhoto(join(photos, 'cat.jpg'), 'orange', { seed: 9, width: 400, height: 200 });
  const service = ShoeboxService.open({ dataDir: join(root, 'data') });
  t.after(() => service.close());
  await service.library.useModel(TOY_MODEL_DIR);
  await service.library.addFolder(photos);
  await service.library.index();
  const id = service.library.store.photoByPath(path)!.id;
  const lookup = (kind: 'thumb' | 'photo', photoId: number) => service.mediaFile(kind, photoId);
  const response = await mediaResponse({ url: `shoebox-media://thumb/${id}`, method: 'GET' }, lookup);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'image/webp');
  const drag = await resolveDrag(OURS, id, lookup);
  assert.equal(drag?.file, path);
  const icon = await sharp(await dragIconPng(drag!.thumbnail)).metadata();
  assert.equal(icon.format, 'png');
  assert.equal(icon.width, DRAG_ICON_SIZE);
  assert.equal(icon.height, DRAG_ICON_SIZE / 2, 'the photo keeps its shape');
  const placeholder = await sharp(await dragIconPng(null)).metadata();
  assert.deepEqual(
    [placeholder.format, placeholder.width, placeholder.height],
    ['png', DRAG_ICON_SIZE, DRAG_ICON_SIZE],
  );
  const broken = await sharp(await dragIconPng(join(root, 'missing.webp'))).metadata();
  assert.equal(broken.format, 'png');
});
