import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { parseMediaPath } from '../api/media.js';
import { MEDIA_SCHEME } from './security.js';

/** The service's lookup: the file behind a photo id, or null. It alone decides which files may be read. */
export type MediaLookup = (
  kind: 'thumb' | 'photo',
  photoId: number,
) => Promise<{ path: string; contentType: string } | null>;

export type MediaResolution =
  { status: 200; path: string; contentType: string; kind: 'thumb' | 'photo' } | { status: 404 };

/**
 * `shoebox-media://thumb/<id>` or `shoebox-media://photo/<id>` → what to answer. The URL only
 * names a photo id: the host is the kind, the path is the id, and both go through the API's
 * strict `parseMediaPath` (digits only, no escapes, no dots, no extra segments). The file comes
 * from the service, never from the URL.
 */
export async function resolveMediaRequest(url: string, lookup: MediaLookup): Promise<MediaResolution> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { status: 404 };
  }
  if (
    parsed.protocol !== `${MEDIA_SCHEME}:` ||
    parsed.username !== '' ||
    parsed.password !== '' ||
    parsed.port !== '' ||
    !parsed.pathname.startsWith('/')
  ) {
    return { status: 404 };
  }
  const media = parseMediaPath(`/${parsed.hostname}${parsed.pathname}`);
  if (!media) return { status: 404 };
  const file = await lookup(media.kind, media.photoId);
  return file ? { status: 200, path: file.path, contentType: file.contentType, kind: media.kind } : { status: 404 };
}

function plain(status: number, text: string): Response {
  return new Response(text, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
  });
}

/**
 * The whole protocol handler: a streamed response with the service's content type, or 404. GET
 * and HEAD only. A file that vanished between the lookup and the read is a 404 too.
 */
export async function mediaResponse(request: { url: string; method: string }, lookup: MediaLookup): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'Method not allowed');
  let resolution: MediaResolution;
  try {
    resolution = await resolveMediaRequest(request.url, lookup);
  } catch {
    return plain(500, 'Internal error');
  }
  if (resolution.status !== 200) return plain(404, 'Not found');
  const handle = await open(resolution.path, 'r').catch(() => null);
  if (!handle) return plain(404, 'Not found');
  const stats = await handle.stat().catch(() => null);
  if (!stats?.isFile()) {
    await handle.close();
    return plain(404, 'Not found');
  }
  const headers = {
    'content-type': resolution.contentType,
    'content-length': String(stats.size),
    'cache-control': resolution.kind === 'thumb' ? 'private, max-age=86400' : 'private, no-cache',
    'x-content-type-options': 'nosniff',
  };
  if (request.method === 'HEAD') {
    await handle.close();
    return new Response(null, { status: 200, headers });
  }
  const body = Readable.toWeb(handle.createReadStream()) as ReadableStream<Uint8Array>;
  return new Response(body, { status: 200, headers });
}
