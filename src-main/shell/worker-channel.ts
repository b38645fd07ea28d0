import type { WorkerChannel } from '../worker/host.js';
import type { WorkerRequest, WorkerResponse } from '../shared/worker-protocol.js';

/**
 * The parts of an Electron `UtilityProcess` the channel uses, so that the channel's logic is
 * plain code (tested with real processes) and the Electron wiring is a one-line adapter.
 */
export interface UtilityProcessLike {
  /** Undefined before the process has spawned and after it has exited. */
  readonly pid: number | undefined;
  postMessage(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Electron emits `exit` once, however the process ended (also after a launch failure). */
  onExit(listener: (code: number) => void): void;
  /** Electron's `error` event: a fatal V8 error; `exit` follows. */
  onError(listener: (type: string, location: string) => void): void;
  /** Electron's kill(): SIGTERM on POSIX, TerminateProcess on Windows; false when already gone. */
  kill(): boolean;
}

export interface UtilityChannelOptions {
  /** How long after kill() a process that is still there is killed outright (a hung worker may ignore SIGTERM). */
  forceKillAfterMs?: number;
  /** Kills by pid; process.kill(pid, 'SIGKILL') by default. */
  forceKill?: (pid: number) => void;
}

/**
 * A WorkerChannel over an Electron utility process. The engine's EncoderClient does the
 * supervision (failing calls in flight, restarting with back-off); the channel only has to carry
 * messages and report the end of the process exactly once, even to a handler added after it ended.
 */
export function utilityWorkerChannel(child: UtilityProcessLike, options: UtilityChannelOptions = {}): WorkerChannel {
  const exitHandlers: ((detail: string) => void)[] = [];
  let exitDetail: string | null = null;
  let fatal: string | null = null;
  let forceTimer: NodeJS.Timeout | null = null;
  const forceKill =
    options.forceKill ??
    ((pid: number) => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    });

  child.onError((type, location) => {
    fatal = location ? `${type} at ${location}` : type;
  });
  child.onExit((code) => {
    if (exitDetail !== null) return;
    if (forceTimer) clearTimeout(forceTimer);
    exitDetail = fatal ? `${fatal}, exit code ${code}` : `exit code ${code}`;
    for (const handler of exitHandlers.splice(0)) handler(exitDetail);
  });

  return {
    send: (request: WorkerRequest) => {
      if (exitDetail === null) child.postMessage(request);
    },
    onMessage: (handler) => child.onMessage((message) => handler(message as WorkerResponse)),
    onExit: (handler) => {
      if (exitDetail === null) exitHandlers.push(handler);
      else {
        const detail = exitDetail;
        queueMicrotask(() => handler(detail));
      }
    },
    kill: () => {
      if (exitDetail !== null || forceTimer) return;
      const pid = child.pid;
      child.kill();
      if (pid === undefined) return;
      forceTimer = setTimeout(() => {
        if (exitDetail === null) forceKill(pid);
      }, options.forceKillAfterMs ?? 3000);
      forceTimer.unref();
    },
  };
}
