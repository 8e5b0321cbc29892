/**
 * Drop-in mode with the archived JavaScript clients, unmodified: `aws-sdk` v2 (its CognitoSync
 * client signs for `cognito-sync` with CognitoIdentityCredentials' keys) and amazon-cognito-js's
 * CognitoSyncManager on top of it. Configured as an app on AWS is, with only the two service
 * endpoints changed (`AWS.config.cognitoidentity` and `AWS.config.cognitosync`), both pointing at
 * the drop-in API: credentials come through the relay, syncs through the drop-in handler path.
 */
import AWS from 'aws-sdk';
import 'amazon-cognito-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDropInWorld, type DropInWorld } from '../helpers/drop-in';

type Callback<T> = (err: Error | null | undefined, value: T) => void;

/** The parts of amazon-cognito-js used here (the package ships no types). */
interface SyncDataset {
  put(key: string, value: string, callback: Callback<unknown>): void;
  synchronize(callbacks: { onSuccess(): void; onFailure(err: Error): void; onConflict?(ds: unknown, c: unknown[], cb: (r: boolean) => void): void }): void;
}
interface SyncManager {
  openOrCreateDataset(name: string, callback: Callback<SyncDataset>): void;
  getIdentityId(): string;
}
const CognitoSyncManager = (AWS as unknown as { CognitoSyncManager: { new (options: { DataStore: unknown }): SyncManager; StoreInMemory: unknown } })
  .CognitoSyncManager;

const call = <T>(fn: (callback: Callback<T>) => void): Promise<T> =>
  new Promise<T>((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));

let world: DropInWorld;
let poolId: string;

beforeAll(async () => {
  world = await startDropInWorld({ mode: 'in-process' });
  poolId = await world.upstream.identityPoolId();
  AWS.config.update({
    region: world.region,
    maxRetries: 0,
    cognitoidentity: { endpoint: world.url },
    cognitosync: { endpoint: world.url },
  });
});

afterAll(async () => {
  await world?.close();
});

async function credentials(identityId?: string): Promise<AWS.CognitoIdentityCredentials> {
  const c = new AWS.CognitoIdentityCredentials({ IdentityPoolId: poolId, ...(identityId ? { IdentityId: identityId } : {}) });
  await c.getPromise();
  return c;
}

describe('drop-in mode with aws-sdk v2 and amazon-cognito-js', () => {
  it('aws-sdk v2: CognitoIdentityCredentials through the relay, CognitoSync listRecords / updateRecords through the drop-in path', async () => {
    const creds = await credentials();
    const IdentityId = creds.identityId;
    const sync = new AWS.CognitoSync({ credentials: creds });
    const listed = await sync.listRecords({ IdentityPoolId: poolId, IdentityId, DatasetName: 'v2' }).promise();
    const updated = await sync
      .updateRecords({
        IdentityPoolId: poolId,
        IdentityId,
        DatasetName: 'v2',
        SyncSessionToken: listed.SyncSessionToken as string,
        RecordPatches: [{ Op: 'replace', Key: 'k', Value: 'v2 value', SyncCount: 0 }],
      })
      .promise();
    expect(updated.Records?.map((r) => [r.Key, r.Value, r.SyncCount])).toEqual([['k', 'v2 value', 1]]);
    // A refusal reaches v2 by its AWS name too.
    const other = await credentials();
    const refused = await sync
      .listRecords({ IdentityPoolId: poolId, IdentityId: other.identityId, DatasetName: 'v2' })
      .promise()
      .catch((e: AWS.AWSError) => e);
    expect([(refused as AWS.AWSError).code, (refused as AWS.AWSError).statusCode]).toEqual(['NotAuthorizedException', 403]);
  });

  it('amazon-cognito-js: two devices of one identity sync through the relay and the drop-in path', async () => {
    const device = async (identityId?: string) => {
      AWS.config.credentials = await credentials(identityId);
      const manager = new CognitoSyncManager({ DataStore: CognitoSyncManager.StoreInMemory });
      const dataset = await call<SyncDataset>((cb) => manager.openOrCreateDataset('settings', cb));
      return { manager, dataset };
    };
    const synchronize = (dataset: SyncDataset) =>
      new Promise<void>((resolve, reject) => dataset.synchronize({ onSuccess: () => resolve(), onFailure: reject, onConflict: (_ds, _c, cb) => cb(false) }));
    const a = await device();
    await call((cb) => a.dataset.put('theme', 'dark', cb));
    await synchronize(a.dataset);
    // The second device knows the identity id: GetCredentialsForIdentity without GetId, as after a restore.
    const b = await device(a.manager.getIdentityId());
    await synchronize(b.dataset);
    const values = await call<Record<string, string>>((cb) => (b.dataset as unknown as { getAll(c: Callback<Record<string, string>>): void }).getAll(cb));
    expect(values).toEqual({ theme: 'dark' });
    const routes = world.events.map((e) => e.routeKey);
    expect(routes).toContain('POST /identitypools/{IdentityPoolId}/identities/{IdentityId}/datasets/{DatasetName}');
    for (const e of world.events) expect(e.requestContext).not.toHaveProperty('authorizer');
  });
});
