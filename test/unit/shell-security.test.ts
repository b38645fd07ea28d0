// The rules themselves; shell-window.test.ts checks that window.ts installs them on the window,
// its web contents and its session.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  APP_INDEX_URL,
  CONTENT_SECURITY_POLICY,
  PRIVILEGED_SCHEMES,
  isAppUrl,
  isBlockedRequest,
  isNavigationAllowed,
  isPermissionAllowed,
  isTrustedSender,
  withContentSecurityPolicy,
} from '../../src-main/shell/security.js';

function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy.split(';').map((part) => {
      const [name, ...values] = part.trim().split(/\s+/);
      return [name!, values];
    }),
  );
}

test('the content security policy allows scripts only from the app and images from the app and the media protocol', () => {
  const csp = directives(CONTENT_SECURITY_POLICY);
  assert.deepEqual(csp.get('default-src'), ["'self'"]);
  assert.deepEqual(csp.get('script-src'), ["'self'"]);
  assert.deepEqual(csp.get('img-src'), ["'self'", 'shoebox-media:', 'data:', 'blob:']);
  assert.deepEqual(csp.get('connect-src'), ["'self'"]);
  for (const name of ['object-src', 'base-uri', 'frame-ancestors', 'form-action', 'frame-src']) {
    assert.deepEqual(csp.get(name), ["'none'"], name);
  }
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-eval|https?:|\*/);
  assert.doesNotMatch(csp.get('script-src')!.join(' '), /unsafe-inline/);
});

test('neither custom scheme may bypass the CSP; the media scheme streams and the app scheme serves module scripts', () => {
  const byName = new Map(
    PRIVILEGED_SCHEMES.map((entry) => [entry.scheme, entry.privileges as Record<string, unknown>]),
  );
  assert.deepEqual([...byName.keys()].sort(), ['app', 'shoebox-media']);
  for (const privileges of byName.values()) {
    assert.equal(privileges.standard, true);
    assert.equal(privileges.secure, true);
    assert.equal(privileges.supportFetchAPI, true);
    assert.equal(privileges.bypassCSP, undefined);
    assert.equal(privileges.allowServiceWorkers, undefined);
  }
  assert.equal(byName.get('shoebox-media')!.stream, true);
  assert.equal(byName.get('app')!.corsEnabled, true, 'module scripts load from the app scheme');
});

test('only app://shoebox URLs are the app, whatever the path, and never with credentials or a port', () => {
  assert.ok(isAppUrl(APP_INDEX_URL));
  assert.ok(isAppUrl('app://shoebox/'));
  assert.ok(isAppUrl('app://shoebox/index.html#/search?q=cat'));
  for (const url of [
    'app://shoebox.evil.example/index.html',
    'app://evil/index.html',
    'app://user@shoebox/index.html',
    'app://shoebox:8080/index.html',
    'https://shoebox/index.html',
    'file:///index.html',
    'shoebox-media://thumb/1',
    'about:blank',
    'app:shoebox/index.html',
    'not a url',
    '',
  ]) {
    assert.equal(isAppUrl(url), false, url);
  }
  assert.equal(isAppUrl(null), false);
  assert.equal(isAppUrl(undefined), false);
});

test('a sender is trusted only as the main frame on one of the app pages', () => {
  assert.ok(isTrustedSender(APP_INDEX_URL, true));
  assert.equal(isTrustedSender(APP_INDEX_URL, false), false, 'a subframe');
  assert.equal(isTrustedSender('https://example.com/', true), false, 'a navigated main frame');
  assert.equal(isTrustedSender(null, true), false, 'a frame that is gone');
});

test('navigation stays inside the app', () => {
  assert.ok(isNavigationAllowed('app://shoebox/index.html'));
  assert.equal(isNavigationAllowed('https://example.com/'), false);
  assert.equal(isNavigationAllowed('file:///etc/passwd'), false);
  assert.equal(isNavigationAllowed('javascript:alert(1)'), false);
});

test('permissions are refused except clipboard writing and full screen for the app itself', () => {
  assert.ok(isPermissionAllowed('clipboard-sanitized-write', 'app://shoebox/index.html'));
  assert.ok(isPermissionAllowed('fullscreen', 'app://shoebox'));
  assert.equal(isPermissionAllowed('fullscreen', 'https://example.com'), false);
  for (const permission of [
    'media',
    'geolocation',
    'notifications',
    'openExternal',
    'clipboard-read',
    'hid',
    'unknown',
  ]) {
    assert.equal(isPermissionAllowed(permission, 'app://shoebox/index.html'), false, permission);
  }
});

test('network and file requests are cancelled, the two app protocols pass', () => {
  for (const url of [
    'https://example.com/x.js',
    'http://127.0.0.1:8080/',
    'wss://x/',
    'file:///etc/passwd',
    'garbage',
  ]) {
    assert.ok(isBlockedRequest(url), url);
  }
  for (const url of [
    'app://shoebox/assets/index.js',
    'shoebox-media://thumb/3',
    'data:image/png;base64,AA==',
    'devtools://devtools/x',
  ]) {
    assert.equal(isBlockedRequest(url), false, url);
  }
});

test('the CSP header replaces any other on app pages and leaves other responses alone', () => {
  const headers = withContentSecurityPolicy('app://shoebox/index.html', {
    'content-security-policy': ['default-src *'],
    'Content-Type': ['text/html'],
  });
  assert.deepEqual(headers, { 'Content-Type': ['text/html'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
  const other = { 'content-security-policy': ['x'], 'Content-Type': ['image/png'] };
  assert.deepEqual(withContentSecurityPolicy('shoebox-media://thumb/1', other), other);
  assert.deepEqual(withContentSecurityPolicy('app://shoebox/', undefined), {
    'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
  });
});
