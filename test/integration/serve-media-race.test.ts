import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { rename } from 'node:fs/promises';
import { Agent, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Responses } from '../../src-main/api/contract.js';
import { TOY_COLOUR_NAMES } from '../../scripts/toy-palette.js';
import { serve } from '../helpers/browser.js';
import { TOY_MODEL_DIR, tempDir, waitFor } from '../helpers/env.js';
import { paintPhoto } from '../helpers/photos.js';

const PHOTOS = 40;
const RACE_MS = 8000;
const MAX_REQUESTS = 4000;
const CONCURRENCY = 32;

/** One GET or POST on a kept-alive loopback connection: the status, or the transport error's code. */
function fetchStatus(agent: Agent, url: URL, path: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path,
        agent,
        method: body === undefined ? 'GET' : 'POST',
        headers: { 'x-shoebox-token': url.searchParams.get('token') ?? '', 'content-type': 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function stopped(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Issue 8, defect 5: `shoebox serve` died when a photo vanished between the lookup and the read
 * of a media request. The real CLI, renames in a tight loop under thousands of concurrent media
 * requests: every answer must be 200 or 404, and the server must still be there afterwards.
 */
test('serve stays up and answers 200 or 404 while photos are renamed under media requests', async (t) => {
  const root = tempDir(t, 'shoebox-serve-race-');
  const photos = join(root, 'photos');
  const paths: string[] = [];
  for (let i = 0; i < PHOTOS; i++) {
    const colour = TOY_COLOUR_NAMES[i % TOY_COLOUR_NAMES.length]!;
    paths.push(await paintPhoto(join(photos, `photo-${i}.jpg`), colour, { seed: i + 1, width: 160, height: 120 }));
  }
  const { url: printed, child } = await serve(['--data-dir', join(root, 'data'), '--model', TOY_MODEL_DIR]);
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  t.after(async () => {
    agent.destroy();
    child.kill('SIGTERM');
    await stopped(child);
  });
  const url = new URL(printed);
  const call = async <M extends keyof Responses>(method: M, body: object): Promise<Responses[M]> => {
    const reply = await fetchStatus(agent, url, `/api/${method}`, JSON.stringify(body));
    const json = JSON.parse(reply.text) as { ok: boolean; result: Responses[M]; error?: string };
    if (!json.ok) throw new Error(json.error);
    return json.result;
  };

  await call('addFolder', { path: photos });
  await waitFor(
    'the photos to be indexed',
    async () => {
      const status = await call('status', {});
      return status.indexed === PHOTOS && status.indexing.phase === 'watching' ? true : undefined;
    },
    60_000,
  );
  let { ids } = await call('timeline', {});
  assert.equal(ids.length, PHOTOS);

  const deadline = Date.now() + RACE_MS;
  let racing = true;
  const renamer = (async () => {
    let renames = 0;
    while (racing) {
      for (const path of paths) await rename(path, `${path}.moved`);
      for (const path of paths) await rename(`${path}.moved`, path);
      renames += 2 * paths.length;
    }
    return renames;
  })();
  // The watcher may give renamed photos new ids: keep asking for the ones the library has now.
  const refresher = (async () => {
    while (racing) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      // A server that died shows in the checks after the race, not here.
      const now = await call('timeline', {}).catch(() => null);
      if (now && now.ids.length > 0) ids = now.ids;
    }
  })();

  const statuses = new Map<string, number>();
  let sent = 0;
  const client = async () => {
    while (sent < MAX_REQUESTS && Date.now() < deadline) {
      const n = sent++;
      const kind = n % 2 === 0 ? 'photo' : 'thumb';
      const id = ids[Math.floor(n / 2) % ids.length]!;
      const outcome = await fetchStatus(agent, url, `/media/${kind}/${id}`).then(
        (reply) => String(reply.status),
        (error: NodeJS.ErrnoException) => error.code ?? error.message,
      );
      statuses.set(outcome, (statuses.get(outcome) ?? 0) + 1);
    }
  };
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, client));
  } finally {
    racing = false;
  }
  const [renames] = await Promise.all([renamer, refresher]);

  const summary = JSON.stringify(Object.fromEntries(statuses));
  t.diagnostic(`${renames} renames; answers ${summary}`);
  assert.ok(renames > 0 && sent > 0, `renames ${renames}, requests ${sent}`);
  for (const outcome of statuses.keys()) assert.ok(outcome === '200' || outcome === '404', `answers: ${summary}`);
  assert.ok((statuses.get('200') ?? 0) > 0, `some photos were served: ${summary}`);
  assert.equal(child.exitCode, null, 'the server process is still running');
  assert.equal(child.signalCode, null, 'the server process is still running');
  const status = await call('status', {});
  assert.equal(status.folders.length, 1);
});
