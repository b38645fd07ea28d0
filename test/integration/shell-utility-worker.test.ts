import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Library } from '../../src-main/engine/library.js';
import { utilityWorkerChannel, type UtilityProcessLike } from '../../src-main/shell/worker-channel.js';
import { WORKER_ENTRY, type WorkerLauncher } from '../../src-main/worker/host.js';
import { TOY_MODEL_DIR, tempDir, waitFor } from '../helpers/env.js';
import { paintPhoto } from '../helpers/photos.js';

/**
 * The desktop app runs the worker as an Electron utility process, which cannot be started here.
 * What can: the real worker-main.js in a Node process given an Electron-style `process.parentPort`
 * (messages arrive as `{ data }`), driven through the shell's channel by the engine's real
 * supervision. Optionally the process ignores SIGTERM, as a worker stuck in native code would.
 */
const SHIM = `
if (process.env.SHIM_IGNORE_SIGTERM) process.on('SIGTERM', () => {});
process.parentPort = {
  postMessage: (message) => process.send(message),
  on: (event, handler) => { if (event === 'message') process.on('message', (data) => handler({ data })); },
};
process.on('disconnect', () => process.exit(0));
await import(process.env.SHIM_WORKER_URL);
`;

function utilityLauncher(
  t: Parameters<typeof tempDir>[0],
  ignoreSigterm: boolean,
): WorkerLauncher & { starts: number; children: ChildProcess[] } {
  const shim = join(tempDir(t), 'utility-shim.mjs');
  writeFileSync(shim, SHIM);
  const launcher = Object.assign(
    () => {
      launcher.starts++;
      const child: ChildProcess = spawn(process.execPath, [shim], {
        stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
        serialization: 'advanced',
        env: {
          ...process.env,
          SHIM_WORKER_URL: pathToFileURL(WORKER_ENTRY).href,
          SHIM_IGNORE_SIGTERM: ignoreSigterm ? '1' : '',
        },
      });
      launcher.children.push(child);
      const utility: UtilityProcessLike = {
        get pid() {
          return child.exitCode === null && child.signalCode === null ? child.pid : undefined;
        },
        postMessage: (message) => {
          if (child.connected) child.send(message as never);
        },
        onMessage: (listener) => child.on('message', listener),
        onExit: (listener) =>
          child.on('exit', (code, signal) => listener(code ?? 128 + (signal ? constants.signals[signal] : 0))),
        onError: () => undefined,
        kill: () => child.kill('SIGTERM'),
      };
      return utilityWorkerChannel(utility, { forceKillAfterMs: 500 });
    },
    { starts: 0, children: [] as ChildProcess[] },
  );
  return launcher;
}

async function library(t: Parameters<typeof tempDir>[0], launchWorker: WorkerLauncher, culprit: string | null) {
  const root = tempDir(t);
  const photos = join(root, 'photos');
  for (let i = 0; i < 5; i++) await paintPhoto(join(photos, `good-${i}.jpg`), i % 2 ? 'red' : 'blue', { seed: i + 1 });
  if (culprit) await paintPhoto(join(photos, `${culprit}.jpg`), 'red', { seed: 42 });
  const lib = Library.open({
    dataDir: join(root, 'data'),
    launchWorker,
    indexer: { batchSize: 3 },
    workerTimeouts: { baseTimeoutMs: 2500, perPhotoTimeoutMs: 400 },
  });
  t.after(() => lib.close());
  await lib.useModel(TOY_MODEL_DIR);
  await lib.addFolder(photos);
  return lib;
}

function withFault(t: Parameters<typeof tempDir>[0], fault: string): void {
  const previous = process.env.SHOEBOX_FAULT_INJECTION;
  process.env.SHOEBOX_FAULT_INJECTION = fault;
  t.after(() => {
    if (previous === undefined) delete process.env.SHOEBOX_FAULT_INJECTION;
    else process.env.SHOEBOX_FAULT_INJECTION = previous;
  });
}

test('the worker indexes and answers searches through the utility-process channel', async (t) => {
  const launcher = utilityLauncher(t, false);
  const lib = await library(t, launcher, null);
  await lib.index();
  assert.equal(lib.status().indexed, 5);
  const hits = await lib.search('red', { limit: 2 });
  assert.equal(hits.length, 2);
  assert.equal(launcher.starts, 1);
});

test('a worker crash over the channel fails only the culprit, and the worker is restarted', async (t) => {
  withFault(t, 'crash:killer');
  const launcher = utilityLauncher(t, false);
  const lib = await library(t, launcher, 'killer');
  await lib.index();
  const status = lib.status();
  const { failures } = lib.fileReasons();
  assert.equal(status.indexed, 5);
  assert.deepEqual(
    failures.map((f) => basename(f.path)),
    ['killer.jpg'],
  );
  assert.ok(launcher.starts >= 3, `restarted after each crash (${launcher.starts} starts)`);
});

test('a hung worker that ignores SIGTERM is killed outright and indexing goes on', async (t) => {
  withFault(t, 'hang:sleeper');
  const launcher = utilityLauncher(t, true);
  const lib = await library(t, launcher, 'sleeper');
  await lib.index();
  const status = lib.status();
  const { failures } = lib.fileReasons();
  assert.equal(status.indexed, 5);
  assert.deepEqual(
    failures.map((f) => basename(f.path)),
    ['sleeper.jpg'],
  );
  assert.match(failures[0]!.reason, /did not answer within/);
  // SIGTERM is ignored, so each hung worker (in its batch, then alone) can only have ended by SIGKILL.
  await waitFor('both hung workers to be killed', () =>
    launcher.children.filter((child) => child.signalCode === 'SIGKILL').length >= 2 ? true : undefined,
  );
});
