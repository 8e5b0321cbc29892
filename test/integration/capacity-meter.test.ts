/**
 * The units AWS would bill for the main paths through the real store, from the capacity meter on the
 * store's client against DynamoDB Local, held like the round-trip counts: a change that makes a sync
 * cycle dearer fails here. A small dataset of 3 records of ~100 bytes (each item under 1 KB).
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { CapacityMeter, schemaOf } from '../../lambdas/src/adapters/dynamodb/capacity-meter';
import { tableDefinition } from '../../lambdas/src/adapters/dynamodb/table-schema';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { identityPartition, sortKey } from '../../lambdas/src/adapters/dynamodb/keys';
import type { DatasetRef } from '../../lambdas/src/domain/model';
import { datasetOf, identityPrincipal, perRecordLayout, replace, syncFixture } from '../helpers/sync-fixture';
import { recordKey, recordValue, type ValueKind } from '../../bench/dataset-values';

type Fixture = Awaited<ReturnType<typeof syncFixture>>;
let f: Fixture;
let meter: CapacityMeter;

beforeAll(async () => {
  f = await syncFixture();
  // The fixture's table is fresh and only this client writes to it.
  meter = new CapacityMeter(schemaOf(tableDefinition(f.tableName)), { sawEveryWrite: true }).install(f.client);
});

async function headOf(dataset: DatasetRef) {
  const doc = DynamoDBDocumentClient.from(f.client);
  const { Item } = await doc.send(
    new GetCommand({ TableName: f.tableName, Key: { PK: identityPartition(dataset), SK: sortKey.head(dataset.DatasetName) }, ConsistentRead: true }),
  );
  return Item;
}

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
  // The default threshold keeps this dataset in one item; the per-record project forces items per record.
  const perRecord = perRecordLayout();

  it('ListRecords of a small dataset: one consistent GetItem of the head, 1 RRU (per record: a Query of the index and the head again, 3 RRU)', async () => {
    const { dataset, principal } = await smallDataset();
    meter.reset();
    const out = await f.service.listRecords(principal, dataset);
    expect(out.Records).toHaveLength(3);
    expect(meter.totals()).toEqual(perRecord ? { read: 3, write: 0, indexWrite: 0, calls: 3 } : { read: 1, write: 0, indexWrite: 0, calls: 1 });
  });

  it('UpdateRecords of one record: 0.5 RRU and 1 WRU, an eventually consistent GetItem and an UpdateItem of the head (per record: 1.5 RRU, 8 WRU)', async () => {
    const { dataset, principal } = await smallDataset();
    const { SyncSessionToken } = await f.service.listRecords(principal, dataset);
    meter.reset();
    await f.service.updateRecords(principal, { ...dataset, SyncSessionToken, RecordPatches: [replace('a', 'w'.repeat(100), 1)] });
    if (perRecord) {
      // Head (eventually consistent, 0.5), then the record; a transaction of head and record at 1 WRU
      // each, ×2 = 4; the record's index sort key changes (its sync count), so the index deletes one
      // entry and puts one: ×2 = 4.
      expect(meter.log.map((c) => c.operation)).toEqual(['GetItemCommand', 'BatchGetItemCommand', 'TransactWriteItemsCommand']);
      expect(meter.totals()).toEqual({ read: 1.5, write: 8, indexWrite: 4, calls: 3 });
    } else {
      // The head holds the three records (~400 bytes): half a read unit (eventually consistent: the
      // commit's condition refuses a stale one), one write unit, no index entry.
      expect(meter.log.map((c) => c.operation)).toEqual(['GetItemCommand', 'UpdateItemCommand']);
      expect(meter.log[0].read).toBe(0.5);
      expect(meter.totals()).toEqual({ read: 0.5, write: 1, indexWrite: 0, calls: 2 });
    }
  });

  it('UpdateRecords refused on a conflict pays its read, and a consistent one to confirm the conflict (per record: the head again and the records)', async () => {
    const { dataset, principal } = await smallDataset();
    const { SyncSessionToken } = await f.service.listRecords(principal, dataset);
    meter.reset();
    await expect(f.service.updateRecords(principal, { ...dataset, SyncSessionToken, RecordPatches: [replace('a', 'x', 0)] })).rejects.toThrow();
    expect(meter.totals()).toMatchObject({ read: perRecord ? 3.5 : 1.5, write: 0 });
  });

  it('a single-item head is not in the BySyncCount index: it carries no index sort key', async () => {
    const { dataset } = await smallDataset();
    const head = await headOf(dataset);
    expect(head?.LSK).toBeUndefined();
    // The records, deflated (rz) since that makes the item smaller; none on a per-record head.
    expect(head?.rz instanceof Uint8Array).toBe(!perRecord);
    expect(head?.r).toBeUndefined();
  });

  /** A dataset of `count` records of app state (JSON preferences and game state) of 100 bytes each. */
  async function appStateDataset(count: number, kind: ValueKind = 'app-state') {
    const identityId = `us-east-1:${randomUUID()}`;
    const dataset = datasetOf(identityId);
    const principal = identityPrincipal(identityId);
    const { SyncSessionToken } = await f.service.listRecords(principal, dataset);
    const keys = Array.from({ length: count }, (_, i) => recordKey(i));
    await f.service.updateRecords(principal, {
      ...dataset,
      SyncSessionToken,
      RecordPatches: keys.map((key, i) => replace(key, recordValue(kind, i, 0, 100 - key.length), 0)),
    });
    return { dataset, principal, keys };
  }

  it('a sync cycle of 1 record changed in 2 KB of app state: 1.5 RRU and 2 WRU (deflated, the item is under 2 KB; as JSON it was 3 WRU)', async () => {
    const { dataset, principal, keys } = await appStateDataset(20);
    meter.reset();
    const { SyncSessionToken } = await f.service.listRecords(principal, dataset);
    await f.service.updateRecords(principal, {
      ...dataset,
      SyncSessionToken,
      RecordPatches: [replace(keys[0], recordValue('app-state', 0, 1, 100 - keys[0].length), 1)],
    });
    if (perRecord) {
      expect(meter.totals()).toEqual({ read: 5.5, write: 8, indexWrite: 4, calls: 6 });
    } else {
      expect(meter.log.map((c) => c.operation)).toEqual(['GetItemCommand', 'GetItemCommand', 'UpdateItemCommand']);
      expect(meter.totals()).toEqual({ read: 1.5, write: 2, indexWrite: 0, calls: 3 });
    }
  });

  it('the same cycle with random base64 values, which deflate least (to about 3/4): 2 WRU still, the item just under 2 KB', async () => {
    const { dataset, principal, keys } = await appStateDataset(20, 'incompressible');
    meter.reset();
    const { SyncSessionToken } = await f.service.listRecords(principal, dataset);
    await f.service.updateRecords(principal, {
      ...dataset,
      SyncSessionToken,
      RecordPatches: [replace(keys[0], recordValue('incompressible', 0, 1, 100 - keys[0].length), 1)],
    });
    if (!perRecord) expect(meter.totals()).toEqual({ read: 1.5, write: 2, indexWrite: 0, calls: 3 });
  });
});
