import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { CancelledError, Coordinator } from '../../src-main/engine/coordinator.js';

test('jobs run one at a time, in the order they were queued', async () => {
  const coordinator = new Coordinator();
  const log: string[] = [];
  const job = (name: string, ms: number) =>
    coordinator.run(name, async () => {
      log.push(`${name} starts`);
      await sleep(ms);
      log.push(`${name} ends`);
      return name;
    });
  const results = await Promise.all([job('a', 20), job('b', 1), job('c', 5)]);
  assert.deepEqual(results, ['a', 'b', 'c']);
  assert.deepEqual(log, ['a starts', 'a ends', 'b starts', 'b ends', 'c starts', 'c ends']);
});

test('a job that fails does not stop the jobs after it', async () => {
  const coordinator = new Coordinator();
  const failing = coordinator.run('bad', async () => {
    throw new Error('disk on fire');
  });
  const next = coordinator.run('good', async () => 'ran');
  await assert.rejects(failing, /disk on fire/);
  assert.equal(await next, 'ran');
});

test('a yielding job gives way to newer work and then goes on, its promise settling once', async () => {
  const coordinator = new Coordinator();
  const log: string[] = [];
  let runs = 0;
  const drain = coordinator.run(
    'drain',
    async (signal) => {
      runs++;
      log.push(`drain run ${runs}`);
      while (!signal.aborted && runs === 1) await sleep(2);
      return runs;
    },
    { yields: true, key: 'drain' },
  );
  await sleep(10);
  const model = coordinator.run('model', async () => {
    log.push('model');
    return coordinator.running();
  });
  assert.equal(await model, 'model', 'the coordinator says what runs now');
  assert.equal(await drain, 2);
  assert.deepEqual(log, ['drain run 1', 'model', 'drain run 2']);
});

test('a job with the key of one queued or running is joined, not queued twice', async () => {
  const coordinator = new Coordinator();
  let runs = 0;
  const work = async () => {
    runs++;
    await sleep(5);
    return runs;
  };
  const first = coordinator.run('drain', work, { key: 'drain' });
  const second = coordinator.run('drain', work, { key: 'drain' });
  assert.equal(first, second);
  assert.equal(await first, 1);
  assert.equal(runs, 1);
});

test('stop ends the running job early; a job queued after the stop runs in full', async () => {
  const coordinator = new Coordinator();
  const stopped = coordinator.run(
    'drain',
    async (signal) => {
      while (!signal.aborted) await sleep(2);
      return 'stopped';
    },
    { yields: true, key: 'drain' },
  );
  await sleep(5);
  coordinator.stop('drain');
  assert.equal(await stopped, 'stopped');
  const fresh = coordinator.run('drain', async (signal) => (signal.aborted ? 'aborted' : 'ran'), { key: 'drain' });
  assert.equal(await fresh, 'ran');
});

test('close cancels what waits and waits for what runs; nothing runs after it', async () => {
  const coordinator = new Coordinator();
  let finished = false;
  const running = coordinator.run('scan', async (signal) => {
    while (!signal.aborted) await sleep(2);
    await sleep(10);
    finished = true;
    return 'done';
  });
  const waiting = assert.rejects(
    coordinator.run('index', async () => 'never'),
    CancelledError,
  );
  await sleep(5);
  await coordinator.close();
  assert.ok(finished, 'close waited for the job in flight');
  assert.equal(await running, 'done');
  await waiting;
  await assert.rejects(
    coordinator.run('late', async () => 'never'),
    CancelledError,
  );
  await coordinator.idle();
});
