import { readdir } from 'node:fs/promises';
import { join, sep } from 'node:path';
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
 * Watches the library folders and reports settled changes in batches. It starts before the
 * start-up reconcile walk, so nothing that happens during that walk is missed (a file seen by
 * both is simply found unchanged the second time). The folder list and the ignore rules are read
 * live, so a folder added or a pattern changed applies without a restart.
 */
export class FolderWatcher {
  private readonly watcher: FSWatcher;
  private changed = new Set<string>();
  private removed = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private readonly ready: Promise<void>;
  private markReady: () => void = () => undefined;
  private closed = false;
  /** Second looks at folders that just appeared (see the addDir handler). */
  private readonly settling = new Set<NodeJS.Timeout>();

  constructor(
    private readonly folders: () => readonly FolderRow[],
    private readonly ignored: () => IgnoreMatcher,
    private readonly onChanges: (changes: FolderChanges) => void,
    private readonly options: FolderWatcherOptions & { onError?: (error: unknown) => void } = {},
  ) {
    const stableMs = options.stableMs ?? 1000;
    this.watcher = watch(
      folders().map((folder) => folder.path),
      {
        ignoreInitial: true,
        followSymlinks: false,
        // Chokidar asks first without stats, then again with them before it descends into a folder.
        ignored: (path, stats) => {
          const folder = owningFolder(this.folders(), path);
          return folder ? this.ignored()(path, folder.path, stats?.isDirectory() ?? false) : false;
        },
        awaitWriteFinish: { stabilityThreshold: stableMs, pollInterval: Math.min(100, stableMs) },
      },
    );
    this.watcher.on('add', (path) => this.note(path, 'changed'));
    this.watcher.on('addDir', (path) => {
      const adopt = () => this.adoptDirectory(path).catch((error: unknown) => options.onError?.(error));
      void adopt();
      // Files written just after the folder appeared can land between chokidar's listing of it
      // and its watch being in place: one more look once writes have settled catches them.
      const again = setTimeout(() => {
        this.settling.delete(again);
        if (!this.closed) void adopt();
      }, stableMs);
      this.settling.add(again);
    });
    this.watcher.on('change', (path) => this.note(path, 'changed'));
    this.watcher.on('unlink', (path) => this.note(path, 'removed'));
    this.watcher.on('unlinkDir', (path) => this.note(path, 'removed'));
    // An unhandled 'error' event would end the process; a watcher problem is reported instead.
    this.watcher.on('error', (error) => options.onError?.(error));
    // Chokidar never says "ready" for an empty list of folders, and a watcher closed while it
    // starts never will: both count as ready.
    this.ready = new Promise((resolve) => {
      this.markReady = resolve;
      this.watcher.once('ready', () => resolve());
      if (folders().length === 0) resolve();
    });
  }

  /** Starts following a folder just added to the library. */
  watchFolder(path: string): void {
    this.watcher.add(path);
  }

  /** Stops following a folder taken out of the library; changes already noted there are dropped. */
  unwatchFolder(path: string): void {
    this.watcher.unwatch(path);
    const inside = (file: string) => file === path || file.startsWith(path + sep);
    for (const file of [...this.changed]) if (inside(file)) this.changed.delete(file);
    for (const file of [...this.removed]) if (inside(file)) this.removed.delete(file);
  }

  /** Resolves once every folder is being watched. */
  whenReady(): Promise<void> {
    return this.ready;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.settling) clearTimeout(timer);
    this.settling.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.markReady();
    await this.watcher.close();
  }

  /**
   * A folder that appears (moved or copied in) can hold files chokidar never reports: those
   * written before its watch on the new folder was in place. They are listed here, handed to
   * chokidar so that later renames and deletes of them are reported, and treated as new.
   */
  private async adoptDirectory(directory: string): Promise<void> {
    const folder = owningFolder(this.folders(), directory);
    const ignored = this.ignored();
    if (!folder) return;
    const files: string[] = [];
    const pending = [directory];
    while (pending.length > 0) {
      const current = pending.pop()!;
      const entries = await readdir(current, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        const path = join(current, entry.name);
        if (ignored(path, folder.path, entry.isDirectory())) continue;
        if (entry.isDirectory()) pending.push(path);
        else if (entry.isFile()) files.push(path);
      }
    }
    if (files.length === 0) return;
    this.watcher.add(files);
    for (const file of files) this.note(file, 'changed');
  }

  private note(path: string, kind: 'changed' | 'removed'): void {
    if (this.closed) return;
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
