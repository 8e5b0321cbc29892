/**
 * The Kinesis writer's batching and retries, over a Kinesis client that fails as told: a burst goes
 * out in PutRecords calls of up to 500, the entries Kinesis refuses are retried until they are in,
 * one partition key's entries stay in order whatever fails, a Kinesis failing for a while loses
 * nothing, and a missing stream is a StreamUnavailableError.
 */
import type { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { KinesisStreamWriter } from '../../lambdas/src/adapters/kinesis/kinesis-stream-writer';
import { MAX_ENTRIES_PER_CALL } from '../../lambdas/src/adapters/kinesis/put-records-batches';
import { type StreamEntry, StreamUnavailableError } from '../../lambdas/src/domain/streams/ports';

const TARGET = { identityPoolId: 'us-east-1:pool', streamName: 'stream', roleArn: 'arn:aws:iam::123456789012:role/r' };

interface Call {
  readonly entries: { key: string; n: number }[];
}

/** A fake client: `decide(call index, entry index)` says whether Kinesis takes an entry; `fail(call)` fails a whole call. */
function fakeKinesis(decide: (call: number, entry: number) => boolean, fail?: (call: number) => Error | undefined) {
  const calls: Call[] = [];
  const written: { key: string; n: number }[] = [];
  const client = {
    send: async (command: PutRecordsCommand) => {
      const call = calls.length;
      const entries = (command.input.Records ?? []).map((r) => ({ key: r.PartitionKey ?? '', n: Number(Buffer.from(r.Data ?? []).toString()) }));
      calls.push({ entries });
      const error = fail?.(call);
      if (error) throw error;
      const Records = entries.map((entry, i) => {
        if (!decide(call, i)) return { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'slow down' };
        written.push(entry);
        return { SequenceNumber: String(written.length), ShardId: 'shardId-0' };
      });
      return { Records, FailedRecordCount: Records.filter((r) => 'ErrorCode' in r).length };
    },
  } as unknown as KinesisClient;
  return { client, calls, written };
}

const entry = (key: string, n: number): StreamEntry => ({ partitionKey: key, data: Buffer.from(String(n)) });
const writerOver = (client: KinesisClient) => new KinesisStreamWriter({ clientFor: () => client, backoffMs: () => 0 });

describe('KinesisStreamWriter', () => {
  it('sends a burst across many identities in PutRecords calls of up to 500', async () => {
    const { client, calls, written } = fakeKinesis(() => true);
    const burst = Array.from({ length: 1_200 }, (_, i) => entry(`identity-${i}`, i));
    await writerOver(client).put(TARGET, burst);
    expect(calls.map((c) => c.entries.length)).toEqual([MAX_ENTRIES_PER_CALL, MAX_ENTRIES_PER_CALL, 200]);
    expect(written).toHaveLength(1_200);
  });

  it('retries only the entries Kinesis refused, and keeps each identity in order', async () => {
    // Every other entry of the first two calls is refused.
    const { client, written } = fakeKinesis((call, i) => call > 1 || i % 2 === 0);
    const entries = ['a', 'b', 'c', 'd'].flatMap((key) => [1, 2, 3].map((n) => entry(key, n)));
    await writerOver(client).put(TARGET, entries);
    expect(written).toHaveLength(entries.length);
    for (const key of ['a', 'b', 'c', 'd']) expect(written.filter((w) => w.key === key).map((w) => w.n)).toEqual([1, 2, 3]);
  });

  it('loses nothing while Kinesis fails for a while', async () => {
    const outage = Object.assign(new Error('internal failure'), { name: 'InternalFailure' });
    const { client, written } = fakeKinesis(
      () => true,
      (call) => (call < 3 ? outage : undefined),
    );
    const writer = writerOver(client);
    const entries = [entry('a', 1), entry('b', 1)];
    // The feed retries a failed event: the first attempts fail, a later one writes everything.
    for (let attempt = 0; attempt < 3; attempt++) await expect(writer.put(TARGET, entries)).rejects.toThrow('internal failure');
    await writer.put(TARGET, entries);
    expect(written).toEqual([
      { key: 'a', n: 1 },
      { key: 'b', n: 1 },
    ]);
  });

  it('sends again an entry the answer does not account for', async () => {
    const { client, calls } = fakeKinesis(() => true);
    const truncating = {
      send: async (command: PutRecordsCommand) => {
        const out = (await client.send(command)) as { Records: unknown[] };
        // The first answer lists only the first entry.
        return calls.length === 1 ? { ...out, Records: out.Records.slice(0, 1) } : out;
      },
    } as unknown as KinesisClient;
    await writerOver(truncating).put(TARGET, [entry('a', 1), entry('b', 1)]);
    expect(calls.map((c) => c.entries.map((e) => e.key))).toEqual([['a', 'b'], ['b']]);
  });

  it('gives the entries back when Kinesis keeps refusing them', async () => {
    const { client } = fakeKinesis(() => false);
    await expect(writerOver(client).put(TARGET, [entry('a', 1)])).rejects.toThrow(/kept refusing 1 record/);
  });

  it('reports a stream that does not exist as unavailable', async () => {
    const gone = Object.assign(new Error('Stream stream under account 123456789012 not found.'), { name: 'ResourceNotFoundException' });
    const { client } = fakeKinesis(
      () => true,
      () => gone,
    );
    await expect(writerOver(client).put(TARGET, [entry('a', 1)])).rejects.toBeInstanceOf(StreamUnavailableError);
  });
});
