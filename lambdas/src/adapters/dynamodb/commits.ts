/**
 * What every commit's transaction is made of, whether it writes the update itself (small) or marks
 * the head for the redo log (large): the head's condition, the record guards, the update of the
 * identity's totals, and reading a refusal out of a cancelled transaction.
 */
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { CommitRefusal, DatasetHead, RecordVersion, UpdateCommit } from '../../domain/ports';
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

/** The change to the identity's totals; a new dataset is refused at the limit (`dataset-limit`). */
export function summaryUpdate(tableName: string, partition: string, commit: UpdateCommit): TransactItem {
  const { datasetCount, dataStorage, lastModifiedDate } = commit.identityDelta;
  return {
    Update: {
      TableName: tableName,
      Key: { PK: partition, SK: sortKey.summary },
      UpdateExpression: 'ADD datasetCount :datasets, dataStorage :bytes SET modified = :now',
      ...(datasetCount > 0 ? { ConditionExpression: 'attribute_not_exists(datasetCount) OR datasetCount < :max' } : {}),
      ExpressionAttributeValues: {
        ':datasets': datasetCount,
        ':bytes': dataStorage,
        ':now': lastModifiedDate,
        ...(datasetCount > 0 ? { ':max': commit.maxDatasets } : {}),
      },
    },
  };
}

/**
 * Runs a transaction whose first item guards the head and second the identity's totals. A throttled
 * one has already become `TooManyRequestsException` (throttling.ts); any other cancellation is a refusal.
 */
export async function transact(table: TableHandle, items: TransactItem[]): Promise<CommitRefusal | undefined> {
  try {
    await table.doc.send(new TransactWriteCommand({ TransactItems: items }));
    return undefined;
  } catch (e) {
    const error = e as Error & { CancellationReasons?: { Code?: string }[] };
    if (error.name !== 'TransactionCanceledException') throw e;
    const reasons = error.CancellationReasons ?? [];
    if (reasons[1]?.Code === 'ConditionalCheckFailed' && reasons[0]?.Code !== 'ConditionalCheckFailed') {
      return 'dataset-limit';
    }
    // The head moved, or another transaction held one of our items: the caller reads again.
    return 'head-moved';
  }
}
