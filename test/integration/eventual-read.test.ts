/**
 * UpdateRecords reads the head eventually consistently first (half the read units). A replica may
 * answer with a head older than the last commit; DynamoDB Local never does, so these tests make it
 * answer so: a middleware on the store's client hands back a head captured earlier for any read that
 * is not consistent. A stale read must never produce a wrong conflict (409) or lose an update.
 */
import { randomUUID } from 'node:crypto';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { identityPartition, sortKey } from '../../lambdas/src/adapters/dynamodb/keys';
import type { DatasetRef } from '../../lambdas/src/domain/model';
import type { SyncError } from '../../lambdas/src/errors';
import { datasetOf, identityPrincipal, replace, syncFixture } from '../helpers/sync-fixture';

type Fixture = Awaited<ReturnType<typeof syncFixture>>;
/** The store under test: each layout in turn (both describe blocks below). */
let f: Fixture;
const fixtures: Record<'one item' | 'per record', Fixture> = {} as never;
/** Head items (by PK/SK) to answer eventually consistent reads with; a key absent reads the table. */
const staleHeads = new Map<string, Record<string, unknown> | undefined>();
/** How many reads were answered stale, and how many were consistent. */
let staleAnswers = 0;
let consistentReads = 0;
/** The middleware runs before the document client marshals (initialize step): keys and items are plain. */
const keyOf = (key: Record<string, unknown>) => `${key.PK}|${key.SK}`;

function answerStale(f: Fixture) {
  f.client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Key?: Record<string, unknown>; ConsistentRead?: boolean };
      if (context.commandName === 'GetItemCommand' && input.Key) {
        if (input.ConsistentRead) consistentReads++;
        else if (staleHeads.has(keyOf(input.Key))) {
          staleAnswers++;
          const Item = staleHeads.get(keyOf(input.Key));
          return { output: { $metadata: {}, ...(Item ? { Item } : {}) }, response: {} } as never;
        }
      }
      return next(args);
    },
    { step: 'initialize', name: 'staleReplica' },
  );
}

beforeAll(async () => {
  fixtures['one item'] = await syncFixture({ singleItemMaxBytes: 16 * 1024 });
  fixtures['per record'] = await syncFixture({ singleItemMaxBytes: 0 });
  for (const fixture of Object.values(fixtures)) answerStale(fixture);
});

const headKey = (dataset: DatasetRef) => ({ PK: identityPartition(dataset), SK: sortKey.head(dataset.DatasetName) });
async function captureHead(dataset: DatasetRef) {
  const { Item } = await f.client.send(new GetItemCommand({ TableName: f.tableName, Key: marshall(headKey(dataset)), ConsistentRead: true }));
  return Item ? unmarshall(Item) : undefined;
}

/** A dataset where record `a` is at sync count 2, and a replica that still shows it at 1. */
async function datasetWithStaleReplica() {
  const identityId = `us-east-1:${randomUUID()}`;
  const dataset = datasetOf(identityId);
  const principal = identityPrincipal(identityId);
  const update = async (value: string, syncCount: number) => {
    const { SyncSessionToken } = await f.service.listRecords(principal, dataset);
    return f.service.updateRecords(principal, {
      ...dataset,
      SyncSessionToken,
      RecordPatches: [replace('a', value, syncCount), replace('b', value, syncCount)],
    });
  };
  await update('first', 0);
  const stale = await captureHead(dataset);
  await update('second', 1);
  staleHeads.set(keyOf(headKey(dataset)), stale);
  return { dataset, principal };
}

describe.each(['one item', 'per record'] as const)('UpdateRecords after an eventually consistent read that is stale (%s)', (layout) => {
  beforeAll(() => {
    f = fixtures[layout];
  });

  it('accepts a patch made against the current version, though the stale head says it conflicts (no wrong 409)', async () => {
    const { dataset, principal } = await datasetWithStaleReplica();
    const { SyncSessionToken } = await f.service.listRecords(principal, dataset);
    staleAnswers = 0;
    const out = await f.service.updateRecords(principal, { ...dataset, SyncSessionToken, RecordPatches: [replace('a', 'third', 2)] });
    expect(out.Records.map((r) => [r.Key, r.Value, r.SyncCount])).toEqual([['a', 'third', 3]]);
    expect(staleAnswers).toBe(1);
  });

  it('refuses a patch made against the version the stale head shows (no lost update): 409, and the current value stays', async () => {
    const { dataset, principal } = await datasetWithStaleReplica();
    const { SyncSessionToken } = await f.service.listRecords(principal, dataset);
    staleAnswers = 0;
    const attempt = f.service.updateRecords(principal, { ...dataset, SyncSessionToken, RecordPatches: [replace('a', 'lost', 1)] });
    await expect(attempt).rejects.toMatchObject({ code: 'ResourceConflictException' } satisfies Partial<SyncError>);
    expect(staleAnswers).toBe(1);
    const listed = await f.service.listRecords(principal, dataset);
    expect(listed.Records.find((r) => r.Key === 'a')).toMatchObject({ Value: 'second', SyncCount: 2 });
    expect(listed.DatasetSyncCount).toBe(2);
  });

  it('a current eventual read is used as it is: one read, no consistent re-read', async () => {
    const identityId = `us-east-1:${randomUUID()}`;
    const dataset = datasetOf(identityId);
    const principal = identityPrincipal(identityId);
    const first = await f.service.listRecords(principal, dataset);
    await f.service.updateRecords(principal, { ...dataset, SyncSessionToken: first.SyncSessionToken, RecordPatches: [replace('a', '1', 0)] });
    const { SyncSessionToken } = await f.service.listRecords(principal, dataset);
    consistentReads = 0;
    f.calls.reset();
    await f.service.updateRecords(principal, { ...dataset, SyncSessionToken, RecordPatches: [replace('a', '2', 1)] });
    expect(f.calls.sent).toEqual(
      layout === 'one item' ? ['GetItemCommand', 'UpdateItemCommand'] : ['GetItemCommand', 'BatchGetItemCommand', 'TransactWriteItemsCommand'],
    );
    expect(consistentReads).toBe(0);
  });
});
