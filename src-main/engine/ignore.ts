import { relative, sep } from 'node:path';
import picomatch from 'picomatch';

/** Folders no one keeps photos in: system, sync and NAS metadata. Hidden entries are ignored too. */
export const DEFAULT_IGNORED_NAMES = ['node_modules', '.git', '@eaDir', 'System Volume Information', '$RECYCLE.BIN'];

/**
 * Decides which entries under a library folder Shoebox never looks at. User patterns are globs in
 * gitignore spirit: one without a slash matches a file or folder name anywhere ("*.png",
 * "Screenshots"); one with a slash matches the path relative to the library folder ("2019/raw/**").
 * An ignored folder hides everything below it.
 */
export type IgnoreMatcher = (absolutePath: string, root: string) => boolean;

export function createIgnoreMatcher(
  userPatterns: readonly string[],
  alsoIgnore: readonly string[] = [],
): IgnoreMatcher {
  const defaults = new Set(DEFAULT_IGNORED_NAMES);
  const byName = picomatch(
    userPatterns.filter((p) => !p.includes('/')),
    { dot: true, nocase: process.platform !== 'linux' },
  );
  const byPath = picomatch(
    userPatterns.filter((p) => p.includes('/')).map((p) => p.replace(/^\//, '')),
    { dot: true, nocase: process.platform !== 'linux' },
  );
  const hasByName = userPatterns.some((p) => !p.includes('/'));
  const hasByPath = userPatterns.some((p) => p.includes('/'));
  return (absolutePath, root) => {
    if (alsoIgnore.some((dir) => absolutePath === dir || absolutePath.startsWith(dir + sep))) return true;
    const rel = relative(root, absolutePath);
    if (rel === '') return false;
    const segments = rel.split(sep);
    for (const name of segments) {
      if (name.startsWith('.') || defaults.has(name)) return true;
      if (hasByName && byName(name)) return true;
    }
    if (!hasByPath) return false;
    for (let depth = 1; depth <= segments.length; depth++) {
      if (byPath(segments.slice(0, depth).join('/'))) return true;
    }
    return false;
  };
}
