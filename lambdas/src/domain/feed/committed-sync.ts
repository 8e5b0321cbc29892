/**
 * The change feed's event: what happened after a write, for the work that must never slow the write
 * itself (usage counters, Cognito Streams, push sync). One event per committed sync of a dataset
 * and one per deletion, decoded from the table's change stream (deployed: the DynamoDB stream;
 * locally: a poller on DynamoDB Local's stream) and handed to every consumer.
 *
 * Delivery is at least once: a consumer may see an event again (a retried batch, a poller restarted
 * before its checkpoint) and must be idempotent per `committedSyncKey`.
 */

/** A record as it was committed at the event's sync count. */
export interface CommittedRecord {
  readonly key: string;
  /** Absent when the record was removed (a tombstone). */
  readonly value?: string;
  readonly syncCount: number;
  /** Epoch milliseconds. */
  readonly lastModifiedDate: number;
  readonly deviceLastModifiedDate: number;
  readonly lastModifiedBy: string;
}

export interface CommittedSync {
  /** `sync` for an UpdateRecords that committed; `delete` for a DeleteDataset. */
  readonly kind: 'sync' | 'delete';
  readonly identityPoolId: string;
  readonly identityId: string;
  readonly datasetName: string;
  /** The dataset's sync count after the commit (for a deletion: the count the deletion was stamped at). */
  readonly syncCount: number;
  /** The dataset's sync count before it (0 for a new dataset). */
  readonly previousSyncCount: number;
  /** Epoch milliseconds of the commit. */
  readonly lastModifiedDate: number;
  readonly lastModifiedBy: string;
  /** Bytes of key + value of the dataset's live records after and before the commit. */
  readonly dataStorage: number;
  readonly previousDataStorage: number;
  /** The UpdateRecords `DeviceId` of the writer, when it named one: push sync skips that device. */
  readonly deviceId?: string;
  /**
   * The records written at `syncCount`, when the change itself carried them (a dataset small enough
   * to live in one item holds its records in its head, so the stream image has them): read them
   * through a CommittedRecordsReader, which falls back to the table when they are absent.
   */
  readonly committedRecords?: readonly CommittedRecord[];
}

/** The records a committed sync wrote, read when a consumer needs them (usage counters do not). */
export interface CommittedRecordsReader {
  recordsOf(event: CommittedSync): Promise<readonly CommittedRecord[]>;
}

/** One piece of after-a-write work. It throws to have the event retried (never lost). */
export interface FeedConsumer {
  /** Names the consumer in logs, metrics and the failure queue. */
  readonly name: string;
  consume(event: CommittedSync, records: CommittedRecordsReader): Promise<void>;
  /**
   * Optional: takes a run of consecutive events of one stream batch at once (in stream order), for a
   * consumer whose work is cheaper in bulk (Cognito Streams: one PutRecords for many syncs). The
   * events before the shortfall's `index` are done; that event and the ones after it are retried
   * (some of them may have been applied already: they must stay idempotent). Without it the runner
   * hands events one at a time to `consume`.
   */
  consumeBatch?(events: readonly CommittedSync[], records: CommittedRecordsReader): Promise<BatchShortfall | undefined>;
}

/** Where a batch stopped: the first event not done, and why. */
export interface BatchShortfall {
  readonly index: number;
  readonly error: unknown;
}

/** The idempotency key of an event: consumers remember what they applied under it. */
export const committedSyncKey = (event: CommittedSync): string =>
  [event.identityPoolId, event.identityId, event.datasetName, event.syncCount, event.kind].join('#');
