/**
 * The ports of pool usage (see ports.ts for the configuration's): the counters' store, written by
 * the change feed and read by the two operations, and the list of pools ListIdentityPoolUsage pages over.
 */
import type { DatasetMark, UsageTotals } from './usage-model';

export interface DatasetAddress {
  readonly identityPoolId: string;
  readonly identityId: string;
  readonly datasetName: string;
}

/** What one event does to a pool's counters, and the mark its dataset moves to. */
export interface UsageChange {
  readonly dataset: DatasetAddress;
  /** The mark the change was computed from: the write must fail if the stored mark moved since. */
  readonly from: DatasetMark;
  readonly to: DatasetMark;
  readonly syncSessionsDelta: number;
  readonly dataStorageDelta: number;
  /** Epoch milliseconds of the event; the pool's date moves only forward. */
  readonly lastModifiedDate: number;
}

export interface PoolUsageStore {
  /** The dataset's mark (UNMARKED when no event of it was applied). */
  readMark(dataset: DatasetAddress): Promise<DatasetMark>;
  /**
   * Moves the dataset's mark from `change.from` to `change.to` and adds the deltas to the pool's
   * counters, all or nothing; answers false, having changed nothing, when the mark is no longer `from`.
   */
  apply(change: UsageChange): Promise<boolean>;
  /** Each pool's totals, in the order asked; a pool never counted has NO_USAGE. */
  totals(identityPoolIds: readonly string[]): Promise<UsageTotals[]>;
}

/** One page of the pools ListIdentityPoolUsage lists, and where the next one starts. */
export interface PoolPage {
  readonly identityPoolIds: readonly string[];
  /** Opaque to the domain; absent on the last page. */
  readonly cursor?: string;
}

/** The identity pools of the account (deployed: Cognito Identity ListIdentityPools; locally: the local one's). */
export interface PoolLister {
  list(maxResults: number, cursor?: string): Promise<PoolPage>;
}

/** The lister of a function that lists no pools (DescribeIdentityPoolUsage): never called. */
export const NO_POOL_LISTER: PoolLister = {
  list: async () => {
    throw new Error('this composition lists no identity pools: ListIdentityPoolUsage passes its lister');
  },
};
