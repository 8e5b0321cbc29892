/**
 * Cognito Streams' consumer of the change feed against moto (Kinesis, S3, STS, through the edge
 * port) and DynamoDB Local:
 * the documented record per committed sync, a large update through a presigned S3 URL, a deletion
 * as `operation: remove`, per-identity order, streaming switched off when the stream is gone (and the
 * change kept failing, not dropped), and records that arrive once a failing Kinesis recovers.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
} from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorCredentials } from '../../lambdas/src/adapters/aws/role-credentials';
import { DynamoDBPoolSettingsStore } from '../../lambdas/src/adapters/dynamodb/pool-settings-store';
import { loadConfig } from '../../lambdas/src/config';
import type { CommittedRecord, CommittedRecordsReader, CommittedSync, FeedConsumer } from '../../lambdas/src/domain/feed/committed-sync';
import { StreamUnavailableError } from '../../lambdas/src/domain/streams/ports';
import { cognitoStreamsConsumer } from '../../lambdas/src/feed/cognito-streams';
import { type LocalEndpoint, startLocalEndpoint } from '../../lambdas/local/local-endpoint';
import { dynamoEndpoint, type FreshTable, freshTable } from '../helpers/dynamodb-local';

const REGION = 'us-east-1';
const ROLE = 'arn:aws:iam::123456789012:role/cognito-streams';

/** The edge port: the v3 Kinesis client speaks HTTP/2 only, which the edge port does and moto does not. */
let edge: LocalEndpoint;
let table: FreshTable;
let kinesis: KinesisClient;
let consumer: FeedConsumer;
let settingsStore: DynamoDBPoolSettingsStore;

beforeAll(async () => {
  [edge, table] = await Promise.all([
    startLocalEndpoint({ port: 0, inMemory: true, dynamoEndpoint: dynamoEndpoint(), tableName: `streams-edge-${randomUUID()}` }),
    freshTable('streams'),
  ]);
  kinesis = new KinesisClient({ region: REGION, endpoint: edge.url, credentials: emulatorCredentials() });
  const config = loadConfig({ AWS_REGION: REGION, SYNC_TABLE_NAME: table.tableName, SYNC_AWS_ENDPOINT: edge.url });
  consumer = cognitoStreamsConsumer({ config, dynamodb: table.client, tableName: table.tableName });
  settingsStore = new DynamoDBPoolSettingsStore(table.client, table.tableName);
}, 60_000);

afterAll(async () => {
  kinesis?.destroy();
  await edge?.close();
});

const newPool = () => `${REGION}:${randomUUID()}`;
const newIdentity = () => `${REGION}:${randomUUID()}`;

async function createStream(): Promise<string> {
  const StreamName = `streams-${randomUUID()}`;
  await kinesis.send(new CreateStreamCommand({ StreamName, ShardCount: 1 }));
  return StreamName;
}

async function enableStreaming(pool: string, StreamName: string): Promise<void> {
  const { version } = await settingsStore.read(pool);
  await settingsStore.replace(pool, { CognitoStreams: { StreamName, RoleArn: ROLE, StreamingStatus: 'ENABLED' } }, version);
}

/** Every record of the stream's one shard, decoded, in order. */
async function readStream(StreamName: string): Promise<{ partitionKey: string; body: Record<string, unknown> }[]> {
  const { StreamDescription } = await kinesis.send(new DescribeStreamCommand({ StreamName }));
  const ShardId = StreamDescription?.Shards?.[0]?.ShardId;
  const { ShardIterator } = await kinesis.send(new GetShardIteratorCommand({ StreamName, ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
  const { Records = [] } = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
  return Records.map((r) => ({ partitionKey: r.PartitionKey ?? '', body: JSON.parse(Buffer.from(r.Data ?? []).toString('utf8')) }));
}

const at = Date.UTC(2026, 10, 29, 12, 0, 0, 123);

function syncEvent(pool: string, identity: string, dataset: string, syncCount: number, kind: 'sync' | 'delete' = 'sync'): CommittedSync {
  return {
    kind,
    identityPoolId: pool,
    identityId: identity,
    datasetName: dataset,
    syncCount,
    previousSyncCount: syncCount - 1,
    lastModifiedDate: at + syncCount,
    lastModifiedBy: identity,
    dataStorage: 0,
    previousDataStorage: 0,
  };
}

const readerOf = (records: readonly CommittedRecord[]): CommittedRecordsReader => ({ recordsOf: async () => records });
const record = (key: string, value: string | undefined, syncCount: number): CommittedRecord => ({
  key,
  ...(value !== undefined && { value }),
  syncCount,
  lastModifiedDate: at + syncCount,
  deviceLastModifiedDate: at - 1000,
  lastModifiedBy: 'someone',
});

describe('a pool with streaming ENABLED', () => {
  it('writes one documented record per committed sync, partitioned by identity, in order per identity', async () => {
    const pool = newPool();
    const stream = await createStream();
    await enableStreaming(pool, stream);
    const [alice, bob] = [newIdentity(), newIdentity()];
    await consumer.consume(syncEvent(pool, alice, 'settings', 1), readerOf([record('theme', 'dark', 1), record('gone', undefined, 1)]));
    await consumer.consume(syncEvent(pool, bob, 'scores', 1), readerOf([record('level', '3', 1)]));
    await consumer.consume(syncEvent(pool, alice, 'settings', 2), readerOf([record('theme', 'light', 2)]));

    const records = await readStream(stream);
    expect(records.map((r) => [r.partitionKey, r.body.syncCount])).toEqual([
      [alice, 1],
      [bob, 1],
      [alice, 2],
    ]);
    expect(records[0]?.body).toStrictEqual({
      identityPoolId: pool,
      identityId: alice,
      dataSetName: 'settings',
      datasetName: 'settings',
      operation: 'replace',
      syncCount: 1,
      lastModifiedDate: at + 1,
      payloadType: 'Inline',
      kinesisSyncRecords: [
        { key: 'theme', value: 'dark', syncCount: 1, lastModifiedDate: at + 1, deviceLastModifiedDate: at - 1000, op: 'replace' },
        { key: 'gone', syncCount: 1, lastModifiedDate: at + 1, deviceLastModifiedDate: at - 1000, op: 'remove' },
      ],
    });
    // Epoch milliseconds as JSON integers, as AWS's sample consumer reads them into java.util.Date.
    expect(Number.isInteger(records[0]?.body.lastModifiedDate)).toBe(true);
  });

  it('sends an update over the record size to S3 and carries a presigned URL that fetches the records', async () => {
    const pool = newPool();
    const stream = await createStream();
    await enableStreaming(pool, stream);
    const identity = newIdentity();
    const big = [record('a', 'x'.repeat(100_000), 1), record('b', 'y'.repeat(100_000), 1)];
    await consumer.consume(syncEvent(pool, identity, 'photos', 1), readerOf(big));

    const [only] = await readStream(stream);
    expect(only?.body).toMatchObject({ payloadType: 'S3Url', operation: 'replace', syncCount: 1, identityId: identity, dataSetName: 'photos' });
    expect(only?.body).not.toHaveProperty('kinesisSyncRecords');
    const url = String(only?.body.kinesisSyncRecordsURL);
    expect(url).toMatch(/X-Amz-Signature=/);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    const fetched = (await response.json()) as Record<string, unknown>[];
    expect(fetched.map((r) => [r.key, String(r.value).length, r.op, r.syncCount])).toEqual([
      ['a', 100_000, 'replace', 1],
      ['b', 100_000, 'replace', 1],
    ]);
  });

  it('emits a DeleteDataset as operation remove with no records', async () => {
    const pool = newPool();
    const stream = await createStream();
    await enableStreaming(pool, stream);
    const identity = newIdentity();
    await consumer.consume(syncEvent(pool, identity, 'settings', 4, 'delete'), readerOf([]));
    const [only] = await readStream(stream);
    expect(only?.body).toStrictEqual({
      identityPoolId: pool,
      identityId: identity,
      dataSetName: 'settings',
      datasetName: 'settings',
      operation: 'remove',
      syncCount: 4,
      lastModifiedDate: at + 4,
    });
  });

  it('writes nothing for a pool whose streaming is not enabled', async () => {
    const pool = newPool();
    await expect(consumer.consume(syncEvent(pool, newIdentity(), 'settings', 1), readerOf([record('k', 'v', 1)]))).resolves.toBeUndefined();
  });
});

describe('a stream that is gone', () => {
  it('switches streaming to DISABLED with a reason, and keeps failing the changes from before the switch', async () => {
    const pool = newPool();
    const stream = await createStream();
    await enableStreaming(pool, stream);
    await kinesis.send(new DeleteStreamCommand({ StreamName: stream }));
    const identity = newIdentity();

    const before = syncEvent(pool, identity, 'settings', 1);
    await expect(consumer.consume(before, readerOf([record('k', 'v', 1)]))).rejects.toBeInstanceOf(StreamUnavailableError);
    const { settings } = await settingsStore.read(pool);
    expect(settings.CognitoStreams).toMatchObject({ StreamName: stream, RoleArn: ROLE, StreamingStatus: 'DISABLED' });
    expect((settings.CognitoStreams as { DisabledReason?: string }).DisabledReason).toContain(stream);

    // Retried (as the feed does): still failing, so it ends in the failure queue rather than dropped.
    await expect(consumer.consume(before, readerOf([record('k', 'v', 1)]))).rejects.toBeInstanceOf(StreamUnavailableError);
    // A change after the switch is not streamed, as in Cognito.
    const after = { ...syncEvent(pool, identity, 'settings', 2), lastModifiedDate: Date.now() + 60_000 };
    await expect(consumer.consume(after, readerOf([record('k', 'w', 2)]))).resolves.toBeUndefined();

    // Streaming set again (a new stream): the replayed change goes out.
    const again = await createStream();
    await enableStreaming(pool, again);
    await consumer.consume(before, readerOf([record('k', 'v', 1)]));
    expect((await readStream(again)).map((r) => r.body.syncCount)).toEqual([1]);
  });
});
