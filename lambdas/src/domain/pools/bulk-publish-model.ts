/**
 * BulkPublish and GetBulkPublishDetails (spec: Cognito Streams' backfill): the job's state as the
 * operations answer it, and as its worker keeps it on the pool's `P#<pool>` partition.
 */
export type BulkPublishStatus = 'NOT_STARTED' | 'IN_PROGRESS' | 'FAILED' | 'SUCCEEDED';

/** GetBulkPublishDetails' answer, in the model's member names. */
export interface BulkPublishDetails {
  readonly IdentityPoolId: string;
  readonly BulkPublishStatus: BulkPublishStatus;
  readonly BulkPublishStartTime?: Date;
  readonly BulkPublishCompleteTime?: Date;
  readonly FailureMessage?: string;
}

/** Where one scan segment is: a position to go on from, `start`, or `done`. */
export type SegmentCursor = string | 'start' | 'done';

/** The last job of a pool. Times are epoch milliseconds. */
export interface BulkPublishJob {
  readonly jobId: string;
  readonly status: Exclude<BulkPublishStatus, 'NOT_STARTED'>;
  readonly startTime: number;
  readonly completeTime?: number;
  readonly failureMessage?: string;
  /** One cursor per parallel scan segment: the worker's checkpoint. */
  readonly segments: readonly SegmentCursor[];
  /** When its worker last started or checkpointed: a job IN_PROGRESS left untouched long is stuck. */
  readonly touchedAt: number;
  /** When a job of this pool last SUCCEEDED (this one or an earlier one): the 24-hour rule. */
  readonly lastSucceededAt?: number;
}

/** How a job ends. */
export type JobOutcome = { readonly status: 'SUCCEEDED'; readonly at: number } | { readonly status: 'FAILED'; readonly at: number; readonly message: string };
