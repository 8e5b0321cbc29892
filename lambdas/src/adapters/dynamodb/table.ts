/**
 * A handle on the sync table, shared by the store and its redo log: the document client, with
 * throttling answered as the model's error, and the table's name. Also the one read both of them
 * make: the dataset head, always consistent since it is the commit point.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { DatasetRef } from '../../domain/model';
import type { Item } from './items';
import { identityPartition, sortKey } from './keys';
import { mapThrottlingToTooManyRequests } from './throttling';

export interface TableHandle {
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
}

export function openTable(client: DynamoDBClient, tableName: string): TableHandle {
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  mapThrottlingToTooManyRequests(doc);
  return { doc, tableName };
}

/**
 * The head item of a dataset, raw: a commit mark on it (`pending`) is for the caller to settle.
 * `consistent: false` only where a stale head is safe (the store's readForUpdate says when).
 */
export async function readHeadItem(table: TableHandle, dataset: DatasetRef, consistent = true): Promise<Item | undefined> {
  const { Item } = await table.doc.send(
    new GetCommand({
      TableName: table.tableName,
      Key: { PK: identityPartition(dataset), SK: sortKey.head(dataset.DatasetName) },
      ConsistentRead: consistent,
    }),
  );
  return Item;
}
