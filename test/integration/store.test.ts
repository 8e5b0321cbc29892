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
import type { SyncError } from '../../lambdas/src/errors';
import { datasetOf, identityPrincipal, replace, syncFixture } from '../helpers/sync-fixture';

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
  });
});

describe('DynamoDB store: a writer killed between the steps of a large commit', () => {
  const crashWriter = path.join(__dirname, '../helpers/crash-writer.ts');
  const LEASE_MS = 400;

  function runWriter(identityId: string, crashAt: string, value: string) {
    return spawnSync(process.execPath, ['--import', 'tsx', crashWriter], {
      env: {
        ...process.env,
        DYNAMO_ENDPOINT: f.endpoint,
        TABLE_NAME: f.tableName,
        IDENTITY_ID: identityId,
        CRASH_AT: crashAt,
        PATCHES: '150',
        VALUE: value,
        LEASE_MS: String(LEASE_MS),
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
  }

  for (const [step, visible] of [
    ['log-written', false],
    ['marked', true],
    ['applied-half', true],
    ['applied', true],
  ] as const) {
    it(`after "${step}" the next reader sees ${visible ? 'all' : 'nothing'} of the update`, async () => {
      const id = newIdentity();
      await push(
        id,
        Array.from({ length: 150 }, (_, i) => replace(`key-${i}`, `old-${i}`)),
      );
      const run = runWriter(id, step, 'new');
      expect(run.signal, run.stderr).toBe('SIGKILL');

      const listed = await listAll(id);
      const values = new Set(listed.Records.map((r) => r.Value?.split('-')[0]));
      expect(values).toEqual(new Set([visible ? 'new' : 'old']));
      expect(listed.Records).toHaveLength(150);
      expect(listed.DatasetSyncCount).toBe(visible ? 2 : 1);
      // And the dataset takes the next write normally.
      const next = await push(id, [replace('key-0', 'after', visible ? 2 : 1)]);
      expect(next.Records[0].SyncCount).toBe(visible ? 3 : 2);
    });
  }
});

describe('DynamoDB store: two readers finishing the same stalled commit', () => {
  it('lets the one that finds the log already gone carry on, once the mark is gone too', async () => {
    const id = newIdentity();
    await push(
      id,
      Array.from({ length: 150 }, (_, i) => replace(`key-${i}`, `old-${i}`)),
    );
    const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, '../helpers/crash-writer.ts')], {
      env: {
        ...process.env,
        DYNAMO_ENDPOINT: f.endpoint,
        TABLE_NAME: f.tableName,
        IDENTITY_ID: id,
        CRASH_AT: 'marked',
        PATCHES: '150',
        VALUE: 'new',
        LEASE_MS: '200',
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.signal, run.stderr).toBe('SIGKILL');
    const headKey = { PK: { S: `I#${datasetOf(id).IdentityPoolId}#${id}` }, SK: { S: 'D#settings' } };
    const stale = (await f.client.send(new GetItemCommand({ TableName: f.tableName, Key: headKey, ConsistentRead: true }))).Item;
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

describe('DynamoDB store: ListRecords reads the head and the records in parallel', () => {
  it('notices a commit that lands between the two reads, and reads again rather than hide its records', async () => {
    const id = newIdentity();
    const dataset = datasetOf(id);
    const principal = identityPrincipal(id);
    await push(id, [['a', '1']]);
    const { SyncSessionToken } = await f.service.listRecords(principal, dataset);

    // Stage the race: the records query runs before a commit, the head read after it.
    let armed = true;
    let landed!: () => void;
    const commitLanded = new Promise<void>((resolve) => (landed = resolve));
    f.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (armed && context.commandName === 'GetItemCommand') {
          await commitLanded;
          return next(args);
        }
        if (armed && context.commandName === 'QueryCommand') {
          armed = false;
          const before = await next(args);
          await f.service.updateRecords(principal, { ...dataset, SyncSessionToken, RecordPatches: [replace('b', '2')] });
          landed();
          return before;
        }
        return next(args);
      },
      { step: 'initialize', name: 'raceACommit' },
    );
    try {
      f.calls.reset();
      const listed = await f.service.listRecords(principal, dataset);
      expect(listed.DatasetSyncCount).toBe(2);
      // The commit at 2 is in the answer: a client that stores 2 as its last sync count misses nothing.
      expect(listed.Records.map((r) => [r.Key, r.SyncCount])).toEqual([
        ['a', 1],
        ['b', 2],
      ]);
      expect(f.calls.sent.filter((c) => c === 'QueryCommand')).toHaveLength(2);
    } finally {
      f.client.middlewareStack.remove('raceACommit');
    }
  });
});

describe('DynamoDB store: UpdateRecords reads with one BatchGetItem, which is not isolated', () => {
  it('refuses an update whose read a concurrent commit tore (head after it, record before it)', async () => {
    const id = newIdentity();
    const dataset = datasetOf(id);
    const principal = identityPrincipal(id);
    await push(id, [['k', 'first']]);
    const { SyncSessionToken } = await f.service.listRecords(principal, dataset);

    // Stage the tear: our read sees record k at 1, but the head after another writer moved k to 2.
    // The document client's items, already unmarshalled at this step of the stack.
    type Items = { SK: string }[];
    let armed = true;
    f.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (!armed || context.commandName !== 'BatchGetItemCommand') return next(args);
        armed = false;
        const torn = await next(args);
        await f.service.updateRecords(principal, { ...dataset, SyncSessionToken, RecordPatches: [replace('k', 'theirs', 1)] });
        const fresh = await next(args);
        const items = (out: typeof torn) => (out.output as unknown as { Responses: Record<string, Items> }).Responses[f.tableName];
        const freshHead = items(fresh).find((item) => item.SK.startsWith('D#'))!;
        const tornItems = items(torn);
        tornItems[tornItems.findIndex((item) => item.SK.startsWith('D#'))] = freshHead;
        return torn;
      },
      { step: 'initialize', name: 'tearARead' },
    );
    try {
      const e = await errorOf(f.service.updateRecords(principal, { ...dataset, SyncSessionToken, RecordPatches: [replace('k', 'mine', 1)] }));
      expect(e?.name).toBe('ResourceConflictException');
      expect(e?.message).toBe('Current SyncCount for: k is: 2 not: 1');
      const listed = await listAll(id);
      expect(listed.Records.map((r) => [r.Key, r.Value, r.SyncCount])).toEqual([['k', 'theirs', 2]]);
    } finally {
      f.client.middlewareStack.remove('tearARead');
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
  it('UpdateRecords makes 2 calls; ListRecords makes one round of 2 parallel calls', async () => {
    const id = newIdentity();
    const dataset = datasetOf(id);
    const principal = identityPrincipal(id);
    const { SyncSessionToken } = await f.service.listRecords(principal, dataset);

    f.calls.reset();
    await f.service.updateRecords(principal, { ...dataset, SyncSessionToken, RecordPatches: [replace('a', '1'), replace('b', '2')] });
    expect(f.calls.sent).toEqual(['BatchGetItemCommand', 'TransactWriteItemsCommand']);

    f.calls.reset();
    const listed = await f.service.listRecords(principal, dataset);
    expect(listed.Records).toHaveLength(2);
    expect([...f.calls.sent].sort()).toEqual(['GetItemCommand', 'QueryCommand']);
    expect(f.calls.maxInFlight).toBe(2);
  });
});
