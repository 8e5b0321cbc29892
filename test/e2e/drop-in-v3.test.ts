/**
 * Drop-in mode end to end with the unmodified v3 clients: `fromCognitoIdentityPool` gets its
 * credentials through the relay (upstream: the local endpoint's Cognito Identity), and
 * `@aws-sdk/client-cognito-sync` signs for `cognito-sync`, as it always does, and syncs through the
 * operations' functions reached with no authorizer context (test/helpers/drop-in.ts). Only the two
 * endpoints differ from what an app on AWS has.
 */
import { CognitoSyncClient, ListDatasetsCommand, ListRecordsCommand, UpdateRecordsCommand } from '@aws-sdk/client-cognito-sync';
import { fromCognitoIdentity, fromCognitoIdentityPool } from '@aws-sdk/credential-providers';
import { GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDropInWorld, type DropInWorld } from '../helpers/drop-in';

let world: DropInWorld;

beforeAll(async () => {
  world = await startDropInWorld({ mode: 'in-process' });
});

afterAll(async () => {
  await world?.close();
});

/** An app's client, with its two endpoints changed and nothing else. */
function appClient(identityPoolId: string): CognitoSyncClient {
  return new CognitoSyncClient({
    region: world.region,
    endpoint: world.url,
    credentials: fromCognitoIdentityPool({ identityPoolId, clientConfig: { region: world.region, endpoint: world.url } }),
    maxAttempts: 1,
  });
}

describe('drop-in mode with @aws-sdk/client-cognito-sync v3 and fromCognitoIdentityPool', () => {
  it('gets credentials through the relay and syncs through the drop-in path: write, read back, list', async () => {
    const IdentityPoolId = await world.upstream.identityPoolId();
    const sync = appClient(IdentityPoolId);
    const { identityId: IdentityId } = (await sync.config.credentials()) as { identityId?: string };
    expect(IdentityId).toMatch(/^us-east-1:/);

    const listed = await sync.send(new ListRecordsCommand({ IdentityPoolId, IdentityId, DatasetName: 'settings' }));
    const updated = await sync.send(
      new UpdateRecordsCommand({
        IdentityPoolId,
        IdentityId,
        DatasetName: 'settings',
        SyncSessionToken: listed.SyncSessionToken,
        RecordPatches: [{ Op: 'replace', Key: 'theme', Value: 'dark', SyncCount: 0 }],
      }),
    );
    expect(updated.Records?.map((r) => [r.Key, r.Value, r.SyncCount])).toEqual([['theme', 'dark', 1]]);
    const again = await sync.send(new ListRecordsCommand({ IdentityPoolId, IdentityId, DatasetName: 'settings' }));
    expect(again.Records?.map((r) => [r.Key, r.Value])).toEqual([['theme', 'dark']]);
    const datasets = await sync.send(new ListDatasetsCommand({ IdentityPoolId, IdentityId }));
    expect(datasets.Datasets?.map((d) => d.DatasetName)).toEqual(['settings']);

    // Every sync request reached its function with no authorizer context: the function verified it.
    const syncEvents = world.events.filter((e) => e.routeKey !== 'POST /');
    expect(syncEvents.length).toBeGreaterThanOrEqual(4);
    for (const e of syncEvents) expect(e.requestContext).not.toHaveProperty('authorizer');
    sync.destroy();
  });

  it('an app that kept its identity id from before the switch (its GetId went to Cognito Identity directly) syncs too: the relay finds the pool from GetOpenIdToken', async () => {
    const IdentityPoolId = await world.upstream.identityPoolId();
    // GetId straight at the upstream: the relay never saw this identity.
    const { identityId: IdentityId } = await world.upstream.newIdentity(IdentityPoolId);
    const sync = new CognitoSyncClient({
      region: world.region,
      endpoint: world.url,
      // The provider of a known identity: GetCredentialsForIdentity only, as after the first launch.
      credentials: fromCognitoIdentity({ identityId: IdentityId, clientConfig: { region: world.region, endpoint: world.url } }),
      maxAttempts: 1,
    });
    const listed = await sync.send(new ListRecordsCommand({ IdentityPoolId, IdentityId, DatasetName: 'kept' }));
    expect(listed.DatasetSyncCount).toBe(0);
    const relayed = world.events.filter((e) => e.routeKey === 'POST /').map((e) => e.headers['x-amz-target']);
    expect(relayed).toContain('AWSCognitoIdentityService.GetCredentialsForIdentity');
    sync.destroy();
  });

  it('stores, per access key, the identity, pool, token hash, expiry and sealed signing keys, and never the secret key', async () => {
    const IdentityPoolId = await world.upstream.identityPoolId();
    const sync = appClient(IdentityPoolId);
    const credentials = (await sync.config.credentials()) as { accessKeyId: string; secretAccessKey: string; sessionToken: string; identityId: string };
    const { Item } = await world.keyTable.client.send(
      new GetItemCommand({ TableName: world.keyTable.keyTableName, Key: { pk: { S: `K#${credentials.accessKeyId}` } } }),
    );
    expect(Item).toBeDefined();
    expect(Item?.identityId?.S).toBe(credentials.identityId);
    expect(Item?.identityPoolId?.S).toBe(IdentityPoolId);
    expect(Number(Item?.expiresAt?.N)).toBeGreaterThan(Date.now() / 1000);
    expect(Item?.tokenSha256?.S).toMatch(/^[0-9a-f]{64}$/);
    // The identity -> pool item from the GetId answer expires unless used again (a GetId flood does not pile up).
    const { Item: pool } = await world.keyTable.client.send(
      new GetItemCommand({ TableName: world.keyTable.keyTableName, Key: { pk: { S: `I#${credentials.identityId}` } } }),
    );
    expect(pool?.identityPoolId?.S).toBe(IdentityPoolId);
    expect(Number(pool?.expiresAt?.N)).toBeGreaterThan(Date.now() / 1000 + 29 * 24 * 3600);
    // Neither the secret nor the token, in any encoding, in any item of the table.
    const { Items = [] } = await world.keyTable.client.send(new ScanCommand({ TableName: world.keyTable.keyTableName }));
    const everything = JSON.stringify(Items);
    const raw = Items.flatMap((i) => Object.values(i).map((v) => (v.B ? Buffer.from(v.B).toString('latin1') : '')));
    for (const secret of [credentials.secretAccessKey, credentials.sessionToken]) {
      for (const encoded of [secret, Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('hex')]) {
        expect(everything).not.toContain(encoded);
        for (const bytes of raw) expect(bytes).not.toContain(encoded);
      }
    }
    sync.destroy();
  });
});
