/**
 * Response serialization: success bodies and error responses in the rest-json format the clients in
 * the field parse (docs/behaviour.md#wire-protocol, #errors, #what-clients-rely-on).
 */
import { OPERATIONS, type OperationName, type OperationSpec } from '../operations';
import { Errors, isServiceError, type ServiceError } from './errors';
import type { SyncHttpResult } from './http-event';

export const JSON_CONTENT_TYPE = 'application/json';

/**
 * Epoch seconds with up to 3 decimals. `ms / 1000` is the double nearest to the decimal
 * `s.mmm`, so JSON prints exactly `1400000000.123`, never `1400000000.1229999`.
 */
export function epochSeconds(date: Date): number {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new Error('Cannot serialize an invalid Date');
  return ms / 1000;
}

/**
 * The JSON form of an output value. Members without a value (`undefined`, `null`) are omitted: the v3
 * client drops nulls anyway, and Android would turn a `null` into a NullPointerException where an
 * absent member is just "not set". Names are kept: the domain already speaks the model's PascalCase,
 * and map keys (Events) are data.
 */
export function toWire(value: unknown): unknown {
  if (value instanceof Date) return epochSeconds(value);
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : toWire(v)));
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`Cannot serialize the number ${value}`);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined || v === null) continue;
      out[k] = toWire(v);
    }
    return out;
  }
  return value;
}

/** The headers every response carries; SDKs read the request id from `x-amzn-RequestId`. */
function baseHeaders(requestId: string): Record<string, string> {
  return { 'Content-Type': JSON_CONTENT_TYPE, 'x-amzn-RequestId': requestId };
}

/** The 200 response for an operation's output. Throws (a 500 upstream) if a must-have member is missing. */
export function successResult(operation: OperationName, output: object | undefined | null, requestId: string): SyncHttpResult {
  // The output rules are the operation's entry in the table.
  const op: OperationSpec = OPERATIONS[operation];
  if (op.noOutput) return { statusCode: 200, headers: baseHeaders(requestId), body: '' };
  const body = (toWire(output ?? {}) ?? {}) as Record<string, unknown>;
  for (const member of op.alwaysPresent ?? []) {
    if (!(member in body)) throw new Error(`${operation} output is missing the always-present member ${member}`);
  }
  return { statusCode: 200, headers: baseHeaders(requestId), body: JSON.stringify(body) };
}

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

export const GENERIC_INTERNAL_MESSAGE = 'An internal error occurred. Please retry the request.';

/**
 * The rest-json error response (docs/behaviour.md#errors): `x-amzn-ErrorType` for iOS, v2, v3 and
 * botocore, `__type` in the body for Android when a proxy lower-cases the header, `message`
 * (lower-case) for all.
 * Anything that is not a `ServiceError` is a bug or an outage: the client gets a generic 500 and the
 * details go to the log, never to the client.
 */
export function errorResult(error: unknown, requestId: string, operation?: string): SyncHttpResult {
  let e: ServiceError;
  if (isServiceError(error)) {
    e = error;
  } else {
    logUnexpectedError(error, requestId, operation);
    e = Errors.internal(GENERIC_INTERNAL_MESSAGE);
  }
  return {
    statusCode: e.statusCode,
    headers: {
      ...baseHeaders(requestId),
      'x-amzn-ErrorType': e.name,
      'x-amzn-ErrorMessage': headerSafe(e.message),
    },
    body: JSON.stringify({ __type: e.name, message: e.message }),
  };
}

/** One JSON line, so CloudWatch Logs Insights can filter on requestId and operation. */
export function logUnexpectedError(error: unknown, requestId: string, operation?: string): void {
  const err = error instanceof Error ? error : undefined;
  console.error(
    JSON.stringify({
      level: 'ERROR',
      message: 'Unexpected error',
      requestId,
      operation,
      errorName: err?.name ?? typeof error,
      errorMessage: err?.message ?? String(error),
      stack: err?.stack,
    }),
  );
}
