/**
 * The usage counters: the change feed's consumer that keeps each pool's DataStorage,
 * SyncSessionsCount and LastModifiedDate (docs/behaviour.md#identity-pool-usage).
 *
 * Events come at least once and in any order (a retried batch, a restarted poller). So the counters
 * add no event's own delta; they keep, per dataset, the state the last applied event left it in (a
 * mark), and an event moves a pool's counters by the difference between its state and the mark, in
 * the same conditional write that moves the mark. An event at or below the mark changes nothing:
 * a redelivered one was applied already, and an older one that arrives late is already accounted
 * for by the newer state. Both counters are states, not sums of events, for this to hold:
 * - a dataset's bytes after the event (`dataStorage`, 0 after a deletion);
 * - its sync count, which each committed UpdateRecords raises by exactly one and a deletion keeps
 *   (a re-created dataset continues from it), so the highest one seen is the number of commits.
 */
import { Contention } from '../contention';
import type { CommittedSync, FeedConsumer } from '../feed/committed-sync';
import type { DatasetMark } from './usage-model';
import type { PoolUsageStore, UsageChange } from './usage-ports';

/**
 * Events of one dataset in the order they happened: by sync count, and at one count the deletion
 * after the sync (a deletion is stamped with the count of the dataset's last commit).
 */
export const positionOf = (event: Pick<CommittedSync, 'syncCount' | 'kind'>): number => event.syncCount * 2 + (event.kind === 'delete' ? 1 : 0);

/** What the event does over the mark, or undefined when the mark is already at or past it. */
export function changeFor(event: CommittedSync, from: DatasetMark): UsageChange | undefined {
  const position = positionOf(event);
  if (position <= from.position) return undefined;
  const to: DatasetMark = {
    position,
    syncCount: Math.max(from.syncCount, event.syncCount),
    dataStorage: event.kind === 'delete' ? 0 : event.dataStorage,
  };
  return {
    dataset: { identityPoolId: event.identityPoolId, identityId: event.identityId, datasetName: event.datasetName },
    from,
    to,
    syncSessionsDelta: to.syncCount - from.syncCount,
    dataStorageDelta: to.dataStorage - from.dataStorage,
    lastModifiedDate: event.lastModifiedDate,
  };
}

export class UsageCounters implements FeedConsumer {
  readonly name = 'usage-counters';

  constructor(private readonly store: PoolUsageStore) {}

  async consume(event: CommittedSync): Promise<void> {
    const dataset = { identityPoolId: event.identityPoolId, identityId: event.identityId, datasetName: event.datasetName };
    const contention = new Contention();
    do {
      const change = changeFor(event, await this.store.readMark(dataset));
      if (!change) return;
      // False: another delivery of this dataset moved the mark between the read and the write, or
      // another event's transaction held the pool's shard; read again, after a pause.
      if (await this.store.apply(change)) return;
    } while (await contention.waitTurn());
    throw new Error(`usage counters: ${event.identityPoolId}/${event.identityId}/${event.datasetName} stayed contended; retry the event`);
  }
}
