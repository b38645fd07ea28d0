import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT, tempDir } from '../helpers/env.js';

const SCRIPT = join(REPO_ROOT, 'scripts', 'start-desktop.js');
const SENTENCE =
  'The Electron runtime is not installed (npm start never downloads it): run "npx install-electron" while online, ' +
  'or use Shoebox in your browser instead with "npx shoebox serve".\n';

function run(
  env: NodeJS.ProcessEnv,
  args: string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('without the Electron runtime, npm start says so in one sentence and exits 1', async (t) => {
  const empty = tempDir(t);
  const result = await run({ ELECTRON_OVERRIDE_DIST_PATH: empty });
  assert.equal(result.code, 1);
  assert.equal(result.stderr, SENTENCE);
  assert.equal(result.stdout, '');
});

test('on this machine, where the runtime was never downloaded, npm start neither downloads nor crashes', async (t) => {
  const electronDir = join(REPO_ROOT, 'node_modules', 'electron');
  const pathFile = join(electronDir, 'path.txt');
  if (existsSync(pathFile) && existsSync(join(electronDir, 'dist', readFileSync(pathFile, 'utf8').trim()))) {
    t.skip('the Electron runtime is installed here: starting it would open the app');
    return;
  }
  const before = [existsSync(pathFile), existsSync(join(electronDir, 'dist'))];
  const result = await run({});
  assert.equal(result.code, 1);
  assert.equal(result.stderr, SENTENCE);
  assert.deepEqual([existsSync(pathFile), existsSync(join(electronDir, 'dist'))], before, 'nothing was fetched');
});

test('with a runtime present, it is started on the app folder with the arguments, and its exit code is returned', async (t) => {
  if (process.platform === 'win32') {
    t.skip('the stand-in runtime is a shell script');
    return;
  }
  const dist = tempDir(t);
  const log = join(dist, 'log.txt');
  const binary = join(dist, 'electron');
  writeFileSync(binary, `#!/bin/sh\nprintf '%s\\n' "$@" "run-as-node=$ELECTRON_RUN_AS_NODE" > '${log}'\nexit 7\n`);
  chmodSync(binary, 0o755);
  const result = await run({ ELECTRON_OVERRIDE_DIST_PATH: dist, ELECTRON_RUN_AS_NODE: '1' }, ['--inspect-nothing']);
  assert.equal(result.stderr, '');
  assert.equal(result.code, 7);
  assert.deepEqual(readFileSync(log, 'utf8').split('\n'), [REPO_ROOT, '--inspect-nothing', 'run-as-node=', '']);
});
