/**
 * The BulkPublish worker function (lib/cognito-streams.ts deploys it): invoked asynchronously
 * with a pool and a job, it runs the worker until the job ends or its invocation nears its end, and
 * then invokes itself again to continue from the checkpoint. A run that throws is retried by Lambda
 * (twice), each retry resuming from the checkpoint; a job whose retries all failed stays
 * IN_PROGRESS until a BulkPublish finds it stuck and launches it again (domain/pools/bulk-publish.ts).
 */
import { storageClient } from '../adapters/dynamodb/local-client';
import type { Context } from 'aws-lambda';
import type { BulkPublishWorkerEvent } from '../adapters/lambda/async-invoke-launcher';
import { processConfig } from '../config';
import type { BulkPublishLauncher } from '../domain/pools/bulk-publish-ports';
import type { BulkPublishWorker } from '../domain/pools/bulk-publish-worker';
import { workerFunctionLauncher } from './compose-bulk-publish';
import { composeBulkPublishWorker } from './compose-bulk-publish-worker';

/** Time kept back from a run's deadline: enough for the pages in flight and the next invocation. */
export const RUN_MARGIN_MS = 90_000;

let composition: Promise<{ worker: BulkPublishWorker; launcher: BulkPublishLauncher }> | undefined;

export async function handler(event: BulkPublishWorkerEvent, context: Context): Promise<void> {
  composition ??= (async () => {
    const config = processConfig();
    const tableName = config.storage.tableName;
    if (!tableName) throw new Error('SYNC_TABLE_NAME must be set');
    // The worker continues a job by invoking itself: its own name, unless the configuration names one.
    const streams = { ...config.streams, bulkPublishFunction: config.streams.bulkPublishFunction ?? context.functionName };
    const settings = { config: { ...config, streams }, dynamodb: storageClient(config.region, config.storage), tableName };
    return { worker: composeBulkPublishWorker(settings), launcher: workerFunctionLauncher(settings.config) };
  })();
  const { worker, launcher } = await composition;
  const outcome = await worker.run(event.identityPoolId, event.jobId, { remainingMs: () => context.getRemainingTimeInMillis() - RUN_MARGIN_MS });
  if (outcome === 'continue') await launcher.launch(event.identityPoolId, event.jobId);
}
