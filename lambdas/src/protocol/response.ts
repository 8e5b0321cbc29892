/**
 * Response serialization: success bodies and error responses in the rest-json format the clients in
 * the field parse (docs/behaviour.md#wire-protocol, #errors, #what-clients-rely-on).
 */
import { OPERATIONS, type OperationName, type OperationSpec } from '../operations';
import { Errors } from '../errors';
import { errorResponse } from './error-response';
import { isServerFault, isWireError, wireStatusOf } from './errors';
import type { SyncHttpResult } from './http-event';
import { logUnexpectedError } from '../observability/instruments';

const JSON_CONTENT_TYPE = 'application/json';

/**
 * Epoch seconds with up to 3 decimals. `ms / 1000` is the double nearest to the decimal
 * `s.mmm`, so JSON prints exactly `1400000000.123`, never `1400000000.1229999`.
 */
function epochSeconds(date: Date): number {
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

export const GENERIC_INTERNAL_MESSAGE = 'An internal error occurred. Please retry the request.';

/**
 * The rest-json error response of a deployed function (written by `error-response.ts`).
 * An error of the model or of the protocol is answered as such. One that says the service failed
 * (a 5xx), or that carries the failure an adapter caught (`cause`: a DynamoDB throttle the SDK gave
 * up on, answered as TooManyRequestsException), also goes to the log, cause included.
 * Anything else is a bug or an outage: the client gets a generic 500 and the details go to the log,
 * never to the client.
 */
export function errorResult(error: unknown, requestId: string, operation?: string): SyncHttpResult {
  if (!isWireError(error)) {
    logUnexpectedError(error, { requestId, operation });
    return errorResponse(Errors.internal(GENERIC_INTERNAL_MESSAGE), requestId);
  }
  if (isServerFault(wireStatusOf(error)) || error.cause !== undefined) logUnexpectedError(error, { requestId, operation });
  return errorResponse(error, requestId);
}
