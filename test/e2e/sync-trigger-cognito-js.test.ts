/**
 * The sync trigger seen by amazon-cognito-js 1.1.0's CognitoSyncManager (on aws-sdk v2), unmodified,
 * as a web app syncs: the value the trigger capped is the one the device ends up with, and a trigger
 * that fails reaches onFailure with the service's error name. The setup is that of
 * cognito-sync-manager.test.ts: the endpoint given through AWS.config's service-specific endpoints.
 */
import path from 'node:path';
import { CognitoSyncClient, ListRecordsCommand, SetCognitoEventsCommand } from '@aws-sdk/client-cognito-sync';
import AWS from 'aws-sdk';
import 'amazon-cognito-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEndpoint, type Endpoint } from '../helpers/local-endpoint';

// ---- The parts of amazon-cognito-js this test uses (the package ships no types) ----

type Callback<T> = (err: Error | null | undefined, value: T) => void;

interface SyncDataset {
  put(key: string, value: string, callback: Callback<unknown>): void;
  getAll(callback: Callback<Record<string, string>>): void;
  synchronize(callbacks: {
    onSuccess(dataset: SyncDataset, newRecords: unknown[]): void;
    onFailure(err: Error & { code?: string }): void;
    onConflict(dataset: SyncDataset, conflicts: unknown[], callback: (resolved: boolean) => void): void;
    onDatasetDeleted(dataset: SyncDataset, name: string, callback: (isContinue: boolean) => void): void;
    onDatasetsMerged(dataset: SyncDataset, merges: string[], callback: (isContinue: boolean) => void): void;
  }): void;
}

interface SyncManagerConstructor {
  new (options?: { DataStore?: unknown }): { openOrCreateDataset(name: string, callback: Callback<SyncDataset>): void };
  StoreInMemory: unknown;
}

const CognitoSyncManager = (AWS as unknown as { CognitoSyncManager: SyncManagerConstructor }).CognitoSyncManager;

const call = <T>(fn: (callback: Callback<T>) => void): Promise<T> =>
  new Promise<T>((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));

/** `synchronize` as a promise: the error's message on failure, undefined on success. */
const synchronize = (dataset: SyncDataset): Promise<string | undefined> =>
  new Promise((resolve) =>
    dataset.synchronize({
      onSuccess: () => resolve(undefined),
      onFailure: (err) => resolve(err.message),
      onConflict: (_ds, _conflicts, callback) => callback(false),
      onDatasetDeleted: (_ds, _name, callback) => callback(false),
      onDatasetsMerged: (_ds, _merges, callback) => callback(false),
    }),
  );

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'sync-triggers');

let endpoint: Endpoint;
let developer: CognitoSyncClient;

beforeAll(async () => {
  endpoint = await startEndpoint({
    functions: [
      { name: 'cap-score', file: path.join(FIXTURES, 'cap-score.ts') },
      { name: 'throws', file: path.join(FIXTURES, 'throws.js') },
    ],
  });
  developer = new CognitoSyncClient({ region: endpoint.region, endpoint: endpoint.url, credentials: endpoint.developerCredentials, maxAttempts: 1 });
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

/** A device of a new identity of a new pool whose SyncTrigger is `name`, with the dataset open. */
async function deviceWithTrigger(name: string): Promise<{ dataset: SyncDataset; pool: string; identityId: string }> {
  const pool = await endpoint.createIdentityPool(`cognito js ${name.replace(/-/g, '_')}`);
  await developer.send(
    new SetCognitoEventsCommand({ IdentityPoolId: pool, Events: { SyncTrigger: `arn:aws:lambda:${endpoint.region}:${endpoint.accountId}:function:${name}` } }),
  );
  const credentials = new AWS.CognitoIdentityCredentials({ IdentityPoolId: pool });
  await credentials.getPromise();
  AWS.config.credentials = credentials;
  const manager = new CognitoSyncManager({ DataStore: CognitoSyncManager.StoreInMemory });
  const dataset = await call<SyncDataset>((cb) => manager.openOrCreateDataset('game', cb));
  return { dataset, pool, identityId: credentials.identityId };
}

describe('amazon-cognito-js CognitoSyncManager with a sync trigger', () => {
  it('ends up with the value the trigger chose', async () => {
    const { dataset } = await deviceWithTrigger('cap-score');
    await call((cb) => dataset.put('score', '250', cb));
    await call((cb) => dataset.put('name', 'ada', cb));
    expect(await synchronize(dataset)).toBeUndefined();
    expect(await call<Record<string, string>>((cb) => dataset.getAll(cb))).toEqual({ score: '100', name: 'ada' });
  });

  it('fails the sync when the trigger fails, and nothing reaches the server', async () => {
    const { dataset, pool, identityId } = await deviceWithTrigger('throws');
    await call((cb) => dataset.put('score', '1', cb));
    // The library takes a failed UpdateRecords for a race, syncs again, and gives up after its retries.
    expect(await synchronize(dataset)).toBe('Synchronize failed: exceeded maximum retry count.');
    const server = await developer.send(new ListRecordsCommand({ IdentityPoolId: pool, IdentityId: identityId, DatasetName: 'game' }));
    expect([server.DatasetSyncCount, server.Records]).toEqual([0, []]);
    expect(await call<Record<string, string>>((cb) => dataset.getAll(cb))).toEqual({ score: '1' });
  });
});
