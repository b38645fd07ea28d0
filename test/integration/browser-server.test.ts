import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import type { ApiEvent, Responses } from '../../src-main/api/contract.js';
import { startBrowserServer, type BrowserServer } from '../../src-main/api/http-server.js';
import { startEngineHost, type SupervisedEngineHost } from '../../src-main/api/engine-host.js';
import { launchNodeEngine } from '../../src-main/api/engine-host-node.js';
import { TOY_MODEL_DIR, waitFor } from '../helpers/env.js';
import { paintPhoto } from '../helpers/photos.js';

/** A raw request, so that paths reach the server exactly as written (no URL normalisation). */
function raw(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('browser mode: the API over HTTP and WebSocket', () => {
  let root: string;
  let engine: SupervisedEngineHost;
  let server: BrowserServer;
  let token: string;
  let reds: string[];

  const call = async <M extends keyof Responses>(method: M, body: object): Promise<Responses[M]> => {
    const reply = await raw(server.port, `/api/${method}`, {
      method: 'POST',
      headers: { 'x-shoebox-token': token, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = JSON.parse(reply.body.toString()) as { ok: boolean; result: Responses[M]; error?: string };
    if (!json.ok) throw new Error(json.error);
    return json.result;
  };

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'shoebox-browser-'));
    const renderer = join(root, 'renderer');
    mkdirSync(renderer);
    writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Shoebox</title>');
    reds = [];
    for (let i = 0; i < 3; i++)
      reds.push(await paintPhoto(join(root, 'photos', `red-${i}.jpg`), 'red', { seed: i + 1 }));
    await paintPhoto(join(root, 'photos', 'blue.jpg'), 'blue', { seed: 9 });
    // As `shoebox serve` does it: the engine in a child process, the server in this one.
    engine = await startEngineHost({
      launch: launchNodeEngine,
      settings: { dataDir: join(root, 'data'), modelDir: TOY_MODEL_DIR, watchStableMs: 200 },
    });
    server = await startBrowserServer(engine, { rendererDir: renderer });
    token = new URL(server.url).searchParams.get('token')!;
  });

  after(async () => {
    await server.close();
    await engine.close();
    rmSync(root, { recursive: true, force: true });
  });

  test('the page is served with a strict content security policy', async () => {
    const page = await raw(server.port, '/', { headers: { host: `127.0.0.1:${server.port}` } });
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-security-policy']), /default-src 'self'.*object-src 'none'/);
    assert.match(page.body.toString(), /<title>Shoebox<\/title>/);
  });

  test('API calls without the session token, from another origin or host are refused', async () => {
    const host = `127.0.0.1:${server.port}`;
    assert.equal((await raw(server.port, '/api/status', { method: 'POST', headers: { host } })).status, 403);
    const wrongToken = { host, 'x-shoebox-token': 'x'.repeat(token.length) };
    assert.equal((await raw(server.port, '/api/status', { method: 'POST', headers: wrongToken })).status, 403);
    const otherOrigin = { host, 'x-shoebox-token': token, origin: 'http://evil.example' };
    assert.equal((await raw(server.port, '/api/status', { method: 'POST', headers: otherOrigin })).status, 403);
    const rebound = { host: `evil.example:${server.port}`, 'x-shoebox-token': token };
    assert.equal((await raw(server.port, '/api/status', { method: 'POST', headers: rebound })).status, 421);
  });

  test('invalid requests and unknown methods are refused with one sentence', async () => {
    await assert.rejects(call('search', { query: 'red', limit: 'lots' }), /Invalid request for search: limit/);
    await assert.rejects(call('photo', { photoId: -1 }), /Invalid request for photo/);
    await assert.rejects(call('status' as never, { extra: true }), /Invalid request for status/);
    // Model ids name a folder under models/: the manifest's id rule applies, so no path gets out.
    for (const id of ['../x', 'a/b', '..', '.hidden', 'Upper', '']) {
      await assert.rejects(call('useModel', { id }), /Invalid request for useModel: id/, id);
      await assert.rejects(call('downloadModel', { id }), /Invalid request for downloadModel: id/, id);
    }
    await assert.rejects(call('useModel', { id: 'not-installed' }), /not installed/);
    const unknown = await raw(server.port, '/api/readFile', {
      method: 'POST',
      headers: { 'x-shoebox-token': token },
      body: '{"path":"/etc/passwd"}',
    });
    assert.equal(unknown.status, 400);
    assert.match((JSON.parse(unknown.body.toString()) as { error: string }).error, /There is no API method "readFile"/);
  });

  test('adding a folder indexes it in the background, with progress events, and search finds the red photos', async () => {
    const events: ApiEvent[] = [];
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/api/events?token=${token}`);
    await new Promise((resolve) => socket.once('open', resolve));
    socket.on('message', (data) => events.push(JSON.parse(String(data)) as ApiEvent));

    const status = await call('addFolder', { path: join(root, 'photos') });
    assert.deepEqual(status.folders.length, 1);
    await waitFor('indexing to finish', async () => {
      const now = await call('status', {});
      return now.indexing.phase === 'watching' && now.indexed === 4 ? true : undefined;
    });
    socket.close();
    assert.ok(events.some((event) => event.type === 'indexing' && event.state.phase === 'indexing'));
    assert.ok(events.some((event) => event.type === 'library-changed'));

    const { hits } = await call('search', { query: 'red', limit: 3 });
    assert.deepEqual(new Set(hits.map((hit) => hit.name)), new Set(['red-0.jpg', 'red-1.jpg', 'red-2.jpg']));
    const similar = await call('similar', { photoId: hits[0]!.photoId, limit: 2 });
    assert.ok(similar.hits.every((hit) => hit.name.startsWith('red-') && hit.photoId !== hits[0]!.photoId));
    const info = await call('photo', { photoId: hits[0]!.photoId });
    assert.equal(info.width, 320);
    const timeline = await call('timeline', {});
    assert.equal(timeline.ids.length, 4);
    assert.equal(timeline.names.length, 4);
  });

  test('the WebSocket refuses a connection without the token', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/api/events`);
    const outcome = await new Promise((resolve) => {
      socket.once('open', () => resolve('open'));
      socket.once('error', () => resolve('refused'));
    });
    assert.equal(outcome, 'refused');
  });

  test('photos are served by id only, and only from inside the library folders', async () => {
    const { hits } = await call('search', { query: 'red', limit: 1 });
    const id = hits[0]!.photoId;
    const thumb = await raw(server.port, `/media/thumb/${id}?token=${token}`);
    assert.equal(thumb.status, 200);
    assert.equal(thumb.headers['content-type'], 'image/webp');
    const photo = await raw(server.port, `/media/photo/${id}?token=${token}`);
    assert.equal(photo.status, 200);
    assert.equal(photo.headers['content-type'], 'image/jpeg');
    assert.equal((await raw(server.port, `/media/photo/${id}`)).status, 403, 'the token is required');
    for (const path of [
      `/media/photo/${id}/..%2f..%2fetc%2fpasswd`,
      '/media/photo/%2e%2e',
      '/media/photo/0',
      `/media/photo/${id}%00`,
    ]) {
      assert.equal((await raw(server.port, `${path}?token=${token}`)).status, 404, path);
    }

    // A file swapped for a link that leads out of the library is not served.
    const outside = join(root, 'outside-secret.jpg');
    writeFileSync(outside, 'not for the renderer');
    const info = await call('photo', { photoId: id });
    renameSync(info.path, `${info.path}.moved`);
    symlinkSync(outside, info.path);
    assert.equal((await raw(server.port, `/media/photo/${id}?token=${token}`)).status, 404);
  });

  test('the renderer files cannot be used to read outside their folder', async () => {
    for (const path of [
      '/%2e%2e/%2e%2e/etc/passwd',
      '/..%2f..%2fetc%2fpasswd',
      '/assets/%2e%2e%2f%2e%2e%2fdata/library.db',
    ]) {
      assert.equal((await raw(server.port, path)).status, 404, path);
    }
  });
});
