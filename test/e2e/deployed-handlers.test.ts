/**
 * The deployed entry points called in-process, as Lambda calls them: configured only through the
 * environment (SYNC_TABLE_NAME, DYNAMODB_ENDPOINT for DynamoDB Local, the token key), each building
 * its capability through capabilities.ts and runtime.ts's process-wide composition on first use.
 * The local server injects its own composition, so without these calls the deployed wiring of the
 * later operations (sync trigger, push, bulk publish) would run nowhere in the suite.
 *
 * Nothing here reaches AWS: push sync is not configured (RegisterDevice answers before any STS or
 * SNS call), the pool has no sync trigger, and the BulkPublish worker is handed a job that is not
 * running.
 */
import { randomBytes } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SyncHttpEvent, SyncHttpResult } from '../../lambdas/src/protocol/http-event';
import { freshTable } from '../helpers/dynamodb-local';
import { encodeLabel, identity, makeEvent, poolPath, TEST_IDENTITY_ID, TEST_POOL_ID } from '../helpers/events';

type Handler = (event: SyncHttpEvent, context: Context) => Promise<SyncHttpResult>;

const context = { awsRequestId: 'deployed', functionName: 'deployed-test', getRemainingTimeInMillis: () => 29_000 } as unknown as Context;
const datasetPath = (name: string) => `${poolPath()}/identities/${encodeLabel(TEST_IDENTITY_ID)}/datasets/${name}`;
const bodyOf = (result: SyncHttpResult) => JSON.parse(result.body ?? '{}');

async function call(operation: string, event: SyncHttpEvent): Promise<SyncHttpResult> {
  const { handler } = (await import(`../../lambdas/src/handlers/${operation}`)) as { handler: Handler };
  return handler(event, context);
}

beforeAll(async () => {
  const table = await freshTable('deployed-handlers');
  // Read once, at the first call's composition (lambdas/src/config.ts).
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDDEPLOYEDTEST',
    AWS_SECRET_ACCESS_KEY: 'deployed-test-secret',
    SYNC_TABLE_NAME: table.tableName,
    DYNAMODB_ENDPOINT: table.endpoint,
    SYNC_TOKEN_KEY: randomBytes(32).toString('hex'),
  });
});

describe('deployed entry points, configured by the environment', () => {
  it('UpdateRecords (the entry point that can run sync triggers) commits, and ListRecords reads it back', async () => {
    const principal = identity();
    const listed = await call('ListRecords', makeEvent({ method: 'GET', rawPath: `${datasetPath('game')}/records`, principal }));
    expect(listed.statusCode).toBe(200);
    const { SyncSessionToken } = bodyOf(listed);
    const updated = await call(
      'UpdateRecords',
      makeEvent({
        method: 'POST',
        rawPath: datasetPath('game'),
        principal,
        body: { SyncSessionToken, RecordPatches: [{ Op: 'replace', Key: 'score', Value: '7', SyncCount: 0 }] },
      }),
    );
    expect(updated.statusCode).toBe(200);
    expect(bodyOf(updated).Records).toEqual([expect.objectContaining({ Key: 'score', Value: '7', SyncCount: 1 })]);
  });

  it('push sync: RegisterDevice without PushSync configured is InvalidConfigurationException; Subscribe and Unsubscribe of an unknown device are ResourceNotFoundException', async () => {
    const principal = identity();
    const registered = await call(
      'RegisterDevice',
      makeEvent({
        method: 'POST',
        rawPath: `${poolPath()}/identity/${encodeLabel(TEST_IDENTITY_ID)}/device`,
        principal,
        body: { Platform: 'GCM', Token: 'token-1' },
      }),
    );
    expect([registered.statusCode, bodyOf(registered).__type ?? registered.headers?.['x-amzn-ErrorType']]).toEqual([
      400,
      expect.stringMatching(/InvalidConfiguration/),
    ]);
    for (const [operation, method] of [
      ['SubscribeToDataset', 'POST'],
      ['UnsubscribeFromDataset', 'DELETE'],
    ] as const) {
      const result = await call(operation, makeEvent({ method, rawPath: `${datasetPath('game')}/subscriptions/no-such-device`, principal }));
      expect([operation, result.statusCode, String(bodyOf(result).__type ?? result.headers?.['x-amzn-ErrorType'])]).toEqual([
        operation,
        404,
        expect.stringMatching(/ResourceNotFound/),
      ]);
    }
  });

  it('GetBulkPublishDetails of a pool that never published is NOT_STARTED; the worker handed a job that is not running ends at once', async () => {
    const details = await call('GetBulkPublishDetails', makeEvent({ method: 'POST', rawPath: `${poolPath()}/getBulkPublishDetails` }));
    expect(details.statusCode).toBe(200);
    expect(bodyOf(details)).toMatchObject({ IdentityPoolId: TEST_POOL_ID, BulkPublishStatus: 'NOT_STARTED' });
    const { handler } = await import('../../lambdas/src/workers/bulk-publish-handler');
    await expect(handler({ identityPoolId: TEST_POOL_ID, jobId: 'not-running' }, context)).resolves.toBeUndefined();
  });
});
