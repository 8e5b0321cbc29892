/**
 * The errors the service answers, with the HTTP status of the service model (docs/behaviour.md#errors).
 *
 * Domain code throws these; the error middleware turns them into the rest-json error response
 * (header `x-amzn-ErrorType`, body `{"__type", "message"}`). The name is the wire code the clients
 * match exactly, so it is the class's `name`, never derived from the class at runtime (bundlers
 * rename classes).
 */
export class ServiceError extends Error {
  constructor(
    /** Wire error code, e.g. `ResourceConflictException`. */
    override readonly name: string,
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

const define = (name: string, statusCode: number) => (message: string) => new ServiceError(name, statusCode, message);

export const Errors = {
  alreadyStreamed: define('AlreadyStreamedException', 400),
  concurrentModification: define('ConcurrentModificationException', 400),
  duplicateRequest: define('DuplicateRequestException', 400),
  internal: define('InternalErrorException', 500),
  invalidConfiguration: define('InvalidConfigurationException', 400),
  invalidLambdaFunctionOutput: define('InvalidLambdaFunctionOutputException', 400),
  invalidParameter: define('InvalidParameterException', 400),
  lambdaThrottled: define('LambdaThrottledException', 429),
  limitExceeded: define('LimitExceededException', 400),
  notAuthorized: define('NotAuthorizedException', 403),
  resourceConflict: define('ResourceConflictException', 409),
  resourceNotFound: define('ResourceNotFoundException', 404),
  tooManyRequests: define('TooManyRequestsException', 429),
  // Not in the model, but what AWS front ends answer (docs/behaviour.md#errors).
  serialization: define('SerializationException', 400),
  accessDenied: define('AccessDeniedException', 403),
  unknownOperation: define('UnknownOperationException', 404),
  /** An operation of the table whose issue has not landed yet. */
  unavailableOperation: define('UnsupportedOperationException', 501),
  // Request signing (local endpoint), with the names and messages AWS uses.
  missingAuthenticationToken: define('MissingAuthenticationTokenException', 403),
  invalidSignature: define('InvalidSignatureException', 403),
  unrecognizedClient: define('UnrecognizedClientException', 403),
  expiredToken: define('ExpiredTokenException', 403),
} as const;

export const isServiceError = (e: unknown): e is ServiceError => e instanceof ServiceError;
