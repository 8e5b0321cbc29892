/**
 * The one error writer: a `WireError` as the response AWS clients parse (docs/behaviour.md#errors).
 * The deployed functions (`response.ts` errorResult), the local server's own answers and the local
 * Cognito Identity all write their errors here, so every answer carries the same parts:
 * - `x-amzn-ErrorType` with the exact name, which iOS, the v2 and v3 JavaScript SDKs and botocore read;
 * - `__type` in the body, which Android and .NET read when a proxy lower-cases or drops the header;
 * - `message` (lower-case) in the body, and a header-safe copy in `x-amzn-ErrorMessage`;
 * - `x-amzn-RequestId`, where the SDKs find the request id.
 * Only the status (per binding, `errors.ts`) and the content type differ between rest-json and JSON 1.1.
 */
import type { SyncHttpResult } from './http-event';
import { wireStatusOf, type ErrorBinding, type WireError } from './errors';

const CONTENT_TYPE: Readonly<Record<ErrorBinding, string>> = {
  'rest-json': 'application/json',
  'json-1.1': 'application/x-amz-json-1.1',
};

export const contentTypeOf = (binding: ErrorBinding): string => CONTENT_TYPE[binding];

/** Longest `x-amzn-ErrorMessage` we send; the full message is always in the body. */
const MAX_HEADER_MESSAGE = 1024;

/**
 * A string usable as an HTTP header value: Node and API Gateway refuse CR/LF and other controls,
 * and header bytes are latin-1, so anything else is replaced rather than risk a failed response.
 */
export function headerSafe(text: string): string {
  const clean = text.replace(/[\r\n]+/g, ' ').replace(/[^\t\x20-\x7e\xa0-\xff]/g, '?');
  return clean.length > MAX_HEADER_MESSAGE ? `${clean.slice(0, MAX_HEADER_MESSAGE - 3)}...` : clean;
}

export function errorResponse(error: WireError, requestId: string, binding: ErrorBinding = 'rest-json'): SyncHttpResult {
  return {
    statusCode: wireStatusOf(error, binding),
    headers: {
      'Content-Type': contentTypeOf(binding),
      'x-amzn-RequestId': requestId,
      'x-amzn-ErrorType': error.name,
      'x-amzn-ErrorMessage': headerSafe(error.message),
    },
    body: JSON.stringify({ __type: error.name, message: error.message }),
  };
}
