/** A job that was still waiting when the coordinator closed; it never ran. */
export class CancelledError extends Error {
  override readonly name = 'CancelledError';
}

export interface JobOptions {
  /**
   * A long job that gives way: when other work is queued it is asked to stop (its signal aborts
   * with reason "yield"), and once that work is done it runs again, its promise still pending.
   * Index drains are such jobs, so a model switch or a watcher batch never waits for a drain.
   */
  yields?: boolean;
  /** A job of the same key already queued or running is joined instead of queued twice. */
  key?: string;
}

interface Entry {
  name: string;
  work: (signal: AbortSignal) => Promise<unknown>;
  options: JobOptions;
  controller: AbortController;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  promise: Promise<unknown>;
}

const YIELD = 'yield';
const STOP = 'stop';

/**
 * The one ordered queue for every change to a library: start-up reconcile, watcher batches,
 * index drains, model and device changes, folder and ignore changes, moves to the trash. One job
 * runs at a time, in order, so each sees the finished work of those before it; this object is
 * the single owner of "what is running now". Reads never come through here.
 */
export class Coordinator {
  private readonly queue: Entry[] = [];
  private current: Entry | null = null;
  private closed = false;
  private pumping: Promise<void> = Promise.resolve();

  /** Queues `work`; it runs after everything queued before it. */
  run<T>(name: string, work: (signal: AbortSignal) => Promise<T>, options: JobOptions = {}): Promise<T> {
    if (this.closed) return Promise.reject(new CancelledError(`Shoebox is closing: "${name}" was not started.`));
    if (options.key !== undefined) {
      const same = [this.current, ...this.queue].find(
        (entry) => entry !== null && entry.options.key === options.key && entry.controller.signal.reason !== STOP,
      );
      if (same) return same.promise as Promise<T>;
    }
    let resolve!: (value: unknown) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<unknown>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.queue.push({ name, work, options, controller: new AbortController(), resolve, reject, promise });
    if (this.current?.options.yields) this.current.controller.abort(YIELD);
    this.pump();
    return promise as Promise<T>;
  }

  /** The job running now, by name, or null when idle. */
  running(): string | null {
    return this.current?.name ?? null;
  }

  /** Whether a job with this key is queued or running. */
  has(key: string): boolean {
    return [this.current, ...this.queue].some((entry) => entry?.options.key === key);
  }

  /** Asks the jobs with this key to finish early: the running one stops at its next safe point. */
  stop(key: string): void {
    for (const entry of [this.current, ...this.queue]) {
      if (entry?.options.key === key) entry.controller.abort(STOP);
    }
  }

  /** Resolves when nothing is queued or running. */
  async idle(): Promise<void> {
    while (this.current || this.queue.length > 0) await this.pumping;
  }

  /**
   * Cancels what waits, asks the running job to stop and waits for it: what it finished stays
   * finished, and what never ran is found again by the next start's reconcile.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const entry of this.queue.splice(0)) {
      entry.reject(new CancelledError(`Shoebox is closing: "${entry.name}" was not started.`));
    }
    this.current?.controller.abort(STOP);
    await this.pumping;
  }

  private pump(): void {
    if (this.current) return;
    this.pumping = (async () => {
      for (let entry = this.queue.shift(); entry; entry = this.queue.shift()) {
        this.current = entry;
        try {
          const value = await entry.work(entry.controller.signal);
          if (entry.controller.signal.reason === YIELD && !this.closed) {
            // It gave way to newer work: it goes on after that, as the same job.
            entry.controller = new AbortController();
            this.queue.push(entry);
          } else {
            entry.resolve(value);
          }
        } catch (error) {
          entry.reject(error);
        } finally {
          this.current = null;
        }
      }
    })();
  }
}
