/**
 * The deployed change feed: the Lambda function on the table's DynamoDB stream (lib/change-feed.ts).
 * Its event source mapping hands it committed dataset heads only (a filter), reports batch item
 * failures, bisects and retries a bounded number of times, then sends what is left to an SQS queue.
 *
 * The feed is built once per container, from the process's configuration, on first use.
 */
import middy from '@middy/core';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { storageClient } from '../adapters/dynamodb/local-client';
import { processConfig } from '../config';
import { getInstruments, logUnexpectedError, observabilityConfig } from '../observability/instruments';
import { observability, type OutcomeOf } from '../observability/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { buildFeed } from './build-feed';
import type { Feed, FeedObserver } from './run-feed';

/** The function's name in logs and metrics (dimension `Operation`). */
export const CHANGE_FEED_NAME = 'ChangeFeed';

let feed: Promise<Feed> | undefined;

/** Deployed: one log line per failed record, and `FeedEvents` / `FeedFailures` metrics. */
function powertoolsObserver(): FeedObserver {
  if (!observabilityConfig().enabled) return {};
  const { metrics } = getInstruments();
  return {
    delivered: () => metrics.addMetric('FeedEvents', MetricUnit.Count, 1),
    failed: (failure) => {
      metrics.addMetric('FeedFailures', MetricUnit.Count, 1);
      logUnexpectedError(failure.error, {
        operation: CHANGE_FEED_NAME,
        consumer: failure.consumer,
        sequenceNumber: failure.sequenceNumber,
        event: failure.event,
      });
    },
  };
}

function processFeed(): Promise<Feed> {
  feed ??= (async () => {
    const config = processConfig();
    const tableName = config.storage.tableName;
    if (!tableName) throw new Error('SYNC_TABLE_NAME must be set');
    // DYNAMODB_ENDPOINT: DynamoDB Local, as the runtime reaches it (the bundle tests run this function against it).
    const dynamodb = storageClient(config.region, config.storage);
    return buildFeed({ config, dynamodb, tableName, observer: powertoolsObserver() });
  })().catch((e: unknown) => {
    // A failed start must not poison the container for good.
    feed = undefined;
    throw e;
  });
  return feed;
}

/** A batch with failures is a fault of the invocation, though the function returns normally. */
const feedOutcome: OutcomeOf<DynamoDBStreamEvent, DynamoDBBatchResponse> = (request) => {
  const failures = request.response?.batchItemFailures?.length ?? 0;
  if (request.error) return { status: 500, fault: true, level: 'error', errorType: request.error.name };
  return failures > 0
    ? { status: 500, fault: true, level: 'error', errorType: 'ConsumerFailed', fields: { records: request.event.Records.length, failures } }
    : { status: 200, fault: false, level: 'info', fields: { records: request.event.Records.length } };
};

export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse, Error, Context>()
  .use(observability(CHANGE_FEED_NAME, feedOutcome))
  .handler(async (event) => {
    const { batchItemFailures } = await (await processFeed()).run(event);
    return { batchItemFailures };
  });
