/**
 * Cognito Streams and BulkPublish end to end, as a developer sees them: the local endpoint (edge port,
 * moto, the change feed on), a pool of the local Cognito Identity, streaming enabled with the v3
 * client's SetIdentityPoolConfiguration, syncs from several identities with the v3 client, the
 * stream read back with the v3 Kinesis client; then BulkPublish and GetBulkPublishDetails.
 */
import { randomUUID } from 'node:crypto';
import { CognitoIdentityClient, CreateIdentityPoolCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import {
  BulkPublishCommand,
  CognitoSyncClient,
  DeleteDatasetCommand,
  GetBulkPublishDetailsCommand,
  ListRecordsCommand,
  SetIdentityPoolConfigurationCommand,
  UpdateRecordsCommand,
} from '@aws-sdk/client-cognito-sync';
import { CreateStreamCommand, DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '../../lambdas/src/common/sleep';
import { emulatorCredentials } from '../../lambdas/src/adapters/aws/role-credentials';
import { type LocalEndpoint, startLocalEndpoint } from '../../lambdas/local/local-endpoint';
import { dynamoEndpoint } from '../helpers/dynamodb-local';

const REGION = 'us-east-1';
/** moto's default account owns the streams the test creates; an assumed role acts in its own account. */
const ROLE = 'arn:aws:iam::123456789012:role/cognito-streams';

let edge: LocalEndpoint;
let sync: CognitoSyncClient;
let identity: CognitoIdentityClient;
let kinesis: KinesisClient;

beforeAll(async () => {
  edge = await startLocalEndpoint({ port: 0, inMemory: true, dynamoEndpoint: dynamoEndpoint(), tableName: `streams-e2e-${randomUUID()}` });
  sync = new CognitoSyncClient({ region: REGION, endpoint: edge.url, credentials: edge.developer });
  identity = new CognitoIdentityClient({ region: REGION, endpoint: edge.url, credentials: edge.developer });
  kinesis = new KinesisClient({ region: REGION, endpoint: edge.url, credentials: emulatorCredentials() });
}, 60_000);

afterAll(async () => {
  for (const client of [sync, identity, kinesis]) client?.destroy();
  await edge?.close();
});

async function newPool(): Promise<string> {
  const out = await identity.send(new CreateIdentityPoolCommand({ IdentityPoolName: 'streams e2e', AllowUnauthenticatedIdentities: true }));
  return out.IdentityPoolId as string;
}

async function newIdentity(IdentityPoolId: string): Promise<string> {
  return (await identity.send(new GetIdCommand({ IdentityPoolId }))).IdentityId as string;
}

async function streamingTo(IdentityPoolId: string): Promise<string> {
  const StreamName = `e2e-${randomUUID()}`;
  await kinesis.send(new CreateStreamCommand({ StreamName, ShardCount: 1 }));
  await sync.send(new SetIdentityPoolConfigurationCommand({ IdentityPoolId, CognitoStreams: { StreamName, RoleArn: ROLE, StreamingStatus: 'ENABLED' } }));
  return StreamName;
}

async function write(IdentityPoolId: string, IdentityId: string, DatasetName: string, patches: { Key: string; Value?: string }[]): Promise<void> {
  const dataset = { IdentityPoolId, IdentityId, DatasetName };
  const listed = await sync.send(new ListRecordsCommand(dataset));
  const counts = new Map((listed.Records ?? []).map((r) => [r.Key, r.SyncCount ?? 0]));
  await sync.send(
    new UpdateRecordsCommand({
      ...dataset,
      SyncSessionToken: listed.SyncSessionToken,
      RecordPatches: patches.map((p) => ({ Op: p.Value === undefined ? 'remove' : 'replace', Key: p.Key, Value: p.Value, SyncCount: counts.get(p.Key) ?? 0 })),
    }),
  );
}

/** The stream's records once there are at least `count` (the change feed delivers them soon after each sync). */
async function readAtLeast(StreamName: string, count: number): Promise<{ partitionKey: string; body: Record<string, unknown> }[]> {
  const { StreamDescription } = await kinesis.send(new DescribeStreamCommand({ StreamName }));
  const ShardId = StreamDescription?.Shards?.[0]?.ShardId;
  for (let attempt = 0; ; attempt++) {
    const { ShardIterator } = await kinesis.send(new GetShardIteratorCommand({ StreamName, ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
    const { Records = [] } = await kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 10_000 }));
    if (Records.length >= count || attempt === 300) {
      return Records.map((r) => ({ partitionKey: r.PartitionKey ?? '', body: JSON.parse(Buffer.from(r.Data ?? []).toString('utf8')) }));
    }
    await sleep(100);
  }
}

describe('Cognito Streams through the local endpoint', () => {
  it('streams every committed sync of two identities in the documented format, a large one by S3 URL, and a deletion', async () => {
    const pool = await newPool();
    const stream = await streamingTo(pool);
    const [alice, bob] = [await newIdentity(pool), await newIdentity(pool)];
    await write(pool, alice, 'settings', [{ Key: 'theme', Value: 'dark' }]);
    await write(pool, bob, 'settings', [{ Key: 'theme', Value: 'light' }]);
    await write(pool, alice, 'settings', [
      { Key: 'theme', Value: 'blue' },
      { Key: 'photo', Value: 'p'.repeat(200_000) },
    ]);
    await sync.send(new DeleteDatasetCommand({ IdentityPoolId: pool, IdentityId: bob, DatasetName: 'settings' }));

    const records = await readAtLeast(stream, 4);
    expect(records).toHaveLength(4);
    const ofAlice = records.filter((r) => r.partitionKey === alice).map((r) => r.body);
    const ofBob = records.filter((r) => r.partitionKey === bob).map((r) => r.body);
    expect(ofAlice.map((b) => b.syncCount)).toEqual([1, 2]);
    expect(ofBob.map((b) => b.operation)).toEqual(['replace', 'remove']);

    const first = ofAlice[0] as Record<string, unknown>;
    expect(Object.keys(first).sort()).toEqual(
      ['dataSetName', 'datasetName', 'identityId', 'identityPoolId', 'kinesisSyncRecords', 'lastModifiedDate', 'operation', 'payloadType', 'syncCount'].sort(),
    );
    expect(first).toMatchObject({
      identityPoolId: pool,
      identityId: alice,
      dataSetName: 'settings',
      datasetName: 'settings',
      operation: 'replace',
      payloadType: 'Inline',
    });
    const [theme] = first.kinesisSyncRecords as Record<string, unknown>[];
    expect(theme).toMatchObject({ key: 'theme', value: 'dark', syncCount: 1, op: 'replace' });
    for (const field of ['lastModifiedDate', 'deviceLastModifiedDate'])
      expect(Number.isInteger(theme?.[field]) && (theme?.[field] as number) > 1e12).toBe(true);
    expect(Number.isInteger(first.lastModifiedDate) && (first.lastModifiedDate as number) > 1e12).toBe(true);

    const large = ofAlice[1] as Record<string, unknown>;
    expect(large).toMatchObject({ payloadType: 'S3Url', syncCount: 2 });
    const fetched = (await (await fetch(String(large.kinesisSyncRecordsURL))).json()) as Record<string, unknown>[];
    expect(fetched.map((r) => [r.key, String(r.value).length, r.syncCount]).sort()).toEqual([
      ['photo', 200_000, 2],
      ['theme', 4, 2],
    ]);

    expect(ofBob[1]).toStrictEqual({
      identityPoolId: pool,
      identityId: bob,
      dataSetName: 'settings',
      datasetName: 'settings',
      operation: 'remove',
      syncCount: (ofBob[1] as { syncCount: number }).syncCount,
      lastModifiedDate: (ofBob[1] as { lastModifiedDate: number }).lastModifiedDate,
    });
  });
});

describe('BulkPublish through the local endpoint', () => {
  it('refuses a pool without streaming, then backfills every dataset of a pool with several identities and reports SUCCEEDED', async () => {
    const pool = await newPool();
    await expect(sync.send(new BulkPublishCommand({ IdentityPoolId: pool }))).rejects.toMatchObject({ name: 'InvalidConfigurationException' });
    expect(await sync.send(new GetBulkPublishDetailsCommand({ IdentityPoolId: pool }))).toMatchObject({
      IdentityPoolId: pool,
      BulkPublishStatus: 'NOT_STARTED',
    });

    const identities = [await newIdentity(pool), await newIdentity(pool), await newIdentity(pool)];
    for (const id of identities) {
      await write(pool, id, 'settings', [{ Key: 'theme', Value: `theme of ${id}` }]);
      await write(pool, id, 'scores', [{ Key: 'level', Value: '7' }]);
    }
    // Streaming from here on: the syncs above reach the stream only through the backfill.
    const stream = await streamingTo(pool);
    const started = await sync.send(new BulkPublishCommand({ IdentityPoolId: pool }));
    expect(started.IdentityPoolId).toBe(pool);

    let details = await sync.send(new GetBulkPublishDetailsCommand({ IdentityPoolId: pool }));
    for (let attempt = 0; details.BulkPublishStatus === 'IN_PROGRESS' && attempt < 300; attempt++) {
      await sleep(100);
      details = await sync.send(new GetBulkPublishDetailsCommand({ IdentityPoolId: pool }));
    }
    expect(details.BulkPublishStatus).toBe('SUCCEEDED');
    expect(details.BulkPublishStartTime).toBeInstanceOf(Date);
    expect(details.BulkPublishCompleteTime).toBeInstanceOf(Date);
    expect(details.FailureMessage).toBeUndefined();

    const records = await readAtLeast(stream, 6);
    expect(new Set(records.map((r) => `${r.partitionKey}/${r.body.datasetName}`))).toEqual(
      new Set(identities.flatMap((id) => [`${id}/settings`, `${id}/scores`])),
    );
    const settings = records.find((r) => r.partitionKey === identities[0] && r.body.datasetName === 'settings')?.body;
    expect(settings).toMatchObject({
      identityPoolId: pool,
      operation: 'replace',
      syncCount: 1,
      payloadType: 'Inline',
      kinesisSyncRecords: [{ key: 'theme', value: `theme of ${identities[0]}`, op: 'replace', syncCount: 1 }],
    });

    await expect(sync.send(new BulkPublishCommand({ IdentityPoolId: pool }))).rejects.toMatchObject({ name: 'AlreadyStreamedException' });
  });
});
