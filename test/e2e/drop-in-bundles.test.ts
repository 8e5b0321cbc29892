/**
 * Drop-in mode through the functions' bundles (lib/bundling.ts settings, one plain Node process per
 * request, as a cold Lambda instance): the relay's bundle stores the key with KMS (moto) and the
 * operations' bundles verify against it, with the unmodified v3 clients on both endpoints.
 */
import { CognitoSyncClient, ListRecordsCommand, UpdateRecordsCommand } from '@aws-sdk/client-cognito-sync';
import { fromCognitoIdentityPool } from '@aws-sdk/credential-providers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDropInWorld, type DropInWorld } from '../helpers/drop-in';

let world: DropInWorld;

beforeAll(async () => {
  world = await startDropInWorld({ mode: 'bundles', bundled: ['CognitoIdentityRelay', 'ListRecords', 'UpdateRecords'] });
}, 120_000);

afterAll(async () => {
  await world?.close();
});

describe('drop-in mode through the bundles', () => {
  it('the relay bundle issues stored credentials and the operation bundles accept them (write, read back) and refuse a forged signature', async () => {
    const IdentityPoolId = await world.upstream.identityPoolId();
    const sync = new CognitoSyncClient({
      region: world.region,
      endpoint: world.url,
      credentials: fromCognitoIdentityPool({ identityPoolId: IdentityPoolId, clientConfig: { region: world.region, endpoint: world.url } }),
      maxAttempts: 1,
    });
    const { identityId: IdentityId } = (await sync.config.credentials()) as { identityId?: string };
    const listed = await sync.send(new ListRecordsCommand({ IdentityPoolId, IdentityId, DatasetName: 'bundled' }));
    const updated = await sync.send(
      new UpdateRecordsCommand({
        IdentityPoolId,
        IdentityId,
        DatasetName: 'bundled',
        SyncSessionToken: listed.SyncSessionToken,
        RecordPatches: [{ Op: 'replace', Key: 'level', Value: '3', SyncCount: 0 }],
      }),
    );
    expect(updated.Records?.map((r) => [r.Key, r.Value, r.SyncCount])).toEqual([['level', '3', 1]]);
    const again = await sync.send(new ListRecordsCommand({ IdentityPoolId, IdentityId, DatasetName: 'bundled' }));
    expect(again.Records?.map((r) => [r.Key, r.Value])).toEqual([['level', '3']]);
    for (const e of world.events) expect(e.requestContext).not.toHaveProperty('authorizer');

    // The same credentials with another secret: the bundle refuses by AWS's name.
    const real = (await sync.config.credentials()) as { accessKeyId: string; secretAccessKey: string; sessionToken: string };
    const forged = new CognitoSyncClient({
      region: world.region,
      endpoint: world.url,
      credentials: { ...real, secretAccessKey: `${real.secretAccessKey}x` },
      maxAttempts: 1,
    });
    const refused = await forged
      .send(new ListRecordsCommand({ IdentityPoolId, IdentityId, DatasetName: 'bundled' }))
      .catch((e: Error & { $metadata?: { httpStatusCode?: number } }) => e);
    expect([(refused as Error).name, (refused as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode]).toEqual([
      'InvalidSignatureException',
      403,
    ]);
    forged.destroy();
    sync.destroy();
  }, 60_000);
});
