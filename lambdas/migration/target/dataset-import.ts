/**
 * Writes a migrated dataset through the store's own commit (`SyncStore.commitUpdate`), as an
 * UpdateRecords would, but with the source's sync counts, dates and authors instead of new ones. So
 * the layout is whatever the store decides today: one item under the single-item threshold, one item
 * per record above it, the redo log when the write does not fit one transaction, the identity's
 * dataset count in the same atomic step as a creation.
 *
 * Whether to write is decided from the target's head alone:
 * - no head: the dataset was never copied; it is created;
 * - a head last written by the migration (`lastDeviceId` is MIGRATION_WRITER, which no app's
 *   UpdateRecords leaves: each one sets its own DeviceId or none) at the source's count: it is
 *   `unchanged`, even when the run that wrote it was killed before its checkpoint;
 * - a head last written by the migration at a lower count: the records above that count are written,
 *   under the store's condition that the head has not moved since it was read;
 * - anything else (an app wrote or deleted the dataset on the target, or it was there before the
 *   migration): a `conflict`, never overwritten.
 */
import type { DatasetRef } from '../../src/domain/model';
import type { DatasetHead, StoredRecord, SyncStore } from '../../src/domain/ports';
import { recordStorageBytes } from '../../src/domain/sizes';
import type { DatasetSnapshot, WriteOutcome } from '../model';

/**
 * The marker of a head the migration wrote, kept as the head's last device: the change feed then
 * treats the migration as a device that needs no notification, and an app's next write replaces it.
 */
export const MIGRATION_WRITER = 'open-cognito-sync-migration';

/** No identity is refused for its dataset count: the source already held these datasets. */
const NO_DATASET_LIMIT = Number.MAX_SAFE_INTEGER;

export const datasetRefOf = (address: { identityPoolId: string; identityId: string; datasetName: string }): DatasetRef => ({
  IdentityPoolId: address.identityPoolId,
  IdentityId: address.identityId,
  DatasetName: address.datasetName,
});

/** What the head says about a write of `snapshot`: the count to write above, or the outcome already. */
type Decision = { readonly write: true; readonly above: number } | { readonly write: false; readonly outcome: WriteOutcome };

export function decide(head: DatasetHead | undefined, snapshot: DatasetSnapshot, lastCopiedSyncCount: number | undefined): Decision {
  if (head === undefined) return { write: true, above: 0 };
  const ownedByMigration = head.lastDeviceId === MIGRATION_WRITER && !head.deleted;
  if (ownedByMigration && head.syncCount === snapshot.syncCount) return { write: false, outcome: { kind: 'unchanged' } };
  // A count above the source's cannot come from the source: someone else wrote it.
  if (ownedByMigration && head.syncCount < snapshot.syncCount) return { write: true, above: head.syncCount };
  return { write: false, outcome: { kind: 'conflict', targetSyncCount: head.syncCount, expectedSyncCount: lastCopiedSyncCount } };
}

/** The head the snapshot leaves: its counts and dates, its live records' totals, the migration's mark. */
export function headOfSnapshot(snapshot: DatasetSnapshot, previous: DatasetHead | undefined): DatasetHead {
  const live = snapshot.records.filter((record) => record.value !== undefined);
  // Unknown to the source (absent): what an earlier copy kept, else never deleted.
  const deletedAt = snapshot.deletedAtSyncCount ?? previous?.deletedAtSyncCount ?? 0;
  return {
    name: snapshot.datasetName,
    syncCount: snapshot.syncCount,
    deleted: false,
    // DeleteDataset sets both to the count it deleted at; a re-creation keeps them.
    floor: deletedAt,
    deletedAtSyncCount: deletedAt,
    creationDate: snapshot.creationDate,
    lastModifiedDate: snapshot.lastModifiedDate,
    lastModifiedBy: snapshot.lastModifiedBy,
    numRecords: live.length,
    dataStorage: live.reduce((sum, record) => sum + recordStorageBytes(record.key, record.value), 0),
    lastDeviceId: MIGRATION_WRITER,
  };
}

/**
 * A record's six fields and nothing else, either way between a snapshot and the store (the two
 * shapes are the same): snapshots compare field by field, so no adapter bookkeeping may ride along.
 */
export const recordFields = (record: StoredRecord): StoredRecord => ({
  key: record.key,
  ...(record.value !== undefined ? { value: record.value } : {}),
  syncCount: record.syncCount,
  lastModifiedDate: record.lastModifiedDate,
  lastModifiedBy: record.lastModifiedBy,
  ...(record.deviceLastModifiedDate !== undefined ? { deviceLastModifiedDate: record.deviceLastModifiedDate } : {}),
});

/** How many times a write is decided again after the head moved under it before it gives up. */
const MAX_HEAD_MOVES = 5;

export async function importDataset(
  store: Pick<SyncStore, 'readForUpdate' | 'commitUpdate'>,
  snapshot: DatasetSnapshot,
  lastCopiedSyncCount: number | undefined,
): Promise<WriteOutcome> {
  const dataset = datasetRefOf(snapshot);
  for (let attempt = 0; attempt < MAX_HEAD_MOVES; attempt++) {
    // The head alone first: an unchanged or conflicting dataset costs one read. readForUpdate, not
    // getDatasetHead: it rolls forward a commit a killed run left marked but unapplied.
    const first = await store.readForUpdate(dataset, []);
    const decision = decide(first.head, snapshot, lastCopiedSyncCount);
    if (!decision.write) return decision.outcome;
    const writes = snapshot.records.filter((record) => record.syncCount > decision.above).map(recordFields);
    // The versions the writes replace (the store cleans up after them); the commit below is
    // conditioned on the head read with them. A dataset with no head has no records to replace
    // (record items are only ever written under a head), so the first read serves: the bulk copy's
    // common case costs one read less.
    const state =
      first.head === undefined
        ? first
        : await store.readForUpdate(
            dataset,
            writes.map((record) => record.key),
          );
    const again = decide(state.head, snapshot, lastCopiedSyncCount);
    if (!again.write) return again.outcome;
    if (again.above !== decision.above) continue;
    const newHead = headOfSnapshot(snapshot, state.head);
    const refusal = await store.commitUpdate({
      dataset,
      expected: state.head,
      newHead,
      writes,
      previous: state.records,
      identityDelta: {
        datasetCount: state.head === undefined ? 1 : 0,
        dataStorage: newHead.dataStorage - (state.head?.dataStorage ?? 0),
        lastModifiedDate: newHead.lastModifiedDate,
      },
      maxDatasets: NO_DATASET_LIMIT,
    });
    if (refusal === undefined) {
      const bytes = writes.reduce((sum, record) => sum + recordStorageBytes(record.key, record.value ?? ''), 0);
      return { kind: 'written', records: writes.length, bytes };
    }
    // 'head-moved': someone wrote meanwhile; decide again from the new head (most likely a conflict).
  }
  throw new Error(`dataset ${snapshot.datasetName} of ${snapshot.identityId} kept changing while it was being copied`);
}
