/**
 * UpdateRecords: the session token, then the pure steps of update-planner.ts around one read (at first
 * eventually consistent: see below) and one conditional commit, again while other writes move the
 * dataset in between.
 */
import { Errors } from '../../errors';
import { Contention } from '../contention';
import { DEFAULT_LIMITS, type Limits, type Principal, type RecordPatch, type UpdateRecordsInput, type UpdateRecordsOutput } from '../model';
import type { Clock } from '../ports';
import { SyncSessionTokens } from '../tokens';
import type { Tokens, UpdateWriter } from './ports';
import { checkConflicts, checkPatches, conflictError, limitError, patchesError, planCommit, type RewriteStep } from './update-planner';
import { modifiedBy, toRecord } from './views';

export interface RecordUpdatesDeps {
  readonly store: UpdateWriter;
  readonly clock: Clock;
  readonly tokens: Tokens;
  readonly limits?: Limits;
  /** The sync trigger (sync-trigger-step.ts): see RewriteStep for where it runs and what it may do. */
  readonly rewrite?: RewriteStep;
}

export class RecordUpdates {
  private readonly sessions: SyncSessionTokens;
  private readonly limits: Limits;

  constructor(private readonly deps: RecordUpdatesDeps) {
    this.sessions = new SyncSessionTokens(deps.tokens);
    this.limits = deps.limits ?? DEFAULT_LIMITS;
  }

  async updateRecords(principal: Principal, input: UpdateRecordsInput): Promise<UpdateRecordsOutput> {
    const { store, clock, rewrite } = this.deps;
    if (!this.sessions.isValidFor(input.SyncSessionToken, input, clock.now())) {
      throw Errors.invalidParameter('SyncSessionToken not valid for these inputs');
    }
    const requested = input.RecordPatches ?? [];
    // No patches, no write (docs/decisions.md#empty-duplicate-and-oversized-updates).
    if (requested.length === 0) return { Records: [] };
    this.refuseBadPatches(requested);
    const keys = requested.map((p) => p.Key);

    // A rewrite (the sync trigger) is shown the dataset as read, so with one every read is consistent.
    const rewriting = rewrite !== undefined && (rewrite.appliesTo === undefined || (await rewrite.appliesTo(principal, input)));
    // Without one, the first read may be stale (eventually consistent: half the read units). Nothing
    // is reported from a stale read: a conflict or a limit it shows, or a refusal of the commit it
    // led to, sends us to a consistent read first. A commit it leads to lands only if the head is
    // still the one read (its sync count moves with every change), so it is never a lost update.
    let consistent = rewriting;
    const contention = new Contention();
    for (;;) {
      let state = await store.readForUpdate(input, keys, { consistent });
      // The store may have read consistently anyway (a per-record head): then there is nothing to confirm.
      const confirm = state.eventual === true;
      consistent = true;
      const conflicts = checkConflicts(state, requested);
      if (!conflicts.ok) {
        if (confirm) continue;
        throw conflictError(conflicts.conflicts[0]);
      }
      let patches: readonly RecordPatch[] = requested;
      if (rewrite && rewriting) {
        ({ patches, state } = await rewrite({ principal, dataset: input, patches, state }));
        // A rewrite that keeps nothing writes nothing, as a request without patches does.
        if (patches.length === 0) return { Records: [] };
        this.refuseBadPatches(patches);
      }

      const plan = planCommit({
        dataset: input,
        state,
        patches,
        by: modifiedBy(principal),
        deviceId: input.DeviceId,
        now: clock.now(),
        limits: this.limits,
      });
      if (!plan.ok) {
        if (confirm) continue;
        throw limitError(plan.breach, input);
      }
      const refusal = await store.commitUpdate(plan.commit);
      if (refusal === undefined) return { Records: plan.commit.writes.map(toRecord) };
      // Only when the head's condition held (store.commitUpdate): the read was current.
      if (refusal === 'dataset-limit') throw limitError({ limit: 'datasets', max: this.limits.datasetsPerIdentity }, input);
      // A stale read, not contention: read again at once, consistently.
      if (confirm) continue;
      // Another write moved the dataset between our read and our commit: read again, check again.
      if (!(await contention.waitTurn())) {
        throw Errors.resourceConflict(`Dataset '${input.DatasetName}' is being modified by other requests; synchronize and retry.`);
      }
    }
  }

  private refuseBadPatches(patches: readonly RecordPatch[]): void {
    const refusal = checkPatches(patches, this.limits);
    if (refusal) throw patchesError(refusal);
  }
}
