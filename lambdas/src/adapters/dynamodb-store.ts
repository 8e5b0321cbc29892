/**
 * The `SyncStore` port on one DynamoDB table (docs/decisions.md#one-table-one-partition-per-identity).
 *
 * Items of one identity share the partition `I#<pool>#<identity>`:
 *
 * | SK                                   | item                                                        |
 * |--------------------------------------|-------------------------------------------------------------|
 * | `SUMMARY`                            | the identity's totals (live datasets, bytes)                |
 * | `D#<dataset>`                        | dataset head: committed sync count, sizes, deletion state   |
 * | `R#<dataset>#<keyToken>`             | record (value inline when small); in the LSI by sync count  |
 * | `V#<dataset>#<count>#<i>#<keyToken>` | part i of a large value written at sync count <count>       |
 * | `L#<dataset>#<count>#<writer>#<i>`   | redo log of a large update, until it is applied             |
 *
 * The head is the commit point: readers show records up to the head's sync count only.
 *
 * An update that fits one transaction (at most 100 items) is one `TransactWriteItems` with the head's
 * sync count as its condition. A larger one writes a redo log, marks the head "committing S+1" in a
 * conditional transaction (the decision point), applies the log and then moves the head. Anyone
 * who finds a mark whose lease has expired rolls it forward, so a crash at any step leaves either
 * nothing visible (before the mark) or, once settled, all of it.
 *
 * Values larger than fit an item are split into parts whose keys carry the sync count they were
 * written at, so a part is never overwritten: a reader always gets the parts of the version it saw.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { InitializeMiddleware, MetadataBearer } from '@smithy/types';
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { DatasetRef, IdentityRef } from '../domain/model';
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
} from '../domain/ports';
import { Errors } from '../protocol/errors';
import { TABLE_KEYS } from './table-schema';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
type Item = Record<string, unknown>;

/** DynamoDB's cap on the items of one transaction. */
const TRANSACTION_ITEM_LIMIT = 100;
/** Largest string we put in one attribute: well under the 400 KB item limit with keys and metadata. */
const PART_BYTES = 300_000;
/** Sort keys may hold 1,024 bytes; longer record keys are addressed by their hash. */
const INLINE_KEY_BYTES = 512;
/** BatchGetItem takes 100 keys a call. */
const BATCH_GET_LIMIT = 100;
/** Parallel single-item writes when applying a redo log or cleaning up. */
const WRITE_CONCURRENCY = 16;
const LOG_TTL_SECONDS = 24 * 60 * 60;

const pad = (n: number): string => n.toString().padStart(20, '0');

/** The sort-key form of a record key: itself when short enough, else its hash (kept apart by prefix). */
const keyToken = (key: string): string =>
  Buffer.byteLength(key, 'utf8') <= INLINE_KEY_BYTES ? `=${key}` : `#${createHash('sha256').update(key).digest('hex')}`;

const sk = {
  summary: 'SUMMARY',
  head: (dataset: string) => `D#${dataset}`,
  record: (dataset: string, key: string) => `R#${dataset}#${keyToken(key)}`,
  recordPrefix: (dataset: string) => `R#${dataset}#`,
  part: (dataset: string, syncCount: number, i: number, key: string) => `V#${dataset}#${pad(syncCount)}#${i}#${keyToken(key)}`,
  partPrefix: (dataset: string) => `V#${dataset}#`,
  log: (dataset: string, syncCount: number, writer: string, i: number) => `L#${dataset}#${pad(syncCount)}#${writer}#${i}`,
  logPrefix: (dataset: string, syncCount: number, writer: string) => `L#${dataset}#${pad(syncCount)}#${writer}#`,
};

const pk = (identity: IdentityRef): string => `I#${identity.IdentityPoolId}#${identity.IdentityId}`;

/**
 * The condition that a record is still the version the conflict check saw (absent if it saw none).
 * The head's condition alone is not enough: `readForUpdate` is a BatchGetItem, which a concurrent
 * transaction can tear (head read after it, record before it), and the check would then have
 * passed on a stale record version: a lost update.
 */
const recordGuard = (seen: RecordVersion | undefined): { ConditionExpression: string; ExpressionAttributeValues?: Item } =>
  seen
    ? { ConditionExpression: 'syncCount = :seen', ExpressionAttributeValues: { ':seen': seen.syncCount } }
    : { ConditionExpression: 'attribute_not_exists(SK)' };
const changesKey = (dataset: string, syncCount: number): string => `${dataset}#${pad(syncCount)}`;

/** Splits a string into parts of at most `PART_BYTES` UTF-8 bytes, never inside a character. */
export function splitUtf8(value: string, maxBytes = PART_BYTES): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const parts: string[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = Math.min(start + maxBytes, bytes.length);
    // Step back over continuation bytes (10xxxxxx) so the cut falls on a character boundary.
    while (end < bytes.length && (bytes[end] & 0xc0) === 0x80) end--;
    parts.push(bytes.subarray(start, end).toString('utf8'));
    start = end;
  }
  return parts;
}

/** DynamoDB's names for "slow down", once the SDK's own retries have given up. */
const THROTTLING = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded']);

const tooManyRequests = () => Errors.tooManyRequests('Rate exceeded: too many requests for this identity; retry later.');

/**
 * Throttling of the table reaches the client as the service's own 429 `TooManyRequestsException`,
 * which every SDK retries, rather than as a 500.
 */
const throttlingAsTooManyRequests: InitializeMiddleware<object, MetadataBearer> = (next) => async (args) => {
  try {
    return await next(args);
  } catch (e) {
    if (THROTTLING.has((e as Error).name)) throw tooManyRequests();
    throw e;
  }
};

/** The redo log of a commit mark could not be read whole. */
class MissingLogError extends Error {}

/** A commit mark on the head: the update at `syncCount` is decided and must be rolled forward. */
interface PendingCommit {
  syncCount: number;
  writer: string;
  logParts: number;
  leaseUntil: number;
  head: Item;
}

/** One step of a redo log. Record puts are guarded by sync count; parts are immutable. */
type LogOp = { put: Item } | { delete: string };

export type CommitStep = 'log-written' | 'marked' | 'applied-half' | 'applied';

export interface DynamoDbSyncStoreOptions {
  /** How long a commit mark protects its writer before others roll it forward. */
  commitLeaseMs?: number;
  /** Transactions larger than this many items go through the redo log (tests lower it). */
  transactionItemLimit?: number;
  /** Called after each step of a redo-log commit: the crash tests stop the writer here. */
  onCommitStep?: (step: CommitStep) => void | Promise<void>;
}

const HEAD_ATTRIBUTES = [
  'SK', 'syncCount', 'deleted', 'floor', 'deletedAt', 'created', 'modified', 'modifiedBy', 'numRecords',
  'dataStorage', 'pending',
] as const;

export class DynamoDbSyncStore implements SyncStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly leaseMs: number;
  private readonly transactionItemLimit: number;
  private readonly onCommitStep?: (step: CommitStep) => void | Promise<void>;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    options: DynamoDbSyncStoreOptions = {},
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    this.doc.middlewareStack.add(throttlingAsTooManyRequests, { step: 'initialize', priority: 'high', name: 'throttlingAsTooManyRequests', override: true });
    this.leaseMs = options.commitLeaseMs ?? 10_000;
    this.transactionItemLimit = Math.min(options.transactionItemLimit ?? TRANSACTION_ITEM_LIMIT, TRANSACTION_ITEM_LIMIT);
    this.onCommitStep = options.onCommitStep;
  }

  // ---- reads ----

  async getDataset(dataset: DatasetRef): Promise<DatasetHead | undefined> {
    const item = await this.getHeadItem(dataset);
    return item ? toHead(item) : undefined;
  }

  async listDatasets(identity: IdentityRef): Promise<DatasetHead[]> {
    const heads: DatasetHead[] = [];
    for await (const items of this.itemsWithPrefix(pk(identity), 'D#', { consistent: true })) {
      heads.push(...items.map(toHead));
    }
    return heads;
  }

  async getIdentitySummary(identity: IdentityRef): Promise<IdentitySummary | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { PK: pk(identity), SK: sk.summary }, ConsistentRead: true }),
    );
    return Item ? toSummary(Item) : undefined;
  }

  async listRecords(dataset: DatasetRef, afterSyncCount: number, limit: number, cursor?: string): Promise<RecordsPage> {
    const queryChanges = () =>
      this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: TABLE_KEYS.changesIndex,
          KeyConditionExpression: 'PK = :pk AND LSK BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': pk(dataset),
            ':from': changesKey(dataset.DatasetName, afterSyncCount + 1),
            ':to': changesKey(dataset.DatasetName, Number.MAX_SAFE_INTEGER),
          },
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
      const sequential = attempt >= 3;
      const [head, page] = sequential
        ? [await this.getHeadItem(dataset), await queryChanges()]
        : await Promise.all([this.getHeadItem(dataset), queryChanges()]);
      if (head?.pending) {
        await this.settle(dataset, head);
        continue;
      }
      const committed = head ? toHead(head).syncCount : 0;
      const more = (page.Items ?? []).length > limit;
      const items = (page.Items ?? []).slice(0, limit);
      // Where the next page starts: after our last item, or where DynamoDB's 1 MB page stopped.
      const last = items[items.length - 1];
      const next = more ? { PK: last.PK, SK: last.SK, [TABLE_KEYS.changesIndexSortKey]: last[TABLE_KEYS.changesIndexSortKey] } : page.LastEvaluatedKey;
      const complete = next === undefined;
      const newest = items.reduce((max, item) => Math.max(max, Number(item.syncCount)), 0);
      // Every commit stamps at least one record with its count, so a complete listing from below the
      // head's count must show a record at (or, if a later commit raced us, above) that count.
      const missedCommit = complete && head !== undefined && !toHead(head).deleted &&
        committed > Math.max(afterSyncCount, toHead(head).floor) && newest < committed;
      if (missedCommit && !sequential) continue;

      const visible = items.filter((item) => Number(item.syncCount) <= committed);
      const records = await this.withValues(dataset, visible);
      if (records === undefined) continue; // a later commit replaced a large value meanwhile: read again
      return {
        head: head ? toHead(head) : undefined,
        records,
        cursor: next ? encodeCursor(next) : undefined,
      };
    }
  }

  async readForUpdate(dataset: DatasetRef, keys: readonly string[]): Promise<UpdateSnapshot> {
    // A BatchGetItem is not isolated from transactions: it may see the head after a commit and a
    // record before it. The commit guards each record it can (see `recordGuard`); when there are
    // more keys than one transaction can check, the head is read first instead, so that any commit
    // the record reads might have missed moves the head and makes our own commit's condition fail.
    const headFirst = keys.length + 2 > TRANSACTION_ITEM_LIMIT;
    for (;;) {
      const id = pk(dataset);
      const earlyHead = headFirst ? await this.getHeadItem(dataset) : undefined;
      if (earlyHead?.pending) {
        await this.settle(dataset, earlyHead);
        continue;
      }
      const wanted = [...(headFirst ? [] : [sk.head(dataset.DatasetName)]), sk.summary, ...keys.map((key) => sk.record(dataset.DatasetName, key))];
      // Values are not needed for the conflict check; leaving them out keeps responses small.
      const items = await this.batchGet(
        wanted.map((SK) => ({ PK: id, SK })),
        [...HEAD_ATTRIBUTES, 'datasetCount', 'k', 'live', 'size', 'parts'],
      );
      const bySortKey = new Map(items.map((item) => [item.SK as string, item]));
      const headItem = headFirst ? earlyHead : bySortKey.get(sk.head(dataset.DatasetName));
      if (headItem?.pending) {
        await this.settle(dataset, headItem);
        continue;
      }
      const records = new Map<string, RecordVersion>();
      for (const key of keys) {
        const item = bySortKey.get(sk.record(dataset.DatasetName, key));
        if (item) {
          records.set(key, {
            key,
            syncCount: Number(item.syncCount),
            size: Number(item.size ?? 0),
            live: item.live === true,
            storage: Number(item.parts ?? 0),
          });
        }
      }
      const summaryItem = bySortKey.get(sk.summary);
      return {
        head: headItem ? toHead(headItem) : undefined,
        summary: summaryItem ? toSummary(summaryItem) : undefined,
        records,
      };
    }
  }

  // ---- writes ----

  async commitUpdate(commit: UpdateCommit): Promise<CommitRefusal | undefined> {
    const id = pk(commit.dataset);
    const name = commit.dataset.DatasetName;
    const newCount = commit.newHead.syncCount;
    const recordWrites: LogOp[] = [];
    for (const record of commit.writes) {
      const parts = record.value !== undefined ? splitUtf8(record.value) : [];
      const large = parts.length > 1;
      recordWrites.push({ put: this.recordItem(id, name, record, large ? parts.length : 0) });
      if (large) {
        parts.forEach((data, i) => recordWrites.push({ put: { PK: id, SK: sk.part(name, newCount, i, record.key), data } }));
      }
      const previousParts = Number(commit.previous.get(record.key)?.storage ?? 0);
      const previousCount = commit.previous.get(record.key)?.syncCount ?? 0;
      for (let i = 0; i < previousParts; i++) recordWrites.push({ delete: sk.part(name, previousCount, i, record.key) });
    }

    // The head and the identity's totals take two items of the transaction.
    if (recordWrites.length + 2 <= this.transactionItemLimit) {
      return this.transact([
        this.headUpdate(id, name, commit.newHead, commit.expected),
        this.summaryUpdate(id, commit),
        ...recordWrites.map((op) => this.guardRecordPut(this.toTransactItem(id, op), commit)),
      ]);
    }
    return this.commitThroughLog(commit, recordWrites);
  }

  async deleteDataset(commit: DeleteCommit): Promise<CommitRefusal | undefined> {
    const id = pk(commit.dataset);
    const name = commit.dataset.DatasetName;
    const refusal = await this.transact([
      this.headUpdate(id, name, commit.deletedHead, commit.expected),
      {
        Update: {
          TableName: this.tableName,
          Key: { PK: id, SK: sk.summary },
          UpdateExpression: 'ADD datasetCount :minusOne, dataStorage :freed SET modified = :now',
          ExpressionAttributeValues: { ':minusOne': -1, ':freed': -commit.expected.dataStorage, ':now': commit.lastModifiedDate },
        },
      },
    ]);
    if (refusal === undefined) await this.removeDeletedRecords(commit.dataset, commit.deletedHead.floor);
    return refusal;
  }

  // ---- redo-log commits ----

  private async commitThroughLog(commit: UpdateCommit, ops: LogOp[]): Promise<CommitRefusal | undefined> {
    const id = pk(commit.dataset);
    const name = commit.dataset.DatasetName;
    const newCount = commit.newHead.syncCount;
    const writer = randomUUID();

    // 1. The log: invisible to readers, and garbage-collected by TTL if we never get to mark it.
    const logParts = splitUtf8(JSON.stringify(ops));
    const expiresAt = Math.floor(Date.now() / 1000) + LOG_TTL_SECONDS;
    await mapLimit(logParts, WRITE_CONCURRENCY, (data, i) =>
      this.doc.send(new PutCommand({ TableName: this.tableName, Item: { PK: id, SK: sk.log(name, newCount, writer, i), data, [TABLE_KEYS.timeToLive]: expiresAt } })),
    );
    await this.onCommitStep?.('log-written');

    // 2. The decision: mark the head, guarded exactly like a small commit, with the totals.
    const pending: PendingCommit = {
      syncCount: newCount,
      writer,
      logParts: logParts.length,
      leaseUntil: Date.now() + this.leaseMs,
      head: headAttributes(commit.newHead),
    };
    const checks: TransactItem[] =
      commit.writes.length + 2 <= TRANSACTION_ITEM_LIMIT
        ? commit.writes.map((record) => ({
            ConditionCheck: {
              TableName: this.tableName,
              Key: { PK: id, SK: sk.record(name, record.key) },
              ...recordGuard(commit.previous.get(record.key)),
            },
          }))
        : []; // more keys than a transaction holds: `readForUpdate` read the head first instead
    const refusal = await this.transact([
      this.markPending(id, name, pending, commit.expected),
      this.summaryUpdate(id, commit),
      ...checks,
    ]);
    if (refusal !== undefined) {
      await this.deleteLog(id, name, newCount, writer, logParts.length).catch(() => undefined);
      return refusal;
    }
    await this.onCommitStep?.('marked');

    // 3 and 4. Apply and move the head; the same path as anyone rolling a stalled commit forward.
    await this.rollForward(commit.dataset, pending, ops);
    return undefined;
  }

  /** Waits for a commit in flight, or rolls it forward once its writer's lease has run out. */
  private async settle(dataset: DatasetRef, headItem: Item): Promise<void> {
    let item: Item | undefined = headItem;
    while (item?.pending) {
      const pending = item.pending as PendingCommit;
      if (Date.now() >= pending.leaseUntil) {
        try {
          await this.rollForward(dataset, pending);
          return;
        } catch (e) {
          // Another roller may have finished first and removed the log we were reading: then the
          // mark is gone and there is nothing left to do. A mark still there is a real failure.
          if (!(e instanceof MissingLogError)) throw e;
          const now = await this.getHeadItem(dataset);
          const still = now?.pending as PendingCommit | undefined;
          if (still?.syncCount === pending.syncCount && still.writer === pending.writer) throw e;
          item = now;
          continue;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
      item = await this.getHeadItem(dataset);
    }
  }

  private async rollForward(dataset: DatasetRef, pending: PendingCommit, knownOps?: LogOp[]): Promise<void> {
    const id = pk(dataset);
    const name = dataset.DatasetName;
    const ops = knownOps ?? (await this.readLog(id, name, pending));
    let applied = 0;
    const half = Math.floor(ops.length / 2);
    await mapLimit(ops, WRITE_CONCURRENCY, async (op) => {
      await this.applyLogOp(id, op, pending.syncCount);
      if (++applied === half) await this.onCommitStep?.('applied-half');
    });
    await this.onCommitStep?.('applied');
    try {
      const set = setAttributes(pending.head);
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { PK: id, SK: sk.head(name) },
          UpdateExpression: `${set.expression} REMOVE pending`,
          ConditionExpression: 'pending.syncCount = :count AND pending.writer = :writer',
          ExpressionAttributeNames: set.names,
          ExpressionAttributeValues: { ...set.values, ':count': pending.syncCount, ':writer': pending.writer },
        }),
      );
    } catch (e) {
      // Someone else finished this commit first: nothing left to do.
      if ((e as Error).name !== 'ConditionalCheckFailedException') throw e;
    }
    await this.deleteLog(id, name, pending.syncCount, pending.writer, pending.logParts).catch(() => undefined);
  }

  private async readLog(id: string, dataset: string, pending: PendingCommit): Promise<LogOp[]> {
    const items = await this.batchGet(
      Array.from({ length: pending.logParts }, (_, i) => ({ PK: id, SK: sk.log(dataset, pending.syncCount, pending.writer, i) })),
    );
    const bySortKey = new Map(items.map((item) => [item.SK as string, item.data as string]));
    const text = Array.from({ length: pending.logParts }, (_, i) => {
      const part = bySortKey.get(sk.log(dataset, pending.syncCount, pending.writer, i));
      if (part === undefined) throw new MissingLogError(`redo log part ${i} of commit ${pending.syncCount} is missing`);
      return part;
    }).join('');
    return JSON.parse(text) as LogOp[];
  }

  /**
   * Applies one log step idempotently. A record is only written over an older version: a slow
   * roller must never undo a commit that came after the one it is finishing.
   */
  private async applyLogOp(id: string, op: LogOp, syncCount: number): Promise<void> {
    try {
      if ('delete' in op) {
        await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { PK: id, SK: op.delete } }));
      } else if (typeof op.put.SK === 'string' && op.put.SK.startsWith('R#')) {
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: op.put,
            ConditionExpression: 'attribute_not_exists(SK) OR syncCount <= :count',
            ExpressionAttributeValues: { ':count': syncCount },
          }),
        );
      } else {
        await this.doc.send(new PutCommand({ TableName: this.tableName, Item: op.put }));
      }
    } catch (e) {
      if ((e as Error).name !== 'ConditionalCheckFailedException') throw e;
    }
  }

  private async deleteLog(id: string, dataset: string, syncCount: number, writer: string, parts: number): Promise<void> {
    await mapLimit(Array.from({ length: parts }, (_, i) => i), WRITE_CONCURRENCY, (i) =>
      this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { PK: id, SK: sk.log(dataset, syncCount, writer, i) } })),
    );
  }

  /**
   * Removes what DeleteDataset left behind. Best effort: anything left is invisible (at or below the
   * floor) and a later deletion or re-creation does not depend on it being gone.
   */
  private async removeDeletedRecords(dataset: DatasetRef, floor: number): Promise<void> {
    const id = pk(dataset);
    for (const prefix of [sk.recordPrefix(dataset.DatasetName), sk.partPrefix(dataset.DatasetName)]) {
      for await (const items of this.itemsWithPrefix(id, prefix, { projection: 'SK, syncCount' })) {
        await mapLimit(items, WRITE_CONCURRENCY, async (item) => {
          const SK = item.SK as string;
          // Value parts carry their version in the key; records carry it as an attribute.
          const version = SK.startsWith('V#') ? Number(SK.split('#')[2]) : Number(item.syncCount);
          if (version > floor) return;
          try {
            await this.doc.send(
              new DeleteCommand({
                TableName: this.tableName,
                Key: { PK: id, SK },
                ...(SK.startsWith('R#')
                  ? { ConditionExpression: 'syncCount <= :floor', ExpressionAttributeValues: { ':floor': floor } }
                  : {}),
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
  private async *itemsWithPrefix(
    id: string,
    prefix: string,
    options: { consistent?: boolean; projection?: string } = {},
  ): AsyncGenerator<Item[]> {
    let ExclusiveStartKey: Item | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
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

  // ---- item builders ----

  private recordItem(id: string, dataset: string, record: StoredRecord, parts: number): Item {
    const live = record.value !== undefined;
    return {
      PK: id,
      SK: sk.record(dataset, record.key),
      [TABLE_KEYS.changesIndexSortKey]: changesKey(dataset, record.syncCount),
      k: record.key,
      ...(live && parts === 0 ? { v: record.value } : {}),
      ...(parts > 0 ? { parts } : {}),
      live,
      size: live ? Buffer.byteLength(record.key, 'utf8') + Buffer.byteLength(record.value!, 'utf8') : 0,
      syncCount: record.syncCount,
      modified: record.lastModifiedDate,
      modifiedBy: record.lastModifiedBy,
      deviceModified: record.deviceLastModifiedDate,
    };
  }

  /** A record put of a one-transaction commit, written only over the version the conflict check saw. */
  private guardRecordPut(item: TransactItem, commit: UpdateCommit): TransactItem {
    const put = item.Put;
    const key = put?.Item?.k;
    if (!put || typeof put.Item?.SK !== 'string' || !put.Item.SK.startsWith('R#') || typeof key !== 'string') return item;
    return { Put: { ...put, ...recordGuard(commit.previous.get(key)) } };
  }

  private toTransactItem(id: string, op: LogOp): TransactItem {
    return 'delete' in op
      ? { Delete: { TableName: this.tableName, Key: { PK: id, SK: op.delete } } }
      : { Put: { TableName: this.tableName, Item: op.put } };
  }

  /** The head's condition: unchanged since we read it, and no commit in flight. */
  private headCondition(expected: DatasetHead | undefined): { ConditionExpression: string; values: Item } {
    return expected === undefined
      ? { ConditionExpression: 'attribute_not_exists(PK)', values: {} }
      : {
          ConditionExpression: 'syncCount = :expectedCount AND deleted = :expectedDeleted AND attribute_not_exists(pending)',
          values: { ':expectedCount': expected.syncCount, ':expectedDeleted': expected.deleted },
        };
  }

  private headUpdate(id: string, dataset: string, head: DatasetHead, expected: DatasetHead | undefined): TransactItem {
    const set = setAttributes(headAttributes(head));
    const { ConditionExpression, values } = this.headCondition(expected);
    return {
      Update: {
        TableName: this.tableName,
        Key: { PK: id, SK: sk.head(dataset) },
        UpdateExpression: set.expression,
        ConditionExpression,
        ExpressionAttributeNames: set.names,
        ExpressionAttributeValues: { ...set.values, ...values },
      },
    };
  }

  private markPending(id: string, dataset: string, pending: PendingCommit, expected: DatasetHead | undefined): TransactItem {
    const { ConditionExpression, values } = this.headCondition(expected);
    return {
      Update: {
        TableName: this.tableName,
        Key: { PK: id, SK: sk.head(dataset) },
        // A brand-new head stays "deleted" (not there) until the commit it marks has been applied.
        UpdateExpression: expected
          ? 'SET pending = :pending'
          : 'SET pending = :pending, syncCount = :zero, deleted = :true, floor = :zero, deletedAt = :zero, ' +
            'created = :created, modified = :created, modifiedBy = :by, numRecords = :zero, dataStorage = :zero',
        ConditionExpression,
        ExpressionAttributeValues: {
          ':pending': pending,
          ...(expected
            ? {}
            : { ':zero': 0, ':true': true, ':created': pending.head.created, ':by': pending.head.modifiedBy }),
          ...values,
        },
      },
    };
  }

  private summaryUpdate(id: string, commit: UpdateCommit): TransactItem {
    const { datasetCount, dataStorage, lastModifiedDate } = commit.identityDelta;
    return {
      Update: {
        TableName: this.tableName,
        Key: { PK: id, SK: sk.summary },
        UpdateExpression: 'ADD datasetCount :datasets, dataStorage :bytes SET modified = :now',
        ...(datasetCount > 0
          ? { ConditionExpression: 'attribute_not_exists(datasetCount) OR datasetCount < :max' }
          : {}),
        ExpressionAttributeValues: {
          ':datasets': datasetCount,
          ':bytes': dataStorage,
          ':now': lastModifiedDate,
          ...(datasetCount > 0 ? { ':max': commit.maxDatasets } : {}),
        },
      },
    };
  }

  // ---- plumbing ----

  /** Runs a transaction whose first item guards the head and second the identity's totals. */
  private async transact(items: TransactItem[]): Promise<CommitRefusal | undefined> {
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return undefined;
    } catch (e) {
      const error = e as Error & { CancellationReasons?: { Code?: string }[] };
      if (error.name !== 'TransactionCanceledException') throw e;
      const reasons = error.CancellationReasons ?? [];
      if (reasons.some((r) => r.Code === 'ThrottlingError' || r.Code === 'ProvisionedThroughputExceeded')) {
        throw tooManyRequests();
      }
      if (reasons[1]?.Code === 'ConditionalCheckFailed' && reasons[0]?.Code !== 'ConditionalCheckFailed') {
        return 'dataset-limit';
      }
      // The head moved, or another transaction held one of our items: the caller reads again.
      return 'head-moved';
    }
  }

  private async getHeadItem(dataset: DatasetRef): Promise<Item | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { PK: pk(dataset), SK: sk.head(dataset.DatasetName) }, ConsistentRead: true }),
    );
    return Item;
  }

  /** Consistent BatchGetItem over any number of keys: chunks of 100 in parallel, retrying leftovers. */
  private async batchGet(keys: Item[], attributes?: readonly string[]): Promise<Item[]> {
    const projection = attributes
      ? {
          ProjectionExpression: attributes.map((_, i) => `#p${i}`).join(', '),
          ExpressionAttributeNames: Object.fromEntries(attributes.map((a, i) => [`#p${i}`, a])),
        }
      : {};
    const chunks: Item[][] = [];
    for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) chunks.push(keys.slice(i, i + BATCH_GET_LIMIT));
    const results = await Promise.all(
      chunks.map(async (chunk) => {
        const found: Item[] = [];
        let pending: Item[] = chunk;
        for (let round = 0; pending.length > 0; round++) {
          if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** round)));
          const out = await this.doc.send(
            new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true, ...projection } } }),
          );
          found.push(...(out.Responses?.[this.tableName] ?? []));
          pending = (out.UnprocessedKeys?.[this.tableName]?.Keys as Item[] | undefined) ?? [];
        }
        return found;
      }),
    );
    return results.flat();
  }

  /** Turns record items into records, fetching the parts of large values; undefined if a part is gone. */
  private async withValues(dataset: DatasetRef, items: Item[]): Promise<StoredRecord[] | undefined> {
    const id = pk(dataset);
    const partKeys = items.flatMap((item) =>
      Array.from({ length: Number(item.parts ?? 0) }, (_, i) => ({
        PK: id,
        SK: sk.part(dataset.DatasetName, Number(item.syncCount), i, item.k as string),
      })),
    );
    const parts = new Map<string, string>();
    if (partKeys.length > 0) {
      for (const part of await this.batchGet(partKeys)) parts.set(part.SK as string, part.data as string);
    }
    const records: StoredRecord[] = [];
    for (const item of items) {
      const key = item.k as string;
      let value: string | undefined;
      if (item.live === true) {
        const count = Number(item.parts ?? 0);
        if (count === 0) {
          value = item.v as string;
        } else {
          const pieces: string[] = [];
          for (let i = 0; i < count; i++) {
            const piece = parts.get(sk.part(dataset.DatasetName, Number(item.syncCount), i, key));
            if (piece === undefined) return undefined;
            pieces.push(piece);
          }
          value = pieces.join('');
        }
      }
      records.push({
        key,
        ...(value !== undefined ? { value } : {}),
        syncCount: Number(item.syncCount),
        lastModifiedDate: Number(item.modified),
        lastModifiedBy: item.modifiedBy as string,
        ...(item.deviceModified !== undefined ? { deviceLastModifiedDate: Number(item.deviceModified) } : {}),
      });
    }
    return records;
  }
}

/** `SET #a0 = :a0, ...` for every attribute given, with the names and values it refers to. */
function setAttributes(attributes: Item): { expression: string; names: Record<string, string>; values: Item } {
  const names = Object.keys(attributes);
  return {
    expression: `SET ${names.map((_, i) => `#a${i} = :a${i}`).join(', ')}`,
    names: Object.fromEntries(names.map((n, i) => [`#a${i}`, n])),
    values: Object.fromEntries(names.map((n, i) => [`:a${i}`, attributes[n]])),
  };
}

function headAttributes(head: DatasetHead): Item {
  return {
    syncCount: head.syncCount,
    deleted: head.deleted,
    floor: head.floor,
    deletedAt: head.deletedAtSyncCount,
    created: head.creationDate,
    modified: head.lastModifiedDate,
    modifiedBy: head.lastModifiedBy,
    numRecords: head.numRecords,
    dataStorage: head.dataStorage,
  };
}

function toHead(item: Item): DatasetHead {
  return {
    name: (item.SK as string).slice(2),
    syncCount: Number(item.syncCount ?? 0),
    deleted: item.deleted === true,
    floor: Number(item.floor ?? 0),
    deletedAtSyncCount: Number(item.deletedAt ?? 0),
    creationDate: Number(item.created),
    lastModifiedDate: Number(item.modified),
    lastModifiedBy: String(item.modifiedBy ?? ''),
    numRecords: Number(item.numRecords ?? 0),
    dataStorage: Number(item.dataStorage ?? 0),
  };
}

function toSummary(item: Item): IdentitySummary {
  return {
    datasetCount: Number(item.datasetCount ?? 0),
    dataStorage: Number(item.dataStorage ?? 0),
    ...(item.modified !== undefined ? { lastModifiedDate: Number(item.modified) } : {}),
  };
}

const encodeCursor = (key: Item): string => Buffer.from(JSON.stringify(key)).toString('base64url');

function decodeCursor(cursor: string): Item {
  const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (key === null || typeof key !== 'object') throw new Error('bad cursor');
  return key as Item;
}

/** Runs `fn` over `items` with at most `limit` calls in flight. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return results;
}
