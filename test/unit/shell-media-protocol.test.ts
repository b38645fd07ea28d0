import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { mediaResponse, resolveMediaRequest, type MediaLookup } from '../../src-main/shell/media-protocol.js';
import { tempDir } from '../helpers/env.js';

/** A lookup over a fixed table of real files, recording what it was asked. */
function table(files: Record<string, string>): MediaLookup & { asked: string[] } {
  const asked: string[] = [];
  const lookup = async (kind: 'thumb' | 'photo', photoId: number) => {
    asked.push(`${kind}/${photoId}`);
    const path = files[`${kind}/${photoId}`];
    return path ? { path, contentType: kind === 'thumb' ? 'image/webp' : 'image/jpeg' } : null;
  };
  return Object.assign(lookup, { asked });
}

test('thumbnail and photo URLs resolve through the lookup by id', async () => {
  const lookup = table({ 'thumb/7': '/data/thumbs/7.webp', 'photo/7': '/photos/cat.jpg' });
  assert.deepEqual(await resolveMediaRequest('shoebox-media://thumb/7', lookup), {
    status: 200,
    path: '/data/thumbs/7.webp',
    contentType: 'image/webp',
    kind: 'thumb',
  });
  assert.equal((await resolveMediaRequest('shoebox-media://photo/7', lookup)).status, 200);
  assert.deepEqual(await resolveMediaRequest('shoebox-media://photo/8', lookup), { status: 404 });
  assert.deepEqual(lookup.asked, ['thumb/7', 'photo/7', 'photo/8']);
});

test('a query string does not change which photo is served', async () => {
  const lookup = table({ 'thumb/7': '/t/7.webp' });
  assert.equal((await resolveMediaRequest('shoebox-media://thumb/7?v=2', lookup)).status, 200);
});

test('anything but a kind and a plain id is refused before any lookup', async () => {
  const lookup = table({ 'photo/1': '/photos/1.jpg' });
  const refused = [
    'shoebox-media://photo/../../etc/passwd',
    'shoebox-media://photo/%2e%2e/%2e%2e/etc/passwd',
    'shoebox-media://photo/..%2f..%2fetc%2fpasswd',
    'shoebox-media://photo/1%2f..',
    'shoebox-media://photo/%2e%2e%5c%2e%2e%5cwindows',
    'shoebox-media://photo/..%5c1',
    'shoebox-media://photo/%252e%252e%252f1',
    'shoebox-media://photo/%31',
    'shoebox-media://photo/1/extra',
    'shoebox-media://photo/1/',
    'shoebox-media://photo//1',
    'shoebox-media://photo/',
    'shoebox-media://photo',
    'shoebox-media://photo/abc',
    'shoebox-media://photo/1.5',
    'shoebox-media://photo/1e3',
    'shoebox-media://photo/0x10',
    'shoebox-media://photo/-1',
    'shoebox-media://photo/0',
    'shoebox-media://photo/007',
    'shoebox-media://photo/+1',
    'shoebox-media://photo/ 1',
    'shoebox-media://photo/99999999999999999999',
    'shoebox-media://photo/9007199254740993',
    'shoebox-media://original/1',
    'shoebox-media://th%75mb/1',
    'shoebox-media://user@photo/1',
    'shoebox-media://photo:80/1',
    'shoebox-media:///photo/1',
    'shoebox-media:photo/1',
    'app://photo/1',
    'file:///photos/1.jpg',
    'not a url',
  ];
  for (const url of refused) {
    assert.deepEqual(await resolveMediaRequest(url, lookup), { status: 404 }, url);
  }
  assert.deepEqual(lookup.asked, [], 'the lookup was never consulted');
});

test('dot segments are resolved by URL parsing before the id is read, so they can only name a plain id', async () => {
  const lookup = table({ 'photo/1': '/photos/1.jpg' });
  // The URL standard turns `thumb/../1` into `/1` under host photo: still only an id, looked up by the service.
  assert.equal((await resolveMediaRequest('shoebox-media://photo/x/../1', lookup)).status, 200);
  assert.deepEqual(lookup.asked, ['photo/1']);
});

test('the response streams the file with the lookup content type and refuses other methods', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'a.jpg');
  const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5]);
  writeFileSync(file, bytes);
  const lookup = table({ 'photo/3': file, 'thumb/4': join(dir, 'missing.webp') });
  const response = await mediaResponse({ url: 'shoebox-media://photo/3', method: 'GET' }, lookup);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'image/jpeg');
  assert.equal(response.headers.get('content-length'), String(bytes.length));
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  assert.deepEqual(Buffer.from(await response.arrayBuffer()), bytes);

  const head = await mediaResponse({ url: 'shoebox-media://photo/3', method: 'HEAD' }, lookup);
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), String(bytes.length));
  assert.equal((await head.arrayBuffer()).byteLength, 0);

  assert.equal((await mediaResponse({ url: 'shoebox-media://photo/3', method: 'POST' }, lookup)).status, 405);
  assert.equal((await mediaResponse({ url: 'shoebox-media://photo/9', method: 'GET' }, lookup)).status, 404);
  assert.equal(
    (await mediaResponse({ url: 'shoebox-media://thumb/4', method: 'GET' }, lookup)).status,
    404,
    'a file gone since the lookup',
  );
  assert.equal((await mediaResponse({ url: 'shoebox-media://photo/%2e%2e', method: 'GET' }, lookup)).status, 404);
});

test('a directory handed back by a lookup is not served', async (t) => {
  const dir = tempDir(t);
  const response = await mediaResponse({ url: 'shoebox-media://photo/1', method: 'GET' }, table({ 'photo/1': dir }));
  assert.equal(response.status, 404);
});

test('a lookup that fails answers 500 without details', async () => {
  const response = await mediaResponse({ url: 'shoebox-media://photo/1', method: 'GET' }, async () => {
    throw new Error('database is locked at /secret/path');
  });
  assert.equal(response.status, 500);
  assert.doesNotMatch(await response.text(), /secret/);
});
