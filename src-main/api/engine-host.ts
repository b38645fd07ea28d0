import { UserError, describeError } from '../shared/errors.js';
import type { WorkerLauncher } from '../worker/host.js';
import type { ApiEvent } from './contract.js';
import type {
  DispatchReply,
  EngineSettings,
  FromEngine,
  MediaFile,
  MediaKind,
  ToEngine,
} from './engine-host-protocol.js';
import { workerRelay } from './engine-host-workers.js';

export type { DispatchReply, EngineSettings, MediaFile, MediaKind } from './engine-host-protocol.js';

/**
 * The engine as the transports (Electron IPC and the photo protocol, HTTP + WebSocket) see it,
 * wherever it runs. ShoeboxService itself has this shape; the hosts below run it in a process of
 * its own, so that synchronous SQLite work never blocks a window, a menu or a web request.
 */
export interface EngineHost {
  /** Validates and runs one API call; a problem comes back as one sentence. */
  dispatch(method: string, request: unknown): Promise<DispatchReply>;
  subscribe(listener: (event: ApiEvent) => void): () => void;
  /** The file behind a media id, or null; the engine alone decides which files may be read. */
  mediaFile(kind: MediaKind, photoId: number): Promise<MediaFile | null>;
  close(): Promise<void>;
}

/**
 * One running engine process, whatever starts it: a Node child process (`shoebox serve`, see
 * engine-host-node.ts) or an Electron utility process (the desktop app, src-main/shell/).
 */
export interface EngineProcess {
  /** Undefined before it has spawned and after it has exited. */
  readonly pid: number | undefined;
  /** Dropped once the process has gone. */
  send(message: ToEngine): void;
  onMessage(listener: (message: FromEngine) => void): void;
  /** Called once, however the process ended; `detail` says how ("exit code 3", "killed by SIGKILL"). */
  onExit(listener: (detail: string) => void): void;
  /** Asks the operating system to end it (SIGTERM on POSIX). */
  terminate(): void;
}

export type EngineLauncher = () => EngineProcess;

export interface RestartPolicy {
  /** The first restart waits this long; each further one in a row twice as long… */
  firstDelayMs: number;
  /** …up to this. */
  maxDelayMs: number;
  /** After this many restarts in a row the host gives up and says so. */
  maxRestarts: number;
  /** An engine that ran this long was healthy: the count of restarts in a row starts again. */
  healthyAfterMs: number;
}

export interface EngineHostOptions {
  settings: EngineSettings;
  launch: EngineLauncher;
  /** Desktop only: answered here, on the engine's behalf. */
  trashItem?: (path: string) => Promise<void>;
  showInFolder?: (path: string) => void;
  /** Starts encoder workers for the engine, when the engine cannot start them itself (Electron). */
  launchWorker?: WorkerLauncher;
  restart?: Partial<RestartPolicy>;
  /** How long close() waits for the engine to stop indexing and close the database. */
  closeTimeoutMs?: number;
  /** How long an engine that ignored SIGTERM gets before SIGKILL. */
  forceKillAfterMs?: number;
}

export interface SupervisedEngineHost extends EngineHost {
  /** The engine process running now, if any. */
  readonly pid: number | undefined;
}

const DEFAULT_RESTART: RestartPolicy = {
  firstDelayMs: 500,
  maxDelayMs: 10_000,
  maxRestarts: 5,
  healthyAfterMs: 60_000,
};

const CLOSING = 'Shoebox is closing.';

/** The engine answered a call with the other kind of reply: a bug, said as one sentence. */
function mismatch(type: string): { ok: false; error: string } {
  return { ok: false, error: `The engine answered with an unexpected ${type}.` };
}

/** A call waiting for the engine: `answer` takes its reply, `fail` says why none will come. */
interface Call {
  answer(message: Extract<FromEngine, { type: 'reply' | 'media-reply' }>): void;
  fail(error: string): void;
}

interface Incarnation {
  process: EngineProcess;
  startedAt: number;
  exited: Promise<void>;
  relay: ReturnType<typeof workerRelay>;
}

/**
 * Starts the engine in its own process and keeps it running: resolves once the library is open,
 * or rejects with the engine's reason (a UserError when the person can act on it). If the engine
 * dies later, the calls in flight answer one sentence, listeners get a notice, and it is started
 * again after a growing delay, a bounded number of times in a row.
 */
export async function startEngineHost(options: EngineHostOptions): Promise<SupervisedEngineHost> {
  const policy: RestartPolicy = { ...DEFAULT_RESTART, ...options.restart };
  const listeners = new Set<(event: ApiEvent) => void>();
  const calls = new Map<number, Call>();
  let nextCall = 0;
  let current: Incarnation | null = null;
  /** Why calls cannot be answered now, while no engine runs. */
  let unavailable = 'The engine is starting.';
  let restartsInARow = 0;
  let restartTimer: NodeJS.Timeout | null = null;
  /** Set once the first engine opened: only then is an engine that dies restarted. */
  let started = false;
  let closing: Promise<void> | null = null;

  const emit = (event: ApiEvent) => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        process.stderr.write(`shoebox: an event listener failed: ${describeError(error)}\n`);
      }
    }
  };

  const answerDesktop = async (action: 'trashItem' | 'showInFolder', path: string): Promise<void> => {
    if (action === 'trashItem') {
      if (!options.trashItem) throw new Error('moving to the trash is not available here');
      await options.trashItem(path);
    } else {
      if (!options.showInFolder) throw new Error('showing files is not available here');
      options.showInFolder(path);
    }
  };

  /** Launches one engine process; `opened` settles when its library is open or it failed to open. */
  const launch = (): Promise<void> => {
    const child = options.launch();
    let gone = false;
    let settleOpen: (error: Error | null) => void = () => undefined;
    const opened = new Promise<void>((resolve, reject) => {
      settleOpen = (error) => (error ? reject(error) : resolve());
    });
    let exitedResolve: () => void = () => undefined;
    const incarnation: Incarnation = {
      process: child,
      startedAt: Date.now(),
      exited: new Promise<void>((resolve) => (exitedResolve = resolve)),
      relay: workerRelay(options.launchWorker, (message) => {
        if (!gone) child.send(message);
      }),
    };
    child.onMessage((message) => {
      switch (message.type) {
        case 'ready':
          return settleOpen(null);
        case 'open-failed':
          // Without a library the process has nothing to serve; its exit leads to a restart, if any.
          settleOpen(message.userError ? new UserError(message.error) : new Error(message.error));
          return child.terminate();
        case 'reply':
        case 'media-reply': {
          const call = calls.get(message.id);
          calls.delete(message.id);
          return call?.answer(message);
        }
        case 'event':
          return emit(message.event);
        case 'desktop': {
          const done = (error: string | null) => {
            if (!gone) child.send({ type: 'desktop-done', id: message.id, error });
          };
          void answerDesktop(message.action, message.path).then(
            () => done(null),
            (error: unknown) => done(describeError(error)),
          );
          return;
        }
        case 'worker-launch':
        case 'worker-send':
        case 'worker-kill':
          return incarnation.relay.handle(message);
      }
    });
    child.onExit((detail) => {
      if (gone) return;
      gone = true;
      settleOpen(new Error(`The engine stopped while opening the library (${detail}).`));
      incarnation.relay.killAll();
      if (current === incarnation) current = null;
      const reason = closing ? CLOSING : `The engine stopped unexpectedly (${detail}).`;
      for (const call of calls.values()) call.fail(reason);
      calls.clear();
      exitedResolve();
      if (started && !closing) scheduleRestart(incarnation, detail);
    });
    current = incarnation;
    child.send({
      type: 'open',
      options: {
        ...options.settings,
        trashItem: options.trashItem !== undefined,
        showInFolder: options.showInFolder !== undefined,
        relayWorkers: options.launchWorker !== undefined,
      },
    });
    return opened;
  };

  const scheduleRestart = (ended: Incarnation, detail: string) => {
    if (Date.now() - ended.startedAt >= policy.healthyAfterMs) restartsInARow = 0;
    if (restartsInARow >= policy.maxRestarts) {
      unavailable = `The engine stopped ${restartsInARow + 1} times in a row (last: ${detail}); restart Shoebox.`;
      emit({ type: 'notice', message: unavailable });
      return;
    }
    const delay = Math.min(policy.firstDelayMs * 2 ** restartsInARow, policy.maxDelayMs);
    restartsInARow++;
    unavailable = 'The engine is restarting; try again in a moment.';
    emit({ type: 'notice', message: `The engine stopped unexpectedly (${detail}); restarting it.` });
    restartTimer = setTimeout(() => {
      restartTimer = null;
      if (closing) return;
      try {
        // A restarted engine that cannot open its library exits, which lands back here.
        launch().catch((error: unknown) =>
          emit({ type: 'notice', message: `The engine could not restart: ${describeError(error)}` }),
        );
      } catch (error) {
        scheduleRestart({ ...ended, startedAt: Date.now() }, describeError(error));
      }
    }, delay);
  };

  /** Sends one call to the running engine; `fail` answers it when there is none or it dies first. */
  const request = (send: (id: number) => ToEngine, call: Call) => {
    if (closing) return call.fail(CLOSING);
    if (!current) return call.fail(unavailable);
    const id = ++nextCall;
    calls.set(id, call);
    try {
      current.process.send(send(id));
    } catch (error) {
      // A request that cannot be copied to another process (a function, a symbol) is not valid.
      calls.delete(id);
      call.fail(`The request could not be sent to the engine (${describeError(error)}).`);
    }
  };

  const within = (promise: Promise<void>, ms: number) =>
    new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      void promise.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });

  const shutDown = async () => {
    if (restartTimer) clearTimeout(restartTimer);
    const running = current;
    if (!running) return;
    running.process.send({ type: 'close' });
    if (await within(running.exited, options.closeTimeoutMs ?? 10_000)) return;
    process.stderr.write('shoebox: the engine did not close in time; stopping it.\n');
    const pid = running.process.pid;
    running.process.terminate();
    if (await within(running.exited, options.forceKillAfterMs ?? 3000)) return;
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone in the meantime.
      }
    }
    await within(running.exited, options.forceKillAfterMs ?? 3000);
  };

  await launch();
  started = true;

  return {
    get pid() {
      return current?.process.pid;
    },
    dispatch: (method, body) =>
      new Promise<DispatchReply>((resolve) =>
        request((id) => ({ type: 'dispatch', id, method, request: body }), {
          answer: (message) => resolve(message.type === 'reply' ? message.reply : mismatch(message.type)),
          fail: (error) => resolve({ ok: false, error }),
        }),
      ),
    // A lookup that cannot be answered rejects: the transports answer it as a server error, not a 404.
    mediaFile: (kind, photoId) =>
      new Promise<MediaFile | null>((resolve, reject) =>
        request((id) => ({ type: 'media', id, kind, photoId }), {
          answer: (message) => {
            if (message.type !== 'media-reply') reject(new Error(mismatch(message.type).error));
            else if (message.error !== null) reject(new Error(message.error));
            else resolve(message.file);
          },
          fail: (error) => reject(new Error(error)),
        }),
      ),
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => (closing ??= shutDown()),
  };
}
