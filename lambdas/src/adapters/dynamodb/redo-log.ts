/**
 * Commits too large for one transaction (more than 100 items), atomic all the same through a redo
 * log (docs/decisions.md):
 *
 * 1. the writer puts the log (invisible to readers, removed by TTL if never used);
 * 2. it marks the head "committing S+1" in a conditional transaction: the decision point;
 * 3. it applies the log, then moves the head and removes the mark and the log.
 *
 * Anyone who finds a mark whose lease has expired rolls it forward (`settle`), so a crash at any
 * step leaves either nothing visible (before the mark) or, once settled, all of it. Applying is
 * idempotent: a record item is only written or removed by a commit at least as new as the one that
 * wrote it, and parts are never overwritten.
 *
 * Layout conversions (docs/decisions.md#small-datasets-live-in-one-item) go through here too when
 * they touch more items than a transaction holds: the records moving out of the head are puts, the
 * record items moving into it are deletes, and the head's final attributes ride on the mark.
 */
import { randomUUID } from 'node:crypto';
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DatasetRef } from '../../domain/model';
import type { CommitRefusal, DatasetHead, UpdateCommit } from '../../domain/ports';
import { sleep } from '../../common/sleep';
import { batchGet, mapLimit, WRITE_CONCURRENCY } from './batch';
import {
  datasetCountUpdate,
  headCondition,
  recordGuard,
  removeClause,
  removeNames,
  setAttributes,
  TRANSACTION_ITEM_LIMIT,
  transact,
  type TransactItem,
} from './commits';
import { splitUtf8, WRITTEN_AT_ATTRIBUTE, type Item } from './items';
import type { HeadWrite } from './single-item';
import { identityPartition, SORT_KEY_PREFIX, sortKey } from './keys';
import { TABLE_KEYS } from './table-schema';
import { readHeadItem, type TableHandle } from './table';

const LOG_TTL_SECONDS = 24 * 60 * 60;
/** How often a reader looks again at a commit in flight whose lease still runs. */
const SETTLE_POLL_MS = 25;

/** One step of a redo log. Record puts are guarded by sync count; parts are immutable. */
export type LogOp = { put: Item } | { delete: string };

export type CommitStep = 'log-written' | 'marked' | 'applied-half' | 'applied';

/** A commit mark on the head: the update at `syncCount` is decided and must be rolled forward. */
interface PendingCommit {
  syncCount: number;
  writer: string;
  logParts: number;
  leaseUntil: number;
  /** The head's attributes once applied, and those it loses (a layout conversion). */
  head: Item;
  remove?: readonly string[];
}

/** The redo log of a commit mark could not be read whole. */
class MissingLogError extends Error {}

/** True when a head item carries a commit mark: its reader must `settle` it first. */
export const hasPendingCommit = (headItem: Item | undefined): boolean => Boolean(headItem?.pending);

export class RedoLog {
  constructor(
    private readonly table: TableHandle,
    /** How long a commit mark protects its writer before others roll it forward. */
    private readonly leaseMs: number,
    /** Called after each step: the crash tests stop the writer here. */
    private readonly onCommitStep?: (step: CommitStep) => void | Promise<void>,
  ) {}

  /**
   * Commits `ops` (the update's writes) and `head` through the log, or refuses and writes nothing
   * visible. `guarded`: the mark also checks each written record is the version the update read
   * (not for a conversion, whose head alone holds every record it read).
   */
  async commit(commit: UpdateCommit, ops: LogOp[], head: HeadWrite, guarded = true): Promise<CommitRefusal | undefined> {
    const id = identityPartition(commit.dataset);
    const name = commit.dataset.DatasetName;
    const newCount = commit.newHead.syncCount;
    const writer = randomUUID();

    // 1. The log: invisible to readers, and garbage-collected by TTL if we never get to mark it.
    const logParts = splitUtf8(JSON.stringify(ops));
    const expiresAt = Math.floor(Date.now() / 1000) + LOG_TTL_SECONDS;
    await mapLimit(logParts, WRITE_CONCURRENCY, (data, i) =>
      this.table.doc.send(
        new PutCommand({
          TableName: this.table.tableName,
          Item: { PK: id, SK: sortKey.log(name, newCount, writer, i), data, [TABLE_KEYS.timeToLive]: expiresAt },
        }),
      ),
    );
    await this.onCommitStep?.('log-written');

    // 2. The decision: mark the head, guarded exactly like a small commit, with the totals.
    const pending: PendingCommit = {
      syncCount: newCount,
      writer,
      logParts: logParts.length,
      leaseUntil: Date.now() + this.leaseMs,
      head: head.set,
      remove: head.remove,
    };
    const creating = commit.identityDelta.datasetCount > 0;
    const checks: TransactItem[] =
      guarded && commit.writes.length + 2 <= TRANSACTION_ITEM_LIMIT
        ? commit.writes.map((record) => ({
            ConditionCheck: {
              TableName: this.table.tableName,
              Key: { PK: id, SK: sortKey.record(name, record.key) },
              ...recordGuard(commit.previous.get(record.key)),
            },
          }))
        : []; // more keys than a transaction holds: `readForUpdate` read the head first instead
    const refusal = await transact(
      this.table,
      [
        this.markPending(id, name, pending, commit.expected),
        ...(creating ? [datasetCountUpdate(this.table.tableName, id, 1, commit.maxDatasets)] : []),
        ...checks,
      ],
      creating ? 1 : undefined,
    );
    if (refusal !== undefined) {
      await this.deleteLog(id, name, pending).catch(() => undefined);
      return refusal;
    }
    await this.onCommitStep?.('marked');

    // 3. Apply and move the head; the same path as anyone rolling a stalled commit forward.
    await this.rollForward(commit.dataset, pending, ops);
    return undefined;
  }

  /** Waits for a commit in flight, or rolls it forward once its writer's lease has run out. */
  async settle(dataset: DatasetRef, headItem: Item | undefined): Promise<void> {
    let item = headItem;
    while (hasPendingCommit(item)) {
      const pending = item?.pending as PendingCommit;
      if (Date.now() >= pending.leaseUntil) {
        try {
          await this.rollForward(dataset, pending);
          return;
        } catch (e) {
          // Another roller may have finished first and removed the log we were reading: then the
          // mark is gone and there is nothing left to do. A mark still there is a real failure.
          if (!(e instanceof MissingLogError)) throw e;
          const now = await readHeadItem(this.table, dataset);
          const still = now?.pending as PendingCommit | undefined;
          if (still?.syncCount === pending.syncCount && still.writer === pending.writer) throw e;
          item = now;
          continue;
        }
      }
      await sleep(SETTLE_POLL_MS);
      item = await readHeadItem(this.table, dataset);
    }
  }

  private async rollForward(dataset: DatasetRef, pending: PendingCommit, knownOps?: LogOp[]): Promise<void> {
    const id = identityPartition(dataset);
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
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: { PK: id, SK: sortKey.head(name) },
          UpdateExpression: `${set.expression}${removeClause(['pending', ...(pending.remove ?? [])])}`,
          ConditionExpression: 'pending.syncCount = :count AND pending.writer = :writer',
          ExpressionAttributeNames: { ...set.names, ...removeNames(['pending', ...(pending.remove ?? [])]) },
          ExpressionAttributeValues: { ...set.values, ':count': pending.syncCount, ':writer': pending.writer },
        }),
      );
    } catch (e) {
      // Someone else finished this commit first: nothing left to do.
      if ((e as Error).name !== 'ConditionalCheckFailedException') throw e;
    }
    await this.deleteLog(id, name, pending).catch(() => undefined);
  }

  private async readLog(id: string, dataset: string, pending: PendingCommit): Promise<LogOp[]> {
    const logKeys = this.logKeys(dataset, pending);
    const items = await batchGet(
      this.table,
      logKeys.map((SK) => ({ PK: id, SK })),
    );
    const bySortKey = new Map(items.map((item) => [item.SK as string, item.data as string]));
    const text = logKeys
      .map((SK, i) => {
        const part = bySortKey.get(SK);
        if (part === undefined) throw new MissingLogError(`redo log part ${i} of commit ${pending.syncCount} is missing`);
        return part;
      })
      .join('');
    return JSON.parse(text) as LogOp[];
  }

  /**
   * Applies one log step idempotently. A record item is only written or removed over one an older
   * commit wrote: a slow roller must never undo a commit that came after the one it is finishing.
   * The commit that wrote an item is its sync count, or `w` when a conversion moved it unchanged.
   */
  private async applyLogOp(id: string, op: LogOp, syncCount: number): Promise<void> {
    const { doc, tableName } = this.table;
    const writtenBefore = {
      ConditionExpression: `(attribute_not_exists(${WRITTEN_AT_ATTRIBUTE}) AND syncCount <= :count) OR ${WRITTEN_AT_ATTRIBUTE} <= :count`,
      ExpressionAttributeValues: { ':count': syncCount },
    };
    try {
      if ('delete' in op) {
        const isRecord = op.delete.startsWith(SORT_KEY_PREFIX.record);
        await doc.send(new DeleteCommand({ TableName: tableName, Key: { PK: id, SK: op.delete }, ...(isRecord ? writtenBefore : {}) }));
      } else if (typeof op.put.SK === 'string' && op.put.SK.startsWith(SORT_KEY_PREFIX.record)) {
        await doc.send(
          new PutCommand({
            TableName: tableName,
            Item: op.put,
            ...writtenBefore,
            ConditionExpression: `attribute_not_exists(SK) OR ${writtenBefore.ConditionExpression}`,
          }),
        );
      } else {
        await doc.send(new PutCommand({ TableName: tableName, Item: op.put }));
      }
    } catch (e) {
      if ((e as Error).name !== 'ConditionalCheckFailedException') throw e;
    }
  }

  private logKeys(dataset: string, pending: PendingCommit): string[] {
    return Array.from({ length: pending.logParts }, (_, i) => sortKey.log(dataset, pending.syncCount, pending.writer, i));
  }

  private async deleteLog(id: string, dataset: string, pending: PendingCommit): Promise<void> {
    await mapLimit(this.logKeys(dataset, pending), WRITE_CONCURRENCY, (SK) =>
      this.table.doc.send(new DeleteCommand({ TableName: this.table.tableName, Key: { PK: id, SK } })),
    );
  }

  /** The decision point: the head's condition, and the mark that makes the commit roll forward. */
  private markPending(id: string, dataset: string, pending: PendingCommit, expected: DatasetHead | undefined): TransactItem {
    const { ConditionExpression, values } = headCondition(expected);
    return {
      Update: {
        TableName: this.table.tableName,
        Key: { PK: id, SK: sortKey.head(dataset) },
        // A brand-new head stays "deleted" (not there) until the commit it marks has been applied.
        UpdateExpression: expected
          ? 'SET pending = :pending'
          : 'SET pending = :pending, syncCount = :zero, deleted = :true, floor = :zero, deletedAt = :zero, ' +
            'created = :created, modified = :created, modifiedBy = :by, numRecords = :zero, dataStorage = :zero',
        ConditionExpression,
        ExpressionAttributeValues: {
          ':pending': pending,
          ...(expected ? {} : { ':zero': 0, ':true': true, ':created': pending.head.created, ':by': pending.head.modifiedBy }),
          ...values,
        },
      },
    };
  }
}
