import { createHash, type Hash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, open, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { UserError } from '../../shared/errors.js';
import type { CatalogueEntry, PinnedFile } from './catalogue.js';
import { MANIFEST_FILE, loadModelFolder, manifestSchema, type ModelManifest } from '../../shared/model-manifest.js';

/**
 * Downloads of the pinned model files. A file is streamed to `<destination>.part`, hashed as it
 * arrives, and renamed to its destination only once its size and SHA-256 match the pin, so a
 * destination file is always complete and verified. A `.part` left by a dropped connection is
 * resumed with an HTTP Range request next time. A model is assembled in
 * `<modelsDir>/.staging/<id>/` and moved into place only when every file and its manifest check.
 */

/** How long to wait for the server to answer, and then for each next piece of the file. */
const DEFAULT_FETCH_TIMEOUT_MS = 30_000;
/** Progress is reported at most this often, plus once when a file is complete. */
const PROGRESS_INTERVAL_MS = 100;
/** Transfer speed is measured over this recent window, so it follows changes in the connection. */
const RATE_WINDOW_MS = 5_000;
/** Where models are assembled before they are moved into place; it starts with a dot, so it is no model id. */
export const STAGING_FOLDER = '.staging';

export interface DownloadProgress {
  /** The file's name in the model folder. */
  file: string;
  /** Bytes of the file on disk so far, including those from an earlier, resumed attempt. */
  receivedBytes: number;
  totalBytes: number;
  bytesPerSecond: number;
  /** Seconds left at the current speed; null until there is a speed to go by. */
  etaSeconds: number | null;
}

export interface DownloadOptions {
  onProgress?: (progress: DownloadProgress) => void;
  /** Aborting stops the download, keeps the `.part` to resume, and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Give up when the server takes longer than this to answer, or to send the next piece. */
  fetchTimeoutMs?: number;
}

/**
 * A model's progress: `receivedBytes`, `totalBytes`, the speed and the time left are over all its
 * files; `file` is the one being downloaded now.
 */
export interface InstallProgress extends DownloadProgress {
  /** The position of `file` among the model's files, from 1. */
  fileIndex: number;
  fileCount: number;
  fileReceivedBytes: number;
  fileTotalBytes: number;
}

export interface InstallOptions {
  onProgress?: (progress: InstallProgress) => void;
  signal?: AbortSignal;
  fetchTimeoutMs?: number;
}

/**
 * Downloads one pinned file to `destination`, resuming a `.part` left by an earlier attempt. On
 * success the destination holds exactly the pinned bytes; on failure it is untouched and the
 * error is a `UserError` (or the signal's reason, when aborted).
 */
export async function downloadPinnedFile(
  file: PinnedFile,
  destination: string,
  options: DownloadOptions = {},
): Promise<void> {
  await mkdir(dirname(destination), { recursive: true });
  // A stale `.part` that cannot be resumed (bad bytes from an earlier attempt, a server that
  // refuses the range) is deleted and the download starts over, once.
  for (let attempt = 0; attempt < 2; attempt++) {
    if ((await attemptDownload(file, destination, options)) === 'done') return;
  }
  throw new UserError(
    `${hostOf(file.url)} did not send ${file.saveAs} in a way that could be resumed; try again later.`,
  );
}

async function attemptDownload(
  file: PinnedFile,
  destination: string,
  options: DownloadOptions,
): Promise<'done' | 'restart'> {
  const name = file.saveAs;
  const host = hostOf(file.url);
  const part = `${destination}.part`;
  const timeoutMs = options.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  options.signal?.throwIfAborted();

  let offset = await sizeOf(part);
  if (offset > file.size) {
    await rm(part, { force: true });
    offset = 0;
  }
  let hash = createHash('sha256');
  if (offset > 0) await hashFileInto(part, hash);
  const progress = new ProgressReporter(name, file.size, offset, options.onProgress);
  if (offset === file.size) {
    // Complete but never verified: an earlier attempt stopped between its last byte and the rename.
    if (hash.digest('hex') !== file.sha256) {
      await rm(part, { force: true });
      return 'restart';
    }
    await rename(part, destination);
    progress.finish(offset);
    return 'done';
  }

  const controller = new AbortController();
  let timedOut = false;
  const watchdog = new Watchdog(timeoutMs, () => {
    timedOut = true;
    controller.abort(new Error(`no data for ${timeoutMs} ms`));
  });
  const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
  // `identity`: a compressed answer would make byte ranges refer to the compressed form.
  const headers: Record<string, string> = { 'accept-encoding': 'identity' };
  if (offset > 0) headers.range = `bytes=${offset}-`;

  let response: Response;
  try {
    response = await fetch(file.url, { headers, signal, redirect: 'follow' });
  } catch (error) {
    watchdog.stop();
    options.signal?.throwIfAborted();
    const why = timedOut ? `no answer in ${formatSeconds(timeoutMs)}` : describeNetworkError(error);
    throw new UserError(
      `Could not reach ${host} to download ${name} (${why}). Check the network connection and try again.`,
    );
  }

  try {
    if (response.status === 416 && offset > 0) {
      await discard(response, part);
      return 'restart';
    }
    if (response.status !== 200 && response.status !== 206) {
      await response.body?.cancel().catch(() => undefined);
      const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
      throw new UserError(`${host} answered "${status}" when asked for ${name}; try again later.`);
    }
    if (response.status === 206) {
      const range = parseContentRange(response.headers.get('content-range'));
      if (offset === 0 || !range || range.start !== offset) {
        await discard(response, part);
        return 'restart';
      }
      if (range.total !== undefined && range.total !== file.size) {
        await discard(response, part);
        throw wrongSize(name, host, file.size, range.total);
      }
    } else if (offset > 0) {
      // The server ignored the range and is sending the whole file again: start over with it.
      offset = 0;
      hash = createHash('sha256');
      progress.restart();
    }
    const encoded = (response.headers.get('content-encoding') ?? 'identity') !== 'identity';
    const length = response.headers.get('content-length');
    if (!encoded && length !== null && /^\d+$/.test(length) && offset + Number(length) !== file.size) {
      await discard(response, part);
      throw wrongSize(name, host, file.size, offset + Number(length));
    }

    const handle = await open(part, offset > 0 ? 'a' : 'w');
    let received = offset;
    let tooLong = false;
    try {
      watchdog.reset();
      for await (const chunk of response.body ?? []) {
        watchdog.reset();
        if (received + chunk.byteLength > file.size) {
          tooLong = true;
          break;
        }
        hash.update(chunk);
        await handle.write(chunk);
        received += chunk.byteLength;
        progress.update(received);
      }
      watchdog.stop();
      await handle.sync();
    } catch (error) {
      watchdog.stop();
      options.signal?.throwIfAborted();
      const kept = `the ${formatBytes(received)} received so far are kept, so trying again resumes`;
      const code = errorCode(error);
      if (code === 'ENOSPC') throw new UserError(`There is not enough disk space to download ${name}; ${kept}.`);
      if (isFileSystemError(error)) {
        throw new UserError(`Could not save ${name} to ${dirname(part)} (${describeError(error)}).`);
      }
      if (timedOut) {
        throw new UserError(`${host} stopped sending ${name} (nothing for ${formatSeconds(timeoutMs)}); ${kept}.`);
      }
      throw new UserError(`The connection to ${host} dropped while downloading ${name}; ${kept}.`);
    } finally {
      await handle.close();
    }

    if (tooLong || received !== file.size) {
      await rm(part, { force: true });
      throw tooLong
        ? new UserError(
            `${host} sent more than the ${formatBytes(file.size, true)} pinned for ${name}, so the download was discarded.`,
          )
        : wrongSize(name, host, file.size, received);
    }
    if (hash.digest('hex') !== file.sha256) {
      await rm(part, { force: true });
      throw new UserError(
        `The download of ${name} from ${host} does not match its pinned SHA-256 checksum, so it was discarded; try again.`,
      );
    }
    await rename(part, destination);
    progress.finish(received);
    return 'done';
  } finally {
    watchdog.stop();
  }
}

/**
 * Installs a catalogue model in `<modelsDir>/<id>` and returns that folder. Files are downloaded
 * into `<modelsDir>/.staging/<id>/`, where a partial download survives to be resumed; only when
 * every file verifies and the manifest loads is the folder moved into place, replacing an earlier
 * install, so there is never a half-installed model.
 */
export async function installCatalogueModel(
  entry: CatalogueEntry,
  modelsDir: string,
  options: InstallOptions = {},
): Promise<string> {
  const target = join(modelsDir, entry.id);
  const manifest = manifestSchema.parse({ ...entry.manifest, id: entry.id, name: entry.name });
  if (await isInstalled(target, entry, manifest)) return target;

  const stagingRoot = join(modelsDir, STAGING_FOLDER);
  const staging = join(stagingRoot, entry.id);
  await mkdir(staging, { recursive: true });

  // Files finished by an earlier attempt are kept when they still verify; the rest are fetched.
  const totalBytes = entry.files.reduce((sum, file) => sum + file.size, 0);
  const missing: PinnedFile[] = [];
  let doneBytes = 0;
  for (const file of entry.files) {
    const path = join(staging, file.saveAs);
    if (existsSync(path)) {
      if (await matchesPin(path, file)) {
        doneBytes += file.size;
        continue;
      }
      await rm(path, { force: true });
    }
    missing.push(file);
  }

  const rate = new RateMeter();
  for (const file of missing) {
    const fileIndex = entry.files.indexOf(file) + 1;
    await downloadPinnedFile(file, join(staging, file.saveAs), {
      signal: options.signal,
      fetchTimeoutMs: options.fetchTimeoutMs,
      onProgress: options.onProgress
        ? (progress) => {
            const receivedBytes = doneBytes + progress.receivedBytes;
            rate.add(Date.now(), receivedBytes);
            const bytesPerSecond = rate.bytesPerSecond();
            options.onProgress!({
              file: progress.file,
              fileIndex,
              fileCount: entry.files.length,
              fileReceivedBytes: progress.receivedBytes,
              fileTotalBytes: progress.totalBytes,
              receivedBytes,
              totalBytes,
              bytesPerSecond,
              etaSeconds: etaSeconds(totalBytes - receivedBytes, bytesPerSecond),
            });
          }
        : undefined,
    });
    doneBytes += file.size;
  }

  await writeFile(join(staging, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  loadModelFolder(staging);
  options.signal?.throwIfAborted();

  await replaceFolder(staging, target);
  await rmdir(stagingRoot).catch(() => undefined); // only when no other model is being staged
  return target;
}

/**
 * Puts a finished folder where an installed model lives. Any earlier install is moved aside, the
 * new one put in its place, then the old one deleted; if the second move fails, the old one goes
 * back. (Node has no atomic exchange of two folders.)
 */
export async function replaceFolder(finished: string, target: string): Promise<void> {
  const previous = join(dirname(finished), `.replaced-${basename(target)}`);
  await rm(previous, { recursive: true, force: true });
  const hadPrevious = existsSync(target);
  if (hadPrevious) await rename(target, previous);
  try {
    await rename(finished, target);
  } catch (error) {
    if (hadPrevious) await rename(previous, target).catch(() => undefined);
    throw error;
  }
  if (hadPrevious) await rm(previous, { recursive: true, force: true });
}

/**
 * Whether `target` already holds this entry's model: its manifest loads and equals the one the
 * entry would write, and every pinned file has its pinned size. Sizes, not hashes: every file
 * there was hashed before it was moved into place, and re-hashing hundreds of megabytes on every
 * call would make this fast path slow; a truncated or swapped file still shows in its size.
 */
async function isInstalled(target: string, entry: CatalogueEntry, manifest: ModelManifest): Promise<boolean> {
  if (!existsSync(join(target, MANIFEST_FILE))) return false;
  try {
    if (!isDeepStrictEqual(loadModelFolder(target).manifest, manifest)) return false;
  } catch {
    return false;
  }
  for (const file of entry.files) {
    if ((await sizeOf(join(target, file.saveAs))) !== file.size) return false;
  }
  return true;
}

async function matchesPin(path: string, file: PinnedFile): Promise<boolean> {
  if ((await sizeOf(path)) !== file.size) return false;
  const hash = createHash('sha256');
  await hashFileInto(path, hash);
  return hash.digest('hex') === file.sha256;
}

async function sizeOf(path: string): Promise<number> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : -1;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return 0;
    throw error;
  }
}

async function hashFileInto(path: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

async function discard(response: Response, part: string): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
  await rm(part, { force: true });
}

function wrongSize(name: string, host: string, expected: number, actual: number): UserError {
  return new UserError(
    `${host} sent ${formatBytes(actual, true)} for ${name} instead of the pinned ${formatBytes(expected, true)}, so the download was discarded.`,
  );
}

/** `bytes 100-199/1000` → start 100, total 1000 (undefined for `*`). */
function parseContentRange(header: string | null): { start: number; total: number | undefined } | null {
  const match = header ? /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(header.trim()) : null;
  if (!match) return null;
  return { start: Number(match[1]), total: match[3] === '*' ? undefined : Number(match[3]) };
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

/** The code of a failed connection, looked for through `cause` and the errors of an `AggregateError`. */
function errorCode(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== 'object' || depth > 5) return undefined;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string') return code;
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const found = errorCode(inner, depth + 1);
      if (found) return found;
    }
  }
  return errorCode(cause, depth + 1);
}

function isFileSystemError(error: unknown): boolean {
  return !!error && typeof error === 'object' && typeof (error as { syscall?: unknown }).syscall === 'string';
}

function describeNetworkError(error: unknown): string {
  const code = errorCode(error);
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'its name could not be looked up';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'the connection timed out';
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
      return 'no route to it';
    case 'ECONNRESET':
      return 'the connection was reset';
    default: {
      let inner: unknown = error;
      while (inner instanceof Error && inner.cause instanceof Error) inner = inner.cause;
      return code ?? describeError(inner);
    }
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** 1536 → "1.5 KB"; with `exact`, also the byte count: "1.5 KB (1,536 bytes)". */
function formatBytes(bytes: number, exact = false): string {
  const units = ['bytes', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const short = unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]}`;
  return exact && unit > 0 ? `${short} (${bytes.toLocaleString('en-US')} bytes)` : short;
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

function etaSeconds(remainingBytes: number, bytesPerSecond: number): number | null {
  if (remainingBytes <= 0) return 0;
  return bytesPerSecond > 0 ? remainingBytes / bytesPerSecond : null;
}

/** Bytes per second over the last few seconds of (time, total bytes) samples. */
class RateMeter {
  private samples: { at: number; bytes: number }[] = [];

  add(at: number, bytes: number): void {
    this.samples.push({ at, bytes });
    while (this.samples.length > 2 && this.samples[1]!.at <= at - RATE_WINDOW_MS) this.samples.shift();
  }

  reset(): void {
    this.samples = [];
  }

  bytesPerSecond(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at <= first.at) return 0;
    return ((last.bytes - first.bytes) * 1000) / (last.at - first.at);
  }
}

/** Reports a file's progress at most every `PROGRESS_INTERVAL_MS`, and once when it completes. */
class ProgressReporter {
  private readonly rate = new RateMeter();
  private lastReport = -Infinity;

  constructor(
    private readonly file: string,
    private readonly totalBytes: number,
    startBytes: number,
    private readonly onProgress: ((progress: DownloadProgress) => void) | undefined,
  ) {
    this.rate.add(Date.now(), startBytes);
  }

  restart(): void {
    this.rate.reset();
    this.rate.add(Date.now(), 0);
  }

  update(receivedBytes: number): void {
    const now = Date.now();
    this.rate.add(now, receivedBytes);
    if (now - this.lastReport < PROGRESS_INTERVAL_MS) return;
    this.lastReport = now;
    this.report(receivedBytes);
  }

  finish(receivedBytes: number): void {
    this.rate.add(Date.now(), receivedBytes);
    this.report(receivedBytes);
  }

  private report(receivedBytes: number): void {
    if (!this.onProgress) return;
    const bytesPerSecond = this.rate.bytesPerSecond();
    this.onProgress({
      file: this.file,
      receivedBytes,
      totalBytes: this.totalBytes,
      bytesPerSecond,
      etaSeconds: etaSeconds(this.totalBytes - receivedBytes, bytesPerSecond),
    });
  }
}

/** Calls `onTimeout` when `reset` has not been called for `ms`; starts running at once. */
class Watchdog {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ms: number,
    private readonly onTimeout: () => void,
  ) {
    this.reset();
  }

  reset(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(this.onTimeout, this.ms);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
