import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WorkerRequest, WorkerResponse } from '../shared/worker-protocol.js';

/**
 * One running worker process, whatever hosts it. The engine's CLI and browser mode use a Node
 * child process; the desktop app supplies an Electron utility process behind the same shape.
 */
export interface WorkerChannel {
  send(request: WorkerRequest): void;
  onMessage(handler: (response: WorkerResponse) => void): void;
  /** Called once, however the process ended; `detail` says how ("exit code 3", "SIGSEGV"). */
  onExit(handler: (detail: string) => void): void;
  kill(): void;
}

export type WorkerLauncher = () => WorkerChannel;

export const WORKER_ENTRY = fileURLToPath(new URL('./worker-main.js', import.meta.url));

const STDERR_TAIL = 4096;

export const launchNodeWorker: WorkerLauncher = () => {
  const child = fork(WORKER_ENTRY, [], {
    serialization: 'advanced',
    execArgv: [],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  // libvips reports recoverable trouble on stderr; keep the tail for debugging, not the terminal.
  let stderrTail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL);
    if (process.env.SHOEBOX_DEBUG) process.stderr.write(chunk);
  });
  return {
    send: (request) => {
      if (child.connected) child.send(request);
    },
    onMessage: (handler) => child.on('message', (message) => handler(message as WorkerResponse)),
    onExit: (handler) => {
      let reported = false;
      const report = (detail: string) => {
        if (reported) return;
        reported = true;
        handler(detail);
      };
      child.on('exit', (code, signal) => report(signal ? `killed by ${signal}` : `exit code ${code}`));
      child.on('error', (error) => report(error.message));
    },
    kill: () => {
      child.kill('SIGKILL');
    },
  };
};
