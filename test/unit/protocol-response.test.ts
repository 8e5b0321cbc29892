import { afterEach, describe, expect, it, vi } from 'vitest';
import { Errors } from '../../lambdas/src/errors';
import { headerSafe } from '../../lambdas/src/protocol/error-response';
import { errorResult, successResult, toWire } from '../../lambdas/src/protocol/response';
import { captureStderr } from '../helpers/log-lines';

afterEach(() => vi.restoreAllMocks());

describe('success bodies', () => {
  it('writes Dates as epoch seconds with up to 3 decimals', () => {
    expect(toWire(new Date(1400000000123))).toBe(1400000000.123);
    expect(JSON.stringify(toWire({ D: new Date(1400000000123) }))).toBe('{"D":1400000000.123}');
    expect(JSON.stringify(toWire({ D: new Date(1400000000000) }))).toBe('{"D":1400000000}');
    expect(JSON.stringify(toWire({ D: new Date(1412974057151) }))).toBe('{"D":1412974057.151}');
    expect(JSON.stringify(toWire({ D: new Date(1) }))).toBe('{"D":0.001}');
  });

  it('omits undefined and null members, recursively', () => {
    expect(toWire({ A: undefined, B: null, C: 0, D: false, E: '', F: [{ Key: 'k', Value: undefined, SyncCount: 1 }], G: { H: null, I: 1 } })).toEqual({
      C: 0,
      D: false,
      E: '',
      F: [{ Key: 'k', SyncCount: 1 }],
      G: { I: 1 },
    });
  });

  it('keeps map keys as they are', () => {
    expect(toWire({ Events: { SyncTrigger: 'arn' } })).toEqual({ Events: { SyncTrigger: 'arn' } });
  });

  it('refuses values JSON cannot carry', () => {
    expect(() => toWire({ D: new Date(NaN) })).toThrow();
    expect(() => toWire({ N: Infinity })).toThrow();
  });

  it('answers 200 with the JSON body and the request id', () => {
    const result = successResult(
      'DescribeDataset',
      {
        Dataset: {
          IdentityId: 'us-east-1:a',
          DatasetName: 'ds',
          CreationDate: new Date(1400000000123),
          LastModifiedDate: new Date(1400000001000),
          LastModifiedBy: '123456789012',
          DataStorage: 16,
          NumRecords: 1,
        },
      },
      'req-1',
    );
    expect(result.statusCode).toBe(200);
    expect(result.headers).toEqual({ 'Content-Type': 'application/json', 'x-amzn-RequestId': 'req-1' });
    expect(result.body).toBe(
      '{"Dataset":{"IdentityId":"us-east-1:a","DatasetName":"ds","CreationDate":1400000000.123,"LastModifiedDate":1400000001,"LastModifiedBy":"123456789012","DataStorage":16,"NumRecords":1}}',
    );
  });

  it('keeps the always-present members of ListRecords and UpdateRecords, even when falsy', () => {
    const list = successResult(
      'ListRecords',
      {
        Records: [],
        Count: 0,
        DatasetSyncCount: 0,
        DatasetExists: false,
        DatasetDeletedAfterRequestedSyncCount: false,
        SyncSessionToken: 't',
        NextToken: undefined,
        MergedDatasetNames: undefined,
      },
      'r',
    );
    expect(JSON.parse(list.body)).toEqual({
      Records: [],
      Count: 0,
      DatasetSyncCount: 0,
      DatasetExists: false,
      DatasetDeletedAfterRequestedSyncCount: false,
      SyncSessionToken: 't',
    });
    expect(JSON.parse(successResult('UpdateRecords', { Records: [] }, 'r').body)).toEqual({ Records: [] });
  });

  it('refuses to answer 200 without an always-present member', () => {
    expect(() => successResult('UpdateRecords', {}, 'r')).toThrow(/Records/);
    expect(() => successResult('ListRecords', { Records: [], Count: 0, DatasetExists: false, DatasetDeletedAfterRequestedSyncCount: false }, 'r')).toThrow(
      /DatasetSyncCount/,
    );
  });

  it('answers {} for empty outputs and an empty body for SetCognitoEvents', () => {
    expect(successResult('SubscribeToDataset', {}, 'r').body).toBe('{}');
    expect(successResult('SubscribeToDataset', undefined, 'r').body).toBe('{}');
    expect(successResult('SetCognitoEvents', undefined, 'r')).toMatchObject({ statusCode: 200, body: '' });
  });
});

describe('error responses', () => {
  it('carries the status, the exact error type header and __type/message in the body', () => {
    const result = errorResult(Errors.resourceConflict('Current SyncCount for: k is: 1 not: 0'), 'req-2', 'UpdateRecords');
    expect(result.statusCode).toBe(409);
    expect(result.headers).toEqual({
      'Content-Type': 'application/json',
      'x-amzn-RequestId': 'req-2',
      'x-amzn-ErrorType': 'ResourceConflictException',
      'x-amzn-ErrorMessage': 'Current SyncCount for: k is: 1 not: 0',
    });
    expect(JSON.parse(result.body)).toEqual({ __type: 'ResourceConflictException', message: 'Current SyncCount for: k is: 1 not: 0' });
  });

  it.each([
    [Errors.invalidParameter('x'), 400],
    [Errors.notAuthorized('x'), 403],
    [Errors.resourceNotFound('x'), 404],
    [Errors.tooManyRequests('x'), 429],
    [Errors.unavailableOperation('x'), 501],
  ])('uses the error status (%s)', (e, status) => {
    expect(errorResult(e, 'r').statusCode).toBe(status);
  });

  it('makes the message header a valid header value, and keeps the body message intact', () => {
    const message = "Value 'us-east-1:abc\r\nx-injected: 1' at 'identityId' — ✓";
    const result = errorResult(Errors.invalidParameter(message), 'r');
    expect(result.headers['x-amzn-ErrorMessage']).toBe("Value 'us-east-1:abc x-injected: 1' at 'identityId' ? ?");
    expect(JSON.parse(result.body).message).toBe(message);
    expect(headerSafe('a\u0000b\u007fc\u00e9')).toBe('a?b?c\u00e9');
    expect(headerSafe('x'.repeat(5000))).toHaveLength(1024);
  });

  it('answers 500 InternalErrorException for anything else, logs it, and leaks nothing', () => {
    const log = captureStderr();
    const boom = new TypeError('secret detail from the database');
    const result = errorResult(boom, 'req-3', 'ListRecords');
    expect(result.statusCode).toBe(500);
    expect(result.headers['x-amzn-ErrorType']).toBe('InternalErrorException');
    const body = JSON.parse(result.body);
    expect(body.__type).toBe('InternalErrorException');
    expect(result.body).not.toContain('secret');
    expect(result.body).not.toContain('at ');
    expect(result.headers['x-amzn-ErrorMessage']).not.toContain('secret');

    // One line, through the Powertools logger.
    expect(log.raw()).toHaveLength(1);
    expect(JSON.parse(log.raw()[0])).toMatchObject({
      level: 'ERROR',
      requestId: 'req-3',
      operation: 'ListRecords',
      errorName: 'TypeError',
      errorMessage: 'secret detail from the database',
    });
  });

  it('handles thrown non-errors', () => {
    captureStderr();
    expect(errorResult('a string', 'r').statusCode).toBe(500);
    expect(errorResult(undefined, 'r').statusCode).toBe(500);
  });
});
