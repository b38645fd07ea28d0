/** The channel from a child process to the process that started it, typed by its messages. */
export interface ParentPort<Outgoing, Incoming> {
  post(message: Outgoing): void;
  listen(handler: (message: Incoming) => void): void;
}

interface ElectronParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', handler: (event: { data: unknown }) => void): void;
}

/**
 * The port to the parent, whichever kind started this process: an Electron utility process has
 * `process.parentPort`, a Node child process has its IPC channel. `role` names the process in the
 * error for one started by hand.
 */
export function connectToParent<Outgoing, Incoming>(role: string): ParentPort<Outgoing, Incoming> {
  const parentPort = (process as { parentPort?: ElectronParentPort }).parentPort;
  if (parentPort) {
    return {
      post: (message) => parentPort.postMessage(message),
      listen: (handler) => parentPort.on('message', (event) => handler(event.data as Incoming)),
    };
  }
  if (!process.send) throw new Error(`the Shoebox ${role} must be started by Shoebox, not on its own`);
  return {
    post: (message) => {
      if (process.connected) process.send!(message);
    },
    listen: (handler) => process.on('message', (message) => handler(message as Incoming)),
  };
}
