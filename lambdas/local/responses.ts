/**
 * Responses the local server answers itself (signature failures, Cognito Identity, oversized
 * bodies), in the format of docs/behaviour.md#errors so that every client reads the error code: header
 * `x-amzn-ErrorType` with the exact name, `__type` in the body for clients that miss the header.
 */
import type { ServiceError } from '../src/protocol/errors';
import type { SyncHttpResult } from '../src/protocol/http-event';

export const REST_JSON = 'application/json';
export const AWS_JSON_1_1 = 'application/x-amz-json-1.1';

export function jsonResponse(statusCode: number, body: unknown, requestId: string, contentType = REST_JSON): SyncHttpResult {
  return {
    statusCode,
    headers: { 'content-type': contentType, 'x-amzn-RequestId': requestId },
    body: JSON.stringify(body),
  };
}

export function errorResponse(error: ServiceError, requestId: string, contentType = REST_JSON): SyncHttpResult {
  return {
    statusCode: error.statusCode,
    headers: {
      'content-type': contentType,
      'x-amzn-RequestId': requestId,
      'x-amzn-ErrorType': error.name,
    },
    body: JSON.stringify({ __type: error.name, message: error.message }),
  };
}
