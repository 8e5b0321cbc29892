/**
 * `migrate`: copies every dataset of the given pools from a source to the target, identity by
 * identity, `concurrency` identities at once, and each pool's configuration.
 *
 * A dataset is read from the source only when its listing changed since the checkpoint's copy, and
 * written only when its sync count moved; the target itself refuses to overwrite a dataset that
 * changed there (a conflict, reported). So a run can be repeated at any time (the final delta of a
 * cutover) and a killed run started again: nothing is written twice, nothing is skipped.
 */
import { eachConcurrently } from '../each-concurrently';
import type { DatasetAddress, DatasetListing, DatasetSource, DatasetTarget, PoolConfiguration, WriteOutcome } from '../model';
import { directCall, type SourceCall } from '../source/call';
import { type Checkpoint, fingerprintOf } from './checkpoint';
import { poolConfigurationActions } from './pool-actions';
import { emptyCounts, type ProgressCounts } from './progress';

export const DEFAULT_CONCURRENCY = 8;
const DEFAULT_CHECKPOINT_INTERVAL_MS = 2_000;

export const DEVICES_NOTE =
  'Devices and push subscriptions cannot be read from the source: each device registers again (RegisterDevice, SubscribeToDataset) on its next launch, as the clients do.';

export interface MigrationOptions {
  readonly source: DatasetSource;
  readonly target: DatasetTarget;
  readonly pools: readonly string[];
  readonly checkpoint: Checkpoint;
  /** Identities copied at once. */
  readonly concurrency?: number;
  /** Count what would be copied, write nothing (not even the checkpoint). */
  readonly dryRun?: boolean;
  /** The target's account, to say which ARNs of a pool configuration belong to another one. */
  readonly targetAccountId?: string;
  /** Moved as the run goes (a progress view reads them). */
  readonly counts?: ProgressCounts;
  /** Around each target write: retries of throttling (the CLI passes retryingCall). */
  readonly targetCall?: SourceCall;
  readonly checkpointIntervalMs?: number;
  /**
   * Whether a run that fails saves its checkpoint on the way out (default true). The resume tests
   * turn it off to stand for a process killed outright.
   */
  readonly saveCheckpointOnFailure?: boolean;
}

export interface DatasetConflict extends DatasetAddress {
  readonly sourceSyncCount: number;
  readonly targetSyncCount: number;
  /** What the migration last wrote there, if the checkpoint knows. */
  readonly lastCopiedSyncCount: number | null;
}

export interface PoolReport {
  readonly identityPoolId: string;
  /** `none`: the source pool has no configuration; `kept`: the target has its own, not overwritten. */
  readonly configuration: 'copied' | 'unchanged' | 'kept' | 'none' | 'would-copy';
  readonly actions: readonly string[];
}

export interface MigrationReport {
  readonly dryRun: boolean;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly pools: readonly PoolReport[];
  readonly identities: number;
  readonly datasets: {
    readonly total: number;
    readonly copied: number;
    readonly unchanged: number;
    readonly conflicts: number;
  };
  readonly records: number;
  readonly bytes: number;
  readonly conflicts: readonly DatasetConflict[];
  /** Copied by an earlier run, no longer at the source (deleted there): left on the target as they are. */
  readonly goneFromSource: readonly DatasetAddress[];
  readonly devices: string;
}

const isEmpty = (c: PoolConfiguration | undefined): boolean =>
  c === undefined ||
  (c.pushSync === undefined && c.cognitoStreams === undefined && (c.cognitoEvents === undefined || Object.keys(c.cognitoEvents).length === 0));

const sameConfiguration = (a: PoolConfiguration, b: PoolConfiguration): boolean =>
  JSON.stringify([a.pushSync ?? null, a.cognitoStreams ?? null, a.cognitoEvents ?? null]) ===
  JSON.stringify([b.pushSync ?? null, b.cognitoStreams ?? null, b.cognitoEvents ?? null]);

export async function runMigration(options: MigrationOptions): Promise<MigrationReport> {
  const { source, target, checkpoint } = options;
  const started = Date.now();
  const counts = options.counts ?? emptyCounts();
  const dryRun = options.dryRun === true;
  const targetCall = options.targetCall ?? directCall;
  const conflicts: DatasetConflict[] = [];
  const goneFromSource: DatasetAddress[] = [];
  const pools: PoolReport[] = [];

  const copyPoolConfiguration = async (identityPoolId: string): Promise<PoolReport> => {
    const configuration = await source.readPoolConfiguration(identityPoolId);
    if (!configuration || isEmpty(configuration)) {
      return { identityPoolId, configuration: 'none', actions: [] };
    }
    const actions = poolConfigurationActions(configuration, options.targetAccountId);
    if (dryRun) return { identityPoolId, configuration: 'would-copy', actions };
    const existing = await target.readPoolConfiguration(identityPoolId);
    if (existing && sameConfiguration(existing, configuration)) return { identityPoolId, configuration: 'unchanged', actions };
    // A configuration set on the target since (or before) the copy is the operator's: never overwritten.
    if (!isEmpty(existing)) return { identityPoolId, configuration: 'kept', actions };
    await targetCall('SetIdentityPoolConfiguration', () => target.writePoolConfiguration(configuration));
    checkpoint.markPoolCopied(identityPoolId);
    return { identityPoolId, configuration: 'copied', actions };
  };

  const copyDataset = async (listing: DatasetListing): Promise<void> => {
    const address: DatasetAddress = { identityPoolId: listing.identityPoolId, identityId: listing.identityId, datasetName: listing.datasetName };
    const copied = checkpoint.copied(address);
    const fingerprint = fingerprintOf(listing);
    counts.datasets++;
    // Unchanged at the source since the copy: not even read.
    if (copied && copied.fingerprint === fingerprint) {
      counts.unchanged++;
      return;
    }
    const snapshot = await source.readDataset(address);
    if (!snapshot) {
      counts.datasets--; // deleted between the listing and the read
      return;
    }
    if (copied && copied.syncCount === snapshot.syncCount) {
      counts.unchanged++;
      if (!dryRun) checkpoint.markCopied(address, { syncCount: snapshot.syncCount, fingerprint });
      return;
    }
    if (dryRun) {
      const above = copied?.syncCount ?? 0;
      const records = snapshot.records.filter((record) => record.syncCount > above);
      counts.copied++;
      counts.records += records.length;
      counts.bytes += records.reduce((sum, record) => sum + Buffer.byteLength(record.key) + Buffer.byteLength(record.value ?? ''), 0);
      return;
    }
    const outcome: WriteOutcome = await targetCall('WriteDataset', () => target.writeDataset(snapshot, copied?.syncCount));
    switch (outcome.kind) {
      case 'written':
        counts.copied++;
        counts.records += outcome.records;
        counts.bytes += outcome.bytes;
        checkpoint.markCopied(address, { syncCount: snapshot.syncCount, fingerprint });
        return;
      case 'unchanged':
        // Written by a run that was killed before its checkpoint was saved.
        counts.unchanged++;
        checkpoint.markCopied(address, { syncCount: snapshot.syncCount, fingerprint });
        return;
      case 'conflict':
        counts.conflicts++;
        conflicts.push({
          ...address,
          sourceSyncCount: snapshot.syncCount,
          targetSyncCount: outcome.targetSyncCount,
          lastCopiedSyncCount: copied?.syncCount ?? null,
        });
        return;
    }
  };

  const copyIdentity = async (identityPoolId: string, identityId: string): Promise<void> => {
    const listings = await source.listDatasets(identityPoolId, identityId);
    for (const listing of listings) await copyDataset(listing);
    const listed = new Set(listings.map((listing) => listing.datasetName));
    for (const datasetName of checkpoint.datasetsOf(identityPoolId, identityId)) {
      if (!listed.has(datasetName)) goneFromSource.push({ identityPoolId, identityId, datasetName });
    }
    counts.identitiesDone++;
  };

  /**
   * The pool's identities. The listing runs ahead of the workers (a page is 60 identities, a cheap
   * request), so that the total, and with it the ETA, is known early; ids wait in memory meanwhile
   * (tens of bytes each). `last`: the listing of the run's last pool, whose end makes the total final.
   */
  async function* identitiesOf(identityPoolId: string, last: boolean): AsyncGenerator<string> {
    const listed: string[] = [];
    let next = 0;
    let finished = false;
    let failure: { error: unknown } | undefined;
    let stopped = false;
    let wake: (() => void) | undefined;
    const listing = (async () => {
      try {
        for await (const identityId of source.listIdentities(identityPoolId)) {
          if (stopped) return;
          listed.push(identityId);
          counts.identitiesListed++;
          wake?.();
        }
      } catch (error) {
        failure = { error };
      } finally {
        finished = true;
        if (last) counts.listingDone = true;
        wake?.();
      }
    })();
    try {
      for (;;) {
        if (next < listed.length) {
          const identityId = listed[next++];
          // Drop what the workers have taken now and then, rather than shifting on every id.
          if (next >= 1024) {
            listed.splice(0, next);
            next = 0;
          }
          yield identityId;
          continue;
        }
        if (failure) throw failure.error;
        if (finished) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    } finally {
      stopped = true;
      await listing;
    }
  }

  const saver = dryRun
    ? undefined
    : setInterval(() => void checkpoint.save().catch(() => undefined), options.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS);
  saver?.unref();
  let failed = false;
  try {
    for (const [i, identityPoolId] of options.pools.entries()) {
      pools.push(await copyPoolConfiguration(identityPoolId));
      const identities = identitiesOf(identityPoolId, i === options.pools.length - 1);
      await eachConcurrently(identities, options.concurrency ?? DEFAULT_CONCURRENCY, (identityId) => copyIdentity(identityPoolId, identityId));
    }
    counts.listingDone = true;
  } catch (e) {
    failed = true;
    throw e;
  } finally {
    if (saver) clearInterval(saver);
    if (!dryRun && (!failed || options.saveCheckpointOnFailure !== false)) await checkpoint.save();
  }
  return {
    dryRun,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    pools,
    identities: counts.identitiesDone,
    datasets: { total: counts.datasets, copied: counts.copied, unchanged: counts.unchanged, conflicts: counts.conflicts },
    records: counts.records,
    bytes: counts.bytes,
    conflicts,
    goneFromSource,
    devices: DEVICES_NOTE,
  };
}
