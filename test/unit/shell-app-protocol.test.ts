import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { rendererFile, rendererResponse } from '../../src-main/shell/app-protocol.js';
import { CONTENT_SECURITY_POLICY } from '../../src-main/shell/security.js';
import { tempDir } from '../helpers/env.js';

function builtRenderer(t: Parameters<typeof tempDir>[0]): { root: string; secret: string } {
  const base = tempDir(t);
  const root = join(base, 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><script type="module" src="./assets/index.js"></script>');
  writeFileSync(join(root, 'assets', 'index.js'), 'console.log(1);');
  writeFileSync(join(root, 'assets', 'index.css'), 'body{}');
  const secret = join(base, 'secret.txt');
  writeFileSync(secret, 'not for the renderer');
  return { root, secret };
}

const get = (url: string) => ({ url, method: 'GET' });

test('the renderer page is served with the CSP and its type', async (t) => {
  const { root } = builtRenderer(t);
  for (const url of ['app://shoebox/', 'app://shoebox/index.html']) {
    const response = await rendererResponse(get(url), root);
    assert.equal(response.status, 200, url);
    assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(response.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
    assert.equal(response.headers.get('access-control-allow-origin'), null, 'no other origin may read it');
    assert.match(await response.text(), /assets\/index\.js/);
  }
  const script = await rendererResponse(get('app://shoebox/assets/index.js'), root);
  assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal(script.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(await script.text(), 'console.log(1);');
});

test('nothing outside the renderer folder is served, however the path is written', async (t) => {
  const { root } = builtRenderer(t);
  for (const pathname of [
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/assets/%2e%2e/%2e%2e/secret.txt',
    '/..%2fsecret.txt',
    '/..%5csecret.txt',
    '/assets%2f..%2f..%2fsecret.txt',
    '/%00index.html',
    '/%E0%A4%A',
    'secret.txt',
  ]) {
    assert.equal(rendererFile(pathname, root), null, pathname);
  }
  assert.equal(rendererFile('/assets/index.js', root), join(root, 'assets', 'index.js'));
  for (const url of ['app://shoebox/%2e%2e/secret.txt', 'app://shoebox/..%2fsecret.txt', 'app://shoebox/nothing.js']) {
    const response = await rendererResponse(get(url), root);
    assert.equal(response.status, 404, url);
    assert.equal(response.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
  }
});

test('only the app host and GET or HEAD are answered', async (t) => {
  const { root } = builtRenderer(t);
  assert.equal((await rendererResponse(get('app://other/index.html'), root)).status, 404);
  assert.equal((await rendererResponse(get('app://shoebox:1/index.html'), root)).status, 404);
  assert.equal((await rendererResponse({ url: 'app://shoebox/index.html', method: 'POST' }, root)).status, 405);
  const head = await rendererResponse({ url: 'app://shoebox/assets/index.css', method: 'HEAD' }, root);
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), '6');
  assert.equal(await head.text(), '');
  assert.equal((await rendererResponse(get('app://shoebox/assets'), root)).status, 404, 'a folder');
});
