/**
 * The change feed's runner over hand-made stream records: every consumer in order, a failure reported
 * with everything after it in the batch (and nothing after it processed), a retry that does not hand
 * an event again to the consumers that already took it, and undecodable records reported, not lost.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { type CommittedRecordsReader, type CommittedSync, committedSyncKey, type FeedConsumer } from '../../lambdas/src/domain/feed/committed-sync';
import { createFeed } from '../../lambdas/src/feed/run-feed';

const PK = 'I#us-east-1:pool#us-east-1:identity';
let sequence = 0;

const head = (dataset: string, syncCount: number, extra: Record<string, unknown> = {}) => ({
  PK,
  SK: `D#${dataset}`,
  syncCount,
  deleted: false,
  floor: 0,
  deletedAt: 0,
  created: 1,
  modified: 2,
  modifiedBy: 'me',
  numRecords: syncCount,
  dataStorage: syncCount * 10,
  ...extra,
});

/** A committed sync of `dataset` from count n-1 to n, as the stream gives it. */
function commit(dataset: string, n: number): DynamoDBRecord {
  sequence++;
  return {
    eventID: `e${sequence}`,
    eventName: n === 1 ? 'INSERT' : 'MODIFY',
    dynamodb: {
      Keys: marshall({ PK, SK: `D#${dataset}` }) as never,
      NewImage: marshall(head(dataset, n)) as never,
      ...(n > 1 ? { OldImage: marshall(head(dataset, n - 1)) as never } : {}),
      SequenceNumber: String(sequence).padStart(21, '0'),
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

function recordItem(): DynamoDBRecord {
  sequence++;
  return {
    eventName: 'INSERT',
    dynamodb: { Keys: marshall({ PK, SK: 'R#ds#=a' }) as never, NewImage: marshall({ PK, SK: 'R#ds#=a', k: 'a' }) as never, SequenceNumber: String(sequence) },
  };
}

const noRecords: CommittedRecordsReader = { recordsOf: async () => [] };

/** A consumer that writes down what it took, and throws while `failing` says so. */
function recorder(name: string, failing: (event: CommittedSync) => boolean = () => false) {
  const taken: string[] = [];
  let calls = 0;
  const consumer: FeedConsumer = {
    name,
    consume: async (event) => {
      calls++;
      if (failing(event)) throw new Error(`${name} is down`);
      taken.push(committedSyncKey(event));
    },
  };
  return { consumer, taken, calls: () => calls };
}

describe('change feed runner', () => {
  it('hands each committed sync to every consumer in order and ignores other items', async () => {
    const order: string[] = [];
    const consumers: FeedConsumer[] = ['first', 'second'].map((name) => ({ name, consume: async (e) => void order.push(`${name}:${e.syncCount}`) }));
    const result = await createFeed(consumers, noRecords).run({ Records: [commit('ds', 1), recordItem(), commit('ds', 2)] });
    expect(result).toMatchObject({ batchItemFailures: [], delivered: 2 });
    expect(order).toEqual(['first:1', 'second:1', 'first:2', 'second:2']);
  });

  it('reports the failed record and all after it, processes none of them, and retries without doubling', async () => {
    let down = true;
    const before = recorder('before');
    const flaky = recorder('flaky', (e) => down && e.syncCount === 2);
    const failures: string[] = [];
    const feed = createFeed([before.consumer, flaky.consumer], noRecords, { failed: (f) => failures.push(`${f.consumer}@${f.event?.syncCount}`) });
    const batch = [commit('ds', 1), commit('ds', 2), commit('ds', 3)];

    const first = await feed.run({ Records: batch });
    expect(first.batchItemFailures).toEqual(batch.slice(1).map((r) => ({ itemIdentifier: r.dynamodb?.SequenceNumber })));
    expect(first.failure).toMatchObject({ consumer: 'flaky', event: { syncCount: 2 } });
    expect(failures).toEqual(['flaky@2']);
    expect(flaky.taken).toHaveLength(1);
    expect(before.taken).toHaveLength(2); // took 2 before flaky failed on it, and never 3

    down = false;
    const retried = await feed.run({ Records: batch.slice(1) });
    expect(retried.batchItemFailures).toEqual([]);
    expect(before.taken).toEqual(batch.map((_, i) => `us-east-1:pool#us-east-1:identity#ds#${i + 1}#sync`));
    expect(flaky.taken).toEqual(before.taken);
  });

  it('reports a head record it cannot decode instead of dropping it', async () => {
    const broken = commit('ds', 2);
    delete broken.dynamodb?.OldImage;
    const taker = recorder('taker');
    const result = await createFeed([taker.consumer], noRecords).run({ Records: [commit('ds', 1), broken] });
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: broken.dynamodb?.SequenceNumber }]);
    expect(result.failure?.consumer).toBeUndefined();
    expect(String(result.failure?.error)).toMatch(/NEW_AND_OLD_IMAGES/);
    expect(taker.taken).toHaveLength(1);
  });
});
