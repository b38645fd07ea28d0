/**
 * Errors that say the data folder cannot take more work right now (full, busy, unwritable), as
 * opposed to a photo that cannot be read. SQLite reports them by code (better-sqlite3 keeps the
 * extended code, e.g. SQLITE_IOERR_WRITE); file writes by errno.
 */
const STORE_CODES: Record<string, string> = {
  SQLITE_FULL: 'the disk holding the library is full',
  SQLITE_BUSY: 'another program is writing to the library database',
  SQLITE_LOCKED: 'another program is writing to the library database',
  SQLITE_READONLY: 'the library database cannot be written to',
  SQLITE_IOERR: 'the library database could not be written (input/output error)',
  SQLITE_CANTOPEN: 'the library database could not be opened for writing',
  SQLITE_PROTOCOL: 'another program is writing to the library database',
  ENOSPC: 'the disk holding the library is full',
  EDQUOT: 'the disk quota for the library folder is used up',
  EROFS: 'the disk holding the library is read-only',
  EACCES: 'Shoebox may not write to its data folder',
  EPERM: 'Shoebox may not write to its data folder',
  EIO: 'the disk holding the library reported an input/output error',
};

function codeOf(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : null;
}

/** Why the store could not take this write, in words, or null when the error is something else. */
export function storeFaultReason(error: unknown): string | null {
  const code = codeOf(error);
  if (!code) return null;
  const exact = STORE_CODES[code];
  if (exact) return exact;
  // Extended SQLite codes: SQLITE_IOERR_WRITE, SQLITE_BUSY_SNAPSHOT, SQLITE_READONLY_DBMOVED…
  const base = /^(SQLITE_[A-Z]+?)_[A-Z_]+$/.exec(code)?.[1];
  return base ? (STORE_CODES[base] ?? null) : null;
}
