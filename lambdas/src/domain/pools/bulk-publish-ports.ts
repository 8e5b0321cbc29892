/**
 * The ports of BulkPublish: the job's item (read, started, checkpointed, finished, each under a
 * condition on the job id), the pool's datasets as a segmented scan, and the worker's launcher.
 */
import type { KinesisSyncRecord } from '../streams/stream-record';
import type { BulkPublishJob, JobOutcome, SegmentCursor } from './bulk-publish-model';

export interface BulkPublishStore {
  read(identityPoolId: string): Promise<BulkPublishJob | undefined>;
  /**
   * Stores `job` as the pool's job, only if the stored one is still `replacing` (undefined: none)
   * and not IN_PROGRESS; answers false, having written nothing, otherwise.
   */
  start(identityPoolId: string, job: BulkPublishJob, replacing: string | undefined): Promise<boolean>;
  /** Moves one segment's cursor (and `touchedAt` to `at`), only while `jobId` is the pool's job and IN_PROGRESS. */
  checkpoint(identityPoolId: string, jobId: string, segment: number, cursor: SegmentCursor, at: number): Promise<void>;
  /** Ends the job, only while `jobId` is the pool's job and IN_PROGRESS. */
  finish(identityPoolId: string, jobId: string, outcome: JobOutcome): Promise<void>;
}

/** A live dataset as it stands: what BulkPublish streams as one record. */
export interface DatasetSnapshot {
  readonly identityId: string;
  readonly datasetName: string;
  readonly syncCount: number;
  readonly lastModifiedDate: number;
  /** Its live records. */
  readonly records: readonly KinesisSyncRecord[];
}

export interface DatasetsPage {
  readonly datasets: readonly DatasetSnapshot[];
  /** Where the segment goes on; absent at its end. */
  readonly next?: string;
}

/** The pool's live datasets, as `totalSegments` scans that may run in parallel. */
export interface PoolDatasets {
  readonly totalSegments: number;
  page(identityPoolId: string, segment: number, cursor: string | undefined): Promise<DatasetsPage>;
}

/** Starts (or continues) a job's worker somewhere else: a Lambda function, or this process. */
export interface BulkPublishLauncher {
  launch(identityPoolId: string, jobId: string): Promise<void>;
}
