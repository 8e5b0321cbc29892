/**
 * The ports the domain layer works over. Adapters (DynamoDB today) implement them; the domain never
 * sees the AWS SDK or HTTP.
 */
import type { DatasetRef, IdentityRef } from './model';

/** A dataset's head: its committed sync count, sizes and deletion state. */
export interface DatasetHead {
  readonly name: string;
  /** The committed dataset sync count. Records stamped above it are not visible yet. */
  readonly syncCount: number;
  /** True after DeleteDataset until the dataset is written again. */
  readonly deleted: boolean;
  /**
   * Records stamped at or below this count belong to an incarnation that DeleteDataset removed. A
   * re-created dataset continues counting from it (docs/decisions.md#a-deleted-dataset-keeps-its-count).
   */
  readonly floor: number;
  /** Sync count at which the dataset was last deleted (0 if never); drives DatasetDeletedAfterRequestedSyncCount. */
  readonly deletedAtSyncCount: number;
  readonly creationDate: number;
  readonly lastModifiedDate: number;
  readonly lastModifiedBy: string;
  /** Live records (tombstones excluded). */
  readonly numRecords: number;
  /** UTF-8 bytes of key + value of the live records. */
  readonly dataStorage: number;
  /** The UpdateRecords `DeviceId` of the last write, when it named one: push sync does not notify that device. */
  readonly lastDeviceId?: string;
}

/** A record as the store keeps it. Times are epoch milliseconds. */
export interface StoredRecord {
  readonly key: string;
  /** Absent on a tombstone. */
  readonly value?: string;
  readonly syncCount: number;
  readonly lastModifiedDate: number;
  readonly lastModifiedBy: string;
  readonly deviceLastModifiedDate?: number;
}

/** What UpdateRecords needs to know of a record before it writes: its count and its size. */
export interface RecordVersion {
  readonly key: string;
  readonly syncCount: number;
  /** UTF-8 bytes of key + value; 0 for a tombstone. */
  readonly size: number;
  readonly live: boolean;
  /** Adapter-private bookkeeping (e.g. where a large value's parts live), handed back on commit. */
  readonly storage?: unknown;
}

export interface IdentitySummary {
  /** Live datasets. */
  readonly datasetCount: number;
  readonly dataStorage: number;
  readonly lastModifiedDate?: number;
}

export interface UpdateSnapshot {
  readonly head?: DatasetHead;
  readonly summary?: IdentitySummary;
  /** The current version of each requested key that exists in the store (any incarnation). */
  readonly records: ReadonlyMap<string, RecordVersion>;
  /** True when the head was read eventually consistently (`consistent: false`): it may be stale. */
  readonly eventual?: boolean;
  /**
   * Every record of the dataset as of `head` (tombstones and records at or below its floor
   * included), when the read had them all at hand (a dataset kept in its head item): a caller that
   * needs the whole dataset (the sync trigger's event) reads it from here instead of listing it.
   */
  readonly heldRecords?: readonly StoredRecord[];
}

export interface UpdateCommit {
  readonly dataset: DatasetRef;
  /** The head as read; the commit succeeds only if it is still the same (count and deletion state). */
  readonly expected: DatasetHead | undefined;
  readonly newHead: DatasetHead;
  readonly writes: readonly StoredRecord[];
  /** Versions read for the written keys, so the adapter can clean up what they replace. */
  readonly previous: ReadonlyMap<string, RecordVersion>;
  /** Change to the identity's totals; `datasetCount` +1 only with `maxDatasets` as the guard. */
  readonly identityDelta: { datasetCount: number; dataStorage: number; lastModifiedDate: number };
  readonly maxDatasets: number;
}

/** The outcome of a commit that was refused without writing anything. */
export type CommitRefusal = 'head-moved' | 'dataset-limit';

export interface RecordsPage {
  readonly head?: DatasetHead;
  readonly records: StoredRecord[];
  /** Opaque position to continue from, when there are more records. */
  readonly cursor?: string;
}

export interface DeleteCommit {
  readonly dataset: DatasetRef;
  readonly expected: DatasetHead;
  readonly deletedHead: DatasetHead;
  readonly lastModifiedDate: number;
}

export interface SyncStore {
  getDatasetHead(dataset: DatasetRef): Promise<DatasetHead | undefined>;
  /** Every dataset head of an identity, deleted ones included, ordered by name. */
  listDatasets(identity: IdentityRef): Promise<DatasetHead[]>;
  getIdentitySummary(identity: IdentityRef): Promise<IdentitySummary | undefined>;
  /**
   * The committed records of a dataset stamped above `afterSyncCount`, in sync-count order, at most
   * `limit`, with the head read in the same round. Records above the head's count are left out.
   */
  listRecords(dataset: DatasetRef, afterSyncCount: number, limit: number, cursor?: string): Promise<RecordsPage>;
  /**
   * Read of the head, the identity's totals and the given keys, for a conflict check: consistent,
   * unless `consistent: false`, which allows a stale head (a single-item head read eventually
   * consistently, at half the read units). A stale snapshot's commit is refused, since the head's
   * sync count moves with every change; its caller must report nothing else from it.
   */
  readForUpdate(dataset: DatasetRef, keys: readonly string[], options?: { readonly consistent?: boolean }): Promise<UpdateSnapshot>;
  /** Writes an update atomically, or refuses it and writes nothing. */
  commitUpdate(commit: UpdateCommit): Promise<CommitRefusal | undefined>;
  /** Marks the dataset deleted and removes its records; refuses if the head moved. */
  deleteDataset(commit: DeleteCommit): Promise<CommitRefusal | undefined>;
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
