/**
 * The Lambda context the local router (dispatch.ts) hands a deployed handler it calls in-process.
 */
import type { Context } from 'aws-lambda';
import type { OperationName } from '../../src/operations';

/** API Gateway HTTP APIs give an integration at most 30 s; the local endpoint keeps the same bound. */
const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * A Lambda context for an in-process call. `getRemainingTimeInMillis` matters: middy uses it to answer
 * a rest-json 500 shortly before the deadline instead of letting the caller hang.
 */
export function lambdaContext(operation: OperationName, requestId: string, timeoutMs = DEFAULT_TIMEOUT_MS): Context {
  const deadline = Date.now() + timeoutMs;
  const unsupported = () => {
    throw new Error('Use the promise result of the handler');
  };
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `open-cognito-sync-${operation}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:open-cognito-sync-${operation}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/open-cognito-sync-${operation}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}
