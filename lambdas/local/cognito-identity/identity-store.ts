/**
 * Identity pools and identities of the local Cognito Identity, kept in the service's own table so
 * that they live exactly as long as the sync data that refers to them (on disk, or in memory).
 * Their keys (`LOCALPOOL#`, `LOCALIDENTITY#`, `LOCALPOOLS`, `LOCALPOOLIDENTITIES#`) cannot collide
 * with the service's items (`I#`, `P#`).
 *
 * Each pool and identity is one item addressed by its id, plus an entry in a listing partition
 * (`LOCALPOOLS`; `LOCALPOOLIDENTITIES#<pool>`) sorted by id, so that ListIdentityPools and
 * ListIdentities are one Query a page. Data directories made before the listings existed get them
 * on the first listing (listing-backfill.ts).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { erasePoolData } from './pool-data-eraser';
import { backfillListings, identityListingEntry, LISTING_START, POOL_LISTING, poolIdentitiesListing, poolListingEntry } from './listing-backfill';

export interface LocalIdentityPool {
  readonly identityPoolId: string;
  readonly identityPoolName: string;
  readonly allowUnauthenticatedIdentities: boolean;
}

export interface LocalIdentity {
  readonly identityId: string;
  readonly identityPoolId: string;
}

export interface ListedIdentity {
  readonly identityId: string;
  /** Epoch ms. */
  readonly createdAt: number;
}

/** A page of ids in id order; `after` is the last id of the page when more follow. */
export interface IdPage<T> {
  readonly items: readonly T[];
  readonly after?: string;
}

export const poolKey = (identityPoolId: string) => ({ PK: `LOCALPOOL#${identityPoolId}`, SK: 'POOL' });
export const identityKey = (identityId: string) => ({ PK: `LOCALIDENTITY#${identityId}`, SK: 'IDENTITY' });

export class LocalIdentityStore {
  private readonly documents: DynamoDBDocumentClient;
  private backfilled: Promise<void> | undefined;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.documents = DynamoDBDocumentClient.from(client);
  }

  async putPool(pool: LocalIdentityPool): Promise<void> {
    const createdAt = new Date().toISOString();
    await this.putWithListing(
      {
        ...poolKey(pool.identityPoolId),
        IdentityPoolId: pool.identityPoolId,
        IdentityPoolName: pool.identityPoolName,
        AllowUnauthenticatedIdentities: pool.allowUnauthenticatedIdentities,
        CreatedAt: createdAt,
      },
      poolListingEntry(pool.identityPoolId, pool.identityPoolName),
    );
  }

  async getPool(identityPoolId: string): Promise<LocalIdentityPool | undefined> {
    const item = await this.get(poolKey(identityPoolId));
    return (
      item && {
        identityPoolId: String(item.IdentityPoolId),
        identityPoolName: String(item.IdentityPoolName),
        allowUnauthenticatedIdentities: item.AllowUnauthenticatedIdentities === true,
      }
    );
  }

  async putIdentity(identity: LocalIdentity): Promise<void> {
    const createdAt = new Date().toISOString();
    await this.putWithListing(
      { ...identityKey(identity.identityId), IdentityId: identity.identityId, IdentityPoolId: identity.identityPoolId, CreatedAt: createdAt },
      identityListingEntry(identity.identityPoolId, identity.identityId, createdAt),
    );
  }

  async getIdentity(identityId: string): Promise<LocalIdentity | undefined> {
    const item = await this.get(identityKey(identityId));
    return item && { identityId: String(item.IdentityId), identityPoolId: String(item.IdentityPoolId) };
  }

  /** Pools in id order, `limit` at most, after the pool id `after`. */
  async listPools(limit: number, after?: string): Promise<IdPage<{ identityPoolId: string; identityPoolName: string }>> {
    const page = await this.listing(POOL_LISTING, limit, after);
    return { ...page, items: page.items.map((item) => ({ identityPoolId: String(item.SK), identityPoolName: String(item.IdentityPoolName) })) };
  }

  /** A pool's identities in id order, `limit` at most, after the identity id `after`. */
  async listIdentities(identityPoolId: string, limit: number, after?: string): Promise<IdPage<ListedIdentity>> {
    const page = await this.listing(poolIdentitiesListing(identityPoolId), limit, after);
    return { ...page, items: page.items.map((item) => ({ identityId: String(item.SK), createdAt: Date.parse(String(item.CreatedAt)) })) };
  }

  /**
   * Removes a pool: first its sync data (pool-data-eraser.ts), then its identities with their
   * listing entries, then the pool itself, so that a deletion cut short can be called again.
   */
  async deletePool(identityPoolId: string): Promise<void> {
    await erasePoolData(this.documents, this.tableName, identityPoolId);
    let after: string | undefined;
    do {
      const page = await this.listIdentities(identityPoolId, 100, after);
      for (const identity of page.items) {
        await this.delete(identityKey(identity.identityId));
        await this.delete({ PK: poolIdentitiesListing(identityPoolId), SK: identity.identityId });
      }
      after = page.after;
    } while (after !== undefined);
    await this.delete({ PK: POOL_LISTING, SK: identityPoolId });
    await this.delete(poolKey(identityPoolId));
  }

  private async listing(partition: string, limit: number, after?: string): Promise<IdPage<Record<string, unknown>>> {
    this.backfilled ??= backfillListings(this.documents, this.tableName).catch((e: unknown) => {
      this.backfilled = undefined;
      throw e;
    });
    await this.backfilled;
    // One more than asked: whether another page follows is known without a second call.
    const { Items = [] } = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk AND SK > :after',
        ExpressionAttributeValues: { ':pk': partition, ':after': after ?? LISTING_START },
        ConsistentRead: true,
        Limit: limit + 1,
      }),
    );
    const items = Items.slice(0, limit);
    return { items, ...(Items.length > limit ? { after: String(items[items.length - 1].SK) } : {}) };
  }

  private async putWithListing(item: Record<string, unknown>, entry: Record<string, unknown>): Promise<void> {
    // Ids are fresh UUIDs; the condition only guards against overwriting on a (theoretical) clash.
    await this.documents.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(PK)' } },
          { Put: { TableName: this.tableName, Item: entry } },
        ],
      }),
    );
  }

  private async get(key: Record<string, string>): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    return Item;
  }

  private async delete(key: Record<string, string>): Promise<void> {
    await this.documents.send(new DeleteCommand({ TableName: this.tableName, Key: key }));
  }
}
