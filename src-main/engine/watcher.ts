import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { IgnoreMatcher } from './ignore.js';
import { owningFolder } from './scanner.js';
import type { FolderRow } from './store/library-store.js';

export interface FolderChanges {
  changed: string[];
  removed: string[];
}

export interface FolderWatcherOptions {
  /** How long a file's size must hold still before it is read: a copy in progress is not a photo yet. */
  stableMs?: number;
  /** Changes arriving within this window are handled together (a folder copied in is one batch). */
  batchMs?: number;
}

/**
 * Watches the library folders and reports settled changes in batches. The start-up reconcile walk
 * has already seen what is there, so only changes from now on are reported.
 */
export class FolderWatcher {
  private readonly watcher: FSWatcher;
  private changed = new Set<string>();
  private removed = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private readonly ready: Promise<void>;

  constructor(
    folders: readonly FolderRow[],
    ignored: IgnoreMatcher,
    private readonly onChanges: (changes: FolderChanges) => void,
    private readonly options: FolderWatcherOptions = {},
  ) {
    const stableMs = options.stableMs ?? 1000;
    this.watcher = watch(
      folders.map((folder) => folder.path),
      {
        ignoreInitial: true,
        followSymlinks: false,
        ignored: (path: string) => {
          const folder = owningFolder(folders, path);
          return folder ? ignored(path, folder.path) : false;
        },
        awaitWriteFinish: { stabilityThreshold: stableMs, pollInterval: Math.min(100, stableMs) },
      },
    );
    this.watcher.on('add', (path) => this.note(path, 'changed'));
    this.watcher.on('addDir', (path) => void this.adoptDirectory(path, folders, ignored));
    this.watcher.on('change', (path) => this.note(path, 'changed'));
    this.watcher.on('unlink', (path) => this.note(path, 'removed'));
    this.watcher.on('unlinkDir', (path) => this.note(path, 'removed'));
    this.ready = new Promise((resolve) => this.watcher.once('ready', () => resolve()));
  }

  /** Resolves once every folder is being watched. */
  whenReady(): Promise<void> {
    return this.ready;
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.watcher.close();
  }

  /**
   * A folder that appears (moved or copied in) can hold files chokidar never reports: those
   * written before its watch on the new folder was in place. They are listed here, handed to
   * chokidar so that later renames and deletes of them are reported, and treated as new.
   */
  private async adoptDirectory(
    directory: string,
    folders: readonly FolderRow[],
    ignored: IgnoreMatcher,
  ): Promise<void> {
    const folder = owningFolder(folders, directory);
    if (!folder) return;
    const files: string[] = [];
    const pending = [directory];
    while (pending.length > 0) {
      const current = pending.pop()!;
      const entries = await readdir(current, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        const path = join(current, entry.name);
        if (ignored(path, folder.path)) continue;
        if (entry.isDirectory()) pending.push(path);
        else if (entry.isFile()) files.push(path);
      }
    }
    if (files.length === 0) return;
    this.watcher.add(files);
    for (const file of files) this.note(file, 'changed');
  }

  private note(path: string, kind: 'changed' | 'removed'): void {
    if (kind === 'changed') {
      this.removed.delete(path);
      this.changed.add(path);
    } else {
      this.changed.delete(path);
      this.removed.add(path);
    }
    this.timer ??= setTimeout(() => this.flush(), this.options.batchMs ?? 300);
  }

  private flush(): void {
    this.timer = null;
    const changes = { changed: [...this.changed], removed: [...this.removed] };
    this.changed = new Set();
    this.removed = new Set();
    if (changes.changed.length > 0 || changes.removed.length > 0) this.onChanges(changes);
  }
}
