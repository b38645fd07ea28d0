import assert from 'node:assert/strict';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import type { Responses } from '../../src-main/api/contract.js';
import { ShoeboxService } from '../../src-main/api/service.js';
import { TOY_MODEL_DIR, tempDir, waitFor } from '../helpers/env.js';
import { paintPhoto } from '../helpers/photos.js';

async function call<M extends keyof Responses>(
  service: ShoeboxService,
  method: M,
  request: object,
): Promise<Responses[M]> {
  const reply = await service.dispatch(method, request);
  if (!reply.ok) throw new Error(reply.error);
  return reply.result as Responses[M];
}

async function indexedService(t: Parameters<typeof tempDir>[0], trash?: string) {
  const root = tempDir(t);
  const photos = join(root, 'photos');
  const reds = [];
  for (let i = 0; i < 3; i++) reds.push(await paintPhoto(join(photos, `red-${i}.jpg`), 'red', { seed: i + 1 }));
  for (const [i, colour] of (['blue', 'green', 'yellow', 'white'] as const).entries()) {
    await paintPhoto(join(photos, `${colour}.jpg`), colour, { seed: 10 + i });
  }
  const service = ShoeboxService.open({
    dataDir: join(root, 'data'),
    watchStableMs: 200,
    ...(trash
      ? {
          trashItem: async (path: string) => {
            mkdirSync(trash, { recursive: true });
            renameSync(path, join(trash, basename(path)));
          },
        }
      : {}),
  });
  t.after(() => service.close());
  await service.library.useModel(TOY_MODEL_DIR);
  service.start();
  await call(service, 'addFolder', { path: photos });
  await waitFor('indexing', async () => ((await call(service, 'status', {})).indexed === 7 ? true : undefined));
  return { service, reds, photos };
}

test('albums through the API: create, view with thresholds and borderline photos, override, photo albums', async (t) => {
  const { service, reds } = await indexedService(t);
  const created = await call(service, 'createAlbum', { name: 'Reds', prompts: ['red'] });
  assert.equal(created.count, 3);
  const album = await call(service, 'album', { name: 'Reds' });
  assert.deepEqual(new Set(album.members.map((m) => m.name)), new Set(reds.map((p) => basename(p))));
  assert.ok(album.thresholds.score > album.thresholds.median);
  assert.ok(album.nearMisses.length > 0);

  const blue = album.nearMisses.find((m) => m.name === 'blue.jpg')!;
  await call(service, 'setAlbumOverride', { name: 'Reds', photoId: blue.photoId, include: true });
  const withBlue = await call(service, 'album', { name: 'Reds' });
  assert.ok(withBlue.members.some((m) => m.photoId === blue.photoId && m.override === true));
  const albums = await call(service, 'photoAlbums', { photoId: blue.photoId });
  assert.deepEqual(
    albums.albums.map((a) => [a.name, a.member, a.override]),
    [['Reds', true, true]],
  );
  const listed = await call(service, 'albums', {});
  assert.deepEqual(
    listed.albums.map((a) => [a.name, a.count]),
    [['Reds', 4]],
  );
  const starters = await call(service, 'starterAlbums', {});
  assert.ok(starters.starters.length >= 14);
  await call(service, 'enableStarterAlbum', { id: 'pets' });
  assert.ok((await call(service, 'starterAlbums', {})).starters.find((s) => s.id === 'pets')!.enabled);
  await assert.rejects(
    call(service, 'createAlbum', { name: 'reds', prompts: ['x'] }),
    /already an album called "reds"/,
  );
  await assert.rejects(call(service, 'createAlbum', { name: 'Empty', prompts: [] }), /Invalid request for createAlbum/);
});

test('moving photos to the trash happens only where the host supports it, and they leave the library', async (t) => {
  const root = tempDir(t);
  const trash = join(root, 'trash');
  const { service, reds } = await indexedService(t, trash);
  const id = (await call(service, 'search', { query: 'red', limit: 1 })).hits[0]!.photoId;
  const photo = await call(service, 'photo', { photoId: id });
  assert.deepEqual(await call(service, 'trashPhotos', { photoIds: [id] }), { trashed: 1 });
  assert.ok(!existsSync(photo.path) && existsSync(join(trash, photo.name)));
  assert.equal((await call(service, 'status', {})).indexed, 6);
  assert.ok(reds.includes(photo.path));

  const { service: browserLike } = await indexedService(t);
  const other = (await call(browserLike, 'search', { query: 'blue', limit: 1 })).hits[0]!.photoId;
  await assert.rejects(call(browserLike, 'trashPhotos', { photoIds: [other] }), /available in the desktop app/);
});
