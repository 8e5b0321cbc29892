/**
 * The deployed change feed's entry point, in-process (the bundle test runs it as Lambda does): it
 * builds the feed from the process's configuration on first use, answers batch item failures, and
 * counts a batch with failures as a fault of the invocation.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it, vi } from 'vitest';

const PK = 'I#us-east-1:pool#us-east-1:identity';
let handler: (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse>;
const logged: string[] = [];

beforeAll(async () => {
  // Read once per process by config.ts, before the entry point is loaded; nothing here reaches the table.
  process.env.SYNC_TABLE_NAME = 'feed-handler-test';
  process.env.SYNC_OBSERVABILITY = 'on';
  process.env.POWERTOOLS_METRICS_NAMESPACE = 'Test';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    logged.push(String(chunk));
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    logged.push(String(chunk));
    return true;
  });
  ({ handler } = await import('../../lambdas/src/feed/stream-handler'));
});

const context = { functionName: 'ChangeFeed', awsRequestId: 'r1', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

const record = (SK: string, sequenceNumber: string, images: { NewImage?: object; OldImage?: object } = {}): DynamoDBRecord => ({
  eventName: 'MODIFY',
  dynamodb: {
    Keys: marshall({ PK, SK }) as never,
    ...(images.NewImage ? { NewImage: marshall(images.NewImage) as never } : {}),
    ...(images.OldImage ? { OldImage: marshall(images.OldImage) as never } : {}),
    SequenceNumber: sequenceNumber,
  },
});

describe('change feed entry point', () => {
  it('answers no failures for a batch without committed syncs', async () => {
    const result = await handler({ Records: [record('R#ds#=a', '1', { NewImage: { PK, SK: 'R#ds#=a' } })] }, context);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(logged.join('')).toMatch(/"message":"request".*"operation":"ChangeFeed".*"status":200/);
  });

  it('reports an unreadable head and what follows it, as a fault of the invocation', async () => {
    const result = await handler({ Records: [record('D#ds', '2'), record('R#ds#=a', '3', { NewImage: { PK, SK: 'R#ds#=a' } })] }, context);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: '2' }, { itemIdentifier: '3' }] });
    const lines = logged.join('');
    expect(lines).toMatch(/"message":"Unexpected error".*"sequenceNumber":"2"/);
    expect(lines).toMatch(/"errorType":"ConsumerFailed"/);
    expect(lines).toMatch(/"FeedFailures"/);
  });
});
