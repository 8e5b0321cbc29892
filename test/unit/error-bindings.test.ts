import { afterEach, describe, expect, it, vi } from 'vitest';
import { Errors, SyncError, type ErrorCode } from '../../lambdas/src/errors';
import { errorResponse } from '../../lambdas/src/protocol/error-response';
import { httpStatusOf, type ProtocolError, wireStatusOf } from '../../lambdas/src/protocol/errors';
import { errorResult } from '../../lambdas/src/protocol/response';
import { HttpErrors } from '../../lambdas/local/http/http-errors';
import { SigningErrors } from '../../lambdas/src/auth/signing-errors';

/** Every code of the model, read from the factories so that a new code is tested without editing this file. */
const ALL_CODES: ErrorCode[] = Object.values(Errors).map((make) => make('x').code);

/**
 * The statuses of docs/behaviour.md#errors and the service model, written as the docs group them
 * (status first), so that this is a second reading of the spec, not a copy of the binding's table.
 * LambdaSocketTimeoutException's status is undocumented: ours (see protocol/errors.ts).
 */
const DOCUMENTED_REST_JSON: Record<number, ErrorCode[]> = {
  400: [
    'AlreadyStreamedException',
    'ConcurrentModificationException',
    'DuplicateRequestException',
    'InvalidConfigurationException',
    'InvalidLambdaFunctionOutputException',
    'InvalidParameterException',
    'LambdaSocketTimeoutException',
    'LimitExceededException',
    'SerializationException',
  ],
  403: ['NotAuthorizedException', 'AccessDeniedException'],
  404: ['ResourceNotFoundException', 'UnknownOperationException'],
  409: ['ResourceConflictException'],
  413: ['RequestEntityTooLargeException'],
  429: ['LambdaThrottledException', 'TooManyRequestsException'],
  500: ['InternalErrorException'],
  501: ['UnsupportedOperationException'],
};

afterEach(() => vi.restoreAllMocks());

/**
 * Everything logged while it runs, whatever the logger writes through (console, or the Powertools
 * logger's own Console on the process streams), so the test holds for either.
 */
function captureLog(): { text: () => string } {
  const lines: string[] = [];
  const keep = (...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
  };
  for (const method of ['error', 'warn', 'info', 'log'] as const) vi.spyOn(console, method).mockImplementation(keep);
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation(((chunk: unknown) => {
      keep(chunk);
      return true;
    }) as typeof stream.write);
  }
  return { text: () => lines.join('\n') };
}

describe('error bindings', () => {
  it('gives every code of the model its documented rest-json status', () => {
    const documented = Object.entries(DOCUMENTED_REST_JSON).flatMap(([status, codes]) => codes.map((code) => [code, Number(status)] as const));
    expect(new Set(ALL_CODES)).toEqual(new Set(documented.map(([code]) => code)));
    for (const [code, status] of documented) expect(httpStatusOf(code), code).toBe(status);
  });

  it('JSON 1.1 (the local Cognito Identity) differs only for UnknownOperationException, a 400', () => {
    const differing = ALL_CODES.filter((code) => httpStatusOf(code, 'json-1.1') !== httpStatusOf(code, 'rest-json'));
    expect(differing).toEqual(['UnknownOperationException']);
    expect(httpStatusOf('UnknownOperationException', 'json-1.1')).toBe(400);
    expect(httpStatusOf('UnknownOperationException', 'rest-json')).toBe(404);
  });

  it('a model error carries no status of its own: only a binding gives one', () => {
    const error = Errors.resourceConflict('Current SyncCount for: k is: 1 not: 0');
    expect(error).toBeInstanceOf(SyncError);
    expect(error).not.toHaveProperty('statusCode');
    expect(error).toMatchObject({ code: 'ResourceConflictException', name: 'ResourceConflictException' });
  });

  it('front-end-only errors bring their own status, the same in every binding', () => {
    const refusals: [ProtocolError, string, number][] = [
      [SigningErrors.missingAuthenticationToken('m'), 'MissingAuthenticationTokenException', 403],
      [SigningErrors.invalidSignature('m'), 'InvalidSignatureException', 403],
      [SigningErrors.incompleteSignature('m'), 'IncompleteSignatureException', 403],
      [SigningErrors.unrecognizedClient('m'), 'UnrecognizedClientException', 403],
      [SigningErrors.expiredToken('m'), 'ExpiredTokenException', 403],
      [HttpErrors.headersTooLarge(), 'RequestHeaderFieldsTooLargeException', 431],
      [HttpErrors.notReceivedInTime(), 'RequestTimeoutException', 408],
    ];
    for (const [error, name, status] of refusals) {
      expect(error.name).toBe(name);
      expect(wireStatusOf(error, 'rest-json')).toBe(status);
      expect(wireStatusOf(error, 'json-1.1')).toBe(status);
    }
  });
});

describe('the error writer', () => {
  it('writes both bindings in the same shape, with their own status and content type', () => {
    const unknown = Errors.unknownOperation('No operation matches PUT /x');
    const rest = errorResponse(unknown, 'req-1');
    const json11 = errorResponse(unknown, 'req-1', 'json-1.1');
    expect(rest.statusCode).toBe(404);
    expect(json11.statusCode).toBe(400);
    expect(rest.headers['Content-Type']).toBe('application/json');
    expect(json11.headers['Content-Type']).toBe('application/x-amz-json-1.1');
    for (const result of [rest, json11]) {
      expect(result.headers).toMatchObject({
        'x-amzn-RequestId': 'req-1',
        'x-amzn-ErrorType': 'UnknownOperationException',
        'x-amzn-ErrorMessage': 'No operation matches PUT /x',
      });
      expect(JSON.parse(result.body)).toEqual({ __type: 'UnknownOperationException', message: 'No operation matches PUT /x' });
    }
  });

  it("logs a server fault's cause, and tells the client nothing of it", () => {
    const log = captureLog();
    const outage = new Error('ProvisionedThroughputExceededException: secret table detail');
    const result = errorResult(Errors.internal('The store failed.', { cause: outage }), 'req-9', 'UpdateRecords');

    expect(result.statusCode).toBe(500);
    expect(result.headers['x-amzn-ErrorType']).toBe('InternalErrorException');
    expect(result.body).not.toContain('secret');
    const logged = log.text();
    expect(logged).toContain('req-9');
    expect(logged).toContain('ProvisionedThroughputExceededException: secret table detail');
  });

  it('logs the cause of a client-visible error an adapter mapped (a DynamoDB throttle as TooManyRequests)', () => {
    const log = captureLog();
    const throttle = new Error('ThrottlingException: Rate of requests exceeds the allowed throughput');
    const result = errorResult(Errors.tooManyRequests('Rate exceeded', { cause: throttle }), 'req-7', 'ListRecords');
    expect(result.statusCode).toBe(429);
    expect(result.body).not.toContain('ThrottlingException');
    expect(log.text()).toContain('ThrottlingException: Rate of requests');
  });

  it('does not log what the client did wrong, nor an operation that has not landed', () => {
    const log = captureLog();
    errorResult(Errors.invalidParameter('bad'), 'r');
    errorResult(Errors.unavailableOperation('later'), 'r');
    expect(log.text()).toBe('');
  });
});
