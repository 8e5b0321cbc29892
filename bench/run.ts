/**
 * `npm run bench`: the endpoint's cost over its floor, measured in one run on this machine.
 *
 * For each operation of the datasets-and-records issue: p50, p99 and sequential throughput through
 * the real v3 client against the local endpoint (SigV4, HTTP, handler, DynamoDB Local), beside the
 * same DynamoDB calls made directly in the same run (the floor), as a ratio. Then the DynamoDB
 * request units one sync cycle (ListRecords + UpdateRecords) consumes, and each Lambda bundle's
 * size and cold import time when the bundle bench is present.
 *
 * Shared, noisy machines: only ratios against a floor measured in the same run mean anything.
 */
import { randomUUID } from 'node:crypto';
import { CognitoIdentityClient, CreateIdentityPoolCommand, GetCredentialsForIdentityCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import {
  CognitoSyncClient,
  DeleteDatasetCommand,
  DescribeDatasetCommand,
  DescribeIdentityUsageCommand,
  ListDatasetsCommand,
  ListRecordsCommand,
  UpdateRecordsCommand,
} from '@aws-sdk/client-cognito-sync';
import { BatchGetCommand, DeleteCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { encodeRecord } from '../lambdas/src/adapters/dynamodb/items';
import { bySyncCountQuery, identityPartition, SORT_KEY_PREFIX, sortKey } from '../lambdas/src/adapters/dynamodb/keys';
import { DynamoDBSyncStore } from '../lambdas/src/adapters/dynamodb/sync-store';
import { ensureTable } from '../lambdas/src/adapters/dynamodb/table-schema';
import { systemClock } from '../lambdas/src/domain/ports';
import { CognitoSyncService } from '../lambdas/src/domain/sync-service';
import { TokenCodec } from '../lambdas/src/domain/tokens';
import { developerCredentialsFromEnv } from '../lambdas/local/auth/credentials';
import { createDynamoDBLocalClient, startDynamoDBLocal } from '../lambdas/local/emulators/dynamodb-local';
import { startLocalServer } from '../lambdas/local/http/server';
import { buildSyncHttpEvent } from '../lambdas/local/http/event';
import { dispatch } from '../lambdas/local/http/dispatch';
import { benchCost, printCost, writeCostJson } from './cost';
import { benchMemory } from './memory';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 300);
const WARMUP = 30;
const TABLE = 'bench';

interface Stats {
  p50: number;
  p99: number;
  perSecond: number;
}

const summarize = (samples: number[]): Stats => {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const totalSeconds = samples.reduce((a, b) => a + b, 0) / 1000;
  return { p50: at(0.5), p99: at(0.99), perSecond: samples.length / totalSeconds };
};

const elapsedMs = async (fn: () => Promise<unknown>): Promise<number> => {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
};

/**
 * Times each way of doing the same operation call by call, round robin, so that the JVM's warm-up
 * and the machine's noise weigh on all of them alike. `prepare` runs untimed before each round.
 */
async function measureRounds<K extends string>(
  iterations: number,
  ways: Record<K, () => Promise<unknown>>,
  prepare?: () => Promise<unknown>,
): Promise<Record<K, Stats>> {
  const names = Object.keys(ways) as K[];
  for (let i = 0; i < WARMUP; i++) {
    for (const name of names) {
      await prepare?.();
      await ways[name]();
    }
  }
  const samples = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<K, number[]>;
  for (let i = 0; i < iterations; i++) {
    for (const name of names) {
      await prepare?.();
      samples[name].push(await elapsedMs(ways[name]));
    }
  }
  return Object.fromEntries(names.map((name) => [name, summarize(samples[name])])) as Record<K, Stats>;
}

interface Row {
  operation: string;
  endpoint: Stats;
  handler: Stats;
  floor: Stats;
}

async function main(): Promise<void> {
  const dynamo = await startDynamoDBLocal({ inMemory: true });
  const rawClient = createDynamoDBLocalClient(dynamo.endpoint);
  await ensureTable(rawClient, TABLE);
  const server = await startLocalServer({
    port: 0,
    tableName: TABLE,
    dynamoEndpoint: dynamo.endpoint,
    serverKey: Buffer.alloc(32, 3),
  });
  const region = server.region;
  try {
    const developer = developerCredentialsFromEnv();
    const identityClient = new CognitoIdentityClient({ region, endpoint: server.url, credentials: developer });
    const pool = await identityClient.send(new CreateIdentityPoolCommand({ IdentityPoolName: 'bench', AllowUnauthenticatedIdentities: true }));
    const IdentityPoolId = pool.IdentityPoolId!;
    const { IdentityId } = await identityClient.send(new GetIdCommand({ IdentityPoolId }));
    const { Credentials } = await identityClient.send(new GetCredentialsForIdentityCommand({ IdentityId }));
    const sync = new CognitoSyncClient({
      region,
      endpoint: server.url,
      credentials: {
        accessKeyId: Credentials!.AccessKeyId!,
        secretAccessKey: Credentials!.SecretKey!,
        sessionToken: Credentials!.SessionToken!,
      },
    });
    const ids = { IdentityPoolId, IdentityId: IdentityId! };
    const DatasetName = 'bench';

    // A dataset of 50 records to read; one hot record to write.
    const listed = await sync.send(new ListRecordsCommand({ ...ids, DatasetName }));
    const token = listed.SyncSessionToken!;
    await sync.send(
      new UpdateRecordsCommand({
        ...ids,
        DatasetName,
        SyncSessionToken: token,
        RecordPatches: Array.from({ length: 50 }, (_, i) => ({ Op: 'replace', Key: `key-${i}`, Value: `value-${i}`.repeat(8), SyncCount: 0 })),
      }),
    );

    // As the store's client: its record items leave out absent attributes.
    const doc = DynamoDBDocumentClient.from(rawClient, { marshallOptions: { removeUndefinedValues: true } });
    const floorPk = identityPartition({ IdentityPoolId, IdentityId: 'floor' });
    const pk = identityPartition({ IdentityPoolId, IdentityId: IdentityId! });
    const headKey = { PK: pk, SK: sortKey.head(DatasetName) };
    const rows: Row[] = [];
    const bench = async (
      operation: string,
      ways: { endpoint: () => Promise<unknown>; handler: () => Promise<unknown>; floor: () => Promise<unknown> },
      prepare?: () => Promise<unknown>,
    ) => {
      rows.push({ operation, ...(await measureRounds(ITERATIONS, ways, prepare)) });
      process.stderr.write(`  ${operation} done\n`);
    };

    // The deployed entry points called in this process with the event API Gateway would send: the
    // handler's own cost, without the HTTP hop and SigV4 that API Gateway does in front of it.
    const caller = {
      accessKey: Credentials!.AccessKeyId!,
      accountId: '000000000000',
      callerId: 'bench',
      userArn: 'arn:aws:sts::000000000000:assumed-role/bench/CognitoIdentityCredentials',
      userId: 'bench',
      cognitoIdentity: { amr: ['unauthenticated'], identityId: IdentityId!, identityPoolId: IdentityPoolId },
    };
    const label = encodeURIComponent;
    const identityPath = `/identitypools/${label(IdentityPoolId)}/identities/${label(IdentityId!)}`;
    const handler = async (method: string, path: string, body?: object): Promise<{ Records?: { SyncCount: number }[] }> => {
      const request = {
        method,
        rawPath: path,
        rawQueryString: '',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(body ? JSON.stringify(body) : ''),
        sourceIp: '127.0.0.1',
        protocol: 'HTTP/1.1',
      };
      const result = await dispatch(buildSyncHttpEvent(request, caller, { requestId: randomUUID(), nowMs: Date.now() }));
      if (result.statusCode !== 200) throw new Error(`${method} ${path}: ${result.statusCode} ${result.body}`);
      return JSON.parse(result.body) as { Records?: { SyncCount: number }[] };
    };

    await bench('ListDatasets', {
      endpoint: () => sync.send(new ListDatasetsCommand(ids)),
      handler: () => handler('GET', `${identityPath}/datasets`),
      floor: () =>
        doc.send(
          new QueryCommand({
            TableName: TABLE,
            KeyConditionExpression: 'PK = :pk AND begins_with(SK, :d)',
            ExpressionAttributeValues: { ':pk': pk, ':d': SORT_KEY_PREFIX.head },
            ConsistentRead: true,
          }),
        ),
    });
    await bench('DescribeDataset', {
      endpoint: () => sync.send(new DescribeDatasetCommand({ ...ids, DatasetName })),
      handler: () => handler('GET', `${identityPath}/datasets/${DatasetName}`),
      floor: () => doc.send(new GetCommand({ TableName: TABLE, Key: headKey, ConsistentRead: true })),
    });
    await bench('DescribeIdentityUsage', {
      endpoint: () => sync.send(new DescribeIdentityUsageCommand(ids)),
      handler: () => handler('GET', identityPath),
      floor: () => doc.send(new GetCommand({ TableName: TABLE, Key: { PK: pk, SK: sortKey.summary }, ConsistentRead: true })),
    });
    const changesQuery = () =>
      new QueryCommand({
        TableName: TABLE,
        ...bySyncCountQuery({ IdentityPoolId, IdentityId: IdentityId!, DatasetName }, 0),
        ConsistentRead: true,
        Limit: 1024,
      });
    await bench('ListRecords (all 50)', {
      endpoint: () => sync.send(new ListRecordsCommand({ ...ids, DatasetName })),
      handler: () => handler('GET', `${identityPath}/datasets/${DatasetName}/records`),
      floor: () => Promise.all([doc.send(new GetCommand({ TableName: TABLE, Key: headKey, ConsistentRead: true })), doc.send(changesQuery())]),
    });

    const hotToken = (await sync.send(new ListRecordsCommand({ ...ids, DatasetName: 'hot' }))).SyncSessionToken!;
    let hotCount = 0;
    let floorCount = 0;
    const floorKey = (SK: string) => ({ PK: floorPk, SK });
    await bench('UpdateRecords (1 record)', {
      endpoint: async () => {
        const out = await sync.send(
          new UpdateRecordsCommand({
            ...ids,
            DatasetName: 'hot',
            SyncSessionToken: hotToken,
            RecordPatches: [{ Op: 'replace', Key: 'k', Value: 'v', SyncCount: hotCount }],
          }),
        );
        hotCount = out.Records![0].SyncCount!;
      },
      handler: async () => {
        const out = await handler('POST', `${identityPath}/datasets/hot`, {
          SyncSessionToken: hotToken,
          RecordPatches: [{ Op: 'replace', Key: 'k', Value: 'v', SyncCount: hotCount }],
        });
        hotCount = out.Records![0].SyncCount;
      },
      floor: async () => {
        await doc.send(
          new BatchGetCommand({
            RequestItems: {
              [TABLE]: { Keys: [floorKey(sortKey.head('hot')), floorKey(sortKey.summary), floorKey(sortKey.record('hot', 'k'))], ConsistentRead: true },
            },
          }),
        );
        floorCount++;
        await doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: TABLE,
                  Key: floorKey(sortKey.head('hot')),
                  UpdateExpression: 'SET syncCount = :n, modified = :now',
                  ConditionExpression: 'attribute_not_exists(syncCount) OR syncCount = :prev',
                  ExpressionAttributeValues: { ':n': floorCount, ':prev': floorCount - 1, ':now': Date.now() },
                },
              },
              {
                Update: {
                  TableName: TABLE,
                  Key: floorKey(sortKey.summary),
                  UpdateExpression: 'ADD dataStorage :zero SET modified = :now',
                  ExpressionAttributeValues: { ':zero': 0, ':now': Date.now() },
                },
              },
              {
                Put: {
                  TableName: TABLE,
                  Item: encodeRecord(floorPk, 'hot', { key: 'k', value: 'v', syncCount: floorCount, lastModifiedDate: Date.now(), lastModifiedBy: 'x' }, 0),
                },
              },
            ],
          }),
        );
      },
    });

    // Each timed deletion needs a dataset to delete: it is re-created, untimed, before each call.
    const recreate = async () => {
      const listed = await sync.send(new ListRecordsCommand({ ...ids, DatasetName: 'doomed' }));
      if (listed.DatasetExists) return; // the floor's turn deleted nothing of ours
      await sync.send(
        new UpdateRecordsCommand({
          ...ids,
          DatasetName: 'doomed',
          SyncSessionToken: listed.SyncSessionToken,
          RecordPatches: [{ Op: 'replace', Key: 'k', Value: 'v', SyncCount: 0 }],
        }),
      );
    };
    await bench(
      'DeleteDataset (1 record)',
      {
        endpoint: () => sync.send(new DeleteDatasetCommand({ ...ids, DatasetName: 'doomed' })),
        handler: () => handler('DELETE', `${identityPath}/datasets/doomed`),
        floor: async () => {
          // What the store does: read, mark deleted with the totals, then find and remove the records.
          await doc.send(
            new BatchGetCommand({ RequestItems: { [TABLE]: { Keys: [floorKey(sortKey.head('doomed')), floorKey(sortKey.summary)], ConsistentRead: true } } }),
          );
          await doc.send(
            new TransactWriteCommand({
              TransactItems: [
                {
                  Update: {
                    TableName: TABLE,
                    Key: floorKey(sortKey.head('doomed')),
                    UpdateExpression: 'SET deleted = :t',
                    ExpressionAttributeValues: { ':t': true },
                  },
                },
                {
                  Update: {
                    TableName: TABLE,
                    Key: floorKey(sortKey.summary),
                    UpdateExpression: 'ADD datasetCount :m',
                    ExpressionAttributeValues: { ':m': -1 },
                  },
                },
              ],
            }),
          );
          await doc.send(
            new QueryCommand({
              TableName: TABLE,
              KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)',
              ExpressionAttributeValues: { ':pk': floorPk, ':p': sortKey.recordPrefix('doomed') },
            }),
          );
          await doc.send(new DeleteCommand({ TableName: TABLE, Key: floorKey(sortKey.record('doomed', 'k')) }));
          await doc.send(
            new QueryCommand({
              TableName: TABLE,
              KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)',
              ExpressionAttributeValues: { ':pk': floorPk, ':p': sortKey.valuePartPrefix('doomed') },
            }),
          );
        },
      },
      recreate,
    );

    printLatencyTable(rows);
    await printRequestUnits(dynamo.endpoint, IdentityPoolId);
    // What a cycle costs deployed, from the capacity meter (bench/cost.ts; also `npm run bench:cost`).
    const cost = await benchCost(dynamo.endpoint);
    printCost(cost);
    writeCostJson(cost);
    await benchMemory(dynamo.endpoint, TABLE);
    await printBundles();
  } finally {
    await server.close();
    await dynamo.stop();
  }
}

function printLatencyTable(rows: Row[]): void {
  const ms = (n: number) => n.toFixed(2).padStart(7);
  const cell = (x: Stats) => `${ms(x.p50)} ${ms(x.p99)} ${x.perSecond.toFixed(0).padStart(5)}`;
  console.log(`\nLatency in ms (${ITERATIONS} sequential calls each, the three ways taking turns)`);
  console.log('  endpoint: the v3 client against the local endpoint (HTTP, SigV4 both ways, handler, DynamoDB Local)');
  console.log('  handler:  the same entry point called in-process with the payload 2.0 event (what runs in Lambda)');
  console.log('  floor:    the same DynamoDB calls made directly with the SDK\n');
  console.log(
    'operation                 |    endpoint p50/p99, req/s |     handler p50/p99, req/s |       floor p50/p99, req/s | endpoint/floor | handler/floor',
  );
  for (const { operation, endpoint: e, handler: h, floor: f } of rows) {
    console.log(
      `${operation.padEnd(25)} | ${cell(e)} | ${cell(h)} | ${cell(f)} | ${(e.p50 / f.p50).toFixed(2).padStart(13)}x | ${(h.p50 / f.p50).toFixed(2).padStart(12)}x`,
    );
  }
}

/** Request units of one sync cycle, from DynamoDB's own ConsumedCapacity on every call the store makes. */
async function printRequestUnits(endpoint: string, IdentityPoolId: string): Promise<void> {
  const client = createDynamoDBLocalClient(endpoint);
  let read = 0;
  let write = 0;
  // DynamoDB Local reports CapacityUnits per table; which kind they are follows from the command.
  const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'TransactWriteItemsCommand', 'BatchWriteItemCommand']);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'TOTAL';
      const out = await next(args);
      const consumed = (out.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
      const units = ((Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) as { CapacityUnits?: number }[]).reduce(
        (sum, c) => sum + (c.CapacityUnits ?? 0),
        0,
      );
      if (WRITES.has(String(context.commandName))) write += units;
      else read += units;
      return out;
    },
    { step: 'initialize', name: 'consumedCapacity' },
  );
  const service = new CognitoSyncService({ store: new DynamoDBSyncStore(client, TABLE), clock: systemClock, tokens: new TokenCodec(Buffer.alloc(32, 5)) });
  const principal = { kind: 'developer' as const, accountId: '000000000000' };
  console.log('\nRequest units per sync cycle (ListRecords of the changes + UpdateRecords), from DynamoDB ConsumedCapacity\n');
  console.log('records in update   read RU   write RU   on-demand $ per million cycles (us-east-1: $0.125/M RRU, $0.625/M WRU)');
  for (const size of [1, 10, 100]) {
    const dataset = { IdentityPoolId, IdentityId: `us-east-1:${randomUUID()}`, DatasetName: 'ru' };
    const first = await service.listRecords(principal, dataset);
    await service.updateRecords(principal, {
      ...dataset,
      SyncSessionToken: first.SyncSessionToken,
      RecordPatches: Array.from({ length: size }, (_, i) => ({ Op: 'replace', Key: `k${i}`, Value: 'v'.repeat(100), SyncCount: 0 })),
    });
    read = 0;
    write = 0;
    const listed = await service.listRecords(principal, { ...dataset, LastSyncCount: 1 });
    await service.updateRecords(principal, {
      ...dataset,
      SyncSessionToken: listed.SyncSessionToken,
      RecordPatches: Array.from({ length: size }, (_, i) => ({ Op: 'replace', Key: `k${i}`, Value: 'w'.repeat(100), SyncCount: 1 })),
    });
    const dollars = read * 0.125 + write * 0.625;
    console.log(`${String(size).padStart(17)} ${read.toFixed(1).padStart(9)} ${write.toFixed(1).padStart(10)}   ${dollars.toFixed(2)}`);
  }
}

async function printBundles(): Promise<void> {
  let module: { benchBundles?: () => Promise<unknown> } | undefined;
  try {
    module = (await import('./bundles')) as { benchBundles?: () => Promise<unknown> };
  } catch {
    return;
  }
  await module.benchBundles?.();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
