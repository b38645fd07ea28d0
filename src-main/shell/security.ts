/**
 * The desktop shell's security rules, as plain data and functions (no Electron import) so that
 * they are tested directly; the Electron wiring (main.ts, window.ts, ipc.ts) only applies them.
 *
 * The renderer is served from `app://shoebox/` (our own protocol handler, files from
 * dist/renderer only) and photos from `shoebox-media://thumb/<id>` and
 * `shoebox-media://photo/<id>`. Nothing else is ever loaded: no http(s), no file://.
 */

export const APP_SCHEME = 'app';
export const APP_HOST = 'shoebox';
export const APP_INDEX_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;
export const MEDIA_SCHEME = 'shoebox-media';

/**
 * For `protocol.registerSchemesAsPrivileged` (before `ready`). Both are standard (real origins,
 * relative URLs, `'self'` in CSP) and secure; neither bypasses CSP. The app scheme is CORS-enabled
 * because Vite emits `<script type="module" crossorigin>` (its responses carry no
 * Access-Control-Allow-Origin, so no other origin can read them). The media scheme streams, so a
 * large photo is not buffered whole.
 */
export const PRIVILEGED_SCHEMES = [
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } },
  { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
];

/**
 * The renderer's Content-Security-Policy. Scripts only from the app's own files (no inline
 * script, no eval); styles may be inline because Svelte and virtua set style attributes and
 * transitions insert style elements; images from the app, the media protocol, and data:/blob:
 * URLs the renderer makes itself; no plugins, frames, forms, or base-URL games.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  `img-src 'self' ${MEDIA_SCHEME}: data: blob:`,
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** A URL of the app's own pages: `app://shoebox/…`, with no credentials or port. */
export function isAppUrl(url: string | null | undefined): boolean {
  if (typeof url !== 'string') return false;
  const parsed = parse(url);
  return (
    parsed !== null &&
    parsed.protocol === `${APP_SCHEME}:` &&
    parsed.hostname === APP_HOST &&
    parsed.port === '' &&
    parsed.username === '' &&
    parsed.password === ''
  );
}

/** Only the main frame of our window, showing one of our pages, may call the engine. */
export function isTrustedSender(frameUrl: string | null | undefined, isMainFrame: boolean): boolean {
  return isMainFrame === true && isAppUrl(frameUrl);
}

/** `will-navigate` / `will-redirect`: the window may only move between the app's own pages. */
export function isNavigationAllowed(targetUrl: string): boolean {
  return isAppUrl(targetUrl);
}

/**
 * Web permissions the app's own pages may have: writing to the clipboard and full screen (a
 * photo shown full screen). Everything else (camera, microphone, location, notifications,
 * devices, opening external apps…) is refused, as is anything asked for by another origin.
 */
const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write', 'fullscreen']);

export function isPermissionAllowed(permission: string, requestingUrl: string | null | undefined): boolean {
  return ALLOWED_PERMISSIONS.has(permission) && isAppUrl(requestingUrl);
}

/**
 * Requests the renderer must never make, whatever a bug or an injected page tries: anything on
 * the network or on disk except through our two protocols. Cancelled in `webRequest`, on top of
 * the CSP.
 */
const REMOTE_PROTOCOLS: ReadonlySet<string> = new Set(['http:', 'https:', 'ws:', 'wss:', 'ftp:', 'file:']);

export function isBlockedRequest(url: string): boolean {
  const parsed = parse(url);
  return parsed === null || REMOTE_PROTOCOLS.has(parsed.protocol);
}

/**
 * Response headers for `webRequest.onHeadersReceived`: the app's own pages get our CSP (any CSP
 * header already there, in whatever case, is replaced); other responses are left alone.
 */
export function withContentSecurityPolicy(
  url: string,
  headers: Record<string, string[]> | undefined,
): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (isAppUrl(url) && name.toLowerCase() === 'content-security-policy') continue;
    result[name] = value;
  }
  if (isAppUrl(url)) result['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY];
  return result;
}
