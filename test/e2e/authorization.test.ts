/**
 * Who may call what (docs/behaviour.md#who-may-call-what), end to end: an identity's credentials
 * reach its own data only. Naming another identity or another pool is NotAuthorizedException (403)
 * for each of the six operations, and touches nothing; an unsigned request is
 * MissingAuthenticationTokenException (403); the identity itself may call all six.
 */
import {
  CognitoSyncClient,
  DeleteDatasetCommand,
  DescribeDatasetCommand,
  DescribeIdentityUsageCommand,
  ListDatasetsCommand,
  ListRecordsCommand,
  NotAuthorizedException,
  UpdateRecordsCommand,
} from '@aws-sdk/client-cognito-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, startEndpoint, syncPath, type AwsCredentials, type Endpoint, type TestIdentity } from '../helpers/local-endpoint';

let endpoint: Endpoint;
let developer: CognitoSyncClient;
/** Two identities of the default pool, and one of another pool. */
let alice: TestIdentity;
let bob: TestIdentity;
let carol: TestIdentity;
let otherPool: string;
/** A genuine session token of Bob's dataset: stealing one must not help. */
let bobsToken: string;

const DATASET = 'private';

beforeAll(async () => {
  endpoint = await startEndpoint();
  developer = new CognitoSyncClient({ region: endpoint.region, endpoint: endpoint.url, credentials: endpoint.developerCredentials, maxAttempts: 1 });
  alice = await endpoint.newIdentity();
  bob = await endpoint.newIdentity();
  otherPool = await endpoint.createIdentityPool('other pool');
  carol = await endpoint.newIdentity(otherPool);
  // Bob and Carol each have data; Alice will try to reach it.
  for (const owner of [bob, carol]) {
    const client = clientFor(owner.credentials);
    const ds = { IdentityPoolId: owner.identityPoolId, IdentityId: owner.identityId, DatasetName: DATASET };
    const listed = await client.send(new ListRecordsCommand(ds));
    await client.send(
      new UpdateRecordsCommand({
        ...ds,
        SyncSessionToken: listed.SyncSessionToken,
        RecordPatches: [{ Op: 'replace', Key: 'secret', Value: `of ${owner.identityId}`, SyncCount: 0 }],
      }),
    );
    if (owner === bob) bobsToken = (await client.send(new ListRecordsCommand(ds))).SyncSessionToken as string;
    client.destroy();
  }
});

afterAll(async () => {
  developer?.destroy();
  await endpoint?.close();
});

const clientFor = (credentials: AwsCredentials) => new CognitoSyncClient({ region: endpoint.region, endpoint: endpoint.url, credentials, maxAttempts: 1 });

interface Target {
  readonly pool: string;
  readonly identity: string;
}

/** Each of the six operations, aimed at a target's data, as an app would send it with the v3 client. */
const OPERATIONS: Record<string, (client: CognitoSyncClient, t: Target) => Promise<unknown>> = {
  ListDatasets: (c, t) => c.send(new ListDatasetsCommand({ IdentityPoolId: t.pool, IdentityId: t.identity })),
  DescribeIdentityUsage: (c, t) => c.send(new DescribeIdentityUsageCommand({ IdentityPoolId: t.pool, IdentityId: t.identity })),
  DescribeDataset: (c, t) => c.send(new DescribeDatasetCommand({ IdentityPoolId: t.pool, IdentityId: t.identity, DatasetName: DATASET })),
  ListRecords: (c, t) => c.send(new ListRecordsCommand({ IdentityPoolId: t.pool, IdentityId: t.identity, DatasetName: DATASET, LastSyncCount: 0 })),
  UpdateRecords: (c, t) =>
    c.send(
      new UpdateRecordsCommand({
        IdentityPoolId: t.pool,
        IdentityId: t.identity,
        DatasetName: DATASET,
        SyncSessionToken: bobsToken,
        RecordPatches: [{ Op: 'replace', Key: 'secret', Value: 'overwritten by an intruder', SyncCount: 1 }],
      }),
    ),
  DeleteDataset: (c, t) => c.send(new DeleteDatasetCommand({ IdentityPoolId: t.pool, IdentityId: t.identity, DatasetName: DATASET })),
};

async function rejection(promise: Promise<unknown>): Promise<Error & { $metadata: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (e) {
    return e as Error & { $metadata: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to be refused');
}

/** Bob's and Carol's data as the developer sees it: unchanged by anything Alice tries. */
async function othersData() {
  return Promise.all(
    [bob, carol].map(async (owner) => {
      const ds = { IdentityPoolId: owner.identityPoolId, IdentityId: owner.identityId, DatasetName: DATASET };
      const records = await developer.send(new ListRecordsCommand(ds));
      return {
        records: records.Records,
        count: records.DatasetSyncCount,
        dataset: (await developer.send(new DescribeDatasetCommand(ds))).Dataset,
        usage: (await developer.send(new DescribeIdentityUsageCommand({ IdentityPoolId: owner.identityPoolId, IdentityId: owner.identityId }))).IdentityUsage,
      };
    }),
  );
}

describe('an identity’s credentials naming someone else’s data', () => {
  const cases: [string, () => Target, RegExp][] = [
    ['another identity of its own pool', () => ({ pool: alice.identityPoolId, identity: bob.identityId }), /^Access to Identity '.+' is forbidden\.$/],
    ['its own identity id under another pool', () => ({ pool: otherPool, identity: alice.identityId }), /^Access to IdentityPool '.+' is forbidden\.$/],
    ['an identity of another pool', () => ({ pool: otherPool, identity: carol.identityId }), /^Access to IdentityPool '.+' is forbidden\.$/],
  ];

  for (const [what, target, message] of cases) {
    it(`is refused with NotAuthorizedException (403) for each of the six operations: ${what}`, async () => {
      const before = await othersData();
      const client = clientFor(alice.credentials);
      for (const [name, call] of Object.entries(OPERATIONS)) {
        const err = await rejection(call(client, target()));
        expect(err, name).toBeInstanceOf(NotAuthorizedException);
        expect(err.name, name).toBe('NotAuthorizedException');
        expect(err.$metadata.httpStatusCode, name).toBe(403);
        expect(err.message, name).toMatch(message);
      }
      client.destroy();
      expect(await othersData()).toEqual(before);
    });
  }

  it('refuses Carol (another pool) on Bob’s data, and Bob on Carol’s, on the wire too (header and __type)', async () => {
    const before = await othersData();
    for (const [caller, owner] of [
      [carol, bob],
      [bob, carol],
    ] as const) {
      for (const [method, path, body] of [
        ['GET', syncPath(owner.identityPoolId, owner.identityId, undefined, '/datasets'), undefined],
        ['GET', syncPath(owner.identityPoolId, owner.identityId), undefined],
        ['GET', syncPath(owner.identityPoolId, owner.identityId, DATASET), undefined],
        ['GET', syncPath(owner.identityPoolId, owner.identityId, DATASET, '/records'), undefined],
        ['POST', syncPath(owner.identityPoolId, owner.identityId, DATASET), JSON.stringify({ SyncSessionToken: 'x', RecordPatches: [] })],
        ['DELETE', syncPath(owner.identityPoolId, owner.identityId, DATASET), undefined],
      ] as const) {
        const res = await rawRequest(endpoint, { method, path, body, credentials: caller.credentials });
        expect(res.status, `${method} ${path}`).toBe(403);
        expect(res.errorType).toBe('NotAuthorizedException');
        expect(res.json?.__type).toBe('NotAuthorizedException');
        expect(res.json?.message).toMatch(/^Access to IdentityPool '.+' is forbidden\.$/);
      }
    }
    expect(await othersData()).toEqual(before);
  });
});

describe('unsigned requests', () => {
  it('get MissingAuthenticationTokenException (403) for each of the six operations', async () => {
    const before = await othersData();
    const t = { pool: bob.identityPoolId, identity: bob.identityId };
    const requests = [
      { op: 'ListDatasets', method: 'GET', path: syncPath(t.pool, t.identity, undefined, '/datasets') },
      { op: 'DescribeIdentityUsage', method: 'GET', path: syncPath(t.pool, t.identity) },
      { op: 'DescribeDataset', method: 'GET', path: syncPath(t.pool, t.identity, DATASET) },
      { op: 'ListRecords', method: 'GET', path: syncPath(t.pool, t.identity, DATASET, '/records'), query: { lastSyncCount: '0' } },
      {
        op: 'UpdateRecords',
        method: 'POST',
        path: syncPath(t.pool, t.identity, DATASET),
        body: JSON.stringify({ SyncSessionToken: bobsToken, RecordPatches: [{ Op: 'replace', Key: 'secret', Value: 'unsigned', SyncCount: 1 }] }),
      },
      { op: 'DeleteDataset', method: 'DELETE', path: syncPath(t.pool, t.identity, DATASET) },
    ];
    for (const { op, ...request } of requests) {
      const res = await rawRequest(endpoint, request);
      expect(res.status, op).toBe(403);
      expect(res.errorType, op).toBe('MissingAuthenticationTokenException');
      expect(res.json, op).toEqual({ __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
      expect(res.requestId, op).toBeTruthy();
    }
    expect(await othersData()).toEqual(before);
  });
});

describe('an identity on its own data', () => {
  it('may call all six operations', async () => {
    const client = clientFor(alice.credentials);
    const own = { IdentityPoolId: alice.identityPoolId, IdentityId: alice.identityId };
    const ds = { ...own, DatasetName: DATASET };
    const listed = await client.send(new ListRecordsCommand(ds));
    expect(listed.DatasetExists).toBe(false);
    const updated = await client.send(
      new UpdateRecordsCommand({
        ...ds,
        SyncSessionToken: listed.SyncSessionToken,
        RecordPatches: [{ Op: 'replace', Key: 'mine', Value: 'yes', SyncCount: 0 }],
      }),
    );
    expect(updated.Records?.[0]).toMatchObject({ Key: 'mine', SyncCount: 1, LastModifiedBy: alice.identityId });
    expect((await client.send(new DescribeDatasetCommand(ds))).Dataset).toMatchObject({ DatasetName: DATASET, NumRecords: 1 });
    expect((await client.send(new ListDatasetsCommand(own))).Datasets?.map((d) => d.DatasetName)).toEqual([DATASET]);
    expect((await client.send(new DescribeIdentityUsageCommand(own))).IdentityUsage).toMatchObject({ DatasetCount: 1, DataStorage: 7 });
    expect((await client.send(new DeleteDatasetCommand(ds))).Dataset).toMatchObject({ DatasetName: DATASET });
    expect((await client.send(new ListDatasetsCommand(own))).Datasets).toEqual([]);
    client.destroy();
  });
});
