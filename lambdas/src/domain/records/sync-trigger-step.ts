/**
 * The sync trigger as UpdateRecords' RewriteStep (update-planner.ts says where it runs): for an
 * identity's update of a pool with a `SyncTrigger`, read the dataset's live records, invoke the
 * function with the event, and hand the planner the patches its answer makes.
 *
 * Round trips, beyond UpdateRecords' own two: a listing of the live records (GetItem, Query, GetItem)
 * for a dataset kept one item per record, none for one kept in its head item (the conflict check's
 * read holds them all) or with no records; one more read of versions, only when the function writes
 * keys the request did not carry; and a read of the pool's trigger when this process has not read it
 * within SYNC_TRIGGER_TTL_MS (sync-trigger-lookup.ts). Developer callers and pools without a trigger
 * pay nothing.
 */
import { Errors, type SyncError } from '../../errors';
import type { DatasetRef, Principal } from '../model';
import type { DatasetHead, StoredRecord, SyncStore } from '../ports';
import { readTriggerOutput, rewrittenPatches, triggerEvent } from './sync-trigger';
import type { SyncTriggerLookup } from './sync-trigger-lookup';
import type { CheckedUpdate, RewriteStep } from './update-planner';

/**
 * Invokes a function synchronously and answers its payload. Throws LambdaThrottledException,
 * LambdaSocketTimeoutException (no answer within SYNC_TRIGGER_TIMEOUT_MS) or
 * InvalidLambdaFunctionOutputException (the function failed), as the adapter sees them.
 */
export interface FunctionInvoker {
  invoke(functionArn: string, payload: string): Promise<string>;
}

/** How long a trigger may take, as Cognito Sync allows: not adjustable. */
export const SYNC_TRIGGER_TIMEOUT_MS = 5_000;

export interface SyncTriggerDeps {
  /** The `region` of the event: the region the service runs in. */
  readonly region: string;
  readonly triggers: SyncTriggerLookup;
  readonly invoker: FunctionInvoker;
  readonly store: Pick<SyncStore, 'listRecords' | 'readForUpdate'>;
}

/** The most records one page may list: a dataset holds at most 1,024 live ones. */
const LIST_PAGE = 1024;

export function syncTriggerStep(deps: SyncTriggerDeps): RewriteStep {
  // Cognito Sync runs the trigger for Cognito Identity credentials only, never for the developer's.
  const appliesTo = async (principal: Principal, dataset: DatasetRef): Promise<boolean> =>
    principal.kind === 'identity' && (await deps.triggers.functionFor(dataset.IdentityPoolId)) !== undefined;
  const step = async ({ principal, dataset, patches, state }: CheckedUpdate): Promise<Pick<CheckedUpdate, 'patches' | 'state'>> => {
    // Cognito Sync runs the trigger for Cognito Identity credentials only, never for the developer's.
    if (principal.kind !== 'identity') return { patches, state };
    const functionArn = await deps.triggers.functionFor(dataset.IdentityPoolId);
    if (!functionArn) return { patches, state };

    const listed = state.heldRecords ? heldLiveRecords(state.heldRecords, state.head) : await liveRecords(deps.store, dataset, state.head);
    const live = new Map([...listed].map(([key, record]) => [key, record.value as string]));
    const event = triggerEvent({ region: deps.region, dataset, live, patches });
    const result = readTriggerOutput(await deps.invoker.invoke(functionArn, JSON.stringify(event)), event);
    const rewritten = rewrittenPatches({ requested: patches, live, result, syncCountOf: (key) => listed.get(key)?.syncCount ?? 0 });

    // The planner needs the version of every key it writes: the request's were read, the function's may not be.
    const requested = new Set(patches.map((patch) => patch.Key));
    const added = rewritten.filter((patch) => !requested.has(patch.Key)).map((patch) => patch.Key);
    if (added.length === 0) return { patches: rewritten, state };
    const reread = await deps.store.readForUpdate(dataset, [...requested, ...added]);
    if (!sameHead(reread.head, state.head)) throw datasetMoved(dataset);
    return { patches: rewritten, state: reread };
  };
  return Object.assign(step, { appliesTo });
}

/** The live records (key -> its version) among a dataset's records as the conflict check read them all. */
function heldLiveRecords(records: readonly StoredRecord[], head: DatasetHead | undefined): Map<string, StoredRecord> {
  const floor = head && !head.deleted ? head.floor : Number.POSITIVE_INFINITY;
  // Records at or below the floor belong to an incarnation DeleteDataset removed.
  return new Map(records.filter((record) => record.value !== undefined && record.syncCount > floor).map((record) => [record.key, record]));
}

/** The dataset's live records (key -> its latest version), as of `head`; none for a new or deleted dataset. */
async function liveRecords(store: SyncTriggerDeps['store'], dataset: DatasetRef, head: DatasetHead | undefined): Promise<Map<string, StoredRecord>> {
  const live = new Map<string, StoredRecord>();
  if (!head || head.deleted || head.numRecords === 0) return live;
  let cursor: string | undefined;
  do {
    // Records at or below the floor belong to an incarnation DeleteDataset removed.
    const page = await store.listRecords(dataset, head.floor, LIST_PAGE, cursor);
    // Another write committed since the conflict check: the function must not see a mix of both.
    if (!sameHead(page.head, head)) throw datasetMoved(dataset);
    for (const record of page.records) {
      if (record.value === undefined) live.delete(record.key);
      else live.set(record.key, record);
    }
    cursor = page.cursor;
  } while (cursor);
  return live;
}

const sameHead = (a: DatasetHead | undefined, b: DatasetHead | undefined): boolean => a?.syncCount === b?.syncCount && a?.deleted === b?.deleted;

const datasetMoved = (dataset: DatasetRef): SyncError =>
  Errors.resourceConflict(`Dataset '${dataset.DatasetName}' is being modified by other requests; synchronize and retry.`);
