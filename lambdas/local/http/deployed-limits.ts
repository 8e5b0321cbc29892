/**
 * The size limits a request meets when deployed, applied to the local endpoint so that a request
 * that passes here also passes on AWS.
 *
 * Deployed, a request crosses two limits:
 * - API Gateway HTTP API: 10 MB of payload ("Quotas for configuring and running an HTTP API", not
 *   adjustable).
 * - Lambda, synchronous invocation: 6 MB each for the request and the response ("Lambda quotas",
 *   Invoke API). What Lambda measures is its *invocation payload*: the JSON of the payload 2.0
 *   event, where the HTTP body is one JSON string, escaped once more (`"` -> `\"`, `\u0001` ->
 *   `\\u0001`), plus the headers and request context; and, on the way back, the JSON of the
 *   function's result, whose `body` is again an escaped string. Lambda's own errors put the figures
 *   at 6,291,456 bytes for the request ("Request must be smaller than 6291456 bytes for the
 *   InvokeFunction operation") and 6,291,556 for the response ("Exceeded maximum allowed payload
 *   size (6291556 bytes)"); we hold both to the smaller one.
 *
 * Lambda's limit is always the one that binds: the event is never smaller than the body, so any body
 * under API Gateway's 10 MB but over 6 MB already fails Lambda's.
 *
 * What a client sees when Lambda refuses the event is not documented for HTTP APIs (REST APIs answer
 * 413 `{"message":"Request Too Long"}`; HTTP APIs answer integration failures with 500
 * `{"message":"Internal Server Error"}`). Locally an oversized request gets 413
 * RequestEntityTooLargeException in the rest-json format, which every client reads as a final,
 * not retryable, refusal. An oversized *result* is answered as the HTTP API answers a failed
 * integration, 500: the service must never produce one (ListRecords pages and UpdateRecords check
 * the size of what they return), so a 500 here is a bug to see, not to hide.
 *
 * One unknown remains: whether API Gateway escapes non-ASCII characters when it serializes the
 * event. JSON.stringify does not, so we count them as their UTF-8 bytes. Escaped as `\uXXXX` they
 * would take 7 bytes a UTF-16 unit in the event; the largest valid update of such characters
 * (1 MB of 2-byte characters: 524,288 units) would still be about 3.7 MB, under the limit.
 */
import { Errors, type SyncError } from '../../src/errors';
import type { SyncHttpEvent, SyncHttpResult } from '../../src/protocol/http-event';

/** Lambda's synchronous request limit, on the JSON of the event: 6 MiB. */
export const MAX_EVENT_BYTES = 6 * 1024 * 1024;

/** Lambda's synchronous response limit is 100 bytes more; we keep to the request's figure. */
export const MAX_RESULT_BYTES = 6 * 1024 * 1024;

/** API Gateway HTTP API's payload limit: 10 MB of body. Lambda's limit binds first (see above). */
export const API_GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;

/** The size Lambda counts for a payload: the UTF-8 bytes of its JSON. */
export const invocationPayloadBytes = (payload: SyncHttpEvent | SyncHttpResult): number => Buffer.byteLength(JSON.stringify(payload), 'utf8');

/** The refusal of a request whose event Lambda would not accept, or `undefined` when it fits. */
export function checkEventSize(event: SyncHttpEvent): SyncError | undefined {
  const bytes = invocationPayloadBytes(event);
  if (bytes <= MAX_EVENT_BYTES) return undefined;
  return Errors.requestEntityTooLarge(
    `Request Entity Too Large: the request, as the deployed service receives it (its body JSON-escaped ` +
      `inside the Lambda event), is ${bytes} bytes; the limit is ${MAX_EVENT_BYTES}. ` +
      `Send fewer or smaller records per UpdateRecords.`,
  );
}

/** True when Lambda would refuse to return this result. */
export const isResultTooLarge = (result: SyncHttpResult): boolean => invocationPayloadBytes(result) > MAX_RESULT_BYTES;

/** What API Gateway HTTP API answers when the integration fails: 500, `{"message":"Internal Server Error"}`. */
export function integrationFailure(requestId: string): SyncHttpResult {
  return {
    statusCode: 500,
    // As API Gateway sends it: no x-amzn-ErrorType, so clients report a generic 500.
    headers: { 'content-type': 'application/json', 'x-amzn-RequestId': requestId },
    body: JSON.stringify({ message: 'Internal Server Error' }),
  };
}
