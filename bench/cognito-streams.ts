/**
 * `npm run bench:streams`: Cognito Streams on this machine, against DynamoDB Local and moto's
 * Kinesis behind the edge port (`startLocalEndpoint`, in memory, change feed off so that nothing
 * else competes).
 *
 * 1. Streaming: the change feed's consumer handed committed syncs of many identities, one at a time,
 *    8 at a time (as concurrent shards do), and in stream batches of 100 at once (as the feed runner
 *    hands a batch to `consumeBatch`): records per second into Kinesis, and the lag from commit to
 *    Kinesis arrival (p50/p99).
 * 2. BulkPublish: a pool of 10,000 identities x 2 datasets (2 records each), written straight into
 *    the table in the store's item format, backfilled by the in-process worker: time and records
 *    per second.
 *
 * Options: `--identities N` (default 10000), `--syncs N` per streaming run (default 2000).
 */
import { randomUUID } from 'node:crypto';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { emulatorCredentials } from '../lambdas/src/adapters/aws/role-credentials';
import { encodeHeadAttributes, encodeRecord } from '../lambdas/src/adapters/dynamodb/items';
import { identityPartition, sortKey } from '../lambdas/src/adapters/dynamodb/keys';
import { DynamoDBPoolSettingsStore } from '../lambdas/src/adapters/dynamodb/pool-settings-store';
import { loadConfig } from '../lambdas/src/config';
import type { CommittedSync } from '../lambdas/src/domain/feed/committed-sync';
import { cognitoStreamsConsumer } from '../lambdas/src/feed/cognito-streams';
import { composeInProcessBulkPublish } from '../lambdas/src/workers/compose-bulk-publish-worker';
import { createDynamoDBLocalClient } from '../lambdas/local/emulators/dynamodb-local';
import { startLocalEndpoint } from '../lambdas/local/local-endpoint';

const REGION = 'us-east-1';
/** moto's default account owns what the bench creates; credentials of an assumed role act in the role's account. */
const ROLE = 'arn:aws:iam::123456789012:role/cognito-streams';
const SHARDS = 4;

const argument = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function main(): Promise<void> {
  const identities = argument('--identities', 10_000);
  const endpoint = await startLocalEndpoint({ port: 0, inMemory: true, feed: false, tableName: `bench-streams-${randomUUID()}` });
  const dynamodb = createDynamoDBLocalClient(endpoint.dynamoEndpoint);
  const kinesis = new KinesisClient({ region: REGION, endpoint: endpoint.url, credentials: emulatorCredentials() });
  const config = loadConfig({ AWS_REGION: REGION, SYNC_TABLE_NAME: endpoint.tableName, SYNC_AWS_ENDPOINT: endpoint.url });
  const settings = new DynamoDBPoolSettingsStore(dynamodb, endpoint.tableName);
  const newStream = async () => {
    const StreamName = `bench-${randomUUID()}`;
    await kinesis.send(new CreateStreamCommand({ StreamName, ShardCount: SHARDS }));
    return StreamName;
  };
  const enable = async (pool: string, StreamName: string) =>
    settings.replace(pool, { CognitoStreams: { StreamName, RoleArn: ROLE, StreamingStatus: 'ENABLED' } }, (await settings.read(pool)).version);

  try {
    console.log(`Cognito Streams bench (DynamoDB Local, moto Kinesis ${SHARDS} shards through the edge port)\n`);
    const consumer = cognitoStreamsConsumer({ config, dynamodb, tableName: endpoint.tableName });
    const records = [{ key: 'theme', value: 'dark', syncCount: 1, lastModifiedDate: 0, deviceLastModifiedDate: 0, lastModifiedBy: 'bench' }];
    const reader = { recordsOf: async () => records };
    const syncOf = (pool: string, i: number): CommittedSync => ({
      kind: 'sync',
      identityPoolId: pool,
      identityId: `${REGION}:${i.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`,
      datasetName: 'settings',
      syncCount: 1,
      previousSyncCount: 0,
      lastModifiedDate: Date.now(),
      lastModifiedBy: 'bench',
      dataStorage: 9,
      previousDataStorage: 0,
    });
    // One sync at a time (a stream batch of one), 8 at a time (as concurrent shards), and stream
    // batches of 100 (Lambda's default batch size) handed at once, as the feed runner does.
    const runs = [
      { label: '1 at a time', concurrency: 1, batch: 1 },
      { label: '8 at a time', concurrency: 8, batch: 1 },
      { label: 'batches of 100', concurrency: 1, batch: 100 },
    ];
    for (const { label, concurrency, batch } of runs) {
      const pool = `${REGION}:${randomUUID()}`;
      const stream = await newStream();
      await enable(pool, stream);
      const events = argument('--syncs', 2_000);
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < events) {
            const first = next;
            next = Math.min(events, next + batch);
            const run = Array.from({ length: next - first }, (_, j) => syncOf(pool, first + j));
            if (batch === 1) await consumer.consume(run[0] as CommittedSync, reader);
            else {
              const shortfall = await consumer.consumeBatch?.(run, reader);
              if (shortfall) throw shortfall.error;
            }
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const lags = (await readAll(kinesis, stream)).map((r) => r.arrival - r.committed).sort((a, b) => a - b);
      console.log(
        `streaming, ${label}: ${events} syncs in ${seconds.toFixed(1)} s = ${Math.round(events / seconds)} records/s; ` +
          `commit -> Kinesis lag p50 ${percentile(lags, 50)} ms, p99 ${percentile(lags, 99)} ms (${lags.length} records read back)`,
      );
    }

    const pool = `${REGION}:${randomUUID()}`;
    const seedStarted = performance.now();
    await seedPool(DynamoDBDocumentClient.from(dynamodb), endpoint.tableName, pool, identities, 2);
    console.log(`\nBulkPublish: seeded ${identities} identities x 2 datasets in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);
    const stream = await newStream();
    await enable(pool, stream);
    const { publishing, inProcess } = await composeInProcessBulkPublish({ config, dynamodb, tableName: endpoint.tableName });
    const started = performance.now();
    await publishing.start({ IdentityPoolId: pool });
    await inProcess?.idle();
    const seconds = (performance.now() - started) / 1000;
    const details = await publishing.details({ IdentityPoolId: pool });
    const published = (await readAll(kinesis, stream)).length;
    console.log(
      `BulkPublish: ${details.BulkPublishStatus}, ${published} records (one per dataset) in ${seconds.toFixed(1)} s = ${Math.round(published / seconds)} records/s`,
    );
  } finally {
    kinesis.destroy();
    dynamodb.destroy();
    await endpoint.close();
  }
}

/** Each dataset: its head and two live records, in the store's own item format, 25 items a batch, 8 batches at once. */
async function seedPool(documents: DynamoDBDocumentClient, TableName: string, pool: string, identities: number, datasets: number): Promise<void> {
  const now = Date.now();
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < identities; i++) {
    const identity = { IdentityPoolId: pool, IdentityId: `${REGION}:${randomUUID()}` };
    const PK = identityPartition(identity);
    for (let d = 0; d < datasets; d++) {
      const name = `dataset-${d}`;
      const head = {
        name,
        syncCount: 1,
        deleted: false,
        floor: 0,
        deletedAtSyncCount: 0,
        creationDate: now,
        lastModifiedDate: now,
        lastModifiedBy: 'bench',
        numRecords: 2,
        dataStorage: 8,
      };
      items.push({ PK, SK: sortKey.head(name), ...encodeHeadAttributes(head) });
      for (const key of ['a', 'b'])
        items.push(encodeRecord(PK, name, { key, value: `${key}-${d}`, syncCount: 1, lastModifiedDate: now, lastModifiedBy: 'bench' }, 0));
    }
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < items.length) {
        let batch = items.slice(next, next + 25).map((Item) => ({ PutRequest: { Item } }));
        next += 25;
        while (batch.length > 0) {
          const out = await documents.send(new BatchWriteCommand({ RequestItems: { [TableName]: batch } }));
          batch = (out.UnprocessedItems?.[TableName] ?? []) as typeof batch;
        }
      }
    }),
  );
}

/** Every record of every shard, with its commit time (the record's lastModifiedDate) and arrival. */
async function readAll(kinesis: KinesisClient, StreamName: string): Promise<{ committed: number; arrival: number }[]> {
  await kinesis.send(new DescribeStreamSummaryCommand({ StreamName }));
  const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName }));
  const out: { committed: number; arrival: number }[] = [];
  for (const shard of Shards) {
    let { ShardIterator } = await kinesis.send(new GetShardIteratorCommand({ StreamName, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
    for (;;) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 10_000 }));
      for (const r of page.Records ?? []) {
        const body = JSON.parse(Buffer.from(r.Data ?? []).toString('utf8')) as { lastModifiedDate: number };
        out.push({ committed: body.lastModifiedDate, arrival: r.ApproximateArrivalTimestamp?.getTime() ?? 0 });
      }
      if (!page.Records?.length || !page.NextShardIterator) break;
      ShardIterator = page.NextShardIterator;
    }
  }
  return out;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
