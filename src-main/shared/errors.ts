/**
 * A failure the user can act on. Its message is one plain sentence that the CLI prints as it is,
 * without a stack trace; any other error is a bug.
 */
export class UserError extends Error {
  override readonly name: string = 'UserError';
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * Indexing stopped because the data folder cannot take more (disk full, database busy or
 * unwritable): no photo is at fault, so none is marked failed, and the next run finishes the job.
 * The message is one sentence for the person.
 */
export class IndexingPausedError extends UserError {
  override readonly name: string = 'IndexingPausedError';
}
