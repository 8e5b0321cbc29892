/**
 * The change feed's runner: one batch of stream records (the DynamoDB stream event Lambda hands a
 * function, which the local poller builds the same way) decoded into committed syncs, each handed to
 * every consumer in order. Deployed and locally, this is the one code path.
 *
 * A batch comes from one shard, in order. When a consumer throws, that record and every record after
 * it are reported as `batchItemFailures` and not processed now: Lambda (or the local poller) retries
 * from the first failure, so no event is lost and the order within a dataset is kept. Records before
 * it are done and are not retried.
 *
 * Delivery is at least once. So that a retry does not hand an event again to a consumer that has
 * already taken it in this process (the consumers before the one that failed), the runner remembers
 * what each consumer took, by `committedSyncKey`, within a bounded memory; consumers are idempotent
 * per that key all the same, since a new process remembers nothing.
 */
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { decodeCommittedSync } from '../adapters/dynamodb/stream-decoder';
import { type CommittedRecordsReader, type CommittedSync, committedSyncKey, type FeedConsumer } from '../domain/feed/committed-sync';

/** What went wrong with one stream record: where, and in which consumer (none: it could not be decoded). */
export interface FeedFailure {
  readonly record: DynamoDBRecord;
  readonly sequenceNumber: string;
  readonly event?: CommittedSync;
  readonly consumer?: string;
  readonly error: unknown;
}

/** Told what the runner does, for logs and metrics (deployed: Powertools; locally: the poller's lines). */
export interface FeedObserver {
  /** An event every consumer has taken. */
  delivered?(event: CommittedSync): void;
  /** A record failed; it and the rest of its batch are reported for a retry. */
  failed?(failure: FeedFailure): void;
}

export interface FeedBatchResult extends DynamoDBBatchResponse {
  /** The first failure of the batch, if any: the records from it on are in `batchItemFailures`. */
  readonly failure?: FeedFailure;
  /** Committed syncs handed to the consumers in this batch. */
  readonly delivered: number;
}

export interface Feed {
  run(streamEvent: DynamoDBStreamEvent): Promise<FeedBatchResult>;
}

/** How many (consumer, event) pairs a feed remembers having delivered, to skip them on a retry. */
const REMEMBERED_DELIVERIES = 10_000;

export function createFeed(consumers: readonly FeedConsumer[], records: CommittedRecordsReader, observer: FeedObserver = {}): Feed {
  const taken = new RememberedKeys(REMEMBERED_DELIVERIES);

  /** Hands one record's event to every consumer; the failure if one threw. */
  const deliver = async (record: DynamoDBRecord, sequenceNumber: string): Promise<FeedFailure | 'delivered' | 'ignored'> => {
    let event: CommittedSync | undefined;
    try {
      event = decodeCommittedSync(record);
    } catch (error) {
      return { record, sequenceNumber, error };
    }
    if (event === undefined) return 'ignored';
    const key = committedSyncKey(event);
    for (const consumer of consumers) {
      const delivery = `${consumer.name}\u0000${key}`;
      if (taken.has(delivery)) continue;
      try {
        await consumer.consume(event, records);
      } catch (error) {
        return { record, sequenceNumber, event, consumer: consumer.name, error };
      }
      taken.add(delivery);
    }
    observer.delivered?.(event);
    return 'delivered';
  };

  return {
    async run(streamEvent) {
      const batch = streamEvent.Records ?? [];
      let delivered = 0;
      for (const [i, record] of batch.entries()) {
        const sequenceNumber = record.dynamodb?.SequenceNumber ?? record.eventID ?? String(i);
        const outcome = await deliver(record, sequenceNumber);
        if (outcome === 'ignored') continue;
        if (outcome === 'delivered') {
          delivered++;
          continue;
        }
        observer.failed?.(outcome);
        // This record and all after it: Lambda retries from the lowest one reported, in order.
        const batchItemFailures = batch.slice(i).map((r, j) => ({ itemIdentifier: r.dynamodb?.SequenceNumber ?? r.eventID ?? String(i + j) }));
        return { batchItemFailures, failure: outcome, delivered };
      }
      return { batchItemFailures: [], delivered };
    },
  };
}

/** A set that forgets its oldest keys beyond `capacity` (Map keeps insertion order). */
class RememberedKeys {
  private readonly keys = new Map<string, true>();
  constructor(private readonly capacity: number) {}
  has(key: string): boolean {
    return this.keys.has(key);
  }
  add(key: string): void {
    this.keys.set(key, true);
    if (this.keys.size > this.capacity) {
      const oldest = this.keys.keys().next().value;
      if (oldest !== undefined) this.keys.delete(oldest);
    }
  }
}
