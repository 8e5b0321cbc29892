/**
 * How errors travel: the HTTP status of each code of the error model (`../errors.ts`), per protocol
 * binding (docs/behaviour.md#errors).
 *
 * The model says what went wrong; a binding says how a client is told. Two bindings answer here:
 * - `rest-json`, Cognito Sync's protocol: the statuses of the service model, and those AWS front
 *   ends use for the errors they answer themselves (403 AccessDenied, 413, 404 UnknownOperation).
 * - `json-1.1`, the protocol of the local Cognito Identity subset (lambdas/local/cognito-identity/):
 *   the same statuses, except that an unknown `X-Amz-Target` is a 400 there, as Coral answers for
 *   JSON 1.1 services, where rest-json's unknown route is a 404.
 *
 * Some errors exist only at the front end and never in the service's model: the signer's refusals
 * (lambdas/src/auth/signing-errors.ts) and the local HTTP server's own answers (431, 408). They are
 * `ProtocolError`s, which carry their status themselves: no binding maps them, because no domain or
 * adapter code could ever throw one. A `WireError` is either kind: what an error writer
 * (`error-response.ts`) turns into a response.
 */
import { isSyncError, type ErrorCode, type SyncError } from '../errors';

export type ErrorBinding = 'rest-json' | 'json-1.1';

/** Cognito Sync's statuses; `satisfies` makes a new code of the model fail to compile until it has one. */
const REST_JSON_STATUS = {
  AlreadyStreamedException: 400,
  ConcurrentModificationException: 400,
  DuplicateRequestException: 400,
  InternalErrorException: 500,
  InvalidConfigurationException: 400,
  InvalidLambdaFunctionOutputException: 400,
  InvalidParameterException: 400,
  // Not in the model and its status is not documented; a client fault like its siblings (the
  // customer's trigger function did not answer), as InvalidLambdaFunctionOutputException is.
  LambdaSocketTimeoutException: 400,
  LambdaThrottledException: 429,
  LimitExceededException: 400,
  NotAuthorizedException: 403,
  ResourceConflictException: 409,
  ResourceNotFoundException: 404,
  TooManyRequestsException: 429,
  AccessDeniedException: 403,
  RequestEntityTooLargeException: 413,
  SerializationException: 400,
  UnknownOperationException: 404,
  UnsupportedOperationException: 501,
} as const satisfies Record<ErrorCode, number>;

const JSON_1_1_STATUS: Readonly<Record<ErrorCode, number>> = { ...REST_JSON_STATUS, UnknownOperationException: 400 };

const STATUS: Readonly<Record<ErrorBinding, Readonly<Record<ErrorCode, number>>>> = {
  'rest-json': REST_JSON_STATUS,
  'json-1.1': JSON_1_1_STATUS,
};

/** The HTTP status of a model error code in a binding. */
export const httpStatusOf = (code: ErrorCode, binding: ErrorBinding = 'rest-json'): number => STATUS[binding][code];

/** An error only a front end answers (a signature refused, headers too large): it brings its own status. */
export class ProtocolError extends Error {
  constructor(
    /** Wire error code, e.g. `InvalidSignatureException`. */
    override readonly name: string,
    readonly statusCode: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export const isProtocolError = (e: unknown): e is ProtocolError => e instanceof ProtocolError;

/** What an error writer answers as such; anything else is a bug or an outage (a generic 500). */
export type WireError = SyncError | ProtocolError;

export const isWireError = (e: unknown): e is WireError => isSyncError(e) || isProtocolError(e);

/** The status `error` is answered with in `binding`. */
export const wireStatusOf = (error: WireError, binding: ErrorBinding = 'rest-json'): number =>
  isProtocolError(error) ? error.statusCode : httpStatusOf(error.code, binding);

/** An operation that has not landed yet answers 501: expected, not a failure of the deployment. */
const NOT_IMPLEMENTED = 501;

/** True when the service, not the client, failed: worth a log line with the cause. */
export const isServerFault = (status: number): boolean => status >= 500 && status !== NOT_IMPLEMENTED;
