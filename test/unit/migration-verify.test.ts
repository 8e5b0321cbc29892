/**
 * What `--verify` counts as a difference (lambdas/migration/verify.ts): the pure comparison of two
 * reads of a dataset and of a pool's configuration, and the walk over two in-memory sides.
 */
import { describe, expect, it } from 'vitest';
import type { DatasetAddress, DatasetListing, DatasetSnapshot, DatasetSource, MigratedRecord, PoolConfiguration } from '../../lambdas/migration/model';
import { comparePoolConfigurations, compareSnapshots, formatVerifySummary, verifyMigration } from '../../lambdas/migration/verify';

const POOL = 'us-east-1:00000000-0000-0000-0000-000000000001';
const address: DatasetAddress = { identityPoolId: POOL, identityId: 'us-east-1:identity-1', datasetName: 'settings' };

const record = (key: string, syncCount: number, value?: string, extra: Partial<MigratedRecord> = {}): MigratedRecord => ({
  key,
  ...(value !== undefined ? { value } : {}),
  syncCount,
  lastModifiedDate: 1_700_000_000_000 + syncCount,
  lastModifiedBy: 'us-east-1:identity-1',
  ...extra,
});

const snapshot = (changes: Partial<DatasetSnapshot> = {}): DatasetSnapshot => ({
  ...address,
  syncCount: 3,
  creationDate: 1_700_000_000_000,
  lastModifiedDate: 1_700_000_000_003,
  lastModifiedBy: 'us-east-1:identity-1',
  records: [record('a', 1, 'one'), record('b', 2), record('c', 3, 'three', { deviceLastModifiedDate: 1_600_000_000_000 })],
  ...changes,
});

describe('compareSnapshots', () => {
  it('finds nothing between equal datasets, whatever the order of their records', () => {
    const a = snapshot();
    expect(compareSnapshots(address, a, snapshot())).toEqual([]);
    expect(compareSnapshots(address, a, snapshot({ records: [...a.records].reverse() }))).toEqual([]);
    expect(compareSnapshots(address, undefined, undefined)).toEqual([]);
  });

  it('reports a dataset present on one side only, with its count and records', () => {
    expect(compareSnapshots(address, snapshot(), undefined)).toEqual([{ ...address, field: 'dataset', a: { syncCount: 3, records: 3 }, b: null }]);
    expect(compareSnapshots(address, undefined, snapshot())).toEqual([{ ...address, field: 'dataset', a: null, b: { syncCount: 3, records: 3 } }]);
  });

  it.each([
    ['syncCount', { syncCount: 4 }, 3, 4],
    ['creationDate', { creationDate: 1 }, 1_700_000_000_000, 1],
    ['lastModifiedDate', { lastModifiedDate: 2 }, 1_700_000_000_003, 2],
    ['lastModifiedBy', { lastModifiedBy: '123456789012' }, 'us-east-1:identity-1', '123456789012'],
    ['deletedAtSyncCount', { deletedAtSyncCount: 2 }, null, 2],
  ] as const)('reports the dataset field %s', (field, change, a, b) => {
    expect(compareSnapshots(address, snapshot(), snapshot(change))).toEqual([{ ...address, field, a, b }]);
  });

  it('reports a record present on one side only, telling a tombstone from a live record', () => {
    const a = snapshot();
    const withoutB = snapshot({ records: a.records.filter((r) => r.key !== 'b') });
    const withoutA = snapshot({ records: a.records.filter((r) => r.key !== 'a') });
    expect(compareSnapshots(address, a, withoutB)).toEqual([{ ...address, key: 'b', field: 'record', a: { syncCount: 2, tombstone: true }, b: null }]);
    expect(compareSnapshots(address, withoutA, a)).toEqual([{ ...address, key: 'a', field: 'record', a: null, b: { syncCount: 1, tombstone: false } }]);
  });

  it('reports each record field that differs, a tombstone against a value included', () => {
    const a = snapshot();
    const b = snapshot({
      records: [
        record('a', 1, 'ONE'),
        record('b', 2, ''),
        record('c', 3, 'three', { lastModifiedBy: 'x', lastModifiedDate: 5, syncCount: 3, deviceLastModifiedDate: undefined }),
      ],
    });
    expect(compareSnapshots(address, a, b)).toEqual([
      { ...address, key: 'a', field: 'value', a: 'one', b: 'ONE' },
      { ...address, key: 'b', field: 'value', a: null, b: '' },
      { ...address, key: 'c', field: 'lastModifiedDate', a: 1_700_000_000_003, b: 5 },
      { ...address, key: 'c', field: 'lastModifiedBy', a: 'us-east-1:identity-1', b: 'x' },
      { ...address, key: 'c', field: 'deviceLastModifiedDate', a: 1_600_000_000_000, b: null },
    ]);
  });

  it('compares unicode keys and values exactly (no normalisation: é composed is not é decomposed)', () => {
    const composed = snapshot({ records: [record('caf\u00e9', 1, '\u{1F600}')] });
    const decomposed = snapshot({ records: [record('cafe\u0301', 1, '\u{1F600}')] });
    expect(compareSnapshots(address, composed, composed)).toEqual([]);
    expect(compareSnapshots(address, composed, decomposed).map((d) => [d.key, d.field])).toEqual([
      ['caf\u00e9', 'record'],
      ['cafe\u0301', 'record'],
    ]);
  });
});

describe('comparePoolConfigurations', () => {
  const push = { ApplicationArns: ['arn:aws:sns:us-east-1:123456789012:app/GCM/app'], RoleArn: 'arn:aws:iam::123456789012:role/push' };
  const configuration = (changes: Partial<PoolConfiguration> = {}): PoolConfiguration => ({
    identityPoolId: POOL,
    pushSync: push,
    cognitoEvents: { SyncTrigger: 'arn:aws:lambda:us-east-1:123456789012:function:f' },
    ...changes,
  });

  it('finds nothing between equal configurations, whatever the order of members', () => {
    const reordered = configuration({ pushSync: { RoleArn: push.RoleArn, ApplicationArns: push.ApplicationArns } });
    expect(comparePoolConfigurations(POOL, configuration(), reordered)).toEqual([]);
    expect(comparePoolConfigurations(POOL, undefined, undefined)).toEqual([]);
  });

  it('reports each member that differs, and a pool one side does not know', () => {
    const streams = { StreamName: 's', RoleArn: 'arn:aws:iam::123456789012:role/s', StreamingStatus: 'ENABLED' };
    expect(comparePoolConfigurations(POOL, configuration(), configuration({ cognitoStreams: streams, cognitoEvents: undefined }))).toEqual([
      { identityPoolId: POOL, field: 'cognitoStreams', a: null, b: streams },
      { identityPoolId: POOL, field: 'cognitoEvents', a: configuration().cognitoEvents, b: null },
    ]);
    expect(comparePoolConfigurations(POOL, configuration(), undefined)).toEqual([{ identityPoolId: POOL, field: 'pool', a: 'present', b: null }]);
  });
});

/** A side held in memory: the snapshots it has. */
function memorySide(snapshots: readonly DatasetSnapshot[], configurations: readonly PoolConfiguration[] = []): DatasetSource {
  return {
    async *listIdentities(pool) {
      yield* new Set(snapshots.filter((s) => s.identityPoolId === pool).map((s) => s.identityId));
    },
    async listDatasets(pool, identity): Promise<DatasetListing[]> {
      return snapshots
        .filter((s) => s.identityPoolId === pool && s.identityId === identity)
        .map((s) => ({ ...s, numRecords: s.records.length, dataStorage: 0 }));
    },
    async readDataset(at) {
      return snapshots.find((s) => s.identityPoolId === at.identityPoolId && s.identityId === at.identityId && s.datasetName === at.datasetName);
    },
    async readPoolConfiguration(pool) {
      return configurations.find((c) => c.identityPoolId === pool);
    },
  };
}

describe('verifyMigration', () => {
  const other = (identityId: string, datasetName: string, changes: Partial<DatasetSnapshot> = {}) => snapshot({ identityId, datasetName, ...changes });

  it('counts what it compared and finds nothing between equal sides', async () => {
    const side = [other('i1', 'd1'), other('i1', 'd2'), other('i2', 'd1')];
    const result = await verifyMigration(memorySide(side), memorySide(side), [POOL]);
    expect(result).toMatchObject({ pools: 1, identities: 2, datasets: 3, records: 9, differenceCount: 0, differences: [] });
    expect(formatVerifySummary(result)).toMatch(/no differences/);
  });

  it('walks the identities and datasets of both sides, so one only the target has is found too', async () => {
    const a = [other('i1', 'd1')];
    const b = [other('i1', 'd1'), other('i1', 'd2'), other('i3', 'd1', { syncCount: 9 })];
    const result = await verifyMigration(memorySide(a), memorySide(b), [POOL]);
    expect(result.differenceCount).toBe(2);
    expect(result.differencesByField).toEqual({ dataset: 2 });
    expect(result.differences.map((d) => [d.identityId, d.datasetName])).toEqual(
      expect.arrayContaining([
        ['i1', 'd2'],
        ['i3', 'd1'],
      ]),
    );
    expect(formatVerifySummary(result)).toMatch(/2 differences between source \(a\) and target \(b\)/);
  });

  it('counts every difference but keeps only maxDifferences of them', async () => {
    const a = Array.from({ length: 5 }, (_, i) => other(`i${i}`, 'd'));
    const b = a.map((s) => ({ ...s, syncCount: 4 }));
    const result = await verifyMigration(memorySide(a), memorySide(b), [POOL], { maxDifferences: 2, concurrency: 3 });
    expect(result.differenceCount).toBe(5);
    expect(result.differences).toHaveLength(2);
  });

  it("counts a record's fields apart from the dataset's of the same name", async () => {
    const a = [other('i1', 'd')];
    const b = [other('i1', 'd', { syncCount: 4, records: [record('a', 4, 'one'), record('b', 2), a[0].records[2]] })];
    const result = await verifyMigration(memorySide(a), memorySide(b), [POOL]);
    expect(result.differencesByField).toEqual({ syncCount: 1, 'record.syncCount': 1, 'record.lastModifiedDate': 1 });
  });

  it('compares the pool configurations', async () => {
    const configurations = [{ identityPoolId: POOL, cognitoEvents: { SyncTrigger: 'arn:aws:lambda:us-east-1:1:function:f' } }];
    const result = await verifyMigration(memorySide([], configurations), memorySide([]), [POOL]);
    expect(result.differences).toEqual([{ identityPoolId: POOL, field: 'pool', a: 'present', b: null }]);
  });
});
