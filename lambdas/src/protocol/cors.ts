/**
 * What browsers need to call the deployed API: the CORS settings of the HTTP API (lib/sync-api.ts),
 * and the answer to a preflight when one reaches a function.
 *
 * Browsers send preflights (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) unsigned.
 * The API's `$default` route carries the IAM authorizer and would catch them with a 403, so the
 * stack routes `OPTIONS /{proxy+}` without authorization to the unknown-route function, which
 * answers here. With CORS configured, API Gateway puts its own configured CORS headers on that
 * answer (it ignores an integration's); these headers are the same, for when it does not.
 */
import { headerValue } from './headers';
import type { SyncHttpEvent, SyncHttpResult } from './http-event';

/** Headers a browser sends with a SigV4-signed Cognito Sync request. */
export const CORS_ALLOW_HEADERS = [
  'authorization',
  'content-type',
  'x-amz-date',
  'x-amz-security-token',
  'x-amz-content-sha256',
  'x-amz-user-agent',
  'x-amz-client-context',
  'amz-sdk-invocation-id',
  'amz-sdk-request',
];

/** Response headers the SDKs read. */
export const CORS_EXPOSE_HEADERS = ['x-amzn-RequestId', 'x-amzn-ErrorType', 'x-amzn-ErrorMessage', 'Date'];

/** The methods of the operations (lambdas/src/operations.ts). */
export const CORS_ALLOW_METHODS = ['GET', 'POST', 'DELETE'];

export const CORS_MAX_AGE_SECONDS = 600;

/** Comma-separated allowed origins, `*` for any; set by the stack on the function that answers preflights. */
export const CORS_ALLOW_ORIGINS_VARIABLE = 'SYNC_CORS_ALLOW_ORIGINS';

export const isPreflight = (event: SyncHttpEvent): boolean =>
  (event.requestContext?.http?.method ?? '').toUpperCase() === 'OPTIONS' &&
  headerValue(event.headers, 'origin') !== undefined &&
  headerValue(event.headers, 'access-control-request-method') !== undefined;

/**
 * 204 to a preflight. An origin not allowed gets no `Access-Control-Allow-*` header, which is how
 * a browser learns it may not call (as API Gateway's own CORS answer does).
 */
export function preflightResult(event: SyncHttpEvent, allowOrigins: readonly string[]): SyncHttpResult {
  const origin = headerValue(event.headers, 'origin') ?? '';
  const allowed = allowOrigins.includes('*') ? '*' : allowOrigins.includes(origin) ? origin : undefined;
  const headers: Record<string, string> = { 'content-type': 'text/plain', vary: 'Origin' };
  if (allowed) {
    headers['access-control-allow-origin'] = allowed;
    headers['access-control-allow-methods'] = CORS_ALLOW_METHODS.join(',');
    headers['access-control-allow-headers'] = CORS_ALLOW_HEADERS.join(',');
    headers['access-control-max-age'] = String(CORS_MAX_AGE_SECONDS);
  }
  return { statusCode: 204, headers, body: '' };
}
