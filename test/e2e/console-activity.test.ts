/**
 * The local console's live activity as `npm start` composes it (moto, the change feed, the function
 * runner): what the feed's consumers and the function runner did reaches the activity bus, read here
 * through the console's JSON layer (/_console/api/activity, the page's history; the browser test
 * sees the same events arrive as server-sent events). Pushes and stream records are told by the
 * local composition's observers (lambdas/local/console/observed-consumers.ts): nothing in the
 * deployed functions knows of the console.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { CognitoIdentityClient, CreateIdentityPoolCommand, GetCredentialsForIdentityCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import {
  CognitoSyncClient,
  ListRecordsCommand,
  RegisterDeviceCommand,
  SetCognitoEventsCommand,
  SetIdentityPoolConfigurationCommand,
  SubscribeToDatasetCommand,
  UpdateRecordsCommand,
} from '@aws-sdk/client-cognito-sync';
import { CreateStreamCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { CreatePlatformApplicationCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { StampedActivity } from '../../lambdas/local/console/activity';
import { type LocalEndpoint, startLocalEndpoint } from '../../lambdas/local/local-endpoint';
import { emulatorCredentials } from '../../lambdas/src/adapters/aws/role-credentials';
import { dynamoEndpoint } from '../helpers/dynamodb-local';

const REGION = 'us-east-1';
const FIXTURES = path.join(__dirname, '..', 'fixtures', 'sync-triggers');
/** moto's default account owns the stream; an assumed role acts in its own account. */
const STREAMS_ROLE = 'arn:aws:iam::123456789012:role/cognito-streams';
const PUSH_ROLE = 'arn:aws:iam::123456789012:role/cognito-sync-push';

let endpoint: LocalEndpoint;
const clients: { destroy(): void }[] = [];
const keep = <T extends { destroy(): void }>(client: T): T => {
  clients.push(client);
  return client;
};

beforeAll(async () => {
  endpoint = await startLocalEndpoint({
    port: 0,
    inMemory: true,
    dynamoEndpoint: dynamoEndpoint(),
    tableName: `console-activity-${randomUUID()}`,
    functions: [
      { name: 'cap-score', file: path.join(FIXTURES, 'cap-score.ts'), exportName: 'handler' },
      { name: 'throws', file: path.join(FIXTURES, 'throws.js'), exportName: 'handler' },
    ],
  });
  if (!endpoint.motoEndpoint) throw new Error(`moto is needed here: ${endpoint.featuresOff}`);
}, 90_000);

afterAll(async () => {
  for (const client of clients) client.destroy();
  await endpoint?.close();
});

const functionArn = (name: string) => endpoint.functions.find((fn) => fn.name === name)?.arn as string;

/** The console's history of the last hour, as the page reads it. */
async function activity(): Promise<StampedActivity[]> {
  const response = await fetch(`${endpoint.url}/_console/api/activity`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { events: StampedActivity[] }).events;
}

const eventually = <T>(find: (events: StampedActivity[]) => T | undefined): Promise<T> =>
  expect
    .poll(async () => find(await activity()), { timeout: 20_000, interval: 200 })
    .toBeDefined()
    .then(async () => find(await activity()) as T);

it('tells the console of each sync-trigger call, each push sent and each stream record written, with the committed sync', async () => {
  const developer = { region: REGION, endpoint: endpoint.url, credentials: endpoint.developer, maxAttempts: 1 };
  const developerSync = keep(new CognitoSyncClient(developer));
  const { IdentityPoolId } = await keep(new CognitoIdentityClient(developer)).send(
    new CreateIdentityPoolCommand({ IdentityPoolName: 'console activity', AllowUnauthenticatedIdentities: true }),
  );
  const pool = IdentityPoolId as string;

  // Streams to a Kinesis stream of moto, pushes to a GCM application of moto, and a sync trigger.
  const emulator = { region: REGION, endpoint: endpoint.url, credentials: emulatorCredentials() };
  const StreamName = `console-${randomUUID()}`;
  await keep(new KinesisClient(emulator)).send(new CreateStreamCommand({ StreamName, ShardCount: 1 }));
  const { PlatformApplicationArn } = await keep(new SNSClient(emulator)).send(
    new CreatePlatformApplicationCommand({ Name: `console-${randomUUID().slice(0, 8)}`, Platform: 'GCM', Attributes: { PlatformCredential: 'key' } }),
  );
  await developerSync.send(
    new SetIdentityPoolConfigurationCommand({
      IdentityPoolId: pool,
      CognitoStreams: { StreamName, RoleArn: STREAMS_ROLE, StreamingStatus: 'ENABLED' },
      PushSync: { ApplicationArns: [PlatformApplicationArn as string], RoleArn: PUSH_ROLE },
    }),
  );
  await developerSync.send(new SetCognitoEventsCommand({ IdentityPoolId: pool, Events: { SyncTrigger: functionArn('cap-score') } }));

  // An app's identity syncs; then its device subscribes to the dataset, and another device of it syncs.
  const anonymous = keep(new CognitoIdentityClient({ region: REGION, endpoint: endpoint.url, maxAttempts: 1 }));
  const { IdentityId } = await anonymous.send(new GetIdCommand({ IdentityPoolId: pool }));
  const { Credentials: c } = await anonymous.send(new GetCredentialsForIdentityCommand({ IdentityId }));
  const app = keep(
    new CognitoSyncClient({
      region: REGION,
      endpoint: endpoint.url,
      credentials: { accessKeyId: c?.AccessKeyId as string, secretAccessKey: c?.SecretKey as string, sessionToken: c?.SessionToken as string },
      maxAttempts: 1,
    }),
  );
  const ref = { IdentityPoolId: pool, IdentityId: IdentityId as string, DatasetName: 'game' };
  const listed = await app.send(new ListRecordsCommand(ref));
  const written = await app.send(
    new UpdateRecordsCommand({
      ...ref,
      SyncSessionToken: listed.SyncSessionToken,
      DeviceId: 'another-device',
      RecordPatches: [
        { Op: 'replace', Key: 'score', Value: '250', SyncCount: 0 },
        { Op: 'replace', Key: 'level', Value: '3', SyncCount: 0 },
      ],
    }),
  );
  // The trigger capped the score: what it answered is what was stored.
  expect(written.Records?.find((r) => r.Key === 'score')?.Value).toBe('100');
  const { DeviceId } = await app.send(new RegisterDeviceCommand({ IdentityPoolId: pool, IdentityId, Platform: 'GCM', Token: `token-${randomUUID()}` }));
  await app.send(new SubscribeToDatasetCommand({ ...ref, DeviceId }));
  const second = await app.send(new ListRecordsCommand(ref));
  await app.send(
    new UpdateRecordsCommand({
      ...ref,
      SyncSessionToken: second.SyncSessionToken,
      DeviceId: 'another-device',
      RecordPatches: [{ Op: 'replace', Key: 'level', Value: '4', SyncCount: 1 }],
    }),
  );

  const invocation = await eventually((events) => events.find((e) => e.type === 'invocation'));
  expect(invocation).toMatchObject({ type: 'invocation', functionName: 'cap-score', error: false });
  expect(JSON.parse((invocation as { payload: string }).payload).datasetRecords.score.newValue).toBe('100');

  const sync = await eventually((events) => events.find((e) => e.type === 'sync' && e.identityId === IdentityId && e.syncCount === 1));
  expect(sync).toMatchObject({ kind: 'sync', identityPoolId: pool, datasetName: 'game', syncCount: 1, recordsChanged: 2 });

  // The push of the second sync (the first may be pushed too: the feed may reach it after the subscription).
  const gcmData = (e: StampedActivity) => (e.type === 'push' ? JSON.parse(JSON.parse(e.payload).GCM).data : undefined);
  const push = await eventually((events) => events.find((e) => gcmData(e)?.syncCount === '2'));
  expect(push).toMatchObject({ type: 'push', platform: 'GCM', outcome: 'delivered' });
  expect((push as { device: string }).device).toMatch(/^arn:aws:sns:us-east-1:\d{12}:endpoint\/GCM\//);
  expect(gcmData(push)).toMatchObject({ source: 'cognito-sync', identityPoolId: pool, identityId: IdentityId, datasetName: 'game', syncCount: '2' });

  const stream = await eventually((events) => events.find((e) => e.type === 'stream' && e.syncCount === 1));
  expect(stream).toMatchObject({
    type: 'stream',
    streamName: StreamName,
    identityId: IdentityId,
    datasetName: 'game',
    syncCount: 1,
    operation: 'replace',
    recordCount: 2,
  });

  // The console's BulkPublish action is the developer's BulkPublish; its status is GetBulkPublishDetails'.
  const poolPath = `${endpoint.url}/_console/api/pools/${encodeURIComponent(pool)}`;
  const started = await fetch(`${poolPath}/bulk-publish`, { method: 'POST', headers: { origin: endpoint.url } });
  expect(started.status).toBe(200);
  expect(await started.json()).toMatchObject({ IdentityPoolId: pool });
  await expect
    .poll(async () => ((await (await fetch(poolPath)).json()) as { bulkPublish: { BulkPublishStatus?: string } }).bulkPublish.BulkPublishStatus, {
      timeout: 20_000,
    })
    .toBe('SUCCEEDED');
  const again = await fetch(`${poolPath}/bulk-publish`, { method: 'POST' });
  expect(again.status).toBe(400);
  expect(await again.json()).toMatchObject({ error: 'AlreadyStreamedException' });

  // A trigger that fails: the app gets the service's error, the console the function's error.
  await developerSync.send(new SetCognitoEventsCommand({ IdentityPoolId: pool, Events: { SyncTrigger: functionArn('throws') } }));
  const third = await app.send(new ListRecordsCommand(ref));
  await expect(
    app.send(
      new UpdateRecordsCommand({
        ...ref,
        SyncSessionToken: third.SyncSessionToken,
        RecordPatches: [{ Op: 'replace', Key: 'level', Value: '5', SyncCount: 2 }],
      }),
    ),
  ).rejects.toMatchObject({ name: 'InvalidLambdaFunctionOutputException' });
  const failed = await eventually((events) => events.find((e) => e.type === 'invocation' && e.error));
  expect(failed).toMatchObject({ functionName: 'throws', error: true });
  expect((failed as { payload: string }).payload).toContain('refusing the sync of game');
}, 90_000);

it('works under --deployed-rules too: its Cognito Sync calls are signed for execute-api', async () => {
  const deployed = await startLocalEndpoint({
    port: 0,
    inMemory: true,
    moto: false,
    feed: false,
    deployedRules: true,
    dynamoEndpoint: dynamoEndpoint(),
    tableName: `console-deployed-${randomUUID()}`,
  });
  try {
    const developer = { region: REGION, endpoint: deployed.url, credentials: deployed.developer, maxAttempts: 1 };
    const { IdentityPoolId } = await keep(new CognitoIdentityClient(developer)).send(
      new CreateIdentityPoolCommand({ IdentityPoolName: 'deployed rules', AllowUnauthenticatedIdentities: true }),
    );
    const pools = await fetch(`${deployed.url}/_console/api/pools`);
    expect(pools.status).toBe(200);
    expect(await pools.json()).toEqual([{ identityPoolId: IdentityPoolId, name: 'deployed rules', usage: expect.objectContaining({ IdentityPoolId }) }]);
    const pool = await fetch(`${deployed.url}/_console/api/pools/${encodeURIComponent(IdentityPoolId as string)}`);
    expect(pool.status).toBe(200);
  } finally {
    await deployed.close();
  }
});
