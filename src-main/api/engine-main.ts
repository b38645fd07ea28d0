import { UserError, describeError } from '../shared/errors.js';
import { requestSchemas } from './contract.js';
import { relayedWorkers } from './engine-host-workers.js';
import type { DesktopAction, EngineOpenOptions, FromEngine, ToEngine } from './engine-host-protocol.js';
import { ShoeboxService, type ServiceOptions } from './service.js';
import { connectToParent } from '../shared/parent-port.js';

/**
 * The engine process: the library, its SQLite database and the indexer run here, so that their
 * synchronous work never blocks the window (desktop) or the web server (`shoebox serve`). It runs
 * as an Electron utility process or a Node child process; only the port to the parent differs.
 * The parent sends `open` first, then calls; everything else is ShoeboxService.
 */
const port = connectToParent<FromEngine, ToEngine>('engine');
const mediaId = requestSchemas.photo.shape.photoId;
const desktopCalls = new Map<number, { resolve(): void; reject(error: Error): void }>();
let nextDesktopCall = 0;
let opening: Promise<ShoeboxService> | null = null;
let closing = false;
let shuttingDown: Promise<never> | null = null;

/** Trash and "show in folder" need Electron's `shell`, which only the parent has: ask it. */
function askParent(action: DesktopAction, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const id = ++nextDesktopCall;
    desktopCalls.set(id, { resolve, reject });
    port.post({ type: 'desktop', id, action, path });
  });
}

const workers = relayedWorkers((message) => port.post(message));

async function open(options: EngineOpenOptions): Promise<ShoeboxService> {
  const serviceOptions: ServiceOptions = {
    dataDir: options.dataDir,
    ...(options.watchStableMs !== undefined ? { watchStableMs: options.watchStableMs } : {}),
    ...(options.cataloguePath !== undefined ? { cataloguePath: options.cataloguePath } : {}),
    ...(options.relayWorkers ? { launchWorker: workers.launcher } : {}),
    ...(options.trashItem ? { trashItem: (path: string) => askParent('trashItem', path) } : {}),
    ...(options.showInFolder
      ? {
          showInFolder: (path: string) =>
            void askParent('showInFolder', path).catch((error: unknown) =>
              process.stderr.write(`shoebox: could not show ${path}: ${describeError(error)}\n`),
            ),
        }
      : {}),
  };
  const service = await ShoeboxService.open(serviceOptions);
  try {
    // The engine process owns the library, so `--model` and `--device` are applied here.
    if (options.modelDir) await service.library.useModel(options.modelDir);
    if (options.device) await service.library.setDevicePreference(options.device);
  } catch (error) {
    await service.close();
    throw error;
  }
  service.subscribe((event) => port.post({ type: 'event', event }));
  service.start();
  return service;
}

/** Stops indexing, closes the database and ends the process: asked by the parent, or its loss. */
function shutDown(): Promise<never> {
  return (shuttingDown ??= closeAndExit());
}

async function closeAndExit(): Promise<never> {
  closing = true;
  let code = 0;
  try {
    await (await opening?.catch(() => null))?.close();
  } catch (error) {
    process.stderr.write(`shoebox: the engine did not close cleanly: ${describeError(error)}\n`);
    code = 1;
  }
  process.exit(code);
}

async function handle(message: ToEngine): Promise<void> {
  switch (message.type) {
    case 'open': {
      if (opening) return;
      opening = open(message.options);
      try {
        await opening;
        port.post({ type: 'ready' });
      } catch (error) {
        // The host ends this process once it has the reason: exiting here could lose the message.
        port.post({ type: 'open-failed', error: describeError(error), userError: error instanceof UserError });
      }
      return;
    }
    case 'dispatch': {
      const service = closing ? null : await opening?.catch(() => null);
      const reply = service
        ? await service.dispatch(message.method, message.request)
        : { ok: false as const, error: closing ? 'Shoebox is closing.' : 'The library is not open.' };
      port.post({ type: 'reply', id: message.id, reply });
      return;
    }
    case 'media': {
      // Whatever transport asked, only a contract photo id reaches the library.
      const valid =
        (message.kind === 'thumb' || message.kind === 'photo') && mediaId.safeParse(message.photoId).success;
      const service = closing || !valid ? null : await opening?.catch(() => null);
      try {
        const file = service ? await service.mediaFile(message.kind, message.photoId) : null;
        port.post({ type: 'media-reply', id: message.id, file, error: null });
      } catch (error) {
        port.post({ type: 'media-reply', id: message.id, file: null, error: describeError(error) });
      }
      return;
    }
    case 'desktop-done': {
      const call = desktopCalls.get(message.id);
      desktopCalls.delete(message.id);
      if (message.error === null) call?.resolve();
      else call?.reject(new UserError(`The system refused: ${message.error}.`));
      return;
    }
    case 'worker-message':
    case 'worker-exit':
      return workers.deliver(message);
    case 'close':
      await shutDown();
  }
}

port.listen((message) => {
  void handle(message).catch((error: unknown) => {
    // A bug, not the person's doing: leave a trace and let the host restart the engine.
    process.stderr.write(`shoebox: the engine failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(70);
  });
});
// Ctrl+C in a terminal reaches the whole process group: the parent decides when the engine closes.
process.on('SIGINT', () => undefined);
// A Node parent that went away (crashed, killed) leaves nothing to answer: close the library.
process.on('disconnect', () => void shutDown());
