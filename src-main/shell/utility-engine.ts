import { utilityProcess } from 'electron';
import type { EngineLauncher } from '../api/engine-host.js';
import { ENGINE_ENTRY } from '../api/engine-host-node.js';
import type { FromEngine } from '../api/engine-host-protocol.js';

/**
 * The engine as an Electron utility process, so that the library's synchronous SQLite work runs
 * off the main process, which keeps the windows, menus and protocols. Call only after `app` is
 * ready. The supervision (restarts, closing, desktop calls, worker relay) is the engine host's;
 * this only adapts Electron's object to an EngineProcess.
 */
export const launchUtilityEngine: EngineLauncher = () => {
  const child = utilityProcess.fork(ENGINE_ENTRY, [], {
    serviceName: 'Shoebox engine',
    stdio: 'inherit',
  });
  let fatal: string | null = null;
  let exitDetail: string | null = null;
  const exitListeners: ((detail: string) => void)[] = [];
  child.on('error', (type, location) => (fatal = location ? `${type} at ${location}` : type));
  // Electron emits `exit` once, however the process ended (after `error` for a fatal V8 error).
  child.on('exit', (code) => {
    exitDetail = fatal ? `${fatal}, exit code ${code}` : `exit code ${code}`;
    for (const listener of exitListeners.splice(0)) listener(exitDetail);
  });
  return {
    get pid() {
      return child.pid;
    },
    send: (message) => {
      if (exitDetail === null) child.postMessage(message);
    },
    onMessage: (listener) => child.on('message', (message: unknown) => listener(message as FromEngine)),
    onExit: (listener) => {
      const detail = exitDetail;
      if (detail === null) exitListeners.push(listener);
      else queueMicrotask(() => listener(detail));
    },
    terminate: () => {
      child.kill();
    },
  };
};
