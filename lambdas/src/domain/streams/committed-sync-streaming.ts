/**
 * Cognito Streams as a consumer of the change feed: one record per committed sync of a pool whose
 * streaming is ENABLED, and `operation: remove` without records for a DeleteDataset.
 *
 * A change committed before streaming was switched off for a missing stream or role is not dropped:
 * it fails again (and so waits in the feed's failure queue until replayed, README "Cognito Streams").
 * Changes after a switch-off, or while the developer keeps streaming off, are not streamed, as in
 * Cognito.
 */
import type { BatchShortfall, CommittedRecordsReader, CommittedSync, FeedConsumer } from '../feed/committed-sync';
import type { StreamingSettings } from './ports';
import { StreamUnavailableError } from './ports';
import { enabledTarget, type StreamPublisher } from './stream-publisher';
import { type StreamChange, syncRecordOf } from './stream-record';

export const COGNITO_STREAMS_CONSUMER = 'cognito-streams';

export class CommittedSyncStreaming implements FeedConsumer {
  readonly name = COGNITO_STREAMS_CONSUMER;

  constructor(
    private readonly settings: StreamingSettings,
    private readonly publisher: StreamPublisher,
  ) {}

  async consume(event: CommittedSync, reader: CommittedRecordsReader): Promise<void> {
    const shortfall = await this.consumeBatch([event], reader);
    if (shortfall) throw shortfall.error;
  }

  /**
   * A run of committed syncs at once: per pool (each has its own stream and role), in the order of
   * each pool's first event, every change of the pool in one publish, which the writer cuts into as
   * few PutRecords calls as Kinesis allows while keeping each identity's order. On a failure, the
   * earliest event not surely written is the shortfall: the events of a pool whose publish failed may
   * be partly in the stream already and are sent again on the retry (duplicates, never a gap).
   */
  async consumeBatch(events: readonly CommittedSync[], reader: CommittedRecordsReader): Promise<BatchShortfall | undefined> {
    let shortfall: BatchShortfall | undefined;
    for (const [identityPoolId, pool] of byPool(events)) {
      const limit = shortfall?.index ?? events.length;
      const due = pool.filter(({ index }) => index < limit);
      if (due.length === 0) continue;
      try {
        const { streams, disabledAt } = await this.settings.streamingOf(identityPoolId);
        const target = enabledTarget(identityPoolId, streams);
        if (!target) {
          const waiting = disabledAt === undefined ? undefined : due.find(({ event }) => event.lastModifiedDate <= disabledAt);
          if (waiting) {
            const reason = streams?.DisabledReason ?? 'target unavailable';
            const error = new StreamUnavailableError(`Streaming of ${identityPoolId} was switched off (${reason}); this change waits for a replay.`);
            shortfall = { index: waiting.index, error };
          }
          continue;
        }
        await this.publisher.publish(target, await Promise.all(due.map(({ event }) => changeOf(event, reader))));
      } catch (error) {
        shortfall = { index: (due[0] as IndexedEvent).index, error };
      }
    }
    return shortfall;
  }
}

interface IndexedEvent {
  readonly event: CommittedSync;
  readonly index: number;
}

/** The events grouped by pool, pools in the order of their first event, events in stream order. */
function byPool(events: readonly CommittedSync[]): Map<string, IndexedEvent[]> {
  const pools = new Map<string, IndexedEvent[]>();
  for (const [index, event] of events.entries()) {
    const pool = pools.get(event.identityPoolId);
    if (pool) pool.push({ event, index });
    else pools.set(event.identityPoolId, [{ event, index }]);
  }
  return pools;
}

async function changeOf(event: CommittedSync, reader: CommittedRecordsReader): Promise<StreamChange> {
  const deletion = event.kind === 'delete';
  return {
    identityPoolId: event.identityPoolId,
    identityId: event.identityId,
    datasetName: event.datasetName,
    operation: deletion ? 'remove' : 'replace',
    syncCount: event.syncCount,
    lastModifiedDate: event.lastModifiedDate,
    records: deletion ? [] : (await reader.recordsOf(event)).map(syncRecordOf),
  };
}
