/**
 * The BulkPublish worker: publishes every live dataset of a pool to its stream, one record per
 * dataset in the format of the change feed's records (domain/streams/), scanning the table in
 * parallel segments and checkpointing each segment's cursor on the job's item after each page.
 *
 * Durable: a worker killed at any point leaves the job IN_PROGRESS with the cursor of the last page
 * it finished; the next run (a retry, or the continuation it launched itself before its deadline)
 * goes on from there. The page in flight when it died is published again, which Cognito allowed
 * (consumers deduplicate by identity, dataset and sync count), and nothing is skipped.
 *
 * Outcomes: every segment done -> SUCCEEDED; streaming no longer enabled, or the stream or role
 * gone (streaming switched off by the publisher) -> FAILED with the reason; anything else is thrown,
 * for the run to be retried from the checkpoint.
 */
import type { Clock } from '../ports';
import { StreamUnavailableError } from '../streams/ports';
import { enabledTarget, type StreamPublisher } from '../streams/stream-publisher';
import type { StreamingSettings, StreamTarget } from '../streams/ports';
import type { StreamChange } from '../streams/stream-record';
import type { BulkPublishJob } from './bulk-publish-model';
import type { BulkPublishStore, DatasetSnapshot, PoolDatasets } from './bulk-publish-ports';

/** What a run ended with: the job is over (or not this worker's), or it must continue in a fresh run. */
export type WorkerRun = 'finished' | 'continue';

export interface BulkPublishWorkerDeps {
  readonly store: BulkPublishStore;
  readonly datasets: PoolDatasets;
  readonly streaming: StreamingSettings;
  readonly publisher: StreamPublisher;
  readonly clock: Clock;
}

export interface RunLimits {
  /** Milliseconds left before this run must stop (a Lambda invocation's remaining time, less a margin). */
  readonly remainingMs: () => number;
}

export class BulkPublishWorker {
  constructor(private readonly deps: BulkPublishWorkerDeps) {}

  async run(identityPoolId: string, jobId: string, limits: RunLimits): Promise<WorkerRun> {
    const job = await this.deps.store.read(identityPoolId);
    if (job?.jobId !== jobId || job.status !== 'IN_PROGRESS') return 'finished';
    const { streams } = await this.deps.streaming.streamingOf(identityPoolId);
    const target = enabledTarget(identityPoolId, streams);
    if (!target) return this.fail(identityPoolId, jobId, streams?.DisabledReason ?? 'Cognito Streams was disabled during the bulk publish.');
    // One segment failing stops the others at their next page, and the run ends only when none is
    // still working: no orphaned page may checkpoint after the run has given up.
    let stop = false;
    const stopped = () => stop || limits.remainingMs() <= 0;
    const runs = await Promise.allSettled(
      job.segments.map((_, segment) =>
        this.runSegment(identityPoolId, job, segment, target, stopped).catch((e: unknown) => {
          stop = true;
          throw e;
        }),
      ),
    );
    const failure = runs.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) {
      if (failure.reason instanceof StreamUnavailableError) return this.fail(identityPoolId, jobId, failure.reason.message);
      throw failure.reason;
    }
    if (runs.some((r) => r.status === 'fulfilled' && r.value === 'continue')) return 'continue';
    await this.deps.store.finish(identityPoolId, jobId, { status: 'SUCCEEDED', at: this.deps.clock.now() });
    return 'finished';
  }

  private async runSegment(identityPoolId: string, job: BulkPublishJob, segment: number, target: StreamTarget, stopped: () => boolean): Promise<WorkerRun> {
    let cursor = job.segments[segment] ?? 'start';
    while (cursor !== 'done') {
      if (stopped()) return 'continue';
      const page = await this.deps.datasets.page(identityPoolId, segment, cursor === 'start' ? undefined : cursor);
      if (page.datasets.length > 0)
        await this.deps.publisher.publish(
          target,
          page.datasets.map((d) => changeOf(identityPoolId, d)),
          'bulk',
        );
      cursor = page.next ?? 'done';
      await this.deps.store.checkpoint(identityPoolId, job.jobId, segment, cursor, this.deps.clock.now());
    }
    return 'finished';
  }

  private async fail(identityPoolId: string, jobId: string, message: string): Promise<WorkerRun> {
    await this.deps.store.finish(identityPoolId, jobId, { status: 'FAILED', at: this.deps.clock.now(), message });
    return 'finished';
  }
}

const changeOf = (identityPoolId: string, dataset: DatasetSnapshot): StreamChange => ({
  identityPoolId,
  identityId: dataset.identityId,
  datasetName: dataset.datasetName,
  operation: 'replace',
  syncCount: dataset.syncCount,
  lastModifiedDate: dataset.lastModifiedDate,
  records: dataset.records,
});
