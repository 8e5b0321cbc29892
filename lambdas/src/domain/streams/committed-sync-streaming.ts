/**
 * Cognito Streams as a consumer of the change feed: one record per committed sync of a pool whose
 * streaming is ENABLED, and `operation: remove` without records for a DeleteDataset.
 *
 * A change committed before streaming was switched off for a missing stream or role is not dropped:
 * it fails again (and so waits in the feed's failure queue until replayed, README "Cognito Streams").
 * Changes after a switch-off, or while the developer keeps streaming off, are not streamed, as in
 * Cognito.
 */
import type { CommittedRecordsReader, CommittedSync, FeedConsumer } from '../feed/committed-sync';
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
    const { streams, disabledAt } = await this.settings.streamingOf(event.identityPoolId);
    const target = enabledTarget(event.identityPoolId, streams);
    if (!target) {
      if (disabledAt !== undefined && event.lastModifiedDate <= disabledAt) {
        throw new StreamUnavailableError(
          `Streaming of ${event.identityPoolId} was switched off (${streams?.DisabledReason ?? 'target unavailable'}); this change waits for a replay.`,
        );
      }
      return;
    }
    await this.publisher.publish(target, [await changeOf(event, reader)]);
  }
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
