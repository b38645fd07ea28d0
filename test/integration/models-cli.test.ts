import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TOY_MODEL_DIR, runCli, tempDir } from '../helpers/env.js';
import { paintPhoto } from '../helpers/photos.js';

const REVISION = 'ab'.repeat(20);
const FILES = ['vision_model.onnx', 'text_model.onnx', 'tokenizer.json'];

/** A stand-in for the model host: serves the toy model's files at pinned-revision URLs. */
function serveToyModel(): Promise<Server> {
  const server = createServer((request, response) => {
    const name = request.url?.split('/').pop() ?? '';
    if (!FILES.includes(name)) return void response.writeHead(404).end();
    const bytes = readFileSync(join(TOY_MODEL_DIR, name));
    response.writeHead(200, { 'content-length': bytes.length }).end(bytes);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function catalogueFor(baseUrl: string): object {
  const manifest = JSON.parse(readFileSync(join(TOY_MODEL_DIR, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  delete manifest.id;
  delete manifest.name;
  const entry = (id: string, base: string, recommended: boolean) => ({
    id,
    name: `Remote toy model ${id}`,
    recommended,
    languages: 'english',
    speed: 'fast',
    licence: { name: 'MIT', url: 'https://example.org/licence' },
    homepage: 'https://example.org/toy',
    quality: { source: 'https://example.org/quality' },
    summary: 'The toy model, served over HTTP.',
    files: FILES.map((file) => {
      const bytes = readFileSync(join(TOY_MODEL_DIR, file));
      return {
        url: `${base}/toy/clip/resolve/${REVISION}/${file}`,
        size: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        saveAs: file,
      };
    }),
    manifest,
  });
  return {
    version: 1,
    models: [entry('toy-remote', baseUrl, true), entry('toy-unreachable', 'http://127.0.0.1:9', false)],
  };
}

describe('the models command', () => {
  let server: Server;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    server = await serveToyModel();
  });
  after(() => server.close());

  const setup = (t: Parameters<typeof tempDir>[0]) => {
    const root = tempDir(t);
    const catalogue = join(root, 'catalogue.json');
    const { port } = server.address() as AddressInfo;
    writeFileSync(catalogue, JSON.stringify(catalogueFor(`http://127.0.0.1:${port}`)));
    env = { SHOEBOX_CATALOGUE: catalogue };
    return { root, data: join(root, 'data') };
  };

  test('downloads a catalogue model, verifies it and makes it the library model', async (t) => {
    const { root, data } = setup(t);
    const listBefore = JSON.parse((await runCli(['--data-dir', data, 'models', 'list', '--json'], { env })).stdout) as {
      catalogue: { id: string; installed: boolean; recommended: boolean }[];
    };
    assert.deepEqual(
      listBefore.catalogue.map((m) => [m.id, m.installed, m.recommended]),
      [
        ['toy-remote', false, true],
        ['toy-unreachable', false, false],
      ],
    );
    const download = await runCli(['--data-dir', data, 'models', 'download', 'toy-remote'], { env });
    assert.equal(download.code, 0, download.stderr);
    assert.match(download.stdout, /Installed Remote toy model toy-remote/);
    assert.match(download.stderr, /Downloading toy-remote .*B/, 'progress shows bytes');
    for (const file of [...FILES, 'manifest.json'])
      assert.ok(existsSync(join(data, 'models', 'toy-remote', file)), file);

    const use = await runCli(['--data-dir', data, 'models', 'use', 'toy-remote'], { env });
    assert.equal(use.code, 0, use.stderr);
    const photos = join(root, 'photos');
    const red = await paintPhoto(join(photos, 'red.jpg'), 'red', { seed: 1 });
    await paintPhoto(join(photos, 'blue.jpg'), 'blue', { seed: 2 });
    await runCli(['--data-dir', data, 'add', photos]);
    assert.equal((await runCli(['--data-dir', data, 'index'])).code, 0);
    const hits = JSON.parse((await runCli(['--data-dir', data, 'search', 'red', '--json'])).stdout) as {
      path: string;
    }[];
    assert.equal(hits[0]?.path, red);
    const status = JSON.parse((await runCli(['--data-dir', data, 'status', '--json'])).stdout) as { model: string };
    assert.equal(status.model, 'toy-remote');
  });

  test('an unreachable host is one sentence and installs nothing', async (t) => {
    const { data } = setup(t);
    const result = await runCli(['--data-dir', data, 'models', 'download', 'toy-unreachable'], { env });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^shoebox: Could not reach 127\.0\.0\.1 to download .*Check the network connection/m);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
    assert.ok(!existsSync(join(data, 'models', 'toy-unreachable')));
  });

  test('an unknown model id is one sentence', async (t) => {
    const { data } = setup(t);
    const result = await runCli(['--data-dir', data, 'models', 'download', 'no-such-model'], { env });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^shoebox: There is no model "no-such-model" in the catalogue/);
  });

  test('imports a model folder and lists it as imported', async (t) => {
    const { data } = setup(t);
    const imported = await runCli(['--data-dir', data, 'models', 'import', TOY_MODEL_DIR], { env });
    assert.equal(imported.code, 0, imported.stderr);
    assert.ok(existsSync(join(data, 'models', 'toy-clip', 'manifest.json')));
    const list = JSON.parse((await runCli(['--data-dir', data, 'models', 'list', '--json'], { env })).stdout) as {
      imported: { id: string; test: boolean }[];
    };
    assert.deepEqual(
      list.imported.map((m) => [m.id, m.test]),
      [['toy-clip', true]],
    );
    const use = await runCli(['--data-dir', data, 'models', 'use', 'toy-clip'], { env });
    assert.equal(use.code, 0, use.stderr);
    assert.match(use.stdout, /Using toy-clip/);
  });
});
