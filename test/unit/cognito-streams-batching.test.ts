/**
 * A burst of committed syncs through the change feed runner into Cognito Streams: the runner hands
 * the run of a stream batch to the consumer at once, which writes many syncs per PutRecords call
 * (per pool, one entry per identity per call), keeps each identity's order, and on a failure
 * reports that stream record and every one after it while nothing is skipped on the retry.
 */
import type { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { KinesisStreamWriter } from '../../lambdas/src/adapters/kinesis/kinesis-stream-writer';
import { type CommittedRecordsReader, type CommittedSync, committedSyncKey, type FeedConsumer } from '../../lambdas/src/domain/feed/committed-sync';
import { CommittedSyncStreaming } from '../../lambdas/src/domain/streams/committed-sync-streaming';
import type { PoolStreaming, StreamingSettings, StreamTarget } from '../../lambdas/src/domain/streams/ports';
import { StreamPublisher } from '../../lambdas/src/domain/streams/stream-publisher';
import { createFeed } from '../../lambdas/src/feed/run-feed';

const POOL_A = 'us-east-1:00000000-0000-4000-8000-00000000000a';
const POOL_B = 'us-east-1:00000000-0000-4000-8000-00000000000b';
const ROLE = 'arn:aws:iam::123456789012:role/streams';
let sequence = 0;

const head = (pk: string, syncCount: number) => ({
  PK: pk,
  SK: 'D#ds',
  syncCount,
  deleted: false,
  floor: 0,
  deletedAt: 0,
  created: 1,
  modified: 1_000 + syncCount,
  modifiedBy: 'me',
  numRecords: 1,
  dataStorage: 10,
});

/** The stream record of a sync of dataset `ds` of (pool, identity) from count n-1 to n. */
function commit(pool: string, identity: string, n: number): DynamoDBRecord {
  sequence++;
  const pk = `I#${pool}#${identity}`;
  return {
    eventID: `e${sequence}`,
    eventName: n === 1 ? 'INSERT' : 'MODIFY',
    dynamodb: {
      Keys: marshall({ PK: pk, SK: 'D#ds' }) as never,
      NewImage: marshall(head(pk, n)) as never,
      ...(n > 1 ? { OldImage: marshall(head(pk, n - 1)) as never } : {}),
      SequenceNumber: String(sequence).padStart(21, '0'),
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

const reader: CommittedRecordsReader = {
  recordsOf: async (event) => [
    { key: 'k', value: String(event.syncCount), syncCount: event.syncCount, lastModifiedDate: 1, deviceLastModifiedDate: 1, lastModifiedBy: 'me' },
  ],
};

/** Both pools stream to their own stream; `disabledAt` switches a pool off as the publisher would. */
class Settings implements StreamingSettings {
  readonly disabled = new Map<string, number>();
  async streamingOf(identityPoolId: string): Promise<PoolStreaming> {
    const disabledAt = this.disabled.get(identityPoolId);
    const StreamingStatus = disabledAt === undefined ? 'ENABLED' : 'DISABLED';
    return { streams: { StreamName: `stream-${identityPoolId}`, RoleArn: ROLE, StreamingStatus }, ...(disabledAt !== undefined && { disabledAt }) };
  }
  async disable(target: StreamTarget, _reason: string, at: number): Promise<void> {
    this.disabled.set(target.identityPoolId, at);
  }
}

interface Written {
  readonly stream: string;
  readonly identityId: string;
  readonly syncCount: number;
}

/** A Kinesis client that counts PutRecords calls and keeps what it took; `down(stream)` fails a whole call. */
function fakeKinesis(down: (stream: string) => boolean = () => false) {
  const calls: { stream: string; size: number }[] = [];
  const written: Written[] = [];
  const client = {
    send: async (command: PutRecordsCommand) => {
      const stream = command.input.StreamName ?? '';
      const records = command.input.Records ?? [];
      calls.push({ stream, size: records.length });
      if (down(stream)) throw Object.assign(new Error('internal failure'), { name: 'InternalFailureException' });
      for (const r of records) {
        const body = JSON.parse(Buffer.from(r.Data ?? []).toString()) as { identityId: string; syncCount: number };
        expect(r.PartitionKey).toBe(body.identityId);
        written.push({ stream, identityId: body.identityId, syncCount: body.syncCount });
      }
      return { FailedRecordCount: 0, Records: records.map((_, i) => ({ SequenceNumber: `${written.length}-${i}`, ShardId: 'shardId-0' })) };
    },
  } as unknown as KinesisClient;
  return { client, calls, written };
}

function streamingOver(client: KinesisClient, settings = new Settings()) {
  const writer = new KinesisStreamWriter({ clientFor: () => client, backoffMs: () => 0 });
  const payloads = { store: async () => 'https://unused' };
  const publisher = new StreamPublisher({ settings, writer, payloads, clock: { now: () => 5_000 } });
  return new CommittedSyncStreaming(settings, publisher);
}

/** A per-event consumer (as usage counters and push are) that writes down what it took. */
function recorder(name: string): { consumer: FeedConsumer; taken: string[] } {
  const taken: string[] = [];
  return { consumer: { name, consume: async (event: CommittedSync) => void taken.push(committedSyncKey(event)) }, taken };
}

/** Each identity's sync counts in the order they reached the stream. */
function countsPerIdentity(written: readonly Written[]): Map<string, number[]> {
  const counts = new Map<string, number[]>();
  for (const w of written) counts.set(w.identityId, [...(counts.get(w.identityId) ?? []), w.syncCount]);
  return counts;
}

const identity = (i: number) => `us-east-1:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

describe('Cognito Streams batched by the change feed runner', () => {
  it('writes a burst of syncs across many identities in far fewer PutRecords calls, in order per identity', async () => {
    const { client, calls, written } = fakeKinesis();
    const before = recorder('usage');
    const after = recorder('push');
    const feed = createFeed([before.consumer, streamingOver(client), after.consumer], reader);
    // 40 identities over two pools, three syncs each, interleaved as a burst would be.
    const batch: DynamoDBRecord[] = [];
    for (let n = 1; n <= 3; n++) for (let i = 0; i < 40; i++) batch.push(commit(i % 2 ? POOL_B : POOL_A, identity(i), n));

    const result = await feed.run({ Records: batch });

    expect(result).toMatchObject({ batchItemFailures: [], delivered: 120 });
    expect(written).toHaveLength(120);
    // Per pool, one entry per identity per call: three calls each for three syncs of 20 identities.
    expect(calls).toHaveLength(6);
    expect(calls.every((c) => c.size === 20)).toBe(true);
    for (const counts of countsPerIdentity(written).values()) expect(counts).toEqual([1, 2, 3]);
    expect(before.taken).toHaveLength(120);
    expect(after.taken).toHaveLength(120);
  });

  it('reports the first event of a failed batch call and all after it, and loses nothing on the retry', async () => {
    let bDown = true;
    const { client, calls, written } = fakeKinesis((stream) => bDown && stream === `stream-${POOL_B}`);
    const after = recorder('push');
    const feed = createFeed([streamingOver(client), after.consumer], reader);
    const batch = [
      commit(POOL_A, identity(1), 1),
      commit(POOL_A, identity(2), 1),
      commit(POOL_B, identity(3), 1),
      commit(POOL_A, identity(1), 2),
      commit(POOL_B, identity(4), 1),
    ];

    const first = await feed.run({ Records: batch });

    expect(first.batchItemFailures).toEqual(batch.slice(2).map((r) => ({ itemIdentifier: r.dynamodb?.SequenceNumber })));
    expect(first.failure).toMatchObject({ consumer: 'cognito-streams', event: { identityId: identity(3) } });
    expect(first.delivered).toBe(2);
    // Pool A's three syncs went out in two calls (identity 1 twice), pool B's one call failed.
    expect(calls.map((c) => [c.stream, c.size])).toEqual([
      [`stream-${POOL_A}`, 2],
      [`stream-${POOL_A}`, 1],
      [`stream-${POOL_B}`, 2],
    ]);
    expect(after.taken).toHaveLength(2); // a consumer after the failing one never sees the failed event or later ones

    bDown = false;
    const retried = await feed.run({ Records: batch.slice(2) });
    expect(retried.batchItemFailures).toEqual([]);
    // Every sync is in its pool's stream (identity 1's second one twice: at least once), in order per identity.
    const counts = countsPerIdentity(written);
    expect(counts.get(identity(1))).toEqual([1, 2, 2]);
    expect(counts.get(identity(2))).toEqual([1]);
    expect(counts.get(identity(3))).toEqual([1]);
    expect(counts.get(identity(4))).toEqual([1]);
    expect(after.taken).toHaveLength(5);
  });

  it('keeps a change from before a switch-off failing in the batch, from that record on', async () => {
    const { client, calls, written } = fakeKinesis();
    const settings = new Settings();
    const feed = createFeed([streamingOver(client, settings)], reader);
    // Pool B was switched off after its first sync committed (modified 1_001) but before its second (1_002).
    settings.disabled.set(POOL_B, 1_001);
    const batch = [commit(POOL_A, identity(1), 1), commit(POOL_A, identity(2), 1), commit(POOL_B, identity(3), 1), commit(POOL_A, identity(1), 2)];

    const result = await feed.run({ Records: batch });

    expect(result.batchItemFailures).toEqual(batch.slice(2).map((r) => ({ itemIdentifier: r.dynamodb?.SequenceNumber })));
    expect(String(result.failure?.error)).toMatch(/switched off/);
    // Pool A's batch went out before pool B was read (its last sync will be sent again on the retry).
    expect(calls.map((c) => c.stream)).toEqual([`stream-${POOL_A}`, `stream-${POOL_A}`]);
    expect(written.map((w) => w.identityId)).toEqual([identity(1), identity(2), identity(1)]);
  });
});
