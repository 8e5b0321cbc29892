/**
 * The change feed's decoder and records reader fed real stream records: written through the real
 * store (small commits, redo-log commits, deletion, re-creation) on DynamoDB Local, read back from
 * the table's stream.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBRecord } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeCommittedSync } from '../../lambdas/src/adapters/dynamodb/stream-decoder';
import { DynamoDBCommittedRecordsReader } from '../../lambdas/src/adapters/dynamodb/stream-records-reader';
import { PART_BYTES } from '../../lambdas/src/adapters/dynamodb/items';
import type { CommittedSync } from '../../lambdas/src/domain/feed/committed-sync';
import type { RecordPatch } from '../../lambdas/src/domain/model';
import { datasetOf, identityPrincipal, paddedValue, POOL, replace, syncFixture } from '../helpers/sync-fixture';
import { readWholeStream } from '../helpers/table-stream';

type Fixture = Awaited<ReturnType<typeof syncFixture>>;
let f: Fixture;
let stream: DynamoDBRecord[];
let events: CommittedSync[];
const identity = `us-east-1:${randomUUID()}`;
// Pseudo-random, not repeated: a head deflates its records, and this one must not fit in one item.
const LARGE_VALUE = paddedValue('large', 0, PART_BYTES + 10);

async function push(name: string, patches: RecordPatch[]) {
  const dataset = datasetOf(identity, name);
  const principal = identityPrincipal(identity);
  const { SyncSessionToken } = await f.service.listRecords(principal, dataset);
  return f.service.updateRecords(principal, { ...dataset, SyncSessionToken, RecordPatches: patches });
}

/** Keys 'k0'..'k<n-1>' at their current counts (0: new). */
const many = (n: number, value: string, syncCount = 0) => Array.from({ length: n }, (_, i) => replace(`k${i}`, value, syncCount));

beforeAll(async () => {
  // Updates of more than 4 items go through the redo log: a mark first, the commit later.
  f = await syncFixture({ transactionItemLimit: 6 });
  await push('small', [replace('a', '1'), replace('b', '22')]); // sync 1
  await push('small', [{ Op: 'remove', Key: 'a', SyncCount: 1 }]); // sync 2
  await push('small', [...many(6, 'v'), replace('big', LARGE_VALUE)]); // sync 3, redo log, a large value
  await f.service.deleteDataset(identityPrincipal(identity), datasetOf(identity, 'small')); // deleted at 3
  await push('small', [replace('b', 'again')]); // sync 4: re-created, a new incarnation (its records count from 0)
  await push('fresh', [...many(8, 'w'), replace('big', LARGE_VALUE)]); // sync 1 of a new dataset, through the redo log
  stream = await readWholeStream(f.client, f.endpoint, f.tableName);
  events = stream.map(decodeCommittedSync).filter((e): e is CommittedSync => e !== undefined);
});

const common = { identityPoolId: POOL, identityId: identity };

describe('change feed decoder on real stream records', () => {
  it('announces each committed sync once and each deletion, nothing else', () => {
    expect(
      events.map(({ kind, datasetName, syncCount, previousSyncCount, dataStorage, previousDataStorage }) => ({
        kind,
        datasetName,
        syncCount,
        previousSyncCount,
        dataStorage,
        previousDataStorage,
      })),
    ).toEqual([
      { kind: 'sync', datasetName: 'small', syncCount: 1, previousSyncCount: 0, dataStorage: 5, previousDataStorage: 0 },
      { kind: 'sync', datasetName: 'small', syncCount: 2, previousSyncCount: 1, dataStorage: 3, previousDataStorage: 5 },
      { kind: 'sync', datasetName: 'small', syncCount: 3, previousSyncCount: 2, dataStorage: 3 + 6 * 3 + 3 + LARGE_VALUE.length, previousDataStorage: 3 },
      { kind: 'delete', datasetName: 'small', syncCount: 3, previousSyncCount: 3, dataStorage: 0, previousDataStorage: 3 + 6 * 3 + 3 + LARGE_VALUE.length },
      { kind: 'sync', datasetName: 'small', syncCount: 4, previousSyncCount: 3, dataStorage: 6, previousDataStorage: 0 },
      { kind: 'sync', datasetName: 'fresh', syncCount: 1, previousSyncCount: 0, dataStorage: 8 * 3 + 3 + LARGE_VALUE.length, previousDataStorage: 0 },
    ]);
    for (const event of events) expect(event).toMatchObject({ ...common, lastModifiedBy: identity });
    for (const event of events) expect(event.lastModifiedDate).toBeGreaterThan(0);
  });

  it('does not announce a redo-log commit while it is only marked', () => {
    const marks = stream.filter((r) => r.dynamodb?.NewImage?.pending !== undefined);
    // The two large updates each marked their head before committing.
    expect(marks).toHaveLength(2);
    expect(marks.map(decodeCommittedSync)).toEqual([undefined, undefined]);
  });

  it('ignores every item that is not a dataset head', () => {
    const others = stream.filter((r) => !r.dynamodb?.Keys?.SK?.S?.startsWith('D#'));
    expect(others.length).toBeGreaterThan(20);
    expect(others.map(decodeCommittedSync).every((e) => e === undefined)).toBe(true);
  });

  it("carries the writer's device when the head names one", () => {
    const head = stream.find((r) => r.dynamodb?.Keys?.SK?.S === 'D#small' && r.eventName === 'INSERT') as DynamoDBRecord;
    const withDevice = structuredClone(head);
    (withDevice.dynamodb as { NewImage: Record<string, unknown> }).NewImage.dev = { S: 'device-1' };
    expect(decodeCommittedSync(head)?.deviceId).toBeUndefined();
    expect(decodeCommittedSync(withDevice)?.deviceId).toBe('device-1');
  });

  it('refuses a head record without its images rather than losing it', () => {
    const head = stream.find((r) => r.dynamodb?.Keys?.SK?.S === 'D#small' && r.eventName === 'MODIFY') as DynamoDBRecord;
    const keysOnly = structuredClone(head);
    delete keysOnly.dynamodb?.NewImage;
    expect(() => decodeCommittedSync(keysOnly)).toThrow(/NEW_AND_OLD_IMAGES/);
    const newOnly = structuredClone(head);
    delete newOnly.dynamodb?.OldImage;
    expect(() => decodeCommittedSync(newOnly)).toThrow(/NEW_AND_OLD_IMAGES/);
  });
});

describe('committed records reader', () => {
  it('reads the records written at exactly the sync count, large values whole', async () => {
    const reader = new DynamoDBCommittedRecordsReader(f.client, f.tableName);
    const fresh = events.find((e) => e.datasetName === 'fresh') as CommittedSync;
    const written = await reader.recordsOf(fresh);
    expect(written.map((r) => [r.key, r.value, r.syncCount]).sort()).toEqual([...many(8, 'w').map((p) => [p.Key, 'w', 1]), ['big', LARGE_VALUE, 1]].sort());
    for (const record of written) expect(record).toMatchObject({ lastModifiedBy: identity, deviceLastModifiedDate: record.lastModifiedDate });
  });

  it("takes a single-item commit's records from the stream image, exactly as committed (no read)", async () => {
    // 'small' lives in one item until its large value moves it out at sync 3.
    const [first, second] = events;
    const reader = new DynamoDBCommittedRecordsReader(f.client, 'no-such-table');
    const shape = (records: readonly { key: string; value?: string; syncCount: number }[]) => records.map((r) => [r.key, r.value, r.syncCount]);
    expect(shape(await reader.recordsOf(first))).toEqual([
      ['a', '1', 1],
      ['b', '22', 1],
    ]);
    // The removal at 2 is a tombstone; 'b', untouched since 1, is not part of that commit.
    expect(shape(await reader.recordsOf(second))).toEqual([['a', undefined, 2]]);
  });

  it('shows what is still there: nothing for a deleted incarnation, only the re-created records after it', async () => {
    const reader = new DynamoDBCommittedRecordsReader(f.client, f.tableName);
    const [, , third, deletion, recreated] = events;
    expect(await reader.recordsOf(third)).toEqual([]);
    expect(await reader.recordsOf(deletion)).toEqual([]);
    expect((await reader.recordsOf(recreated)).map((r) => [r.key, r.value, r.syncCount])).toEqual([['b', 'again', 4]]);
  });
});
