#!/usr/bin/env node
// Runs every compiled test file with Node's test runner. Node 20 has no glob support in --test,
// so the files are listed here; unit tests first, since they fail fastest.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function find(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return find(path);
    return name.endsWith('.test.js') ? [path] : [];
  });
}

const only = process.argv.slice(2);
const files = ['unit', 'integration', 'e2e']
  .flatMap((kind) => find(join('dist', 'test', kind)).sort())
  .filter((file) => only.length === 0 || only.some((part) => file.includes(part)));
if (files.length === 0) {
  console.error('No test files found under dist/test: run "npm run build" first.');
  process.exit(1);
}
// Every test process treats an unhandled rejection as the failure it is (NODE_OPTIONS reaches the
// per-file processes the test runner starts, and the child processes the tests start).
const nodeOptions = [process.env.NODE_OPTIONS, '--unhandled-rejections=strict'].filter(Boolean).join(' ');
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=1', ...files], {
  stdio: 'inherit',
  env: { ...process.env, NODE_OPTIONS: nodeOptions },
});
process.exit(result.status ?? 1);
