/**
 * The errors of the service, as a model: what went wrong, in the words of the Cognito Sync service
 * model, and nothing about how it travels. The domain, the adapters and every future adapter
 * (Kinesis, SNS, Lambda) throw these; each protocol binding decides the HTTP status of a code
 * (`protocol/errors.ts`). This module imports nothing, so that anything may import it.
 *
 * `name` is the wire code the clients match exactly, so it is set from the code, never derived from
 * the class at runtime (bundlers rename classes). The original failure, when there is one (a
 * throttled DynamoDB call, a refused SNS request), rides along as `cause`.
 */

/** The error codes of the Cognito Sync model, and those AWS front ends answer for any service. */
export type ErrorCode =
  // The service model's errors.
  | 'AlreadyStreamedException'
  | 'ConcurrentModificationException'
  | 'DuplicateRequestException'
  | 'InternalErrorException'
  | 'InvalidConfigurationException'
  | 'InvalidLambdaFunctionOutputException'
  | 'InvalidParameterException'
  | 'LambdaSocketTimeoutException'
  | 'LambdaThrottledException'
  | 'LimitExceededException'
  | 'NotAuthorizedException'
  | 'ResourceConflictException'
  | 'ResourceNotFoundException'
  | 'TooManyRequestsException'
  // What AWS front ends answer before a request reaches the service (docs/behaviour.md#errors).
  | 'AccessDeniedException'
  | 'RequestEntityTooLargeException'
  | 'SerializationException'
  | 'UnknownOperationException'
  // An operation of the table whose work has not landed yet.
  | 'UnsupportedOperationException';

export class SyncError extends Error {
  override readonly name: ErrorCode;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = code;
  }
}

export const isSyncError = (e: unknown): e is SyncError => e instanceof SyncError;

const define =
  (code: ErrorCode) =>
  (message: string, options?: ErrorOptions): SyncError =>
    new SyncError(code, message, options);

/** One factory per code, named after it. */
export const Errors = {
  alreadyStreamed: define('AlreadyStreamedException'),
  concurrentModification: define('ConcurrentModificationException'),
  duplicateRequest: define('DuplicateRequestException'),
  internal: define('InternalErrorException'),
  invalidConfiguration: define('InvalidConfigurationException'),
  invalidLambdaFunctionOutput: define('InvalidLambdaFunctionOutputException'),
  invalidParameter: define('InvalidParameterException'),
  lambdaSocketTimeout: define('LambdaSocketTimeoutException'),
  lambdaThrottled: define('LambdaThrottledException'),
  limitExceeded: define('LimitExceededException'),
  notAuthorized: define('NotAuthorizedException'),
  resourceConflict: define('ResourceConflictException'),
  resourceNotFound: define('ResourceNotFoundException'),
  tooManyRequests: define('TooManyRequestsException'),
  accessDenied: define('AccessDeniedException'),
  requestEntityTooLarge: define('RequestEntityTooLargeException'),
  serialization: define('SerializationException'),
  unknownOperation: define('UnknownOperationException'),
  unavailableOperation: define('UnsupportedOperationException'),
} as const;
