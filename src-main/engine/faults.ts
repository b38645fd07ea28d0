import { IndexingPausedError } from '../shared/errors.js';
import { storeFaultReason } from '../shared/store-faults.js';

/** The one sentence a person reads when indexing pauses for a store fault. */
export function pausedError(reason: string, dataDir: string): IndexingPausedError {
  return new IndexingPausedError(
    `Indexing paused: ${reason} (${dataDir}). No photo was marked as failed; ` +
      'once this is fixed, indexing goes on where it stopped.',
  );
}

/** Store faults become IndexingPausedError; anything else is passed on as it is. */
export function asPaused(error: unknown, dataDir: string): unknown {
  if (error instanceof IndexingPausedError) return error;
  const reason = storeFaultReason(error);
  return reason ? pausedError(reason, dataDir) : error;
}
