/**
 * A failure the user can act on. Its message is one plain sentence that the CLI prints as it is,
 * without a stack trace; any other error is a bug.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
