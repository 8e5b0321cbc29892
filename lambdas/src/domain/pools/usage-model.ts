/**
 * Pool usage (DescribeIdentityPoolUsage, ListIdentityPoolUsage) in the service model's member names,
 * and the per-dataset state the usage counters keep to apply each committed sync exactly once.
 */

/** One pool's usage, as both operations answer it. */
export interface IdentityPoolUsage {
  readonly IdentityPoolId: string;
  /** Committed syncs (UpdateRecords that raised a sync count) over the pool's datasets, ever. */
  readonly SyncSessionsCount: number;
  /** Bytes (UTF-8 key + value) of the live records of every identity of the pool. */
  readonly DataStorage: number;
  /** The last committed sync or deletion; absent while the pool has none. */
  readonly LastModifiedDate?: Date;
}

export interface ListPoolUsageInput {
  readonly MaxResults?: number;
  readonly NextToken?: string;
}

export interface ListPoolUsageOutput {
  readonly IdentityPoolUsages: IdentityPoolUsage[];
  readonly MaxResults: number;
  readonly Count: number;
  readonly NextToken?: string;
}

/** A pool's totals as the counters hold them (the sum of its shards). */
export interface UsageTotals {
  readonly syncSessions: number;
  readonly dataStorage: number;
  /** Epoch milliseconds; absent when nothing was ever counted. */
  readonly lastModifiedDate?: number;
}

export const NO_USAGE: UsageTotals = { syncSessions: 0, dataStorage: 0 };

/**
 * Where one dataset stands, as far as the counters have applied its events: the position of the
 * last event applied, and the sync count and bytes it left the dataset at. The counters add the
 * difference between an event's state and this one, so an event at or below the mark changes nothing.
 */
export interface DatasetMark {
  /** `position` of the last event applied; 0: none. */
  readonly position: number;
  readonly syncCount: number;
  readonly dataStorage: number;
}

export const UNMARKED: DatasetMark = { position: 0, syncCount: 0, dataStorage: 0 };
