import { describeError } from '../shared/errors.js';
import type { WorkerChannel, WorkerLauncher } from '../worker/host.js';
import type { WorkerResponse } from '../shared/worker-protocol.js';
import type { WorkerRelayFromEngine, WorkerRelayToEngine } from './engine-host-protocol.js';

/**
 * Encoder workers started by the engine's parent on the engine's behalf. In the desktop app the
 * engine is itself a utility process, and only Electron main can start another one, so the parent
 * launches each worker and carries its messages both ways. The engine's EncoderClient still does
 * all the supervision: it sees an ordinary WorkerChannel.
 */

/** Engine side: a WorkerLauncher whose channels are carried by the parent. */
export function relayedWorkers(post: (message: WorkerRelayFromEngine) => void): {
  launcher: WorkerLauncher;
  deliver(message: WorkerRelayToEngine): void;
} {
  interface Relayed {
    messageHandlers: ((response: WorkerResponse) => void)[];
    exitHandlers: ((detail: string) => void)[];
    exitDetail: string | null;
  }
  const workers = new Map<number, Relayed>();
  let next = 0;

  const launcher: WorkerLauncher = (): WorkerChannel => {
    const worker = ++next;
    const state: Relayed = { messageHandlers: [], exitHandlers: [], exitDetail: null };
    workers.set(worker, state);
    post({ type: 'worker-launch', worker });
    return {
      send: (request) => {
        if (state.exitDetail === null) post({ type: 'worker-send', worker, request });
      },
      onMessage: (handler) => state.messageHandlers.push(handler),
      // Like every WorkerChannel: the end is reported once, even to a handler added after it.
      onExit: (handler) => {
        const detail = state.exitDetail;
        if (detail === null) state.exitHandlers.push(handler);
        else queueMicrotask(() => handler(detail));
      },
      kill: () => {
        if (state.exitDetail === null) post({ type: 'worker-kill', worker });
      },
    };
  };

  const deliver = (message: WorkerRelayToEngine) => {
    const state = workers.get(message.worker);
    if (!state || state.exitDetail !== null) return;
    if (message.type === 'worker-message') {
      for (const handler of state.messageHandlers) handler(message.response);
      return;
    }
    state.exitDetail = message.detail;
    workers.delete(message.worker);
    for (const handler of state.exitHandlers.splice(0)) handler(message.detail);
  };

  return { launcher, deliver };
}

/** Parent side: starts the workers the engine asks for and carries their traffic. */
export function workerRelay(
  launch: WorkerLauncher | undefined,
  send: (message: WorkerRelayToEngine) => void,
): { handle(message: WorkerRelayFromEngine): void; killAll(): void } {
  const workers = new Map<number, WorkerChannel>();
  return {
    handle: (message) => {
      if (message.type === 'worker-send') return workers.get(message.worker)?.send(message.request);
      if (message.type === 'worker-kill') return workers.get(message.worker)?.kill();
      const { worker } = message;
      let channel: WorkerChannel;
      try {
        if (!launch) throw new Error('this host starts no encoder workers');
        channel = launch();
      } catch (error) {
        send({ type: 'worker-exit', worker, detail: `could not start: ${describeError(error)}` });
        return;
      }
      workers.set(worker, channel);
      channel.onMessage((response) => send({ type: 'worker-message', worker, response }));
      channel.onExit((detail) => {
        workers.delete(worker);
        send({ type: 'worker-exit', worker, detail });
      });
    },
    // The engine that asked for them is gone: nobody will talk to these workers again.
    killAll: () => {
      for (const channel of workers.values()) channel.kill();
    },
  };
}
