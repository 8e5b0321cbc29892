/**
 * BulkPublish and its worker over DynamoDB Local and moto (Kinesis, S3, STS through the edge port):
 * every status and error, the 24-hour rule with an injected clock, a worker killed mid-scan that
 * resumes from its checkpoint and covers every dataset, a stream gone during the job (FAILED, and
 * streaming DISABLED), and a whole pool published by the in-process worker.
 */
import { randomUUID } from 'node:crypto';
import { CognitoSyncClient, DeleteDatasetCommand, ListRecordsCommand, UpdateRecordsCommand } from '@aws-sdk/client-cognito-sync';
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
import { DynamoDBBulkPublishStore } from '../../lambdas/src/adapters/dynamodb/bulk-publish-store';
import { DynamoDBPoolDatasets } from '../../lambdas/src/adapters/dynamodb/pool-datasets-scan';
import { DynamoDBPoolSettingsStore } from '../../lambdas/src/adapters/dynamodb/pool-settings-store';
import { DynamoDBSyncStore } from '../../lambdas/src/adapters/dynamodb/sync-store';
import { loadConfig } from '../../lambdas/src/config';
import { BULK_PUBLISH_INTERVAL_MS, BulkPublishing, STUCK_AFTER_MS } from '../../lambdas/src/domain/pools/bulk-publish';
import type { PoolDatasets } from '../../lambdas/src/domain/pools/bulk-publish-ports';
import { BulkPublishWorker } from '../../lambdas/src/domain/pools/bulk-publish-worker';
import { EVERY_POOL } from '../../lambdas/src/domain/pools/ports';
import { createDynamoDBLocalClient } from '../../lambdas/local/emulators/dynamodb-local';
import { composeStreams } from '../../lambdas/src/feed/cognito-streams';
import { composeInProcessBulkPublish } from '../../lambdas/src/workers/compose-bulk-publish-worker';
import { type LocalEndpoint, startLocalEndpoint } from '../../lambdas/local/local-endpoint';
import { dynamoEndpoint } from '../helpers/dynamodb-local';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

const REGION = 'us-east-1';
const ROLE = 'arn:aws:iam::123456789012:role/cognito-streams';

let edge: LocalEndpoint;
let dynamodb: DynamoDBClient;
let kinesis: KinesisClient;
let sync: CognitoSyncClient;

beforeAll(async () => {
  // No change feed: these tests drive the worker alone, and the feed would stream the seeded syncs too.
  edge = await startLocalEndpoint({ port: 0, inMemory: true, feed: false, dynamoEndpoint: dynamoEndpoint(), tableName: `bulk-${randomUUID()}` });
  dynamodb = createDynamoDBLocalClient(dynamoEndpoint());
  kinesis = new KinesisClient({ region: REGION, endpoint: edge.url, credentials: emulatorCredentials() });
  sync = new CognitoSyncClient({ region: REGION, endpoint: edge.url, credentials: edge.developer });
}, 60_000);

afterAll(async () => {
  sync?.destroy();
  kinesis?.destroy();
  dynamodb?.destroy();
  await edge?.close();
});

const config = () => loadConfig({ AWS_REGION: REGION, SYNC_TABLE_NAME: edge.tableName, SYNC_AWS_ENDPOINT: edge.url });
const newPool = () => `${REGION}:${randomUUID()}`;

async function createStream(): Promise<string> {
  const StreamName = `bulk-${randomUUID()}`;
  await kinesis.send(new CreateStreamCommand({ StreamName, ShardCount: 1 }));
  return StreamName;
}

async function enableStreaming(pool: string, StreamName: string): Promise<void> {
  const store = new DynamoDBPoolSettingsStore(dynamodb, edge.tableName);
  const { version } = await store.read(pool);
  await store.replace(pool, { CognitoStreams: { StreamName, RoleArn: ROLE, StreamingStatus: 'ENABLED' } }, version);
}

async function readStream(StreamName: string): Promise<Record<string, unknown>[]> {
  const { StreamDescription } = await kinesis.send(new DescribeStreamCommand({ StreamName }));
  const ShardId = StreamDescription?.Shards?.[0]?.ShardId;
  let { ShardIterator } = await kinesis.send(new GetShardIteratorCommand({ StreamName, ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
  const out: Record<string, unknown>[] = [];
  for (;;) {
    const page = await kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 10_000 }));
    out.push(...(page.Records ?? []).map((r) => JSON.parse(Buffer.from(r.Data ?? []).toString('utf8'))));
    if (!page.Records?.length || !page.NextShardIterator) return out;
    ShardIterator = page.NextShardIterator;
  }
}

/** Writes `datasets` datasets of two records for each of `identities` identities of the pool. */
async function seedPool(pool: string, identities: number, datasets: number): Promise<string[]> {
  const ids = Array.from({ length: identities }, () => `${REGION}:${randomUUID()}`);
  for (const IdentityId of ids) {
    for (let d = 0; d < datasets; d++) {
      const dataset = { IdentityPoolId: pool, IdentityId, DatasetName: `dataset-${d}` };
      const { SyncSessionToken } = await sync.send(new ListRecordsCommand(dataset));
      await sync.send(
        new UpdateRecordsCommand({
          ...dataset,
          SyncSessionToken,
          RecordPatches: [
            { Op: 'replace', Key: 'a', Value: `a-${d}`, SyncCount: 0, DeviceLastModifiedDate: new Date(1_700_000_000_000) },
            { Op: 'replace', Key: 'b', Value: `b-${d}`, SyncCount: 0 },
          ],
        }),
      );
    }
  }
  return ids;
}

/** A clock the test moves. */
const movableClock = (start = Date.now()) => {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
};

/** BulkPublishing and a worker over the real adapters, with a launcher that only records launches. */
function parts(
  clock: { now(): number },
  datasets: PoolDatasets = new DynamoDBPoolDatasets(dynamodb, edge.tableName, new DynamoDBSyncStore(dynamodb, edge.tableName)),
) {
  const store = new DynamoDBBulkPublishStore(dynamodb, edge.tableName);
  const { settings: streaming, publisher } = composeStreams({ config: config(), dynamodb, tableName: edge.tableName });
  const launched: string[] = [];
  const publishing = new BulkPublishing({
    store,
    streaming,
    datasets,
    launcher: { launch: async (_pool, jobId) => void launched.push(jobId) },
    directory: EVERY_POOL,
    clock,
  });
  const worker = new BulkPublishWorker({ store, datasets, streaming, publisher, clock });
  return { publishing, worker, launched };
}

const forever = { remainingMs: () => Number.POSITIVE_INFINITY };

describe('BulkPublish', () => {
  it('goes NOT_STARTED -> IN_PROGRESS -> SUCCEEDED, refuses a duplicate, and once a day only', async () => {
    const pool = newPool();
    const clock = movableClock();
    const { publishing, worker, launched } = parts(clock);
    await seedPool(pool, 2, 1);

    expect(await publishing.details({ IdentityPoolId: pool })).toEqual({ IdentityPoolId: pool, BulkPublishStatus: 'NOT_STARTED' });
    await expect(publishing.start({ IdentityPoolId: pool })).rejects.toMatchObject({ name: 'InvalidConfigurationException' });

    await enableStreaming(pool, await createStream());
    await expect(publishing.start({ IdentityPoolId: pool })).resolves.toEqual({ IdentityPoolId: pool });
    expect(await publishing.details({ IdentityPoolId: pool })).toMatchObject({ BulkPublishStatus: 'IN_PROGRESS', BulkPublishStartTime: new Date(clock.now()) });
    await expect(publishing.start({ IdentityPoolId: pool })).rejects.toMatchObject({ name: 'DuplicateRequestException' });

    clock.advance(1_000);
    expect(await worker.run(pool, launched[0] as string, forever)).toBe('finished');
    const done = await publishing.details({ IdentityPoolId: pool });
    expect(done).toMatchObject({ BulkPublishStatus: 'SUCCEEDED', BulkPublishCompleteTime: new Date(clock.now()) });
    expect(done).not.toHaveProperty('FailureMessage');

    clock.advance(BULK_PUBLISH_INTERVAL_MS - 1);
    await expect(publishing.start({ IdentityPoolId: pool })).rejects.toMatchObject({ name: 'AlreadyStreamedException' });
    clock.advance(1);
    await expect(publishing.start({ IdentityPoolId: pool })).resolves.toEqual({ IdentityPoolId: pool });
    expect(launched).toHaveLength(2);
  });

  it('answers InvalidConfigurationException while streaming is DISABLED', async () => {
    const pool = newPool();
    const store = new DynamoDBPoolSettingsStore(dynamodb, edge.tableName);
    await store.replace(pool, { CognitoStreams: { StreamName: 'some', RoleArn: ROLE, StreamingStatus: 'DISABLED' } }, 0);
    await expect(parts(movableClock()).publishing.start({ IdentityPoolId: pool })).rejects.toMatchObject({ name: 'InvalidConfigurationException' });
  });

  it('ends FAILED with the reason when the stream is gone, and switches streaming off', async () => {
    const pool = newPool();
    const { publishing, worker, launched } = parts(movableClock());
    await seedPool(pool, 1, 1);
    const stream = await createStream();
    await enableStreaming(pool, stream);
    await publishing.start({ IdentityPoolId: pool });
    await kinesis.send(new DeleteStreamCommand({ StreamName: stream }));
    await worker.run(pool, launched[0] as string, forever);
    const details = await publishing.details({ IdentityPoolId: pool });
    expect(details.BulkPublishStatus).toBe('FAILED');
    expect(details.FailureMessage).toContain(stream);
    const { settings } = await new DynamoDBPoolSettingsStore(dynamodb, edge.tableName).read(pool);
    expect(settings.CognitoStreams?.StreamingStatus).toBe('DISABLED');
    // A failure does not count for the 24-hour rule: streaming set again, a new job may start.
    await enableStreaming(pool, await createStream());
    await expect(publishing.start({ IdentityPoolId: pool })).resolves.toEqual({ IdentityPoolId: pool });
  });

  it('resumes a worker killed mid-scan from its checkpoint and covers every dataset', async () => {
    const pool = newPool();
    const identities = await seedPool(pool, 6, 2);
    const stream = await createStream();
    await enableStreaming(pool, stream);
    const real = new DynamoDBPoolDatasets(dynamodb, edge.tableName, new DynamoDBSyncStore(dynamodb, edge.tableName), 2, 5);
    // Pages small enough that each segment has several: the scan's Limit is per page of items evaluated.
    let pagesLeftBeforeCrash = 3;
    const crashing: PoolDatasets = {
      totalSegments: real.totalSegments,
      page: async (poolId, segment, cursor) => {
        if (pagesLeftBeforeCrash-- <= 0) throw new Error('worker killed');
        return real.page(poolId, segment, cursor);
      },
    };
    const clock = movableClock();
    const first = parts(clock, crashing);
    await first.publishing.start({ IdentityPoolId: pool });
    const jobId = first.launched[0] as string;
    await expect(first.worker.run(pool, jobId, forever)).rejects.toThrow('worker killed');
    expect((await first.publishing.details({ IdentityPoolId: pool })).BulkPublishStatus).toBe('IN_PROGRESS');

    // Nobody resumed it: a BulkPublish long after finds it stuck and launches it again.
    clock.advance(STUCK_AFTER_MS);
    await expect(first.publishing.start({ IdentityPoolId: pool })).rejects.toMatchObject({ name: 'DuplicateRequestException' });
    expect(first.launched).toEqual([jobId, jobId]);

    // Both segments checkpointed past their first page before the crash: the resumed run starts
    // neither from the beginning.
    let restartsFromScratch = 0;
    const counting: PoolDatasets = {
      totalSegments: real.totalSegments,
      page: async (poolId, segment, cursor) => {
        if (cursor === undefined) restartsFromScratch++;
        return real.page(poolId, segment, cursor);
      },
    };
    const resumed = parts(clock, counting);
    expect(await resumed.worker.run(pool, jobId, forever)).toBe('finished');
    expect(restartsFromScratch).toBe(0);
    expect((await resumed.publishing.details({ IdentityPoolId: pool })).BulkPublishStatus).toBe('SUCCEEDED');
    const covered = new Set((await readStream(stream)).map((r) => `${r.identityId}/${r.datasetName}`));
    expect(covered).toEqual(new Set(identities.flatMap((id) => [`${id}/dataset-0`, `${id}/dataset-1`])));
  });

  it('continues in a fresh run when a run reaches its deadline', async () => {
    const pool = newPool();
    await seedPool(pool, 2, 1);
    await enableStreaming(pool, await createStream());
    const { publishing, worker, launched } = parts(movableClock());
    await publishing.start({ IdentityPoolId: pool });
    expect(await worker.run(pool, launched[0] as string, { remainingMs: () => 0 })).toBe('continue');
    expect((await publishing.details({ IdentityPoolId: pool })).BulkPublishStatus).toBe('IN_PROGRESS');
    expect(await worker.run(pool, launched[0] as string, forever)).toBe('finished');
    expect((await publishing.details({ IdentityPoolId: pool })).BulkPublishStatus).toBe('SUCCEEDED');
  });

  it('publishes every live dataset of a pool, one documented record each, with the in-process worker', async () => {
    const pool = newPool();
    const identities = await seedPool(pool, 5, 2);
    // A deleted dataset is not published.
    await sync.send(new DeleteDatasetCommand({ IdentityPoolId: pool, IdentityId: identities[0], DatasetName: 'dataset-1' }));
    const stream = await createStream();
    await enableStreaming(pool, stream);
    const { publishing, inProcess } = await composeInProcessBulkPublish({ config: config(), dynamodb, tableName: edge.tableName });
    await publishing.start({ IdentityPoolId: pool });
    await inProcess?.idle();
    expect((await publishing.details({ IdentityPoolId: pool })).BulkPublishStatus).toBe('SUCCEEDED');
    const records = await readStream(stream);
    expect(records).toHaveLength(9);
    const one = records.find((r) => r.identityId === identities[1] && r.datasetName === 'dataset-0');
    expect(one).toMatchObject({
      identityPoolId: pool,
      dataSetName: 'dataset-0',
      operation: 'replace',
      syncCount: 1,
      payloadType: 'Inline',
    });
    // Records of one sync count come in the store's order, not by key.
    const byKey = [...((one?.kinesisSyncRecords ?? []) as { key: string }[])].sort((x, y) => x.key.localeCompare(y.key));
    expect(byKey).toMatchObject([
      { key: 'a', value: 'a-0', syncCount: 1, op: 'replace', deviceLastModifiedDate: 1_700_000_000_000 },
      { key: 'b', value: 'b-0', syncCount: 1, op: 'replace' },
    ]);
    expect(Number.isInteger(one?.lastModifiedDate)).toBe(true);
  });
});
