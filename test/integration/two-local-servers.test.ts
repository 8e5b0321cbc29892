/**
 * Two local endpoints in one process, each over its own table and key (what the migration tool
 * needs: a source and a target). Each server runs the deployed handlers with the config it was
 * given (lambdas/local/service-config.ts) instead of writing `process.env`: the environment is the
 * same after both started, served and stopped as before.
 */
import { randomBytes } from 'node:crypto';
import { CognitoSyncClient, ListDatasetsCommand, ListRecordsCommand, UpdateRecordsCommand } from '@aws-sdk/client-cognito-sync';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DEVELOPER_ACCESS_KEY_ID, DEFAULT_DEVELOPER_SECRET_ACCESS_KEY } from '../../lambdas/local/auth/credentials';
import { startLocalServer, type LocalServer } from '../../lambdas/local/http/server';
import { freshTable, type FreshTable } from '../helpers/dynamodb-local';

const REGION = 'us-east-1';
const POOL = 'us-east-1:11111111-2222-4333-8444-555555555555';
const IDENTITY = 'us-east-1:aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const developer = { accessKeyId: DEFAULT_DEVELOPER_ACCESS_KEY_ID, secretAccessKey: DEFAULT_DEVELOPER_SECRET_ACCESS_KEY };

interface Endpoint {
  readonly table: FreshTable;
  readonly server: LocalServer;
  readonly client: CognitoSyncClient;
}

let environmentBefore: Record<string, string | undefined>;
let source: Endpoint;
let target: Endpoint;

async function start(name: string): Promise<Endpoint> {
  const table = await freshTable(name);
  const server = await startLocalServer({
    port: 0,
    region: REGION,
    tableName: table.tableName,
    dynamoEndpoint: table.endpoint,
    serverKey: randomBytes(32),
    developer,
  });
  return { table, server, client: new CognitoSyncClient({ region: REGION, endpoint: server.url, credentials: developer }) };
}

async function write(endpoint: Endpoint, dataset: string, key: string, value: string): Promise<void> {
  const ref = { IdentityPoolId: POOL, IdentityId: IDENTITY, DatasetName: dataset };
  const { SyncSessionToken } = await endpoint.client.send(new ListRecordsCommand(ref));
  await endpoint.client.send(new UpdateRecordsCommand({ ...ref, SyncSessionToken, RecordPatches: [{ Op: 'replace', Key: key, Value: value, SyncCount: 0 }] }));
}

const datasetNames = async (endpoint: Endpoint): Promise<string[]> =>
  ((await endpoint.client.send(new ListDatasetsCommand({ IdentityPoolId: POOL, IdentityId: IDENTITY }))).Datasets ?? []).map((d) => d.DatasetName ?? '');

const itemCount = async (table: FreshTable): Promise<number> =>
  (await table.client.send(new ScanCommand({ TableName: table.tableName, Select: 'COUNT', ConsistentRead: true }))).Count ?? 0;

beforeAll(async () => {
  environmentBefore = { ...process.env };
  source = await start('two-servers-source');
  target = await start('two-servers-target');
});

afterAll(async () => {
  for (const endpoint of [source, target]) {
    endpoint?.client.destroy();
    await endpoint?.server.close();
  }
});

describe('two local servers in one process', () => {
  it('each serves its own table', async () => {
    await write(source, 'from-source', 'k', 'source value');
    await write(target, 'from-target', 'k', 'target value');
    expect(await datasetNames(source)).toEqual(['from-source']);
    expect(await datasetNames(target)).toEqual(['from-target']);
    const read = await source.client.send(new ListRecordsCommand({ IdentityPoolId: POOL, IdentityId: IDENTITY, DatasetName: 'from-source' }));
    expect(read.Records?.map((r) => r.Value)).toEqual(['source value']);
    // Both tables were written, each by its own server.
    expect(await itemCount(source.table)).toBeGreaterThan(0);
    expect(await itemCount(target.table)).toBeGreaterThan(0);
  });

  it('each signs tokens with its own key: a session of one is refused by the other', async () => {
    const ref = { IdentityPoolId: POOL, IdentityId: IDENTITY, DatasetName: 'tokens' };
    const { SyncSessionToken } = await source.client.send(new ListRecordsCommand(ref));
    await expect(
      target.client.send(new UpdateRecordsCommand({ ...ref, SyncSessionToken, RecordPatches: [{ Op: 'replace', Key: 'k', Value: 'v', SyncCount: 0 }] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it('writes nothing to process.env, starting, serving or stopping', async () => {
    const third = await start('two-servers-third');
    await write(third, 'third', 'k', 'v');
    third.client.destroy();
    await third.server.close();
    expect({ ...process.env }).toEqual(environmentBefore);
  });
});
