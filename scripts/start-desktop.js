#!/usr/bin/env node
// npm start: runs the desktop app on the installed Electron runtime. It never downloads the
// runtime (requiring the `electron` package would, on first use) and builds nothing: it finds the
// binary the way the package does (path.txt, ELECTRON_OVERRIDE_DIST_PATH) and says in one
// sentence what to do when something is missing.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const electronDir = join(root, 'node_modules', 'electron');

function electronBinary() {
  let executable = null;
  try {
    executable = readFileSync(join(electronDir, 'path.txt'), 'utf8').trim() || null;
  } catch {
    // Not installed (or installed without its runtime).
  }
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const binary = join(override, executable ?? 'electron');
    return existsSync(binary) ? binary : null;
  }
  if (!executable) return null;
  const binary = join(electronDir, 'dist', executable);
  return existsSync(binary) ? binary : null;
}

function stop(sentence) {
  process.stderr.write(`${sentence}\n`);
  process.exit(1);
}

const binary = electronBinary();
if (!binary) {
  stop(
    'The Electron runtime is not installed (npm start never downloads it): run "npx install-electron" while online, ' +
      'or use Shoebox in your browser instead with "npx shoebox serve".',
  );
}
const main = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).main;
if (!main || !existsSync(join(root, main))) {
  stop(`Shoebox is not built (${main ?? 'package.json has no "main"'} is missing): run "npm run build" first.`);
}

// ELECTRON_RUN_AS_NODE would make the binary a plain Node.js and ignore the app.
const env = { ...process.env };
delete env.ELECTRON_RUN_AS_NODE;
const child = spawn(binary, [root, ...process.argv.slice(2)], { stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (!child.killed) child.kill(signal);
  });
}
child.on('error', (error) => stop(`The Electron runtime at ${binary} could not be started (${error.message}).`));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
