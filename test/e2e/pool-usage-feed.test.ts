/**
 * Pool usage end to end, as `npm start` runs it: writes through the v3 Cognito Sync client, the
 * local change feed (a poller on DynamoDB Local's stream) handing each committed sync to the usage
 * counters, and DescribeIdentityPoolUsage / ListIdentityPoolUsage (v3 client and AWS CLI) reading
 * them. Concurrent writers in one pool, and an endpoint restarted on the same table: its poller
 * starts over from the stream's beginning (in memory there is no checkpoint), so every event is
 * delivered again, and the totals stay exact.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { CognitoIdentityClient, CreateIdentityPoolCommand, GetCredentialsForIdentityCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import {
  CognitoSyncClient,
  DeleteDatasetCommand,
  DescribeIdentityPoolUsageCommand,
  DescribeIdentityUsageCommand,
  type IdentityPoolUsage,
  ListIdentityPoolUsageCommand,
  ListRecordsCommand,
  UpdateRecordsCommand,
} from '@aws-sdk/client-cognito-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalEndpoint, type LocalEndpoint } from '../../lambdas/local/local-endpoint';
import { dynamoEndpoint } from '../helpers/dynamodb-local';

const developer = { accessKeyId: 'AKIAUSAGEFEEDTEST000', secretAccessKey: 'usage-feed-test-secret' };
const tableName = `usage-feed-${randomUUID()}`;
const clients: { destroy(): void }[] = [];
let endpoint: LocalEndpoint;

/** The endpoint as `npm start` composes it (the default consumers), on the tests' DynamoDB Local. */
const start = () => startLocalEndpoint({ dynamoEndpoint: dynamoEndpoint(), tableName, port: 0, moto: false, inMemory: true, developer });

const keep = <T extends { destroy(): void }>(client: T): T => {
  clients.push(client);
  return client;
};
const syncClient = (credentials: Credentials) => keep(new CognitoSyncClient({ region: endpoint.region, endpoint: endpoint.url, credentials, maxAttempts: 1 }));

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

interface Writer {
  readonly pool: string;
  readonly identityId: string;
  readonly credentials: Credentials;
  /** A client of the endpoint running now (a restarted one listens on another port). */
  readonly sync: CognitoSyncClient;
}

async function newPool(name: string): Promise<string> {
  const identity = keep(new CognitoIdentityClient({ region: endpoint.region, endpoint: endpoint.url, credentials: developer, maxAttempts: 1 }));
  const { IdentityPoolId } = await identity.send(new CreateIdentityPoolCommand({ IdentityPoolName: name, AllowUnauthenticatedIdentities: true }));
  return IdentityPoolId as string;
}

/** GetId and GetCredentialsForIdentity, unsigned, as an app does; a sync client with those credentials. */
async function newWriter(pool: string): Promise<Writer> {
  const anonymous = keep(new CognitoIdentityClient({ region: endpoint.region, endpoint: endpoint.url, maxAttempts: 1 }));
  const { IdentityId } = await anonymous.send(new GetIdCommand({ IdentityPoolId: pool }));
  const { Credentials: c } = await anonymous.send(new GetCredentialsForIdentityCommand({ IdentityId }));
  const credentials = { accessKeyId: c?.AccessKeyId as string, secretAccessKey: c?.SecretKey as string, sessionToken: c?.SessionToken };
  return {
    pool,
    identityId: IdentityId as string,
    credentials,
    get sync() {
      return syncClient(credentials);
    },
  };
}

/** One sync of an app: ListRecords, then UpdateRecords of `values` at the counts it was told. */
async function sync(writer: Writer, DatasetName: string, values: Record<string, string>): Promise<void> {
  const dataset = { IdentityPoolId: writer.pool, IdentityId: writer.identityId, DatasetName };
  const listed = await writer.sync.send(new ListRecordsCommand(dataset));
  const counts = new Map((listed.Records ?? []).map((r) => [r.Key, r.SyncCount ?? 0]));
  await writer.sync.send(
    new UpdateRecordsCommand({
      ...dataset,
      SyncSessionToken: listed.SyncSessionToken,
      RecordPatches: Object.entries(values).map(([Key, Value]) => ({ Op: 'replace', Key, Value, SyncCount: counts.get(Key) ?? 0 })),
    }),
  );
}

const describeUsage = async (IdentityPoolId: string): Promise<IdentityPoolUsage> =>
  (await syncClient(developer).send(new DescribeIdentityPoolUsageCommand({ IdentityPoolId }))).IdentityPoolUsage as IdentityPoolUsage;

/** Polls until the pool's usage is what `settled` accepts (the feed is asynchronous); the last answer otherwise. */
async function settledUsage(pool: string, settled: (usage: IdentityPoolUsage) => boolean): Promise<IdentityPoolUsage> {
  let usage = await describeUsage(pool);
  for (let i = 0; i < 300 && !settled(usage); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    usage = await describeUsage(pool);
  }
  return usage;
}

/** DataStorage of the identities, as DescribeIdentityUsage (the store itself) reports it to the developer. */
async function storedBytes(writers: readonly Writer[]): Promise<number> {
  let total = 0;
  for (const w of writers) {
    const out = await syncClient(developer).send(new DescribeIdentityUsageCommand({ IdentityPoolId: w.pool, IdentityId: w.identityId }));
    total += out.IdentityUsage?.DataStorage ?? 0;
  }
  return total;
}

beforeAll(async () => {
  endpoint = await start();
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.destroy();
  await endpoint?.close();
});

describe('pool usage through the change feed', () => {
  let pool: string;
  let idle: string;
  let writers: Writer[];
  let expectedSessions: number;

  it('counts writes in two identities: bytes of the live records, one session per committed UpdateRecords', async () => {
    pool = await newPool('usage');
    idle = await newPool('idle');
    const [first, second] = [await newWriter(pool), await newWriter(pool)];
    writers = [first, second];
    await sync(first, 'settings', { k1: 'hello' });
    await sync(first, 'settings', { k2: 'world!' });
    await sync(second, 'profile', { name: 'Ada' });
    await sync(second, 'scratch', { tmp: 'x'.repeat(100) });
    await second.sync.send(new DeleteDatasetCommand({ IdentityPoolId: pool, IdentityId: second.identityId, DatasetName: 'scratch' }));
    // k1 + hello, k2 + world!, name + Ada; scratch deleted. Four commits (the deletion is none).
    const bytes = 'k1hello'.length + 'k2world!'.length + 'nameAda'.length;
    expect(await storedBytes(writers)).toBe(bytes);
    expectedSessions = 4;

    const usage = await settledUsage(pool, (u) => u.SyncSessionsCount === expectedSessions && u.DataStorage === bytes);
    expect(usage).toMatchObject({ IdentityPoolId: pool, SyncSessionsCount: expectedSessions, DataStorage: bytes });
    expect(usage.LastModifiedDate).toBeInstanceOf(Date);
    expect(await describeUsage(idle)).toEqual({ IdentityPoolId: idle, SyncSessionsCount: 0, DataStorage: 0 });
  });

  it('counts concurrent writers in one pool exactly', async () => {
    const more = await Promise.all(Array.from({ length: 6 }, () => newWriter(pool)));
    writers.push(...more);
    // Each writes three syncs of its own dataset while the others do, and the first two writers write on.
    await Promise.all([
      ...more.map(async (w, i) => {
        for (let n = 0; n < 3; n++) await sync(w, 'settings', { [`key${n}`]: `value-${i}-${n}` });
      }),
      sync(writers[0], 'settings', { k1: 'hello again' }),
      sync(writers[1], 'profile', { name: 'Grace' }),
    ]);
    expectedSessions += more.length * 3 + 2;
    const bytes = await storedBytes(writers);
    const usage = await settledUsage(pool, (u) => u.SyncSessionsCount === expectedSessions && u.DataStorage === bytes);
    expect(usage).toMatchObject({ SyncSessionsCount: expectedSessions, DataStorage: bytes });
  });

  it('keeps the totals exact when a restarted feed delivers every event again', async () => {
    await endpoint.close();
    endpoint = await start();
    // One more commit: once it is counted, the new poller has gone through the whole stream before it.
    // By the developer: an in-memory endpoint's new server key no longer takes the identities' credentials.
    const asDeveloper: Writer = { ...writers[2], credentials: developer, sync: syncClient(developer) };
    await sync(asDeveloper, 'settings', { key0: 'after the restart' });
    expectedSessions += 1;
    const bytes = await storedBytes(writers);
    const usage = await settledUsage(pool, (u) => u.SyncSessionsCount === expectedSessions);
    expect(usage).toMatchObject({ SyncSessionsCount: expectedSessions, DataStorage: bytes });
  }, 60_000);

  it('lists the same figures, and zeros for the pool without data', async () => {
    const out = await syncClient(developer).send(new ListIdentityPoolUsageCommand({}));
    const byPool = new Map((out.IdentityPoolUsages ?? []).map((u) => [u.IdentityPoolId, u]));
    expect(byPool.get(pool)).toEqual(await describeUsage(pool));
    expect(byPool.get(idle)).toEqual({ IdentityPoolId: idle, SyncSessionsCount: 0, DataStorage: 0 });
  });

  it('answers the AWS CLI the same', async () => {
    const run = promisify(execFile);
    // Asynchronous: the endpoint answers from this very process.
    const out = await run(
      'aws',
      ['cognito-sync', 'describe-identity-pool-usage', '--identity-pool-id', pool, '--endpoint-url', endpoint.url, '--output', 'json'],
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: developer.accessKeyId,
          AWS_SECRET_ACCESS_KEY: developer.secretAccessKey,
          AWS_DEFAULT_REGION: endpoint.region,
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        },
      },
    );
    const usage = await describeUsage(pool);
    expect(JSON.parse(out.stdout).IdentityPoolUsage).toMatchObject({ SyncSessionsCount: usage.SyncSessionsCount, DataStorage: usage.DataStorage });
  });
});
