import { isAbsolute, relative, sep } from 'node:path';
import ignore from 'ignore';

/** Folders no one keeps photos in: system, sync and NAS metadata. Hidden entries are ignored too. */
export const DEFAULT_IGNORED_NAMES = ['node_modules', '.git', '@eaDir', 'System Volume Information', '$RECYCLE.BIN'];

/**
 * Decides which entries under a library folder Shoebox never looks at. User patterns follow
 * .gitignore, read from the library folder's root: a name without a slash matches at any depth
 * ("*.png", "Screenshots"), a leading slash anchors to the root ("/raw"), a trailing slash matches
 * folders only ("tmp/"), "**" spans folders, and "!" takes back what an earlier pattern ignored.
 * An ignored folder hides everything below it. `isDirectory` is needed because "tmp/" must not
 * hide a file that happens to be called tmp.
 */
export type IgnoreMatcher = (absolutePath: string, root: string, isDirectory: boolean) => boolean;

export function createIgnoreMatcher(
  userPatterns: readonly string[],
  alsoIgnore: readonly string[] = [],
): IgnoreMatcher {
  const defaults = new Set(DEFAULT_IGNORED_NAMES);
  // Follows the file system: names differ by case only on Linux.
  const rules = ignore({ ignorecase: process.platform !== 'linux' }).add(userPatterns);
  return (absolutePath, root, isDirectory) => {
    if (alsoIgnore.some((dir) => absolutePath === dir || absolutePath.startsWith(dir + sep))) return true;
    const rel = relative(root, absolutePath);
    // The root itself is never ignored, and a path outside it is not this folder's to judge
    // (the `ignore` package throws on such paths rather than answering).
    if (rel === '' || rel === '..' || rel.startsWith('..' + sep) || isAbsolute(rel)) return false;
    const segments = rel.split(sep);
    if (segments.some((name) => name.startsWith('.') || defaults.has(name))) return true;
    // The package reads POSIX paths and takes a trailing slash to mean a folder.
    const posix = segments.join('/');
    return rules.ignores(isDirectory ? `${posix}/` : posix);
  };
}

/**
 * How many of the given library photos `patterns` would hide, so that a change that would take
 * most of the library out of it can be confirmed first. Photos are files; the folders above them
 * are judged as folders by the matcher itself. A photo whose folder is not listed is not counted.
 */
export function countHidden(
  patterns: readonly string[],
  folders: readonly { id: number; path: string }[],
  photos: Iterable<{ path: string; folderId: number }>,
  alsoIgnore: readonly string[] = [],
): number {
  const ignored = createIgnoreMatcher(patterns, alsoIgnore);
  const rootOf = new Map(folders.map((folder) => [folder.id, folder.path]));
  let hidden = 0;
  for (const photo of photos) {
    const root = rootOf.get(photo.folderId);
    if (root !== undefined && ignored(photo.path, root, false)) hidden++;
  }
  return hidden;
}
