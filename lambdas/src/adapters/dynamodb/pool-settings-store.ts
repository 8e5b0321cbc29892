/**
 * A pool's settings on its `P#<pool>` / `CONFIG` item (keys.ts), with a `Version` attribute that
 * each write increments under a condition, so that racing writers cannot overwrite each other.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { CognitoEvents, CognitoStreams, PoolSettings, PushSync } from '../../domain/pools/model';
import type { PoolSettingsStore, VersionedSettings } from '../../domain/pools/ports';
import { poolPartition, sortKey } from './keys';

const keyOf = (identityPoolId: string) => ({ PK: poolPartition(identityPoolId), SK: sortKey.poolConfiguration });

export class DynamoDBPoolSettingsStore implements PoolSettingsStore {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async read(identityPoolId: string): Promise<VersionedSettings> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: keyOf(identityPoolId), ConsistentRead: true }));
    if (!Item) return { settings: {}, version: 0 };
    const PushSync = Item.PushSync as PushSync | undefined;
    const CognitoStreams = Item.CognitoStreams as CognitoStreams | undefined;
    const Events = Item.Events as CognitoEvents | undefined;
    const settings: PoolSettings = { ...(PushSync && { PushSync }), ...(CognitoStreams && { CognitoStreams }), ...(Events && { Events }) };
    return { settings, version: Number(Item.Version) };
  }

  async replace(identityPoolId: string, settings: PoolSettings, expectedVersion: number): Promise<boolean> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keyOf(identityPoolId), ...settings, Version: expectedVersion + 1 },
          // Version 0 is the item that was never written.
          ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(PK)' : 'Version = :expected',
          ...(expectedVersion === 0 ? {} : { ExpressionAttributeValues: { ':expected': expectedVersion } }),
        }),
      );
      return true;
    } catch (e) {
      if ((e as Error).name === 'ConditionalCheckFailedException') return false;
      throw e;
    }
  }
}
