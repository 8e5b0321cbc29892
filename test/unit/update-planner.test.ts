/**
 * The pure steps of UpdateRecords (domain/records/update-planner.ts), on plain data: no store, no
 * clock, no tokens.
 */
import { describe, expect, it } from 'vitest';
import type { DatasetRef, Limits, RecordPatch } from '../../lambdas/src/domain/model';
import type { DatasetHead, RecordVersion, UpdateSnapshot } from '../../lambdas/src/domain/ports';
import { answerBytes, MAX_ANSWER_RECORD_BYTES } from '../../lambdas/src/domain/records/answer-size';
import {
  checkConflicts,
  checkPatches,
  conflictError,
  limitError,
  patchesError,
  planCommit,
  type PlanInput,
} from '../../lambdas/src/domain/records/update-planner';
import { recordStorageBytes } from '../../lambdas/src/domain/sizes';

const dataset: DatasetRef = { IdentityPoolId: 'us-east-1:pool', IdentityId: 'us-east-1:id', DatasetName: 'settings' };
const limits: Limits = { datasetsPerIdentity: 3, recordsPerDataset: 4, bytesPerDataset: 100 };
const NOW = 1_700_000_000_000;

const replace = (Key: string, Value: string, SyncCount = 0): RecordPatch => ({ Op: 'replace', Key, Value, SyncCount });
const remove = (Key: string, SyncCount: number): RecordPatch => ({ Op: 'remove', Key, SyncCount });

const head = (fields: Partial<DatasetHead> = {}): DatasetHead => ({
  name: 'settings',
  syncCount: 5,
  deleted: false,
  floor: 0,
  deletedAtSyncCount: 0,
  creationDate: 1_000,
  lastModifiedDate: 2_000,
  lastModifiedBy: 'someone',
  numRecords: 2,
  dataStorage: 4,
  ...fields,
});

const version = (key: string, syncCount: number, value: string | undefined): RecordVersion => ({
  key,
  syncCount,
  live: value !== undefined,
  size: recordStorageBytes(key, value),
});

/** A dataset at count 5 with a=1 (written at 3), b=2 (at 5), and a tombstone c (at 4). */
const state = (fields: Partial<UpdateSnapshot> = {}): UpdateSnapshot => ({
  head: head(),
  summary: { datasetCount: 1, dataStorage: 4 },
  records: new Map([
    ['a', version('a', 3, '1')],
    ['b', version('b', 5, '2')],
    ['c', version('c', 4, undefined)],
  ]),
  ...fields,
});

const plan = (input: Partial<PlanInput> & Pick<PlanInput, 'patches'>) => planCommit({ dataset, state: state(), by: 'writer', now: NOW, limits, ...input });

describe('checkPatches', () => {
  it('lets distinct patches within the limits through', () => {
    expect(checkPatches([replace('a', '1'), remove('b', 2)], limits)).toBeUndefined();
  });

  it('refuses a key patched twice, with the key', () => {
    const refusal = checkPatches([replace('a', '1'), replace('b', '1'), remove('a', 1)], limits);
    expect(refusal).toEqual({ reason: 'duplicate-key', key: 'a' });
    expect(patchesError(refusal!)).toMatchObject({
      code: 'InvalidParameterException',
      message: 'Duplicate record key in RecordPatches: a',
    });
  });

  it('refuses more patches than a dataset may hold records', () => {
    const refusal = checkPatches(
      ['a', 'b', 'c', 'd', 'e'].map((k) => replace(k, '1')),
      limits,
    );
    expect(refusal).toEqual({ reason: 'too-many-patches', count: 5, max: 4 });
    expect(patchesError(refusal!).code).toBe('LimitExceededException');
  });

  it('refuses patches whose echo would not fit in one answer, counting a remove without its value', () => {
    const most = Math.floor((MAX_ANSWER_RECORD_BYTES - answerBytes('k', '')) / 7);
    const wide = { ...limits, recordsPerDataset: 10 };
    expect(checkPatches([replace('k', '\u0001'.repeat(most))], wide)).toBeUndefined();
    const refusal = checkPatches([replace('k', '\u0001'.repeat(most + 1))], wide);
    expect(refusal).toMatchObject({ reason: 'answer-too-large', max: MAX_ANSWER_RECORD_BYTES });
    expect(patchesError(refusal!).code).toBe('RequestEntityTooLargeException');
    // A remove echoes no value, whatever the patch carries.
    expect(checkPatches([{ ...remove('k', 1), Value: '\u0001'.repeat(most + 1) }], wide)).toBeUndefined();
  });
});

describe('checkConflicts', () => {
  it("accepts patches whose SyncCount is their record's, and 0 for a key that does not exist", () => {
    expect(checkConflicts(state(), [replace('a', 'x', 3), remove('b', 5), replace('c', 'x', 4), replace('new', 'x', 0)])).toEqual({ ok: true });
  });

  it('lists every patch written against another count, below or above', () => {
    const check = checkConflicts(state(), [replace('a', 'x', 2), replace('b', 'x', 5), replace('new', 'x', 1)]);
    expect(check).toEqual({
      ok: false,
      conflicts: [
        { key: 'a', current: 3, given: 2 },
        { key: 'new', current: 0, given: 1 },
      ],
    });
    if (!check.ok)
      expect(conflictError(check.conflicts[0])).toMatchObject({
        code: 'ResourceConflictException',
        message: 'Current SyncCount for: a is: 3 not: 2',
      });
  });

  it('treats a record of a deleted incarnation (at or below the floor) as absent', () => {
    const recreated = state({ head: head({ floor: 3 }) });
    expect(checkConflicts(recreated, [replace('a', 'x', 0)])).toEqual({ ok: true });
    expect(checkConflicts(recreated, [replace('a', 'x', 3)])).toEqual({ ok: false, conflicts: [{ key: 'a', current: 0, given: 3 }] });
    expect(checkConflicts(recreated, [replace('c', 'x', 4)])).toEqual({ ok: true });
  });
});

describe('planCommit', () => {
  it('stamps every record with the next sync count, the writer and the time, keeping the device date', () => {
    const device = new Date(1_500);
    const result = plan({ patches: [{ ...replace('a', 'x', 3), DeviceLastModifiedDate: device }, remove('b', 5)] });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.commit.writes).toEqual([
      { key: 'a', value: 'x', syncCount: 6, lastModifiedDate: NOW, lastModifiedBy: 'writer', deviceLastModifiedDate: 1_500 },
      { key: 'b', syncCount: 6, lastModifiedDate: NOW, lastModifiedBy: 'writer' },
    ]);
    expect(result.commit.expected).toEqual(head());
  });

  it('a replace without a value stores the empty string', () => {
    const result = plan({ patches: [{ Op: 'replace', Key: 'n', SyncCount: 0 }] });
    expect(result.ok && result.commit.writes[0].value).toBe('');
  });

  it('counts records and UTF-8 bytes: a replace over a live record, a remove, a replace over a tombstone', () => {
    // Before: a=1, b=2 (2 records, 4 bytes). After: a=€€ (1 + 6 bytes), b removed, c=é (1 + 2 bytes).
    const result = plan({ patches: [replace('a', '€€', 3), remove('b', 5), replace('c', 'é', 4)] });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.commit.newHead).toMatchObject({ syncCount: 6, numRecords: 2, dataStorage: 7 + 3, deleted: false });
    expect(result.commit.identityDelta).toEqual({ datasetCount: 0, dataStorage: 10 - 4, lastModifiedDate: NOW });
    expect(result.commit.newHead).toMatchObject({ creationDate: 1_000, lastModifiedDate: NOW, lastModifiedBy: 'writer' });
  });

  it('creates a dataset: count 1, creation now, one more dataset for the identity', () => {
    const result = plan({ state: state({ head: undefined, summary: undefined, records: new Map() }), patches: [replace('k', 'v')] });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.commit.expected).toBeUndefined();
    expect(result.commit.newHead).toEqual({
      name: 'settings',
      syncCount: 1,
      deleted: false,
      floor: 0,
      deletedAtSyncCount: 0,
      creationDate: NOW,
      lastModifiedDate: NOW,
      lastModifiedBy: 'writer',
      numRecords: 1,
      dataStorage: 2,
    });
    expect(result.commit.identityDelta).toEqual({ datasetCount: 1, dataStorage: 2, lastModifiedDate: NOW });
    expect(result.commit.maxDatasets).toBe(3);
    expect(result.commit.previous.size).toBe(0);
  });

  it("re-creates a deleted dataset from its count and floor, ignoring the old incarnation's sizes", () => {
    const deleted = head({ deleted: true, floor: 5, deletedAtSyncCount: 5, numRecords: 0, dataStorage: 0 });
    const result = plan({ state: state({ head: deleted, summary: { datasetCount: 0, dataStorage: 0 } }), patches: [replace('a', 'xy')] });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.commit.newHead).toMatchObject({ syncCount: 6, floor: 5, deletedAtSyncCount: 5, numRecords: 1, dataStorage: 3, creationDate: NOW });
    expect(result.commit.identityDelta.datasetCount).toBe(1);
    // The old incarnation's version is handed back, so the store can clean up what it replaces.
    expect(result.commit.previous.get('a')).toEqual(version('a', 3, '1'));
  });

  it('refuses what would break the records, bytes or datasets limit, in that order', () => {
    const records = plan({ patches: [replace('c', '1', 4), replace('d', '1'), replace('e', '1')] });
    expect(records).toEqual({ ok: false, breach: { limit: 'records', would: 5, max: 4 } });
    const bytes = plan({ patches: [replace('a', 'v'.repeat(98), 3)] });
    expect(bytes).toEqual({ ok: false, breach: { limit: 'bytes', would: 99 + 2, max: 100 } });
    expect(plan({ patches: [replace('a', 'v'.repeat(97), 3)] }).ok).toBe(true); // exactly 100 bytes
    const full = state({ head: undefined, summary: { datasetCount: 3, dataStorage: 0 }, records: new Map() });
    expect(plan({ state: full, patches: [replace('k', 'v')] })).toEqual({ ok: false, breach: { limit: 'datasets', max: 3 } });
    // An existing dataset is not a new one: the datasets limit does not apply.
    expect(plan({ state: state({ summary: { datasetCount: 3, dataStorage: 4 } }), patches: [replace('k', 'v')] }).ok).toBe(true);
  });

  it("says each breach in the service's words", () => {
    expect(limitError({ limit: 'records', would: 5, max: 4 }, dataset).message).toBe("Dataset 'settings' would hold 5 records; the limit is 4.");
    expect(limitError({ limit: 'bytes', would: 101, max: 100 }, dataset).message).toBe("Dataset 'settings' would hold 101 bytes; the limit is 100.");
    expect(limitError({ limit: 'datasets', max: 3 }, dataset)).toMatchObject({
      code: 'LimitExceededException',
      message: "Identity 'us-east-1:id' already has 3 datasets, the most it may have.",
    });
  });
});
