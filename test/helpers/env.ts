import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

/** The repository root (tests run from dist/test/…). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const TOY_MODEL_DIR = join(REPO_ROOT, 'test', 'fixtures', 'models', 'toy-clip');
export const CLI = join(REPO_ROOT, 'bin', 'shoebox.js');
const SHARED = resolve(REPO_ROOT, '..', 'shared');

/**
 * A path in the read-only data beside the checkout, or null when it is not there. In CI its
 * absence is a failure; elsewhere a test that needs it skips with the reason (see `needShared`),
 * and a test that only uses it for extra cases runs without them.
 */
export function sharedPath(...parts: string[]): string | null {
  const path = join(SHARED, ...parts);
  if (existsSync(path)) return path;
  if (process.env.CI) throw new Error(`${path} is missing: CI must lay shared/ beside the clone`);
  return null;
}

/** `sharedPath` for a test that cannot run without it: skips (outside CI) with the reason. */
export function needShared(t: TestContext, ...parts: string[]): string | null {
  const path = sharedPath(...parts);
  if (!path) t.skip(`${join(SHARED, ...parts)} is not here`);
  return path;
}

export function tempDir(t: { after(fn: () => void): void }, prefix = 'shoebox-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `shoebox` command in a child process. */
export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolveRun, reject) => {
    const child = startCli(args, options);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code, stdout, stderr }));
  });
}

export function startCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, SHOEBOX_DATA_DIR: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
