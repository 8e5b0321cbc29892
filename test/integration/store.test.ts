/**
 * The domain service over the DynamoDB adapter, against DynamoDB Local: atomic commits of any size,
 * large values, crash recovery, contention and the round-trip budget.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { isSingleItemHead } from '../../lambdas/src/adapters/dynamodb/items';
import type { SyncError } from '../../lambdas/src/errors';
import { datasetOf, identityPrincipal, paddedValue, perRecordLayout, replace, syncFixture } from '../helpers/sync-fixture';

type Fixture = Awaited<ReturnType<typeof syncFixture>>;
let f: Fixture;

beforeAll(async () => {
  f = await syncFixture();
});

const newIdentity = () => `us-east-1:${randomUUID()}`;

async function push(identityId: string, patches: Parameters<typeof replace>[] | ReturnType<typeof replace>[], name = 'settings') {
  const dataset = datasetOf(identityId, name);
  const principal = identityPrincipal(identityId);
  const { SyncSessionToken } = await f.service.listRecords(principal, dataset);
  const RecordPatches = patches.map((p) => (Array.isArray(p) ? replace(...p) : p));
  return f.service.updateRecords(principal, { ...dataset, SyncSessionToken, RecordPatches });
}

async function listAll(identityId: string, lastSyncCount = 0, name = 'settings') {
  const dataset = datasetOf(identityId, name);
  const principal = identityPrincipal(identityId);
  const records = [];
  let NextToken: string | undefined;
  let last: Awaited<ReturnType<typeof f.service.listRecords>> | undefined;
  do {
    last = await f.service.listRecords(principal, { ...dataset, LastSyncCount: lastSyncCount, NextToken });
    records.push(...last.Records);
    NextToken = last.NextToken;
  } while (NextToken);
  return { ...last, Records: records };
}

const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: SyncError) => e,
  );

describe('DynamoDB store: sync semantics', () => {
  it('round-trips records, tombstones, deletion and re-creation', async () => {
    const id = newIdentity();
    await push(id, [
      ['a', '1'],
      ['b', '2'],
    ]);
    await push(id, [{ Op: 'remove', Key: 'a', SyncCount: 1 }]);
    const listed = await listAll(id);
    expect(listed.DatasetSyncCount).toBe(2);
    expect(listed.Records.map((r) => [r.Key, r.Value, r.SyncCount])).toEqual([
      ['b', '2', 1],
      ['a', undefined, 2],
    ]);

    const { Dataset } = await f.service.describeDataset(identityPrincipal(id), datasetOf(id));
    expect(Dataset).toMatchObject({ NumRecords: 1, DataStorage: 2, LastModifiedBy: id });

    await f.service.deleteDataset(identityPrincipal(id), datasetOf(id));
    expect((await listAll(id, 2)).DatasetExists).toBe(false);
    const usage = await f.service.describeIdentityUsage(identityPrincipal(id), datasetOf(id));
    expect(usage.IdentityUsage).toMatchObject({ DatasetCount: 0, DataStorage: 0 });

    // Re-created: continues from the final count; old records are gone, old counts do not conflict.
    const again = await push(id, [['b', 'new', 0]]);
    expect(again.Records[0].SyncCount).toBe(3);
    const after = await listAll(id, 1);
    expect(after).toMatchObject({ DatasetExists: true, DatasetDeletedAfterRequestedSyncCount: true, DatasetSyncCount: 3 });
    expect(after.Records.map((r) => [r.Key, r.Value])).toEqual([['b', 'new']]);
  });

  it('enforces the 20-dataset limit per identity, also for datasets created at the same time', async () => {
    const id = newIdentity();
    const results = await Promise.allSettled(Array.from({ length: 24 }, (_, i) => push(id, [['k', 'v']], `ds-${i}`)));
    const refused = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(results.length - refused.length).toBe(20);
    expect(refused.map((r) => (r.reason as SyncError).name)).toEqual(Array(4).fill('LimitExceededException'));
    const listed = await f.service.listDatasets(identityPrincipal(id), { IdentityPoolId: datasetOf(id).IdentityPoolId, IdentityId: id });
    expect(listed.Count).toBe(20);
  });
});

describe('DynamoDB store: large values and large updates', () => {
  it('stores a value of 1,048,575 characters and multi-byte values across parts, intact', async () => {
    const id = newIdentity();
    const longest = 'x'.repeat(1_048_575);
    await push(id, [['k', longest]]);
    let listed = await listAll(id);
    expect(listed.Records[0].Value?.length).toBe(1_048_575);
    expect(listed.Records[0].Value === longest).toBe(true);

    // 300,000 euro signs: 900,000 UTF-8 bytes, cut into parts between characters.
    const euros = '€'.repeat(300_000);
    await push(id, [['k', euros, 1]]);
    listed = await listAll(id);
    expect(listed.Records[0].Value === euros).toBe(true);
    // And back to a small value: the old parts are cleaned up with the same commit.
    await push(id, [['k', 'small', 2]]);
    listed = await listAll(id);
    expect(listed.Records[0].Value).toBe('small');
    const parts = await f.client.send(
      new QueryCommand({
        TableName: f.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :v)',
        ExpressionAttributeValues: { ':pk': { S: `I#${datasetOf(id).IdentityPoolId}#${id}` }, ':v': { S: 'V#' } },
      }),
    );
    expect(parts.Count).toBe(0);
  });

  it('keeps a record key of 1,024 characters addressable', async () => {
    const id = newIdentity();
    const key = 'é'.repeat(1024);
    await push(id, [[key, 'v']]);
    const out = await push(id, [[key, 'w', 1]]);
    expect(out.Records[0]).toMatchObject({ Key: key, Value: 'w', SyncCount: 2 });
  });

  it('commits 1,024 patches (over the 100-item transaction cap) as one sync count', async () => {
    const id = newIdentity();
    const patches = Array.from({ length: 1024 }, (_, i) => replace(`key-${i}`, `value-${i}`));
    const out = await push(id, patches);
    expect(new Set(out.Records.map((r) => r.SyncCount))).toEqual(new Set([1]));
    const listed = await listAll(id);
    expect(listed.Records).toHaveLength(1024);
    expect(listed.DatasetSyncCount).toBe(1);
    const { Dataset } = await f.service.describeDataset(identityPrincipal(id), datasetOf(id));
    expect(Dataset.NumRecords).toBe(1024);

    // A stale patch among 1,024 still rejects the whole update.
    const mixed = Array.from({ length: 1024 }, (_, i) => replace(`key-${i}`, `next-${i}`, i === 700 ? 0 : 1));
    const e = await errorOf(push(id, mixed));
    expect(e?.message).toBe('Current SyncCount for: key-700 is: 1 not: 0');
    expect((await listAll(id)).Records.every((r) => r.Value?.startsWith('value-'))).toBe(true);
    // Two redo-log commits of 1,024 records: seconds alone, far longer on a loaded machine.
  }, 120_000);
});

/**
 * The layouts (docs/decisions.md#small-datasets-live-in-one-item): 150 records of 200 bytes (~32 KB)
 * are over the single-item threshold, 150 short ones (~2 KB) under it. With the per-record layout
 * forced (SYNC_SINGLE_ITEM_MAX_BYTES=0) every scenario is a large per-record update.
 */
const LARGE_PAD = 200;
const SCENARIOS = [
  { name: 'a large update', oldPad: LARGE_PAD, newPad: LARGE_PAD },
  { name: 'a conversion out of the single item (it grows past the threshold)', oldPad: 0, newPad: LARGE_PAD },
  { name: 'a conversion back into the single item (it shrinks under half of it)', oldPad: LARGE_PAD, newPad: 0 },
] as const;

const headKeyOf = (id: string) => ({ PK: { S: `I#${datasetOf(id).IdentityPoolId}#${id}` }, SK: { S: 'D#settings' } });

async function headItem(id: string) {
  return (await f.client.send(new GetItemCommand({ TableName: f.tableName, Key: headKeyOf(id), ConsistentRead: true }))).Item;
}

/** The record items (`R#`) and value parts (`V#`) a dataset has in the table. */
async function itemCount(id: string, prefix: 'R#' | 'V#') {
  const out = await f.client.send(
    new QueryCommand({
      TableName: f.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)',
      ExpressionAttributeValues: { ':pk': { S: `I#${datasetOf(id).IdentityPoolId}#${id}` }, ':p': { S: prefix } },
      ConsistentRead: true,
    }),
  );
  return out.Count ?? 0;
}

const crashWriter = path.join(__dirname, '../helpers/crash-writer.ts');

function runWriter(identityId: string, crashAt: string, value: string, pad: number, leaseMs: number) {
  return spawnSync(process.execPath, ['--import', 'tsx', crashWriter], {
    env: {
      ...process.env,
      DYNAMO_ENDPOINT: f.endpoint,
      TABLE_NAME: f.tableName,
      IDENTITY_ID: identityId,
      CRASH_AT: crashAt,
      PATCHES: '150',
      VALUE: value,
      PAD: String(pad),
      LEASE_MS: String(leaseMs),
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

const seed = (id: string, pad: number) =>
  push(
    id,
    Array.from({ length: 150 }, (_, i) => replace(`key-${i}`, paddedValue('old', i, pad))),
  );

describe('DynamoDB store: a writer killed between the steps of a large commit', () => {
  const LEASE_MS = 400;
  for (const scenario of SCENARIOS) {
    for (const [step, visible] of [
      ['log-written', false],
      ['marked', true],
      ['applied-half', true],
      ['applied', true],
    ] as const) {
      it(`${scenario.name}: after "${step}" the next reader sees ${visible ? 'all' : 'nothing'} of it`, async () => {
        const id = newIdentity();
        await seed(id, scenario.oldPad);
        const run = runWriter(id, step, 'new', scenario.newPad, LEASE_MS);
        expect(run.signal, run.stderr).toBe('SIGKILL');

        const listed = await listAll(id);
        const expected = visible ? { prefix: 'new', pad: scenario.newPad } : { prefix: 'old', pad: scenario.oldPad };
        const values = new Map(listed.Records.map((r) => [r.Key, r.Value]));
        expect(values).toEqual(new Map(Array.from({ length: 150 }, (_, i) => [`key-${i}`, paddedValue(expected.prefix, i, expected.pad)])));
        expect(listed.Records).toHaveLength(150);
        expect(listed.DatasetSyncCount).toBe(visible ? 2 : 1);
        // The layout the visible state calls for, and nothing of the other left behind.
        const single = !perRecordLayout() && expected.pad === 0;
        expect(isSingleItemHead((await headItem(id)) ?? {})).toBe(single);
        expect(await itemCount(id, 'R#')).toBe(single ? 0 : 150);
        // And the dataset takes the next write normally.
        const next = await push(id, [replace('key-0', 'after', visible ? 2 : 1)]);
        expect(next.Records[0].SyncCount).toBe(visible ? 3 : 2);
      });
    }
  }
});

describe('DynamoDB store: two readers finishing the same stalled commit', () => {
  it('lets the one that finds the log already gone carry on, once the mark is gone too', async () => {
    const id = newIdentity();
    await seed(id, LARGE_PAD);
    const run = runWriter(id, 'marked', 'new', LARGE_PAD, 200);
    expect(run.signal, run.stderr).toBe('SIGKILL');
    const stale = await headItem(id);
    expect(stale?.pending).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 250)); // the dead writer's lease runs out

    // The first reader rolls the commit forward and removes its log.
    expect((await listAll(id)).DatasetSyncCount).toBe(2);
    // The second read the head while it was still marked: it goes for a log that is gone.
    let replay = true;
    f.client.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        if (replay && context.commandName === 'GetItemCommand') {
          replay = false;
          (out.output as { Item?: unknown }).Item = unmarshall(stale!);
        }
        return out;
      },
      { step: 'initialize', name: 'staleHead' },
    );
    try {
      const listed = await listAll(id);
      expect(replay).toBe(false);
      expect(listed.DatasetSyncCount).toBe(2);
      expect(new Set(listed.Records.map((r) => r.Value?.split('-')[0]))).toEqual(new Set(['new']));
    } finally {
      f.client.middlewareStack.remove('staleHead');
    }
  });
});

describe('DynamoDB store: conversions under contention', () => {
  /**
   * Writers race over a dataset whose commits cross the threshold, while a reader lists it again and
   * again. Each writer changes its own record once, so the quiet state at the end says what every
   * listing at sync count n must show: each record whose last change is at or below n exactly as it
   * ends; a record changed above n either as it was first written or (per-record layout: overwritten
   * between the head read and the query, it is left out until the next sync) not at all. Never a
   * value of a commit above n, never a lost update.
   */
  async function race(id: string, writers: number, value: (w: number) => string) {
    const dataset = datasetOf(id);
    const principal = identityPrincipal(id);
    const first = await listAll(id);
    let writing = true;
    const listings: Awaited<ReturnType<typeof listAll>>[] = [];
    const reader = (async () => {
      while (writing) listings.push(await listAll(id));
    })();
    const results = await Promise.allSettled(
      Array.from({ length: writers }, async (_, w) => {
        // Each writer retries its own record until it lands: conflicts come from the head moving.
        for (;;) {
          const listed = await listAll(id);
          const current = listed.Records.find((r) => r.Key === `key-${w}`)?.SyncCount ?? 0;
          try {
            return await f.service.updateRecords(principal, {
              ...dataset,
              SyncSessionToken: listed.SyncSessionToken,
              RecordPatches: [replace(`key-${w}`, value(w), current)],
            });
          } catch (e) {
            if ((e as SyncError).name !== 'ResourceConflictException') throw e;
          }
        }
      }),
    );
    writing = false;
    await reader;
    expect(results.map((r) => r.status)).toEqual(Array(writers).fill('fulfilled'));
    const last = await listAll(id);
    expect(last.DatasetSyncCount).toBe(1 + writers);
    const final = new Map(last.Records.map((r) => [r.Key, r]));
    const initial = new Map(first.Records.map((r) => [r.Key, r]));
    expect(final.size).toBe(initial.size);
    for (let w = 0; w < writers; w++) expect(final.get(`key-${w}`)?.Value).toBe(value(w));
    for (const listing of listings) {
      const n = listing.DatasetSyncCount ?? 0;
      const shown = new Map(listing.Records.map((r) => [r.Key, [r.Value, r.SyncCount]]));
      for (const [key, end] of final) {
        if (end.SyncCount <= n) expect(shown.get(key), `${key} at ${n}`).toEqual([end.Value, end.SyncCount]);
        else if (shown.has(key)) expect(shown.get(key), `${key} at ${n}`).toEqual([initial.get(key)?.Value, 1]);
      }
    }
    expect(listings.length).toBeGreaterThan(0);
  }

  it('grows a single item past the threshold while writers race: no update lost, no commit seen in part', async () => {
    const id = newIdentity();
    // 14 records of 1 KB: under 16 KB (about 12 KB deflated); the writers' 2 KB values push it over.
    await push(
      id,
      Array.from({ length: 14 }, (_, i) => replace(`key-${i}`, paddedValue('old', i, 1000))),
    );
    await race(id, 8, (w) => paddedValue('big', w, 2000));
    expect(isSingleItemHead((await headItem(id)) ?? {})).toBe(false);
    expect(await itemCount(id, 'R#')).toBe(14);
  });

  it('shrinks a per-record dataset back into one item while writers race: no update lost, no commit seen in part', async () => {
    const id = newIdentity();
    // 12 records of 2 KB (24 KB, per record); each writer shrinks one to a few bytes.
    await push(
      id,
      Array.from({ length: 12 }, (_, i) => replace(`key-${i}`, paddedValue('old', i, 2000))),
    );
    await race(id, 12, (w) => paddedValue('small', w));
    const single = !perRecordLayout();
    expect(isSingleItemHead((await headItem(id)) ?? {})).toBe(single);
    expect(await itemCount(id, 'R#')).toBe(single ? 0 : 12);
  });
});

describe('DynamoDB store: a listing across two conversions', () => {
  it('lists again when the dataset moves into one item and back out while its index Query runs (A to B to A)', async () => {
    const id = newIdentity();
    // 12 records of 2 KB: per record. Shrinking ten of them moves the dataset into one item (B), the
    // other two keeping sync count 1; growing the ten again moves it back out (A), and the two are
    // record items again, still at count 1.
    await push(
      id,
      Array.from({ length: 12 }, (_, i) => replace(`key-${i}`, paddedValue('old', i, 2000))),
    );
    const ten = (value: (i: number) => string, syncCount: number) => Array.from({ length: 10 }, (_, i) => replace(`key-${i}`, value(i), syncCount));
    let armed = true;
    f.client.middlewareStack.add(
      (next, context) => async (args) => {
        const ours =
          context.commandName === 'QueryCommand' && (args.input as { IndexName?: string }).IndexName !== undefined && JSON.stringify(args.input).includes(id);
        if (!armed || !ours) return next(args);
        armed = false;
        // The listing has read the head (per record, count 1): its Query runs while the records are
        // in the head, and the head is per record again when the listing reads it a second time.
        await push(
          id,
          ten((i) => paddedValue('small', i), 1),
        );
        const out = await next(args);
        await push(
          id,
          ten((i) => paddedValue('big', i, 2000), 2),
        );
        return out;
      },
      { step: 'initialize', name: 'twoConversions' },
    );
    let listed: Awaited<ReturnType<typeof listAll>>;
    try {
      listed = await listAll(id);
      expect(armed).toBe(false);
    } finally {
      f.client.middlewareStack.remove('twoConversions');
    }
    // Every record whose last change is at or below the count the listing answers with is in it, as
    // it is now: key-10 and key-11 never changed after count 1, so a device told it is at count 1
    // or more would never be sent them again.
    const final = await listAll(id);
    expect(final.DatasetSyncCount).toBe(3);
    const n = listed.DatasetSyncCount ?? 0;
    const shown = new Map(listed.Records.map((r) => [r.Key, [r.Value, r.SyncCount]]));
    for (const record of final.Records) {
      if (record.SyncCount <= n) expect(shown.get(record.Key), `${record.Key} at ${n}`).toEqual([record.Value, record.SyncCount]);
    }
    expect(shown.get('key-11')).toEqual([paddedValue('old', 11, 2000), 1]);
    expect(isSingleItemHead((await headItem(id)) ?? {})).toBe(false);
  });
});

describe('DynamoDB store: contention', () => {
  it('lets exactly one of many writers of one record win each round; every loser gets 409', async () => {
    const id = newIdentity();
    const dataset = datasetOf(id);
    const principal = identityPrincipal(id);
    let expectedCount = 0;
    for (let round = 0; round < 5; round++) {
      const { SyncSessionToken } = await f.service.listRecords(principal, dataset);
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, (_, w) =>
          f.service.updateRecords(principal, {
            ...dataset,
            SyncSessionToken,
            RecordPatches: [replace('hot', `round-${round}-writer-${w}`, expectedCount)],
          }),
        ),
      );
      const won = results.filter((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ Records: { SyncCount: number; Value?: string }[] }>[];
      const lost = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
      expect(won).toHaveLength(1);
      expect(lost.map((r) => (r.reason as SyncError).name)).toEqual(Array(11).fill('ResourceConflictException'));
      expectedCount++;
      expect(won[0].value.Records[0].SyncCount).toBe(expectedCount);
      const listed = await listAll(id);
      expect(listed.Records[0].Value).toBe(won[0].value.Records[0].Value);
    }
  });

  it('gives writers of different records each their own sync count and loses none of them', async () => {
    const id = newIdentity();
    await push(id, [['seed', '0']]);
    const writers = 10;
    const results = await Promise.allSettled(Array.from({ length: writers }, (_, w) => push(id, [[`k${w}`, `v${w}`]])));
    const counts = results.map((r) => (r.status === 'fulfilled' ? r.value.Records[0].SyncCount : -1));
    expect(counts.filter((c) => c > 0)).toHaveLength(writers);
    expect(new Set(counts).size).toBe(writers);
    const listed = await listAll(id);
    expect(listed.DatasetSyncCount).toBe(1 + writers);
    expect(listed.Records).toHaveLength(1 + writers);
  });
});

/** 20 records of 1 KB: over the single-item threshold, so in the per-record layout whatever the run. */
const largeDataset = (id: string) =>
  push(
    id,
    Array.from({ length: 20 }, (_, i) => replace(`key-${i}`, paddedValue('v', i, 1000))),
  );

describe('DynamoDB store: ListRecords of a per-record dataset reads the head, then the records', () => {
  it('leaves out whole a commit that lands between the two reads, and the next listing shows it', async () => {
    const id = newIdentity();
    const dataset = datasetOf(id);
    const principal = identityPrincipal(id);
    await largeDataset(id);
    const { SyncSessionToken } = await f.service.listRecords(principal, dataset);

    // Stage the race: the head is read before a commit, the records query after it.
    let armed = true;
    f.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (armed && context.commandName === 'QueryCommand') {
          armed = false;
          await f.service.updateRecords(principal, { ...dataset, SyncSessionToken, RecordPatches: [replace('b', '2'), replace('key-3', 'changed', 1)] });
        }
        return next(args);
      },
      { step: 'initialize', name: 'raceACommit' },
    );
    try {
      const listed = await f.service.listRecords(principal, dataset);
      expect(armed).toBe(false);
      // The answer is the dataset at 1: b (at 2) is not in it, key-3's newer version neither.
      expect(listed.DatasetSyncCount).toBe(1);
      expect(listed.Records.every((r) => r.SyncCount === 1 && r.Value?.startsWith('v-'))).toBe(true);
      // A client that stores 1 as its last sync count gets the commit at 2 whole, next time.
      const next = await f.service.listRecords(principal, { ...dataset, LastSyncCount: 1 });
      expect(next.Records.map((r) => [r.Key, r.Value, r.SyncCount]).sort()).toEqual([
        ['b', '2', 2],
        ['key-3', 'changed', 2],
      ]);
    } finally {
      f.client.middlewareStack.remove('raceACommit');
    }
  });
});

describe('DynamoDB store: UpdateRecords reads, then commits on the head it read', () => {
  it('refuses an update whose read a concurrent commit overtook (it commits between our read and our write)', async () => {
    const id = newIdentity();
    const dataset = datasetOf(id);
    const principal = identityPrincipal(id);
    await push(id, [['k', 'first']]);
    const { SyncSessionToken } = await f.service.listRecords(principal, dataset);

    // Stage it: our read of record k (the head itself in one item, a BatchGetItem per record) returns
    // k at 1, and before our write another writer moves k to 2.
    const readOfRecords = perRecordLayout() ? 'BatchGetItemCommand' : 'GetItemCommand';
    let armed = true;
    f.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (!armed || context.commandName !== readOfRecords) return next(args);
        armed = false;
        const read = await next(args);
        await f.service.updateRecords(principal, { ...dataset, SyncSessionToken, RecordPatches: [replace('k', 'theirs', 1)] });
        return read;
      },
      { step: 'initialize', name: 'overtakeARead' },
    );
    try {
      const e = await errorOf(f.service.updateRecords(principal, { ...dataset, SyncSessionToken, RecordPatches: [replace('k', 'mine', 1)] }));
      expect(armed).toBe(false);
      expect(e?.name).toBe('ResourceConflictException');
      expect(e?.message).toBe('Current SyncCount for: k is: 2 not: 1');
      const listed = await listAll(id);
      expect(listed.Records.map((r) => [r.Key, r.Value, r.SyncCount])).toEqual([['k', 'theirs', 2]]);
    } finally {
      f.client.middlewareStack.remove('overtakeARead');
    }
  });
});

describe('DynamoDB store: a throttled table', () => {
  it('fails with TooManyRequestsException (429 on the wire) once the SDK has stopped retrying, keeping the throttle as its cause', async () => {
    const id = newIdentity();
    await push(id, [['k', 'v']]);
    const throttle = Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ProvisionedThroughputExceededException' });
    f.client.middlewareStack.add(
      () => async () => {
        throw throttle;
      },
      { step: 'initialize', priority: 'low', name: 'throttleEverything' },
    );
    try {
      const e = await errorOf(f.service.describeDataset(identityPrincipal(id), datasetOf(id)));
      expect(e?.code).toBe('TooManyRequestsException');
      expect(e?.cause).toBe(throttle);
    } finally {
      f.client.middlewareStack.remove('throttleEverything');
    }
  });
});

describe('DynamoDB store: a throttled transaction', () => {
  it('fails with TooManyRequestsException, not a 409 after retrying as if the head had moved', async () => {
    const id = newIdentity();
    const dataset = datasetOf(id);
    const principal = identityPrincipal(id);
    const { SyncSessionToken } = await f.service.listRecords(principal, dataset);
    f.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'TransactWriteItemsCommand') return next(args);
        throw Object.assign(new Error('Transaction cancelled'), {
          name: 'TransactionCanceledException',
          CancellationReasons: [{ Code: 'None' }, { Code: 'ThrottlingError' }, { Code: 'None' }],
        });
      },
      { step: 'initialize', priority: 'low', name: 'throttleTransactions' },
    );
    try {
      f.calls.reset();
      const e = await errorOf(f.service.updateRecords(principal, { ...dataset, SyncSessionToken, RecordPatches: [replace('k', 'v')] }));
      expect(e?.code).toBe('TooManyRequestsException');
      expect((e?.cause as Error | undefined)?.name).toBe('TransactionCanceledException');
      expect(f.calls.sent.filter((c) => c === 'TransactWriteItemsCommand')).toHaveLength(1);
    } finally {
      f.client.middlewareStack.remove('throttleTransactions');
    }
  });
});

describe('DynamoDB store: round trips', () => {
  it('a small dataset: UpdateRecords is a GetItem and an UpdateItem, ListRecords one GetItem (per-record layout: 3 calls and 3)', async () => {
    const id = newIdentity();
    const dataset = datasetOf(id);
    const principal = identityPrincipal(id);
    await push(id, [['a', '0']]);
    const { SyncSessionToken } = await f.service.listRecords(principal, dataset);

    f.calls.reset();
    await f.service.updateRecords(principal, { ...dataset, SyncSessionToken, RecordPatches: [replace('a', '1', 1), replace('b', '2')] });
    expect(f.calls.sent).toEqual(
      perRecordLayout() ? ['GetItemCommand', 'BatchGetItemCommand', 'TransactWriteItemsCommand'] : ['GetItemCommand', 'UpdateItemCommand'],
    );

    f.calls.reset();
    const listed = await f.service.listRecords(principal, dataset);
    expect(listed.Records).toHaveLength(2);
    expect(f.calls.sent).toEqual(perRecordLayout() ? ['GetItemCommand', 'QueryCommand', 'GetItemCommand'] : ['GetItemCommand']);
    expect(f.calls.maxInFlight).toBe(1);
  });

  it("creating a dataset also reads and counts the identity's datasets: GetItem, BatchGetItem of the totals, one transaction", async () => {
    const id = newIdentity();
    const dataset = datasetOf(id);
    const principal = identityPrincipal(id);
    const { SyncSessionToken } = await f.service.listRecords(principal, dataset);
    f.calls.reset();
    await f.service.updateRecords(principal, { ...dataset, SyncSessionToken, RecordPatches: [replace('a', '1')] });
    expect(f.calls.sent).toEqual(['GetItemCommand', 'BatchGetItemCommand', 'TransactWriteItemsCommand']);
  });

  it('a large dataset (per record): UpdateRecords reads the head, then the records, and commits in one transaction; ListRecords reads the head, the index, and the head again (a move back into one item would have deleted what the Query saw)', async () => {
    const id = newIdentity();
    const dataset = datasetOf(id);
    const principal = identityPrincipal(id);
    await largeDataset(id);
    const { SyncSessionToken } = await f.service.listRecords(principal, dataset);
    f.calls.reset();
    await f.service.updateRecords(principal, { ...dataset, SyncSessionToken, RecordPatches: [replace('key-1', 'w', 1)] });
    expect(f.calls.sent).toEqual(['GetItemCommand', 'BatchGetItemCommand', 'TransactWriteItemsCommand']);
    f.calls.reset();
    await f.service.listRecords(principal, { ...dataset, LastSyncCount: 1 });
    expect(f.calls.sent).toEqual(['GetItemCommand', 'QueryCommand', 'GetItemCommand']);
  });
});

describe('DynamoDB store: the head records the device of the last UpdateRecords', () => {
  it('keeps its DeviceId as `dev` (for the change feed to skip that device), and empties it when the next update names none', async () => {
    for (const large of [false, true]) {
      const id = newIdentity();
      const dataset = datasetOf(id);
      const principal = identityPrincipal(id);
      if (large) await largeDataset(id);
      let { SyncSessionToken } = await f.service.listRecords(principal, dataset);
      await f.service.updateRecords(principal, { ...dataset, SyncSessionToken, DeviceId: 'device-1', RecordPatches: [replace('k', 'v')] });
      expect((await headItem(id))?.dev, large ? 'per record' : 'one item').toEqual({ S: 'device-1' });
      ({ SyncSessionToken } = await f.service.listRecords(principal, dataset));
      await f.service.updateRecords(principal, { ...dataset, SyncSessionToken, RecordPatches: [replace('k', 'w', large ? 2 : 1)] });
      expect((await headItem(id))?.dev).toEqual({ S: '' });
    }
  });
});
