/**
 * What every commit is made of, whether it writes the update itself or marks the head for the redo
 * log (large): the head's condition and its update, the record guards, the identity's dataset count
 * (only when a dataset is created or deleted), and reading a refusal out of a cancelled transaction.
 */
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { CommitRefusal, DatasetHead, RecordVersion } from '../../domain/ports';
import type { Item } from './items';
import { sortKey } from './keys';
import type { TableHandle } from './table';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** DynamoDB's cap on the items of one transaction. */
export const TRANSACTION_ITEM_LIMIT = 100;

/**
 * The condition that a record is still the version the conflict check saw (absent if it saw none).
 * The head's condition alone is not enough: `readForUpdate` is a BatchGetItem, which a concurrent
 * transaction can tear (head read after it, record before it), and the check would then have
 * passed on a stale record version: a lost update.
 */
export const recordGuard = (seen: RecordVersion | undefined): { ConditionExpression: string; ExpressionAttributeValues?: Item } =>
  seen
    ? { ConditionExpression: 'syncCount = :seen', ExpressionAttributeValues: { ':seen': seen.syncCount } }
    : { ConditionExpression: 'attribute_not_exists(SK)' };

/** The head's condition: unchanged since we read it, and no commit in flight. */
export function headCondition(expected: DatasetHead | undefined): { ConditionExpression: string; values: Item } {
  return expected === undefined
    ? { ConditionExpression: 'attribute_not_exists(PK)', values: {} }
    : {
        ConditionExpression: 'syncCount = :expectedCount AND deleted = :expectedDeleted AND attribute_not_exists(pending)',
        values: { ':expectedCount': expected.syncCount, ':expectedDeleted': expected.deleted },
      };
}

/** `SET #a0 = :a0, ...` for every attribute given, with the names and values it refers to. */
export function setAttributes(attributes: Item): { expression: string; names: Record<string, string>; values: Item } {
  const names = Object.keys(attributes);
  return {
    expression: `SET ${names.map((_, i) => `#a${i} = :a${i}`).join(', ')}`,
    names: Object.fromEntries(names.map((n, i) => [`#a${i}`, n])),
    values: Object.fromEntries(names.map((n, i) => [`:a${i}`, attributes[n]])),
  };
}

/**
 * The identity's dataset count, +1 when a commit creates a dataset (refused at the limit:
 * `dataset-limit`) or -1 when DeleteDataset removes one. The other totals of DescribeIdentityUsage
 * (bytes, last modified) are the sum and the latest of the dataset heads, so an UpdateRecords of an
 * existing dataset writes one item, not two in a transaction (docs/decisions.md).
 */
export function datasetCountUpdate(tableName: string, partition: string, delta: 1 | -1, maxDatasets?: number): TransactItem {
  const guarded = delta > 0 && maxDatasets !== undefined;
  return {
    Update: {
      TableName: tableName,
      Key: { PK: partition, SK: sortKey.summary },
      UpdateExpression: 'ADD datasetCount :delta',
      ...(guarded ? { ConditionExpression: 'attribute_not_exists(datasetCount) OR datasetCount < :max' } : {}),
      ExpressionAttributeValues: { ':delta': delta, ...(guarded ? { ':max': maxDatasets } : {}) },
    },
  };
}

/** ` REMOVE #r0, ...` for the attributes given (through names: some short names are reserved words). */
export const removeClause = (names: readonly string[]): string => (names.length > 0 ? ` REMOVE ${names.map((_, i) => `#r${i}`).join(', ')}` : '');
export const removeNames = (names: readonly string[]): Record<string, string> => Object.fromEntries(names.map((n, i) => [`#r${i}`, n]));

/** An update of a head item: `set` and `remove` under the head's condition (`headCondition`). */
export function headItemUpdate(
  tableName: string,
  partition: string,
  dataset: string,
  write: { set: Item; remove: readonly string[] },
  expected: DatasetHead | undefined,
): NonNullable<TransactItem['Update']> {
  const set = setAttributes(write.set);
  const { ConditionExpression, values } = headCondition(expected);
  return {
    TableName: tableName,
    Key: { PK: partition, SK: sortKey.head(dataset) },
    UpdateExpression: `${set.expression}${removeClause(write.remove)}`,
    ConditionExpression,
    ExpressionAttributeNames: { ...set.names, ...removeNames(write.remove) },
    ExpressionAttributeValues: { ...set.values, ...values },
  };
}

/**
 * Runs a transaction whose first item guards the head and, when `countIndex` is given, that item
 * guards the identity's dataset count. A throttled one has already become `TooManyRequestsException`
 * (throttling.ts); any other cancellation is a refusal.
 */
export async function transact(table: TableHandle, items: TransactItem[], countIndex?: number): Promise<CommitRefusal | undefined> {
  try {
    await table.doc.send(new TransactWriteCommand({ TransactItems: items }));
    return undefined;
  } catch (e) {
    const error = e as Error & { CancellationReasons?: { Code?: string }[] };
    if (error.name !== 'TransactionCanceledException') throw e;
    const reasons = error.CancellationReasons ?? [];
    if (countIndex !== undefined && reasons[countIndex]?.Code === 'ConditionalCheckFailed' && reasons[0]?.Code !== 'ConditionalCheckFailed') {
      return 'dataset-limit';
    }
    // The head moved, or another transaction held one of our items: the caller reads again.
    return 'head-moved';
  }
}
