import { utilityProcess } from 'electron';
import { WORKER_ENTRY, type WorkerLauncher } from '../worker/host.js';
import { utilityWorkerChannel } from './worker-channel.js';

/**
 * The encoder worker as an Electron utility process (a Node child process cannot be used once
 * the runAsNode fuse is off). Call only after `app` is ready. The channel logic is in
 * worker-channel.ts; this only adapts Electron's object to it.
 */
export const launchUtilityWorker: WorkerLauncher = () => {
  const child = utilityProcess.fork(WORKER_ENTRY, [], {
    serviceName: 'Shoebox encoder',
    stdio: process.env.SHOEBOX_DEBUG ? 'inherit' : 'ignore',
  });
  return utilityWorkerChannel({
    get pid() {
      return child.pid;
    },
    postMessage: (message) => child.postMessage(message),
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => child.on('exit', listener),
    onError: (listener) => child.on('error', (type, location) => listener(type, location)),
    kill: () => child.kill(),
  });
};
