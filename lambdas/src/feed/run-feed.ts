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
 * A consumer with `consumeBatch` (Cognito Streams) takes the whole run of decoded events at once, so
 * that a burst of syncs goes out in few calls; the consumers between batch consumers still take the
 * events one at a time. The consumers run in stages, in their order: each stage gets the events
 * before the earliest failure so far, so a consumer after a failing one never sees the failed event
 * or a later one, while a stage before it may have taken later events already (the memo below skips
 * them on the retry; a new process relies on the consumers' idempotence, as for any redelivery).
 *
 * Delivery is at least once. So that a retry does not hand an event again to a consumer that has
 * already taken it in this process (the consumers before the one that failed), the runner remembers
 * what each consumer took, by `committedSyncKey`, within a bounded memory; consumers are idempotent
 * per that key all the same, since a new process remembers nothing.
 */
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { decodeCommittedSync } from '../adapters/dynamodb/stream-decoder';
import { type BatchShortfall, type CommittedRecordsReader, type CommittedSync, committedSyncKey, type FeedConsumer } from '../domain/feed/committed-sync';

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
  const deliveryOf = (consumer: FeedConsumer, event: CommittedSync) => `${consumer.name}\u0000${committedSyncKey(event)}`;
  const stages = stagesOf(consumers);

  return {
    async run(streamEvent) {
      const batch = streamEvent.Records ?? [];
      const sequenceOf = (record: DynamoDBRecord, i: number) => record.dynamodb?.SequenceNumber ?? record.eventID ?? String(i);

      // The run of events up to the first record that cannot be decoded (which fails as it is).
      const run: Decoded[] = [];
      let failure: FeedFailure | undefined;
      let failedAt = batch.length;
      for (const [i, record] of batch.entries()) {
        try {
          const event = decodeCommittedSync(record);
          if (event !== undefined) run.push({ record, position: i, event });
        } catch (error) {
          failure = { record, sequenceNumber: sequenceOf(record, i), error };
          failedAt = i;
          break;
        }
      }

      /** The events [0, limit) of the run are still handed on; each failure lowers it to the failed event. */
      let limit = run.length;
      const failAt = (index: number, consumer: FeedConsumer, error: unknown) => {
        const { record, position, event } = run[index] as Decoded;
        failure = { record, sequenceNumber: sequenceOf(record, position), event, consumer: consumer.name, error };
        failedAt = position;
        limit = index;
      };

      for (const stage of stages) {
        if (limit === 0) break;
        if (stage.batched) {
          const { consumer } = stage;
          const pending = run.slice(0, limit).flatMap((d, index) => (taken.has(deliveryOf(consumer, d.event)) ? [] : [{ event: d.event, index }]));
          if (pending.length === 0) continue;
          let shortfall: BatchShortfall | undefined;
          try {
            shortfall = await consumer.consumeBatch(
              pending.map((p) => p.event),
              records,
            );
          } catch (error) {
            shortfall = { index: 0, error };
          }
          const done = shortfall ? Math.max(0, Math.min(shortfall.index, pending.length)) : pending.length;
          for (const p of pending.slice(0, done)) taken.add(deliveryOf(consumer, p.event));
          const failed = pending[done];
          if (shortfall && failed) failAt(failed.index, consumer, shortfall.error);
          continue;
        }
        // One event at a time through the stage's consumers, as before: a failure stops the rest.
        events: for (let index = 0; index < limit; index++) {
          const { event } = run[index] as Decoded;
          for (const consumer of stage.consumers) {
            const delivery = deliveryOf(consumer, event);
            if (taken.has(delivery)) continue;
            try {
              await consumer.consume(event, records);
            } catch (error) {
              failAt(index, consumer, error);
              break events;
            }
            taken.add(delivery);
          }
        }
      }

      for (const { event } of run.slice(0, limit)) observer.delivered?.(event);
      if (!failure) return { batchItemFailures: [], delivered: limit };
      observer.failed?.(failure);
      // The failed record and all after it: Lambda retries from the lowest one reported, in order.
      const batchItemFailures = batch.slice(failedAt).map((r, j) => ({ itemIdentifier: sequenceOf(r, failedAt + j) }));
      return { batchItemFailures, failure, delivered: limit };
    },
  };
}

interface Decoded {
  readonly record: DynamoDBRecord;
  /** Its place in the stream batch. */
  readonly position: number;
  readonly event: CommittedSync;
}

type BatchConsumer = FeedConsumer & Required<Pick<FeedConsumer, 'consumeBatch'>>;

/** Consumers in their order: each batch consumer alone, the others grouped between them (event by event). */
type Stage = { readonly batched: true; readonly consumer: BatchConsumer } | { readonly batched: false; readonly consumers: FeedConsumer[] };

function stagesOf(consumers: readonly FeedConsumer[]): Stage[] {
  const stages: Stage[] = [];
  for (const consumer of consumers) {
    if (consumer.consumeBatch) {
      stages.push({ batched: true, consumer: consumer as BatchConsumer });
      continue;
    }
    const last = stages.at(-1);
    if (last && !last.batched) last.consumers.push(consumer);
    else stages.push({ batched: false, consumers: [consumer] });
  }
  return stages;
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
