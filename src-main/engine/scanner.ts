import { existsSync } from 'node:fs';
import { lstat, opendir } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { fingerprintFile } from './fingerprint.js';
import { judgeFile } from './formats.js';
import type { IgnoreMatcher } from './ignore.js';
import type { FolderRow, LibraryStore, NewPhoto, PhotoRow } from './store/library-store.js';

/** A file as found on disk, before it is compared with the index. */
export interface FileSighting {
  path: string;
  folderId: number;
  size: number;
  mtimeMs: number;
}

export interface ScanSummary {
  added: number;
  changed: number;
  moved: number;
  removed: number;
  unchanged: number;
  /** Library folders (or folders inside them) that could not be read: their photos were left as they were. */
  unreachable: string[];
}

export interface ScanProgress {
  phase: 'walking' | 'fingerprinting';
  done: number;
  total: number;
  folder: string;
}

const FINGERPRINT_CONCURRENCY = 8;

/**
 * Brings the index in line with the disk. Unchanged files (same size and mtime) cost one stat.
 * New and changed files are fingerprinted; a new path whose fingerprint matches a file that has
 * disappeared is the same photo moved, so it is re-linked and keeps its embedding. Files that are
 * gone leave the index. Nothing is decoded here: that is the indexer's job.
 */
export class Scanner {
  constructor(
    private readonly store: LibraryStore,
    private readonly ignored: IgnoreMatcher,
  ) {}

  /**
   * The start-up walk over whole library folders. A folder that cannot be read (an unplugged
   * drive, a permission change) keeps its photos as they were: absence of evidence is not a delete.
   */
  async reconcile(folders: readonly FolderRow[], onProgress?: (progress: ScanProgress) => void): Promise<ScanSummary> {
    const sightings: FileSighting[] = [];
    const unreachable: string[] = [];
    for (const folder of folders) {
      onProgress?.({ phase: 'walking', done: sightings.length, total: 0, folder: folder.path });
      for await (const sighting of this.walk(folder, unreachable)) sightings.push(sighting);
    }
    const known = folders.length > 0 ? this.store.photosInFolders(folders.map((f) => f.id)) : [];
    const byPath = new Map(known.map((row) => [row.path, row]));
    const seen = new Set(sightings.map((s) => s.path));
    const missing = known.filter((row) => !seen.has(row.path) && !isInside(row.path, unreachable));
    const summary = await this.apply(sightings, missing, (path) => byPath.get(path), onProgress);
    return { ...summary, unreachable };
  }

  /** Follows what the watcher saw: paths that appeared or changed, and paths that went away. */
  async update(
    folders: readonly FolderRow[],
    changedPaths: readonly string[],
    removedPaths: readonly string[],
  ): Promise<ScanSummary> {
    const sightings = new Map<string, FileSighting>();
    const missing = new Map<number, PhotoRow>();
    const unreachable = folders.filter((folder) => !existsSync(folder.path)).map((folder) => folder.path);
    for (const path of changedPaths) {
      const folder = owningFolder(folders, path);
      if (!folder || this.ignored(path, folder.path, false)) continue;
      const stats = await lstat(path).catch(() => null);
      if (stats?.isFile()) {
        sightings.set(path, { path, folderId: folder.id, size: stats.size, mtimeMs: stats.mtimeMs });
      } else if (!stats) {
        this.collectMissing(path, missing);
      }
    }
    for (const path of removedPaths) this.collectMissing(path, missing);
    const gone = [...missing.values()].filter((row) => !sightings.has(row.path) && !isInside(row.path, unreachable));
    const summary = await this.apply([...sightings.values()], gone, (path) => this.store.photoByPath(path));
    return { ...summary, unreachable };
  }

  private collectMissing(path: string, into: Map<number, PhotoRow>): void {
    const row = this.store.photoByPath(path);
    if (row) into.set(row.id, row);
    for (const below of this.store.photosUnder(path, sep)) into.set(below.id, below);
  }

  private async *walk(folder: FolderRow, unreachable: string[]): AsyncGenerator<FileSighting> {
    const stack = [folder.path];
    while (stack.length > 0) {
      const directory = stack.pop()!;
      let entries;
      try {
        entries = await opendir(directory);
      } catch {
        unreachable.push(directory);
        continue;
      }
      for await (const entry of entries) {
        const path = join(directory, entry.name);
        if (this.ignored(path, folder.path, entry.isDirectory())) continue;
        // Symbolic links are not followed: they can loop, or lead outside the library folders.
        if (entry.isDirectory()) stack.push(path);
        else if (entry.isFile()) {
          const stats = await lstat(path).catch(() => null);
          if (stats?.isFile()) yield { path, folderId: folder.id, size: stats.size, mtimeMs: stats.mtimeMs };
        }
      }
    }
  }

  private async apply(
    sightings: readonly FileSighting[],
    missing: readonly PhotoRow[],
    rowAt: (path: string) => PhotoRow | undefined,
    onProgress?: (progress: ScanProgress) => void,
  ): Promise<Omit<ScanSummary, 'unreachable'>> {
    const summary = { added: 0, changed: 0, moved: 0, removed: 0, unchanged: 0 };
    const toExamine: { sighting: FileSighting; row: PhotoRow | undefined }[] = [];
    for (const sighting of sightings) {
      const row = rowAt(sighting.path);
      if (
        row &&
        row.size === sighting.size &&
        row.mtimeMs === Math.round(sighting.mtimeMs) &&
        row.folderId === sighting.folderId
      ) {
        summary.unchanged++;
      } else {
        toExamine.push({ sighting, row });
      }
    }

    const fingerprints = new Map<string, string | null>();
    let done = 0;
    const queue = toExamine.filter(({ sighting }) => judgeFile(sighting.path).kind === 'photo' && sighting.size > 0);
    const lanes = Array.from({ length: FINGERPRINT_CONCURRENCY }, async () => {
      for (let item = queue.pop(); item; item = queue.pop()) {
        const result = await fingerprintFile(item.sighting.path).catch(() => null);
        fingerprints.set(item.sighting.path, result?.fingerprint ?? null);
        onProgress?.({ phase: 'fingerprinting', done: ++done, total: toExamine.length, folder: item.sighting.path });
      }
    });
    await Promise.all(lanes);

    const missingByFingerprint = new Map<string, PhotoRow[]>();
    for (const row of missing) {
      if (!row.fingerprint) continue;
      const rows = missingByFingerprint.get(row.fingerprint) ?? [];
      rows.push(row);
      missingByFingerprint.set(row.fingerprint, rows);
    }
    const relinked = new Set<number>();

    this.store.transaction(() => {
      for (const { sighting, row } of toExamine) {
        const fingerprint = fingerprints.get(sighting.path) ?? null;
        const state = initialState(sighting, fingerprint, fingerprints.has(sighting.path));
        if (row) {
          if (row.fingerprint !== null && row.fingerprint === fingerprint && row.folderId === sighting.folderId) {
            this.store.touch(row.id, sighting.size, sighting.mtimeMs);
            summary.unchanged++;
          } else if (row.folderId !== sighting.folderId && row.fingerprint === fingerprint && fingerprint !== null) {
            this.store.relink(row.id, sighting.folderId, sighting.path, sighting.mtimeMs);
            summary.unchanged++;
          } else {
            this.store.replaceContent(row.id, {
              size: sighting.size,
              mtimeMs: sighting.mtimeMs,
              fingerprint,
              ...state,
            });
            summary.changed++;
          }
          continue;
        }
        const moved = fingerprint ? missingByFingerprint.get(fingerprint)?.pop() : undefined;
        if (moved) {
          this.store.relink(moved.id, sighting.folderId, sighting.path, sighting.mtimeMs);
          relinked.add(moved.id);
          summary.moved++;
          continue;
        }
        const photo: NewPhoto = { ...sighting, fingerprint, ...state };
        this.store.insertPhoto(photo);
        summary.added++;
      }
      const gone = missing.filter((row) => !relinked.has(row.id)).map((row) => row.id);
      this.store.deletePhotos(gone);
      summary.removed = gone.length;
    });
    return summary;
  }
}

function initialState(
  sighting: FileSighting,
  fingerprint: string | null,
  wasFingerprinted: boolean,
): Pick<NewPhoto, 'status' | 'reason'> {
  const verdict = judgeFile(sighting.path);
  if (verdict.kind === 'skip') return { status: 'skipped', reason: verdict.reason };
  if (sighting.size === 0) return { status: 'failed', reason: 'the file is empty' };
  if (wasFingerprinted && fingerprint === null) return { status: 'failed', reason: 'the file could not be read' };
  return { status: 'photo', reason: null };
}

function isInside(path: string, directories: readonly string[]): boolean {
  return directories.some((directory) => path.startsWith(directory + sep));
}

export function owningFolder(folders: readonly FolderRow[], path: string): FolderRow | undefined {
  return folders.find((folder) => path === folder.path || path.startsWith(folder.path + sep));
}
