/**
 * The records a committed sync wrote, for the consumers that need them (Cognito Streams, push).
 * A dataset in one item brought them in the event (its head's stream image holds them). Otherwise
 * records live in `R#` items stamped with the sync count that wrote them and listed by the
 * BySyncCount index, so one Query for exactly that count finds them (paged only past DynamoDB's 1 MB),
 * plus one BatchGetItem for the parts of large values.
 *
 * Read after the fact, so it shows what is still there: a record that a later sync wrote again
 * carries that later count and is announced with it instead, and a dataset deleted since shows
 * nothing. A deletion has no records.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { CommittedRecord, CommittedRecordsReader, CommittedSync } from '../../domain/feed/committed-sync';
import { batchGet } from './batch';
import { decodeRecord, valuePartKeysOf, type Item } from './items';
import { bySyncCountSortKey, identityPartition } from './keys';
import { TABLE_KEYS } from './table-schema';
import { openTable, type TableHandle } from './table';

export class DynamoDBCommittedRecordsReader implements CommittedRecordsReader {
  private readonly table: TableHandle;

  constructor(client: DynamoDBClient, tableName: string) {
    this.table = openTable(client, tableName);
  }

  async recordsOf(event: CommittedSync): Promise<readonly CommittedRecord[]> {
    if (event.kind === 'delete') return [];
    // A single-item dataset's commit carried its records in the stream image.
    if (event.committedRecords !== undefined) return event.committedRecords;
    const partition = identityPartition({ IdentityPoolId: event.identityPoolId, IdentityId: event.identityId });
    const items: Item[] = [];
    let ExclusiveStartKey: Item | undefined;
    do {
      const page = await this.table.doc.send(
        new QueryCommand({
          TableName: this.table.tableName,
          IndexName: TABLE_KEYS.bySyncCountIndex,
          KeyConditionExpression: `PK = :pk AND ${TABLE_KEYS.bySyncCountSortKey} = :stamp`,
          ExpressionAttributeValues: { ':pk': partition, ':stamp': bySyncCountSortKey(event.datasetName, event.syncCount) },
          ConsistentRead: true,
          ExclusiveStartKey,
        }),
      );
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);

    const partKeys = items.flatMap((item) => valuePartKeysOf(event.datasetName, item).map((SK) => ({ PK: partition, SK })));
    const partData = new Map<string, string>();
    if (partKeys.length > 0) {
      for (const part of await batchGet(this.table, partKeys)) partData.set(part.SK as string, part.data as string);
    }
    const records: CommittedRecord[] = [];
    for (const item of items) {
      // A missing part: a later sync replaced the value and removed the parts meanwhile (see above).
      const record = decodeRecord(event.datasetName, item, partData);
      if (record === undefined) continue;
      records.push({ ...record, deviceLastModifiedDate: record.deviceLastModifiedDate ?? record.lastModifiedDate });
    }
    return records;
  }
}
