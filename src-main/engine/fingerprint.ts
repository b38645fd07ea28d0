import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

/** Bytes read from each end of a file: enough to tell photos apart without reading them whole. */
export const FINGERPRINT_SPAN = 64 * 1024;

/**
 * Identifies a file's content cheaply: its size plus a hash of its first and last 64 KiB (the whole
 * file when it is smaller). A renamed or moved photo keeps its fingerprint, so it keeps its
 * embedding, metadata and thumbnail without being decoded again.
 */
export async function fingerprintFile(path: string): Promise<{ fingerprint: string; size: number }> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const hash = createHash('sha256');
    hash.update(`${size}:`);
    if (size <= 2 * FINGERPRINT_SPAN) {
      hash.update(await readAt(handle, 0, size));
    } else {
      hash.update(await readAt(handle, 0, FINGERPRINT_SPAN));
      hash.update(await readAt(handle, size - FINGERPRINT_SPAN, FINGERPRINT_SPAN));
    }
    return { fingerprint: hash.digest('hex').slice(0, 32), size };
  } finally {
    await handle.close();
  }
}

async function readAt(handle: Awaited<ReturnType<typeof open>>, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let offset = 0;
  while (offset < length) {
    const { bytesRead } = await handle.read(buffer, offset, length - offset, position + offset);
    if (bytesRead === 0) break;
    offset += bytesRead;
  }
  return buffer.subarray(0, offset);
}
