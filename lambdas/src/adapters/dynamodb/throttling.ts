/**
 * DynamoDB's "slow down" as the model's `TooManyRequestsException`, which every Cognito Sync SDK
 * retries, rather than as an internal error. The DynamoDB error is kept as `cause`, so that logs
 * still say which call was throttled and why.
 *
 * It runs as a middleware of the store's document client, outside the SDK's own retries: only a
 * throttle the SDK gave up on reaches it.
 */
import type { InitializeMiddleware, MetadataBearer } from '@smithy/types';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Errors, type SyncError } from '../../errors';

/** DynamoDB's error names for throttling. */
const THROTTLING_ERRORS = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded']);

/** The cancellation reasons of a transaction that was throttled, item by item. */
const THROTTLING_CANCELLATION_CODES = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded']);

type CancellationReasons = { CancellationReasons?: { Code?: string }[] };

/** The model error for a throttled DynamoDB call, or undefined when `e` is no throttling. */
export function throttlingError(e: unknown): SyncError | undefined {
  const error = e as Error & CancellationReasons;
  const throttled =
    THROTTLING_ERRORS.has(error?.name) ||
    // A transaction cancelled because one of its items was throttled would otherwise read as "the
    // head moved" and be retried at once, adding load where there is too much.
    (error?.name === 'TransactionCanceledException' &&
      (error.CancellationReasons ?? []).some((reason) => THROTTLING_CANCELLATION_CODES.has(reason.Code ?? '')));
  return throttled ? Errors.tooManyRequests('Rate exceeded: too many requests for this identity; retry later.', { cause: e }) : undefined;
}

const throttlingAsTooManyRequests: InitializeMiddleware<object, MetadataBearer> = (next) => async (args) => {
  try {
    return await next(args);
  } catch (e) {
    throw throttlingError(e) ?? e;
  }
};

/** Makes every call of `doc` answer throttling with the model's `TooManyRequestsException`. */
export function mapThrottlingToTooManyRequests(doc: DynamoDBDocumentClient): void {
  doc.middlewareStack.add(throttlingAsTooManyRequests, {
    step: 'initialize',
    priority: 'high',
    name: 'throttlingAsTooManyRequests',
    override: true,
  });
}
