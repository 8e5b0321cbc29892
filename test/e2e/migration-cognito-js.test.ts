/**
 * A device keeps going across the migration (issue 13), with amazon-cognito-js 1.1.0's
 * CognitoSyncManager, whose local store keeps each dataset's last sync count: two devices sync
 * against the source, the data is migrated (bulk copy, then the final delta), and each device,
 * pointed at the target with its local store as it was, gets exactly the records it had not seen
 * (those above its count), pushes its offline change without a conflict, and both end equal.
 *
 * On AWS the identities stay in Cognito Identity, which both sides share. Locally each instance has
 * its own, so on the target the devices sign with the developer credentials (allowed for any
 * identity) under the same IdentityId: the sync client sees the same identity and the same counts.
 * The setup of the library in Node is test/e2e/cognito-sync-manager.test.ts's.
 */
import AWS from 'aws-sdk';
import 'amazon-cognito-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDBLocalClient } from '../../lambdas/local/emulators/dynamodb-local';
import { Checkpoint } from '../../lambdas/migration/migrate/checkpoint';
import { runMigration } from '../../lambdas/migration/migrate/runner';
import type { EndpointSource } from '../../lambdas/migration/source/endpoint-source';
import { TableTarget } from '../../lambdas/migration/target/table-target';
import { dynamoEndpoint } from '../helpers/dynamodb-local';
import { localEndpointSource } from '../helpers/endpoint-source';
import { type Endpoint, startEndpoint } from '../helpers/local-endpoint';

type Callback<T> = (err: Error | null | undefined, value: T) => void;

interface SyncDataset {
  put(key: string, value: string, callback: Callback<unknown>): void;
  getAll(callback: Callback<Record<string, string>>): void;
  synchronize(callbacks: {
    onSuccess(): void;
    onFailure(err: Error): void;
    onConflict(dataset: SyncDataset, conflicts: unknown[], callback: (resolved: boolean) => void): void;
    onDatasetDeleted(dataset: SyncDataset, name: string, callback: (isContinue: boolean) => void): void;
    onDatasetsMerged(dataset: SyncDataset, merges: string[], callback: (isContinue: boolean) => void): void;
  }): void;
}

interface SyncManager {
  openOrCreateDataset(name: string, callback: Callback<SyncDataset>): void;
  getIdentityId(): string;
}

interface SyncManagerConstructor {
  new (options?: { DataStore?: unknown }): SyncManager;
  StoreInMemory: new () => object;
}

const CognitoSyncManager = (AWS as unknown as { CognitoSyncManager: SyncManagerConstructor }).CognitoSyncManager;

const call = <T>(fn: (callback: Callback<T>) => void): Promise<T> =>
  new Promise<T>((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));

/** Resolves with the callbacks the library made, once it called onSuccess or onFailure. */
function synchronize(dataset: SyncDataset): Promise<string[]> {
  return new Promise((resolve) => {
    const calls: string[] = [];
    const settle = (name: string) => {
      calls.push(name);
      setTimeout(() => resolve(calls), 20);
    };
    dataset.synchronize({
      onSuccess: () => settle('onSuccess'),
      onFailure: (err) => settle(`onFailure: ${err.message}`),
      onConflict: (_d, _c, callback) => {
        calls.push('onConflict');
        callback(false);
      },
      onDatasetDeleted: (_d, _n, callback) => {
        calls.push('onDatasetDeleted');
        callback(false);
      },
      onDatasetsMerged: (_d, _m, callback) => {
        calls.push('onDatasetsMerged');
        callback(false);
      },
    });
  });
}

const put = (dataset: SyncDataset, key: string, value: string) => call((cb) => dataset.put(key, value, cb));
const getAll = (dataset: SyncDataset) => call<Record<string, string>>((cb) => dataset.getAll(cb));

/** A device: its local store outlives the manager, as an app's storage outlives an endpoint change. */
class Device {
  private readonly store = new CognitoSyncManager.StoreInMemory();
  dataset!: SyncDataset;

  /** A manager over this device's store, with the credentials and endpoints AWS.config holds now. */
  async open(): Promise<void> {
    const store = this.store;
    // LocalStorage does `new DataStore()`: a constructor that returns the device's own store.
    const manager = new CognitoSyncManager({
      DataStore: function DeviceStore() {
        return store;
      },
    });
    this.dataset = await call<SyncDataset>((cb) => manager.openOrCreateDataset('profile', cb));
  }
}

let sourceEndpoint: Endpoint;
let targetEndpoint: Endpoint;
let source: EndpointSource;
let target: TableTarget;
let pool: string;
const listed: { lastSyncCount: number; keys: string[]; endpoint: string }[] = [];
/** What the v2 SDK's global `success` event hands over (its typings leave these members out). */
interface SucceededRequest {
  readonly request: {
    readonly operation: string;
    readonly params: { LastSyncCount: number };
    readonly httpRequest: { readonly endpoint: { readonly href: string } };
  };
  readonly data: { readonly Records?: { readonly Key: string }[] };
}
const sdkEvents = (
  AWS as unknown as {
    events: {
      on(event: 'success', listener: (r: SucceededRequest) => void): void;
      removeListener(event: 'success', listener: (r: SucceededRequest) => void): void;
    };
  }
).events;
const recordListing = (response: SucceededRequest) => {
  if (response.request.operation !== 'listRecords') return;
  listed.push({
    lastSyncCount: response.request.params.LastSyncCount,
    keys: (response.data.Records ?? []).map((r) => r.Key).sort(),
    endpoint: response.request.httpRequest.endpoint.href,
  });
};

beforeAll(async () => {
  [sourceEndpoint, targetEndpoint] = await Promise.all([startEndpoint(), startEndpoint()]);
  pool = await sourceEndpoint.identityPoolId();
  source = localEndpointSource(sourceEndpoint);
  target = new TableTarget({ client: createDynamoDBLocalClient(dynamoEndpoint()), tableName: targetEndpoint.tableName });
  AWS.config.update({
    region: sourceEndpoint.region,
    maxRetries: 0,
    cognitoidentity: { endpoint: sourceEndpoint.url },
    cognitosync: { endpoint: sourceEndpoint.url },
  });
  sdkEvents.on('success', recordListing);
});

afterAll(async () => {
  sdkEvents.removeListener('success', recordListing);
  source?.close();
  await Promise.all([sourceEndpoint?.close(), targetEndpoint?.close()]);
});

const migrate = async (checkpoint: Checkpoint) => runMigration({ source, target, pools: [pool], checkpoint });

describe('amazon-cognito-js devices across a migration', () => {
  it('each device gets exactly the records above its count from the target and pushes its own change there', { timeout: 60_000 }, async () => {
    const phone = new Device();
    const tablet = new Device();
    // Both devices of one identity on the source.
    const credentials = new AWS.CognitoIdentityCredentials({ IdentityPoolId: pool });
    await credentials.getPromise();
    AWS.config.credentials = credentials;
    await phone.open();
    const identityId = credentials.identityId;
    const tabletCredentials = new AWS.CognitoIdentityCredentials({ IdentityPoolId: pool, IdentityId: identityId });
    await tabletCredentials.getPromise();
    AWS.config.credentials = tabletCredentials;
    await tablet.open();

    await put(phone.dataset, 'nickname', 'ada');
    await put(phone.dataset, 'theme', 'dark');
    expect(await synchronize(phone.dataset)).toEqual(['onSuccess']); // count 1
    await put(phone.dataset, 'coins', '10');
    expect(await synchronize(phone.dataset)).toEqual(['onSuccess']); // count 2
    expect(await synchronize(tablet.dataset)).toEqual(['onSuccess']);
    await put(tablet.dataset, 'theme', 'light');
    expect(await synchronize(tablet.dataset)).toEqual(['onSuccess']); // count 3

    // The bulk copy, one more change at the source, and the final delta.
    const checkpoint = await Checkpoint.open(undefined);
    expect((await migrate(checkpoint)).datasets.copied).toBe(1);
    await put(tablet.dataset, 'level', '5');
    expect(await synchronize(tablet.dataset)).toEqual(['onSuccess']); // count 4
    const delta = await migrate(checkpoint);
    expect(delta.datasets).toMatchObject({ copied: 1, conflicts: 0 });
    expect(delta.records).toBe(1);

    // The phone changed a value offline, then the app switches endpoint.
    await put(phone.dataset, 'nickname', 'grace');
    AWS.config.update({ cognitoidentity: { endpoint: targetEndpoint.url }, cognitosync: { endpoint: targetEndpoint.url } });
    const onTarget = new AWS.Credentials(targetEndpoint.developerCredentials.accessKeyId, targetEndpoint.developerCredentials.secretAccessKey);
    AWS.config.credentials = Object.assign(onTarget, { identityId, params: { IdentityPoolId: pool } });
    await phone.open();
    await tablet.open();

    listed.length = 0;
    expect(await synchronize(phone.dataset)).toEqual(['onSuccess']);
    // The phone held count 2: it is sent theme (3) and level (4), nothing it had, and pushes its nickname (5).
    expect(listed[0]).toMatchObject({ lastSyncCount: 2, keys: ['level', 'theme'], endpoint: `${targetEndpoint.url}/` });
    expect(await getAll(phone.dataset)).toEqual({ nickname: 'grace', theme: 'light', coins: '10', level: '5' });

    listed.length = 0;
    expect(await synchronize(tablet.dataset)).toEqual(['onSuccess']);
    // The tablet held count 4: only the phone's nickname.
    expect(listed[0]).toMatchObject({ lastSyncCount: 4, keys: ['nickname'] });
    expect(await getAll(tablet.dataset)).toEqual(await getAll(phone.dataset));
  });
});
