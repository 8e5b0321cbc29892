/**
 * The migration's model: what is copied from a Cognito Sync endpoint (the source) into this service's
 * table (the target), and the two sides' ports. `migrate`, `--verify`, `export` and `import` all
 * speak it, so a dataset read from an endpoint, from the table or from an export file is the same
 * value and compares field by field.
 *
 * Times are epoch milliseconds, as in the store (`StoredRecord`), so that a snapshot written to a
 * JSON Lines file and read back is equal to the one read from the endpoint.
 */

import type { StoredRecord } from '../src/domain/ports';

/**
 * One record as the source returns it; a tombstone has no `value`. The store's own record shape: what
 * is read is what is written, field for field.
 */
export type MigratedRecord = StoredRecord;

/** Where a dataset lives. */
export interface DatasetAddress {
  readonly identityPoolId: string;
  readonly identityId: string;
  readonly datasetName: string;
}

/** A whole dataset: its counts, dates and every record the source returns, tombstones included. */
export interface DatasetSnapshot extends DatasetAddress {
  /** The dataset sync count (ListRecords' `DatasetSyncCount`). */
  readonly syncCount: number;
  readonly creationDate: number;
  readonly lastModifiedDate: number;
  readonly lastModifiedBy: string;
  /** In sync-count order, then key. */
  readonly records: readonly MigratedRecord[];
  /**
   * The sync count at which the dataset was last deleted, when it was deleted and re-created (absent:
   * never deleted, or not known). ListRecords reveals it only through
   * `DatasetDeletedAfterRequestedSyncCount`; the target keeps it as the head's deletion floor, so that a
   * device holding a count of the old incarnation is told of the deletion there too.
   */
  readonly deletedAtSyncCount?: number;
}

/** A dataset as a listing shows it, before its records are read. */
export interface DatasetListing extends DatasetAddress {
  readonly lastModifiedDate: number;
  readonly numRecords: number;
  readonly dataStorage: number;
}

/** A pool's configuration as GetIdentityPoolConfiguration answers it (the wire shape, kept as is). */
export interface PoolConfiguration {
  readonly identityPoolId: string;
  readonly pushSync?: unknown;
  readonly cognitoStreams?: unknown;
  /** GetCognitoEvents' `Events`. */
  readonly cognitoEvents?: Readonly<Record<string, string>>;
}

/** The side datasets are read from: a Cognito Sync endpoint, this service's table, or an export file. */
export interface DatasetSource {
  /** Identity ids of a pool. */
  listIdentities(identityPoolId: string): AsyncIterable<string>;
  listDatasets(identityPoolId: string, identityId: string): Promise<readonly DatasetListing[]>;
  /** The whole dataset, or undefined when it does not exist (or was deleted) there. */
  readDataset(address: DatasetAddress): Promise<DatasetSnapshot | undefined>;
  readPoolConfiguration(identityPoolId: string): Promise<PoolConfiguration | undefined>;
}

/** The outcome of writing one dataset into the target. */
export type WriteOutcome =
  /** Written with the source's counts. */
  | { readonly kind: 'written'; readonly records: number; readonly bytes: number }
  /** The target already holds exactly this sync count from an earlier (perhaps killed) run: nothing written. */
  | { readonly kind: 'unchanged' }
  /**
   * The target's dataset was changed since the migration last wrote it (apps already switched):
   * never overwritten, reported.
   */
  | { readonly kind: 'conflict'; readonly targetSyncCount: number; readonly expectedSyncCount: number | undefined };

/** The side datasets are written to: this service's table, through the store's own code. */
export interface DatasetTarget extends DatasetSource {
  /**
   * Writes the snapshot with its sync counts and dates as they are. `lastCopiedSyncCount` is the
   * count the migration wrote on an earlier run (undefined if never): the write happens only if the
   * target still holds that count (or nothing), atomically.
   */
  writeDataset(snapshot: DatasetSnapshot, lastCopiedSyncCount: number | undefined): Promise<WriteOutcome>;
  writePoolConfiguration(configuration: PoolConfiguration): Promise<void>;
}
