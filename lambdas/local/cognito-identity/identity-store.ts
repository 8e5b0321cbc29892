/**
 * Identity pools and identities of the local Cognito Identity, kept in the service's own table so
 * that they live exactly as long as the sync data that refers to them (on disk, or in memory).
 * Their keys (`LOCALPOOL#`, `LOCALIDENTITY#`) cannot collide with the service's items.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';

export interface LocalIdentityPool {
  readonly identityPoolId: string;
  readonly identityPoolName: string;
  readonly allowUnauthenticatedIdentities: boolean;
}

export interface LocalIdentity {
  readonly identityId: string;
  readonly identityPoolId: string;
}

export class LocalIdentityStore {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.documents = DynamoDBDocumentClient.from(client);
  }

  async putPool(pool: LocalIdentityPool): Promise<void> {
    await this.put({
      PK: `LOCALPOOL#${pool.identityPoolId}`,
      SK: 'POOL',
      IdentityPoolId: pool.identityPoolId,
      IdentityPoolName: pool.identityPoolName,
      AllowUnauthenticatedIdentities: pool.allowUnauthenticatedIdentities,
      CreatedAt: new Date().toISOString(),
    });
  }

  async getPool(identityPoolId: string): Promise<LocalIdentityPool | undefined> {
    const item = await this.get(`LOCALPOOL#${identityPoolId}`, 'POOL');
    return (
      item && {
        identityPoolId: String(item.IdentityPoolId),
        identityPoolName: String(item.IdentityPoolName),
        allowUnauthenticatedIdentities: item.AllowUnauthenticatedIdentities === true,
      }
    );
  }

  async putIdentity(identity: LocalIdentity): Promise<void> {
    await this.put({
      PK: `LOCALIDENTITY#${identity.identityId}`,
      SK: 'IDENTITY',
      IdentityId: identity.identityId,
      IdentityPoolId: identity.identityPoolId,
      CreatedAt: new Date().toISOString(),
    });
  }

  async getIdentity(identityId: string): Promise<LocalIdentity | undefined> {
    const item = await this.get(`LOCALIDENTITY#${identityId}`, 'IDENTITY');
    return item && { identityId: String(item.IdentityId), identityPoolId: String(item.IdentityPoolId) };
  }

  private async put(item: Record<string, unknown>): Promise<void> {
    // Ids are fresh UUIDs; the condition only guards against overwriting on a (theoretical) clash.
    await this.documents.send(new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(PK)' }));
  }

  private async get(pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: { PK: pk, SK: sk }, ConsistentRead: true }));
    return Item;
  }
}
