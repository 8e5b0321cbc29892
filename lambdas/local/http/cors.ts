/**
 * CORS for the local endpoint. Browser apps (amazon-cognito-js, the v3 client in a web page) call it
 * from the origin of their dev server, so it must answer CORS. But the developer key pair has a
 * published default: were every origin allowed, any web page open in the developer's browser could
 * act as the developer here. So only pages served from this machine (loopback origins, any port) are
 * allowed by default, plus the origins the developer names (`allowedOrigins`, `--allow-origin`).
 *
 * An allowed origin is echoed back with `Vary: Origin` (never `*`); a disallowed one gets no
 * `access-control-allow-origin`, so the browser keeps the answer from the page, and its preflight
 * is refused with a rest-json 403 so that the request itself is never sent.
 */
import { Errors } from '../../src/errors';
import type { SyncHttpResult } from '../../src/protocol/http-event';
import { errorResponse } from '../../src/protocol/error-response';

/** `http(s)://localhost`, `127.0.0.1` or `[::1]`, with or without a port. */
const LOOPBACK_ORIGIN = /^https?:\/\/(?:localhost|127\.0\.0\.1|\[::1\])(?::\d{1,5})?$/;

/** In `allowedOrigins`: every origin (as before origins were checked), for a deliberate choice. */
export const ANY_ORIGIN = '*';

const EXPOSED_HEADERS = 'x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date';

/** Browsers send origins in lower case without a trailing slash; configured ones may be typed otherwise. */
const normalizeOrigin = (origin: string): string => origin.trim().toLowerCase().replace(/\/+$/, '');

export interface CorsPolicy {
  isAllowed(origin: string): boolean;
  /** The CORS headers of an ordinary response to a request from `origin` (absent: not a browser). */
  responseHeaders(origin: string | undefined): Record<string, string>;
  /** The answer to a preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`). */
  preflight(headers: Readonly<Record<string, string>>, requestId: string): SyncHttpResult;
}

export function corsPolicy(allowedOrigins: readonly string[] = []): CorsPolicy {
  const extra = new Set(allowedOrigins.map(normalizeOrigin));
  const isAllowed = (origin: string): boolean => extra.has(ANY_ORIGIN) || LOOPBACK_ORIGIN.test(normalizeOrigin(origin)) || extra.has(normalizeOrigin(origin));
  // The answer depends on Origin for every request, so caches must key on it whatever it was.
  const vary = { vary: 'Origin' };
  return {
    isAllowed,
    responseHeaders: (origin) =>
      origin !== undefined && isAllowed(origin) ? { ...vary, 'access-control-allow-origin': origin, 'access-control-expose-headers': EXPOSED_HEADERS } : vary,
    preflight(headers, requestId) {
      const origin = headers.origin ?? '';
      if (!isAllowed(origin)) {
        const refused = errorResponse(
          Errors.accessDenied(
            `Origin '${origin}' may not call this endpoint: only loopback origins may by default. Start it with --allow-origin <origin> to allow another.`,
          ),
          requestId,
        );
        return { ...refused, headers: { ...refused.headers, ...vary } };
      }
      return {
        statusCode: 204,
        headers: {
          ...vary,
          'access-control-allow-origin': origin,
          'access-control-allow-methods': 'GET,POST,DELETE,OPTIONS',
          'access-control-allow-headers': headers['access-control-request-headers'] ?? '*',
          'access-control-max-age': '600',
        },
        body: '',
      };
    },
  };
}

export const isCorsPreflight = (method: string | undefined, headers: Readonly<Record<string, string>>): boolean =>
  method === 'OPTIONS' && headers.origin !== undefined && headers['access-control-request-method'] !== undefined;
