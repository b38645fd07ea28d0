import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import type { EngineHost } from './engine-host.js';
import { parseMediaPath } from './media.js';

/** The renderer, built by Vite. */
export const RENDERER_DIR = fileURLToPath(new URL('../../renderer', import.meta.url));

const MAX_BODY_BYTES = 1024 * 1024;

const STATIC_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

export interface BrowserServer {
  /** Open this in a browser: it carries the session token. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Browser mode: the renderer and the API over HTTP + WebSocket, on 127.0.0.1 only. Every API,
 * media and event request must carry the random session token of this run (header
 * `x-shoebox-token`, or `token` in the query for images and the WebSocket), and requests from
 * another origin or for another host name (DNS rebinding) are refused. The renderer's own files
 * hold no secrets and are served to anyone who can reach the port.
 */
export async function startBrowserServer(
  engine: EngineHost,
  options: { port?: number; rendererDir?: string } = {},
): Promise<BrowserServer> {
  const token = randomBytes(24).toString('base64url');
  const rendererDir = resolve(options.rendererDir ?? RENDERER_DIR);
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new Error(`the renderer is not built (${rendererDir}): run "npm run build"`);
  }
  let port = 0;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const sameOrigin = (request: IncomingMessage) => {
    const origin = request.headers.origin;
    return origin === undefined || origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
  };
  const tokenOf = (request: IncomingMessage, url: URL) =>
    (request.headers['x-shoebox-token'] as string | undefined) ?? url.searchParams.get('token') ?? '';
  const authorised = (request: IncomingMessage, url: URL) => {
    const given = Buffer.from(tokenOf(request, url));
    const expected = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected) && sameOrigin(request);
  };

  const server: Server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      if (!allowedHosts().has(request.headers.host ?? '')) return send(response, 421, 'Misdirected request');
      if (url.pathname.startsWith('/api/')) {
        if (!authorised(request, url))
          return sendJson(response, 403, { ok: false, error: 'This session is not allowed.' });
        if (request.method !== 'POST') return sendJson(response, 405, { ok: false, error: 'Use POST.' });
        const body = await readJson(request).catch(() => undefined);
        if (body === undefined) return sendJson(response, 400, { ok: false, error: 'The request is not valid JSON.' });
        const reply = await engine.dispatch(url.pathname.slice('/api/'.length), body);
        return sendJson(response, reply.ok ? 200 : 400, reply);
      }
      if (url.pathname.startsWith('/media/')) {
        if (!authorised(request, url)) return send(response, 403, 'Forbidden');
        const media = parseMediaPath(url.pathname.slice('/media'.length));
        const file = media ? await engine.mediaFile(media.kind, media.photoId) : null;
        if (!media || !file) return send(response, 404, 'Not found');
        return sendFile(request, response, file.path, {
          'content-type': file.contentType,
          'cache-control': media.kind === 'thumb' ? 'private, max-age=86400' : 'private, no-cache',
          'x-content-type-options': 'nosniff',
        });
      }
      return serveStatic(rendererDir, url.pathname, port, request, response);
    })().catch((error: unknown) => {
      process.stderr.write(`shoebox: ${error instanceof Error ? error.message : String(error)}\n`);
      if (!response.headersSent) send(response, 500, 'Internal error');
      else response.destroy();
    });
  });

  const events = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (
      url.pathname !== '/api/events' ||
      !allowedHosts().has(request.headers.host ?? '') ||
      !authorised(request, url)
    ) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    events.handleUpgrade(request, socket, head, (client) => {
      const unsubscribe = engine.subscribe((event) => {
        if (client.readyState === client.OPEN) client.send(JSON.stringify(event));
      });
      client.on('close', unsubscribe);
      client.on('error', unsubscribe);
    });
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolveListen());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    close: async () => {
      for (const client of events.clients) client.terminate();
      events.close();
      server.closeAllConnections();
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
    },
  };
}

function serveStatic(
  root: string,
  pathname: string,
  port: number,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> | void {
  let relative: string;
  try {
    relative = decodeURIComponent(pathname === '/' ? '/index.html' : pathname);
  } catch {
    return send(response, 400, 'Bad request');
  }
  const file = resolve(root, `.${relative}`);
  if (!file.startsWith(root + sep)) return send(response, 404, 'Not found');
  const type = STATIC_TYPES[extname(file)] ?? 'application/octet-stream';
  const headers: Record<string, string> = {
    'content-type': type,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': file.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable',
  };
  if (type.startsWith('text/html')) {
    headers['content-security-policy'] = [
      "default-src 'self'",
      "img-src 'self' data: blob:",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
      "form-action 'none'",
    ].join('; ');
  }
  return sendFile(request, response, file, headers);
}

/**
 * Streams one file. It is opened before anything is answered and its size read from the open
 * handle, so a file that vanished (renamed, deleted) after the lookup is a plain 404, and the
 * length sent is the length of what is read. Once the headers are out, a read error or a client
 * that went away only ends this response: `pipeline` destroys both ends and closes the file.
 */
async function sendFile(
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  headers: Record<string, string>,
): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch {
    return send(response, 404, 'Not found');
  }
  const stats = await handle.stat().catch(() => null);
  if (!stats?.isFile()) {
    await handle.close().catch(() => undefined);
    return send(response, 404, 'Not found');
  }
  response.writeHead(200, { ...headers, 'content-length': stats.size });
  if (request.method === 'HEAD' || stats.size === 0) {
    await handle.close().catch(() => undefined);
    response.end();
    return;
  }
  // Reads no further than the size announced, should the file grow meanwhile.
  await pipeline(handle.createReadStream({ start: 0, end: stats.size - 1 }), response).catch(() => undefined);
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text.length === 0 ? {} : (JSON.parse(text) as unknown);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  response.end(text);
}

function send(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  response.end(text);
}
