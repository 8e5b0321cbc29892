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
import { ensureTable } from '../lambdas/src/adapters/dynamodb/table-schema';
import { developerCredentialsFromEnv } from '../lambdas/local/auth/credentials';
import { createDynamoDBLocalClient, startDynamoDBLocal } from '../lambdas/local/emulators/dynamodb-local';
import { startLocalServer } from '../lambdas/local/http/server';
import { buildSyncHttpEvent } from '../lambdas/local/http/event';
import { createDispatch } from '../lambdas/local/http/dispatch';
import { localServiceConfig } from '../lambdas/local/service-config';
import { createRuntime } from '../lambdas/src/runtime';
import { benchCost, printCost, writeCostJson } from './cost';
import { benchMemory } from './memory';
import { ITERATIONS, measureRounds, printLatencyTable, type Row } from './latency';
import { printRequestUnits } from './request-units';

const TABLE = 'bench';

async function main(): Promise<void> {
  const dynamo = await startDynamoDBLocal({ inMemory: true });
  const rawClient = createDynamoDBLocalClient(dynamo.endpoint);
  await ensureTable(rawClient, TABLE);
  const serverKey = Buffer.alloc(32, 3);
  const server = await startLocalServer({ port: 0, tableName: TABLE, dynamoEndpoint: dynamo.endpoint, serverKey });
  const region = server.region;
  // The entry points in this process, configured as the server configures its own (same table and
  // token key), so that tokens from one way are good for the other.
  const runtime = createRuntime(localServiceConfig({ region, accountId: '000000000000', tableName: TABLE, dynamoEndpoint: dynamo.endpoint, serverKey }));
  const dispatch = createDispatch({ resolveService: runtime.records });
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
    await printRequestUnits(dynamo.endpoint, IdentityPoolId, TABLE);
    // What a cycle costs deployed, from the capacity meter (bench/cost.ts; also `npm run bench:cost`).
    const cost = await benchCost(dynamo.endpoint);
    printCost(cost);
    writeCostJson(cost);
    await benchMemory(dynamo.endpoint, TABLE);
    await printBundles();
  } finally {
    await server.close();
    runtime.close();
    await dynamo.stop();
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
