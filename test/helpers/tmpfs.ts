import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

/**
 * A small RAM disk of `sizeBytes`, mounted on a fresh temporary folder and unmounted after the
 * test: a disk that really fills up. Mounting needs root; where it is not possible the test is
 * skipped with the reason, and null is answered.
 */
export function mountTmpfs(t: TestContext, sizeBytes: number): string | null {
  if (process.platform !== 'linux') {
    t.skip('a small disk is made with a Linux tmpfs mount');
    return null;
  }
  if (process.getuid?.() !== 0) {
    t.skip('mounting a small tmpfs disk needs root');
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), 'shoebox-small-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const detail = (error as { stderr?: Buffer }).stderr?.toString().trim() || String(error);
    t.skip(`could not mount a tmpfs disk (${detail})`);
    return null;
  }
  t.after(() => {
    try {
      execFileSync('umount', [dir], { stdio: 'pipe' });
    } catch {
      // Something still holds a file open: detach now, the kernel frees it when it is closed.
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
    }
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Bytes a process may still write on the file system holding `path`. */
export function freeBytes(path: string): number {
  const stats = statfsSync(path);
  return stats.bavail * stats.bsize;
}
