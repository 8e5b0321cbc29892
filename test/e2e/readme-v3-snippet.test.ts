/**
 * The README's v3 snippet ("Pointing a client at it"), run as written against the local endpoint:
 * the client gets its credentials from `fromCognitoIdentityPool`, and the app's IdentityId comes from
 * the credentials that provider resolves (`identityId`), read back through the client's config.
 */
import { CognitoIdentityClient, CreateIdentityPoolCommand } from '@aws-sdk/client-cognito-identity';
import { CognitoSyncClient, ListRecordsCommand, UpdateRecordsCommand } from '@aws-sdk/client-cognito-sync';
import { fromCognitoIdentityPool } from '@aws-sdk/credential-providers';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEndpoint, type Endpoint } from '../helpers/local-endpoint';

let local: Endpoint;

beforeAll(async () => {
  local = await startEndpoint();
});

afterAll(async () => {
  await local?.close();
});

it('the README v3 snippet syncs, with the IdentityId read from the client’s credentials', async () => {
  const endpoint = local.url;
  const developer = local.developerCredentials;
  const { IdentityPoolId } = await new CognitoIdentityClient({ region: 'us-east-1', endpoint, credentials: developer }).send(
    new CreateIdentityPoolCommand({ IdentityPoolName: 'local', AllowUnauthenticatedIdentities: true }),
  );

  const sync = new CognitoSyncClient({
    region: 'us-east-1',
    endpoint,
    credentials: fromCognitoIdentityPool({ identityPoolId: IdentityPoolId!, clientConfig: { region: 'us-east-1', endpoint } }),
  });
  // As in the README: the credentials the provider resolves carry the identity id they were minted for.
  const { identityId: IdentityId } = (await sync.config.credentials()) as { identityId?: string };
  expect(IdentityId).toMatch(/^us-east-1:[0-9a-f-]{36}$/);

  const out = await sync.send(new ListRecordsCommand({ IdentityPoolId, IdentityId, DatasetName: 'settings' }));
  expect(out.DatasetExists).toBe(false);

  const dataset = { IdentityPoolId, IdentityId, DatasetName: 'settings' };
  const { SyncSessionToken } = out;
  const written = await sync.send(
    new UpdateRecordsCommand({ ...dataset, SyncSessionToken, RecordPatches: [{ Op: 'replace', Key: 'theme', Value: 'dark', SyncCount: 0 }] }),
  );
  expect(written.Records?.[0]).toMatchObject({ Key: 'theme', Value: 'dark', SyncCount: 1, LastModifiedBy: IdentityId });
});
