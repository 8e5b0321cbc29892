/**
 * Every request the migration sends to a source endpoint goes through one `SourceCall` hook, so
 * that a rate limiter and a retry policy see each attempt. The SDK clients are built with
 * `maxAttempts: 1`: retries happen here, where the limiter counts them, not hidden inside the SDK.
 */
import { sleep } from '../../src/common/sleep';

/**
 * Runs one source request. `attempt` sends it once and may be called again (a retry); `operation`
 * is the API operation's name (`ListRecords`, `ListIdentities`, ...), for limits per operation and
 * for messages.
 */
export type SourceCall = <T>(operation: string, attempt: () => Promise<T>) => Promise<T>;

/** Sends the request once, as it is: no limit, no retry. */
export const directCall: SourceCall = (_operation, attempt) => attempt();

/**
 * `outer` around `inner`: `chainCalls(retry, limiter)` retries, and each attempt waits for the
 * limiter, so a retried request is counted against the rate again.
 */
export const chainCalls =
  (outer: SourceCall, inner: SourceCall): SourceCall =>
  (operation, attempt) =>
    outer(operation, () => inner(operation, attempt));

/** Error names the Cognito Sync and Cognito Identity APIs use for throttling. */
const THROTTLING = new Set(['TooManyRequestsException', 'ThrottlingException', 'Throttling', 'RequestLimitExceeded', 'LimitExceededException']);
/** Faults of the service or the connection, which a later attempt may not meet. */
const TRANSIENT = new Set(['InternalErrorException', 'InternalFailure', 'ServiceUnavailable', 'ServiceUnavailableException', 'RequestTimeout', 'TimeoutError']);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET']);

interface ErrorLike {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

export function isThrottling(error: unknown): boolean {
  const e = error as ErrorLike | undefined;
  // Cognito Identity's LimitExceededException is its throttling error (429) too; Cognito Sync's is a
  // 400 about dataset limits, which no retry cures, so the status decides for that name.
  if (e?.name === 'LimitExceededException') return e.$metadata?.httpStatusCode === 429;
  return (typeof e?.name === 'string' && THROTTLING.has(e.name)) || e?.$metadata?.httpStatusCode === 429;
}

export function isTransient(error: unknown): boolean {
  const e = error as ErrorLike | undefined;
  if (typeof e?.name === 'string' && TRANSIENT.has(e.name)) return true;
  if (typeof e?.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  const status = e?.$metadata?.httpStatusCode;
  return status !== undefined && status >= 500;
}

export interface RetryOptions {
  /** Attempts in all, the first included. */
  readonly maxAttempts?: number;
  /** The first back-off's ceiling; it doubles with each attempt, up to `maxDelayMs`. */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Told of each retry (a progress line counts them). */
  readonly onRetry?: (operation: string, attempt: number, error: unknown, delayMs: number) => void;
  /** For tests: how to wait and where the jitter comes from. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

export const DEFAULT_RETRY = { maxAttempts: 8, baseDelayMs: 100, maxDelayMs: 20_000 } as const;

/**
 * Retries throttling and transient faults with exponential back-off and full jitter (AWS's
 * recommended scheme: a random wait up to the doubled ceiling), so parallel workers that were
 * throttled together do not come back together. Other errors (a refused signature, a missing pool)
 * are thrown at once: retrying them only hides the cause.
 */
export function retryingCall(options: RetryOptions = {}): SourceCall {
  const maxAttempts = options.maxAttempts ?? DEFAULT_RETRY.maxAttempts;
  const base = options.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs;
  const max = options.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
  const wait = options.sleep ?? sleep;
  const random = options.random ?? Math.random;
  return async (operation, attempt) => {
    for (let n = 1; ; n++) {
      try {
        return await attempt();
      } catch (error) {
        if (n >= maxAttempts || !(isThrottling(error) || isTransient(error))) throw error;
        const delayMs = Math.floor(random() * Math.min(max, base * 2 ** (n - 1)));
        options.onRetry?.(operation, n, error, delayMs);
        await wait(delayMs);
      }
    }
  };
}
