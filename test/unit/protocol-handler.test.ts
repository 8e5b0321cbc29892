import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Dataset, Principal, SyncService } from '../../lambdas/src/domain/model';
import { createDispatch, dispatch, HANDLERS } from '../../lambdas/local/http/dispatch';
import { lambdaContext } from '../../lambdas/local/http/lambda-context';
import { OPERATION_LIST, OPERATION_NAMES, OPERATIONS, type OperationName } from '../../lambdas/src/operations';
import { captureStderr } from '../helpers/log-lines';
import { Errors, SyncError } from '../../lambdas/src/errors';
import { httpStatusOf } from '../../lambdas/src/protocol/errors';
import type { SyncHttpEvent, SyncHttpResult } from '../../lambdas/src/protocol/http-event';
import { authorize, checkAccess, principalOf, type SyncRequest } from '../../lambdas/src/protocol/middlewares';
import { operationHandler } from '../../lambdas/src/protocol/operation-handler';
import { datasetPath, developer, identity, identityPath, makeEvent, poolPath, TEST_ACCOUNT_ID, TEST_IDENTITY_ID, TEST_POOL_ID } from '../helpers/events';

const OTHER_IDENTITY = 'us-east-1:99999999-bbbb-cccc-dddd-eeeeeeeeeeee';
const OTHER_POOL = 'us-east-1:99999999-2222-3333-4444-555555555555';

const dataset: Dataset = {
  IdentityId: TEST_IDENTITY_ID,
  DatasetName: 'ds',
  CreationDate: new Date(1400000000123),
  LastModifiedDate: new Date(1400000000456),
  LastModifiedBy: TEST_ACCOUNT_ID,
  DataStorage: 16,
  NumRecords: 1,
};

function fakeService() {
  return {
    listDatasets: vi.fn(async () => ({ Datasets: [dataset], Count: 1 })),
    describeDataset: vi.fn(async () => ({ Dataset: dataset })),
    deleteDataset: vi.fn(async () => ({ Dataset: dataset })),
    listRecords: vi.fn(async () => ({
      Records: [{ Key: 'k', Value: 'v', SyncCount: 1, LastModifiedDate: new Date(1400000000123), LastModifiedBy: TEST_ACCOUNT_ID }],
      Count: 1,
      DatasetSyncCount: 1,
      DatasetExists: true,
      DatasetDeletedAfterRequestedSyncCount: false,
      SyncSessionToken: 'sst',
    })),
    updateRecords: vi.fn(async () => ({ Records: [] })),
    describeIdentityUsage: vi.fn(async () => ({
      IdentityUsage: { IdentityId: TEST_IDENTITY_ID, IdentityPoolId: TEST_POOL_ID, DatasetCount: 0, DataStorage: 0 },
    })),
  } satisfies SyncService;
}

let service: ReturnType<typeof fakeService>;
let call: (event: SyncHttpEvent) => Promise<SyncHttpResult>;

beforeEach(() => {
  service = fakeService();
  call = createDispatch({ resolveService: async () => service });
});
afterEach(() => vi.restoreAllMocks());

const body = (r: SyncHttpResult) => (r.body === '' ? undefined : JSON.parse(r.body));

function expectError(r: SyncHttpResult, status: number, type: string): { __type: string; message: string } {
  expect(r.statusCode, r.body).toBe(status);
  expect(r.headers['x-amzn-ErrorType']).toBe(type);
  expect(r.headers['Content-Type']).toBe('application/json');
  const b = body(r);
  expect(b.__type).toBe(type);
  expect(typeof b.message).toBe('string');
  return b;
}

/** One request per available operation, for the given pool and identity. */
function requestFor(op: OperationName, principal: Principal | null, pool = TEST_POOL_ID, id = TEST_IDENTITY_ID): SyncHttpEvent {
  switch (op) {
    case 'ListDatasets':
      return makeEvent({ method: 'GET', rawPath: `${identityPath(pool, id)}/datasets`, principal });
    case 'DescribeDataset':
      return makeEvent({ method: 'GET', rawPath: datasetPath('ds', pool, id), principal });
    case 'DeleteDataset':
      return makeEvent({ method: 'DELETE', rawPath: datasetPath('ds', pool, id), principal });
    case 'DescribeIdentityUsage':
      return makeEvent({ method: 'GET', rawPath: identityPath(pool, id), principal });
    case 'ListRecords':
      return makeEvent({ method: 'GET', rawPath: `${datasetPath('ds', pool, id)}/records`, query: { lastSyncCount: 0 }, principal });
    case 'UpdateRecords':
      return makeEvent({
        method: 'POST',
        rawPath: datasetPath('ds', pool, id),
        body: { SyncSessionToken: 'sst', RecordPatches: [{ Op: 'replace', Key: 'k', Value: 'v', SyncCount: 0 }] },
        principal,
      });
    default:
      throw new Error(`no request for ${op}`);
  }
}

const AVAILABLE = OPERATION_LIST.filter((op) => op.available).map((op) => op.name);
/** Push sync's operations: identity-scoped too, over the push capability, tested in test/e2e/push-sync.test.ts. */
const PUSH: readonly OperationName[] = ['RegisterDevice', 'SubscribeToDataset', 'UnsubscribeFromDataset'];
/** The available operations over one identity's data (the records capability): the ones `requestFor` builds. */
const IDENTITY_SCOPED = OPERATION_LIST.filter((op) => op.available && op.path.includes('{IdentityId}') && !PUSH.includes(op.name)).map((op) => op.name);

describe('the handler table', () => {
  it('has one handler per operation, named after it', () => {
    expect(Object.keys(HANDLERS).sort()).toEqual([...OPERATION_NAMES].sort());
    for (const name of OPERATION_NAMES) expect(HANDLERS[name].operation).toBe(name);
  });

  it('covers the six identity-scoped available operations in these tests; the pool, push sync, bulk publish and pool usage ones in their own e2e tests', () => {
    expect(IDENTITY_SCOPED.sort()).toEqual(['DeleteDataset', 'DescribeDataset', 'DescribeIdentityUsage', 'ListDatasets', 'ListRecords', 'UpdateRecords']);
    expect(AVAILABLE.filter((op) => !IDENTITY_SCOPED.includes(op)).sort()).toEqual([
      'BulkPublish',
      'DescribeIdentityPoolUsage',
      'GetBulkPublishDetails',
      'GetCognitoEvents',
      'GetIdentityPoolConfiguration',
      'ListIdentityPoolUsage',
      'RegisterDevice',
      'SetCognitoEvents',
      'SetIdentityPoolConfiguration',
      'SubscribeToDataset',
      'UnsubscribeFromDataset',
    ]);
  });
});

describe('success', () => {
  it.each(IDENTITY_SCOPED)("%s answers 200 for the caller's own identity", async (op) => {
    for (const principal of [identity(), developer()]) {
      const r = await call(requestFor(op, principal));
      expect(r.statusCode, r.body).toBe(200);
      expect(r.headers['Content-Type']).toBe('application/json');
      expect(r.headers['x-amzn-RequestId']).toBeTruthy();
    }
  });

  it('passes the typed input and the principal to the domain', async () => {
    const event = makeEvent({
      method: 'POST',
      rawPath: datasetPath('ds'),
      headers: { 'x-amz-client-context': 'ctx', 'content-type': 'application/x-amz-json-1.1' },
      body: {
        SyncSessionToken: 'sst',
        DeviceId: 'dev',
        RecordPatches: [{ Op: 'replace', Key: 'k', Value: 'v', SyncCount: 0, DeviceLastModifiedDate: 1400000000.123 }],
      },
      principal: identity(),
      requestId: 'req-42',
    });
    const r = await call(event);
    expect(r).toEqual({ statusCode: 200, headers: { 'Content-Type': 'application/json', 'x-amzn-RequestId': 'req-42' }, body: '{"Records":[]}' });
    expect(service.updateRecords).toHaveBeenCalledWith(identity(), {
      IdentityPoolId: TEST_POOL_ID,
      IdentityId: TEST_IDENTITY_ID,
      DatasetName: 'ds',
      SyncSessionToken: 'sst',
      DeviceId: 'dev',
      ClientContext: 'ctx',
      RecordPatches: [{ Op: 'replace', Key: 'k', Value: 'v', SyncCount: 0, DeviceLastModifiedDate: new Date(1400000000123) }],
    });
  });

  it('serializes dates as epoch seconds', async () => {
    const r = await call(requestFor('ListRecords', identity()));
    expect(r.body).toBe(
      '{"Records":[{"Key":"k","Value":"v","SyncCount":1,"LastModifiedDate":1400000000.123,"LastModifiedBy":"123456789012"}],' +
        '"Count":1,"DatasetSyncCount":1,"DatasetExists":true,"DatasetDeletedAfterRequestedSyncCount":false,"SyncSessionToken":"sst"}',
    );
    expect(service.listRecords).toHaveBeenCalledWith(identity(), {
      IdentityPoolId: TEST_POOL_ID,
      IdentityId: TEST_IDENTITY_ID,
      DatasetName: 'ds',
      LastSyncCount: 0,
    });
  });

  it('serves a named stage', async () => {
    const event = makeEvent({ method: 'GET', rawPath: `/prod${datasetPath('ds')}`, stage: 'prod' });
    expect((await call(event)).statusCode).toBe(200);
  });
});

describe('access rules', () => {
  it.each(IDENTITY_SCOPED)('%s: an identity touching another identity gets 403', async (op) => {
    const b = expectError(await call(requestFor(op, identity(), TEST_POOL_ID, OTHER_IDENTITY)), 403, 'NotAuthorizedException');
    expect(b.message).toBe(`Access to Identity '${OTHER_IDENTITY}' is forbidden.`);
    expect(Object.values(service).every((f) => f.mock.calls.length === 0)).toBe(true);
  });

  it.each(IDENTITY_SCOPED)('%s: an identity touching another pool gets 403', async (op) => {
    const b = expectError(await call(requestFor(op, identity(), OTHER_POOL, TEST_IDENTITY_ID)), 403, 'NotAuthorizedException');
    expect(b.message).toBe(`Access to IdentityPool '${OTHER_POOL}' is forbidden.`);
  });

  it.each(IDENTITY_SCOPED)('%s: a developer may touch any identity', async (op) => {
    expect((await call(requestFor(op, developer(), OTHER_POOL, OTHER_IDENTITY))).statusCode).toBe(200);
  });

  it.each(IDENTITY_SCOPED)('%s: no authorizer context gets 403', async (op) => {
    expectError(await call(requestFor(op, null)), 403, 'NotAuthorizedException');
  });

  it('callers rule: identity-only and developer-only operations', () => {
    const reg = { IdentityPoolId: TEST_POOL_ID, IdentityId: TEST_IDENTITY_ID };
    const refused = (f: () => void) => {
      try {
        f();
      } catch (e) {
        expect((e as SyncError).name).toBe('NotAuthorizedException');
        expect(httpStatusOf((e as SyncError).code)).toBe(403);
        return (e as SyncError).message;
      }
      throw new Error('expected a refusal');
    };
    for (const op of OPERATION_LIST.filter((o) => o.callers === 'identity')) {
      expect(refused(() => checkAccess(op, developer(), reg))).toContain('requires Cognito Identity credentials');
      expect(() => checkAccess(op, identity(), reg)).not.toThrow();
    }
    for (const op of OPERATION_LIST.filter((o) => o.callers === 'developer')) {
      expect(refused(() => checkAccess(op, identity(), reg))).toContain('requires developer credentials');
      expect(() => checkAccess(op, developer(), reg)).not.toThrow();
    }
    for (const op of OPERATION_LIST.filter((o) => o.callers === 'both')) {
      expect(() => checkAccess(op, developer(), reg)).not.toThrow();
      expect(() => checkAccess(op, identity(), reg)).not.toThrow();
    }
  });

  it('the authorize middleware refuses a developer on an identity-only operation', () => {
    const request = {
      event: makeEvent({ method: 'POST', rawPath: `${identityPath()}/device`.replace('/identities/', '/identity/') }),
      context: { ...lambdaContext('RegisterDevice', 'r'), protocol: { principal: developer(), input: { IdentityPoolId: TEST_POOL_ID } } },
      response: null,
      error: null,
      internal: {},
    } as SyncRequest;
    expect(() => authorize(OPERATIONS.RegisterDevice).before!(request)).toThrow(/requires Cognito Identity credentials/);
  });

  it('reads the principal from the IAM authorizer', () => {
    expect(principalOf(makeEvent({ method: 'GET', rawPath: '/', principal: identity() }))).toEqual(identity());
    expect(principalOf(makeEvent({ method: 'GET', rawPath: '/', principal: developer('111122223333') }))).toEqual(developer('111122223333'));
    expect(() => principalOf(makeEvent({ method: 'GET', rawPath: '/', principal: null }))).toThrow(SyncError);
  });
});

describe('request errors', () => {
  it('answers validation errors with the Coral message before authorization, without calling the domain', async () => {
    const rawPath = `/identitypools/INVALID/identities/${encodeURIComponent('A:B:C')}/datasets`;
    const b = expectError(await call(makeEvent({ method: 'GET', rawPath, principal: identity() })), 400, 'InvalidParameterException');
    expect(b.message).toMatch(/^2 validation errors detected: Value 'INVALID' at 'identityPoolId' failed to satisfy constraint: /);
    expect(service.listDatasets).not.toHaveBeenCalled();
  });

  it('answers bad JSON with SerializationException', async () => {
    const event = makeEvent({ method: 'POST', rawPath: datasetPath('ds'), body: '{"SyncSessionToken":' });
    const b = expectError(await call(event), 400, 'SerializationException');
    expect(b.message).toContain('not valid JSON');
  });

  it('answers a bad query integer with InvalidParameterException', async () => {
    const event = makeEvent({ method: 'GET', rawPath: `${datasetPath('ds')}/records`, query: 'maxResults=lots' });
    expectError(await call(event), 400, 'InvalidParameterException');
  });

  it('answers duplicate keys with InvalidParameterException', async () => {
    const patch = { Op: 'replace', Key: 'k', Value: 'v', SyncCount: 0 };
    const event = makeEvent({ method: 'POST', rawPath: datasetPath('ds'), body: { SyncSessionToken: 't', RecordPatches: [patch, patch] } });
    expect(expectError(await call(event), 400, 'InvalidParameterException').message).toBe('Duplicate record key in RecordPatches: k');
  });
});

describe('routing', () => {
  it.each([
    ['GET', '/'],
    ['GET', '/nope'],
    ['PUT', datasetPath('ds')],
    ['PATCH', '/identitypools'],
    ['GET', `${datasetPath('ds')}/records/extra`],
    ['GET', '/identitypools//identities/x/datasets'],
  ])('%s %s -> 404 UnknownOperationException', async (method, rawPath) => {
    expectError(await dispatch(makeEvent({ method, rawPath })), 404, 'UnknownOperationException');
  });

  it('bad percent-encoding in the path -> 400 InvalidParameterException', async () => {
    const b = expectError(await dispatch(makeEvent({ method: 'GET', rawPath: `${identityPath()}/datasets/%E0%A4%A` })), 400, 'InvalidParameterException');
    expect(b.message).toContain('percent-encoding');
  });

  it('routes DescribeDataset, UpdateRecords and DeleteDataset on the same path by method', async () => {
    await call(requestFor('DescribeDataset', developer()));
    await call(requestFor('UpdateRecords', developer()));
    await call(requestFor('DeleteDataset', developer()));
    expect(service.describeDataset).toHaveBeenCalledTimes(1);
    expect(service.updateRecords).toHaveBeenCalledTimes(1);
    expect(service.deleteDataset).toHaveBeenCalledTimes(1);
  });

  it("a handler given another operation's path answers 404, not a crash", async () => {
    const r = await HANDLERS.ListDatasets.withService(async () => service)(
      makeEvent({ method: 'GET', rawPath: poolPath() }),
      lambdaContext('ListDatasets', 'r'),
    );
    expectError(r, 404, 'UnknownOperationException');
  });
});

describe('unavailable operations', () => {
  const unavailable = OPERATION_LIST.filter((op) => !op.available);

  it.each(unavailable.map((op) => op.name))('%s answers 501 UnsupportedOperationException', async (name) => {
    const op = OPERATIONS[name];
    const principal = op.callers === 'developer' ? developer() : identity();
    const rawPath = op.path
      .replace('{IdentityPoolId}', encodeURIComponent(TEST_POOL_ID))
      .replace('{IdentityId}', encodeURIComponent(TEST_IDENTITY_ID))
      .replace('{DatasetName}', 'ds')
      .replace('{DeviceId}', 'dev');
    // Through the default dispatch: the 501 must not need the runtime (no DynamoDB here).
    const b = expectError(await dispatch(makeEvent({ method: op.method, rawPath, principal, body: '{}' })), 501, 'UnsupportedOperationException');
    expect(b.message).toBe(`${name} is not available on this endpoint yet`);
  });

  it('still requires an authenticated caller', async () => {
    expectError(await dispatch(makeEvent({ method: 'POST', rawPath: `${poolPath()}/bulkpublish`, principal: null })), 403, 'NotAuthorizedException');
  });
});

describe('unexpected failures', () => {
  it('a domain exception becomes 500 InternalErrorException without the stack, logged as one JSON line', async () => {
    const log = captureStderr();
    service.describeDataset.mockRejectedValueOnce(new Error('DynamoDB exploded at line 42'));
    const event = requestFor('DescribeDataset', identity());
    const r = await call(event);
    const b = expectError(r, 500, 'InternalErrorException');
    expect(r.body).not.toContain('exploded');
    expect(r.body).not.toMatch(/\bat\s+\S+\s+\(/);
    expect(Object.keys(b).sort()).toEqual(['__type', 'message']);
    expect(log.raw()).toHaveLength(1);
    expect(log.lines()[0]).toMatchObject({
      requestId: event.requestContext.requestId,
      operation: 'DescribeDataset',
      errorMessage: 'DynamoDB exploded at line 42',
    });
  });

  it('a SyncError from the domain keeps its type and status', async () => {
    service.listRecords.mockRejectedValueOnce(Errors.invalidParameter('No such SyncCount: 37 exists for this Dataset'));
    const b = expectError(await call(requestFor('ListRecords', identity())), 400, 'InvalidParameterException');
    expect(b.message).toBe('No such SyncCount: 37 exists for this Dataset');
  });

  it('a domain output without an always-present member becomes a 500, not a 200 the client cannot parse', async () => {
    captureStderr();
    service.updateRecords.mockResolvedValueOnce({} as never);
    expectError(await call(requestFor('UpdateRecords', identity())), 500, 'InternalErrorException');
  });

  it('a service that cannot be built becomes a 500', async () => {
    captureStderr();
    const handler = operationHandler(
      'DescribeDataset',
      (s, input, p) => s.describeDataset(p, input),
      async () => {
        throw new Error('no table configured');
      },
    );
    expectError(await handler(requestFor('DescribeDataset', identity()), lambdaContext('DescribeDataset', 'r')), 500, 'InternalErrorException');
  });
});
