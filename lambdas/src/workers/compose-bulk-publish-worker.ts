/**
 * The BulkPublish worker's composition: the segmented scan of the pool's datasets, the job's item,
 * and Cognito Streams' publisher (feed/cognito-streams.ts: Kinesis through the developer's role, S3
 * for large payloads). Used by the worker function and, locally, by the in-process composition.
 */
import { DynamoDBBulkPublishStore } from '../adapters/dynamodb/bulk-publish-store';
import { DynamoDBPoolDatasets } from '../adapters/dynamodb/pool-datasets-scan';
import { DynamoDBSyncStore } from '../adapters/dynamodb/sync-store';
import { InProcessBulkPublishLauncher } from '../domain/pools/bulk-publish-in-process';
import { BulkPublishWorker } from '../domain/pools/bulk-publish-worker';
import { systemClock } from '../domain/ports';
import { composeStreams } from '../feed/cognito-streams';
import { type BulkPublishComposition, type BulkPublishSettings, composeBulkPublishing } from './compose-bulk-publish';

export function composeBulkPublishWorker(settings: BulkPublishSettings): BulkPublishWorker {
  const { config, dynamodb, tableName } = settings;
  const { settings: streaming, publisher } = composeStreams({ config, dynamodb, tableName });
  return new BulkPublishWorker({
    store: new DynamoDBBulkPublishStore(dynamodb, tableName),
    datasets: new DynamoDBPoolDatasets(dynamodb, tableName, new DynamoDBSyncStore(dynamodb, tableName)),
    streaming,
    publisher,
    clock: settings.clock ?? systemClock,
  });
}

/** Locally (and in tests): BulkPublish whose jobs run in this process, with no deadline. */
export const composeInProcessBulkPublish = async (settings: BulkPublishSettings): Promise<BulkPublishComposition> => {
  const worker = composeBulkPublishWorker(settings);
  const inProcess = new InProcessBulkPublishLauncher(async () => worker);
  return { publishing: composeBulkPublishing(settings, inProcess), inProcess };
};
