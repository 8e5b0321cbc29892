/**
 * An error of the local runtime's environment (Java missing, a port taken, DynamoDB Local died) that
 * the developer can fix. `bin/local.ts` prints its message alone: a stack trace would only hide the
 * one line that says what to do.
 */
export class LocalRuntimeError extends Error {
  override readonly name = 'LocalRuntimeError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export const isLocalRuntimeError = (e: unknown): e is LocalRuntimeError => e instanceof LocalRuntimeError;
