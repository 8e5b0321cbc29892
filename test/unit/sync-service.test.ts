import { beforeEach, describe, expect, it } from 'vitest';
import { type SyncError, isSyncError } from '../../lambdas/src/errors';
import type { DatasetRef, Principal, RecordPatch } from '../../lambdas/src/domain/model';
import { CognitoSyncService } from '../../lambdas/src/domain/sync-service';
import { SYNC_SESSION_TTL_MS, TokenCodec } from '../../lambdas/src/domain/tokens';
import { MemoryStore } from '../helpers/memory-store';

const POOL = 'us-east-1:11111111-1111-1111-1111-111111111111';
const ID = 'us-east-1:aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa';
const ds: DatasetRef = { IdentityPoolId: POOL, IdentityId: ID, DatasetName: 'settings' };
const developer: Principal = { kind: 'developer', accountId: '123456789012' };
const identity: Principal = { kind: 'identity', accountId: '123456789012', identityPoolId: POOL, identityId: ID };

let now = 1_700_000_000_000;
const clock = { now: () => now };
let store: MemoryStore;
let service: CognitoSyncService;

beforeEach(() => {
  now = 1_700_000_000_000;
  store = new MemoryStore();
  service = new CognitoSyncService({
    store,
    clock,
    tokens: new TokenCodec(Buffer.alloc(32, 7)),
    limits: { datasetsPerIdentity: 3, recordsPerDataset: 4, bytesPerDataset: 100 },
  });
});

const replace = (Key: string, Value: string, SyncCount = 0): RecordPatch => ({ Op: 'replace', Key, Value, SyncCount });
const remove = (Key: string, SyncCount: number): RecordPatch => ({ Op: 'remove', Key, SyncCount });

async function sync(patches: RecordPatch[], ref: DatasetRef = ds, who: Principal = identity) {
  const { SyncSessionToken } = await service.listRecords(who, ref);
  return service.updateRecords(who, { ...ref, SyncSessionToken, RecordPatches: patches });
}

async function rejection(p: Promise<unknown>): Promise<SyncError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isSyncError(e)).toBe(true);
  return e as SyncError;
}

describe('UpdateRecords', () => {
  it('raises the dataset sync count by one per update and stamps every written record with it', async () => {
    const first = await sync([replace('a', '1'), replace('b', '2')]);
    expect(first.Records.map((r) => [r.Key, r.SyncCount])).toEqual([
      ['a', 1],
      ['b', 1],
    ]);
    const second = await sync([replace('a', 'x', 1)]);
    expect(second.Records).toHaveLength(1);
    expect(second.Records[0]).toMatchObject({ Key: 'a', Value: 'x', SyncCount: 2, LastModifiedBy: ID });
    const list = await service.listRecords(identity, ds);
    expect(list.DatasetSyncCount).toBe(2);
    expect(list.Records.map((r) => [r.Key, r.Value, r.SyncCount])).toEqual([
      ['b', '2', 1],
      ['a', 'x', 2],
    ]);
  });

  it('rejects the whole request with the real 409 message when any patch is stale, writing nothing', async () => {
    await sync([replace('a', '1'), replace('b', '2')]);
    const e = await rejection(sync([replace('a', 'new', 1), replace('b', 'stale', 0)]));
    expect(e.name).toBe('ResourceConflictException');
    expect(e.code).toBe('ResourceConflictException');
    expect(e.message).toBe('Current SyncCount for: b is: 1 not: 0');
    const list = await service.listRecords(identity, ds);
    expect(list.DatasetSyncCount).toBe(1);
    expect(list.Records.find((r) => r.Key === 'a')?.Value).toBe('1');
  });

  it('treats a sync count above the server one as a conflict too (equality check)', async () => {
    await sync([replace('a', '1')]);
    const e = await rejection(sync([replace('a', '2', 5)]));
    expect(e.message).toBe('Current SyncCount for: a is: 1 not: 5');
  });

  it('keeps a tombstone for a remove, so deltas carry the deletion', async () => {
    await sync([replace('a', '1'), replace('b', '2')]);
    const out = await sync([remove('a', 1)]);
    expect(out.Records[0]).toMatchObject({ Key: 'a', SyncCount: 2 });
    expect(out.Records[0].Value).toBeUndefined();
    const delta = await service.listRecords(identity, { ...ds, LastSyncCount: 1 });
    expect(delta.Records).toHaveLength(1);
    expect(delta.Records[0].Key).toBe('a');
    expect('Value' in delta.Records[0]).toBe(false);
    const { Dataset } = await service.describeDataset(identity, ds);
    expect(Dataset.NumRecords).toBe(1);
    expect(Dataset.DataStorage).toBe(2); // 'b' + '2'
  });

  it('writes nothing for an update without patches and still answers Records: []', async () => {
    const out = await sync([]);
    expect(out).toEqual({ Records: [] });
    expect(store.commits).toBe(0);
  });

  it('refuses a token issued for another dataset, identity or one that is over an hour old', async () => {
    const { SyncSessionToken } = await service.listRecords(identity, ds);
    const other = { ...ds, DatasetName: 'other' };
    const e = await rejection(service.updateRecords(identity, { ...other, SyncSessionToken, RecordPatches: [replace('a', '1')] }));
    expect(e.name).toBe('InvalidParameterException');
    expect(e.message).toBe('SyncSessionToken not valid for these inputs');
    const forged = await rejection(service.updateRecords(identity, { ...ds, SyncSessionToken: `${SyncSessionToken}x`, RecordPatches: [] }));
    expect(forged.message).toBe('SyncSessionToken not valid for these inputs');
    now += SYNC_SESSION_TTL_MS + 1;
    const late = await rejection(service.updateRecords(identity, { ...ds, SyncSessionToken, RecordPatches: [] }));
    expect(late.message).toBe('SyncSessionToken not valid for these inputs');
  });

  it('accepts a token again within its hour (the JS client pushes twice after resolving a conflict)', async () => {
    const { SyncSessionToken } = await service.listRecords(identity, ds);
    await service.updateRecords(identity, { ...ds, SyncSessionToken, RecordPatches: [replace('a', '1')] });
    now += 30 * 60 * 1000;
    const again = await service.updateRecords(identity, { ...ds, SyncSessionToken, RecordPatches: [replace('a', '2', 1)] });
    expect(again.Records[0].SyncCount).toBe(2);
  });

  it('rejects duplicate keys', async () => {
    const e = await rejection(sync([replace('a', '1'), replace('a', '2')]));
    expect(e.name).toBe('InvalidParameterException');
  });

  it('enforces the records, bytes and datasets limits with LimitExceededException', async () => {
    await sync([replace('a', '1'), replace('b', '1'), replace('c', '1'), replace('d', '1')]);
    const records = await rejection(sync([replace('e', '1')]));
    expect(records.name).toBe('LimitExceededException');
    // A remove frees room: tombstones do not count.
    await sync([remove('a', 1), replace('e', '1')]);

    const big = await rejection(sync([replace('x', 'v'.repeat(100))], { ...ds, DatasetName: 'big' }));
    expect(big.name).toBe('LimitExceededException');
    await sync([replace('x', 'v'.repeat(99))], { ...ds, DatasetName: 'big' }); // exactly 100 bytes

    await sync([replace('k', 'v')], { ...ds, DatasetName: 'third' });
    const datasets = await rejection(sync([replace('k', 'v')], { ...ds, DatasetName: 'fourth' }));
    expect(datasets.name).toBe('LimitExceededException');
    expect(datasets.code).toBe('LimitExceededException');
  });

  it('counts UTF-8 bytes of key and value', async () => {
    await sync([replace('é', '€')]);
    const { Dataset } = await service.describeDataset(identity, ds);
    expect(Dataset.DataStorage).toBe(2 + 3);
  });

  it('re-reads and re-checks when another write moved the head between read and commit', async () => {
    await sync([replace('a', '1'), replace('b', '1')]);
    const { SyncSessionToken } = await service.listRecords(identity, ds);
    let raced = false;
    store.beforeCommit = async () => {
      if (raced) return;
      raced = true;
      store.beforeCommit = undefined;
      await service.updateRecords(identity, { ...ds, SyncSessionToken, RecordPatches: [replace('b', 'other', 1)] });
    };
    // Our patch touches only 'a': it survives the race, on top of the other write.
    const out = await service.updateRecords(identity, { ...ds, SyncSessionToken, RecordPatches: [replace('a', 'mine', 1)] });
    expect(out.Records[0].SyncCount).toBe(3);
  });

  it('attributes developer writes to the account and identity writes to the identity', async () => {
    const dev = await sync([replace('a', '1')], ds, developer);
    expect(dev.Records[0].LastModifiedBy).toBe('123456789012');
  });
});

describe('ListRecords', () => {
  it('answers a dataset that does not exist with DatasetExists false, count 0 and a token', async () => {
    const out = await service.listRecords(identity, ds);
    expect(out).toMatchObject({ Records: [], Count: 0, DatasetSyncCount: 0, DatasetExists: false, DatasetDeletedAfterRequestedSyncCount: false });
    expect(out.SyncSessionToken).toEqual(expect.any(String));
  });

  it('returns only records changed after lastSyncCount', async () => {
    await sync([replace('a', '1')]);
    await sync([replace('b', '1')]);
    const out = await service.listRecords(identity, { ...ds, LastSyncCount: 1 });
    expect(out.Records.map((r) => r.Key)).toEqual(['b']);
    expect(out.Count).toBe(1);
  });

  it('refuses a lastSyncCount above the dataset count with the real message', async () => {
    await sync([replace('a', '1')]);
    const e = await rejection(service.listRecords(identity, { ...ds, LastSyncCount: 37 }));
    expect(e.name).toBe('InvalidParameterException');
    expect(e.message).toBe('No such SyncCount: 37 exists for this Dataset');
  });

  it('pages with an opaque, tamper-evident NextToken bound to the dataset', async () => {
    await sync([replace('a', '1'), replace('b', '1'), replace('c', '1')]);
    const first = await service.listRecords(identity, { ...ds, MaxResults: 2 });
    expect(first.Records).toHaveLength(2);
    expect(first.NextToken).toBeDefined();
    const second = await service.listRecords(identity, { ...ds, MaxResults: 2, NextToken: first.NextToken });
    expect(second.Records.map((r) => r.Key)).toEqual(['c']);
    expect(second.NextToken).toBeUndefined();
    const tampered = first.NextToken!.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await rejection(service.listRecords(identity, { ...ds, NextToken: tampered }))).name).toBe('InvalidParameterException');
    const elsewhere = { ...ds, DatasetName: 'other' };
    expect((await rejection(service.listRecords(identity, { ...elsewhere, NextToken: first.NextToken }))).name).toBe('InvalidParameterException');
  });
});

describe('DeleteDataset and re-creation', () => {
  it('hides a deleted dataset, reports it to clients that had synced, and continues counting when re-created', async () => {
    await sync([replace('a', '1')]);
    await sync([replace('a', '2', 1)]);
    const { Dataset } = await service.deleteDataset(identity, ds);
    expect(Dataset).toMatchObject({ DatasetName: 'settings', NumRecords: 1 });

    expect((await rejection(service.describeDataset(identity, ds))).name).toBe('ResourceNotFoundException');
    expect((await rejection(service.deleteDataset(identity, ds))).name).toBe('ResourceNotFoundException');
    const gone = await service.listRecords(identity, { ...ds, LastSyncCount: 2 });
    expect(gone).toMatchObject({ DatasetExists: false, Records: [] });
    expect((await service.listDatasets(identity, ds)).Datasets).toHaveLength(0);
    expect((await service.describeIdentityUsage(identity, ds)).IdentityUsage).toMatchObject({ DatasetCount: 0, DataStorage: 0 });

    // Re-created: the old record is gone (count 0 again for its key), the count continues from 2.
    const again = await sync([replace('a', 'fresh', 0)]);
    expect(again.Records[0].SyncCount).toBe(3);
    const stale = await service.listRecords(identity, { ...ds, LastSyncCount: 2 });
    expect(stale).toMatchObject({ DatasetExists: true, DatasetDeletedAfterRequestedSyncCount: true, DatasetSyncCount: 3 });
    expect(stale.Records.map((r) => r.Value)).toEqual(['fresh']);
    const current = await service.listRecords(identity, { ...ds, LastSyncCount: 3 });
    expect(current.DatasetDeletedAfterRequestedSyncCount).toBe(false);
    const fresh = await service.listRecords(identity, ds);
    expect(fresh.DatasetDeletedAfterRequestedSyncCount).toBe(false);
  });
});

describe('ListDatasets and DescribeIdentityUsage', () => {
  it('lists live datasets in pages and sums usage', async () => {
    for (const name of ['a', 'b', 'c']) await sync([replace('k', 'vv')], { ...ds, DatasetName: name });
    const first = await service.listDatasets(identity, { ...ds, MaxResults: 2 });
    expect(first.Datasets.map((d) => d.DatasetName)).toEqual(['a', 'b']);
    expect(first.Count).toBe(2);
    const second = await service.listDatasets(identity, { ...ds, NextToken: first.NextToken });
    expect(second.Datasets.map((d) => d.DatasetName)).toEqual(['c']);
    expect(second.NextToken).toBeUndefined();
    const usage = await service.describeIdentityUsage(identity, ds);
    expect(usage.IdentityUsage).toMatchObject({ DatasetCount: 3, DataStorage: 9, IdentityPoolId: POOL, IdentityId: ID });
    expect(usage.IdentityUsage.LastModifiedDate).toBeInstanceOf(Date);
  });

  it('answers zeros for an identity with no data', async () => {
    const usage = await service.describeIdentityUsage(identity, ds);
    expect(usage.IdentityUsage).toEqual({ IdentityId: ID, IdentityPoolId: POOL, DatasetCount: 0, DataStorage: 0 });
  });
});
