/**
 * The `SyncStore` port on one DynamoDB table: the reads and the commits of UpdateRecords and
 * DeleteDataset. The head item is the commit point: readers show records up to the head's sync count
 * only. Keys are in `keys.ts`, items in `items.ts`.
 *
 * Two layouts (docs/decisions.md#small-datasets-live-in-one-item). A small dataset lives in its head
 * item: ListRecords is one consistent GetItem, UpdateRecords one GetItem (eventually consistent
 * first) and one conditional UpdateItem on the head's sync count (single-item.ts). A dataset whose item would pass
 * `singleItemMaxBytes` keeps one item per record, listed through the BySyncCount index; an update of
 * it that fits one transaction (at most 100 items) is one `TransactWriteItems` with the head's sync
 * count as its condition, a larger one goes through the redo log (`redo-log.ts`), and a reader that
 * finds a commit in flight settles it before it reads. A commit that crosses the threshold converts
 * the dataset in the same atomic step (layout-conversion.ts).
 *
 * Values larger than fit an item are split into parts whose keys carry the sync count they were
 * written at, so a part is never overwritten: a reader always gets the parts of the version it saw.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
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
import { datasetCountUpdate, headItemUpdate, recordGuard, TRANSACTION_ITEM_LIMIT, transact, type TransactItem } from './commits';
import {
  decodeDatasetHead,
  decodeIdentitySummary,
  decodeRecord,
  decodeRecordVersion,
  CONVERTED_OUT_ATTRIBUTE,
  encodeRecord,
  encodeValuePart,
  isSingleItemHead,
  recordsOfHeadImage,
  SINGLE_ITEM_ESTIMATE_ATTRIBUTE,
  splitUtf8,
  valuePartKeysOf,
  versionOfHeadRecord,
  VERSION_ATTRIBUTES,
  WRITTEN_AT_ATTRIBUTE,
  type Item,
} from './items';
import { bySyncCountQuery, identityPartition, SORT_KEY_PREFIX, sortKey, syncCountOfValuePart } from './keys';
import { hasPendingCommit, RedoLog, type CommitStep, type LogOp } from './redo-log';
import {
  applyWrites,
  DEFAULT_SINGLE_ITEM_MAX_BYTES,
  headItemBytes,
  headWrite,
  type HeadWrite,
  type ListingPosition,
  nextEstimate,
  pageOfHeadRecords,
} from './single-item';
import { TABLE_KEYS } from './table-schema';
import { openTable, readHeadItem, type TableHandle } from './table';

export interface DynamoDBSyncStoreOptions {
  /** How long a commit mark protects its writer before others roll it forward. */
  commitLeaseMs?: number;
  /** Transactions larger than this many items go through the redo log (tests lower it). */
  transactionItemLimit?: number;
  /**
   * A dataset lives in its head item while that item weighs at most this many bytes (config.ts:
   * `storage.singleItemMaxBytes`); 0 keeps every dataset in the per-record layout.
   */
  singleItemMaxBytes?: number;
  /** Called after each step of a redo-log commit: the crash tests stop the writer here. */
  onCommitStep?: (step: CommitStep) => void | Promise<void>;
}

export class DynamoDBSyncStore implements SyncStore {
  private readonly table: TableHandle;
  private readonly redoLog: RedoLog;
  private readonly transactionItemLimit: number;
  private readonly singleItemMaxBytes: number;
  /**
   * The head item each head handed to the domain was decoded from: the domain hands the head back as
   * the commit's `expected`, and the commit needs the records a single-item head holds, without a
   * second read. A head not found here (built by a caller) is read again.
   */
  private readonly headItems = new WeakMap<DatasetHead, Item>();

  constructor(client: DynamoDBClient, tableName: string, options: DynamoDBSyncStoreOptions = {}) {
    this.table = openTable(client, tableName);
    this.redoLog = new RedoLog(this.table, options.commitLeaseMs ?? 10_000, options.onCommitStep);
    this.transactionItemLimit = Math.min(options.transactionItemLimit ?? TRANSACTION_ITEM_LIMIT, TRANSACTION_ITEM_LIMIT);
    this.singleItemMaxBytes = options.singleItemMaxBytes ?? DEFAULT_SINGLE_ITEM_MAX_BYTES;
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

  /**
   * DescribeIdentityUsage's totals, from the dataset heads: live datasets, their bytes, the latest
   * change. A head marked by a commit in flight counts as that commit will leave it (as the totals
   * did when commits wrote them). Undefined when the identity has no dataset at all.
   */
  async getIdentitySummary(identity: IdentityRef): Promise<IdentitySummary | undefined> {
    let found = false;
    let datasetCount = 0;
    let dataStorage = 0;
    let lastModifiedDate = 0;
    for await (const items of this.itemsWithPrefix(identityPartition(identity), SORT_KEY_PREFIX.head, { consistent: true })) {
      for (const item of items) {
        found = true;
        const pending = item.pending as { head: Item } | undefined;
        const head = decodeDatasetHead(pending ? { SK: item.SK, ...pending.head } : item);
        if (!head.deleted) {
          datasetCount++;
          dataStorage += head.dataStorage;
        }
        lastModifiedDate = Math.max(lastModifiedDate, head.lastModifiedDate);
      }
    }
    return found ? { datasetCount, dataStorage, lastModifiedDate } : undefined;
  }

  async listRecords(dataset: DatasetRef, afterSyncCount: number, limit: number, cursor?: string): Promise<RecordsPage> {
    const id = identityPartition(dataset);
    const from = cursor ? decodeCursor(cursor) : undefined;
    for (;;) {
      // The head first: records stamped above its count are left out, so a commit landing after
      // this read is not half seen. A single-item head is the whole answer.
      const headItem = await readHeadItem(this.table, dataset);
      if (hasPendingCommit(headItem)) {
        await this.redoLog.settle(dataset, headItem);
        continue;
      }
      const head = headItem ? decodeDatasetHead(headItem) : undefined;
      if (!headItem || isSingleItemHead(headItem)) {
        const page = pageOfHeadRecords(id, dataset.DatasetName, (headItem && recordsOfHeadImage(headItem)) ?? [], afterSyncCount, limit, from);
        return { head, records: page.records, cursor: page.next ? encodeCursor(page.next) : undefined };
      }
      const committed = head?.syncCount ?? 0;
      const page = await this.table.doc.send(
        new QueryCommand({
          TableName: this.table.tableName,
          ...bySyncCountQuery(dataset, afterSyncCount),
          ConsistentRead: true,
          // One more than asked, so that a page that ends the listing does not carry a NextToken
          // to an empty page (DynamoDB sets LastEvaluatedKey whenever the limit is reached).
          Limit: limit + 1,
          ExclusiveStartKey: from,
        }),
      );
      const more = (page.Items ?? []).length > limit;
      const items = (page.Items ?? []).slice(0, limit);
      // Where the next page starts: after our last item, or where DynamoDB's 1 MB page stopped.
      const last = items[items.length - 1];
      const next = more ? { PK: last.PK, SK: last.SK, LSK: last[TABLE_KEYS.bySyncCountSortKey] } : page.LastEvaluatedKey;
      const visible = items.filter((item) => Number(item.syncCount) <= committed);
      const records = await this.withValues(dataset, visible);
      if (records === undefined) continue; // a later commit replaced a large value meanwhile: read again
      // A commit that moved the dataset back into one item deletes the record items, perhaps while
      // the Query above ran: the records it missed are in the head now. Read the head again and, if
      // it has moved into one item (or is moving), list again from it. If it has moved in and out
      // again, the record items are back but the Query may have run between: its converted-out mark
      // says so.
      const after = await readHeadItem(this.table, dataset);
      if (!after || hasPendingCommit(after) || isSingleItemHead(after)) continue;
      if (after[CONVERTED_OUT_ATTRIBUTE] !== headItem[CONVERTED_OUT_ATTRIBUTE]) continue;
      return { head, records, cursor: next ? encodeCursor(next as ListingPosition) : undefined };
    }
  }

  async readForUpdate(dataset: DatasetRef, keys: readonly string[], options: { readonly consistent?: boolean } = {}): Promise<UpdateSnapshot> {
    const id = identityPartition(dataset);
    let consistent = options.consistent ?? true;
    for (;;) {
      // The head first, so that any commit the record reads below might have missed moves the head
      // and makes our own commit's condition fail.
      const headItem = await readHeadItem(this.table, dataset, consistent);
      // A head read eventually may be stale (docs/decisions.md#updaterecords-reads-the-head-eventually-consistently):
      // the commit lands only if it is still the head then (every commit moves the sync count or
      // marks the head), and if it is, nothing happened between its read and the commit, so the
      // records read after it are current too. The domain reports nothing else from such a read.
      // A commit mark is settled from a consistent read.
      if (!consistent && hasPendingCommit(headItem)) {
        consistent = true;
        continue;
      }
      if (hasPendingCommit(headItem)) {
        await this.redoLog.settle(dataset, headItem);
        continue;
      }
      const head = headItem ? decodeDatasetHead(headItem) : undefined;
      // The identity's dataset count matters only to a commit that creates the dataset.
      const creating = head === undefined || head.deleted;
      const records = new Map<string, RecordVersion>();
      let summaryItem: Item | undefined;
      let heldRecords: StoredRecord[] | undefined;
      if (!headItem || isSingleItemHead(headItem)) {
        heldRecords = headItem ? (recordsOfHeadImage(headItem) ?? []) : [];
        const held = new Map(heldRecords.map((record) => [record.key, record]));
        for (const key of keys) {
          const record = held.get(key);
          if (record) records.set(key, versionOfHeadRecord(record));
        }
        if (creating) [summaryItem] = await batchGet(this.table, [{ PK: id, SK: sortKey.summary }], VERSION_ATTRIBUTES);
      } else {
        const wanted = [...(creating ? [sortKey.summary] : []), ...keys.map((key) => sortKey.record(dataset.DatasetName, key))];
        // Values are not needed for the conflict check; leaving them out keeps responses small.
        const items = await batchGet(
          this.table,
          wanted.map((SK) => ({ PK: id, SK })),
          VERSION_ATTRIBUTES,
        );
        const bySortKey = new Map(items.map((item) => [item.SK as string, item]));
        for (const key of keys) {
          const item = bySortKey.get(sortKey.record(dataset.DatasetName, key));
          if (item) records.set(key, decodeRecordVersion(item));
        }
        summaryItem = bySortKey.get(sortKey.summary);
      }
      if (head && headItem) this.headItems.set(head, headItem);
      return {
        head,
        summary: summaryItem ? decodeIdentitySummary(summaryItem) : undefined,
        records,
        ...(!consistent && { eventual: true }),
        ...(heldRecords && { heldRecords }),
      };
    }
  }

  // ---- commits ----

  async commitUpdate(commit: UpdateCommit): Promise<CommitRefusal | undefined> {
    const headItem = await this.headItemOf(commit.dataset, commit.expected);
    if (headItem === null) return 'head-moved';
    if (!headItem || isSingleItemHead(headItem)) {
      const records = applyWrites(recordsOfHeadImage(headItem ?? {}) ?? [], commit.writes);
      const single = headWrite(commit.newHead, { records });
      const bytes = headItemBytes(identityPartition(commit.dataset), commit.dataset.DatasetName, single);
      if (bytes <= this.singleItemMaxBytes) return this.commitSingleItem(commit, single);
      // Too large for one item now: every record moves out into items of its own.
      return this.commitWithItems(
        commit,
        this.recordWrites(commit, records, true),
        headWrite(commit.newHead, { estimate: bytes, convertedOut: commit.newHead.syncCount }),
        false,
      );
    }
    const previousEstimate = headItem[SINGLE_ITEM_ESTIMATE_ATTRIBUTE] as number | undefined;
    const estimate = nextEstimate(previousEstimate, commit.expected, commit.writes, (key) => {
      const version = commit.previous.get(key);
      return version && version.syncCount > (commit.expected?.floor ?? 0) ? version : undefined;
    });
    let exactEstimate = estimate;
    if (estimate <= this.singleItemMaxBytes / 2) {
      const moved = await this.moveIntoHead(commit);
      if (typeof moved !== 'object') return moved;
      exactEstimate = moved.tooLarge;
    }
    return this.commitWithItems(commit, this.recordWrites(commit, commit.writes, false), headWrite(commit.newHead, { estimate: exactEstimate }), true);
  }

  async deleteDataset(commit: DeleteCommit): Promise<CommitRefusal | undefined> {
    const id = identityPartition(commit.dataset);
    const name = commit.dataset.DatasetName;
    const headItem = this.headItems.get(commit.expected);
    // A deleted dataset holds no records: its head becomes a single item, empty.
    const refusal = await transact(
      this.table,
      [
        { Update: headItemUpdate(this.table.tableName, id, name, headWrite(commit.deletedHead, { records: [] }), commit.expected) },
        datasetCountUpdate(this.table.tableName, id, -1),
      ],
      1,
    );
    if (refusal === undefined && !(headItem && isSingleItemHead(headItem))) await this.removeDeletedRecords(commit.dataset, commit.deletedHead.floor);
    return refusal;
  }

  /**
   * The head item `expected` was read from; read again if this store did not read it, and null when
   * it is no longer that head (the commit would be refused anyway).
   */
  private async headItemOf(dataset: DatasetRef, expected: DatasetHead | undefined): Promise<Item | undefined | null> {
    if (expected === undefined) return undefined;
    const known = this.headItems.get(expected);
    if (known) return known;
    const item = await readHeadItem(this.table, dataset);
    if (!item || hasPendingCommit(item)) return null;
    const now = decodeDatasetHead(item);
    return now.syncCount === expected.syncCount && now.deleted === expected.deleted ? item : null;
  }

  /** A commit that leaves the dataset in one item: one conditional UpdateItem of the head. */
  private async commitSingleItem(commit: UpdateCommit, write: HeadWrite): Promise<CommitRefusal | undefined> {
    const id = identityPartition(commit.dataset);
    const update = headItemUpdate(this.table.tableName, id, commit.dataset.DatasetName, write, commit.expected);
    // Creating a dataset also counts it against the identity's limit, in the same transaction.
    if (commit.identityDelta.datasetCount > 0) {
      return transact(this.table, [{ Update: update }, datasetCountUpdate(this.table.tableName, id, 1, commit.maxDatasets)], 1);
    }
    try {
      await this.table.doc.send(new UpdateCommand(update));
      return undefined;
    } catch (e) {
      if ((e as Error).name === 'ConditionalCheckFailedException') return 'head-moved';
      throw e;
    }
  }

  /**
   * A commit that writes items besides the head: a per-record update, or a conversion either way.
   * One transaction when it fits, else the redo log. `guarded`: each record put also checks the
   * version the update read (a conversion's head condition covers every record it read).
   */
  private commitWithItems(commit: UpdateCommit, ops: LogOp[], head: HeadWrite, guarded: boolean): Promise<CommitRefusal | undefined> {
    const id = identityPartition(commit.dataset);
    const creating = commit.identityDelta.datasetCount > 0;
    if (ops.length + (creating ? 2 : 1) > this.transactionItemLimit) return this.redoLog.commit(commit, ops, head, guarded);
    return transact(
      this.table,
      [
        { Update: headItemUpdate(this.table.tableName, id, commit.dataset.DatasetName, head, commit.expected) },
        ...(creating ? [datasetCountUpdate(this.table.tableName, id, 1, commit.maxDatasets)] : []),
        ...ops.map((op) => (guarded ? this.toGuardedTransactItem(id, op, commit) : this.toTransactItem(id, op))),
      ],
      creating ? 1 : undefined,
    );
  }

  /**
   * The items of `records` in the per-record layout: a record item each (its value inline or in
   * parts), and the removal of the parts of the versions they replace. `moved`: records that keep
   * their sync count while this commit writes them (a conversion) carry the commit's count as `w`.
   */
  private recordWrites(commit: UpdateCommit, records: readonly StoredRecord[], moved: boolean): LogOp[] {
    const id = identityPartition(commit.dataset);
    const name = commit.dataset.DatasetName;
    const newCount = commit.newHead.syncCount;
    const ops: LogOp[] = [];
    for (const record of records) {
      const parts = record.value !== undefined ? splitUtf8(record.value) : [];
      const large = parts.length > 1;
      const item = encodeRecord(id, name, record, large ? parts.length : 0);
      ops.push({ put: moved && record.syncCount !== newCount ? { ...item, [WRITTEN_AT_ATTRIBUTE]: newCount } : item });
      if (large) {
        for (const [i, data] of parts.entries()) ops.push({ put: encodeValuePart(id, name, record.syncCount, record.key, i, data) });
      }
      // The parts of the value this write replaces: storage is their count (decodeRecordVersion).
      const previous = record.syncCount === newCount ? commit.previous.get(record.key) : undefined;
      const previousParts = Number(previous?.storage ?? 0);
      for (let i = 0; i < previousParts; i++) {
        ops.push({ delete: sortKey.valuePart(name, previous?.syncCount ?? 0, i, record.key) });
      }
    }
    return ops;
  }

  /**
   * Converts a per-record dataset that has become small back into one item, with this commit: reads
   * every record item and value part (consistently; a commit landing meanwhile moves the head and
   * refuses ours), and removes them as the head takes the records. Returns the exact single-item size
   * instead when it is still over the threshold (tombstones the estimate did not know of).
   */
  private async moveIntoHead(commit: UpdateCommit): Promise<CommitRefusal | undefined | { tooLarge: number }> {
    const id = identityPartition(commit.dataset);
    const name = commit.dataset.DatasetName;
    const committed = commit.expected?.syncCount ?? 0;
    const floor = commit.expected?.floor ?? 0;
    const recordItems: Item[] = [];
    for await (const items of this.itemsWithPrefix(id, sortKey.recordPrefix(name), { consistent: true })) recordItems.push(...items);
    const partKeys: string[] = [];
    for await (const items of this.itemsWithPrefix(id, sortKey.valuePartPrefix(name), { consistent: true, projection: 'SK' })) {
      partKeys.push(...items.map((item) => item.SK as string));
    }
    if (recordItems.some((item) => Number(item.syncCount) > committed)) return 'head-moved';
    const current = await this.withValues(
      commit.dataset,
      recordItems.filter((item) => Number(item.syncCount) > floor),
    );
    if (current === undefined) return 'head-moved';
    const single = headWrite(commit.newHead, { records: applyWrites(current, commit.writes) });
    const bytes = headItemBytes(id, name, single);
    if (bytes > this.singleItemMaxBytes) return { tooLarge: bytes };
    const removals: LogOp[] = [...recordItems.map((item) => ({ delete: item.SK as string })), ...partKeys.map((SK) => ({ delete: SK }))];
    return this.commitWithItems(commit, removals, single, false);
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

  /** A write of a conversion: its head's condition covers every record, so no guard of its own. */
  private toTransactItem(id: string, op: LogOp): TransactItem {
    return 'delete' in op
      ? { Delete: { TableName: this.table.tableName, Key: { PK: id, SK: op.delete } } }
      : { Put: { TableName: this.table.tableName, Item: op.put } };
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

const encodeCursor = (key: ListingPosition): string => Buffer.from(JSON.stringify(key)).toString('base64url');

function decodeCursor(cursor: string): ListingPosition {
  const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (key === null || typeof key !== 'object') throw new Error('bad cursor');
  return key as ListingPosition;
}
