/**
 * The sync trigger's pure steps (Cognito Events `SyncTrigger`, docs/behaviour.md#sync-trigger):
 *
 *   triggerEvent      the version-2 event a function receives: every live record of the dataset,
 *                     the request's patches applied over them
 *   readTriggerOutput what the function answered, checked: read-only fields unchanged, a well-formed
 *                     `datasetRecords`; the final value of each key it returned
 *   rewrittenPatches  the patches that make the dataset what the function said
 *
 * The I/O around them (reading the records, invoking, reading versions) is sync-trigger-step.ts.
 */
import { Errors, type SyncError } from '../../errors';
import type { DatasetRef, RecordPatch } from '../model';
import { patchValue } from './update-planner';

/** The event's type; the only one Cognito Sync sends. */
export const SYNC_TRIGGER_EVENT_TYPE = 'SyncTrigger';
export const SYNC_TRIGGER_EVENT_VERSION = 2;

/** One record in the event. `null`: no value (a new key's old value, a removed key's new one). */
export interface TriggerRecord {
  oldValue: string | null;
  newValue: string | null;
  op: 'replace' | 'remove';
}

export interface SyncTriggerEvent {
  readonly version: number;
  readonly eventType: string;
  readonly region: string;
  readonly identityPoolId: string;
  readonly identityId: string;
  readonly datasetName: string;
  readonly datasetRecords: Record<string, TriggerRecord>;
}

/** The fields a function may not change: all but `datasetRecords`. */
const READ_ONLY = ['version', 'eventType', 'region', 'identityPoolId', 'identityId', 'datasetName'] as const;

/** The model's record key and value lengths (docs/behaviour.md#limits): a function's records obey them too. */
const MAX_KEY_LENGTH = 1024;
const MAX_VALUE_LENGTH = 1048575;

export interface TriggerEventInput {
  readonly region: string;
  readonly dataset: DatasetRef;
  /** The dataset's live records before the update: key -> value. */
  readonly live: ReadonlyMap<string, string>;
  readonly patches: readonly RecordPatch[];
}

/**
 * Every live record with op `replace` and old = new, then each patch over it: a replace with the
 * value it leaves, a remove with `newValue` null. A key new to the dataset has `oldValue` null.
 */
export function triggerEvent({ region, dataset, live, patches }: TriggerEventInput): SyncTriggerEvent {
  // A null-prototype object: a record key `__proto__` is data like any other.
  const datasetRecords: Record<string, TriggerRecord> = Object.create(null);
  for (const [key, value] of live) datasetRecords[key] = { oldValue: value, newValue: value, op: 'replace' };
  for (const patch of patches) {
    datasetRecords[patch.Key] = { oldValue: live.get(patch.Key) ?? null, newValue: patchValue(patch) ?? null, op: patch.Op };
  }
  return {
    version: SYNC_TRIGGER_EVENT_VERSION,
    eventType: SYNC_TRIGGER_EVENT_TYPE,
    region,
    identityPoolId: dataset.IdentityPoolId,
    identityId: dataset.IdentityId,
    datasetName: dataset.DatasetName,
    datasetRecords,
  };
}

/** The final value of each key the function returned: a string, or undefined for a removal. */
export type TriggerResult = ReadonlyMap<string, string | undefined>;

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const invalidOutput = (why: string): SyncError => Errors.invalidLambdaFunctionOutput(`The sync trigger's output is not valid: ${why}`);

/**
 * Reads the function's answer against the event it was given. A record whose op is `remove`, or
 * whose `newValue` is null, is removed; one with op `replace` takes `newValue`. Throws
 * InvalidLambdaFunctionOutputException for anything else.
 */
export function readTriggerOutput(payload: string, sent: SyncTriggerEvent): TriggerResult {
  let answer: unknown;
  try {
    answer = JSON.parse(payload);
  } catch {
    throw invalidOutput('it is not JSON.');
  }
  if (!isPlainObject(answer)) throw invalidOutput('it is not the event object.');
  for (const field of READ_ONLY) {
    if (answer[field] !== sent[field]) throw invalidOutput(`the read-only field '${field}' was changed.`);
  }
  const records = answer.datasetRecords;
  if (!isPlainObject(records)) throw invalidOutput("'datasetRecords' is not an object.");
  const result = new Map<string, string | undefined>();
  for (const [key, record] of Object.entries(records)) {
    if (key.length < 1 || key.length > MAX_KEY_LENGTH) throw invalidOutput(`a record key must have 1 to ${MAX_KEY_LENGTH} characters.`);
    if (!isPlainObject(record)) throw invalidOutput(`record '${key}' is not an object.`);
    const { op, newValue } = record;
    if (op !== 'replace' && op !== 'remove') throw invalidOutput(`record '${key}' has op ${JSON.stringify(op)}; it must be replace or remove.`);
    if (newValue !== null && newValue !== undefined && typeof newValue !== 'string') {
      throw invalidOutput(`record '${key}' has a newValue that is not a string.`);
    }
    const value = op === 'remove' || newValue === null || newValue === undefined ? undefined : newValue;
    if (value !== undefined && value.length > MAX_VALUE_LENGTH) throw invalidOutput(`record '${key}' has a value over ${MAX_VALUE_LENGTH} characters.`);
    result.set(key, value);
  }
  return result;
}

export interface RewriteInput {
  /** The request's patches, as the conflict check accepted them. */
  readonly requested: readonly RecordPatch[];
  readonly live: ReadonlyMap<string, string>;
  readonly result: TriggerResult;
  /** The current sync count of a key (0 when it has none), for the patches the function adds. */
  readonly syncCountOf: (key: string) => number;
}

/**
 * The patches to write: each requested key the function kept, with the value it chose (written even
 * when that is the old value, so that the device that sent it learns the value it must take), and
 * each other key whose value the function changed, added or removed. A key the function left out is
 * left as it is, the request's patch for it included.
 */
export function rewrittenPatches({ requested, live, result, syncCountOf }: RewriteInput): RecordPatch[] {
  const byKey = new Map(requested.map((patch) => [patch.Key, patch]));
  const patches: RecordPatch[] = [];
  for (const [key, value] of result) {
    const patch = byKey.get(key);
    if (!patch && value === live.get(key)) continue;
    patches.push({
      Op: value === undefined ? 'remove' : 'replace',
      Key: key,
      ...(value !== undefined ? { Value: value } : {}),
      SyncCount: patch?.SyncCount ?? syncCountOf(key),
      ...(patch?.DeviceLastModifiedDate ? { DeviceLastModifiedDate: patch.DeviceLastModifiedDate } : {}),
    });
  }
  return patches;
}
