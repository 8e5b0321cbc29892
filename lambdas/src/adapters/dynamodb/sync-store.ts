/**
 * The `SyncStore` port on one DynamoDB table: the reads and the commits of UpdateRecords and
 * DeleteDataset. The head item is the commit point: readers show records up to the head's sync count
 * only. Keys are in `keys.ts`, items in `items.ts`.
 *
 * An update that fits one transaction (at most 100 items) is one `TransactWriteItems` with the head's
 * sync count as its condition; a larger one goes through the redo log (`redo-log.ts`), and a reader
 * that finds a commit in flight settles it before it reads.
 *
 * Values larger than fit an item are split into parts whose keys carry the sync count they were
 * written at, so a part is never overwritten: a reader always gets the parts of the version it saw.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DatasetRef, IdentityRef } from '../../domain/model';
import type {
  CommitRefusal,
  DatasetHead,
  DeleteCommit,
  IdentitySummary,
  RecordVersion,
  RecordsPage,
  StoredRecord,
  SyncStore,
  UpdateCommit,
  UpdateSnapshot,
} from '../../domain/ports';
import { batchGet, mapLimit, WRITE_CONCURRENCY } from './batch';
import { headCondition, recordGuard, setAttributes, summaryUpdate, TRANSACTION_ITEM_LIMIT, transact, type TransactItem } from './commits';
import {
  decodeDatasetHead,
  decodeIdentitySummary,
  decodeRecord,
  decodeRecordVersion,
  encodeHeadAttributes,
  encodeRecord,
  encodeValuePart,
  splitUtf8,
  valuePartKeysOf,
  VERSION_ATTRIBUTES,
  type Item,
} from './items';
import { bySyncCountQuery, identityPartition, SORT_KEY_PREFIX, sortKey, syncCountOfValuePart } from './keys';
import { hasPendingCommit, RedoLog, type CommitStep, type LogOp } from './redo-log';
import { TABLE_KEYS } from './table-schema';
import { openTable, readHeadItem, type TableHandle } from './table';

export interface DynamoDBSyncStoreOptions {
  /** How long a commit mark protects its writer before others roll it forward. */
  commitLeaseMs?: number;
  /** Transactions larger than this many items go through the redo log (tests lower it). */
  transactionItemLimit?: number;
  /** Called after each step of a redo-log commit: the crash tests stop the writer here. */
  onCommitStep?: (step: CommitStep) => void | Promise<void>;
}

/** A ListRecords round repeated this often because of racing commits reads the head first. */
const PARALLEL_READ_ATTEMPTS = 3;

export class DynamoDBSyncStore implements SyncStore {
  private readonly table: TableHandle;
  private readonly redoLog: RedoLog;
  private readonly transactionItemLimit: number;

  constructor(client: DynamoDBClient, tableName: string, options: DynamoDBSyncStoreOptions = {}) {
    this.table = openTable(client, tableName);
    this.redoLog = new RedoLog(this.table, options.commitLeaseMs ?? 10_000, options.onCommitStep);
    this.transactionItemLimit = Math.min(options.transactionItemLimit ?? TRANSACTION_ITEM_LIMIT, TRANSACTION_ITEM_LIMIT);
  }

  // ---- reads ----

  async getDatasetHead(dataset: DatasetRef): Promise<DatasetHead | undefined> {
    const headItem = await readHeadItem(this.table, dataset);
    return headItem ? decodeDatasetHead(headItem) : undefined;
  }

  async listDatasets(identity: IdentityRef): Promise<DatasetHead[]> {
    const heads: DatasetHead[] = [];
    for await (const items of this.itemsWithPrefix(identityPartition(identity), SORT_KEY_PREFIX.head, { consistent: true })) {
      heads.push(...items.map(decodeDatasetHead));
    }
    return heads;
  }

  async getIdentitySummary(identity: IdentityRef): Promise<IdentitySummary | undefined> {
    const { Item } = await this.table.doc.send(
      new GetCommand({
        TableName: this.table.tableName,
        Key: { PK: identityPartition(identity), SK: sortKey.summary },
        ConsistentRead: true,
      }),
    );
    return Item ? decodeIdentitySummary(Item) : undefined;
  }

  async listRecords(dataset: DatasetRef, afterSyncCount: number, limit: number, cursor?: string): Promise<RecordsPage> {
    const indexSortKey = TABLE_KEYS.bySyncCountSortKey;
    const queryChanges = () =>
      this.table.doc.send(
        new QueryCommand({
          TableName: this.table.tableName,
          ...bySyncCountQuery(dataset, afterSyncCount),
          ConsistentRead: true,
          // One more than asked, so that a page that ends the listing does not carry a NextToken
          // to an empty page (DynamoDB sets LastEvaluatedKey whenever the limit is reached).
          Limit: limit + 1,
          ExclusiveStartKey: cursor ? decodeCursor(cursor) : undefined,
        }),
      );
    for (let attempt = 0; ; attempt++) {
      // Head and records in one round of parallel calls. A commit landing between the two reads is
      // detected below (the head shows it, its records are missing) and the round is repeated; after
      // a few such races the head is read first, which cannot miss a commit.
      const sequential = attempt >= PARALLEL_READ_ATTEMPTS;
      const [headItem, page] = sequential
        ? [await readHeadItem(this.table, dataset), await queryChanges()]
        : await Promise.all([readHeadItem(this.table, dataset), queryChanges()]);
      if (hasPendingCommit(headItem)) {
        await this.redoLog.settle(dataset, headItem);
        continue;
      }
      const head = headItem ? decodeDatasetHead(headItem) : undefined;
      const committed = head?.syncCount ?? 0;
      const more = (page.Items ?? []).length > limit;
      const items = (page.Items ?? []).slice(0, limit);
      // Where the next page starts: after our last item, or where DynamoDB's 1 MB page stopped.
      const last = items[items.length - 1];
      const next = more ? { PK: last.PK, SK: last.SK, [indexSortKey]: last[indexSortKey] } : page.LastEvaluatedKey;
      const complete = next === undefined;
      const newest = items.reduce((max, item) => Math.max(max, Number(item.syncCount)), 0);
      // Every commit stamps at least one record with its count, so a complete listing from below the
      // head's count must show a record at (or, if a later commit raced us, above) that count.
      const missedCommit = complete && head !== undefined && !head.deleted && committed > Math.max(afterSyncCount, head.floor) && newest < committed;
      if (missedCommit && !sequential) continue;

      const visible = items.filter((item) => Number(item.syncCount) <= committed);
      const records = await this.withValues(dataset, visible);
      if (records === undefined) continue; // a later commit replaced a large value meanwhile: read again
      return { head, records, cursor: next ? encodeCursor(next) : undefined };
    }
  }

  async readForUpdate(dataset: DatasetRef, keys: readonly string[]): Promise<UpdateSnapshot> {
    // A BatchGetItem is not isolated from transactions: it may see the head after a commit and a
    // record before it. The commit guards each record it can (see `recordGuard`); when there are
    // more keys than one transaction can check, the head is read first instead, so that any commit
    // the record reads might have missed moves the head and makes our own commit's condition fail.
    const headFirst = keys.length + 2 > TRANSACTION_ITEM_LIMIT;
    const id = identityPartition(dataset);
    const headKey = sortKey.head(dataset.DatasetName);
    for (;;) {
      const earlyHead = headFirst ? await readHeadItem(this.table, dataset) : undefined;
      if (hasPendingCommit(earlyHead)) {
        await this.redoLog.settle(dataset, earlyHead);
        continue;
      }
      const wanted = [...(headFirst ? [] : [headKey]), sortKey.summary, ...keys.map((key) => sortKey.record(dataset.DatasetName, key))];
      // Values are not needed for the conflict check; leaving them out keeps responses small.
      const items = await batchGet(
        this.table,
        wanted.map((SK) => ({ PK: id, SK })),
        VERSION_ATTRIBUTES,
      );
      const bySortKey = new Map(items.map((item) => [item.SK as string, item]));
      const headItem = headFirst ? earlyHead : bySortKey.get(headKey);
      if (hasPendingCommit(headItem)) {
        await this.redoLog.settle(dataset, headItem);
        continue;
      }
      const records = new Map<string, RecordVersion>();
      for (const key of keys) {
        const item = bySortKey.get(sortKey.record(dataset.DatasetName, key));
        if (item) records.set(key, decodeRecordVersion(item));
      }
      const summaryItem = bySortKey.get(sortKey.summary);
      return {
        head: headItem ? decodeDatasetHead(headItem) : undefined,
        summary: summaryItem ? decodeIdentitySummary(summaryItem) : undefined,
        records,
      };
    }
  }

  // ---- commits ----

  async commitUpdate(commit: UpdateCommit): Promise<CommitRefusal | undefined> {
    const id = identityPartition(commit.dataset);
    const name = commit.dataset.DatasetName;
    const newCount = commit.newHead.syncCount;
    const writes: LogOp[] = [];
    for (const record of commit.writes) {
      const parts = record.value !== undefined ? splitUtf8(record.value) : [];
      const large = parts.length > 1;
      writes.push({ put: encodeRecord(id, name, record, large ? parts.length : 0) });
      if (large) {
        for (const [i, data] of parts.entries()) writes.push({ put: encodeValuePart(id, name, newCount, record.key, i, data) });
      }
      // The parts of the value this write replaces: storage is their count (decodeRecordVersion).
      const previous = commit.previous.get(record.key);
      const previousParts = Number(previous?.storage ?? 0);
      for (let i = 0; i < previousParts; i++) {
        writes.push({ delete: sortKey.valuePart(name, previous?.syncCount ?? 0, i, record.key) });
      }
    }

    // The head and the identity's totals take two items of the transaction.
    if (writes.length + 2 > this.transactionItemLimit) return this.redoLog.commit(commit, writes);
    return transact(this.table, [
      this.headUpdate(id, name, commit.newHead, commit.expected),
      summaryUpdate(this.table.tableName, id, commit),
      ...writes.map((op) => this.toGuardedTransactItem(id, op, commit)),
    ]);
  }

  async deleteDataset(commit: DeleteCommit): Promise<CommitRefusal | undefined> {
    const id = identityPartition(commit.dataset);
    const name = commit.dataset.DatasetName;
    const refusal = await transact(this.table, [
      this.headUpdate(id, name, commit.deletedHead, commit.expected),
      {
        Update: {
          TableName: this.table.tableName,
          Key: { PK: id, SK: sortKey.summary },
          UpdateExpression: 'ADD datasetCount :minusOne, dataStorage :freed SET modified = :now',
          ExpressionAttributeValues: { ':minusOne': -1, ':freed': -commit.expected.dataStorage, ':now': commit.lastModifiedDate },
        },
      },
    ]);
    if (refusal === undefined) await this.removeDeletedRecords(commit.dataset, commit.deletedHead.floor);
    return refusal;
  }

  /**
   * Removes what DeleteDataset left behind. Best effort: anything left is invisible (at or below the
   * floor) and a later deletion or re-creation does not depend on it being gone.
   */
  private async removeDeletedRecords(dataset: DatasetRef, floor: number): Promise<void> {
    const id = identityPartition(dataset);
    for (const prefix of [sortKey.recordPrefix(dataset.DatasetName), sortKey.valuePartPrefix(dataset.DatasetName)]) {
      for await (const items of this.itemsWithPrefix(id, prefix, { projection: 'SK, syncCount' })) {
        await mapLimit(items, WRITE_CONCURRENCY, async (item) => {
          const SK = item.SK as string;
          const isRecord = SK.startsWith(SORT_KEY_PREFIX.record);
          // Value parts carry their version in the key; records carry it as an attribute.
          const version = isRecord ? Number(item.syncCount) : syncCountOfValuePart(SK);
          if (version > floor) return;
          try {
            await this.table.doc.send(
              new DeleteCommand({
                TableName: this.table.tableName,
                Key: { PK: id, SK },
                ...(isRecord ? { ConditionExpression: 'syncCount <= :floor', ExpressionAttributeValues: { ':floor': floor } } : {}),
              }),
            );
          } catch (e) {
            if ((e as Error).name !== 'ConditionalCheckFailedException') throw e;
          }
        });
      }
    }
  }

  /** The items of a partition whose sort key starts with `prefix`, a page at a time. */
  private async *itemsWithPrefix(id: string, prefix: string, options: { consistent?: boolean; projection?: string } = {}): AsyncGenerator<Item[]> {
    let ExclusiveStartKey: Item | undefined;
    do {
      const page = await this.table.doc.send(
        new QueryCommand({
          TableName: this.table.tableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: { ':pk': id, ':prefix': prefix },
          ConsistentRead: options.consistent,
          ProjectionExpression: options.projection,
          ExclusiveStartKey,
        }),
      );
      yield page.Items ?? [];
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }

  /** A write of a one-transaction commit; a record put only over the version the conflict check saw. */
  private toGuardedTransactItem(id: string, op: LogOp, commit: UpdateCommit): TransactItem {
    if ('delete' in op) return { Delete: { TableName: this.table.tableName, Key: { PK: id, SK: op.delete } } };
    const put = { TableName: this.table.tableName, Item: op.put };
    const key = op.put.k;
    const isRecord = typeof op.put.SK === 'string' && op.put.SK.startsWith(SORT_KEY_PREFIX.record) && typeof key === 'string';
    return { Put: isRecord ? { ...put, ...recordGuard(commit.previous.get(key)) } : put };
  }

  private headUpdate(id: string, dataset: string, head: DatasetHead, expected: DatasetHead | undefined): TransactItem {
    const set = setAttributes(encodeHeadAttributes(head));
    const { ConditionExpression, values } = headCondition(expected);
    return {
      Update: {
        TableName: this.table.tableName,
        Key: { PK: id, SK: sortKey.head(dataset) },
        UpdateExpression: set.expression,
        ConditionExpression,
        ExpressionAttributeNames: set.names,
        ExpressionAttributeValues: { ...set.values, ...values },
      },
    };
  }

  /** Turns record items into records, fetching the parts of large values; undefined if a part is gone. */
  private async withValues(dataset: DatasetRef, items: Item[]): Promise<StoredRecord[] | undefined> {
    const id = identityPartition(dataset);
    const partKeys = items.flatMap((item) => valuePartKeysOf(dataset.DatasetName, item).map((SK) => ({ PK: id, SK })));
    const valuePartData = new Map<string, string>();
    if (partKeys.length > 0) {
      for (const part of await batchGet(this.table, partKeys)) valuePartData.set(part.SK as string, part.data as string);
    }
    const records: StoredRecord[] = [];
    for (const item of items) {
      const record = decodeRecord(dataset.DatasetName, item, valuePartData);
      if (record === undefined) return undefined;
      records.push(record);
    }
    return records;
  }
}

const encodeCursor = (key: Item): string => Buffer.from(JSON.stringify(key)).toString('base64url');

function decodeCursor(cursor: string): Item {
  const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (key === null || typeof key !== 'object') throw new Error('bad cursor');
  return key as Item;
}
