import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { defaultDataDir } from '../engine/data-dir.js';
import { UserError, describeError } from '../shared/errors.js';
import { Library, type IndexRunSummary, type SearchHit, type SearchOptions } from '../engine/library.js';
import { MANIFEST_FILE } from '../shared/model-manifest.js';
import { DEVICE_PREFERENCES, type DevicePreference } from '../shared/worker-protocol.js';
import { albumsCommand, classifyCommand, duplicatesCommand } from './albums.js';
import { debugCommand } from './debug.js';
import { modelsCommand } from './models.js';
import { createProgressView } from './progress.js';
import { startEngineHost } from '../api/engine-host.js';
import { launchNodeEngine } from '../api/engine-host-node.js';
import { startBrowserServer, type BrowserServer } from '../api/http-server.js';

interface GlobalOptions {
  dataDir: string;
  model?: string;
  device?: DevicePreference;
}

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError('expected a whole number of at least 1');
  return parsed;
}

function nonNegativeInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError('expected a whole number of at least 0');
  return parsed;
}

/** YYYY-MM-DD (local time) or any date Date.parse reads; an end date covers its whole day. */
function dateBound(endOfDay: boolean) {
  return (value: string): number => {
    const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
    const time = day
      ? new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3]) + (endOfDay ? 1 : 0)).getTime() - (endOfDay ? 1 : 0)
      : Date.parse(value);
    if (!Number.isFinite(time)) throw new InvalidArgumentError('expected a date such as 2024-07-31');
    return time;
  };
}

async function openLibrary(options: GlobalOptions): Promise<Library> {
  const library = Library.open({
    dataDir: options.dataDir,
    onNotice: (message) => process.stderr.write(`shoebox: ${message}\n`),
  });
  try {
    if (options.model) await library.useModel(resolveModelDir(options.model, options.dataDir));
    if (options.device) await library.setDevicePreference(options.device);
  } catch (error) {
    await library.close();
    throw error;
  }
  return library;
}

/** `--model` takes a model folder, or the id of a model installed in the data folder. */
function resolveModelDir(model: string, dataDir: string): string {
  if (existsSync(join(model, MANIFEST_FILE))) return resolve(model);
  const installed = join(dataDir, 'models', model);
  if (existsSync(join(installed, MANIFEST_FILE))) return installed;
  if (existsSync(model)) return resolve(model);
  throw new UserError(`No model "${model}": give a model folder, or the id of an installed model.`);
}

async function withLibrary<T>(command: Command, work: (library: Library) => Promise<T> | T): Promise<T> {
  const library = await openLibrary(command.optsWithGlobals<GlobalOptions>());
  try {
    return await work(library);
  } finally {
    await library.close();
  }
}

function printHits(hits: SearchHit[], json: boolean): void {
  if (json) {
    const rows = hits.map((hit) => ({
      path: hit.path,
      score: Number(hit.score.toFixed(6)),
      photoId: hit.photoId,
      takenAt: new Date(hit.takenAt).toISOString(),
      width: hit.width,
      height: hit.height,
    }));
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    return;
  }
  if (hits.length === 0) {
    process.stdout.write('No matching photos.\n');
    return;
  }
  for (const hit of hits) process.stdout.write(`${hit.score.toFixed(3)}  ${hit.path}\n`);
}

function searchOptions(options: {
  limit: number;
  offset: number;
  folder?: string[];
  from?: number;
  to?: number;
}): SearchOptions {
  return {
    limit: options.limit,
    offset: options.offset,
    ...(options.folder ? { folders: options.folder } : {}),
    ...(options.from !== undefined ? { takenFrom: options.from } : {}),
    ...(options.to !== undefined ? { takenTo: options.to } : {}),
  };
}

function addSearchFlags(command: Command): Command {
  return command
    .option('-n, --limit <count>', 'how many photos to show', positiveInteger, 20)
    .option('--offset <count>', 'skip this many of the best matches (paging)', nonNegativeInteger, 0)
    .option('--folder <path...>', 'only photos in these folders')
    .option('--from <date>', 'only photos taken on or after this date', dateBound(false))
    .option('--to <date>', 'only photos taken on or before this date', dateBound(true))
    .option('--json', 'print JSON');
}

async function runIndex(library: Library, options: { watch?: boolean; json?: boolean }): Promise<void> {
  const view = createProgressView('Indexing');
  let scanned = false;
  const handlers = {
    onScan: (progress: { phase: string; done: number; total: number }) => {
      if (!scanned && progress.phase === 'walking') process.stderr.write('Looking for new and changed photos…\n');
      scanned = true;
    },
    onIndex: (progress: {
      done: number;
      total: number;
      photosPerSecond: number;
      etaSeconds: number | null;
      currentPath: string | null;
    }) =>
      view.update(progress.done, progress.total, {
        rate: progress.photosPerSecond,
        eta: progress.etaSeconds,
        label: progress.currentPath ? basename(progress.currentPath) : '',
      }),
  };
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write('\nStopping after the photos in progress (press Ctrl+C again to quit now)…\n');
    library.stopIndexing();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const started = performance.now();
  const watcher = options.watch
    ? await library.watch({
        ...handlers,
        onUpdate: ({ scan, index }) => {
          process.stderr.write(
            `Changes: ${scan.added} new, ${scan.changed} changed, ${scan.moved} moved, ${scan.removed} removed; ` +
              `${index.done} photos indexed.\n`,
          );
        },
        onPaused: (error) => {
          view.stop();
          process.stderr.write(`shoebox: ${error.message} (Shoebox keeps trying while it watches.)\n`);
        },
        onError: (error) => process.stderr.write(`shoebox: ${describeError(error)}\n`),
      })
    : null;
  let summary: IndexRunSummary;
  try {
    summary = watcher ? watcher.initial : await library.index(handlers);
  } finally {
    // A paused index ends in one sentence from main(), on a line of its own.
    view.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  const status = library.status();
  const { index, scan } = summary;
  if (options.json && !options.watch) {
    process.stdout.write(JSON.stringify({ ...summary, seconds, status }, null, 2) + '\n');
  } else {
    process.stderr.write(
      `Indexed ${index.done} photos in ${seconds.toFixed(1)} s (${index.encoded} encoded, ${index.reused} reused, ` +
        `${index.failed} failed; ${scan.added} new, ${scan.changed} changed, ${scan.moved} moved, ${scan.removed} removed).\n`,
    );
    if (status.failed > 0)
      process.stderr.write(`${status.failed} photos could not be indexed: "shoebox status" says why.\n`);
  }
  for (const path of scan.unreachable) {
    process.stderr.write(`Could not read ${path}: its photos were kept as they were.\n`);
  }
  if (!watcher) return;
  if (interrupted) {
    await watcher.close();
    return;
  }

  process.stderr.write(`Watching ${status.folders.length} folder(s) for changes. Press Ctrl+C to stop.\n`);
  await new Promise<void>((resolveStop) => {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    const stop = () => resolveStop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await watcher.close();
}

function packageVersion(): string {
  const manifest = new URL('../../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

export function buildProgram(): Command {
  const program = new Command('shoebox')
    .description('Find your photos by describing them. Everything stays on your machine.')
    .version(packageVersion(), '-V, --version', 'show the Shoebox version')
    .addOption(
      new Option('--data-dir <dir>', 'where the library database, thumbnails and settings live')
        .env('SHOEBOX_DATA_DIR')
        .default(defaultDataDir({}), 'the app-data folder the desktop app uses'),
    )
    .option('--model <dir|id>', 'the CLIP model to use: a model folder or an installed model id')
    .addOption(
      new Option('--device <device>', 'where the model runs (remembered): auto, gpu or cpu').choices(
        DEVICE_PREFERENCES,
      ),
    )
    .showHelpAfterError()
    .configureOutput({ outputError: (text, write) => write(text) });

  program
    .command('add')
    .description('add photo folders to the library')
    .argument('<folder...>')
    .action(async (folders: string[], _options, command: Command) => {
      await withLibrary(command, async (library) => {
        for (const folder of folders) {
          const { folder: added, absorbed } = await library.addFolder(folder);
          process.stdout.write(`Added ${added.path}\n`);
          for (const path of absorbed) process.stdout.write(`  (now includes ${path}, which was a library folder)\n`);
        }
        process.stdout.write('Run "shoebox index" to index the photos.\n');
      });
    });

  program
    .command('remove')
    .description('remove a folder from the library (the photos themselves are not touched)')
    .argument('<folder>')
    .action(async (folder: string, _options, command: Command) => {
      await withLibrary(command, async (library) => {
        await library.removeFolder(folder);
        process.stdout.write(`Removed ${resolve(folder)} from the library.\n`);
      });
    });

  program
    .command('folders')
    .description('list the library folders')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      await withLibrary(command, (library) => {
        const folders = library.folders().map((folder) => folder.path);
        if (options.json) process.stdout.write(JSON.stringify(folders, null, 2) + '\n');
        else
          process.stdout.write(
            folders.length > 0 ? folders.join('\n') + '\n' : 'No folders yet: "shoebox add <folder>".\n',
          );
      });
    });

  const ignore = program.command('ignore').description('file and folder patterns the library skips');
  ignore
    .command('list', { isDefault: true })
    .description('show the ignore patterns')
    .action(async (_options, command: Command) => {
      await withLibrary(command, (library) => {
        const patterns = library.ignorePatterns();
        process.stdout.write(
          patterns.length > 0
            ? patterns.join('\n') + '\n'
            : 'No ignore patterns (hidden and system folders are always skipped).\n',
        );
      });
    });
  /**
   * The library refuses, unconfirmed, a change that would hide more than half of it; asking the
   * same question first lets the refusal say how to confirm here.
   */
  const saveIgnorePatterns = async (library: Library, patterns: string[], yes: boolean): Promise<void> => {
    const { hidden, total } = library.ignoreImpact(patterns);
    if (!yes && hidden * 2 > total) {
      throw new UserError(`This would hide ${hidden} of ${total} photos; run again with --yes to do it.`);
    }
    await library.setIgnorePatterns(patterns, { confirmed: yes });
    process.stdout.write(
      `Saved: the patterns hide ${hidden} of ${total} photos. The next "shoebox index" finds files they no longer hide.\n`,
    );
  };
  const yesOption = ['--yes', 'go ahead even if more than half of the library would be hidden'] as const;
  ignore
    .command('add')
    .description('skip files or folders matching a .gitignore pattern ("*.png", "tmp/", "/raw", "!keep.png")')
    .argument('<pattern...>')
    .option(...yesOption)
    .action(async (patterns: string[], options: { yes?: boolean }, command: Command) => {
      await withLibrary(command, (library) =>
        saveIgnorePatterns(library, [...new Set([...library.ignorePatterns(), ...patterns])], options.yes === true),
      );
    });
  ignore
    .command('remove')
    .description('stop skipping a pattern (removing a "!" pattern can hide more)')
    .argument('<pattern...>')
    .option(...yesOption)
    .action(async (patterns: string[], options: { yes?: boolean }, command: Command) => {
      await withLibrary(command, (library) =>
        saveIgnorePatterns(
          library,
          library.ignorePatterns().filter((p) => !patterns.includes(p)),
          options.yes === true,
        ),
      );
    });

  program
    .command('index')
    .description('find new, changed and removed photos and encode what is new')
    .option('--watch', 'keep running and follow changes to the folders')
    .option('--retry-failed', 'try the photos that could not be indexed again')
    .option('--json', 'print a JSON summary')
    .action(async (options: { watch?: boolean; json?: boolean; retryFailed?: boolean }, command: Command) => {
      await withLibrary(command, async (library) => {
        if (options.retryFailed) {
          const retried = await library.retryFailed();
          process.stderr.write(`Trying ${retried} photo${retried === 1 ? '' : 's'} that could not be indexed again.\n`);
        }
        await runIndex(library, options);
      });
    });

  addSearchFlags(
    program
      .command('search')
      .description('find photos by description; combine terms: beach + 2:sunset - people; a term may be a photo path')
      .argument('<query...>'),
  ).action(async (words: string[], options, command: Command) => {
    await withLibrary(command, async (library) =>
      printHits(await library.search(words.join(' '), searchOptions(options)), Boolean(options.json)),
    );
  });

  addSearchFlags(
    program.command('similar').description('find photos that look like this one').argument('<photo>'),
  ).action(async (photo: string, options, command: Command) => {
    await withLibrary(command, async (library) =>
      printHits(await library.similar(photo, searchOptions(options)), Boolean(options.json)),
    );
  });

  program
    .command('rebuild-index')
    .description('rebuild the search index from the stored embeddings (repairs it and reclaims space)')
    .action(async (_options, command: Command) => {
      await withLibrary(command, async (library) => {
        const count = await library.rebuildSearchIndex();
        process.stdout.write(`Search index rebuilt: ${count} photos.\n`);
      });
    });

  program
    .command('status')
    .description('how many photos are indexed, pending, failed (and why) or skipped')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      await withLibrary(command, (library) => {
        const status = library.status();
        const { failures, skippedFiles } = library.fileReasons();
        if (options.json) {
          const json = {
            ...status,
            model: status.model?.id ?? null,
            modelDetails: status.model,
            failures,
            skippedFiles,
          };
          process.stdout.write(JSON.stringify(json, null, 2) + '\n');
          return;
        }
        const out = [
          `Model: ${status.model ? `${status.model.name} (${status.model.id})` : 'none selected'}`,
          `Device: ${status.device.preference}${status.device.provider ? `, running on ${status.device.provider}` : ''}`,
          `Folders: ${status.folders.length > 0 ? status.folders.join(', ') : 'none'}`,
          `Photos: ${status.photos} (${status.indexed} indexed, ${status.pending} pending, ${status.failed} failed); ${status.skipped} other files skipped`,
        ];
        if (failures.length > 0) out.push('', 'Failed:', ...failures.map((f) => `  ${f.path}: ${f.reason}`));
        process.stdout.write(out.join('\n') + '\n');
      });
    });

  program
    .command('serve')
    .description('run Shoebox in your browser: the full app, on this computer only (127.0.0.1)')
    .option('--port <port>', 'port to listen on (a free one by default)', nonNegativeInteger, 0)
    .action(async (options: { port: number }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      // The engine runs in a child process, so its SQLite work never holds up a web request.
      const engine = await startEngineHost({
        launch: launchNodeEngine,
        settings: {
          dataDir: globals.dataDir,
          ...(globals.model ? { modelDir: resolveModelDir(globals.model, globals.dataDir) } : {}),
          ...(globals.device ? { device: globals.device } : {}),
        },
      });
      let server: BrowserServer | null = null;
      try {
        server = await startBrowserServer(engine, { port: options.port });
        process.stdout.write(`Shoebox is running at ${server.url}\nOpen it in your browser. Press Ctrl+C to stop.\n`);
        await new Promise<void>((resolveStop) => {
          process.once('SIGINT', () => resolveStop());
          process.once('SIGTERM', () => resolveStop());
        });
      } finally {
        await server?.close();
        await engine.close();
      }
    });

  program.addCommand(
    modelsCommand({ dataDir: (command) => command.optsWithGlobals<GlobalOptions>().dataDir, withLibrary }),
  );
  program.addCommand(albumsCommand(withLibrary));
  program.addCommand(classifyCommand(withLibrary));
  program.addCommand(duplicatesCommand(withLibrary));
  program.addCommand(debugCommand());

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof UserError) {
      process.stderr.write(`shoebox: ${error.message}\n`);
      return 1;
    }
    const code = (error as { code?: string; exitCode?: number }).code;
    if (typeof code === 'string' && code.startsWith('commander.')) {
      return (error as { exitCode?: number }).exitCode ?? 1;
    }
    process.stderr.write(`shoebox: unexpected error: ${describeError(error)}\n`);
    if (process.env.SHOEBOX_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return 2;
  }
}
