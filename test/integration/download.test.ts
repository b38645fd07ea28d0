import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { UserError } from '../../src-main/shared/errors.js';
import { catalogueEntrySchema, type CatalogueEntry, type PinnedFile } from '../../src-main/engine/models/catalogue.js';
import {
  downloadPinnedFile,
  installCatalogueModel,
  type DownloadProgress,
  type InstallProgress,
} from '../../src-main/engine/models/download.js';
import { MANIFEST_FILE, loadModelFolder } from '../../src-main/shared/model-manifest.js';
import { TOY_MODEL_DIR, tempDir } from '../helpers/env.js';

const REVISION = 'c0ffee'.padEnd(40, '0');
const FILE_NAMES = ['vision_model.onnx', 'text_model.onnx', 'tokenizer.json'] as const;
type FileName = (typeof FILE_NAMES)[number];
const FILES = new Map<string, Buffer>(FILE_NAMES.map((name) => [name, readFileSync(join(TOY_MODEL_DIR, name))]));
const TOTAL_BYTES = [...FILES.values()].reduce((sum, bytes) => sum + bytes.length, 0);

function bytesOf(name: FileName): Buffer {
  return FILES.get(name)!;
}

/** What the toy host does wrong on the next request for one file (then it behaves again). */
interface Trouble {
  /** Answer with this status and no file. */
  status?: number;
  /** Send this many bytes of the answer, then cut the connection. */
  dropAfter?: number;
  /** Send this many bytes of the answer, then nothing more. */
  stallAfter?: number;
  /** Invert the byte at this offset of the file. */
  flipByteAt?: number;
  /** Send this many bytes more than the file has, without a Content-Length. */
  extraBytes?: number;
  /** End the answer cleanly this many bytes short, without a Content-Length. */
  missingBytes?: number;
  /** Answer a Range request with the whole file, as a server without range support does. */
  ignoreRange?: boolean;
}

interface SeenRequest {
  file: string;
  range: string | undefined;
}

/**
 * A stand-in for huggingface.co on 127.0.0.1: `/<repo>/resolve/<rev>/<file>` redirects to a
 * "CDN" path that serves the toy model's files, with Range support and misbehaviour on demand.
 */
class ToyHost {
  readonly requests: SeenRequest[] = [];
  readonly trouble = new Map<FileName, Trouble>();
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(t: TestContext): Promise<ToyHost> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const host = new ToyHost(server, (server.address() as AddressInfo).port);
    server.on('request', (req, res) => host.handle(req, res));
    t.after(() => {
      server.closeAllConnections();
      server.close();
    });
    return host;
  }

  url(name: string): string {
    return `http://127.0.0.1:${this.port}/toy/clip/resolve/${REVISION}/${name}`;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '/';
    const resolveMatch = /^\/toy\/clip\/resolve\/[0-9a-f]{40}\/([^/]+)$/.exec(path);
    if (resolveMatch) {
      res.writeHead(302, { location: `/cdn/${resolveMatch[1]}` }).end();
      return;
    }
    const name = /^\/cdn\/([^/]+)$/.exec(path)?.[1] as FileName | undefined;
    const file = name ? FILES.get(name) : undefined;
    if (!name || !file) {
      res.writeHead(404).end('Not found');
      return;
    }
    const range = req.headers.range;
    this.requests.push({ file: name, range });
    const trouble = this.trouble.get(name) ?? {};
    this.trouble.delete(name);

    if (trouble.status) {
      res.writeHead(trouble.status).end('Something went wrong');
      return;
    }
    let body = Buffer.from(file);
    if (trouble.flipByteAt !== undefined) body[trouble.flipByteAt] = body[trouble.flipByteAt]! ^ 0xff;
    if (trouble.extraBytes) body = Buffer.concat([body, Buffer.alloc(trouble.extraBytes, 7)]);
    if (trouble.missingBytes) body = body.subarray(0, body.length - trouble.missingBytes);
    const chunked = trouble.extraBytes !== undefined || trouble.missingBytes !== undefined;

    let status = 200;
    const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream' };
    const start = range && !trouble.ignoreRange ? /^bytes=(\d+)-$/.exec(range)?.[1] : undefined;
    if (start !== undefined) {
      const from = Number(start);
      if (from >= body.length) {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      headers['content-range'] = `bytes ${from}-${body.length - 1}/${body.length}`;
      body = body.subarray(from);
      status = 206;
    }
    if (!chunked) headers['content-length'] = body.length;
    res.writeHead(status, headers);

    if (trouble.dropAfter !== undefined) {
      res.write(body.subarray(0, trouble.dropAfter));
      // Long enough for the client to have stored what arrived before the connection goes.
      setTimeout(() => res.socket?.destroy(), 100);
    } else if (trouble.stallAfter !== undefined) {
      res.write(body.subarray(0, trouble.stallAfter));
    } else {
      res.end(body);
    }
  }
}

function pin(host: ToyHost, name: FileName, overrides: Partial<PinnedFile> = {}): PinnedFile {
  const bytes = bytesOf(name);
  return {
    url: host.url(name),
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    saveAs: name,
    ...overrides,
  };
}

/** A catalogue entry for the toy model, served by `host`, validated like the real catalogue. */
function toyEntry(host: ToyHost, overrides: Partial<Record<FileName, Partial<PinnedFile>>> = {}): CatalogueEntry {
  const {
    id: _id,
    name: _name,
    ...manifest
  } = JSON.parse(readFileSync(join(TOY_MODEL_DIR, MANIFEST_FILE), 'utf8')) as Record<string, unknown>;
  return catalogueEntrySchema.parse({
    id: 'toy-clip',
    name: 'Toy CLIP (downloaded)',
    languages: 'english',
    speed: 'fast',
    licence: { name: 'MIT', url: 'https://opensource.org/license/mit' },
    homepage: 'https://example.org/toy-clip',
    quality: { source: 'https://example.org/toy-clip' },
    summary: 'The test model, served over HTTP.',
    files: FILE_NAMES.map((name) => pin(host, name, overrides[name])),
    manifest,
  });
}

function assertFilesAreTheToyModel(dir: string): void {
  for (const name of FILE_NAMES) assert.ok(readFileSync(join(dir, name)).equals(bytesOf(name)), `${name} is intact`);
}

function assertNothingInstalled(modelsDir: string): void {
  assert.equal(existsSync(join(modelsDir, 'toy-clip')), false, 'no model folder');
}

function stagingOf(modelsDir: string): string {
  return join(modelsDir, '.staging', 'toy-clip');
}

/** Matches a rejection that is a `UserError` of one sentence fitting every pattern. */
function userError(...patterns: RegExp[]): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof UserError, `a UserError, got ${String(error)}`);
    assert.doesNotMatch(error.message, /\n/);
    for (const pattern of patterns) assert.match(error.message, pattern);
    return true;
  };
}

test('installing a catalogue model puts every verified file and a manifest in a folder that loads', async (t) => {
  const host = await ToyHost.start(t);
  const modelsDir = tempDir(t);
  const dir = await installCatalogueModel(toyEntry(host), modelsDir);

  assert.equal(dir, join(modelsDir, 'toy-clip'));
  const model = loadModelFolder(dir);
  assert.equal(model.manifest.id, 'toy-clip');
  assert.equal(model.manifest.name, 'Toy CLIP (downloaded)');
  assert.equal(model.manifest.vision.file, 'vision_model.onnx');
  assert.equal(model.manifest.embeddingSize, 32);
  assertFilesAreTheToyModel(dir);
  assert.deepEqual(readdirSync(dir).sort(), [MANIFEST_FILE, ...FILE_NAMES].sort(), 'no .part files left behind');
  assert.deepEqual(readdirSync(modelsDir), ['toy-clip'], 'the staging folder is cleaned up');
  assert.deepEqual(
    host.requests.map((r) => r.file),
    [...FILE_NAMES],
    'each file fetched once, through the redirect',
  );
});

test('installing a model that is already installed returns its folder without downloading anything', async (t) => {
  const host = await ToyHost.start(t);
  const modelsDir = tempDir(t);
  const entry = toyEntry(host);
  const first = await installCatalogueModel(entry, modelsDir);
  const before = host.requests.length;
  assert.equal(await installCatalogueModel(entry, modelsDir), first);
  assert.equal(host.requests.length, before);
});

test('progress is reported per file and for the whole model, with received bytes reaching the total', async (t) => {
  const host = await ToyHost.start(t);
  const dir = tempDir(t);
  const fileReports: DownloadProgress[] = [];
  await downloadPinnedFile(pin(host, 'text_model.onnx'), join(dir, 'text_model.onnx'), {
    onProgress: (p) => fileReports.push(p),
  });
  const last = fileReports.at(-1)!;
  assert.equal(last.file, 'text_model.onnx');
  assert.equal(last.receivedBytes, bytesOf('text_model.onnx').length);
  assert.equal(last.totalBytes, last.receivedBytes);
  assert.equal(last.etaSeconds, 0);

  const modelReports: InstallProgress[] = [];
  await installCatalogueModel(toyEntry(host), join(dir, 'models'), { onProgress: (p) => modelReports.push(p) });
  assert.ok(modelReports.length >= FILE_NAMES.length);
  const end = modelReports.at(-1)!;
  assert.equal(end.receivedBytes, TOTAL_BYTES);
  assert.equal(end.totalBytes, TOTAL_BYTES);
  assert.equal(end.fileIndex, end.fileCount);
  for (const [i, report] of modelReports.entries()) {
    assert.ok(report.receivedBytes <= report.totalBytes);
    assert.ok(report.bytesPerSecond >= 0);
    if (i > 0) assert.ok(report.receivedBytes >= modelReports[i - 1]!.receivedBytes, 'never goes backwards');
  }
  assert.deepEqual(new Set(modelReports.map((r) => r.file)), new Set(FILE_NAMES));
});

test('a connection dropped mid-file keeps the .part, and the next attempt resumes it with a Range request', async (t) => {
  const host = await ToyHost.start(t);
  const modelsDir = tempDir(t);
  const entry = toyEntry(host);
  host.trouble.set('text_model.onnx', { dropAfter: 30_000 });

  await assert.rejects(
    installCatalogueModel(entry, modelsDir),
    userError(/dropped while downloading text_model\.onnx/, /trying again resumes/),
  );
  assertNothingInstalled(modelsDir);
  const staging = stagingOf(modelsDir);
  assert.equal(statSync(join(staging, 'text_model.onnx.part')).size, 30_000);
  assert.ok(readFileSync(join(staging, 'vision_model.onnx')).equals(bytesOf('vision_model.onnx')));

  host.requests.length = 0;
  const dir = await installCatalogueModel(entry, modelsDir);
  assert.deepEqual(host.requests, [
    { file: 'text_model.onnx', range: 'bytes=30000-' },
    { file: 'tokenizer.json', range: undefined },
  ]);
  assertFilesAreTheToyModel(dir);
  assert.equal(existsSync(join(modelsDir, '.staging')), false);
});

test('a server that answers a Range request with the whole file is started over and still gives the right bytes', async (t) => {
  const host = await ToyHost.start(t);
  const dir = tempDir(t);
  const destination = join(dir, 'text_model.onnx');
  host.trouble.set('text_model.onnx', { dropAfter: 20_000 });
  await assert.rejects(downloadPinnedFile(pin(host, 'text_model.onnx'), destination), UserError);
  assert.equal(existsSync(destination), false, 'the destination is never written before it verifies');

  host.trouble.set('text_model.onnx', { ignoreRange: true });
  await downloadPinnedFile(pin(host, 'text_model.onnx'), destination);
  assert.equal(host.requests.at(-1)!.range, 'bytes=20000-');
  assert.ok(readFileSync(destination).equals(bytesOf('text_model.onnx')));
  assert.equal(existsSync(`${destination}.part`), false);
});

test('a flipped byte fails the checksum: the error names the file, its .part is deleted and nothing is installed', async (t) => {
  const host = await ToyHost.start(t);
  const modelsDir = tempDir(t);
  host.trouble.set('text_model.onnx', { flipByteAt: 12_345 });
  await assert.rejects(
    installCatalogueModel(toyEntry(host), modelsDir),
    userError(/text_model\.onnx/, /SHA-256/, /discarded/),
  );
  assertNothingInstalled(modelsDir);
  const staging = stagingOf(modelsDir);
  assert.equal(existsSync(join(staging, 'text_model.onnx.part')), false);
  assert.equal(existsSync(join(staging, 'text_model.onnx')), false);
});

test('a server error answer is one sentence naming the file and its status, and nothing is installed', async (t) => {
  const host = await ToyHost.start(t);
  const modelsDir = tempDir(t);
  host.trouble.set('tokenizer.json', { status: 500 });
  await assert.rejects(
    installCatalogueModel(toyEntry(host), modelsDir),
    userError(/^127\.0\.0\.1 answered "500 Internal Server Error" when asked for tokenizer\.json/),
  );
  assertNothingInstalled(modelsDir);

  host.trouble.set('vision_model.onnx', { status: 404 });
  await assert.rejects(
    downloadPinnedFile(pin(host, 'vision_model.onnx'), join(modelsDir, 'vision_model.onnx')),
    userError(/404/, /vision_model\.onnx/),
  );
});

test('a file of the wrong size is discarded, whether the server sends too many bytes, too few, or the pin is wrong', async (t) => {
  const host = await ToyHost.start(t);
  const size = bytesOf('tokenizer.json').length;
  const cases: { what: string; trouble?: Trouble; pinnedSize?: number; message: RegExp }[] = [
    { what: 'too many', trouble: { extraBytes: 10 }, message: /sent more than/ },
    {
      what: 'too few',
      trouble: { missingBytes: 10 },
      message: new RegExp(`${(size - 10).toLocaleString('en-US')} bytes`),
    },
    { what: 'wrong pin', pinnedSize: size + 1, message: /instead of the pinned/ },
  ];
  for (const { what, trouble, pinnedSize, message } of cases) {
    const modelsDir = tempDir(t);
    if (trouble) host.trouble.set('tokenizer.json', trouble);
    const entry = toyEntry(host, pinnedSize ? { 'tokenizer.json': { size: pinnedSize } } : {});
    await assert.rejects(
      installCatalogueModel(entry, modelsDir),
      userError(/tokenizer\.json/, /discarded/, message),
      what,
    );
    assertNothingInstalled(modelsDir);
    assert.equal(existsSync(join(stagingOf(modelsDir), 'tokenizer.json.part')), false, what);
  }
});

test('an unreachable host gives the "Could not reach" sentence and nothing is installed', async (t) => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));

  const host = await ToyHost.start(t);
  const entry = toyEntry(host);
  const offline = {
    ...entry,
    files: entry.files.map((file) => ({ ...file, url: file.url.replace(`:${host.port}/`, `:${port}/`) })),
  };
  const modelsDir = tempDir(t);
  await assert.rejects(
    installCatalogueModel(offline, modelsDir),
    userError(
      /^Could not reach 127\.0\.0\.1 to download vision_model\.onnx \(connection refused\)\. Check the network connection and try again\.$/,
    ),
  );
  assertNothingInstalled(modelsDir);
});

test('a server that stops sending times out with a clear error and keeps what arrived', async (t) => {
  const host = await ToyHost.start(t);
  const dir = tempDir(t);
  const destination = join(dir, 'text_model.onnx');
  host.trouble.set('text_model.onnx', { stallAfter: 1_000 });
  const started = Date.now();
  await assert.rejects(
    downloadPinnedFile(pin(host, 'text_model.onnx'), destination, { fetchTimeoutMs: 200 }),
    userError(/stopped sending text_model\.onnx/, /0\.2 s/),
  );
  assert.ok(Date.now() - started < 1_500);
  assert.equal(statSync(`${destination}.part`).size, 1_000);

  await downloadPinnedFile(pin(host, 'text_model.onnx'), destination);
  assert.equal(host.requests.at(-1)!.range, 'bytes=1000-');
  assert.ok(readFileSync(destination).equals(bytesOf('text_model.onnx')));
});

test('aborting a download rejects with the abort reason and keeps the .part to resume', async (t) => {
  const host = await ToyHost.start(t);
  const dir = tempDir(t);
  const destination = join(dir, 'text_model.onnx');
  host.trouble.set('text_model.onnx', { stallAfter: 5_000 });
  const controller = new AbortController();
  let receivedWhenAborted = 0;
  await assert.rejects(
    downloadPinnedFile(pin(host, 'text_model.onnx'), destination, {
      signal: controller.signal,
      onProgress: (p) => {
        receivedWhenAborted = p.receivedBytes;
        controller.abort();
      },
    }),
    { name: 'AbortError' },
  );
  assert.ok(receivedWhenAborted > 0);
  assert.equal(statSync(`${destination}.part`).size, receivedWhenAborted);
  assert.equal(existsSync(destination), false);
});

test('leftovers in staging that do not verify are downloaded again', async (t) => {
  const host = await ToyHost.start(t);
  const modelsDir = tempDir(t);
  const staging = stagingOf(modelsDir);
  mkdirSync(staging, { recursive: true });
  // A "finished" file with the right size but the wrong bytes, and a full-length .part likewise.
  writeFileSync(join(staging, 'vision_model.onnx'), Buffer.alloc(bytesOf('vision_model.onnx').length, 1));
  writeFileSync(join(staging, 'text_model.onnx.part'), Buffer.alloc(bytesOf('text_model.onnx').length, 2));
  writeFileSync(join(staging, 'tokenizer.json'), bytesOf('tokenizer.json'));

  const dir = await installCatalogueModel(toyEntry(host), modelsDir);
  assertFilesAreTheToyModel(dir);
  assert.deepEqual(
    host.requests,
    [
      { file: 'vision_model.onnx', range: undefined },
      { file: 'text_model.onnx', range: undefined },
    ],
    'the bad .part is not resumed, and the staged tokenizer verified and was kept',
  );
});

test('reinstalling over an installed model replaces the whole folder, and a failed reinstall leaves it as it was', async (t) => {
  const host = await ToyHost.start(t);
  const modelsDir = tempDir(t);
  const entry = toyEntry(host);
  const dir = await installCatalogueModel(entry, modelsDir);
  writeFileSync(join(dir, 'left-by-the-old-install.txt'), 'old');
  truncateSync(join(dir, 'tokenizer.json'), 100); // damaged, so the model must be installed again

  host.trouble.set('tokenizer.json', { status: 503 });
  await assert.rejects(installCatalogueModel(entry, modelsDir), userError(/503/));
  assert.ok(existsSync(join(dir, 'left-by-the-old-install.txt')), 'the old install is untouched');
  assert.equal(statSync(join(dir, 'tokenizer.json')).size, 100);

  assert.equal(await installCatalogueModel(entry, modelsDir), dir);
  assert.equal(existsSync(join(dir, 'left-by-the-old-install.txt')), false, 'the old folder is gone');
  assert.equal(loadModelFolder(dir).manifest.id, 'toy-clip');
  assertFilesAreTheToyModel(dir);
  assert.deepEqual(readdirSync(modelsDir), ['toy-clip'], 'no staging or set-aside folder is left');
});
