/**
 * End to end with amazon-cognito-js 1.1.0's CognitoSyncManager, the archived high-level sync client
 * of web apps, unmodified: it runs on `aws-sdk` v2, takes its identity from
 * `AWS.config.credentials` (a CognitoIdentityCredentials) and builds its own `new AWS.CognitoSync()`.
 * The only configuration is the endpoint, given the way an app would: the v2 service-specific
 * config `AWS.config.cognitoidentity` / `AWS.config.cognitosync`.
 *
 * Shims: none. In Node, `require('amazon-cognito-js')` loads its UMD bundle with the CommonJS branch,
 * which takes `require('aws-sdk')` (the same module instance this file imports) and adds
 * `AWS.CognitoSyncManager` to it. The bundle touches `window.localStorage` only in
 * `StoreLocalStorage`, which we replace with the in-memory store (`DataStore` option), and
 * CognitoIdentityCredentials uses localStorage only when `AWS.util.isBrowser()`, false in Node.
 *
 * Two devices are two managers with their own in-memory stores, built while `AWS.config.credentials`
 * holds each device's own CognitoIdentityCredentials for the same IdentityId (the manager and its
 * CognitoSync client capture the credentials object when constructed).
 */
import AWS from 'aws-sdk';
import 'amazon-cognito-js';
import { CognitoSyncClient, ListRecordsCommand, type _Record as SdkRecord } from '@aws-sdk/client-cognito-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEndpoint, type Endpoint } from '../helpers/local-endpoint';

// ---- The parts of amazon-cognito-js this test uses (the package ships no types) ----

type Callback<T> = (err: Error | null | undefined, value: T) => void;

interface SyncRecord {
  getKey(): string;
  getValue(): string;
  getSyncCount(): number;
  isModified(): boolean;
}

interface SyncConflict {
  getKey(): string;
  getRemoteRecord(): SyncRecord;
  getLocalRecord(): SyncRecord;
  resolveWithRemoteRecord(): SyncRecord;
  resolveWithLocalRecord(): SyncRecord;
}

interface SyncCallbacks {
  onSuccess(dataset: SyncDataset, newRecords: SyncRecord[]): void;
  onFailure(err: Error): void;
  onConflict?(dataset: SyncDataset, conflicts: SyncConflict[], callback: (resolved: boolean) => void): void;
  onDatasetDeleted?(dataset: SyncDataset, datasetName: string, callback: (isContinue: boolean) => void): void;
  onDatasetsMerged?(dataset: SyncDataset, merges: string[], callback: (isContinue: boolean) => void): void;
}

interface SyncDataset {
  put(key: string, value: string, callback: Callback<SyncRecord>): void;
  remove(key: string, callback: Callback<SyncRecord>): void;
  get(key: string, callback: Callback<string | undefined>): void;
  getAll(callback: Callback<Record<string, string>>): void;
  resolve(records: SyncRecord[], callback: Callback<unknown>): void;
  synchronize(callbacks: SyncCallbacks): void;
}

interface SyncManager {
  openOrCreateDataset(name: string, callback: Callback<SyncDataset>): void;
  getIdentityId(): string;
  /** The manager's local storage; `deleteDataset` marks a dataset deleted locally (last sync count -1). */
  local: { deleteDataset(identityId: string, datasetName: string, callback: Callback<boolean>): void };
}

interface SyncManagerConstructor {
  new (options?: { DataStore?: unknown; log?: (message: string) => void }): SyncManager;
  StoreInMemory: unknown;
}

const CognitoSyncManager = (AWS as unknown as { CognitoSyncManager: SyncManagerConstructor }).CognitoSyncManager;

// ---- Promises over the callback API ----

const call = <T>(fn: (callback: Callback<T>) => void): Promise<T> =>
  new Promise<T>((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));

interface SyncOutcome {
  /** 'success' (onSuccess) or 'failure' (onFailure), whichever came first. */
  readonly result: 'success' | 'failure';
  readonly error?: Error;
  /** Every callback the library made, in order, to check none came twice. */
  readonly calls: string[];
  readonly conflicts: SyncConflict[][];
  readonly deleted: string[];
}

/**
 * `dataset.synchronize` as a promise that settles on onSuccess or onFailure. The other callbacks are
 * the test's (`onConflict`, `onDatasetDeleted`) and are recorded.
 */
function synchronize(dataset: SyncDataset, handlers: Pick<SyncCallbacks, 'onConflict' | 'onDatasetDeleted'> = {}): Promise<SyncOutcome> {
  return new Promise((resolve) => {
    const calls: string[] = [];
    const conflicts: SyncConflict[][] = [];
    const deleted: string[] = [];
    let settled = false;
    const settle = (result: 'success' | 'failure', error?: Error) => {
      if (settled) return;
      settled = true;
      // Let the library finish whatever it does after the callback before anyone looks.
      setTimeout(() => resolve({ result, error, calls, conflicts, deleted }), 50);
    };
    dataset.synchronize({
      onSuccess: () => {
        calls.push('onSuccess');
        settle('success');
      },
      onFailure: (err) => {
        calls.push('onFailure');
        settle('failure', err);
      },
      onConflict: (ds, found, callback) => {
        calls.push('onConflict');
        conflicts.push(found);
        if (handlers.onConflict) handlers.onConflict(ds, found, callback);
        else callback(false);
      },
      onDatasetDeleted: (ds, name, callback) => {
        calls.push('onDatasetDeleted');
        deleted.push(name);
        if (handlers.onDatasetDeleted) handlers.onDatasetDeleted(ds, name, callback);
        else callback(false);
      },
      onDatasetsMerged: (_ds, _merges, callback) => {
        calls.push('onDatasetsMerged');
        callback(false);
      },
    });
  });
}

const put = (dataset: SyncDataset, key: string, value: string) => call<SyncRecord>((cb) => dataset.put(key, value, cb));
const getAll = (dataset: SyncDataset) => call<Record<string, string>>((cb) => dataset.getAll(cb));

// ---- The endpoint and the devices ----

let endpoint: Endpoint;
let developer: CognitoSyncClient;
let poolId: string;

beforeAll(async () => {
  endpoint = await startEndpoint();
  poolId = await endpoint.identityPoolId();
  developer = new CognitoSyncClient({ region: endpoint.region, endpoint: endpoint.url, credentials: endpoint.developerCredentials, maxAttempts: 1 });
  // What an app configures to use this endpoint, and nothing else. No retries: a 5xx must show.
  AWS.config.update({
    region: endpoint.region,
    maxRetries: 0,
    cognitoidentity: { endpoint: endpoint.url },
    cognitosync: { endpoint: endpoint.url },
  });
});

afterAll(async () => {
  developer?.destroy();
  await endpoint?.close();
});

interface Device {
  readonly manager: SyncManager;
  readonly dataset: SyncDataset;
}

/**
 * One device: its own CognitoIdentityCredentials (GetId on the first device, the known IdentityId
 * on the others, as after a restore), its own manager and in-memory store.
 */
async function device(datasetName: string, identityId?: string): Promise<Device> {
  const credentials = new AWS.CognitoIdentityCredentials({ IdentityPoolId: poolId, ...(identityId ? { IdentityId: identityId } : {}) });
  await credentials.getPromise();
  AWS.config.credentials = credentials;
  const manager = new CognitoSyncManager({ DataStore: CognitoSyncManager.StoreInMemory });
  const dataset = await call<SyncDataset>((cb) => manager.openOrCreateDataset(datasetName, cb));
  return { manager, dataset };
}

async function twoDevices(datasetName: string): Promise<{ a: Device; b: Device; identityId: string }> {
  const a = await device(datasetName);
  const identityId = a.manager.getIdentityId();
  expect(identityId).toMatch(/^us-east-1:[0-9a-f-]{36}$/);
  const b = await device(datasetName, identityId);
  expect(b.manager.getIdentityId()).toBe(identityId);
  return { a, b, identityId };
}

/** The dataset as the server holds it, read with developer credentials. */
async function serverView(
  identityId: string,
  datasetName: string,
): Promise<{ values: Record<string, string>; count: number; exists: boolean; records: SdkRecord[] }> {
  const out = await developer.send(new ListRecordsCommand({ IdentityPoolId: poolId, IdentityId: identityId, DatasetName: datasetName }));
  const records = out.Records ?? [];
  return {
    values: Object.fromEntries(records.filter((r) => r.Value !== undefined).map((r) => [r.Key, r.Value])),
    count: out.DatasetSyncCount as number,
    exists: out.DatasetExists as boolean,
    records,
  };
}

describe('amazon-cognito-js CognitoSyncManager, two devices of one identity', () => {
  it('device A puts and synchronizes; device B synchronizes and sees the value', { timeout: 20_000 }, async () => {
    const { a, b, identityId } = await twoDevices('profile');

    await put(a.dataset, 'nickname', 'ada');
    await put(a.dataset, 'theme', 'dark');
    const first = await synchronize(a.dataset);
    expect(first.calls).toEqual(['onSuccess']);
    expect(await serverView(identityId, 'profile')).toMatchObject({ values: { nickname: 'ada', theme: 'dark' }, count: 1, exists: true });
    expect((await serverView(identityId, 'profile')).records.every((r) => r.LastModifiedBy === identityId)).toBe(true);

    const second = await synchronize(b.dataset);
    expect(second.calls).toEqual(['onSuccess']);
    expect(await getAll(b.dataset)).toEqual({ nickname: 'ada', theme: 'dark' });
    expect(await call<string | undefined>((cb) => b.dataset.get('nickname', cb))).toBe('ada');

    // And back: B changes a value, A picks it up.
    await put(b.dataset, 'theme', 'light');
    expect((await synchronize(b.dataset)).result).toBe('success');
    expect((await synchronize(a.dataset)).result).toBe('success');
    expect(await getAll(a.dataset)).toEqual({ nickname: 'ada', theme: 'light' });
    expect((await serverView(identityId, 'profile')).count).toBe(2);
  });

  it('a conflict goes to onConflict; resolved with the remote and the local record, both devices end equal', { timeout: 20_000 }, async () => {
    const { a, b, identityId } = await twoDevices('game');
    await put(a.dataset, 'level', '1');
    await put(a.dataset, 'coins', '0');
    expect((await synchronize(a.dataset)).result).toBe('success');
    expect((await synchronize(b.dataset)).result).toBe('success');

    // Both devices change both keys offline; A syncs first.
    await put(a.dataset, 'level', '2');
    await put(a.dataset, 'coins', '50');
    await put(b.dataset, 'level', '3');
    await put(b.dataset, 'coins', '70');
    expect((await synchronize(a.dataset)).calls).toEqual(['onSuccess']);

    // B: the library sees A's records against its own modified ones and asks the app.
    const resolved = await synchronize(b.dataset, {
      onConflict: (dataset, conflicts, callback) => {
        const records = conflicts.map((c) => (c.getKey() === 'level' ? c.resolveWithRemoteRecord() : c.resolveWithLocalRecord()));
        dataset.resolve(records, () => callback(true));
      },
    });
    expect(resolved.result).toBe('success');
    expect(resolved.calls).toEqual(['onConflict', 'onSuccess']);
    const [conflicts] = resolved.conflicts;
    expect(
      conflicts.map((c) => [c.getKey(), c.getRemoteRecord().getValue(), c.getRemoteRecord().getSyncCount(), c.getLocalRecord().getValue()]).sort(),
    ).toEqual([
      ['coins', '50', 2, '70'],
      ['level', '2', 2, '3'],
    ]);

    // The server has A's level and B's coins; A catches up on its next sync.
    expect(await serverView(identityId, 'game')).toMatchObject({ values: { level: '2', coins: '70' }, count: 3 });
    expect((await synchronize(a.dataset)).calls).toEqual(['onSuccess']);
    expect(await getAll(a.dataset)).toEqual({ level: '2', coins: '70' });
    expect(await getAll(b.dataset)).toEqual({ level: '2', coins: '70' });
    // Another round changes nothing anywhere.
    expect((await synchronize(b.dataset)).calls).toEqual(['onSuccess']);
    expect(await getAll(b.dataset)).toEqual(await getAll(a.dataset));
    expect((await serverView(identityId, 'game')).count).toBe(3);
  });

  it('a dataset deleted remotely by device A triggers onDatasetDeleted on device B', { timeout: 20_000 }, async () => {
    const { a, b, identityId } = await twoDevices('notes');
    await put(a.dataset, 'todo', 'milk');
    expect((await synchronize(a.dataset)).result).toBe('success');
    expect((await synchronize(b.dataset)).result).toBe('success');
    expect(await getAll(b.dataset)).toEqual({ todo: 'milk' });

    // A deletes: locally first (the manager marks it with last sync count -1), then synchronize
    // deletes it on the server and purges it locally.
    await call<boolean>((cb) => a.manager.local.deleteDataset(identityId, 'notes', cb));
    const deletion = await synchronize(a.dataset);
    expect(deletion.calls).toEqual(['onSuccess']);
    expect((await serverView(identityId, 'notes')).exists).toBe(false);

    // B's next synchronize must tell the app. amazon-cognito-js 1.1.0 decides this on
    // DatasetDeletedAfterRequestedSyncCount alone (its `syncCount !== 0 && !remoteRecords ||
    // remoteRecords.isDeleted()` never looks at DatasetExists). Returning false from the callback
    // is the library's own default: it cancels the sync (onFailure) and leaves the purge to the app.
    // (Returning true makes 1.1.0 call `_synchronizeInternal`, which it does not define.)
    const seen = await synchronize(b.dataset);
    expect(seen.calls).toEqual(['onDatasetDeleted', 'onFailure']);
    expect(seen.deleted).toEqual(['notes']);
    expect(seen.error?.message).toBe('Cancelled due to .onDatasetDeleted result.');
  });

  it('a dataset deleted and re-created remotely also triggers onDatasetDeleted on the stale device', { timeout: 20_000 }, async () => {
    const { a, b, identityId } = await twoDevices('recreated');
    await put(a.dataset, 'k', 'old');
    expect((await synchronize(a.dataset)).result).toBe('success');
    expect((await synchronize(b.dataset)).result).toBe('success');

    await call<boolean>((cb) => a.manager.local.deleteDataset(identityId, 'recreated', cb));
    expect((await synchronize(a.dataset)).calls).toEqual(['onSuccess']);
    // A starts the dataset again (a fresh local dataset, last sync count 0).
    const again = await call<SyncDataset>((cb) => a.manager.openOrCreateDataset('recreated', cb));
    await put(again, 'k', 'new');
    expect((await synchronize(again)).calls).toEqual(['onSuccess']);
    const server = await serverView(identityId, 'recreated');
    expect(server).toMatchObject({ values: { k: 'new' }, count: 2, exists: true });

    const seen = await synchronize(b.dataset);
    expect(seen.calls).toEqual(['onDatasetDeleted', 'onFailure']);
    expect(seen.deleted).toEqual(['recreated']);
  });
});
