/**
 * The change feed, locally: polls DynamoDB Local's stream of the table and hands each batch, in the
 * shape Lambda gives the deployed function (a DynamoDBStreamEvent), to the same feed (feed/run-feed.ts).
 *
 * - Shards are read parent first, each in order, from the checkpoint (checkpoint-file.ts): after the
 *   last record done with, or from the stream's beginning. A restart thus neither skips a committed
 *   sync nor repeats more than the batch in flight when it stopped.
 * - A batch that fails is retried from the failed record with growing pauses; after `maxAttempts`
 *   that record goes to the failure queue (failure-queue.ts) with one log line, and the shard moves
 *   on: a poison record never blocks it for good. That is Lambda's bounded retries and on-failure
 *   destination, locally.
 * - Records of the replay file are handed to the feed first, once.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type _Record as SdkStreamRecord,
  type Shard,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { DYNAMODB_LOCAL_CLIENT_CONFIG } from '../../src/adapters/dynamodb/local-client';
import type { Feed, FeedFailure } from '../../src/feed/run-feed';
import { openCheckpoint } from './checkpoint-file';
import { enqueueFailure, readReplay } from './failure-queue';
import { ensureTableStream } from './table-stream';
import { toLambdaRecord } from './lambda-shape';

export interface StreamPollerOptions {
  readonly dynamodb: DynamoDBClient;
  readonly dynamoEndpoint: string;
  readonly tableName: string;
  readonly feed: Feed;
  /** Checkpoint, failure queue and replay file live here; in memory without one. */
  readonly dataDir?: string;
  /** Deliveries of one record before it goes to the failure queue. Default 5. */
  readonly maxAttempts?: number;
  /** First pause before a retry, doubled each time up to 5 s. Default 200 ms. */
  readonly retryBaseMs?: number;
  /** Pause when no shard had anything new. Default 250 ms. */
  readonly idleMs?: number;
  /** Where the poller's lines go (a failure sent to the queue, a stream error). Default stderr. */
  readonly log?: (line: string) => void;
}

export interface StreamPoller {
  /** Resolves once the loop has stopped (after the batch in flight). */
  stop(): Promise<void>;
}

/** GetRecords' own maximum is 1,000; a Lambda event source's default batch is 100. */
const BATCH_SIZE = 100;
const MAX_RETRY_PAUSE_MS = 5_000;
const SHARD_LIST_MS = 2_000;

export async function startStreamPoller(options: StreamPollerOptions): Promise<StreamPoller> {
  const streamArn = await ensureTableStream(options.dynamodb, options.tableName);
  const streams = new DynamoDBStreamsClient({ ...DYNAMODB_LOCAL_CLIENT_CONFIG, endpoint: options.dynamoEndpoint });
  const checkpoint = openCheckpoint(streamArn, options.dataDir);
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const maxAttempts = options.maxAttempts ?? 5;
  const retryBaseMs = options.retryBaseMs ?? 200;
  const idleMs = options.idleMs ?? 250;

  let stopping = false;
  let wake: (() => void) | undefined;
  /** A pause that `stop` cuts short. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  /**
   * Hands `records` (one shard's, in order) to the feed until each is delivered or sent to the
   * failure queue; `done` is told each record the shard is done with.
   */
  const deliver = async (records: DynamoDBRecord[], done: (sequenceNumber: string) => void): Promise<boolean> => {
    let rest = records;
    let attempts = 0;
    let failedAt: string | undefined;
    while (rest.length > 0) {
      const result = await options.feed.run({ Records: rest } satisfies DynamoDBStreamEvent);
      const failed = new Set(result.batchItemFailures.map((f) => f.itemIdentifier));
      const firstFailed = rest.findIndex((r) => failed.has(sequenceOf(r)));
      const succeeded = firstFailed < 0 ? rest : rest.slice(0, firstFailed);
      const last = succeeded[succeeded.length - 1];
      if (last) done(sequenceOf(last));
      if (firstFailed < 0 || !result.failure) return true;
      rest = rest.slice(firstFailed);
      const sequenceNumber = sequenceOf(rest[0]);
      attempts = failedAt === sequenceNumber ? attempts + 1 : 1;
      failedAt = sequenceNumber;
      if (attempts >= maxAttempts) {
        sendToFailureQueue(result.failure, attempts);
        done(sequenceNumber);
        rest = rest.slice(1);
        attempts = 0;
        failedAt = undefined;
        continue;
      }
      if (stopping) return false;
      await pause(Math.min(MAX_RETRY_PAUSE_MS, retryBaseMs * 2 ** (attempts - 1)));
      if (stopping) return false;
    }
    return true;
  };

  const sendToFailureQueue = (failure: FeedFailure, attempts: number) => {
    const error = failure.error instanceof Error ? `${failure.error.name}: ${failure.error.message}` : String(failure.error);
    const file = enqueueFailure(options.dataDir, {
      failedAt: new Date().toISOString(),
      attempts,
      ...(failure.consumer ? { consumer: failure.consumer } : {}),
      error,
      ...(failure.event ? { event: failure.event } : {}),
      record: failure.record,
    });
    const what = failure.event ? `${failure.event.kind} ${failure.event.datasetName}@${failure.event.syncCount}` : `record ${failure.sequenceNumber}`;
    log(
      `change feed: ${what} failed ${attempts} times (${failure.consumer ?? 'decoding'}: ${error}); ` +
        (file ? `kept in ${file}` : `dropped (in memory, no failure queue): ${JSON.stringify(failure.record)}`),
    );
  };

  const replay = async () => {
    const replayed = readReplay(options.dataDir);
    if (!replayed) return;
    if (await deliver(replayed.records, () => undefined)) replayed.setAside();
  };

  /** Open iterators by shard; absent until the shard is first read. */
  const iterators = new Map<string, string>();

  const iteratorFor = async (shardId: string): Promise<string | undefined> => {
    const known = iterators.get(shardId);
    if (known) return known;
    const { after } = checkpoint.position(shardId);
    const iterator = await streams
      .send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shardId,
          ...(after ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after } : { ShardIteratorType: 'TRIM_HORIZON' }),
        }),
      )
      .catch((e: unknown) => {
        // The checkpoint is older than the stream's 24 hours: what is left starts at its beginning.
        if (!(e instanceof TrimmedDataAccessException)) throw e;
        return streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }));
      });
    return iterator.ShardIterator;
  };

  /** Reads one page of a shard and delivers it; true when it had records. */
  const pollShard = async (shard: Shard, toLambda: (r: SdkStreamRecord) => DynamoDBRecord): Promise<boolean> => {
    const shardId = shard.ShardId as string;
    const iterator = await iteratorFor(shardId);
    if (!iterator) {
      checkpoint.finish(shardId);
      return false;
    }
    let page: GetRecordsCommandOutput;
    try {
      page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: BATCH_SIZE }));
    } catch (e) {
      if (!(e instanceof ExpiredIteratorException || e instanceof TrimmedDataAccessException)) throw e;
      iterators.delete(shardId);
      return false;
    }
    const records = (page.Records ?? []).map(toLambda);
    if (records.length > 0) {
      const completed = await deliver(records, (sequenceNumber) => checkpoint.advance(shardId, sequenceNumber));
      // Stopped mid-batch: the next start reads again from the checkpoint.
      if (!completed) return true;
    }
    if (page.NextShardIterator) iterators.set(shardId, page.NextShardIterator);
    else {
      iterators.delete(shardId);
      checkpoint.finish(shardId);
    }
    return records.length > 0;
  };

  const listShards = async (): Promise<Shard[]> => {
    const shards: Shard[] = [];
    let ExclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId }));
      shards.push(...(StreamDescription?.Shards ?? []));
      ExclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (ExclusiveStartShardId);
    return shards;
  };

  const toLambda = (record: SdkStreamRecord) => toLambdaRecord(record, streamArn);

  let shards: Shard[] = [];
  let present = new Set<string>();
  let listedAt = Number.NEGATIVE_INFINITY;

  const loop = async () => {
    await replay();
    while (!stopping) {
      let busy = false;
      try {
        // The shards change rarely (a new one every few hours): listed again every few seconds.
        if (Date.now() - listedAt >= SHARD_LIST_MS) {
          shards = await listShards();
          listedAt = Date.now();
          present = new Set(shards.map((s) => s.ShardId as string));
          checkpoint.retain(present);
        }
        for (const shard of shards) {
          if (stopping) break;
          const shardId = shard.ShardId as string;
          if (checkpoint.position(shardId).finished) continue;
          // A child shard waits until its parent (when the stream still has it) is read to its end.
          const parent = shard.ParentShardId;
          if (parent && present.has(parent) && !checkpoint.position(parent).finished) continue;
          if (await pollShard(shard, toLambda)) busy = true;
        }
      } catch (e) {
        if (stopping) break;
        log(`change feed: reading the stream failed, retrying: ${(e as Error).message}`);
      }
      if (!busy && !stopping) await pause(idleMs);
    }
  };

  const running = loop();
  return {
    stop: async () => {
      stopping = true;
      wake?.();
      await running;
      streams.destroy();
    },
  };
}

const sequenceOf = (record: DynamoDBRecord): string => record.dynamodb?.SequenceNumber ?? record.eventID ?? '';
