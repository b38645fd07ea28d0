import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { basename, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { ApiEvent, Responses } from '../../src-main/api/contract.js';
import {
  startEngineHost,
  type EngineHostOptions,
  type EngineProcess,
  type SupervisedEngineHost,
} from '../../src-main/api/engine-host.js';
import { ENGINE_ENTRY, childProcessEngine, launchNodeEngine } from '../../src-main/api/engine-host-node.js';
import { startBrowserServer } from '../../src-main/api/http-server.js';
import { UserError } from '../../src-main/shared/errors.js';
import { launchNodeWorker, type WorkerLauncher } from '../../src-main/worker/host.js';
import { TOY_MODEL_DIR, tempDir, waitFor } from '../helpers/env.js';
import { paintPhoto } from '../helpers/photos.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function call<M extends keyof Responses>(
  host: SupervisedEngineHost,
  method: M,
  request: object = {},
): Promise<Responses[M]> {
  const reply = await host.dispatch(method, request);
  if (!reply.ok) throw new Error(reply.error);
  return reply.result as Responses[M];
}

async function start(t: TestContext, options: Partial<EngineHostOptions> & { dataDir: string }) {
  const { dataDir, ...rest } = options;
  const host = await startEngineHost({
    launch: launchNodeEngine,
    settings: { dataDir, modelDir: TOY_MODEL_DIR, watchStableMs: 200 },
    ...rest,
  });
  t.after(() => host.close());
  return host;
}

async function photoFolder(root: string, count: number): Promise<string> {
  const folder = join(root, 'photos');
  for (let i = 0; i < count; i++)
    await paintPhoto(join(folder, `photo-${i}.jpg`), i % 2 ? 'red' : 'blue', { seed: i + 1 });
  return folder;
}

async function indexed(host: SupervisedEngineHost, count: number): Promise<void> {
  await waitFor('the photos to be indexed', async () => {
    const status = await call(host, 'status');
    return status.indexed === count && status.indexing.phase === 'watching' ? true : undefined;
  });
}

/** A POST to the browser server: its status and parsed body. */
function post(
  port: number,
  token: string,
  method: string,
): Promise<{ status: number; body: { ok: boolean; error?: string } }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path: `/api/${method}`, method: 'POST', headers: { 'x-shoebox-token': token } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) }),
        );
      },
    );
    req.on('error', reject);
    req.end('{}');
  });
}

test('the engine runs in its own process; the server answers while it is killed, and it is restarted', async (t) => {
  const root = tempDir(t);
  const renderer = join(root, 'renderer');
  mkdirSync(renderer);
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Shoebox</title>');
  const host = await start(t, { dataDir: join(root, 'data'), restart: { firstDelayMs: 300 } });
  const server = await startBrowserServer(host, { rendererDir: renderer });
  t.after(() => server.close());
  const token = new URL(server.url).searchParams.get('token')!;
  const notices: string[] = [];
  host.subscribe((event: ApiEvent) => event.type === 'notice' && notices.push(event.message));

  await call(host, 'addFolder', { path: await photoFolder(root, 2) });
  await indexed(host, 2);
  const first = host.pid!;
  assert.ok(first !== undefined && first !== process.pid && alive(first), 'the engine is another process');

  // Frozen, the engine cannot answer: the call is in flight for sure when the process dies.
  process.kill(first, 'SIGSTOP');
  const inFlight = host.dispatch('status', {});
  process.kill(first, 'SIGKILL');
  assert.deepEqual(await inFlight, { ok: false, error: 'The engine stopped unexpectedly (killed by SIGKILL).' });

  // The server itself never stopped: while the engine is down it answers at once, with a sentence.
  const during = await post(server.port, token, 'status');
  assert.equal(during.status, 400);
  assert.match(during.body.error ?? '', /restarting/);
  assert.ok(notices.some((message) => /stopped unexpectedly \(killed by SIGKILL\); restarting it/.test(message)));

  const status = await waitFor('the restarted engine to answer', async () => {
    const reply = await post(server.port, token, 'status');
    return reply.status === 200 ? reply : undefined;
  });
  assert.equal(status.body.ok, true);
  assert.ok(host.pid !== undefined && host.pid !== first && alive(host.pid), 'a new engine process');
  await indexed(host, 2);
  assert.equal((await call(host, 'search', { query: 'red', limit: 1 })).hits.length, 1);
});

test('close() lets the engine close its library and ends the process; later calls answer one sentence', async (t) => {
  const root = tempDir(t);
  const dataDir = join(root, 'data');
  const host = await start(t, { dataDir });
  await call(host, 'addFolder', { path: await photoFolder(root, 1) });
  await indexed(host, 1);
  const pid = host.pid!;
  await host.close();
  assert.equal(alive(pid), false);
  // SQLite folds the write-ahead log back and removes it when the last connection closes cleanly.
  assert.equal(existsSync(join(dataDir, 'library.db-wal')), false, 'the database was closed, not abandoned');
  assert.deepEqual(await host.dispatch('status', {}), { ok: false, error: 'Shoebox is closing.' });
  await assert.rejects(host.mediaFile('photo', 1), /Shoebox is closing/);
});

test('an engine that does not close in time is killed', async (t) => {
  const root = tempDir(t);
  const host = await start(t, { dataDir: join(root, 'data'), closeTimeoutMs: 300, forceKillAfterMs: 300 });
  const pid = host.pid!;
  process.kill(pid, 'SIGSTOP');
  const started = Date.now();
  await host.close();
  assert.equal(alive(pid), false);
  assert.ok(Date.now() - started < 5000, 'within the timeouts');
});

test('an engine that cannot open its library fails the start with its sentence, and is not restarted', async (t) => {
  const root = tempDir(t);
  const empty = join(root, 'not-a-model');
  mkdirSync(empty);
  const launched: number[] = [];
  const error = await startEngineHost({
    launch: () => {
      const child = launchNodeEngine();
      launched.push(child.pid!);
      return child;
    },
    settings: { dataDir: join(root, 'data'), modelDir: empty },
  }).then(
    () => assert.fail('the host started'),
    (reason: unknown) => reason,
  );
  assert.ok(error instanceof UserError, String(error));
  assert.match(error.message, /not a model folder/);
  await waitFor('the engine process to end', () => (launched.every((pid) => !alive(pid)) ? true : undefined));
  await new Promise((resolve) => setTimeout(resolve, 800));
  assert.equal(launched.length, 1, 'no restart');
});

test('restarts are bounded: an engine that keeps dying is given up on, with a notice', async (t) => {
  const root = tempDir(t);
  const host = await start(t, { dataDir: join(root, 'data'), restart: { firstDelayMs: 50, maxRestarts: 1 } });
  const notices: string[] = [];
  host.subscribe((event) => event.type === 'notice' && notices.push(event.message));
  const first = host.pid!;
  process.kill(first, 'SIGKILL');
  const second = await waitFor('a restart', () =>
    host.pid !== undefined && host.pid !== first ? host.pid : undefined,
  );
  await call(host, 'status');
  process.kill(second, 'SIGKILL');
  await waitFor('the host to give up', () =>
    notices.some((m) => /2 times in a row.*restart Shoebox/.test(m)) ? true : undefined,
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(host.pid, undefined, 'no third engine');
  const reply = await host.dispatch('status', {});
  assert.equal(reply.ok, false);
  assert.match(reply.ok ? '' : reply.error, /stopped 2 times in a row \(last: killed by SIGKILL\); restart Shoebox/);
});

/**
 * The desktop shape, which needs Electron to start for real: the real engine-main.js in a Node
 * process given an Electron-style `process.parentPort` (messages arrive as `{ data }`), so it
 * relies on its parent for the encoder workers, the trash and the file manager.
 */
const SHIM = `
process.parentPort = {
  postMessage: (message) => process.send(message),
  on: (event, handler) => { if (event === 'message') process.on('message', (data) => handler({ data })); },
};
await import(process.env.SHIM_ENGINE_URL);
`;

function utilityStyleLauncher(t: TestContext): () => EngineProcess {
  const shim = join(tempDir(t), 'utility-engine-shim.mjs');
  writeFileSync(shim, SHIM);
  return () =>
    childProcessEngine(
      spawn(process.execPath, [shim], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        serialization: 'advanced',
        env: { ...process.env, SHIM_ENGINE_URL: pathToFileURL(ENGINE_ENTRY).href },
      }),
    );
}

test('desktop shape: the parent starts the workers, moves photos to the trash and shows them, on the engine’s behalf', async (t) => {
  const root = tempDir(t);
  const trash = join(root, 'trash');
  mkdirSync(trash);
  const trashed: string[] = [];
  const shown: string[] = [];
  let refuse = false;
  const workers: WorkerLauncher & { starts: number } = Object.assign(
    () => {
      workers.starts++;
      return launchNodeWorker();
    },
    { starts: 0 },
  );
  const host = await start(t, {
    dataDir: join(root, 'data'),
    launch: utilityStyleLauncher(t),
    launchWorker: workers,
    trashItem: async (path) => {
      if (refuse) throw new Error('the trash is full');
      trashed.push(path);
      renameSync(path, join(trash, basename(path)));
    },
    showInFolder: (path) => shown.push(path),
  });
  await call(host, 'addFolder', { path: await photoFolder(root, 3) });
  await indexed(host, 3);
  assert.ok(workers.starts >= 1, 'the encoder worker was started by the parent');
  assert.equal((await call(host, 'search', { query: 'red', limit: 1 })).hits.length, 1, 'and answers through it');

  const { ids } = await call(host, 'timeline');
  const [first, second] = ids;
  const firstPath = (await call(host, 'photo', { photoId: first! })).path;
  assert.deepEqual(await call(host, 'showInFolder', { photoId: first! }), { shown: true });
  await waitFor('the parent to show the photo', () => (shown.length > 0 ? true : undefined));
  assert.deepEqual(shown, [firstPath]);

  assert.deepEqual(await call(host, 'trashPhotos', { photoIds: [first!] }), { trashed: 1 });
  assert.deepEqual(trashed, [firstPath]);
  assert.equal(existsSync(join(trash, basename(firstPath))), true);
  assert.equal((await call(host, 'timeline')).ids.length, 2, 'the library followed');

  refuse = true;
  const refused = await host.dispatch('trashPhotos', { photoIds: [second!] });
  assert.deepEqual(refused, { ok: false, error: 'The system refused: the trash is full.' });
});
