import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, startCli, waitFor } from './env.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(REPO_ROOT, 'test-results');

/** Flags for a root user on a machine with no network: see the env notes on Chromium. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Starts `shoebox serve` and answers the URL it prints. */
export async function serve(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = startCli([...args, 'serve']);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  const url = await waitFor(
    'shoebox serve to print its URL',
    () => /http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/.exec(output)?.[0],
  );
  return { url, child };
}
