/**
 * The wire format checked by the real v3 client, in-process: the client serializes, `dispatch` answers
 * over a fake service, the client deserializes. No network and no store, so it runs with the unit tests;
 * the end-to-end tests do the same over HTTP against the real store.
 */
import {
  BulkPublishCommand,
  CognitoSyncClient,
  CognitoSyncServiceException,
  ListRecordsCommand,
  ResourceConflictException,
  UpdateRecordsCommand,
} from '@aws-sdk/client-cognito-sync';
import { HttpResponse, type HttpRequest } from '@smithy/protocol-http';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Principal, SyncService } from '../../lambdas/src/domain/model';
import { createDispatch } from '../../lambdas/local/http/dispatch';
import { Errors } from '../../lambdas/src/errors';
import { identity, makeEvent, TEST_IDENTITY_ID, TEST_POOL_ID } from '../helpers/events';

const service = {
  listDatasets: vi.fn(),
  describeDataset: vi.fn(),
  deleteDataset: vi.fn(),
  describeIdentityUsage: vi.fn(),
  listRecords: vi.fn(),
  updateRecords: vi.fn(),
} satisfies Record<keyof SyncService, unknown>;

const seen: { method: string; path: string; body?: string; headers: Record<string, string> }[] = [];

/** Turns the client's request into the HTTP API event, as API Gateway (or the local server) would. */
function clientFor(principal: Principal): CognitoSyncClient {
  const dispatch = createDispatch({ resolveService: async () => service as unknown as SyncService });
  return new CognitoSyncClient({
    region: 'us-east-1',
    endpoint: 'http://localhost:8080',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
    requestHandler: {
      async handle(request: HttpRequest) {
        const query = Object.entries(request.query ?? {})
          .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
          .join('&');
        const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]));
        // The client hands JSON bodies over as bytes, and no body at all when there are no members.
        const raw: unknown = request.body;
        const body = typeof raw === 'string' ? raw : raw instanceof Uint8Array ? Buffer.from(raw).toString('utf8') : undefined;
        seen.push({ method: request.method, path: request.path, body, headers });
        const result = await dispatch(makeEvent({ method: request.method, rawPath: request.path, query, headers, body, principal }));
        return {
          response: new HttpResponse({
            statusCode: result.statusCode,
            headers: result.headers,
            body: Buffer.from(result.body, 'utf8'),
          }),
        };
      },
    },
  });
}

beforeEach(() => {
  seen.length = 0;
  for (const f of Object.values(service)) f.mockReset();
});

describe('@aws-sdk/client-cognito-sync v3 against dispatch', () => {
  it('ListRecords: percent-encoded labels, query integers, dates and always-present members', async () => {
    service.listRecords.mockResolvedValue({
      Records: [
        {
          Key: 'k',
          Value: 'v',
          SyncCount: 3,
          LastModifiedDate: new Date(1400000000123),
          LastModifiedBy: 'me',
          DeviceLastModifiedDate: new Date(1400000000000),
        },
        { Key: 'gone', SyncCount: 2, LastModifiedDate: new Date(1400000000456), LastModifiedBy: 'me' },
      ],
      Count: 2,
      DatasetSyncCount: 3,
      DatasetExists: true,
      DatasetDeletedAfterRequestedSyncCount: false,
      SyncSessionToken: 'sst',
    });
    const out = await clientFor(identity()).send(
      new ListRecordsCommand({
        IdentityPoolId: TEST_POOL_ID,
        IdentityId: TEST_IDENTITY_ID,
        DatasetName: 'ds',
        LastSyncCount: 0,
        MaxResults: 3,
        NextToken: 'a+b/c=',
      }),
    );
    expect(seen[0].path).toContain('us-east-1%3A');
    expect(service.listRecords.mock.calls[0][1]).toEqual({
      IdentityPoolId: TEST_POOL_ID,
      IdentityId: TEST_IDENTITY_ID,
      DatasetName: 'ds',
      LastSyncCount: 0,
      MaxResults: 3,
      NextToken: 'a+b/c=',
    });
    expect(out.Records?.[0].LastModifiedDate?.getTime()).toBe(1400000000123);
    expect(out.Records?.[1].Value).toBeUndefined();
    expect(out).toMatchObject({ Count: 2, DatasetSyncCount: 3, DatasetExists: true, DatasetDeletedAfterRequestedSyncCount: false, SyncSessionToken: 'sst' });
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.$metadata.requestId).toBeTruthy();
  });

  it('UpdateRecords: body members, the client-context header and fractional device dates', async () => {
    service.updateRecords.mockResolvedValue({ Records: [] });
    const out = await clientFor(identity()).send(
      new UpdateRecordsCommand({
        IdentityPoolId: TEST_POOL_ID,
        IdentityId: TEST_IDENTITY_ID,
        DatasetName: 'ds',
        SyncSessionToken: 'sst',
        DeviceId: 'dev',
        ClientContext: 'ctx',
        RecordPatches: [
          { Op: 'replace', Key: 'k', SyncCount: 0, Value: 'v', DeviceLastModifiedDate: new Date(1400000000123) },
          { Op: 'remove', Key: 'k2', SyncCount: 3 },
        ],
      }),
    );
    expect(out.Records).toEqual([]);
    expect(service.updateRecords.mock.calls[0][1]).toEqual({
      IdentityPoolId: TEST_POOL_ID,
      IdentityId: TEST_IDENTITY_ID,
      DatasetName: 'ds',
      SyncSessionToken: 'sst',
      DeviceId: 'dev',
      ClientContext: 'ctx',
      RecordPatches: [
        { Op: 'replace', Key: 'k', SyncCount: 0, Value: 'v', DeviceLastModifiedDate: new Date(1400000000123) },
        { Op: 'remove', Key: 'k2', SyncCount: 3 },
      ],
    });
  });

  it('errors become the modelled exception class with the message', async () => {
    service.updateRecords.mockRejectedValue(Errors.resourceConflict('Current SyncCount for: k is: 1 not: 0'));
    const err = await clientFor(identity())
      .send(new UpdateRecordsCommand({ IdentityPoolId: TEST_POOL_ID, IdentityId: TEST_IDENTITY_ID, DatasetName: 'ds', SyncSessionToken: 't' }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceConflictException);
    expect((err as ResourceConflictException).message).toBe('Current SyncCount for: k is: 1 not: 0');
    expect((err as ResourceConflictException).$metadata.httpStatusCode).toBe(409);
  });

  it('validation errors arrive as InvalidParameterException with the Coral message', async () => {
    const err = await clientFor(identity())
      .send(new ListRecordsCommand({ IdentityPoolId: 'INVALID', IdentityId: TEST_IDENTITY_ID, DatasetName: 'ds' }))
      .catch((e: unknown) => e);
    expect((err as Error).name).toBe('InvalidParameterException');
    expect((err as Error).message).toMatch(/^1 validation error detected: Value 'INVALID' at 'identityPoolId'/);
  });

  it('a POST without a body (v3 BulkPublish) reaches the operation', async () => {
    const err = await clientFor({ kind: 'developer', accountId: '123456789012' })
      .send(new BulkPublishCommand({ IdentityPoolId: TEST_POOL_ID }))
      .catch((e: unknown) => e);
    expect(seen[0].body).toBeUndefined();
    expect(err).toBeInstanceOf(CognitoSyncServiceException);
    // Past the protocol into the operation, which has no table in this test: not a 400 of the protocol.
    expect((err as Error).name).toBe('InternalErrorException');
    expect((err as CognitoSyncServiceException).$metadata.httpStatusCode).toBe(500);
  });
});
