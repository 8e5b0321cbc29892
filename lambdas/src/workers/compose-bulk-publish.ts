/**
 * The one composition of BulkPublish: the operations' capability (BulkPublishing) and the worker,
 * over the job's item, a segmented scan of the pool's datasets, and Cognito Streams' publisher
 * (feed/cognito-streams.ts). With a worker function configured (deployed) jobs are launched by an
 * asynchronous invocation of it; without one (locally) the worker runs in this process.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBBulkPublishStore } from '../adapters/dynamodb/bulk-publish-store';
import { DynamoDBPoolDatasets } from '../adapters/dynamodb/pool-datasets-scan';
import { DynamoDBSyncStore } from '../adapters/dynamodb/sync-store';
import { AsyncInvokeLauncher } from '../adapters/lambda/async-invoke-launcher';
import type { SyncConfig } from '../config';
import { BulkPublishing } from '../domain/pools/bulk-publish';
import { InProcessBulkPublishLauncher } from '../domain/pools/bulk-publish-in-process';
import type { BulkPublishLauncher } from '../domain/pools/bulk-publish-ports';
import { BulkPublishWorker } from '../domain/pools/bulk-publish-worker';
import { EVERY_POOL, type PoolDirectory } from '../domain/pools/ports';
import { type Clock, systemClock } from '../domain/ports';
import { composeStreams } from '../feed/cognito-streams';

export interface BulkPublishComposition {
  readonly publishing: BulkPublishing;
  readonly worker: BulkPublishWorker;
  readonly launcher: BulkPublishLauncher;
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

export async function composeBulkPublish(settings: BulkPublishSettings): Promise<BulkPublishComposition> {
  const { config, dynamodb, tableName } = settings;
  const clock = settings.clock ?? systemClock;
  const store = new DynamoDBBulkPublishStore(dynamodb, tableName);
  const datasets = new DynamoDBPoolDatasets(dynamodb, tableName, new DynamoDBSyncStore(dynamodb, tableName));
  const { settings: streaming, publisher } = composeStreams({ config, dynamodb, tableName });
  const worker = new BulkPublishWorker({ store, datasets, streaming, publisher, clock });
  const functionName = config.streams.bulkPublishFunction;
  let launcher: BulkPublishLauncher;
  let inProcess: InProcessBulkPublishLauncher | undefined;
  if (functionName) {
    // Loaded only where a worker function is configured: the local bundle never needs the client.
    const { LambdaClient } = await import('@aws-sdk/client-lambda');
    launcher = new AsyncInvokeLauncher(new LambdaClient({ region: config.region }), functionName);
  } else {
    inProcess = new InProcessBulkPublishLauncher(async () => worker);
    launcher = inProcess;
  }
  const publishing = new BulkPublishing({ store, streaming, datasets, launcher, directory: settings.directory ?? EVERY_POOL, clock });
  return { publishing, worker, launcher, ...(inProcess && { inProcess }) };
}
