import { describe, expect, it } from 'vitest';
import { OPERATIONS } from '../../lambdas/src/operations';
import { SyncError } from '../../lambdas/src/errors';
import { httpStatusOf } from '../../lambdas/src/protocol/errors';
import { decodeTimestamp, parseRequest, requestPath } from '../../lambdas/src/protocol/request';
import { datasetPath, identityPath, makeEvent, TEST_IDENTITY_ID, TEST_POOL_ID } from '../helpers/events';

function thrown(f: () => unknown): SyncError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SyncError);
    return e as SyncError;
  }
  throw new Error('expected a SyncError');
}

const update = (body: unknown, extra: { headers?: Record<string, string>; base64?: boolean } = {}) =>
  parseRequest(OPERATIONS.UpdateRecords, makeEvent({ method: 'POST', rawPath: datasetPath('ds'), body, ...extra }));

describe('path labels', () => {
  it('percent-decodes every label', () => {
    const input = parseRequest(OPERATIONS.DescribeDataset, makeEvent({ method: 'GET', rawPath: datasetPath('my.data:set') }));
    expect(input).toEqual({ IdentityPoolId: TEST_POOL_ID, IdentityId: TEST_IDENTITY_ID, DatasetName: 'my.data:set' });
  });

  it('also accepts labels that were not encoded', () => {
    const rawPath = `/identitypools/${TEST_POOL_ID}/identities/${TEST_IDENTITY_ID}/datasets/ds`;
    expect(parseRequest(OPERATIONS.DescribeDataset, makeEvent({ method: 'GET', rawPath })).IdentityPoolId).toBe(TEST_POOL_ID);
  });

  it('rejects bad percent-encoding with InvalidParameterException', () => {
    const e = thrown(() => parseRequest(OPERATIONS.DescribeDataset, makeEvent({ method: 'GET', rawPath: `${identityPath()}/datasets/a%ZZb` })));
    expect(e.name).toBe('InvalidParameterException');
    expect(httpStatusOf(e.code)).toBe(400);
    expect(e.message).toContain('a%ZZb');
  });

  it("rejects a path that is not the operation's", () => {
    const e = thrown(() => parseRequest(OPERATIONS.DescribeDataset, makeEvent({ method: 'GET', rawPath: '/identitypools' })));
    expect(e.name).toBe('UnknownOperationException');
  });

  it('strips a named stage from rawPath', () => {
    const event = makeEvent({ method: 'GET', rawPath: `/prod${datasetPath('ds')}`, stage: 'prod' });
    expect(requestPath(event)).toBe(datasetPath('ds'));
    expect(parseRequest(OPERATIONS.DescribeDataset, event).DatasetName).toBe('ds');
  });
});

describe('query', () => {
  const list = (query: string) => parseRequest(OPERATIONS.ListRecords, makeEvent({ method: 'GET', rawPath: `${datasetPath('ds')}/records`, query }));

  it('reads the lowerCamel names and parses integers', () => {
    expect(list('lastSyncCount=0&maxResults=3&nextToken=n%2B1&syncSessionToken=sst')).toMatchObject({
      LastSyncCount: 0,
      MaxResults: 3,
      NextToken: 'n+1',
      SyncSessionToken: 'sst',
    });
  });

  it('treats absent and empty parameters as absent, ignores unknown ones', () => {
    const input = list('nextToken=&foo=bar');
    expect(input).not.toHaveProperty('NextToken');
    expect(input).not.toHaveProperty('LastSyncCount');
    expect(input).not.toHaveProperty('foo');
  });

  it.each(['abc', '1.5', '1e3', '0x10', '99999999999999999999'])('rejects maxResults=%s', (v) => {
    const e = thrown(() => list(`maxResults=${v}`));
    expect(e.name).toBe('InvalidParameterException');
    expect(e.message).toBe(`1 validation error detected: Value '${v}' at 'maxResults' failed to satisfy constraint: Member must be an integer`);
  });

  it('rejects a non-numeric lastSyncCount', () => {
    expect(thrown(() => list('lastSyncCount=x')).name).toBe('InvalidParameterException');
  });

  it('leaves ranges to validation (parses negatives)', () => {
    expect(list('lastSyncCount=-1&maxResults=0')).toMatchObject({ LastSyncCount: -1, MaxResults: 0 });
  });
});

describe('body', () => {
  const patch = { Op: 'replace', Key: 'k', Value: 'v', SyncCount: 0 };

  it('reads the x-amz-client-context header into ClientContext', () => {
    expect(update({ SyncSessionToken: 't' }, { headers: { 'x-amz-client-context': 'ctx' } }).ClientContext).toBe('ctx');
  });

  it('accepts no body, an empty body and {}', () => {
    const none = parseRequest(OPERATIONS.UpdateRecords, makeEvent({ method: 'POST', rawPath: datasetPath('ds') }));
    expect(none).toEqual({ IdentityPoolId: TEST_POOL_ID, IdentityId: TEST_IDENTITY_ID, DatasetName: 'ds' });
    expect(update('')).toEqual(none);
    expect(update('  \n')).toEqual(none);
    expect(update('{}')).toEqual(none);
  });

  it.each(['application/json', 'application/x-amz-json-1.0', 'application/x-amz-json-1.1', undefined])(
    'accepts JSON with content type %s and ignores X-Amz-Target',
    (contentType) => {
      const headers: Record<string, string> = { 'x-amz-target': 'AWSCognitoSyncService.ListRecords' };
      if (contentType) headers['content-type'] = contentType;
      expect(update({ SyncSessionToken: 't', RecordPatches: [patch] }, { headers })).toMatchObject({
        SyncSessionToken: 't',
        RecordPatches: [patch],
      });
    },
  );

  it('decodes a base64 body', () => {
    expect(update({ SyncSessionToken: 'tök' }, { base64: true }).SyncSessionToken).toBe('tök');
  });

  it('ignores unknown members and treats null as absent', () => {
    const input = update({ SyncSessionToken: 't', DeviceId: null, Surprise: [1, 2], RecordPatches: [{ ...patch, Value: null, Extra: 1 }] });
    expect(input).not.toHaveProperty('Surprise');
    expect(input).not.toHaveProperty('DeviceId');
    expect(input.RecordPatches).toEqual([{ Op: 'replace', Key: 'k', SyncCount: 0 }]);
  });

  it('ignores the body of operations that have no body members', () => {
    const event = makeEvent({ method: 'GET', rawPath: datasetPath('ds'), body: 'not json', headers: { 'content-type': 'application/x-amz-json-1.0' } });
    expect(parseRequest(OPERATIONS.DescribeDataset, event).DatasetName).toBe('ds');
  });

  it.each(['{', '{"a":1,}', "{'a':1}", 'null', '[]', '"x"', '42'])('rejects body %s with SerializationException', (body) => {
    const e = thrown(() => update(body));
    expect(e.name).toBe('SerializationException');
    expect(httpStatusOf(e.code)).toBe(400);
  });

  it.each([
    [{ RecordPatches: 'x' }, "at 'RecordPatches': STRING_VALUE can not be converted to a List"],
    [{ RecordPatches: {} }, "at 'RecordPatches': STRUCTURE_VALUE can not be converted to a List"],
    [{ RecordPatches: [null] }, "at 'RecordPatches[0]'"],
    [{ RecordPatches: ['x'] }, "at 'RecordPatches[0]': STRING_VALUE can not be converted to a Structure"],
    [{ RecordPatches: [{ ...patch, Key: 5 }] }, "at 'RecordPatches[0].Key': NUMBER_VALUE can not be converted to a String"],
    [{ RecordPatches: [{ ...patch, Value: true }] }, "at 'RecordPatches[0].Value': BOOLEAN_VALUE can not be converted to a String"],
    [{ RecordPatches: [{ ...patch, SyncCount: 'one' }] }, "at 'RecordPatches[0].SyncCount': STRING_VALUE can not be converted to a Long"],
    [{ RecordPatches: [{ ...patch, SyncCount: 1.5 }] }, "at 'RecordPatches[0].SyncCount': 1.5 can not be converted to a Long"],
    [{ RecordPatches: [{ ...patch, DeviceLastModifiedDate: 'yesterday' }] }, 'can not be converted to a Timestamp'],
    [{ DeviceId: 7 }, "at 'DeviceId': NUMBER_VALUE can not be converted to a String"],
    [{ SyncSessionToken: {} }, "at 'SyncSessionToken': STRUCTURE_VALUE can not be converted to a String"],
  ])('rejects wrong JSON types: %j', (body, message) => {
    const e = thrown(() => update(body));
    expect(e.name).toBe('SerializationException');
    expect(e.message).toContain('Unexpected value type in payload');
    expect(e.message).toContain(message);
  });

  it('accepts an integral SyncCount as a number or a numeric string', () => {
    const input = update({
      RecordPatches: [
        { ...patch, SyncCount: 3 },
        { ...patch, Key: 'b', SyncCount: '4' },
        { ...patch, Key: 'c', SyncCount: 1e2 },
      ],
    });
    expect((input.RecordPatches as { SyncCount: number }[]).map((p) => p.SyncCount)).toEqual([3, 4, 100]);
  });

  it.each([
    [1400000000.123, 1400000000123],
    [1.4e9, 1400000000000],
    ['1400000000.5', 1400000000500],
    ['1400000000', 1400000000000],
    [1400000000, 1400000000000],
    [1.412974057151e9, 1412974057151],
  ])('parses DeviceLastModifiedDate %j', (value, ms) => {
    const input = update({ RecordPatches: [{ ...patch, DeviceLastModifiedDate: value }] });
    const [p] = input.RecordPatches as { DeviceLastModifiedDate: Date }[];
    expect(p.DeviceLastModifiedDate).toBeInstanceOf(Date);
    expect(p.DeviceLastModifiedDate.getTime()).toBe(ms);
  });

  it('rejects timestamps a Date cannot hold', () => {
    expect(() => decodeTimestamp(1e300, 'x')).toThrow(/can not be converted to a Timestamp/);
    expect(() => decodeTimestamp('1e400', 'x')).toThrow(SyncError);
  });

  it('keeps the patch members in model names', () => {
    const input = update({
      SyncSessionToken: 'sst',
      DeviceId: 'dev',
      RecordPatches: [
        { Op: 'replace', Key: 'k', SyncCount: 0, Value: 'v', DeviceLastModifiedDate: 1400000000.123 },
        { Op: 'remove', Key: 'k2', SyncCount: 3 },
      ],
    });
    expect(input).toEqual({
      IdentityPoolId: TEST_POOL_ID,
      IdentityId: TEST_IDENTITY_ID,
      DatasetName: 'ds',
      SyncSessionToken: 'sst',
      DeviceId: 'dev',
      RecordPatches: [
        { Op: 'replace', Key: 'k', SyncCount: 0, Value: 'v', DeviceLastModifiedDate: new Date(1400000000123) },
        { Op: 'remove', Key: 'k2', SyncCount: 3 },
      ],
    });
  });

  it('parses the bodies of the later operations', () => {
    const pool = `/identitypools/${encodeURIComponent(TEST_POOL_ID)}`;
    const events = parseRequest(
      OPERATIONS.SetCognitoEvents,
      makeEvent({ method: 'POST', rawPath: `${pool}/events`, body: { Events: { SyncTrigger: 'arn:aws:lambda:us-east-1:1:function:f' } } }),
    );
    expect({ ...(events.Events as object) }).toEqual({ SyncTrigger: 'arn:aws:lambda:us-east-1:1:function:f' });
    const config = parseRequest(
      OPERATIONS.SetIdentityPoolConfiguration,
      makeEvent({
        method: 'POST',
        rawPath: `${pool}/configuration`,
        body: { PushSync: { ApplicationArns: ['a'], RoleArn: 'r', X: 1 }, CognitoStreams: { StreamName: 's', StreamingStatus: 'ENABLED' } },
      }),
    );
    expect(config).toMatchObject({ PushSync: { ApplicationArns: ['a'], RoleArn: 'r' }, CognitoStreams: { StreamName: 's', StreamingStatus: 'ENABLED' } });
    expect(config.PushSync).not.toHaveProperty('X');
  });
});

describe('text that is not UTF-8 or not well-formed', () => {
  const invalidParameter = (f: () => unknown) => {
    const e = thrown(f);
    expect(e.name).toBe('InvalidParameterException');
    expect(httpStatusOf(e.code)).toBe(400);
    return e;
  };

  it.each(['%FF', 'a%C3', '%ED%A0%80', '%C0%AF'])('rejects the path label %s (not percent-encoded UTF-8) with InvalidParameterException', (label) => {
    const e = invalidParameter(() => parseRequest(OPERATIONS.DescribeDataset, makeEvent({ method: 'GET', rawPath: `${identityPath()}/datasets/${label}` })));
    expect(e.message).toBe(`Invalid percent-encoding in request path segment '${label}'`);
  });

  it.each(['%FF', '%ED%A0%80', 'abc%E2%82'])('rejects the query value %s instead of reading it as U+FFFD', (value) => {
    const list = () => parseRequest(OPERATIONS.ListRecords, makeEvent({ method: 'GET', rawPath: `${datasetPath('ds')}/records`, query: `nextToken=${value}` }));
    const e = invalidParameter(list);
    expect(e.message).toBe(`Invalid percent-encoding in query parameter 'nextToken': '${value}'`);
  });

  it('still decodes query values as forms do, and ignores undecodable parameters it does not read', () => {
    const input = parseRequest(
      OPERATIONS.ListRecords,
      makeEvent({ method: 'GET', rawPath: `${datasetPath('ds')}/records`, query: 'junk=%FF&%FF=1&syncSessionToken=a+b%2Bc%C3%A9&nextToken=n&nextToken=%FF' }),
    );
    expect(input).toMatchObject({ SyncSessionToken: 'a b+cé', NextToken: 'n' });
  });

  it('rejects a base64 body that is not UTF-8 with SerializationException, instead of storing U+FFFD', () => {
    const bytes = Buffer.concat([Buffer.from('{"SyncSessionToken":"t","DeviceId":"d'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const event = { ...makeEvent({ method: 'POST', rawPath: datasetPath('ds') }), body: bytes.toString('base64'), isBase64Encoded: true };
    const e = thrown(() => parseRequest(OPERATIONS.UpdateRecords, event));
    expect(e.name).toBe('SerializationException');
    expect(e.message).toBe('Request body is not valid UTF-8');
  });

  it('still accepts a UTF-8 byte-order mark before a base64 body', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"SyncSessionToken":"t"}')]);
    const event = { ...makeEvent({ method: 'POST', rawPath: datasetPath('ds') }), body: bytes.toString('base64'), isBase64Encoded: true };
    expect(parseRequest(OPERATIONS.UpdateRecords, event).SyncSessionToken).toBe('t');
  });
});

describe('paths signers would normalize', () => {
  const unknownOperation = (method: string, rawPath: string, op = OPERATIONS.DescribeDataset) => {
    const e = thrown(() => parseRequest(op, makeEvent({ method, rawPath })));
    expect(e.name).toBe('UnknownOperationException');
    expect(httpStatusOf(e.code)).toBe(404);
    expect(e.message).toContain("a path with an empty, '.' or '..' segment names no resource");
    return e;
  };

  it.each(['..', '.', '%2E%2E', '%2e', '.%2E'])('refuses the dot segment %s, raw or percent-encoded', (segment) => {
    const e = unknownOperation('GET', `${identityPath()}/datasets/${segment}`);
    expect(e.message).toBe(
      `No operation matches GET ${identityPath()}/datasets/${segment}: a path with an empty, '.' or '..' segment names no resource (signers would normalize it away)`,
    );
  });

  it('refuses dot segments and empty segments anywhere in the path', () => {
    unknownOperation('GET', `${identityPath()}/datasets/x/../ds`);
    unknownOperation('GET', `${identityPath()}/./datasets/ds`);
    unknownOperation('GET', `${identityPath()}//datasets/ds`);
    unknownOperation('GET', `/${identityPath()}/datasets/ds`);
  });

  it('accepts dots inside a label and a trailing slash (signers keep both)', () => {
    expect(parseRequest(OPERATIONS.DescribeDataset, makeEvent({ method: 'GET', rawPath: datasetPath('...') })).DatasetName).toBe('...');
    expect(parseRequest(OPERATIONS.DescribeDataset, makeEvent({ method: 'GET', rawPath: datasetPath('a..b') })).DatasetName).toBe('a..b');
    expect(parseRequest(OPERATIONS.DescribeDataset, makeEvent({ method: 'GET', rawPath: `${datasetPath('ds')}/` })).DatasetName).toBe('ds');
  });
});
