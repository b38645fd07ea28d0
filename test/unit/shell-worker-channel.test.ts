import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { test } from 'node:test';
import { utilityWorkerChannel, type UtilityProcessLike } from '../../src-main/shell/worker-channel.js';
import type { WorkerRequest } from '../../src-main/shared/worker-protocol.js';
import { waitFor } from '../helpers/env.js';

/**
 * A real Node child process dressed as an Electron UtilityProcess: `postMessage`, `message`,
 * `exit` with a code, `kill()` with SIGTERM. The script decides how the child behaves.
 */
function childProcess(script: string): UtilityProcessLike & { exited: Promise<void> } {
  const child = spawn(process.execPath, ['-e', script], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    get pid() {
      return child.exitCode === null && child.signalCode === null ? child.pid : undefined;
    },
    postMessage: (message) => child.send(message as never),
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) =>
      child.on('exit', (code, signal) => listener(code ?? 128 + (signal ? constants.signals[signal] : 0))),
    onError: () => undefined,
    kill: () => child.kill('SIGTERM'),
    exited,
  };
}

const ECHO = `process.on('message', (m) => process.send({ id: m.id, kind: 'texts', vectors: [new Float32Array([m.id, 2])], provider: null }));`;
const texts = (id: number): WorkerRequest => ({ id, kind: 'texts', texts: ['x'] });

test('requests and replies cross a real process, typed arrays included', async () => {
  const child = childProcess(ECHO);
  const channel = utilityWorkerChannel(child);
  const replies: unknown[] = [];
  channel.onMessage((reply) => replies.push(reply));
  channel.send(texts(1));
  channel.send(texts(2));
  await waitFor('two replies', () => (replies.length === 2 ? true : undefined), 10_000);
  assert.deepEqual(replies, [
    { id: 1, kind: 'texts', vectors: [new Float32Array([1, 2])], provider: null },
    { id: 2, kind: 'texts', vectors: [new Float32Array([2, 2])], provider: null },
  ]);
  channel.kill();
  await child.exited;
});

test('the end of the process is reported once, to every handler, even one added afterwards', async () => {
  const child = childProcess(`process.exit(3)`);
  const channel = utilityWorkerChannel(child);
  const seen: string[] = [];
  channel.onExit((detail) => seen.push(`a: ${detail}`));
  await child.exited;
  await waitFor('the exit report', () => (seen.length > 0 ? true : undefined), 10_000);
  channel.onExit((detail) => seen.push(`b: ${detail}`));
  channel.kill();
  channel.send(texts(1));
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(seen, ['a: exit code 3', 'b: exit code 3']);
});

test('a worker that ignores SIGTERM (hung in native code or a busy loop) is killed outright', async () => {
  const child = childProcess(`process.on('SIGTERM', () => {}); process.send('ready'); setInterval(() => {}, 1000);`);
  const forced: number[] = [];
  const channel = utilityWorkerChannel(child, {
    forceKillAfterMs: 300,
    forceKill: (pid) => {
      forced.push(pid);
      process.kill(pid, 'SIGKILL');
    },
  });
  const ready = new Promise((resolve) => channel.onMessage(resolve));
  const ended = new Promise<string>((resolve) => channel.onExit(resolve));
  await ready;
  const started = Date.now();
  channel.kill();
  const detail = await ended;
  assert.equal(forced.length, 1);
  assert.equal(detail, `exit code ${128 + constants.signals.SIGKILL}`);
  assert.ok(Date.now() - started >= 250, 'SIGTERM was given its chance first');
});

test('a worker that stops on SIGTERM is not killed again', async () => {
  const child = childProcess(`process.send('ready'); setInterval(() => {}, 1000);`);
  const forced: number[] = [];
  const channel = utilityWorkerChannel(child, { forceKillAfterMs: 200, forceKill: (pid) => forced.push(pid) });
  const ready = new Promise((resolve) => channel.onMessage(resolve));
  const ended = new Promise<string>((resolve) => channel.onExit(resolve));
  await ready;
  channel.kill();
  assert.equal(await ended, `exit code ${128 + constants.signals.SIGTERM}`);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual(forced, []);
});

test('a fatal error event is named in the exit detail, and the exit still reported once', () => {
  let exit: ((code: number) => void) | null = null;
  let error: ((type: string, location: string) => void) | null = null;
  const channel = utilityWorkerChannel({
    pid: undefined,
    postMessage: () => assert.fail('nothing is sent after the exit'),
    onMessage: () => undefined,
    onExit: (listener) => (exit = listener),
    onError: (listener) => (error = listener),
    kill: () => false,
  });
  const seen: string[] = [];
  channel.onExit((detail) => seen.push(detail));
  error!('FatalError', 'v8::ToLocalChecked');
  exit!(133);
  exit!(133);
  channel.send(texts(1));
  assert.deepEqual(seen, ['FatalError at v8::ToLocalChecked, exit code 133']);
});
