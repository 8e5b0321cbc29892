/**
 * The units AWS would bill for the main paths through the real store, from the capacity meter on the
 * store's client against DynamoDB Local, held like the round-trip counts: a change that makes a sync
 * cycle dearer fails here. A small dataset of 3 records of ~100 bytes (each item under 1 KB).
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { CapacityMeter, schemaOf } from '../../lambdas/src/adapters/dynamodb/capacity-meter';
import { tableDefinition } from '../../lambdas/src/adapters/dynamodb/table-schema';
import { datasetOf, identityPrincipal, replace, syncFixture } from '../helpers/sync-fixture';

type Fixture = Awaited<ReturnType<typeof syncFixture>>;
let f: Fixture;
let meter: CapacityMeter;

beforeAll(async () => {
  f = await syncFixture();
  // The fixture's table is fresh and only this client writes to it.
  meter = new CapacityMeter(schemaOf(tableDefinition(f.tableName)), { sawEveryWrite: true }).install(f.client);
});

async function smallDataset() {
  const identityId = `us-east-1:${randomUUID()}`;
  const dataset = datasetOf(identityId);
  const principal = identityPrincipal(identityId);
  const { SyncSessionToken } = await f.service.listRecords(principal, dataset);
  await f.service.updateRecords(principal, {
    ...dataset,
    SyncSessionToken,
    RecordPatches: ['a', 'b', 'c'].map((key) => replace(key, 'v'.repeat(100), 0)),
  });
  return { dataset, principal };
}

describe('billed units of the main paths (capacity meter)', () => {
  it('ListRecords of a small dataset: a consistent GetItem of the head and one consistent Query of the index, 1 RRU each', async () => {
    const { dataset, principal } = await smallDataset();
    meter.reset();
    const out = await f.service.listRecords(principal, dataset);
    expect(out.Records).toHaveLength(3);
    expect(meter.totals()).toEqual({ read: 2, write: 0, indexWrite: 0, calls: 2 });
  });

  it('UpdateRecords of one record: 3 RRU (BatchGetItem of head, totals, record); 10 WRU (a transaction of 3 items, and the record index entry moved)', async () => {
    const { dataset, principal } = await smallDataset();
    const { SyncSessionToken } = await f.service.listRecords(principal, dataset);
    meter.reset();
    await f.service.updateRecords(principal, { ...dataset, SyncSessionToken, RecordPatches: [replace('a', 'w'.repeat(100), 1)] });
    // Transaction: head, totals, record at 1 WRU each, ×2 = 6; the record's index sort key changes
    // (its sync count), so the index deletes one entry and puts one: 2 writes, ×2 = 4.
    expect(meter.log.map((c) => c.operation)).toEqual(['BatchGetItemCommand', 'TransactWriteItemsCommand']);
    expect(meter.totals()).toEqual({ read: 3, write: 10, indexWrite: 4, calls: 2 });
  });

  it('UpdateRecords refused on a conflict still pays its read', async () => {
    const { dataset, principal } = await smallDataset();
    const { SyncSessionToken } = await f.service.listRecords(principal, dataset);
    meter.reset();
    await expect(f.service.updateRecords(principal, { ...dataset, SyncSessionToken, RecordPatches: [replace('a', 'x', 0)] })).rejects.toThrow();
    expect(meter.totals()).toMatchObject({ read: 3, write: 0 });
  });
});
