/**
 * UpdateRecords as pure steps, without I/O, so that each rule is tested on its own
 * (test/unit/update-planner.test.ts) and the service around them is only reads, a commit and retries:
 *
 *   checkPatches     the request alone: duplicate keys, patch count, what the answer would echo
 *   checkConflicts   the patches against the dataset as read: every SyncCount must match
 *   (RewriteStep)    the seam where the sync trigger will run: after the check, before the write
 *   planCommit       what to write: stamped records, the new head, the identity's deltas, the limits
 *
 * Each returns what it found rather than throwing, and the `...Error` functions beside it say it in
 * the service's words, so the messages live in one place.
 */
import { Errors, type SyncError } from '../../errors';
import { firstDuplicate } from '../../common/duplicates';
import type { DatasetRef, Limits, Principal, RecordPatch } from '../model';
import type { DatasetHead, RecordVersion, StoredRecord, UpdateCommit, UpdateSnapshot } from '../ports';
import { recordStorageBytes } from '../sizes';
import { answerBytes, MAX_ANSWER_RECORD_BYTES } from './answer-size';

/** The value a patch leaves: a replace without `Value` stores the empty string, a remove none. */
export const patchValue = (patch: RecordPatch): string | undefined => (patch.Op === 'replace' ? (patch.Value ?? '') : undefined);

// ---- checkPatches ----

export type PatchesRefusal =
  | { readonly reason: 'duplicate-key'; readonly key: string }
  | { readonly reason: 'too-many-patches'; readonly count: number; readonly max: number }
  | { readonly reason: 'answer-too-large'; readonly bytes: number; readonly max: number };

/** What can be refused before anything is read; undefined when the patches may go on. */
export function checkPatches(patches: readonly RecordPatch[], limits: Limits): PatchesRefusal | undefined {
  const duplicate = firstDuplicate(patches.map((p) => p.Key));
  if (duplicate !== undefined) return { reason: 'duplicate-key', key: duplicate };
  if (patches.length > limits.recordsPerDataset) {
    return { reason: 'too-many-patches', count: patches.length, max: limits.recordsPerDataset };
  }
  const echoed = patches.reduce((sum, p) => sum + answerBytes(p.Key, patchValue(p)), 0);
  // Deployed, an answer over Lambda's limit could not be returned after the update had committed.
  if (echoed > MAX_ANSWER_RECORD_BYTES) return { reason: 'answer-too-large', bytes: echoed, max: MAX_ANSWER_RECORD_BYTES };
  return undefined;
}

export function patchesError(refusal: PatchesRefusal): SyncError {
  switch (refusal.reason) {
    case 'duplicate-key':
      return Errors.invalidParameter(`Duplicate record key in RecordPatches: ${refusal.key}`);
    case 'too-many-patches':
      return Errors.limitExceeded(`An update may carry at most ${refusal.max} record patches; this one has ${refusal.count}.`);
    case 'answer-too-large':
      return Errors.requestEntityTooLarge(
        `The records of this update would take ${refusal.bytes} bytes in the answer, once escaped; the most an answer ` +
          `may carry is ${refusal.max}. Send fewer or smaller records per UpdateRecords.`,
      );
  }
}

// ---- checkConflicts ----

/** The version of `key` in the dataset's current incarnation: one at or below the floor was deleted with it. */
export function currentVersion(state: UpdateSnapshot, key: string): RecordVersion | undefined {
  const version = state.records.get(key);
  return version && version.syncCount > (state.head?.floor ?? 0) ? version : undefined;
}

/** A patch written against another version than the current one (0: the record does not exist). */
export interface Conflict {
  readonly key: string;
  readonly current: number;
  readonly given: number;
}

export type ConflictCheck = { readonly ok: true } | { readonly ok: false; readonly conflicts: readonly Conflict[] };

/** Every patch's SyncCount must equal its record's, exactly (docs/behaviour.md#conflicts). */
export function checkConflicts(state: UpdateSnapshot, patches: readonly RecordPatch[]): ConflictCheck {
  const conflicts = patches.flatMap((patch): Conflict[] => {
    const current = currentVersion(state, patch.Key)?.syncCount ?? 0;
    return patch.SyncCount === current ? [] : [{ key: patch.Key, current, given: patch.SyncCount }];
  });
  return conflicts.length === 0 ? { ok: true } : { ok: false, conflicts };
}

/** The whole request is refused with the first conflict, in the message clients parse. */
export const conflictError = (conflict: Conflict): SyncError =>
  Errors.resourceConflict(`Current SyncCount for: ${conflict.key} is: ${conflict.current} not: ${conflict.given}`);

// ---- the sync trigger's seam ----

/** An update between the conflict check and the plan. */
export interface CheckedUpdate {
  readonly principal: Principal;
  readonly dataset: DatasetRef;
  /** The patches checkConflicts accepted. */
  readonly patches: readonly RecordPatch[];
  /** The state they were checked against. */
  readonly state: UpdateSnapshot;
}

/**
 * Where the sync trigger (Cognito Events `SyncTrigger`) will run. It must run AFTER checkConflicts,
 * so that a stale request is refused without invoking anyone's function, and BEFORE planCommit and
 * the write, because what it returns is what is stored and echoed. It runs again on every attempt
 * of the retry loop, since each attempt checks a newer state. It returns the patches to write and
 * the state to plan them on: a key it adds must come with its current version in that state, so that
 * the plan counts its size right. Its patches are checked again with checkPatches.
 */
export type RewriteStep = ((update: CheckedUpdate) => Promise<Pick<CheckedUpdate, 'patches' | 'state'>>) & {
  /**
   * Whether the step does anything for this caller and dataset (absent: it may). UpdateRecords
   * skips a step that does not, and reads the dataset consistently for one that does.
   */
  readonly appliesTo?: (principal: Principal, dataset: DatasetRef) => Promise<boolean>;
};

// ---- planCommit ----

export interface PlanInput {
  readonly dataset: DatasetRef;
  readonly state: UpdateSnapshot;
  readonly patches: readonly RecordPatch[];
  /** Who the change is attributed to (`LastModifiedBy`). */
  readonly by: string;
  /** The writer's UpdateRecords `DeviceId`, recorded on the head for the change feed (push sync skips it). */
  readonly deviceId?: string;
  readonly now: number;
  readonly limits: Limits;
}

export type LimitBreach =
  | { readonly limit: 'records' | 'bytes'; readonly would: number; readonly max: number }
  | { readonly limit: 'datasets'; readonly max: number };

export type CommitPlan = { readonly ok: true; readonly commit: UpdateCommit } | { readonly ok: false; readonly breach: LimitBreach };

/**
 * The commit of checked patches: every record stamped with the dataset's next sync count, the head
 * with the new record count and storage, the identity's deltas; or the limit it would break.
 */
export function planCommit({ dataset, state, patches, by, deviceId, now, limits }: PlanInput): CommitPlan {
  const head = state.head;
  const live = head !== undefined && !head.deleted ? head : undefined;
  const syncCount = (head?.syncCount ?? 0) + 1;
  let numRecords = live?.numRecords ?? 0;
  let dataStorage = live?.dataStorage ?? 0;
  const writes = patches.map((patch): StoredRecord => {
    const before = currentVersion(state, patch.Key);
    const value = patchValue(patch);
    numRecords += (value !== undefined ? 1 : 0) - (before?.live ? 1 : 0);
    dataStorage += recordStorageBytes(patch.Key, value) - (before?.size ?? 0);
    return {
      key: patch.Key,
      ...(value !== undefined ? { value } : {}),
      syncCount,
      lastModifiedDate: now,
      lastModifiedBy: by,
      ...(patch.DeviceLastModifiedDate ? { deviceLastModifiedDate: patch.DeviceLastModifiedDate.getTime() } : {}),
    };
  });

  if (numRecords > limits.recordsPerDataset) {
    return { ok: false, breach: { limit: 'records', would: numRecords, max: limits.recordsPerDataset } };
  }
  if (dataStorage > limits.bytesPerDataset) {
    return { ok: false, breach: { limit: 'bytes', would: dataStorage, max: limits.bytesPerDataset } };
  }
  const creating = live === undefined;
  if (creating && (state.summary?.datasetCount ?? 0) >= limits.datasetsPerIdentity) {
    return { ok: false, breach: { limit: 'datasets', max: limits.datasetsPerIdentity } };
  }

  const newHead: DatasetHead = {
    name: dataset.DatasetName,
    syncCount,
    deleted: false,
    floor: head?.floor ?? 0,
    deletedAtSyncCount: head?.deletedAtSyncCount ?? 0,
    creationDate: live?.creationDate ?? now,
    lastModifiedDate: now,
    lastModifiedBy: by,
    numRecords,
    dataStorage,
    ...(deviceId !== undefined && { lastDeviceId: deviceId }),
  };
  return {
    ok: true,
    commit: {
      dataset,
      expected: head,
      newHead,
      writes,
      // Every version read, of any incarnation, so the store can clean up what the writes replace.
      previous: new Map(
        patches.flatMap((patch) => {
          const version = state.records.get(patch.Key);
          return version ? [[patch.Key, version] as const] : [];
        }),
      ),
      identityDelta: {
        datasetCount: creating ? 1 : 0,
        dataStorage: dataStorage - (live?.dataStorage ?? 0),
        lastModifiedDate: now,
      },
      maxDatasets: limits.datasetsPerIdentity,
    },
  };
}

export function limitError(breach: LimitBreach, dataset: DatasetRef): SyncError {
  switch (breach.limit) {
    case 'records':
      return Errors.limitExceeded(`Dataset '${dataset.DatasetName}' would hold ${breach.would} records; the limit is ${breach.max}.`);
    case 'bytes':
      return Errors.limitExceeded(`Dataset '${dataset.DatasetName}' would hold ${breach.would} bytes; the limit is ${breach.max}.`);
    case 'datasets':
      return Errors.limitExceeded(`Identity '${dataset.IdentityId}' already has ${breach.max} datasets, the most it may have.`);
  }
}
