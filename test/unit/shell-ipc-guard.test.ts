import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  guardInvoke,
  parsePhotoId,
  resolveDrag,
  toJsonValue,
  UnsafePayloadError,
  type DispatchReply,
} from '../../src-main/shell/ipc-guard.js';

const OURS = { frameUrl: 'app://shoebox/index.html', isMainFrame: true };

function recorder(reply: DispatchReply = { ok: true, result: 'done' }) {
  const calls: [string, unknown][] = [];
  const dispatch = async (method: string, request: unknown) => {
    calls.push([method, request]);
    return reply;
  };
  return { calls, dispatch };
}

test('a call from our window reaches dispatch with a plain copy of the request', async () => {
  const { calls, dispatch } = recorder();
  const request = { query: 'cat', limit: 10, folders: ['/a'], takenFrom: undefined };
  assert.deepEqual(await guardInvoke(OURS, 'search', request, dispatch), { ok: true, result: 'done' });
  assert.deepEqual(calls, [['search', { query: 'cat', limit: 10, folders: ['/a'] }]]);
  assert.notEqual(calls[0]![1], request);
  await guardInvoke(OURS, 'status', undefined, dispatch);
  assert.deepEqual(calls[1], ['status', {}]);
});

test('a call from a subframe, another page or a vanished frame never reaches dispatch', async () => {
  const { calls, dispatch } = recorder();
  for (const sender of [
    { frameUrl: 'app://shoebox/index.html', isMainFrame: false },
    { frameUrl: 'https://example.com/', isMainFrame: true },
    { frameUrl: 'file:///tmp/evil.html', isMainFrame: true },
    { frameUrl: null, isMainFrame: true },
  ]) {
    const reply = await guardInvoke(sender, 'status', {}, dispatch);
    assert.equal(reply.ok, false);
  }
  assert.equal(calls.length, 0);
});

test('unknown methods and odd method values are refused with a sentence', async () => {
  const { calls, dispatch } = recorder();
  for (const method of ['deleteEverything', '__proto__', 'constructor', '', 42, null, { toString: () => 'status' }]) {
    const reply = await guardInvoke(OURS, method, {}, dispatch);
    assert.equal(reply.ok, false);
    assert.match((reply as { error: string }).error, /no API method/);
  }
  assert.equal(calls.length, 0);
});

test('requests that are not plain JSON-like data are refused before dispatch', async () => {
  const { calls, dispatch } = recorder();
  let deep: unknown = 'bottom';
  for (let i = 0; i < 100; i++) deep = { deep };
  const sparse: unknown[] = [];
  sparse[5] = 1;
  for (const request of [
    { when: new Date() },
    { ids: new Map() },
    { vector: new Float32Array(4) },
    { limit: Number.NaN },
    { limit: Infinity },
    { big: 10n },
    sparse,
    deep,
    JSON.parse('{"__proto__": {"polluted": true}}'),
    { constructor: { prototype: {} } },
    { [Symbol('x')]: 1 },
    { callback: () => 1 },
    { items: Array.from({ length: 200_000 }, () => 0) },
    { text: 'x'.repeat(9 * 1024 * 1024) },
  ]) {
    const reply = await guardInvoke(OURS, 'search', request, dispatch);
    assert.equal(reply.ok, false);
    assert.match((reply as { error: string }).error, /^Invalid request for search: /);
  }
  assert.equal(calls.length, 0);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('toJsonValue keeps plain data and drops undefined properties', () => {
  assert.deepEqual(toJsonValue({ a: [1, 'two', null, true, { b: undefined, c: -0.5 }] }), {
    a: [1, 'two', null, true, { c: -0.5 }],
  });
  assert.deepEqual(toJsonValue(Object.assign(Object.create(null), { x: 1 })), { x: 1 });
  assert.throws(() => toJsonValue([undefined]), UnsafePayloadError);
});

test('a dispatch that throws becomes a reply, not a rejected IPC call', async () => {
  const reply = await guardInvoke(OURS, 'status', {}, async () => {
    throw new Error('boom');
  });
  assert.deepEqual(reply, { ok: false, error: 'Something went wrong (boom).' });
});

test('photo ids are positive safe integers only', () => {
  assert.equal(parsePhotoId(12), 12);
  for (const value of [0, -1, 1.5, Number.NaN, 2 ** 53, '12', null, undefined, [12], { id: 12 }]) {
    assert.equal(parsePhotoId(value), null, String(value));
  }
});

test('a drag resolves the photo and its thumbnail through the lookup, for our window only', async () => {
  const asked: string[] = [];
  const lookup = async (kind: 'thumb' | 'photo', id: number) => {
    asked.push(`${kind}/${id}`);
    if (id === 5) return { path: kind === 'photo' ? '/photos/5.jpg' : '/data/thumbs/5.webp' };
    if (id === 6 && kind === 'photo') return { path: '/photos/6.jpg' };
    return null;
  };
  assert.deepEqual(await resolveDrag(OURS, 5, lookup), { file: '/photos/5.jpg', thumbnail: '/data/thumbs/5.webp' });
  assert.deepEqual(await resolveDrag(OURS, 6, lookup), { file: '/photos/6.jpg', thumbnail: null });
  assert.equal(await resolveDrag(OURS, 7, lookup), null);
  asked.length = 0;
  assert.equal(await resolveDrag(OURS, '/etc/passwd', lookup), null);
  assert.equal(await resolveDrag({ frameUrl: 'https://x/', isMainFrame: true }, 5, lookup), null);
  assert.deepEqual(asked, [], 'refused drags never reach the lookup');
});
