/**
 * Push sync's domain over its real adapters: devices and subscriptions on DynamoDB Local, platform
 * endpoints and publishes on a moto started here (SNS and STS), pushes read back from moto's
 * recorded messages (`/moto-api/data.json`).
 */
import { randomUUID } from 'node:crypto';
import {
  CreatePlatformApplicationCommand,
  CreatePlatformEndpointCommand,
  GetEndpointAttributesCommand,
  SetEndpointAttributesCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorCredentials } from '../../lambdas/src/adapters/aws/role-credentials';
import { DynamoDBPoolSettingsStore } from '../../lambdas/src/adapters/dynamodb/pool-settings-store';
import { DynamoDBSyncStore } from '../../lambdas/src/adapters/dynamodb/sync-store';
import { loadConfig } from '../../lambdas/src/config';
import type { CommittedSync } from '../../lambdas/src/domain/feed/committed-sync';
import type { PushPlatform } from '../../lambdas/src/domain/push/model';
import { PushNotifier } from '../../lambdas/src/domain/push/notifier';
import { PushSyncService } from '../../lambdas/src/domain/push/push-sync';
import { systemClock } from '../../lambdas/src/domain/ports';
import { CognitoSyncService } from '../../lambdas/src/domain/sync-service';
import { TokenCodec } from '../../lambdas/src/domain/tokens';
import { createPushAdapters, type PushAdapters } from '../../lambdas/src/push-runtime';
import { type Moto, startMoto } from '../../lambdas/local/emulators/moto';
import { type FreshTable, freshTable } from '../helpers/dynamodb-local';

const REGION = 'us-east-1';
const ROLE = 'arn:aws:iam::123456789012:role/cognito-sync-push';

let moto: Moto;
let table: FreshTable;
let sns: SNSClient;
let adapters: PushAdapters;
let service: PushSyncService;
let settings: DynamoDBPoolSettingsStore;
const apps: Partial<Record<PushPlatform, string>> = {};

beforeAll(async () => {
  [moto, table] = await Promise.all([startMoto(), freshTable('push')]);
  sns = new SNSClient({ region: REGION, endpoint: moto.endpoint, credentials: emulatorCredentials() });
  for (const platform of ['GCM', 'APNS', 'APNS_SANDBOX'] as const) {
    const out = await sns.send(
      new CreatePlatformApplicationCommand({ Name: `app-${platform}`, Platform: platform, Attributes: { PlatformCredential: 'key' } }),
    );
    apps[platform] = out.PlatformApplicationArn;
  }
  const config = loadConfig({ AWS_REGION: REGION, SYNC_TABLE_NAME: table.tableName, SYNC_AWS_ENDPOINT: moto.endpoint });
  adapters = createPushAdapters(config, table.client, table.tableName);
  service = new PushSyncService(adapters);
  settings = new DynamoDBPoolSettingsStore(table.client, table.tableName);
}, 60_000);

afterAll(async () => {
  adapters?.close();
  sns?.destroy();
  table?.client.destroy();
  await moto?.stop();
});

const newPool = () => `${REGION}:${randomUUID()}`;
const newIdentity = () => `${REGION}:${randomUUID()}`;
const newToken = () => randomUUID().replace(/-/g, '').toUpperCase();

async function configure(pool: string, applicationArns: readonly string[], RoleArn = ROLE): Promise<void> {
  const { version } = await settings.read(pool);
  await settings.replace(pool, { PushSync: { ApplicationArns: [...applicationArns], RoleArn } }, version);
}

/** A pool with GCM and APNS configured, and an identity in it. */
async function configuredIdentity() {
  const pool = newPool();
  await configure(pool, [apps.GCM as string, apps.APNS as string]);
  return { IdentityPoolId: pool, IdentityId: newIdentity() };
}

/** Writes a dataset head the way UpdateRecords does, so that Subscribe finds the dataset. */
async function createDataset(identity: { IdentityPoolId: string; IdentityId: string }, DatasetName: string): Promise<void> {
  const records = new CognitoSyncService({
    store: new DynamoDBSyncStore(table.client, table.tableName),
    clock: systemClock,
    tokens: new TokenCodec(Buffer.alloc(32, 7)),
  });
  const principal = { kind: 'identity', accountId: '123456789012', identityPoolId: identity.IdentityPoolId, identityId: identity.IdentityId } as const;
  const ref = { ...identity, DatasetName };
  const { SyncSessionToken } = await records.listRecords(principal, ref);
  await records.updateRecords(principal, {
    ...ref,
    SyncSessionToken: SyncSessionToken as string,
    RecordPatches: [{ Op: 'replace', Key: 'k', Value: 'v', SyncCount: 0 }],
  });
}

interface MotoEndpoint {
  arn: string;
  token: string;
  custom_user_data: string;
  enabled: boolean;
  messages: Record<string, string>;
}

async function motoEndpoints(): Promise<MotoEndpoint[]> {
  const data = (await (await fetch(`${moto.endpoint}/moto-api/data.json`)).json()) as { sns: { PlatformEndpoint: MotoEndpoint[] } };
  return data.sns.PlatformEndpoint;
}

async function messagesTo(endpointArn: string): Promise<string[]> {
  return Object.values((await motoEndpoints()).find((e) => e.arn === endpointArn)?.messages ?? {});
}

const endpointOf = async (identity: { IdentityPoolId: string; IdentityId: string }, DeviceId: string): Promise<string> => {
  const device = await adapters.devices.device(identity, DeviceId);
  if (!device) throw new Error(`no device ${DeviceId}`);
  return device.endpointArn;
};

function syncEvent(dataset: { IdentityPoolId: string; IdentityId: string; DatasetName: string }, syncCount: number, deviceId?: string): CommittedSync {
  return {
    kind: 'sync',
    identityPoolId: dataset.IdentityPoolId,
    identityId: dataset.IdentityId,
    datasetName: dataset.DatasetName,
    syncCount,
    previousSyncCount: syncCount - 1,
    lastModifiedDate: Date.now(),
    lastModifiedBy: dataset.IdentityId,
    dataStorage: 2,
    previousDataStorage: 0,
    ...(deviceId !== undefined && { deviceId }),
  };
}

const noRecords = { recordsOf: async () => [] };

describe('RegisterDevice', () => {
  it('creates the endpoint in the application of the platform, and answers the same DeviceId and endpoint for the same token', async () => {
    const identity = await configuredIdentity();
    const Token = newToken();
    const first = await service.registerDevice({ ...identity, Platform: 'APNS', Token });
    expect(first.DeviceId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const endpointArn = await endpointOf(identity, first.DeviceId);
    expect(endpointArn).toContain(':endpoint/APNS/app-APNS/');
    const again = await service.registerDevice({ ...identity, Platform: 'APNS', Token });
    expect(again.DeviceId).toBe(first.DeviceId);
    expect(await endpointOf(identity, again.DeviceId)).toBe(endpointArn);
    const endpoint = (await motoEndpoints()).find((e) => e.arn === endpointArn);
    expect(endpoint).toMatchObject({ token: Token, custom_user_data: identity.IdentityId, enabled: true });
    // Another platform of the same token is another device.
    const gcm = await service.registerDevice({ ...identity, Platform: 'GCM', Token: `${Token}-gcm` });
    expect(gcm.DeviceId).not.toBe(first.DeviceId);
    expect(await endpointOf(identity, gcm.DeviceId)).toContain(':endpoint/GCM/app-GCM/');
  });

  it('gives racing registrations of one token one DeviceId', async () => {
    const identity = await configuredIdentity();
    const Token = newToken();
    const answers = await Promise.all(Array.from({ length: 5 }, () => service.registerDevice({ ...identity, Platform: 'GCM', Token })));
    expect(new Set(answers.map((a) => a.DeviceId)).size).toBe(1);
  });

  it('takes over an endpoint SNS has for the token with other attributes, re-enabling and updating it', async () => {
    const identity = await configuredIdentity();
    const Token = newToken();
    const { EndpointArn } = await sns.send(
      new CreatePlatformEndpointCommand({ PlatformApplicationArn: apps.GCM, Token, CustomUserData: 'someone else', Attributes: { Enabled: 'false' } }),
    );
    const { DeviceId } = await service.registerDevice({ ...identity, Platform: 'GCM', Token });
    expect(await endpointOf(identity, DeviceId)).toBe(EndpointArn);
    const { Attributes } = await sns.send(new GetEndpointAttributesCommand({ EndpointArn }));
    expect(Attributes).toMatchObject({ Token, CustomUserData: identity.IdentityId });
    expect(String(Attributes?.Enabled).toLowerCase()).toBe('true');
  });

  it('re-enables the endpoint of a known device that SNS disabled since', async () => {
    const identity = await configuredIdentity();
    const Token = newToken();
    const { DeviceId } = await service.registerDevice({ ...identity, Platform: 'GCM', Token });
    const EndpointArn = await endpointOf(identity, DeviceId);
    await sns.send(new SetEndpointAttributesCommand({ EndpointArn, Attributes: { Enabled: 'false' } }));
    expect((await service.registerDevice({ ...identity, Platform: 'GCM', Token })).DeviceId).toBe(DeviceId);
    expect((await motoEndpoints()).find((e) => e.arn === EndpointArn)?.enabled).toBe(true);
  });

  it('refuses with InvalidConfigurationException when push sync is not configured, or not for the platform', async () => {
    const unconfigured = { IdentityPoolId: newPool(), IdentityId: newIdentity() };
    await expect(service.registerDevice({ ...unconfigured, Platform: 'GCM', Token: newToken() })).rejects.toMatchObject({
      name: 'InvalidConfigurationException',
    });
    const identity = await configuredIdentity();
    await expect(service.registerDevice({ ...identity, Platform: 'ADM', Token: newToken() })).rejects.toMatchObject({
      name: 'InvalidConfigurationException',
      message: 'No platform application is configured for platform ADM.',
    });
    // APNS is configured, APNS_SANDBOX is not: they are apart.
    await expect(service.registerDevice({ ...identity, Platform: 'APNS_SANDBOX', Token: newToken() })).rejects.toMatchObject({
      name: 'InvalidConfigurationException',
    });
  });

  it("maps SNS refusing the pool's application to InvalidConfigurationException, and writes no device", async () => {
    const pool = newPool();
    await configure(pool, ['arn:aws:sns:us-east-1:123456789012:app/GCM/deleted-app']);
    const identity = { IdentityPoolId: pool, IdentityId: newIdentity() };
    const Token = newToken();
    await expect(service.registerDevice({ ...identity, Platform: 'GCM', Token })).rejects.toMatchObject({ name: 'InvalidConfigurationException' });
    expect(await adapters.devices.deviceByToken(identity, 'GCM', Token)).toBeUndefined();
  });
});

describe('SubscribeToDataset and UnsubscribeFromDataset', () => {
  it('subscribe a device of the identity to an existing dataset; unsubscribing twice is ResourceNotFoundException', async () => {
    const identity = await configuredIdentity();
    await createDataset(identity, 'settings');
    const { DeviceId } = await service.registerDevice({ ...identity, Platform: 'GCM', Token: newToken() });
    const dataset = { ...identity, DatasetName: 'settings' };
    await expect(service.subscribe({ ...dataset, DeviceId })).resolves.toEqual({});
    await expect(service.subscribe({ ...dataset, DeviceId })).resolves.toEqual({});
    expect((await adapters.devices.subscribers(dataset)).map((d) => d.deviceId)).toEqual([DeviceId]);
    await expect(service.unsubscribe({ ...dataset, DeviceId })).resolves.toEqual({});
    await expect(service.unsubscribe({ ...dataset, DeviceId })).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await adapters.devices.subscribers(dataset)).toEqual([]);
  });

  it("refuse a dataset that does not exist, and another identity's device, with ResourceNotFoundException", async () => {
    const identity = await configuredIdentity();
    await createDataset(identity, 'settings');
    const { DeviceId } = await service.registerDevice({ ...identity, Platform: 'GCM', Token: newToken() });
    await expect(service.subscribe({ ...identity, DatasetName: 'missing', DeviceId })).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    const other = { IdentityPoolId: identity.IdentityPoolId, IdentityId: newIdentity() };
    await createDataset(other, 'settings');
    await expect(service.subscribe({ ...other, DatasetName: 'settings', DeviceId })).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(service.unsubscribe({ ...other, DatasetName: 'settings', DeviceId })).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(service.subscribe({ ...identity, DatasetName: 'settings', DeviceId: randomUUID() })).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});

describe('the notifier', () => {
  /** Two devices of one identity (GCM and APNS), both subscribed to `settings`. */
  async function twoSubscribedDevices() {
    const identity = await configuredIdentity();
    await createDataset(identity, 'settings');
    const dataset = { ...identity, DatasetName: 'settings' };
    const a = await service.registerDevice({ ...identity, Platform: 'GCM', Token: newToken() });
    const b = await service.registerDevice({ ...identity, Platform: 'APNS', Token: newToken() });
    await service.subscribe({ ...dataset, DeviceId: a.DeviceId });
    await service.subscribe({ ...dataset, DeviceId: b.DeviceId });
    return {
      identity,
      dataset,
      a: a.DeviceId,
      b: b.DeviceId,
      endpointA: await endpointOf(identity, a.DeviceId),
      endpointB: await endpointOf(identity, b.DeviceId),
    };
  }

  it("pushes to every subscribed device except the writer's, with the documented payload", async () => {
    const { dataset, a, endpointA, endpointB } = await twoSubscribedDevices();
    const pushed: string[] = [];
    const notifier = new PushNotifier({
      ...adapters,
      onPush: (p) => pushed.push(`${p.endpointArn} ${p.platform} ${p.datasetName} ${p.syncCount} ${p.outcome}`),
    });
    await notifier.consume(syncEvent(dataset, 7, a), noRecords);
    expect(await messagesTo(endpointA)).toEqual([]);
    const [message, ...more] = await messagesTo(endpointB);
    expect(more).toEqual([]);
    const data = { source: 'cognito-sync', identityPoolId: dataset.IdentityPoolId, identityId: dataset.IdentityId, datasetName: 'settings', syncCount: '7' };
    expect(JSON.parse(message)).toStrictEqual({ default: JSON.stringify(data), APNS: JSON.stringify({ aps: { 'content-available': 1 }, data }) });
    expect(pushed).toEqual([`${endpointB} APNS settings 7 delivered`]);

    // Without a writer's DeviceId (a developer's write), both devices hear of it; GCM with strings only.
    await notifier.consume(syncEvent(dataset, 8), noRecords);
    const [gcm] = await messagesTo(endpointA);
    expect(JSON.parse(JSON.parse(gcm).GCM)).toStrictEqual({ data: { ...data, syncCount: '8' } });
    expect(await messagesTo(endpointB)).toHaveLength(2);
  });

  it('drops a device whose endpoint SNS disabled, with its subscriptions and its endpoint', async () => {
    const { identity, dataset, a, b, endpointA, endpointB } = await twoSubscribedDevices();
    await sns.send(new SetEndpointAttributesCommand({ EndpointArn: endpointA, Attributes: { Enabled: 'false' } }));
    const outcomes: string[] = [];
    await new PushNotifier({ ...adapters, onPush: (p) => outcomes.push(`${p.endpointArn} ${p.outcome}`) }).consume(syncEvent(dataset, 3), noRecords);
    expect(outcomes.sort()).toEqual([`${endpointA} disabled`, `${endpointB} delivered`].sort());
    expect((await adapters.devices.subscribers(dataset)).map((d) => d.deviceId)).toEqual([b]);
    expect(await adapters.devices.device(identity, a)).toBeUndefined();
    // moto's data.json keeps listing deleted models: ask SNS itself.
    await expect(sns.send(new GetEndpointAttributesCommand({ EndpointArn: endpointA }))).rejects.toMatchObject({ name: 'NotFoundException' });
    // Not tried again: the next change reaches B alone.
    outcomes.length = 0;
    await new PushNotifier({ ...adapters, onPush: (p) => outcomes.push(`${p.endpointArn} ${p.outcome}`) }).consume(syncEvent(dataset, 4), noRecords);
    expect(outcomes).toEqual([`${endpointB} delivered`]);
  });

  it("drops a dataset's subscriptions when it is deleted", async () => {
    const { dataset } = await twoSubscribedDevices();
    await new PushNotifier(adapters).consume({ ...syncEvent(dataset, 5), kind: 'delete' }, noRecords);
    expect(await adapters.devices.subscribers(dataset)).toEqual([]);
  });

  it('throws, for the feed to retry, when SNS cannot be reached, having tried every device', async () => {
    const { dataset } = await twoSubscribedDevices();
    const unreachable = createPushAdapters(
      loadConfig({ AWS_REGION: REGION, SYNC_TABLE_NAME: table.tableName, SYNC_AWS_ENDPOINT: 'http://127.0.0.1:9' }),
      table.client,
      table.tableName,
    );
    try {
      const failure = await new PushNotifier(unreachable).consume(syncEvent(dataset, 6), noRecords).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(AggregateError);
      expect((failure as AggregateError).errors).toHaveLength(2);
      // The subscriptions stay for the retry.
      expect(await adapters.devices.subscribers(dataset)).toHaveLength(2);
    } finally {
      unreachable.close();
    }
  });
});
