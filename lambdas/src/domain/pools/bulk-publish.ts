/**
 * BulkPublish and GetBulkPublishDetails: starting the backfill of a whole pool to its Cognito Stream,
 * and its state. The work itself is the worker's (bulk-publish-worker.ts), launched asynchronously.
 *
 * - one job in progress at a time: DuplicateRequestException;
 * - one success per 24 hours: AlreadyStreamedException (counted from the success's completion);
 * - streaming must be ENABLED with a stream and a role: InvalidConfigurationException.
 *
 * Two BulkPublish racing: the job item is written under a condition on the job it replaces, so one
 * wins and the other gets DuplicateRequestException. A BulkPublish that finds a stuck job (no
 * checkpoint for STUCK_AFTER_MS) launches its worker again, to resume from the checkpoint, and still
 * answers DuplicateRequestException: that job is the one in progress.
 */
import { randomUUID } from 'node:crypto';
import { Errors } from '../../errors';
import type { Clock } from '../ports';
import { enabledTarget } from '../streams/stream-publisher';
import type { StreamingSettings } from '../streams/ports';
import type { BulkPublishDetails, BulkPublishJob } from './bulk-publish-model';
import type { BulkPublishLauncher, BulkPublishStore, PoolDatasets } from './bulk-publish-ports';
import type { PoolRef } from './model';
import type { PoolDirectory } from './ports';

/** Cognito allowed one successful bulk publish per 24 hours. */
export const BULK_PUBLISH_INTERVAL_MS = 24 * 3600 * 1000;

/**
 * A job IN_PROGRESS whose worker has not checkpointed for this long is taken as stuck (its worker
 * died and its retries ran out, or the local server stopped): longer than a worker run (15 minutes,
 * Lambda's most) plus a page.
 */
export const STUCK_AFTER_MS = 20 * 60 * 1000;

export interface BulkPublishingDeps {
  readonly store: BulkPublishStore;
  readonly streaming: StreamingSettings;
  readonly datasets: Pick<PoolDatasets, 'totalSegments'>;
  readonly launcher: BulkPublishLauncher;
  readonly directory: PoolDirectory;
  readonly clock: Clock;
}

export class BulkPublishing {
  constructor(private readonly deps: BulkPublishingDeps) {}

  async start(ref: PoolRef): Promise<PoolRef> {
    const poolId = ref.IdentityPoolId;
    await this.requirePool(poolId);
    const { streams } = await this.deps.streaming.streamingOf(poolId);
    if (!enabledTarget(poolId, streams)) {
      throw Errors.invalidConfiguration(`Cognito Streams is not enabled with a stream and a role for identity pool ${poolId}.`);
    }
    const previous = await this.deps.store.read(poolId);
    const now = this.deps.clock.now();
    if (previous?.status === 'IN_PROGRESS') {
      // Still the one job in progress, but a stuck one is set going again from its checkpoint.
      if (now - previous.touchedAt >= STUCK_AFTER_MS) await this.deps.launcher.launch(poolId, previous.jobId);
      throw duplicate(poolId);
    }
    if (previous?.lastSucceededAt !== undefined && now - previous.lastSucceededAt < BULK_PUBLISH_INTERVAL_MS) {
      throw Errors.alreadyStreamed(`A bulk publish of identity pool ${poolId} succeeded within the last 24 hours.`);
    }
    const job: BulkPublishJob = {
      jobId: randomUUID(),
      status: 'IN_PROGRESS',
      startTime: now,
      touchedAt: now,
      segments: Array.from({ length: this.deps.datasets.totalSegments }, () => 'start' as const),
      ...(previous?.lastSucceededAt !== undefined && { lastSucceededAt: previous.lastSucceededAt }),
    };
    if (!(await this.deps.store.start(poolId, job, previous?.jobId))) throw duplicate(poolId);
    // If the launch fails the job stays IN_PROGRESS with its checkpoint at the start: the error
    // reaches the caller, and the deployed launcher's own retries (or a later resume) pick it up.
    await this.deps.launcher.launch(poolId, job.jobId);
    return { IdentityPoolId: poolId };
  }

  async details(ref: PoolRef): Promise<BulkPublishDetails> {
    const poolId = ref.IdentityPoolId;
    await this.requirePool(poolId);
    const job = await this.deps.store.read(poolId);
    if (!job) return { IdentityPoolId: poolId, BulkPublishStatus: 'NOT_STARTED' };
    return {
      IdentityPoolId: poolId,
      BulkPublishStatus: job.status,
      BulkPublishStartTime: new Date(job.startTime),
      ...(job.completeTime !== undefined && { BulkPublishCompleteTime: new Date(job.completeTime) }),
      ...(job.failureMessage !== undefined && { FailureMessage: job.failureMessage }),
    };
  }

  private async requirePool(identityPoolId: string): Promise<void> {
    if (!(await this.deps.directory.exists(identityPoolId))) throw Errors.resourceNotFound(`Identity pool '${identityPoolId}' was not found.`);
  }
}

const duplicate = (poolId: string) => Errors.duplicateRequest(`A bulk publish of identity pool ${poolId} is already in progress.`);
