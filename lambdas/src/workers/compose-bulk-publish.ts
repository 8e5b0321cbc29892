/**
 * The compositions of BulkPublish. The operations' capability (BulkPublishing) needs only the job's
 * item, the pool's streaming settings and a launcher; the worker (compose-bulk-publish-worker.ts)
 * also needs Cognito Streams' publisher, with its Kinesis, S3 and STS clients. Each entry point
 * takes the composition it needs, so that the BulkPublish and GetBulkPublishDetails functions
 * bundle none of the worker's clients:
 *
 * - deployed BulkPublish: jobs launched by an asynchronous invocation of the worker function;
 * - deployed GetBulkPublishDetails: reads only, launches nothing;
 * - locally (compose-bulk-publish-worker.ts `composeInProcessBulkPublish`): the worker in-process.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBBulkPublishStore } from '../adapters/dynamodb/bulk-publish-store';
import { BULK_PUBLISH_SEGMENTS } from '../adapters/dynamodb/pool-datasets-scan';
import { DynamoDBPoolStreamingSettings } from '../adapters/dynamodb/pool-streaming-settings';
import { AsyncInvokeLauncher } from '../adapters/lambda/async-invoke-launcher';
import type { SyncConfig } from '../config';
import { BulkPublishing } from '../domain/pools/bulk-publish';
import type { InProcessBulkPublishLauncher } from '../domain/pools/bulk-publish-in-process';
import type { BulkPublishLauncher } from '../domain/pools/bulk-publish-ports';
import { EVERY_POOL, type PoolDirectory } from '../domain/pools/ports';
import { type Clock, systemClock } from '../domain/ports';

export interface BulkPublishComposition {
  readonly publishing: BulkPublishing;
  /** The in-process launcher, when jobs run in this process: `idle()` waits for them. */
  readonly inProcess?: InProcessBulkPublishLauncher;
}

export interface BulkPublishSettings {
  readonly config: SyncConfig;
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  /** Which pools exist; default every well-formed id (deployed). */
  readonly directory?: PoolDirectory;
  /** Tests move it (the 24-hour rule). */
  readonly clock?: Clock;
}

/** BulkPublishing over the table, launching jobs with `launcher`. */
export function composeBulkPublishing(settings: BulkPublishSettings, launcher: BulkPublishLauncher): BulkPublishing {
  const { dynamodb, tableName } = settings;
  return new BulkPublishing({
    store: new DynamoDBBulkPublishStore(dynamodb, tableName),
    streaming: new DynamoDBPoolStreamingSettings(dynamodb, tableName),
    datasets: { totalSegments: BULK_PUBLISH_SEGMENTS },
    launcher,
    directory: settings.directory ?? EVERY_POOL,
    clock: settings.clock ?? systemClock,
  });
}

/** The launcher of the worker function the stack configures (SYNC_BULK_PUBLISH_FUNCTION). */
export function workerFunctionLauncher(config: SyncConfig): BulkPublishLauncher {
  const functionName = config.streams.bulkPublishFunction;
  if (!functionName) throw new Error('SYNC_BULK_PUBLISH_FUNCTION must be set');
  return new AsyncInvokeLauncher(config.region, functionName);
}

/** Deployed BulkPublish: jobs run in the worker function. */
export const composeBulkPublish = async (settings: BulkPublishSettings): Promise<BulkPublishComposition> => ({
  publishing: composeBulkPublishing(settings, workerFunctionLauncher(settings.config)),
});

/** GetBulkPublishDetails only reads; a launch through it is a bug. */
const NO_LAUNCHES: BulkPublishLauncher = {
  launch: async () => {
    throw new Error('GetBulkPublishDetails launches no job');
  },
};

/** Deployed GetBulkPublishDetails. */
export const composeBulkPublishDetails = async (settings: BulkPublishSettings): Promise<BulkPublishComposition> => ({
  publishing: composeBulkPublishing(settings, NO_LAUNCHES),
});
