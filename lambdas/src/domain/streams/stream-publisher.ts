/**
 * Publishes changes of a pool to its Cognito Stream: builds each change's record, inline when it
 * fits and through S3 when it does not, and writes them with the identity id as partition key (so
 * that one identity's changes, and so each dataset's, stay in order).
 *
 * When the stream is gone or the role refused, Cognito switched streaming off and said why; so does
 * this: the pool's settings go to DISABLED with a DisabledReason, and the error is thrown on, so that
 * the changes in hand are not dropped (the change feed keeps them in its failure queue for replay).
 */
import type { Clock } from '../ports';
import type { CognitoStreams } from '../pools/model';
import { type StreamEntry, type PayloadStore, type StreamingSettings, type StreamTarget, StreamUnavailableError, type StreamWriter } from './ports';
import { encodeRecord, inlineRecord, MAX_INLINE_RECORD_BYTES, s3UrlRecord, type StreamChange } from './stream-record';

export interface StreamPublisherDeps {
  readonly settings: StreamingSettings;
  readonly clock: Clock;
  readonly writer: StreamWriter;
  readonly payloads: PayloadStore;
}

/** The stream a pool publishes to now, or undefined when streaming is not ENABLED with a stream and a role. */
export function enabledTarget(identityPoolId: string, streams: CognitoStreams | undefined): StreamTarget | undefined {
  if (streams?.StreamingStatus !== 'ENABLED' || !streams.StreamName || !streams.RoleArn) return undefined;
  return { identityPoolId, streamName: streams.StreamName, roleArn: streams.RoleArn };
}

export class StreamPublisher {
  constructor(private readonly deps: StreamPublisherDeps) {}

  /**
   * Writes one record per change to `target`, in the order given per identity. `origin` keeps a
   * BulkPublish payload (the whole dataset) apart from the sync's own (its changes) in the bucket.
   */
  async publish(target: StreamTarget, changes: readonly StreamChange[], origin: ChangeOrigin = 'sync'): Promise<void> {
    const entries = await Promise.all(changes.map((change) => this.entryOf(change, origin)));
    try {
      await this.deps.writer.put(target, entries);
    } catch (e) {
      if (e instanceof StreamUnavailableError) await this.deps.settings.disable(target, e.message, this.deps.clock.now());
      throw e;
    }
  }

  private async entryOf(change: StreamChange, origin: ChangeOrigin): Promise<StreamEntry> {
    const inline = encodeRecord(inlineRecord(change));
    if (inline.byteLength <= MAX_INLINE_RECORD_BYTES) return { partitionKey: change.identityId, data: inline };
    const url = await this.deps.payloads.store(payloadKeyOf(change, origin), encodeRecord(change.records));
    return { partitionKey: change.identityId, data: encodeRecord(s3UrlRecord(change, url)) };
  }
}

/** A committed sync (the change feed) or a dataset as it stands (BulkPublish). */
export type ChangeOrigin = 'sync' | 'bulk';

/**
 * One object per (origin, pool, identity, dataset, sync count): a retried change overwrites its own
 * payload rather than leaving another. Segments are URL-encoded (pool and identity ids hold `:`).
 */
const payloadKeyOf = (change: StreamChange, origin: ChangeOrigin): string =>
  [origin, change.identityPoolId, change.identityId, change.datasetName, `${change.syncCount}.json`].map(encodeURIComponent).join('/');
