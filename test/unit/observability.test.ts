/**
 * The observability middlewares around handlers that are not HTTP (the coming stream consumer and
 * BulkPublish worker): the same Powertools logger, metrics and our report, whatever the event.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { captureOutput } from '../helpers/log-lines';

type Observability = typeof import('../../lambdas/src/observability/middleware');
let observability: Observability['observability'];
let invocationOutcome: Observability['invocationOutcome'];

beforeAll(async () => {
  // Read once per process (this test file's), as in a function, where Lambda sets the variable.
  vi.stubEnv('SYNC_OBSERVABILITY', 'on');
  // Lambda sets it; without it Powertools reports no cold start.
  vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
  ({ observability, invocationOutcome } = await import('../../lambdas/src/observability/middleware'));
});

afterEach(() => vi.restoreAllMocks());

// Not the local router's (lambdas/local/http/dispatch.ts): importing the operation handlers would read the configuration first.
const context = (): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'open-cognito-sync-StreamConsumer',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:open-cognito-sync-StreamConsumer',
  memoryLimitInMB: '1024',
  awsRequestId: 'req-1',
  logGroupName: '/aws/lambda/open-cognito-sync-StreamConsumer',
  logStreamName: 'test',
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

/** A worker over a batch of stream records: its event is no HTTP request, its result no answer. */
const worker = (work: (records: unknown[]) => Promise<void>) =>
  middy<{ Records: unknown[] }, void>()
    .use(observability('StreamConsumer', invocationOutcome))
    .handler(async (event) => work(event.Records));

describe('observability around a handler that is not HTTP', () => {
  it('logs one request line with the Lambda context and publishes the metrics, ColdStart once', async () => {
    const handler = worker(async () => undefined);
    const out = captureOutput();
    await handler({ Records: [1, 2] }, context());
    await handler({ Records: [] }, context());
    const lines = out.lines();
    const requests = lines.filter((l) => l.message === 'request');
    expect(requests).toHaveLength(2);
    expect(requests[0]).toMatchObject({ level: 'INFO', operation: 'StreamConsumer', status: 200, cold_start: true, function_request_id: 'req-1' });
    expect(requests[1]).toMatchObject({ cold_start: false });
    expect(typeof requests[0].latencyMs).toBe('number');
    const emf = lines.filter((l) => typeof l._aws === 'object' && 'Latency' in l);
    expect(emf).toHaveLength(2);
    expect(emf[0]).toMatchObject({ Operation: 'StreamConsumer', Faults: 0, ClientErrors: 0, Conflicts: 0 });
    expect(lines.filter((l) => typeof l._aws === 'object' && 'ColdStart' in l)).toEqual([expect.objectContaining({ ColdStart: 1 })]);
  });

  it('counts a thrown error as a fault, logged at ERROR, and still throws it (for the event source to retry)', async () => {
    const handler = worker(async () => {
      throw new RangeError('shard iterator expired');
    });
    const out = captureOutput();
    await expect(handler({ Records: [1] }, context())).rejects.toThrow('shard iterator expired');
    const lines = out.lines();
    expect(lines.find((l) => l.message === 'request')).toMatchObject({ level: 'ERROR', status: 500, errorType: 'RangeError' });
    expect(lines.find((l) => typeof l._aws === 'object' && 'Latency' in l)).toMatchObject({ Faults: 1, ClientErrors: 0 });
  });
});
