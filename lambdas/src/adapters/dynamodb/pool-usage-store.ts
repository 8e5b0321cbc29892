/**
 * The usage counters on DynamoDB (pool-usage-keys.ts): a dataset's mark and its pool's shard move
 * together in one transaction, the mark under a condition on the value it was read at, so an event
 * delivered twice, or two deliveries racing, count once (domain/pools/usage-counters.ts). A lost race
 * (the condition, or DynamoDB's TransactionConflict on a shard other events write at once) answers
 * false, and the consumer reads again.
 */
import { TransactionCanceledException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { NO_USAGE, UNMARKED, type DatasetMark, type UsageTotals } from '../../domain/pools/usage-model';
import type { DatasetAddress, PoolUsageStore, UsageChange } from '../../domain/pools/usage-ports';
import { batchGet } from './batch';
import type { Item } from './items';
import { datasetMarkKey, shardOf, USAGE_SHARDS, usageShardKey } from './pool-usage-keys';
import { openTable, type TableHandle } from './table';

export class DynamoDBPoolUsageStore implements PoolUsageStore {
  private readonly table: TableHandle;

  constructor(client: DynamoDBClient, tableName: string) {
    this.table = openTable(client, tableName);
  }

  async readMark(dataset: DatasetAddress): Promise<DatasetMark> {
    const { Item } = await this.table.doc.send(new GetCommand({ TableName: this.table.tableName, Key: datasetMarkKey(dataset), ConsistentRead: true }));
    if (!Item) return UNMARKED;
    return { position: Number(Item.Position), syncCount: Number(Item.SyncCount), dataStorage: Number(Item.DataStorage) };
  }

  async apply(change: UsageChange): Promise<boolean> {
    try {
      await this.transact(change, true);
      return true;
    } catch (e) {
      const reasons = cancellationCodes(e);
      if (!reasons) throw e;
      // The mark moved, or another transaction held an item (every event of a shard writes it): lost the race.
      if (reasons[0] === 'ConditionalCheckFailed' || reasons.includes('TransactionConflict')) return false;
      // Only the pool's date refused (a later event set it first): count without moving it back.
      if (reasons[1] !== 'ConditionalCheckFailed') throw e;
    }
    try {
      await this.transact(change, false);
      return true;
    } catch (e) {
      const reasons = cancellationCodes(e);
      if (reasons?.[0] === 'ConditionalCheckFailed' || reasons?.includes('TransactionConflict')) return false;
      throw e;
    }
  }

  async totals(identityPoolIds: readonly string[]): Promise<UsageTotals[]> {
    const keys = identityPoolIds.flatMap((pool) => Array.from({ length: USAGE_SHARDS }, (_, shard) => usageShardKey(pool, shard)));
    const byPartition = new Map<string, Item>();
    for (const item of await batchGet(this.table, keys)) byPartition.set(String(item.PK), item);
    return identityPoolIds.map((pool) => {
      let totals: UsageTotals = NO_USAGE;
      for (let shard = 0; shard < USAGE_SHARDS; shard++) {
        const item = byPartition.get(usageShardKey(pool, shard).PK);
        if (item) totals = addShard(totals, item);
      }
      return totals;
    });
  }

  /** The mark's move and the shard's deltas, all or nothing; `withDate` also moves the pool's date forward. */
  private async transact(change: UsageChange, withDate: boolean): Promise<void> {
    const { from, to } = change;
    await this.table.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.table.tableName,
              Item: { ...datasetMarkKey(change.dataset), Position: to.position, SyncCount: to.syncCount, DataStorage: to.dataStorage },
              ConditionExpression: from.position === 0 ? 'attribute_not_exists(PK)' : '#position = :from',
              ...(from.position === 0 ? {} : { ExpressionAttributeNames: { '#position': 'Position' }, ExpressionAttributeValues: { ':from': from.position } }),
            },
          },
          {
            Update: {
              TableName: this.table.tableName,
              Key: usageShardKey(change.dataset.identityPoolId, shardOf(change.dataset.identityId)),
              UpdateExpression: `ADD SyncSessions :sessions, DataStorage :bytes${withDate ? ' SET LastModifiedDate = :date' : ''}`,
              ...(withDate ? { ConditionExpression: 'attribute_not_exists(LastModifiedDate) OR LastModifiedDate < :date' } : {}),
              ExpressionAttributeValues: {
                ':sessions': change.syncSessionsDelta,
                ':bytes': change.dataStorageDelta,
                ...(withDate ? { ':date': change.lastModifiedDate } : {}),
              },
            },
          },
        ],
      }),
    );
  }
}

/** The per-item reasons of a cancelled transaction, or undefined for any other error. */
function cancellationCodes(e: unknown): (string | undefined)[] | undefined {
  if (!(e instanceof TransactionCanceledException) && (e as Error)?.name !== 'TransactionCanceledException') return undefined;
  return ((e as TransactionCanceledException).CancellationReasons ?? []).map((reason) => reason.Code);
}

function addShard(totals: UsageTotals, item: Item): UsageTotals {
  const date = item.LastModifiedDate === undefined ? undefined : Number(item.LastModifiedDate);
  const lastModifiedDate = date === undefined ? totals.lastModifiedDate : Math.max(date, totals.lastModifiedDate ?? 0);
  return {
    syncSessions: totals.syncSessions + Number(item.SyncSessions ?? 0),
    dataStorage: totals.dataStorage + Number(item.DataStorage ?? 0),
    ...(lastModifiedDate !== undefined ? { lastModifiedDate } : {}),
  };
}
