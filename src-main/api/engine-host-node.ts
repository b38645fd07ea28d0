import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { EngineLauncher } from './engine-host.js';
import type { FromEngine } from './engine-host-protocol.js';

/** The engine process's entry, compiled beside this module. */
export const ENGINE_ENTRY = fileURLToPath(new URL('./engine-main.js', import.meta.url));

/**
 * The engine as a Node child process (`shoebox serve`, tests). Advanced serialization carries
 * typed arrays and the like as the Electron port does. Its output goes to the terminal: the
 * engine writes only diagnostics there.
 */
export const launchNodeEngine: EngineLauncher = () =>
  childProcessEngine(
    fork(ENGINE_ENTRY, [], {
      serialization: 'advanced',
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );

/** An engine process over a Node child process with an IPC channel, however it was started. */
export function childProcessEngine(child: ChildProcess): ReturnType<EngineLauncher> {
  return {
    get pid() {
      return child.exitCode === null && child.signalCode === null ? child.pid : undefined;
    },
    send: (message) => {
      if (child.connected) child.send(message);
    },
    onMessage: (listener) => child.on('message', (message) => listener(message as FromEngine)),
    onExit: (listener) => {
      let reported = false;
      const report = (detail: string) => {
        if (reported) return;
        reported = true;
        listener(detail);
      };
      child.on('exit', (code, signal) => report(signal ? `killed by ${signal}` : `exit code ${code}`));
      // A process that could not be started emits `error` and may never emit `exit`.
      child.on('error', (error) => {
        if (child.pid === undefined) report(error.message);
      });
    },
    terminate: () => {
      child.kill('SIGTERM');
    },
  };
}
