/**
 * The local Cognito Identity's pool administration (ListIdentityPools, DescribeIdentityPool,
 * ListIdentities, DeleteIdentityPool) through `@aws-sdk/client-cognito-identity` against the local
 * endpoint: the model's shapes, paging and errors, and what deleting a pool does to its sync data.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  CognitoIdentityClient,
  DeleteIdentityPoolCommand,
  DescribeIdentityPoolCommand,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  InvalidParameterException,
  ListIdentitiesCommand,
  ListIdentityPoolsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-cognito-identity';
import { CognitoSyncClient, ListRecordsCommand, SetIdentityPoolConfigurationCommand, UpdateRecordsCommand } from '@aws-sdk/client-cognito-sync';
import { PutCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDBLocalClient } from '../../lambdas/local/emulators/dynamodb-local';
import { dynamoEndpoint } from '../helpers/dynamodb-local';
import { startEndpoint, type AwsCredentials, type Endpoint } from '../helpers/local-endpoint';

let endpoint: Endpoint;
let identity: CognitoIdentityClient;
const dynamo = createDynamoDBLocalClient(dynamoEndpoint());
const clients: { destroy(): void }[] = [];

const identityClient = (credentials?: AwsCredentials) => {
  const c = new CognitoIdentityClient({ region: endpoint.region, endpoint: endpoint.url, maxAttempts: 1, ...(credentials ? { credentials } : {}) });
  clients.push(c);
  return c;
};
const syncClient = (credentials: AwsCredentials) => {
  const c = new CognitoSyncClient({ region: endpoint.region, endpoint: endpoint.url, credentials, maxAttempts: 1 });
  clients.push(c);
  return c;
};

beforeAll(async () => {
  endpoint = await startEndpoint();
  identity = identityClient(endpoint.developerCredentials);
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  dynamo.destroy();
  await endpoint?.close();
});

async function listAllPools(MaxResults: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let NextToken: string | undefined;
  let pages = 0;
  do {
    const out = await identity.send(new ListIdentityPoolsCommand({ MaxResults, NextToken }));
    pages++;
    expect(out.IdentityPools?.length).toBeLessThanOrEqual(MaxResults);
    ids.push(...(out.IdentityPools ?? []).map((p) => p.IdentityPoolId as string));
    NextToken = out.NextToken;
  } while (NextToken);
  return { ids, pages };
}

async function tableKeys(): Promise<string[]> {
  const out = await dynamo.send(new ScanCommand({ TableName: endpoint.tableName, ProjectionExpression: 'PK', ConsistentRead: true }));
  return (out.Items ?? []).map((item) => item.PK.S as string);
}

describe('ListIdentityPools', () => {
  it('lists every pool once, in pages of MaxResults, with their names', async () => {
    // A pool of a data directory made before the listings existed: only its own item.
    const legacy = `${endpoint.region}:00000000-0000-4000-8000-000000000000`;
    await DynamoDBDocumentClient.from(dynamo).send(
      new PutCommand({
        TableName: endpoint.tableName,
        Item: { PK: `LOCALPOOL#${legacy}`, SK: 'POOL', IdentityPoolId: legacy, IdentityPoolName: 'legacy', AllowUnauthenticatedIdentities: true },
      }),
    );
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await endpoint.createIdentityPool(`pool ${i}`));
    const { ids, pages } = await listAllPools(2);
    expect(ids).toEqual([...created, legacy].sort());
    expect(pages).toBe(3);
    const first = await identity.send(new ListIdentityPoolsCommand({ MaxResults: 60 }));
    expect(first.NextToken).toBeUndefined();
    expect(first.IdentityPools).toContainEqual({ IdentityPoolId: created[0], IdentityPoolName: 'pool 0' });
  });

  it.each([
    ['MaxResults above 60', { MaxResults: 61 }, /maxResults.*less than or equal to 60/],
    ['MaxResults below 1', { MaxResults: 0 }, /maxResults.*greater than or equal to 1/],
    ['a NextToken it did not issue', { MaxResults: 2, NextToken: 'not-a-token' }, /pagination token/],
  ])('refuses %s with InvalidParameterException', async (_, input, message) => {
    const error = await identity.send(new ListIdentityPoolsCommand(input)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect((error as Error).message).toMatch(message);
  });

  it('refuses an identity with AccessDeniedException', async () => {
    const someone = await endpoint.newIdentity();
    const error = await identityClient(someone.credentials)
      .send(new ListIdentityPoolsCommand({ MaxResults: 10 }))
      .catch((e: unknown) => e);
    // Not in Cognito Identity's model: the client names it from the wire's __type.
    expect((error as Error).name).toBe('AccessDeniedException');
    expect((error as Error).message).toMatch(/cognito-identity:ListIdentityPools/);
  });
});

describe('DescribeIdentityPool and ListIdentities', () => {
  it('describe a pool as CreateIdentityPool made it', async () => {
    const pool = await endpoint.createIdentityPool('described');
    const out = await identity.send(new DescribeIdentityPoolCommand({ IdentityPoolId: pool }));
    expect(out).toMatchObject({ IdentityPoolId: pool, IdentityPoolName: 'described', AllowUnauthenticatedIdentities: true });
  });

  it('list a pool’s identities in pages, and no other pool’s', async () => {
    const [pool, other] = [await endpoint.createIdentityPool(), await endpoint.createIdentityPool()];
    const mine = [];
    for (let i = 0; i < 3; i++) mine.push((await endpoint.newIdentity(pool)).identityId);
    await endpoint.newIdentity(other);
    const seen: string[] = [];
    let NextToken: string | undefined;
    do {
      const out = await identity.send(new ListIdentitiesCommand({ IdentityPoolId: pool, MaxResults: 2, NextToken }));
      expect(out.IdentityPoolId).toBe(pool);
      for (const id of out.Identities ?? []) {
        expect(id.CreationDate).toBeInstanceOf(Date);
        seen.push(id.IdentityId as string);
      }
      NextToken = out.NextToken;
    } while (NextToken);
    expect(seen).toEqual([...mine].sort());
  });

  it('answer ResourceNotFoundException for an unknown pool', async () => {
    const unknown = `${endpoint.region}:11111111-2222-4333-8444-555555555555`;
    await expect(identity.send(new DescribeIdentityPoolCommand({ IdentityPoolId: unknown }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(identity.send(new ListIdentitiesCommand({ IdentityPoolId: unknown, MaxResults: 5 }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('DeleteIdentityPool', () => {
  it('deletes the pool, its identities and their sync data, and nothing of another pool', async () => {
    const [doomed, kept] = [await endpoint.createIdentityPool('doomed'), await endpoint.createIdentityPool('kept')];
    const developer = syncClient(endpoint.developerCredentials);
    const writers = [await endpoint.newIdentity(doomed), await endpoint.newIdentity(kept)];
    for (const writer of writers) {
      const sync = syncClient(writer.credentials);
      const dataset = { IdentityPoolId: writer.identityPoolId, IdentityId: writer.identityId, DatasetName: 'settings' };
      const { SyncSessionToken } = await sync.send(new ListRecordsCommand(dataset));
      await sync.send(new UpdateRecordsCommand({ ...dataset, SyncSessionToken, RecordPatches: [{ Op: 'replace', Key: 'k', Value: 'v', SyncCount: 0 }] }));
      await developer.send(new SetIdentityPoolConfigurationCommand({ IdentityPoolId: writer.identityPoolId, PushSync: { ApplicationArns: [] } }));
    }
    const ofPool = (pool: string) => (pk: string) => pk.includes(pool);
    expect((await tableKeys()).filter(ofPool(doomed)).length).toBeGreaterThan(2);

    await identity.send(new DeleteIdentityPoolCommand({ IdentityPoolId: doomed }));

    expect((await tableKeys()).filter(ofPool(doomed))).toEqual([]);
    expect((await tableKeys()).filter((pk) => pk.startsWith(`I#${kept}#`))).not.toEqual([]);
    await expect(identity.send(new DescribeIdentityPoolCommand({ IdentityPoolId: doomed }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    expect((await listAllPools(60)).ids).not.toContain(doomed);
    const anonymous = identityClient();
    await expect(anonymous.send(new GetIdCommand({ IdentityPoolId: doomed }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(anonymous.send(new GetCredentialsForIdentityCommand({ IdentityId: writers[0].identityId }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    // Deleting it again: it is gone.
    await expect(identity.send(new DeleteIdentityPoolCommand({ IdentityPoolId: doomed }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});
