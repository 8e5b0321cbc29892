/**
 * Push sync's devices and subscriptions, in the identity's partition (keys.ts `pushSortKey`):
 *
 * - `PD#<deviceId>`: the device (platform, token, endpoint ARN);
 * - `PT#<platform>#<token hash>`: which device holds that token, written in one transaction with the
 *   device under `attribute_not_exists`, so that two racing RegisterDevice calls of one token make
 *   one device;
 * - `PS#<dataset>#<deviceId>`: a subscription, so that one Query lists a dataset's subscribers.
 */
import { TransactionCanceledException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DatasetRef, IdentityRef } from '../../domain/model';
import type { Device, PushPlatform } from '../../domain/push/model';
import type { DeviceStore } from '../../domain/push/ports';
import { mapLimit, WRITE_CONCURRENCY } from './batch';
import { identityPartition, PUSH_SORT_KEY_PREFIX, pushSortKey } from './keys';
import { openTable, type TableHandle } from './table';

type Item = Record<string, unknown>;

const deviceOf = (item: Item): Device => ({
  deviceId: String(item.deviceId),
  platform: item.platform as PushPlatform,
  token: String(item.token),
  endpointArn: String(item.endpointArn),
});

export class DynamoDBDeviceStore implements DeviceStore {
  private readonly table: TableHandle;

  constructor(client: DynamoDBClient, tableName: string) {
    this.table = openTable(client, tableName);
  }

  async deviceByToken(identity: IdentityRef, platform: PushPlatform, token: string): Promise<Device | undefined> {
    const entry = await this.get(identity, pushSortKey.token(platform, token));
    if (!entry) return undefined;
    return this.device(identity, String(entry.deviceId));
  }

  async device(identity: IdentityRef, deviceId: string): Promise<Device | undefined> {
    const item = await this.get(identity, pushSortKey.device(deviceId));
    return item ? deviceOf(item) : undefined;
  }

  async addDevice(identity: IdentityRef, device: Device): Promise<boolean> {
    const PK = identityPartition(identity);
    try {
      await this.table.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table.tableName,
                Item: { PK, SK: pushSortKey.token(device.platform, device.token), deviceId: device.deviceId },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            { Put: { TableName: this.table.tableName, Item: { PK, SK: pushSortKey.device(device.deviceId), ...device } } },
          ],
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof TransactionCanceledException && e.CancellationReasons?.some((r) => r.Code === 'ConditionalCheckFailed')) return false;
      throw e;
    }
  }

  async replaceEndpoint(identity: IdentityRef, deviceId: string, endpointArn: string): Promise<void> {
    await this.table.doc
      .send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: { PK: identityPartition(identity), SK: pushSortKey.device(deviceId) },
          UpdateExpression: 'SET endpointArn = :arn',
          // Not on a device removed meanwhile: that would leave a device without its token entry.
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: { ':arn': endpointArn },
        }),
      )
      .catch((e: unknown) => {
        if ((e as Error).name !== 'ConditionalCheckFailedException') throw e;
      });
  }

  async removeDevice(identity: IdentityRef, device: Device): Promise<void> {
    const subscriptions = (await this.query(identity, PUSH_SORT_KEY_PREFIX.subscription)).filter((item) => item.deviceId === device.deviceId);
    await this.deleteAll(identity, [
      ...subscriptions.map((item) => String(item.SK)),
      pushSortKey.token(device.platform, device.token),
      pushSortKey.device(device.deviceId),
    ]);
  }

  async subscribe(dataset: DatasetRef, deviceId: string): Promise<void> {
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.tableName,
        Item: { PK: identityPartition(dataset), SK: pushSortKey.subscription(dataset.DatasetName, deviceId), deviceId, datasetName: dataset.DatasetName },
      }),
    );
  }

  async unsubscribe(dataset: DatasetRef, deviceId: string): Promise<boolean> {
    const { Attributes } = await this.table.doc.send(
      new DeleteCommand({
        TableName: this.table.tableName,
        Key: { PK: identityPartition(dataset), SK: pushSortKey.subscription(dataset.DatasetName, deviceId) },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return Attributes !== undefined;
  }

  async subscribers(dataset: DatasetRef): Promise<readonly Device[]> {
    const subscribed = new Set((await this.query(dataset, pushSortKey.subscriptionPrefix(dataset.DatasetName))).map((item) => String(item.deviceId)));
    if (subscribed.size === 0) return [];
    // An identity has a handful of devices: one Query of them all beats a get per subscription.
    return (await this.query(dataset, PUSH_SORT_KEY_PREFIX.device)).map(deviceOf).filter((device) => subscribed.has(device.deviceId));
  }

  async removeSubscriptions(dataset: DatasetRef): Promise<void> {
    const subscriptions = await this.query(dataset, pushSortKey.subscriptionPrefix(dataset.DatasetName));
    await this.deleteAll(
      dataset,
      subscriptions.map((item) => String(item.SK)),
    );
  }

  private async get(identity: IdentityRef, SK: string): Promise<Item | undefined> {
    const { Item } = await this.table.doc.send(
      new GetCommand({ TableName: this.table.tableName, Key: { PK: identityPartition(identity), SK }, ConsistentRead: true }),
    );
    return Item;
  }

  private async query(identity: IdentityRef, prefix: string): Promise<Item[]> {
    const items: Item[] = [];
    let ExclusiveStartKey: Item | undefined;
    do {
      const out = await this.table.doc.send(
        new QueryCommand({
          TableName: this.table.tableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: { ':pk': identityPartition(identity), ':prefix': prefix },
          ConsistentRead: true,
          ExclusiveStartKey,
        }),
      );
      items.push(...(out.Items ?? []));
      ExclusiveStartKey = out.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }

  private async deleteAll(identity: IdentityRef, sortKeys: readonly string[]): Promise<void> {
    const PK = identityPartition(identity);
    await mapLimit(sortKeys, WRITE_CONCURRENCY, (SK) => this.table.doc.send(new DeleteCommand({ TableName: this.table.tableName, Key: { PK, SK } })));
  }
}
