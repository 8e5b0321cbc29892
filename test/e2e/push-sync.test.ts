/**
 * Push sync end to end through the local endpoint (`startLocalEndpoint`: DynamoDB Local, moto behind
 * the edge port, the change feed's poller), driven by the v3 Cognito Sync client and aws-sdk v2's
 * `AWS.CognitoSync` (amazon-cognito-js has no push calls of its own; apps call these through it):
 * two devices of one identity, one writes, the other's SNS endpoint gets the documented silent push
 * (read back from moto's recorded messages), the writer's does not.
 */
import { randomUUID } from 'node:crypto';
import { CognitoIdentityClient, CreateIdentityPoolCommand, GetCredentialsForIdentityCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import {
  CognitoSyncClient,
  ListRecordsCommand,
  RegisterDeviceCommand,
  SetIdentityPoolConfigurationCommand,
  SubscribeToDatasetCommand,
  UnsubscribeFromDatasetCommand,
  UpdateRecordsCommand,
} from '@aws-sdk/client-cognito-sync';
import {
  CreatePlatformApplicationCommand,
  GetEndpointAttributesCommand,
  ListEndpointsByPlatformApplicationCommand,
  SetEndpointAttributesCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import AWS from 'aws-sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { emulatorCredentials } from '../../lambdas/src/adapters/aws/role-credentials';
import { type LocalEndpoint, startLocalEndpoint } from '../../lambdas/local/local-endpoint';
import { dynamoEndpoint } from '../helpers/dynamodb-local';

const REGION = 'us-east-1';
const ROLE = 'arn:aws:iam::123456789012:role/cognito-sync-push';

interface Identity {
  readonly pool: string;
  readonly id: string;
  readonly sync: CognitoSyncClient;
  readonly credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
}

let endpoint: LocalEndpoint;
let sns: SNSClient;
let developerSync: CognitoSyncClient;
let developerIdentity: CognitoIdentityClient;
let anonymousIdentity: CognitoIdentityClient;
const apps: Record<string, string> = {};

beforeAll(async () => {
  endpoint = await startLocalEndpoint({ port: 0, inMemory: true, dynamoEndpoint: dynamoEndpoint(), tableName: `push-e2e-${randomUUID()}` });
  if (!endpoint.motoEndpoint) throw new Error(`moto is needed here: ${endpoint.featuresOff}`);
  // SNS through the edge port, as a developer's tooling reaches it.
  sns = new SNSClient({ region: REGION, endpoint: endpoint.url, credentials: emulatorCredentials() });
  for (const platform of ['GCM', 'APNS']) {
    const out = await sns.send(
      new CreatePlatformApplicationCommand({ Name: `e2e-${platform}`, Platform: platform, Attributes: { PlatformCredential: 'key' } }),
    );
    apps[platform] = out.PlatformApplicationArn as string;
  }
  developerSync = new CognitoSyncClient({ region: REGION, endpoint: endpoint.url, credentials: endpoint.developer, maxAttempts: 1 });
  developerIdentity = new CognitoIdentityClient({ region: REGION, endpoint: endpoint.url, credentials: endpoint.developer, maxAttempts: 1 });
  anonymousIdentity = new CognitoIdentityClient({ region: REGION, endpoint: endpoint.url, maxAttempts: 1 });
}, 90_000);

afterAll(async () => {
  for (const client of [sns, developerSync, developerIdentity, anonymousIdentity]) client?.destroy();
  await endpoint?.close();
});

async function newPool(pushSync = true): Promise<string> {
  const { IdentityPoolId } = await developerIdentity.send(new CreateIdentityPoolCommand({ IdentityPoolName: 'push', AllowUnauthenticatedIdentities: true }));
  const pool = IdentityPoolId as string;
  if (pushSync) {
    await developerSync.send(
      new SetIdentityPoolConfigurationCommand({ IdentityPoolId: pool, PushSync: { ApplicationArns: [apps.GCM, apps.APNS], RoleArn: ROLE } }),
    );
  }
  return pool;
}

async function newIdentity(pool: string): Promise<Identity> {
  const { IdentityId } = await anonymousIdentity.send(new GetIdCommand({ IdentityPoolId: pool }));
  const { Credentials: c } = await anonymousIdentity.send(new GetCredentialsForIdentityCommand({ IdentityId }));
  const credentials = { accessKeyId: c?.AccessKeyId as string, secretAccessKey: c?.SecretKey as string, sessionToken: c?.SessionToken as string };
  return { pool, id: IdentityId as string, credentials, sync: new CognitoSyncClient({ region: REGION, endpoint: endpoint.url, credentials, maxAttempts: 1 }) };
}

/** One sync round of a device: pull, then push one record, naming the device. */
async function write(identity: Identity, DatasetName: string, key: string, value: string, DeviceId?: string): Promise<number> {
  const ref = { IdentityPoolId: identity.pool, IdentityId: identity.id, DatasetName };
  const listed = await identity.sync.send(new ListRecordsCommand(ref));
  const current = listed.Records?.find((r) => r.Key === key)?.SyncCount ?? 0;
  const out = await identity.sync.send(
    new UpdateRecordsCommand({
      ...ref,
      SyncSessionToken: listed.SyncSessionToken,
      DeviceId,
      RecordPatches: [{ Op: 'replace', Key: key, Value: value, SyncCount: current }],
    }),
  );
  return out.Records?.[0]?.SyncCount as number;
}

const register = async (identity: Identity, Platform: 'GCM' | 'APNS' | 'ADM', Token: string): Promise<string> =>
  (await identity.sync.send(new RegisterDeviceCommand({ IdentityPoolId: identity.pool, IdentityId: identity.id, Platform, Token }))).DeviceId as string;

/** The endpoint of a token in an application, from SNS itself. */
async function endpointOfToken(applicationArn: string, token: string): Promise<string> {
  const { Endpoints = [] } = await sns.send(new ListEndpointsByPlatformApplicationCommand({ PlatformApplicationArn: applicationArn }));
  const found = Endpoints.find((e) => e.Attributes?.Token === token);
  if (!found?.EndpointArn) throw new Error(`no endpoint for ${token}`);
  return found.EndpointArn;
}

/** What moto recorded as published to an endpoint. */
async function messagesTo(endpointArn: string): Promise<Record<string, string>[]> {
  const data = (await (await fetch(`${endpoint.motoEndpoint}/moto-api/data.json`)).json()) as {
    sns: { PlatformEndpoint: { arn: string; messages: Record<string, string> }[] };
  };
  return Object.values(data.sns.PlatformEndpoint.find((e) => e.arn === endpointArn)?.messages ?? {}).map((m) => JSON.parse(m));
}

/** Waits for the change feed to have done something: it polls the stream, so this is eventual. */
async function eventually<T>(probe: () => Promise<T | undefined>, what: string, deadlineMs = 30_000): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const expectError = async (promise: Promise<unknown>, name: string): Promise<void> => {
  await expect(promise).rejects.toMatchObject({ name, $metadata: { httpStatusCode: expect.any(Number) } });
  const status = await promise.then(
    () => 0,
    (e: { $metadata: { httpStatusCode: number } }) => e.$metadata.httpStatusCode,
  );
  expect(status, name).toBeLessThan(500);
};

describe('push sync through the local endpoint', () => {
  it("pushes device A's change to device B only, with the documented payload; re-registering answers the same DeviceId", async () => {
    const identity = await newIdentity(await newPool());
    const [tokenA, tokenB] = [randomUUID().replace(/-/g, ''), randomUUID().replace(/-/g, '').toUpperCase()];
    const deviceA = await register(identity, 'GCM', tokenA);
    const deviceB = await register(identity, 'APNS', tokenB);
    expect(deviceA).toMatch(/^[0-9a-f-]{36}$/);
    expect(await register(identity, 'GCM', tokenA)).toBe(deviceA);
    const [endpointA, endpointB] = [await endpointOfToken(apps.GCM, tokenA), await endpointOfToken(apps.APNS, tokenB)];

    // "Synchronize at least once on each dataset" before subscribing: the dataset must exist.
    await write(identity, 'settings', 'theme', 'dark', deviceA);
    for (const DeviceId of [deviceA, deviceB]) {
      await identity.sync.send(new SubscribeToDatasetCommand({ IdentityPoolId: identity.pool, IdentityId: identity.id, DatasetName: 'settings', DeviceId }));
    }
    // npm start prints each push it sends: the feed runs in this process, so its lines are console.log's.
    const printed = vi.spyOn(console, 'log');
    const syncCount = await write(identity, 'settings', 'theme', 'light', deviceA);

    const data = { source: 'cognito-sync', identityPoolId: identity.pool, identityId: identity.id, datasetName: 'settings', syncCount: String(syncCount) };
    const pushed = await eventually(async () => {
      const got = (await messagesTo(endpointB)).find((m) => JSON.parse(m.APNS).data.syncCount === String(syncCount));
      return got;
    }, "B's push");
    expect(pushed).toStrictEqual({ default: JSON.stringify(data), APNS: JSON.stringify({ aps: { 'content-available': 1 }, data }) });
    // A wrote both changes: it is never told of them.
    expect(await messagesTo(endpointA)).toEqual([]);
    expect(printed.mock.calls.map((args) => String(args[0]))).toContain(`push sync: sent to ${endpointB} (APNS), dataset settings, syncCount ${syncCount}`);
    printed.mockRestore();

    // B writes: A's GCM push, every value a string.
    const next = await write(identity, 'settings', 'theme', 'blue', deviceB);
    const gcm = await eventually(async () => (await messagesTo(endpointA)).find((m) => JSON.parse(m.GCM).data.syncCount === String(next)), "A's push");
    expect(JSON.parse(gcm.GCM)).toStrictEqual({ data: { ...data, syncCount: String(next) } });
  });

  it('drops a device whose endpoint SNS disabled, at the next push', async () => {
    const identity = await newIdentity(await newPool());
    const token = randomUUID();
    const DeviceId = await register(identity, 'GCM', token);
    await write(identity, 'scores', 'level', '1');
    const ref = { IdentityPoolId: identity.pool, IdentityId: identity.id, DatasetName: 'scores' };
    await identity.sync.send(new SubscribeToDatasetCommand({ ...ref, DeviceId }));
    const EndpointArn = await endpointOfToken(apps.GCM, token);
    await sns.send(new SetEndpointAttributesCommand({ EndpointArn, Attributes: { Enabled: 'false' } }));
    await write(identity, 'scores', 'level', '2');
    // Cleaned up: SNS no longer has the endpoint, and the device is gone with its subscription.
    await eventually(
      () =>
        sns.send(new GetEndpointAttributesCommand({ EndpointArn })).then(
          () => undefined,
          (e: Error) => (e.name === 'NotFoundException' ? true : undefined),
        ),
      'the endpoint deleted',
    );
    await expectError(identity.sync.send(new UnsubscribeFromDatasetCommand({ ...ref, DeviceId })), 'ResourceNotFoundException');
    // Registering the token again makes a new device, with a new endpoint.
    const again = await register(identity, 'GCM', token);
    expect(again).not.toBe(DeviceId);
    expect(await endpointOfToken(apps.GCM, token)).not.toBe(EndpointArn);
  });

  it('answers each error with the model error the client expects', async () => {
    const identity = await newIdentity(await newPool());
    const DeviceId = await register(identity, 'GCM', randomUUID());
    await write(identity, 'settings', 'k', 'v');
    const ref = { IdentityPoolId: identity.pool, IdentityId: identity.id };
    // The dataset must exist.
    await expectError(identity.sync.send(new SubscribeToDatasetCommand({ ...ref, DatasetName: 'missing', DeviceId })), 'ResourceNotFoundException');
    // Unknown device, and another identity's device.
    await expectError(
      identity.sync.send(new SubscribeToDatasetCommand({ ...ref, DatasetName: 'settings', DeviceId: randomUUID() })),
      'ResourceNotFoundException',
    );
    const other = await newIdentity(identity.pool);
    await write(other, 'settings', 'k', 'v');
    await expectError(
      other.sync.send(new SubscribeToDatasetCommand({ IdentityPoolId: other.pool, IdentityId: other.id, DatasetName: 'settings', DeviceId })),
      'ResourceNotFoundException',
    );
    // Unsubscribing when not subscribed: what Android catches as "not a subscription".
    await identity.sync.send(new SubscribeToDatasetCommand({ ...ref, DatasetName: 'settings', DeviceId }));
    await identity.sync.send(new UnsubscribeFromDatasetCommand({ ...ref, DatasetName: 'settings', DeviceId }));
    await expectError(identity.sync.send(new UnsubscribeFromDatasetCommand({ ...ref, DatasetName: 'settings', DeviceId })), 'ResourceNotFoundException');
    // No application for the platform, and no push sync at all.
    await expectError(register(identity, 'ADM', randomUUID()), 'InvalidConfigurationException');
    const unconfigured = await newIdentity(await newPool(false));
    await expectError(register(unconfigured, 'GCM', randomUUID()), 'InvalidConfigurationException');
    // Only Cognito Identity credentials, as the model says.
    await expectError(developerSync.send(new RegisterDeviceCommand({ ...ref, Platform: 'GCM', Token: randomUUID() })), 'NotAuthorizedException');
  });

  it("drives RegisterDevice, Subscribe and Unsubscribe with aws-sdk v2's AWS.CognitoSync, as amazon-cognito-js apps do", async () => {
    const identity = await newIdentity(await newPool());
    await write(identity, 'notes', 'k', 'v');
    const c = identity.credentials;
    const v2 = new AWS.CognitoSync({
      region: REGION,
      endpoint: endpoint.url,
      credentials: new AWS.Credentials(c.accessKeyId, c.secretAccessKey, c.sessionToken),
      maxRetries: 0,
    });
    const ref = { IdentityPoolId: identity.pool, IdentityId: identity.id };
    const token = randomUUID();
    const { DeviceId } = await v2.registerDevice({ ...ref, Platform: 'GCM', Token: token }).promise();
    expect((await v2.registerDevice({ ...ref, Platform: 'GCM', Token: token }).promise()).DeviceId).toBe(DeviceId);
    await v2.subscribeToDataset({ ...ref, DatasetName: 'notes', DeviceId: DeviceId as string }).promise();
    await v2.unsubscribeFromDataset({ ...ref, DatasetName: 'notes', DeviceId: DeviceId as string }).promise();
    const failure = await v2
      .unsubscribeFromDataset({ ...ref, DatasetName: 'notes', DeviceId: DeviceId as string })
      .promise()
      .then(
        () => undefined,
        (e: AWS.AWSError) => e,
      );
    expect(failure).toMatchObject({ code: 'ResourceNotFoundException', statusCode: 404 });
  });
});
